import { isDeepStrictEqual } from 'node:util'
import { isAlias, isMap, isScalar, isSeq, parse, type Pair, type YAMLMap, type YAMLSeq } from 'yaml'
import { ValidationError, type SourcePos } from '../errors.js'
import { parsePullSecretList } from './schema.js'
import { codeFrame, posOf, type ParsedValues } from './values.js'

/**
 * The YAML editing engine: it locates targets in the parsed document and splices new text
 * into the original string. It never re-serialises the document, so every byte it does not
 * insert stays as it was (STYLE.md §2.1).
 */

/** What must hold at a path: a list of `{name}` maps containing these names, or one string value. */
export type Leaf = { kind: 'list'; names: string[]; inheritedItems?: unknown[] } | { kind: 'scalar'; value: string }

export interface SpliceTarget {
  path: string[]
  leaf: Leaf
}

export type OutcomeAction = 'created-section' | 'added' | 'appended' | 'set' | 'replaced' | 'unchanged'

export interface TargetOutcome {
  path: string[]
  action: OutcomeAction
  /** Names (or the value) written by this edit; for 'unchanged', the names already there. */
  names: string[]
  /** 1-based line of the target key (or of the first appended item) in the output text. */
  line: number
  /** For 'replaced': the value that was there before. */
  previous?: string
  /** Names a local list repeats because the section had them only through a merge key. */
  inherited?: string[]
}

export interface SpliceNotice {
  code: 'duplicate-key' | 'merge-inherited'
  message: string
  line: number
}

export interface SpliceResult {
  text: string
  outcomes: TargetOutcome[]
  notices: SpliceNotice[]
}

interface Edit {
  at: number
  del: number
  insert: string
  /** New top-level sections go after anything else inserted at the same offset (the end of the file). */
  last?: boolean
}

// A subtree of keys to create under one existing node, merged across targets.
type Tree = Map<string, Tree | LeafRef>
interface LeafRef {
  leaf: Leaf
  outcome: TargetOutcome
}

type HostKind = 'root' | 'block' | 'flow' | 'null' | 'flow-null'
interface Host {
  kind: HostKind
  /** Where the host's own key sits (block / null), or the node itself (root / flow). */
  pair?: Pair
  map?: YAMLMap
  /** Column of the keys to insert (block, root) or of the parent key (null). */
  col: number
  /** Indent step for deeper levels created here. */
  unit: number
  tree: Tree
  /** Keys already on the path to this host: decides created-section vs added. */
  depth: number
}

interface Style {
  eol: string
  unit: number
  seqIndent: number
}

/** A node on a target's path that carries an anchor, and where to point at it. */
interface Anchored {
  path: string[]
  anchor: string
  at: number
}

interface Marker {
  outcome: TargetOutcome
  /** Offset in the original text whose output position gives the outcome's line. */
  origin: number
  /** For edits: the edit and the offset of the marked line inside its inserted text. */
  edit?: Edit
  rel?: number
}

/**
 * Ensures every target holds in the document; returns the new text (the input itself when
 * nothing changes), one outcome per target in order, and notices worth a warning.
 * Throws ValidationError when a value on a target's path has a shape it cannot hold.
 */
export function spliceTargets(values: ParsedValues, targets: SpliceTarget[], file = '<input>'): SpliceResult {
  const result = new Splicer(values, file).run(targets)
  return values.bom ? { ...result, text: `\uFEFF${result.text}` } : result
}

class Splicer {
  private readonly text: string
  private readonly style: Style
  private readonly hosts = new Map<object, Host>()
  private readonly edits: Edit[] = []
  private readonly markers: Marker[] = []
  private readonly notices: SpliceNotice[] = []
  private readonly noticed = new Set<string>()

  constructor(
    private readonly values: ParsedValues,
    private readonly file: string,
  ) {
    this.text = values.text
    this.style = detectStyle(values)
  }

  run(targets: SpliceTarget[]): SpliceResult {
    const outcomes = targets.map((t) => this.plan(t))
    for (const host of this.hosts.values()) this.renderHost(host)
    const text = this.edits.length === 0 ? this.text : this.apply()
    if (text === this.text) for (const m of this.markers) m.outcome.line = this.lineOf(m.origin)
    return { text, outcomes, notices: this.notices }
  }

  // Walks the path, following Helm's view (last duplicate wins, merges resolved), and either
  // records an edit, or files the missing part of the path under the deepest existing node.
  private plan(target: SpliceTarget): TargetOutcome {
    const anchored: Anchored[] = []
    const outcome = this.planPath(target, anchored)
    // Changing a node that an alias (or a merge key) elsewhere points at would change that
    // place too, which is not the edit asked for: refuse, saying where.
    if (outcome.action !== 'unchanged')
      for (const a of anchored)
        if (this.values.aliased.has(a.anchor))
          throw this.invalid(
            a.at,
            a.path,
            `anchored as &${a.anchor}, which *${a.anchor} uses at line ${this.lineOf(this.values.aliased.get(a.anchor)!)}`,
            'a section no alias points at: cfpull will not change it, because that would change the aliasing place too; write that place out in full',
          )
    return outcome
  }

  private planPath(target: SpliceTarget, anchored: Anchored[]): TargetOutcome {
    const { path, leaf } = target
    const outcome: TargetOutcome = { path, action: 'unchanged', names: [], line: 0 }
    let node: unknown = this.values.doc.contents
    let data: unknown = this.values.data
    let parentPair: Pair | undefined
    let parentCol = -1
    let parentFlow = false
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!
      const here = path.slice(0, i)
      if (node === null || node === undefined || isNullScalar(node)) {
        this.file_(this.nullHost(parentPair, parentCol, i, parentFlow), path.slice(i), leaf, outcome)
        return outcome
      }
      if (isAlias(node))
        throw this.invalid(
          node.range?.[0] ?? 0,
          here,
          `an alias (*${node.source})`,
          'a map written out in place: cfpull does not edit through aliases, because that would change every place the anchor is used',
        )
      if (!isMap(node)) throw this.invalid(rangeStart(node), here, shapeOfNode(node), 'a map')
      const map = node
      if (map.anchor && !parentPair) anchored.push({ path: here, anchor: map.anchor, at: rangeStart(map) })
      const pairs = this.pairsOf(map).get(key) ?? []
      if (pairs.length > 1) {
        const lines = pairs.map((p) => this.lineOf(rangeStart(p.key)))
        this.notice(
          'duplicate-key',
          `${[...here, key].join('.')} is defined ${pairs.length} times (lines ${lines.join(', ')}): Helm uses the last one, so cfpull edits line ${lines.at(-1)}`,
          rangeStart(pairs.at(-1)!.key),
        )
      }
      const pair = pairs.at(-1)
      const inData = isPlainObject(data) && Object.hasOwn(data, key)
      if (!pair) {
        if (inData && i < path.length - 1)
          throw this.invalid(
            rangeStart(map),
            [...here, key],
            'inherited through a merge key (<<)',
            `${key} written out in this section: a local key would hide the merged one, so cfpull will not create it`,
          )
        if (inData && leaf.kind === 'list') {
          const inherited = this.readList((data as Record<string, unknown>)[key], rangeStart(map), [...here, key])
          const missing = leaf.names.filter((n) => !inherited.includes(n))
          if (missing.length === 0) {
            outcome.names = inherited
            this.markers.push({ outcome, origin: rangeStart(map) })
            return outcome
          }
          outcome.inherited = inherited
          this.notice(
            'merge-inherited',
            `${[...here, key].join('.')} comes from a merge key (<<); cfpull writes a local list that keeps the inherited ${inherited.join(', ')}`,
            rangeStart(map),
          )
          // The local list hides the merged one, so it repeats the inherited items as they are.
          const items = (data as Record<string, unknown[]>)[key]!
          this.file_(
            this.mapHost(map, parentPair, parentCol, i),
            path.slice(i),
            { kind: 'list', names: missing, inheritedItems: items },
            outcome,
          )
          return outcome
        }
        if (inData && leaf.kind === 'scalar' && (data as Record<string, unknown>)[key] === leaf.value) {
          outcome.names = [leaf.value]
          this.markers.push({ outcome, origin: rangeStart(map) })
          return outcome
        }
        this.file_(this.mapHost(map, parentPair, parentCol, i), path.slice(i), leaf, outcome)
        return outcome
      }
      parentCol = this.colOf(rangeStart(pair.key))
      parentPair = pair
      parentFlow = !!map.flow
      node = pair.value
      const anchor = (node as { anchor?: string } | null)?.anchor
      if (anchor) anchored.push({ path: [...here, key], anchor, at: rangeStart(pair.key) })
      data = isPlainObject(data) ? data[key] : undefined
    }
    this.planLeaf(parentPair!, node, data, target, outcome, parentFlow)
    return outcome
  }

  private planLeaf(
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
          ? { at: value.range[0], del: value.range[1] - value.range[0], insert: quote(leaf.value) }
          : {
              at: this.text.indexOf(':', (pair.key as { range: number[] }).range[1]) + 1,
              del: 0,
              insert: ` ${quote(leaf.value)}`,
            }
      this.edits.push(edit)
      Object.assign(outcome, { action: 'set', names: [leaf.value] })
      this.markers.push({ outcome, origin: keyAt })
      return
    }
    if (node === null || node === undefined || isNullScalar(node)) {
      this.file_(this.nullHost(pair, this.colOf(keyAt), path.length, inFlow), [], leaf, outcome)
      return
    }
    if (isAlias(node))
      throw this.invalid(
        node.range?.[0] ?? 0,
        path,
        `an alias (*${node.source})`,
        leaf.kind === 'list' ? 'a list of {name: <secret>} maps written out in place' : 'a plain string',
      )
    if (leaf.kind === 'scalar') {
      if (!isScalar(node) || typeof node.value !== 'string')
        throw this.invalid(rangeStart(node), path, shapeOfNode(node), 'one secret name (a string)')
      if (node.value === leaf.value) {
        outcome.names = [leaf.value]
        this.markers.push({ outcome, origin: keyAt })
        return
      }
      const [from, to] = [node.range![0], node.range![1]]
      const edit = { at: from, del: to - from, insert: quote(leaf.value) }
      this.edits.push(edit)
      Object.assign(outcome, { action: 'replaced', names: [leaf.value], previous: node.value })
      this.markers.push({ outcome, origin: keyAt })
      return
    }
    const current = this.readList(data, rangeStart(node), path)
    const missing = leaf.names.filter((n) => !current.includes(n))
    if (missing.length === 0) {
      outcome.names = current
      this.markers.push({ outcome, origin: keyAt })
      return
    }
    if (!isSeq(node)) throw this.invalid(rangeStart(node), path, shapeOfNode(node), 'a list of {name: <secret>} maps')
    const seq = node
    Object.assign(outcome, { action: 'appended', names: missing })
    if (seq.flow) {
      const edit = this.flowInsert(seq, ']', missing.map((n) => `{name: ${quote(n)}}`).join(', '))
      this.markers.push({ outcome, origin: keyAt, edit, rel: 0 })
      return
    }
    const last = seq.items.at(-1) as { range?: [number, number, number] } | undefined
    const after = lineEnd(this.text, lastContent(this.text, last?.range?.[1] ?? seq.range![1]))
    const pad = ' '.repeat(this.colOf(seq.range![0]))
    const eol = this.eolAt(after)
    const edit = { at: after, del: 0, insert: missing.map((n) => `${eol}${pad}- name: ${quote(n)}`).join('') }
    this.edits.push(edit)
    this.markers.push({ outcome, origin: after, edit, rel: eol.length })
  }

  // Looking keys up through an index keeps planning linear in the number of targets, which
  // matters for a root map with thousands of sections.
  private readonly pairIndex = new Map<YAMLMap, Map<string, Pair[]>>()
  private pairsOf(map: YAMLMap): Map<string, Pair[]> {
    let index = this.pairIndex.get(map)
    if (!index) {
      index = new Map()
      for (const p of map.items) {
        if (!isScalar(p.key)) continue
        const k = String(p.key.value)
        const list = index.get(k)
        if (list) list.push(p)
        else index.set(k, [p])
      }
      this.pairIndex.set(map, index)
    }
    return index
  }

  private readList(data: unknown, offset: number, path: string[]): string[] {
    if (data === null || data === undefined) return []
    const r = parsePullSecretList(data)
    if ('names' in r) return r.names
    throw this.invalid(offset, path, r.found, 'a list of {name: <secret>} maps, e.g. [{name: my-credential}]')
  }

  // Hosts are keyed by the node they write into, so targets that create keys under the same
  // node share one insertion (e.g. a new `repository:` section with both of its keys).
  private mapHost(map: YAMLMap, parentPair: Pair | undefined, parentCol: number, depth: number): Host {
    let host = this.hosts.get(map)
    if (host) return host
    if (map.flow) host = { kind: 'flow', map, col: 0, unit: this.style.unit, tree: new Map(), depth }
    else {
      const col = this.colOf(rangeStart(map.items[0]?.key ?? map))
      const unit = parentPair ? Math.max(1, col - parentCol) : this.style.unit
      host = { kind: parentPair ? 'block' : 'root', pair: parentPair, map, col, unit, tree: new Map(), depth }
    }
    this.hosts.set(map, host)
    return host
  }

  private nullHost(pair: Pair | undefined, parentCol: number, depth: number, inFlow = false): Host {
    const owner: object = pair ?? this.values.doc
    let host = this.hosts.get(owner)
    if (host) return host
    if (pair)
      host = {
        kind: inFlow ? 'flow-null' : 'null',
        pair,
        col: parentCol,
        unit: this.style.unit,
        tree: new Map(),
        depth,
      }
    else {
      host = { kind: 'root', col: 0, unit: this.style.unit, tree: new Map(), depth }
      // A document that is only `~` or `null`: that token goes, the sections take its place.
      const token = this.values.doc.contents as { range?: number[] } | null
      if (token?.range && token.range[1]! > token.range[0]!)
        this.edits.push({ at: token.range[0]!, del: token.range[1]! - token.range[0]!, insert: '' })
    }
    this.hosts.set(owner, host)
    return host
  }

  private file_(host: Host, rest: string[], leaf: Leaf, outcome: TargetOutcome): void {
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

  private renderHost(host: Host): void {
    if (host.kind === 'flow') {
      const edit = this.flowInsert(host.map!, '}', renderFlowEntries(host.tree))
      for (const o of leafOutcomes(host.tree)) this.markers.push({ outcome: o, origin: edit.at, edit, rel: 0 })
      return
    }
    const direct = host.tree.get('')
    if (host.kind === 'flow-null') {
      // `{key: ~}` or `{key: }`: the value is written in flow style where the null was.
      const pair = host.pair!
      const flow = direct && !(direct instanceof Map) ? renderFlowValue(direct) : `{${renderFlowEntries(host.tree)}}`
      const value = pair.value as { range?: [number, number, number] } | null
      const edit =
        value?.range && value.range[1] > value.range[0]
          ? { at: value.range[0], del: value.range[1] - value.range[0], insert: flow }
          : { at: this.text.indexOf(':', (pair.key as { range: number[] }).range[1]) + 1, del: 0, insert: ` ${flow}` }
      this.edits.push(edit)
      for (const o of leafOutcomes(host.tree)) this.markers.push({ outcome: o, origin: edit.at, edit, rel: 0 })
      return
    }
    if (host.kind === 'null') {
      const pair = host.pair!
      const keyAt = rangeStart(pair.key)
      let at = lineEnd(this.text, keyAt)
      const value = pair.value as { range?: [number, number, number] } | null
      if (value?.range && value.range[1] > value.range[0]) {
        // `key: ~` / `key: null`: the token goes, the key line keeps any comment after it.
        let from = value.range[0]
        while (from > 0 && (this.text[from - 1] === ' ' || this.text[from - 1] === '\t')) from--
        this.edits.push({ at: from, del: value.range[1] - from, insert: '' })
        at = Math.max(at, lineEnd(this.text, value.range[1]))
      }
      const lines: Array<[string, TargetOutcome?]> =
        direct && !(direct instanceof Map)
          ? renderLeafBody(direct, host.col, this.style).map((l, i) => [l, i === 0 ? direct.outcome : undefined])
          : renderBlock(host.tree, host.col + host.unit, host.unit, this.style)
      this.pushLines(at, lines)
      return
    }
    const lines = renderBlock(host.tree, host.col, host.unit, this.style)
    if (host.kind === 'block') {
      this.pushLines(lineEnd(this.text, rangeStart(host.pair!.key)), lines)
      return
    }
    // Root: new sections go at the end of the document (before a `...` end marker), keeping the
    // file's final newline or its absence.
    const text = this.text
    const contentsEnd = (this.values.doc.contents as { range?: number[] } | null)?.range?.[2] ?? 0
    const marker = /^\.\.\.(?=[ \t]*(#|\r?$))/m.exec(text.slice(contentsEnd))
    const end = marker ? contentsEnd + marker.index : text.length
    const endsWithEol = end === 0 ? false : text[end - 1] === '\n'
    // New lines end like the line they follow; an empty file gets its first line break here.
    const eol = endsWithEol ? (text[end - 2] === '\r' ? '\r\n' : '\n') : this.eolAt(end)
    this.refuseAfterKeptScalar(text.slice(0, end) + (endsWithEol ? '' : eol))
    const body = lines.map(([l]) => l).join(eol)
    const hasContent = end > 0
    const insert = endsWithEol || marker || !hasContent ? body + eol : eol + body
    const edit: Edit = { at: end, del: 0, insert, last: true }
    this.edits.push(edit)
    let rel = endsWithEol || !hasContent || marker ? 0 : eol.length
    for (const [line, o] of lines) {
      if (o) this.markers.push({ outcome: o, origin: text.length, edit, rel })
      rel += line.length + eol.length
    }
  }

  // A `|+` or `>+` scalar keeps every trailing line break: text appended after the last one in
  // the file can change its value. When a trial append shows it would, the file is refused
  // rather than silently altered.
  private refuseAfterKeptScalar(prefix: string): void {
    let node: unknown = this.values.doc.contents
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
    const header = /^[|>]([1-9]?\+|\+[1-9]?)/.exec(this.text.slice(node.range[0]))
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
    if (probe && isDeepStrictEqual(probe, this.values.data)) return
    throw this.invalid(
      node.range[0],
      path,
      `a block scalar that keeps its trailing line breaks (${header[0]}) at the end of the file`,
      'a file that does not end with one: new sections would become part of its value; add another key after it, or use | instead of |+',
    )
  }

  private pushLines(at: number, lines: Array<[string, TargetOutcome?]>): void {
    const eol = this.eolAt(at)
    const edit = { at, del: 0, insert: lines.map(([l]) => eol + l).join('') }
    this.edits.push(edit)
    let rel = eol.length
    for (const [line, o] of lines) {
      if (o) this.markers.push({ outcome: o, origin: at, edit, rel })
      rel += line.length + eol.length
    }
  }

  // Inserts entries just inside the closing bracket of a flow collection: the one line that
  // holds the bracket grows, nothing else moves.
  private flowInsert(node: YAMLMap | YAMLSeq, close: '}' | ']', entries: string): Edit {
    const text = this.text
    const [start, end] = [node.range![0], node.range![1]]
    let c = end - 1
    while (c > start && text[c] !== close) c--
    let edit: Edit
    if (node.items.length === 0) {
      const inner = text.slice(start + 1, c)
      const padded = /^[ ]+$/.test(inner) ? ` ${entries} ` : entries
      // Spread over lines: the entries go right after the bracket, so only that line grows.
      edit = inner.includes('\n')
        ? { at: start + 1, del: 0, insert: entries }
        : { at: start + 1, del: c - start - 1, insert: padded }
    } else {
      let p = c - 1
      while (p > start && /\s/.test(text[p]!)) p--
      edit = { at: p + 1, del: 0, insert: text[p] === ',' ? ` ${entries}` : `, ${entries}` }
    }
    this.edits.push(edit)
    return edit
  }

  private apply(): string {
    const edits = [...this.edits].sort((a, b) => a.at - b.at || Number(!!a.last) - Number(!!b.last) || a.del - b.del)
    let out = ''
    let pos = 0
    const start = new Map<Edit, number>()
    for (const e of edits) {
      if (e.at < pos) throw new Error(`overlapping edits at offset ${e.at}`)
      out += this.text.slice(pos, e.at)
      start.set(e, out.length)
      out += e.insert
      pos = e.at + e.del
    }
    out += this.text.slice(pos)
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
    for (const m of this.markers) {
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

  private notice(code: SpliceNotice['code'], message: string, offset: number): void {
    if (this.noticed.has(message)) return
    this.noticed.add(message)
    this.notices.push({ code, message, line: this.lineOf(offset) })
  }

  private invalid(offset: number, path: string[], found: string, expected: string): ValidationError {
    const pos: SourcePos = posOf(this.values.lines, offset)
    return new ValidationError(
      this.file,
      pos,
      path.join('.') || '(top level)',
      found,
      expected,
      codeFrame(this.text, pos),
    )
  }

  // The line break at `at` (the end of a line): new lines after that line end the same way, so
  // in a file that mixes LF and CRLF every existing line keeps its own. A last line without
  // one takes the break of the line before it.
  private eolAt(at: number): string {
    if (this.text.startsWith('\r\n', at)) return '\r\n'
    if (this.text[at] === '\n') return '\n'
    const prev = this.text.lastIndexOf('\n', at - 1)
    if (prev < 0) return this.style.eol
    return this.text[prev - 1] === '\r' ? '\r\n' : '\n'
  }

  private lineOf(offset: number): number {
    return this.values.lines.linePos(offset).line
  }

  private colOf(offset: number): number {
    return columnOf(this.values, offset)
  }
}

function renderBlock(tree: Tree, col: number, unit: number, style: Style): Array<[string, TargetOutcome?]> {
  const pad = ' '.repeat(col)
  const out: Array<[string, TargetOutcome?]> = []
  for (const [key, value] of tree) {
    if (value instanceof Map) {
      out.push([`${pad}${quote(key)}:`])
      out.push(...renderBlock(value, col + unit, unit, style))
    } else if (value.leaf.kind === 'scalar') {
      out.push([`${pad}${quote(key)}: ${quote(value.leaf.value)}`, value.outcome])
    } else {
      out.push([`${pad}${quote(key)}:`, value.outcome])
      for (const item of value.leaf.inheritedItems ?? [])
        out.push([
          `${pad}${' '.repeat(style.seqIndent)}- ${isNameOnly(item) ? `name: ${quote(item.name)}` : flowData(item)}`,
        ])
      for (const n of value.leaf.names) out.push([`${pad}${' '.repeat(style.seqIndent)}- name: ${quote(n)}`])
    }
  }
  return out
}

// A leaf that replaces a null value: the list items (or the scalar) go under the existing key.
function renderLeafBody(ref: LeafRef, keyCol: number, style: Style): string[] {
  if (ref.leaf.kind === 'scalar') return [`${' '.repeat(keyCol + style.unit)}${quote(ref.leaf.value)}`]
  return ref.leaf.names.map((n) => `${' '.repeat(keyCol + style.seqIndent)}- name: ${quote(n)}`)
}

function renderFlowEntries(tree: Tree): string {
  return [...tree].map(([k, v]) => `${quote(k)}: ${renderFlowValue(v)}`).join(', ')
}

function renderFlowValue(v: Tree | LeafRef): string {
  if (v instanceof Map) return `{${renderFlowEntries(v)}}`
  if (v.leaf.kind === 'scalar') return quote(v.leaf.value)
  return `[${[...(v.leaf.inheritedItems ?? []).map(flowData), ...v.leaf.names.map((n) => `{name: ${quote(n)}}`)].join(', ')}]`
}

function isNameOnly(item: unknown): item is { name: string } {
  return (
    typeof item === 'object' &&
    item !== null &&
    Object.keys(item).length === 1 &&
    typeof (item as { name?: unknown }).name === 'string'
  )
}

/** Plain data (from the parsed values) written back as a YAML flow value. */
function flowData(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return quote(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `[${v.map(flowData).join(', ')}]`
  if (v instanceof Date) return v.toISOString()
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${quote(k)}: ${flowData(x)}`)
    .join(', ')}}`
}

function leafOutcomes(tree: Tree): TargetOutcome[] {
  return [...tree.values()].flatMap((v) => (v instanceof Map ? leafOutcomes(v) : [v.outcome]))
}

/**
 * Writes a string as a YAML scalar that reads back as the same string under both YAML 1.1
 * (Helm) and 1.2: plain when that is safe, double-quoted otherwise (`yes`, `123`, `null`, …).
 */
export function quote(s: string): string {
  let q = quoted.get(s)
  if (q === undefined) quoted.set(s, (q = quoteUncached(s)))
  return q
}

// Keys and names repeat across targets and files; each is checked with two YAML parses once.
const quoted = new Map<string, string>()

function quoteUncached(s: string): string {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/.test(s) && parse(s, { version: '1.1' }) === s && parse(s) === s) return s
  return JSON.stringify(s)
}

// The file's own habits: line ending, indent step, and how far a `- ` sits under its key.
function detectStyle(values: ParsedValues): Style {
  const eol = values.text.includes('\r\n') ? '\r\n' : '\n'
  const root = values.doc.contents
  let unit = 0
  let seqIndent = -1
  const col = (o: number) => columnOf(values, o)
  const walk = (map: YAMLMap, keyCol: number, depth: number): void => {
    for (const p of map.items) {
      const v = p.value
      if (isMap(v) && !v.flow && v.items[0]) {
        const c = col(rangeStart(v.items[0].key))
        if (!unit && c > keyCol) unit = c - keyCol
        if (depth < 6 && (seqIndent < 0 || !unit)) walk(v, c, depth + 1)
      } else if (isSeq(v) && !v.flow && v.range && seqIndent < 0) {
        const kc = col(rangeStart(p.key))
        if (values.lines.linePos(v.range[0]).line > values.lines.linePos(rangeStart(p.key)).line)
          seqIndent = Math.max(0, col(v.range[0]) - kc)
      }
      if (unit && seqIndent >= 0) return
    }
  }
  if (isMap(root) && !root.flow && root.items[0]) walk(root, col(rangeStart(root.items[0].key)), 0)
  unit ||= 2
  return { eol, unit, seqIndent: seqIndent >= 0 ? seqIndent : unit }
}

// 0-based column of an offset (the text is the file without its BOM, if it had one).
function columnOf(values: ParsedValues, offset: number): number {
  return values.lines.linePos(offset).col - 1
}

function isNullScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function rangeStart(node: unknown): number {
  return (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0
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

/** Offset of the end of the line holding `offset` (before its line break). */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  if (nl < 0) return text.length
  return text[nl - 1] === '\r' ? nl - 1 : nl
}

// The last non-blank character at or before `end`: node ranges include trailing line breaks.
function lastContent(text: string, end: number): number {
  let e = end
  while (e > 0 && /\s/.test(text[e - 1]!)) e--
  return Math.max(0, e - 1)
}
