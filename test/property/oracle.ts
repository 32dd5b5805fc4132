/**
 * What `addImagePullSecrets` should do with a values file, worked out WITHOUT its splicer or
 * its self-check: the edit is applied to yaml's own Document model (not to text), and the
 * data that document then holds is the data the patched text must read back as.
 *
 * Working on the Document rather than on a structuredClone of the data matters for anchors:
 * the patched text keeps `&a` on the section it edits, so every `*a` and every `<<: *a`
 * sees the addition too. The Document model gets that right by construction.
 */
import {
  YAMLMap,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode,
  type Pair,
} from 'yaml'
import { CONNECTOR_PATH, type ChartInfo } from '../../src/core/cloudforet/charts.js'
import { decidePlugins, type PluginMode } from '../../src/core/cloudforet/plugins.js'

/** yaml's reading of a values file the way Helm reads it: YAML 1.1, merge keys, last duplicate wins. */
export const YAML_OPTIONS = { version: '1.1', uniqueKeys: false } as const

export type Leaf = { kind: 'list'; names: string[] } | { kind: 'scalar'; value: string }
export interface Target {
  path: string[]
  leaf: Leaf
}

export interface OracleOptions {
  secrets: string[]
  chart: ChartInfo
  services?: string[]
  plugins: PluginMode
  pluginRegistry?: string
}

/**
 * `ok`: the file can be patched, and if cfpull patches it the result must hold `data`.
 * `mayRefuse`: a clean refusal (exit 3) is an acceptable answer too, because the edit would
 * reach beyond its target (an alias elsewhere shares the node) or needs a judgement call.
 */
export type Expectation =
  { ok: true; targets: Target[]; data: unknown; edits: number; mayRefuse?: string } | { ok: false; reason: string }

/** Parses values text to data, or returns why yaml cannot read it. */
export function readData(text: string): { data: unknown } | { error: string } {
  // As Helm reads it: go-yaml skips a leading BOM, then counts the first line's indentation.
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), YAML_OPTIONS)
  if (doc.errors.length) return { error: doc.errors[0]!.message.split('\n')[0]! }
  try {
    return { data: doc.toJS({ maxAliasCount: -1 }) }
  } catch (err) {
    return { error: (err as Error).message }
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
const isNullNode = (n: unknown) => n === null || n === undefined || (isScalar(n) && n.value === null)

// The names in a LocalObjectReference list, or undefined when the value is not one.
function listNames(x: unknown): string[] | undefined {
  if (!Array.isArray(x)) return undefined
  const names: string[] = []
  for (const item of x) {
    if (!isObj(item) || typeof item.name !== 'string' || item.name === '') return undefined
    names.push(item.name)
  }
  return names
}

type Op = { path: string[]; set: unknown } | { path: string[]; append: string[] }

/**
 * The outcome the issue asks for: the targets (every selected service, then the plugin
 * path), and either the data the patched file must hold or why cfpull must refuse (exit 3).
 */
export function expectOutcome(text: string, o: OracleOptions): Expectation {
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), YAML_OPTIONS)
  if (doc.errors.length) return { ok: false, reason: `not YAML: ${doc.errors[0]!.message.split('\n')[0]}` }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: -1 })
  } catch (err) {
    return { ok: false, reason: `not YAML: ${(err as Error).message}` }
  }
  if (data !== null && data !== undefined && !isObj(data)) return { ok: false, reason: 'the top level is not a map' }
  const top = data ?? {}

  // A disabled service runs no pods: no command requires (or writes) its pull secret.
  const services = (o.services ? [...new Set(o.services)] : o.chart.services).filter(
    (s) => !(isObj(top[s]) && top[s].enabled === false),
  )
  for (const s of services)
    if (top[s] !== undefined && top[s] !== null && !isObj(top[s])) return { ok: false, reason: `${s} is not a map` }
  const kc = dig(top, CONNECTOR_PATH)
  if (
    kc !== undefined &&
    kc !== null &&
    !(isObj(kc) && (kc.namespace === undefined || typeof kc.namespace === 'string'))
  )
    return { ok: false, reason: 'KubernetesConnector is not a map with a string namespace' }

  const targets: Target[] = services.map((s) => ({
    path: s === 'vault' || s === 'consul' ? [s, 'global', 'imagePullSecrets'] : [s, 'imagePullSecrets'],
    leaf: { kind: 'list', names: o.secrets },
  }))
  // Which mechanism the plugins use is a policy decision, not an edit: taken from src as is.
  const plugins = decidePlugins(data, o.chart, o.plugins, o.pluginRegistry)
  // A plugin route that already names another Secret is the plugins' own: kept unless asked.
  const route = plugins.path && dig(top, plugins.path)
  const keepsOwn =
    plugins.mechanism === 'registry' && typeof route === 'string' && route !== '' && route !== o.secrets[0]
  if (plugins.path && !keepsOwn)
    targets.push({
      path: plugins.path,
      leaf:
        plugins.mechanism === 'registry'
          ? { kind: 'scalar', value: o.secrets[0]! }
          : { kind: 'list', names: o.secrets },
    })

  const ops: Op[] = []
  const aliased = new Set<string>()
  visit(doc, { Alias: (_k, a) => void aliased.add(a.source) })
  let mayRefuse: string | undefined
  for (const t of targets) {
    const anchors: string[] = []
    const r = plan(doc, data, t, anchors)
    if (typeof r === 'string') return { ok: false, reason: `${t.path.join('.')}: ${r}` }
    if (!r) continue
    ops.push(r)
    const shared = anchors.find((a) => aliased.has(a))
    if (shared) mayRefuse ??= `${t.path.join('.')} goes through &${shared}, which an alias uses`
  }
  if (ops.length && endsWithKeptBlockScalar(doc, text)) mayRefuse ??= 'the document ends with a |+ / >+ block scalar'
  // Planned against the original document (all targets see the input as it was), applied to a fresh copy.
  const out = doc.clone() as Document.Parsed
  for (const op of ops) apply(out, op)
  return {
    ok: true,
    targets,
    data: out.toJS({ maxAliasCount: -1 }),
    edits: ops.length,
    ...(mayRefuse && { mayRefuse }),
  }
}

function dig(data: unknown, path: readonly string[]): unknown {
  let d = data
  for (const k of path) {
    if (!isObj(d) || !Object.hasOwn(d, k)) return undefined
    d = d[k]
  }
  return d
}

function lastPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.filter((p) => isScalar(p.key) && String(p.key.value) === key).at(-1)
}

// A `|+` / `>+` scalar keeps every trailing line break, so text appended after the last one
// in the file can become part of its value.
function endsWithKeptBlockScalar(doc: Document.Parsed, text: string): boolean {
  let node: unknown = doc.contents
  while (isMap(node) || isSeq(node)) {
    const last = node.items.at(-1)
    if (last === undefined) return false
    node = isMap(node) ? (last as Pair).value : last
  }
  if (!isScalar(node) || !node.range || (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED')) return false
  return /^[|>](?:[1-9]?\+|\+[1-9])/.test(text.slice(node.range[0]))
}

/** The edit one target needs (null: none), or why it cannot be made; `anchors` collects the anchors on its path. */
function plan(doc: Document.Parsed, data: unknown, t: Target, anchors: string[]): Op | null | string {
  const { path, leaf } = t
  let node: unknown = doc.contents
  let d: unknown = data
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!
    const anchor = (node as { anchor?: string } | null)?.anchor
    if (anchor) anchors.push(anchor)
    if (isNullNode(node)) return create(path, leaf)
    if (isAlias(node)) return 'an alias on the path (editing through it would change the anchor)'
    if (!isMap(node)) return 'not a map on the path'
    const pair = lastPair(node, key)
    if (!pair) {
      const inherited = isObj(d) && Object.hasOwn(d, key)
      if (!inherited) return create(path, leaf)
      if (i < path.length - 1) return 'an intermediate key that only comes from a merge key'
      const v = (d as Record<string, unknown>)[key]
      if (leaf.kind === 'scalar') return v === leaf.value ? null : { path, set: leaf.value }
      const names = v === null || v === undefined ? [] : listNames(v)
      if (!names) return 'a merged value that is not a list of {name}'
      const missing = leaf.names.filter((n) => !names.includes(n))
      // A local key hides the merged one, so it repeats the inherited items as they are.
      return missing.length
        ? {
            path,
            set: [
              ...(v === null || v === undefined ? [] : structuredClone(v as unknown[])),
              ...missing.map((name) => ({ name })),
            ],
          }
        : null
    }
    node = pair.value
    d = isObj(d) ? d[key] : undefined
  }
  const anchor = (node as { anchor?: string } | null)?.anchor
  if (anchor) anchors.push(anchor)
  if (leaf.kind === 'scalar') {
    if (isNullNode(node)) return { path, set: leaf.value }
    if (isAlias(node)) return 'the leaf is an alias'
    if (!isScalar(node) || typeof node.value !== 'string') return 'the leaf is not a string'
    return node.value === leaf.value ? null : { path, set: leaf.value }
  }
  const names = d === null || d === undefined ? [] : listNames(d)
  if (!names) return 'the leaf is not a list of {name}'
  const missing = leaf.names.filter((n) => !names.includes(n))
  if (missing.length === 0) return null
  if (isNullNode(node)) return create(path, leaf)
  if (isAlias(node)) return 'the leaf is an alias'
  return { path, append: missing }
}

function create(path: string[], leaf: Leaf): Op {
  return { path, set: leaf.kind === 'scalar' ? leaf.value : leaf.names.map((name) => ({ name })) }
}

// Walks (creating maps where the path is missing or empty) and sets or appends at the leaf.
// An empty value that carried an anchor keeps it, as the text edit does: `key: &a` stays `key: &a`.
function apply(doc: Document.Parsed, op: Op): void {
  let setHere = (n: YamlNode) => void (doc.contents = n as never)
  let node: unknown = doc.contents
  for (let i = 0; i < op.path.length; i++) {
    const key = op.path[i]!
    if (isNullNode(node)) {
      const map = new YAMLMap()
      const anchor = (node as { anchor?: string } | null)?.anchor
      if (anchor) map.anchor = anchor
      setHere(map)
      node = map
    }
    const map = node as YAMLMap
    let pair = lastPair(map, key)
    if (!pair) {
      pair = doc.createPair(key, null)
      map.items.push(pair)
    }
    const p = pair
    if (i === op.path.length - 1) {
      if ('append' in op) {
        const seq = p.value
        if (!isSeq(seq)) throw new Error(`oracle: ${op.path.join('.')} is not a sequence`)
        for (const name of op.append) seq.items.push(doc.createNode({ name }))
      } else {
        const value = doc.createNode(op.set)
        const anchor = (p.value as { anchor?: string } | null)?.anchor
        if (anchor) value.anchor = anchor
        p.value = value
      }
      return
    }
    setHere = (n) => void (p.value = n)
    node = p.value
  }
}
