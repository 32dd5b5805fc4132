import { isDeepStrictEqual } from 'node:util'
import { isMap, isScalar, isSeq, parse, type Pair } from 'yaml'
import type { SpliceState } from './splice-state.js'

// A `|+` or `>+` scalar keeps every trailing line break: text appended after the last one in
// the file can change its value. When a trial append shows it would, the file is refused
// rather than silently altered.
export function refuseAfterKeptScalar(s: SpliceState, prefix: string): void {
  let node: unknown = s.values.doc.contents
  const path: string[] = []
  while (isMap(node) || isSeq(node)) {
    const last = node.items.at(-1)
    if (last === undefined) return
    if (isMap(node)) {
      path.push(String(((last as Pair).key as { value?: unknown })?.value))
      node = (last as Pair).value
    } else {
      path.push(String(node.items.length - 1))
      node = last
    }
  }
  if (!isScalar(node) || !node.range || !(node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')) return
  const header = /^[|>]([1-9]?\+|\+[1-9]?)/.exec(s.text.slice(node.range[0]))
  if (!header) return
  let probe: Record<string, unknown> | null
  try {
    probe = parse(`${prefix}__cfpull_probe__: 0\n`, {
      version: '1.1',
      uniqueKeys: false,
      maxAliasCount: -1,
    }) as Record<string, unknown> | null
    if (probe && typeof probe === 'object') delete probe.__cfpull_probe__
  } catch {
    probe = null
  }
  if (probe && isDeepStrictEqual(probe, s.values.data)) return
  throw s.invalid(
    node.range[0],
    path,
    `a block scalar that keeps its trailing line breaks (${header[0]}) at the end of the file`,
    'a file that does not end with one: new sections would become part of its value; add another key after it, or use | instead of |+',
  )
}
