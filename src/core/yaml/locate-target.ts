import { Scalar, isAlias, isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml'
import { lastContent, lineEnd, rangeStart } from './file-style.js'
import { fileUnder, flowInsert, mapHost, nullHost } from './insert-keys.js'
import { nameEntries, quote, scalarText } from './new-text.js'
import { parsePullSecretList } from './schema.js'
import type { SpliceState } from './splice-state.js'
import type { SpliceTarget, TargetOutcome } from './splice-types.js'

// Locating a target: walking its path through the parsed document as Helm sees it, refusing a
// shape cfpull cannot edit (saying where), and planning the edit: a value set or replaced in
// place, items appended to an existing list, or the missing keys filed under a host.

/** A node on a target's path that carries an anchor, and where to point at it. */
interface Anchored {
  path: string[]
  anchor: string
  at: number
}

// Walks the path, following Helm's view (last duplicate wins, merges resolved), and either
// records an edit, or files the missing part of the path under the deepest existing node.
export function planTarget(s: SpliceState, target: SpliceTarget): TargetOutcome {
  const anchored: Anchored[] = []
  const outcome = planPath(s, target, anchored)
  // Changing a node that an alias (or a merge key) elsewhere points at would change that
  // place too, which is not the edit asked for: refuse, saying where.
  if (outcome.action !== 'unchanged')
    for (const a of anchored)
      if (s.values.aliased.has(a.anchor))
        throw s.invalid(
          a.at,
          a.path,
          `anchored as &${a.anchor}, which *${a.anchor} uses at line ${s.lineOf(s.values.aliased.get(a.anchor)!)}`,
          'a section no alias points at: cfpull will not change it, because that would change the aliasing place too; write that place out in full',
        )
  return outcome
}

function planPath(s: SpliceState, target: SpliceTarget, anchored: Anchored[]): TargetOutcome {
  const { path, leaf } = target
  const outcome: TargetOutcome = { path, action: 'unchanged', names: [], line: 0 }
  let node: unknown = s.values.doc.contents
  let data: unknown = s.values.data
  let parentPair: Pair | undefined
  let parentCol = -1
  let parentFlow = false
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!
    const here = path.slice(0, i)
    if (node === null || node === undefined || isNullScalar(node)) {
      fileUnder(nullHost(s, parentPair, parentCol, i, parentFlow), path.slice(i), leaf, outcome)
      return outcome
    }
    if (isAlias(node))
      throw s.invalid(
        node.range?.[0] ?? 0,
        here,
        `an alias (*${node.source})`,
        'a map written out in place: cfpull does not edit through aliases, because that would change every place the anchor is used',
      )
    if (!isMap(node)) throw s.invalid(rangeStart(node), here, shapeOfNode(node), 'a map')
    const map = node
    if (map.anchor && !parentPair) anchored.push({ path: here, anchor: map.anchor, at: rangeStart(map) })
    const pairs = pairsOf(s, map).get(key) ?? []
    if (pairs.length > 1) {
      const lines = pairs.map((p) => s.lineOf(rangeStart(p.key)))
      const defined = `${[...here, key].join('.')} is defined ${pairs.length} times (lines ${lines.join(', ')})`
      s.notice(
        'duplicate-key',
        `${defined}: Helm uses the last one, so cfpull edits line ${lines.at(-1)}`,
        rangeStart(pairs.at(-1)!.key),
      )
    }
    const pair = pairs.at(-1)
    const inData = isPlainObject(data) && Object.hasOwn(data, key)
    if (!pair) {
      if (inData && i < path.length - 1)
        throw s.invalid(
          rangeStart(map),
          [...here, key],
          'inherited through a merge key (<<)',
          `${key} written out in this section: a local key would hide the merged one, so cfpull will not create it`,
        )
      if (inData && leaf.kind === 'list') {
        const inherited = readList(s, (data as Record<string, unknown>)[key], rangeStart(map), [...here, key])
        const missing = leaf.names.filter((n) => !inherited.includes(n))
        if (missing.length === 0) {
          outcome.names = inherited
          s.markers.push({ outcome, origin: rangeStart(map) })
          return outcome
        }
        outcome.inherited = inherited
        s.notice(
          'merge-inherited',
          `${[...here, key].join('.')} comes from a merge key (<<); cfpull writes a local list that keeps the inherited ${inherited.join(', ')}`,
          rangeStart(map),
        )
        // The local list hides the merged one, so it repeats the inherited items as they are.
        const items = (data as Record<string, unknown[]>)[key]!
        fileUnder(
          mapHost(s, map, parentPair, parentCol, i),
          path.slice(i),
          { kind: 'list', names: missing, inheritedItems: items },
          outcome,
        )
        return outcome
      }
      if (inData && leaf.kind === 'scalar' && (data as Record<string, unknown>)[key] === leaf.value) {
        outcome.names = [leaf.value]
        s.markers.push({ outcome, origin: rangeStart(map) })
        return outcome
      }
      fileUnder(mapHost(s, map, parentPair, parentCol, i), path.slice(i), leaf, outcome)
      return outcome
    }
    parentCol = s.colOf(rangeStart(pair.key))
    parentPair = pair
    parentFlow = !!map.flow
    node = pair.value
    const anchor = (node as { anchor?: string } | null)?.anchor
    if (anchor) anchored.push({ path: [...here, key], anchor, at: rangeStart(pair.key) })
    data = isPlainObject(data) ? data[key] : undefined
  }
  planLeaf(s, parentPair!, node, data, target, outcome, parentFlow)
  return outcome
}

function planLeaf(
  s: SpliceState,
  pair: Pair,
  node: unknown,
  data: unknown,
  target: SpliceTarget,
  outcome: TargetOutcome,
  inFlow: boolean,
): void {
  const { path, leaf } = target
  const keyAt = rangeStart(pair.key)
  if (leaf.kind === 'scalar' && (node === null || node === undefined || isNullScalar(node))) {
    // `key:` or `key: ~` gets the value on the same line, where a person would write it.
    const value = node as { range?: [number, number, number] } | null
    const edit =
      value?.range && value.range[1] > value.range[0]
        ? { at: value.range[0], del: value.range[1] - value.range[0], insert: scalarText(leaf.value, s.style) }
        : {
            at: s.text.indexOf(':', (pair.key as { range: number[] }).range[1]) + 1,
            del: 0,
            insert: ` ${scalarText(leaf.value, s.style)}`,
          }
    s.edits.push(edit)
    Object.assign(outcome, { action: 'set', names: [leaf.value] })
    s.markers.push({ outcome, origin: keyAt })
    return
  }
  if (node === null || node === undefined || isNullScalar(node)) {
    fileUnder(nullHost(s, pair, s.colOf(keyAt), path.length, inFlow), [], leaf, outcome)
    return
  }
  if (isAlias(node))
    throw s.invalid(
      node.range?.[0] ?? 0,
      path,
      `an alias (*${node.source})`,
      leaf.kind === 'list' ? 'a list of {name: <secret>} maps written out in place' : 'a plain string',
    )
  if (leaf.kind === 'scalar') {
    if (!isScalar(node) || typeof node.value !== 'string')
      throw s.invalid(rangeStart(node), path, shapeOfNode(node), leaf.what ?? 'one secret name (a string)')
    if (node.value === leaf.value) {
      outcome.names = [leaf.value]
      s.markers.push({ outcome, origin: keyAt })
      return
    }
    const [from, to] = [node.range![0], node.range![1]]
    const edit = { at: from, del: to - from, insert: requote(node.type, leaf.value) }
    s.edits.push(edit)
    Object.assign(outcome, { action: 'replaced', names: [leaf.value], previous: node.value })
    s.markers.push({ outcome, origin: keyAt })
    return
  }
  const current = readList(s, data, rangeStart(node), path)
  const missing = leaf.names.filter((n) => !current.includes(n))
  if (missing.length === 0) {
    outcome.names = current
    s.markers.push({ outcome, origin: keyAt })
    return
  }
  if (!isSeq(node)) throw s.invalid(rangeStart(node), path, shapeOfNode(node), 'a list of {name: <secret>} maps')
  const seq = node
  Object.assign(outcome, { action: 'appended', names: missing })
  if (seq.flow) {
    const { edit, rels, spread } = flowInsert(s, seq, ']', nameEntries(missing))
    // Items spread over lines (JSON) are told by the list's key line, as a new section is.
    s.markers.push(spread ? { outcome, origin: keyAt } : { outcome, origin: keyAt, edit, rel: rels[0]! })
    return
  }
  const last = seq.items.at(-1) as { range?: [number, number, number] } | undefined
  const after = lineEnd(s.text, lastContent(s.text, last?.range?.[1] ?? seq.range![1]))
  const pad = ' '.repeat(s.colOf(seq.range![0]))
  const eol = s.eolAt(after)
  const edit = { at: after, del: 0, insert: missing.map((n) => `${eol}${pad}- name: ${quote(n)}`).join('') }
  s.edits.push(edit)
  s.markers.push({ outcome, origin: after, edit, rel: eol.length })
}

// Looking keys up through an index keeps planning linear in the number of targets, which
// matters for a root map with thousands of sections.
function pairsOf(s: SpliceState, map: YAMLMap): Map<string, Pair[]> {
  let index = s.pairIndex.get(map)
  if (!index) {
    index = new Map()
    for (const p of map.items) {
      if (!isScalar(p.key)) continue
      const k = String(p.key.value)
      const list = index.get(k)
      if (list) list.push(p)
      else index.set(k, [p])
    }
    s.pairIndex.set(map, index)
  }
  return index
}

function readList(s: SpliceState, data: unknown, offset: number, path: string[]): string[] {
  if (data === null || data === undefined) return []
  const r = parsePullSecretList(data)
  if ('names' in r) return r.names
  throw s.invalid(offset, path, r.found, 'a list of {name: <secret>} maps, e.g. [{name: my-credential}]')
}
// A replaced value keeps the quotes it had, so the line changes only where the value does.
function requote(type: Scalar.Type | undefined, value: string): string {
  if (type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value)
  if (type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`
  return quote(value)
}

function isNullScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function shapeOfNode(node: unknown): string {
  if (isSeq(node)) return 'a list'
  if (isMap(node)) return 'a map'
  if (isScalar(node))
    return typeof node.value === 'string'
      ? `a string (${JSON.stringify(node.value)})`
      : `a ${typeof node.value} (${String(node.value)})`
  return 'not a map'
}
