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

export function renderFlowEntries(tree: Tree): string {
  return [...tree].map(([k, v]) => `${quote(k)}: ${renderFlowValue(v)}`).join(', ')
}

export function renderFlowValue(v: Tree | LeafRef): string {
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
