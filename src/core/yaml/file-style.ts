import { isMap, isSeq, type YAMLMap } from 'yaml'
import type { ParsedValues } from './values.js'

// Where things are in the original text, and how the file writes what the splice will imitate:
// new lines take the file's own line ending, indent step and list indentation.

export interface Style {
  eol: string
  unit: number
  seqIndent: number
  /**
   * The file is a JSON document (flow style throughout, and JSON.parse reads it): what is
   * inserted is JSON too, so the file stays JSON for the tools that read it as such.
   */
  json?: { spaced: boolean }
}

// The file's own habits: line ending, indent step, and how far a `- ` sits under its key.
export function detectStyle(values: ParsedValues): Style {
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
  if (isMap(root) && root.flow && isJson(values.text)) {
    // The indent step is where the first key sits when the braces are on lines of their own.
    const first = root.items[0]?.key
    const spread = first && values.lines.linePos(rangeStart(first)).line > values.lines.linePos(rangeStart(root)).line
    return {
      eol,
      unit: spread ? Math.max(1, col(rangeStart(first)) - col(rangeStart(root))) : 2,
      seqIndent: 0,
      json: { spaced: /"\s*:\s/.test(values.text) },
    }
  }
  unit ||= 2
  return { eol, unit, seqIndent: seqIndent >= 0 ? seqIndent : unit }
}

// 0-based column of an offset (the text is the file without its BOM, if it had one).
export function columnOf(values: ParsedValues, offset: number): number {
  return values.lines.linePos(offset).col - 1
}

export function rangeStart(node: unknown): number {
  return (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0
}

/** Offset of the end of the line holding `offset` (before its line break). */
export function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  if (nl < 0) return text.length
  return text[nl - 1] === '\r' ? nl - 1 : nl
}

// The last non-blank character at or before `end`: node ranges include trailing line breaks.
export function lastContent(text: string, end: number): number {
  let e = end
  while (e > 0 && /\s/.test(text[e - 1]!)) e--
  return Math.max(0, e - 1)
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
