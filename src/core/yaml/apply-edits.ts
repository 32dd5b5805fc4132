import type { Edit, Marker } from './splice-types.js'

/**
 * The planned edits applied to the original text in one pass, in offset order (at one offset,
 * new top-level sections last), and each marker's outcome given its line in the result.
 * Overlapping edits would be a planning bug: they throw rather than produce a wrong file.
 */
export function applyEdits(text: string, planned: readonly Edit[], markers: readonly Marker[]): string {
  const edits = [...planned].sort((a, b) => a.at - b.at || Number(!!a.last) - Number(!!b.last) || a.del - b.del)
  let out = ''
  let pos = 0
  const start = new Map<Edit, number>()
  for (const e of edits) {
    if (e.at < pos) throw new Error(`overlapping edits at offset ${e.at}`)
    out += text.slice(pos, e.at)
    start.set(e, out.length)
    out += e.insert
    pos = e.at + e.del
  }
  out += text.slice(pos)
  const lineStarts = [0]
  for (let i = 0; i < out.length; i++) if (out[i] === '\n') lineStarts.push(i + 1)
  const lineAt = (offset: number) => {
    let lo = 0
    let hi = lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (lineStarts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }
  // An unmoved offset shifts by what the edits before it added: prefix sums over sorted edits.
  const ends = edits.map((e) => e.at + e.del)
  const shifts: number[] = []
  edits.reduce((sum, e, i) => (shifts[i] = sum + e.insert.length - e.del), 0)
  for (const m of markers) {
    if (m.edit) m.outcome.line = lineAt(start.get(m.edit)! + (m.rel ?? 0))
    else {
      let lo = 0
      let hi = edits.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (ends[mid]! <= m.origin) lo = mid + 1
        else hi = mid
      }
      m.outcome.line = lineAt(m.origin + (lo ? shifts[lo - 1]! : 0))
    }
  }
  return out
}
