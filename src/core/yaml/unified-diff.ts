/**
 * A unified diff of two texts, line by line (Myers' O(ND) algorithm: cfpull's changes are a
 * few inserted lines, so D is small). Returns '' when the texts are equal.
 */
export function unifiedDiff(a: string, b: string, fromName: string, toName: string, context = 3): string {
  if (a === b) return ''
  const x = splitLines(a)
  const y = splitLines(b)
  const ops = diffLines(x, y)
  const hunks: string[] = []
  let i = 0
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.op === ' ') i++
    if (i >= ops.length) break
    const start = Math.max(0, i - context)
    let end = i
    // Extend the hunk while changes are closer than 2*context lines apart.
    for (;;) {
      while (end < ops.length && ops[end]!.op !== ' ') end++
      let gap = end
      while (gap < ops.length && ops[gap]!.op === ' ') gap++
      if (gap < ops.length && gap - end <= 2 * context) end = gap
      else {
        end = Math.min(ops.length, end + context)
        break
      }
    }
    const slice = ops.slice(start, end)
    const aStart = slice.find((o) => o.op !== '+')?.ai ?? ops[start]!.ai
    const bStart = slice.find((o) => o.op !== '-')?.bi ?? ops[start]!.bi
    const aLen = slice.filter((o) => o.op !== '+').length
    const bLen = slice.filter((o) => o.op !== '-').length
    hunks.push(`@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@`)
    for (const o of slice) hunks.push(o.op + o.text)
    i = end
  }
  return [`--- ${fromName}`, `+++ ${toName}`, ...hunks].join('\n') + '\n'
}

export interface LineOp {
  op: ' ' | '-' | '+'
  text: string
  ai: number
  bi: number
}

function splitLines(s: string): string[] {
  const lines = s.split('\n').map((l) => l.replace(/\r$/, ''))
  if (lines.at(-1) === '') lines.pop()
  return lines
}

/** The line-by-line edit script from a to b (what unifiedDiff prints, without the hunks). */
export function diffLines(a: string[], b: string[]): LineOp[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const v = new Int32Array(2 * max + 2)
  const trace: Int32Array[] = []
  let found = false
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let xi = k === -d || (k !== d && v[max + k - 1]! < v[max + k + 1]!) ? v[max + k + 1]! : v[max + k - 1]! + 1
      let yi = xi - k
      while (xi < n && yi < m && a[xi] === b[yi]) {
        xi++
        yi++
      }
      v[max + k] = xi
      if (xi >= n && yi >= m) {
        found = true
        break
      }
    }
  }
  trace.push(v.slice())
  // Walk the trace back from the end to recover the edit script.
  const ops: LineOp[] = []
  let xi = n
  let yi = m
  for (let d = trace.length - 2; d >= 0 && (xi > 0 || yi > 0); d--) {
    const vd = trace[d]!
    const k = xi - yi
    const prevK = k === -d || (k !== d && vd[max + k - 1]! < vd[max + k + 1]!) ? k + 1 : k - 1
    const prevX = d === 0 ? 0 : vd[max + prevK]!
    const prevY = prevX - prevK
    while (xi > prevX && yi > prevY) {
      xi--
      yi--
      ops.push({ op: ' ', text: a[xi]!, ai: xi, bi: yi })
    }
    if (d === 0) break
    if (xi === prevX) {
      yi--
      ops.push({ op: '+', text: b[yi]!, ai: xi, bi: yi })
    } else {
      xi--
      ops.push({ op: '-', text: a[xi]!, ai: xi, bi: yi })
    }
  }
  while (xi > 0 && yi > 0) {
    xi--
    yi--
    ops.push({ op: ' ', text: a[xi]!, ai: xi, bi: yi })
  }
  return ops.reverse()
}
