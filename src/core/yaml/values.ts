import {
  CST,
  type Document,
  LineCounter,
  Parser,
  type YAMLParseError,
  isAlias,
  isMap,
  isScalar,
  parseDocument,
  visit,
  type Node as YamlNode,
} from 'yaml'
import { YamlSyntaxError, escapeControl, type SourcePos } from '../errors.js'

/** A values file read the way Helm reads it, with what is needed to map nodes back to text. */
export interface ParsedValues {
  /** The text as parsed: the file without a leading BOM (offsets of nodes refer to it). */
  text: string
  /** The file started with a BOM, which edits must put back. */
  bom: boolean
  doc: Document.Parsed
  lines: LineCounter
  /** The data Helm sees: YAML 1.1 scalars, merge keys resolved, the last of duplicate keys. */
  data: unknown
  /** Anchors that an alias or merge key uses, with the offset of the first use. */
  aliased: Map<string, number>
}

// Helm reads values with a YAML 1.1 parser (0644 is octal, yes is a bool, << merges) and keeps
// the last of duplicate keys, so cfpull parses the same way instead of rejecting them.
const PARSE_OPTIONS = { version: '1.1', uniqueKeys: false, prettyErrors: false } as const

/** Parses a values file; throws YamlSyntaxError (file:line:col, code frame, hint) when Helm could not read it either. */
export function parseValues(source: string, file = '<input>'): ParsedValues {
  // Helm's parser skips a BOM and then counts the first line's spaces as indentation; the yaml
  // package does not, so the BOM is set aside and every position refers to the text after it.
  const bom = source.startsWith('\uFEFF')
  const text = bom ? source.slice(1) : source
  const lines = new LineCounter()
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter: lines })
  const first = doc.errors[0]
  if (first) throw syntaxError(text, file, lines, first)
  // An alias needs a '*': files without one (most) skip the walk over every node.
  const aliased = text.includes('*') ? checkAliases(text, file, doc, lines) : new Map<string, number>()
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: -1 })
  } catch (err) {
    throw new YamlSyntaxError(file, { line: 1, col: 1 }, (err as Error).message, '', undefined)
  }
  return { text, bom, doc, lines, data, aliased }
}

/** 1-based line and column of a character offset. */
export function posOf(lines: LineCounter, offset: number): SourcePos {
  const { line, col } = lines.linePos(offset)
  return { line, col }
}

/** A short code frame around a position, as compilers print it; the file's text is escaped and cut to fit. */
export function codeFrame(text: string, pos: SourcePos, context = 1): string {
  const all = text.split(/\r?\n/)
  const from = Math.max(1, pos.line - context)
  const to = Math.min(all.length, pos.line + context)
  const width = String(to).length
  // One window for every line of the frame, so the lines stay aligned with the caret.
  const start = pos.col - 1 > FRAME_WIDTH - 20 ? pos.col - 1 - (FRAME_WIDTH >> 1) : 0
  const out: string[] = []
  for (let n = from; n <= to; n++) {
    const mark = n === pos.line ? '>' : ' '
    const line = all[n - 1] ?? ''
    out.push(`${mark} ${String(n).padStart(width)} | ${frameLine(line, start)}`)
    if (n === pos.line) {
      // The caret sits under the escaped text; tabs stay tabs so it lines up with them.
      const before = frameLine(line.slice(0, Math.max(0, pos.col - 1)), start, false)
      out.push(`  ${' '.repeat(width)} | ${before.replace(/[^\t]/g, ' ')}^`)
    }
  }
  return out.join('\n')
}

const FRAME_WIDTH = 120

// A line of a frame: escaped, from `start`, and cut at FRAME_WIDTH characters with … marks.
function frameLine(line: string, start: number, cut = true): string {
  const shown = escapeControl(line.slice(start))
  const head = start > 0 && line !== '' ? '…' : ''
  if (!cut || shown.length <= FRAME_WIDTH) return head + shown
  return `${head}${shown.slice(0, FRAME_WIDTH)}…`
}

function syntaxError(text: string, file: string, lines: LineCounter, err: YAMLParseError): YamlSyntaxError {
  if (err.code === 'MULTIPLE_DOCS') {
    const pos = posOf(lines, err.pos[0])
    return new YamlSyntaxError(
      file,
      pos,
      'a second YAML document starts here; a values file is one document',
      codeFrame(text, pos),
      'put each document in a file of its own (helm takes several: -f a.yaml -f b.yaml), or remove the extra "---"',
    )
  }
  const flow = /^Flow (sequence|map) in block collection/.exec(err.message) ? unclosedFlow(text, err.pos[0]) : undefined
  if (flow) {
    const pos = posOf(lines, flow.at)
    const [kind, close] = flow.open === '[' ? ['sequence', ']'] : ['map', '}']
    const line = lineAt(text, pos.line)
    const hint = /:\s*\{[A-Za-z_][\w.-]*\}/.test(line)
      ? 'a value that starts with { is read as a flow map: quote it, e.g. key: "{placeholder}.svc"'
      : `close it with ${close}; a flow ${kind} may go on over several lines, each indented deeper than its key`
    return new YamlSyntaxError(
      file,
      pos,
      `the flow ${kind} that opens here with ${flow.open} is never closed with ${close}`,
      codeFrame(text, pos),
      hint,
    )
  }
  const pos = posOf(lines, err.pos[0])
  // yaml's messages end with " at line N, column M" plus a frame; cfpull prints its own.
  const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  return new YamlSyntaxError(file, pos, reason, codeFrame(text, pos), hintFor(err.code, lineAt(text, pos.line)))
}

// The innermost flow collection opened before `at` whose closing bracket never came.
function unclosedFlow(text: string, at: number): { at: number; open: string } | undefined {
  let found: { at: number; open: string } | undefined
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue
    CST.visit(token, (item) => {
      for (const node of [item.key, item.value])
        if (
          node?.type === 'flow-collection' &&
          node.offset < at &&
          (!found || node.offset > found.at) &&
          !node.end.some((t) => t.source === (node.start.source === '[' ? ']' : '}'))
        )
          found = { at: node.offset, open: node.start.source }
    })
  }
  return found
}

function lineAt(text: string, line: number): string {
  return text.split(/\r?\n/)[line - 1] ?? ''
}

function hintFor(code: string, line: string): string {
  if (/:\s*\{[^}]*\}\S/.test(line) || /:\s*\{[A-Za-z_][\w.-]*\}/.test(line))
    return 'a value that starts with { is read as a flow map: quote it, e.g. key: "{placeholder}.svc"'
  if (code === 'BAD_INDENT' || code === 'MISSING_CHAR' || code === 'UNEXPECTED_TOKEN')
    return 'check the indentation of this line against its siblings (YAML needs the same column for keys of one map)'
  if (code === 'MULTILINE_IMPLICIT_KEY')
    return 'a key must fit on one line: look for a missing ":" or an unclosed quote above'
  if (code === 'TAB_AS_INDENT') return 'YAML does not allow tabs for indentation: use spaces'
  if (code === 'MULTIPLE_DOCS') return 'a values file holds one YAML document: remove the extra "---" sections'
  return 'fix the YAML at this position; helm would reject it too'
}

// The yaml library only notices an undefined alias when converting to data, with no position.
// `password: **********` is the classic case: an unquoted value starting with * is an alias.
// It also returns every anchor in use and where first, which edits must not change.
function checkAliases(text: string, file: string, doc: Document.Parsed, lines: LineCounter): Map<string, number> {
  const anchors = new Set<string>()
  const aliased = new Map<string, number>()
  let bad: { source: string; offset: number } | undefined
  visit(doc, {
    Node(_key, node: YamlNode) {
      if (bad) return visit.BREAK
      if (isAlias(node)) {
        if (!anchors.has(node.source)) bad = { source: node.source, offset: node.range?.[0] ?? 0 }
        else if (!aliased.has(node.source)) aliased.set(node.source, node.range?.[0] ?? 0)
      } else if (node.anchor) anchors.add(node.anchor)
      return undefined
    },
  })
  if (!bad) return aliased
  const pos = posOf(lines, bad.offset)
  throw new YamlSyntaxError(
    file,
    pos,
    `*${bad.source} is an alias to an anchor that is not defined before it`,
    codeFrame(text, pos),
    `an unquoted value starting with * is an alias: quote it, e.g. '*${bad.source}'`,
  )
}

/**
 * Offset of the value at `path` as Helm sees it (the last of duplicate keys), or of the
 * deepest map on the way when the path does not exist; for positions in messages.
 */
export function offsetOf(values: ParsedValues, path: readonly string[]): number {
  let node: unknown = values.doc.contents
  let at = 0
  for (const key of path) {
    if (!isMap(node)) break
    const pair = node.items.filter((p) => isScalar(p.key) && String(p.key.value) === key).at(-1)
    if (!pair) break
    at = (pair.value as { range?: number[] } | null)?.range?.[0] ?? (pair.key as { range?: number[] }).range?.[0] ?? at
    node = pair.value
  }
  return at
}

export { dataAt } from './data-path.js'
