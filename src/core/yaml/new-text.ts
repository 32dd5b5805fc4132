import { parse } from 'yaml'
import type { Style } from './file-style.js'
import type { LeafRef, TargetOutcome, Tree } from './splice-types.js'

// The text of what the splice creates: new keys, lists and values in block style (indented like
// the file) or flow style, each scalar quoted so that it reads back as the same string.

export function renderBlock(tree: Tree, col: number, unit: number, style: Style): Array<[string, TargetOutcome?]> {
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
export function renderLeafBody(ref: LeafRef, keyCol: number, style: Style): string[] {
  if (ref.leaf.kind === 'scalar') return [`${' '.repeat(keyCol + style.unit)}${quote(ref.leaf.value)}`]
  return ref.leaf.names.map((n) => `${' '.repeat(keyCol + style.seqIndent)}- name: ${quote(n)}`)
}

/** One entry a flow collection gets: its key (none in a list), its data, and its YAML text. */
export interface FlowEntry {
  key?: string
  data: unknown
  yaml: string
  outcomes: TargetOutcome[]
}

/** The keys of a tree as entries of the flow map they go into. */
export function flowEntries(tree: Tree, style: Style): FlowEntry[] {
  return [...tree].map(([k, v]) => ({
    key: k,
    data: treeData(v),
    yaml: `${quote(k)}: ${renderFlowValue(v, style)}`,
    outcomes: v instanceof Map ? leafOutcomes(v) : [v.outcome],
  }))
}

/** `{name: …}` items appended to a flow list. */
export function nameEntries(names: string[]): FlowEntry[] {
  return names.map((n) => ({ data: { name: n }, yaml: `{name: ${quote(n)}}`, outcomes: [] }))
}

export function renderFlowEntries(tree: Tree, style: Style): string {
  if (style.json)
    return flowEntries(tree, style)
      .map((e) => jsonEntry(e, style))
      .join(style.json.spaced ? ', ' : ',')
  return [...tree].map(([k, v]) => `${quote(k)}: ${renderFlowValue(v, style)}`).join(', ')
}

export function renderFlowValue(v: Tree | LeafRef, style: Style): string {
  if (style.json) return jsonCompact(treeData(v), style.json.spaced)
  if (v instanceof Map) return `{${renderFlowEntries(v, style)}}`
  if (v.leaf.kind === 'scalar') return quote(v.leaf.value)
  return `[${[...(v.leaf.inheritedItems ?? []).map(flowData), ...v.leaf.names.map((n) => `{name: ${quote(n)}}`)].join(', ')}]`
}

/** A string value as the file writes one: JSON's quotes in a JSON file, else quote(). */
export function scalarText(value: string, style: Style): string {
  return style.json ? JSON.stringify(value) : quote(value)
}

/** An entry on one line, in JSON (`"key": value` or the value alone). */
export function jsonEntry(e: FlowEntry, style: Style): string {
  const spaced = style.json?.spaced ?? true
  const value = jsonCompact(e.data, spaced)
  return e.key === undefined ? value : `${JSON.stringify(e.key)}:${spaced ? ' ' : ''}${value}`
}

/** An entry spread over lines as JSON.stringify indents, every line after the first at `indent`. */
export function jsonPretty(e: FlowEntry, style: Style, indent: string, eol: string): string {
  const value = JSON.stringify(e.data, null, style.unit).replace(/\n/g, eol + indent)
  return e.key === undefined ? value : `${JSON.stringify(e.key)}: ${value}`
}

// JSON on one line; `spaced` puts a space after each colon and comma, as `{"a": 1, "b": 2}`.
function jsonCompact(v: unknown, spaced: boolean): string {
  if (!spaced) return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map((x) => jsonCompact(x, true)).join(', ')}]`
  if (typeof v === 'object' && v !== null)
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${jsonCompact(x, true)}`)
      .join(', ')}}`
  return JSON.stringify(v)
}

// What a tree (or a leaf) means as data: the value the inserted text must read back as.
function treeData(v: Tree | LeafRef): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, treeData(x)]))
  if (v.leaf.kind === 'scalar') return v.leaf.value
  return [...(v.leaf.inheritedItems ?? []), ...v.leaf.names.map((name) => ({ name }))]
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

export function leafOutcomes(tree: Tree): TargetOutcome[] {
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
