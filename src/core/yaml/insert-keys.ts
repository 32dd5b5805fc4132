import type { Pair, YAMLMap, YAMLSeq } from 'yaml'
import { lineEnd, rangeStart } from './file-style.js'
import { refuseAfterKeptScalar } from './kept-scalar-check.js'
import {
  flowEntries,
  jsonEntry,
  jsonPretty,
  leafOutcomes,
  renderBlock,
  renderFlowEntries,
  renderFlowValue,
  renderLeafBody,
  type FlowEntry,
} from './new-text.js'
import type { SpliceState } from './splice-state.js'
import type { Edit, Host, Leaf, TargetOutcome } from './splice-types.js'

// Keys the document lacks: each target's missing keys are filed under the deepest node that
// exists (its host), then every host gets one insertion, in the style of where it goes: a block
// map, a flow map, a key whose value is null, or the end of the document.

// Hosts are keyed by the node they write into, so targets that create keys under the same
// node share one insertion (e.g. a new `repository:` section with both of its keys).
export function mapHost(
  s: SpliceState,
  map: YAMLMap,
  parentPair: Pair | undefined,
  parentCol: number,
  depth: number,
): Host {
  let host = s.hosts.get(map)
  if (host) return host
  if (map.flow) host = { kind: 'flow', map, col: 0, unit: s.style.unit, tree: new Map(), depth }
  else {
    const col = s.colOf(rangeStart(map.items[0]?.key ?? map))
    const unit = parentPair ? Math.max(1, col - parentCol) : s.style.unit
    host = { kind: parentPair ? 'block' : 'root', pair: parentPair, map, col, unit, tree: new Map(), depth }
  }
  s.hosts.set(map, host)
  return host
}

export function nullHost(
  s: SpliceState,
  pair: Pair | undefined,
  parentCol: number,
  depth: number,
  inFlow = false,
): Host {
  const owner: object = pair ?? s.values.doc
  let host = s.hosts.get(owner)
  if (host) return host
  if (pair)
    host = {
      kind: inFlow ? 'flow-null' : 'null',
      pair,
      col: parentCol,
      unit: s.style.unit,
      tree: new Map(),
      depth,
    }
  else {
    host = { kind: 'root', col: 0, unit: s.style.unit, tree: new Map(), depth }
    // A document that is only `~` or `null`: that token goes, the sections take its place.
    const token = s.values.doc.contents as { range?: number[] } | null
    if (token?.range && token.range[1]! > token.range[0]!)
      s.edits.push({ at: token.range[0]!, del: token.range[1]! - token.range[0]!, insert: '' })
  }
  s.hosts.set(owner, host)
  return host
}

/** Files the keys of `rest` (the part of a target's path that does not exist) under a host. */
export function fileUnder(host: Host, rest: string[], leaf: Leaf, outcome: TargetOutcome): void {
  let tree = host.tree
  for (const key of rest.slice(0, -1)) {
    let sub = tree.get(key)
    if (!(sub instanceof Map)) tree.set(key, (sub = new Map()))
    tree = sub
  }
  const last = rest.at(-1)
  if (last === undefined) {
    // The leaf itself replaces a null value: render it directly under the host's key.
    host.tree.set('', { leaf, outcome })
  } else tree.set(last, { leaf, outcome })
  outcome.action = leaf.kind === 'scalar' ? 'set' : host.depth === 0 ? 'created-section' : 'added'
  outcome.names = leaf.kind === 'list' ? leaf.names : [leaf.value]
}

export function renderHost(s: SpliceState, host: Host): void {
  if (host.kind === 'flow') {
    const entries = flowEntries(host.tree, s.style)
    const { edit, rels, outcomeRels } = flowInsert(s, host.map!, '}', entries)
    entries.forEach((e, i) => {
      for (const o of e.outcomes)
        s.markers.push({ outcome: o, origin: edit.at, edit, rel: outcomeRels?.get(o) ?? rels[i]! })
    })
    return
  }
  const direct = host.tree.get('')
  if (host.kind === 'flow-null') {
    // `{key: ~}` or `{key: }`: the value is written in flow style where the null was.
    const pair = host.pair!
    const flow =
      direct && !(direct instanceof Map)
        ? renderFlowValue(direct, s.style)
        : `{${renderFlowEntries(host.tree, s.style)}}`
    const value = pair.value as { range?: [number, number, number] } | null
    const edit =
      value?.range && value.range[1] > value.range[0]
        ? { at: value.range[0], del: value.range[1] - value.range[0], insert: flow }
        : { at: s.text.indexOf(':', (pair.key as { range: number[] }).range[1]) + 1, del: 0, insert: ` ${flow}` }
    s.edits.push(edit)
    for (const o of leafOutcomes(host.tree)) s.markers.push({ outcome: o, origin: edit.at, edit, rel: 0 })
    return
  }
  if (host.kind === 'null') {
    const pair = host.pair!
    const keyAt = rangeStart(pair.key)
    let at = lineEnd(s.text, keyAt)
    const value = pair.value as { range?: [number, number, number] } | null
    if (value?.range && value.range[1] > value.range[0]) {
      // `key: ~` / `key: null`: the token goes, the key line keeps any comment after it.
      let from = value.range[0]
      while (from > 0 && (s.text[from - 1] === ' ' || s.text[from - 1] === '\t')) from--
      s.edits.push({ at: from, del: value.range[1] - from, insert: '' })
      at = Math.max(at, lineEnd(s.text, value.range[1]))
    }
    const lines: Array<[string, TargetOutcome?]> =
      direct && !(direct instanceof Map)
        ? renderLeafBody(direct, host.col, s.style).map((l, i) => [l, i === 0 ? direct.outcome : undefined])
        : renderBlock(host.tree, host.col + host.unit, host.unit, s.style)
    pushLines(s, at, lines)
    return
  }
  const lines = renderBlock(host.tree, host.col, host.unit, s.style)
  if (host.kind === 'block') {
    pushLines(s, lineEnd(s.text, rangeStart(host.pair!.key)), lines)
    return
  }
  // Root: new sections go at the end of the document (before a `...` end marker), keeping the
  // file's final newline or its absence.
  const text = s.text
  const contentsEnd = (s.values.doc.contents as { range?: number[] } | null)?.range?.[2] ?? 0
  const marker = /^\.\.\.(?=[ \t]*(#|\r?$))/m.exec(text.slice(contentsEnd))
  const end = marker ? contentsEnd + marker.index : text.length
  const endsWithEol = end === 0 ? false : text[end - 1] === '\n'
  // New lines end like the line they follow; an empty file gets its first line break here.
  const eol = endsWithEol ? (text[end - 2] === '\r' ? '\r\n' : '\n') : s.eolAt(end)
  refuseAfterKeptScalar(s, text.slice(0, end) + (endsWithEol ? '' : eol))
  const body = lines.map(([l]) => l).join(eol)
  const hasContent = end > 0
  const insert = endsWithEol || marker || !hasContent ? body + eol : eol + body
  const edit: Edit = { at: end, del: 0, insert, last: true }
  s.edits.push(edit)
  let rel = endsWithEol || !hasContent || marker ? 0 : eol.length
  for (const [line, o] of lines) {
    if (o) s.markers.push({ outcome: o, origin: text.length, edit, rel })
    rel += line.length + eol.length
  }
}

function pushLines(s: SpliceState, at: number, lines: Array<[string, TargetOutcome?]>): void {
  const eol = s.eolAt(at)
  const edit = { at, del: 0, insert: lines.map(([l]) => eol + l).join('') }
  s.edits.push(edit)
  let rel = eol.length
  for (const [line, o] of lines) {
    if (o) s.markers.push({ outcome: o, origin: at, edit, rel })
    rel += line.length + eol.length
  }
}

// Inserts entries just inside the closing bracket of a flow collection: the one line that
// holds the bracket grows, nothing else moves. In a JSON file whose collection is spread over
// lines, each entry gets a line of its own, indented like its siblings, as JSON tools write it.
// Returns the edit and, per entry (and per outcome, when spread), where its line starts in the inserted text.
export function flowInsert(
  s: SpliceState,
  node: YAMLMap | YAMLSeq,
  close: '}' | ']',
  entries: FlowEntry[],
): { edit: Edit; rels: number[]; outcomeRels?: Map<TargetOutcome, number>; spread?: boolean } {
  const text = s.text
  const [start, end] = [node.range![0], node.range![1]]
  let c = end - 1
  while (c > start && text[c] !== close) c--
  const json = s.style.json
  if (json && text.slice(start, c).includes('\n')) {
    const eol = s.eolAt(lineEnd(text, start))
    const last = node.items.at(-1) as Pair | { range?: number[] } | undefined
    const col = last ? s.colOf(rangeStart('key' in last ? last.key : last)) : indentOfLine(text, c) + s.style.unit
    const indent = ' '.repeat(col)
    const parts = entries.map((e) => jsonPretty(e, s.style, indent, eol))
    let at = start + 1
    let lead = eol + indent
    if (node.items.length > 0) {
      at = c - 1
      while (at > start && /\s/.test(text[at]!)) at--
      at++
      lead = `,${eol}${indent}`
    }
    const rels: number[] = []
    const outcomeRels = new Map<TargetOutcome, number>()
    let insert = ''
    parts.forEach((part, i) => {
      const sep = i === 0 ? lead : `,${eol}${indent}`
      const lineStart = insert.length + sep.length - indent.length
      const lineOf = (offset: number) => {
        const nl = offset < 0 ? -1 : part.lastIndexOf('\n', offset)
        return nl < 0 ? lineStart : insert.length + sep.length + nl + 1
      }
      const e = entries[i]!
      // An outcome's line is the one its own key is on, found by following its path down the new section.
      rels.push(lineStart)
      for (const o of e.outcomes) {
        let at = 0
        for (const seg of o.path.slice(Math.max(0, o.path.indexOf(e.key!)) + 1)) {
          const next = part.indexOf(`${JSON.stringify(seg)}:`, at)
          if (next < 0) break
          at = next
        }
        outcomeRels.set(o, lineOf(at))
      }
      insert += sep + part
    })
    const edit = { at, del: 0, insert }
    s.edits.push(edit)
    return { edit, rels, outcomeRels, spread: true }
  }
  // Minified JSON stays minified: no space after a comma.
  const comma = json && !json.spaced ? ',' : ', '
  const inline = entries.map((e) => (json ? jsonEntry(e, s.style) : e.yaml)).join(comma)
  let edit: Edit
  if (node.items.length === 0) {
    const inner = text.slice(start + 1, c)
    const padded = /^[ ]+$/.test(inner) ? ` ${inline} ` : inline
    // Spread over lines: the entries go right after the bracket, so only that line grows.
    edit = inner.includes('\n')
      ? { at: start + 1, del: 0, insert: inline }
      : { at: start + 1, del: c - start - 1, insert: padded }
  } else {
    let p = c - 1
    while (p > start && /\s/.test(text[p]!)) p--
    edit = { at: p + 1, del: 0, insert: text[p] === ',' ? ` ${inline}` : `${comma}${inline}` }
  }
  s.edits.push(edit)
  return { edit, rels: entries.map(() => 0) }
}

// The indentation of the line that holds `offset`.
function indentOfLine(text: string, offset: number): number {
  const from = text.lastIndexOf('\n', offset - 1) + 1
  let i = from
  while (text[i] === ' ') i++
  return i - from
}
