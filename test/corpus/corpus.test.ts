/**
 * Runs addImagePullSecrets over every values file of the Cloudforet corpus, for two chart
 * versions, and checks every result independently of cfpull's own self-check:
 *
 *   1. pure insertion: the output differs from the input only by inserted lines plus flow
 *      rewrites, reads back as the input data plus exactly the reported changes, is a fixed
 *      point, keeps CRLF/BOM/final-newline status, and every change.line points at the edit;
 *   2. refused: a CfpullError (exit 3) at `${file}:${line}:${col}: ` on the right line, for the
 *      files the corpus MANIFEST marks as not loading (duplicate keys excepted: Helm accepts them);
 *   3. anything else is a failure; failures are collected and dumped at the end.
 *
 * Corpus: $CFPULL_CORPUS (relative paths are taken from the repo root), default
 * ../shared/fixtures/cloudforet. Files are read in place, never copied.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { LineCounter, isMap, isScalar, parseDocument, type Node as YamlNode } from 'yaml'
import { chartInfo } from '../../src/core/cloudforet/charts.js'
import { CfpullError, ValidationError, YamlSyntaxError } from '../../src/core/errors.js'
import {
  addImagePullSecrets,
  type PullSecretChange,
  type PullSecretResult,
} from '../../src/core/cloudforet/image-pull-secrets.js'
import { checkInsertions, type FlowRewrite } from './line-diff.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const CORPUS_ENV = 'CFPULL_CORPUS'
const CORPUS = resolve(REPO_ROOT, process.env[CORPUS_ENV] || join('..', 'shared', 'fixtures', 'cloudforet'))
const SECRET = 'my-credential'
const CHART_VERSIONS = ['2.0.0-dev35', '1.12.16'] as const
type ChartVersion = (typeof CHART_VERSIONS)[number]

// ---------------------------------------------------------------- corpus discovery

function corpusProblem(): string | undefined {
  const where = `corpus directory ${CORPUS} (set ${CORPUS_ENV} to the Cloudforet values corpus; relative paths are resolved from the repo root ${REPO_ROOT})`
  if (!existsSync(CORPUS)) return `missing ${where}`
  if (!statSync(CORPUS).isDirectory()) return `not a directory: ${where}`
  return undefined
}

function listYaml(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listYaml(full))
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) out.push(relative(CORPUS, full).split(sep).join('/'))
  }
  return out
}

const PROBLEM = corpusProblem()
const FILES: string[] = PROBLEM ? [] : listYaml(CORPUS).sort()

// ---------------------------------------------------------------- what each file should do

/** What the corpus says about a file: loads (maybe with duplicate keys), or a parse error at a line, or an unresolved alias. */
type Expectation =
  | { kind: 'loads'; duplicateKeys: boolean }
  | { kind: 'parse-error'; code: string; line: number; col: number }
  | { kind: 'alias'; source: string }

interface ManifestEntry {
  analysis?: { rel?: string; errors?: string[] }
}

function loadManifest(): Map<string, string[]> {
  const map = new Map<string, string[]>()
  const file = join(CORPUS, 'MANIFEST.json')
  if (PROBLEM || !existsSync(file)) return map
  const entries = JSON.parse(readFileSync(file, 'utf8')) as ManifestEntry[]
  for (const e of entries) if (e.analysis?.rel) map.set(e.analysis.rel, e.analysis.errors ?? [])
  return map
}
const MANIFEST = loadManifest()

// The MANIFEST's parse column: yaml 2.x, uniqueKeys: true, then toJS. Reproduced here for
// files the MANIFEST does not list (e.g. a different corpus given by CFPULL_CORPUS).
function manifestStyleErrors(text: string): string[] {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true })
  const errors = doc.errors.map((e) => `${e.code}: ${e.message.split('\n')[0]}`)
  try {
    doc.toJS({ maxAliasCount: -1 })
  } catch (err) {
    errors.push(`toJS: ${(err as Error).message}`)
  }
  return errors
}

function expectationFor(rel: string, text: string): Expectation {
  return expectationFromErrors(MANIFEST.get(rel) ?? manifestStyleErrors(text), rel)
}

function expectationFromErrors(errors: string[], rel = '<text>'): Expectation {
  let duplicateKeys = false
  let alias: string | undefined
  for (const e of errors) {
    const parse = /^([A-Z_]+): .* at line (\d+), column (\d+)/.exec(e)
    if (parse) {
      if (parse[1] === 'DUPLICATE_KEY') duplicateKeys = true
      else return { kind: 'parse-error', code: parse[1]!, line: Number(parse[2]), col: Number(parse[3]) }
      continue
    }
    const unresolved = /^toJS: Unresolved alias[^:]*: (.*)$/.exec(e)
    if (unresolved) alias ??= unresolved[1]!
    else throw new Error(`${rel}: cannot read the MANIFEST error ${JSON.stringify(e)}`)
  }
  if (alias !== undefined) return { kind: 'alias', source: alias }
  return { kind: 'loads', duplicateKeys }
}

// ---------------------------------------------------------------- independent checks

const PARSE = { version: '1.1', uniqueKeys: false } as const

function loadData(text: string, what: string): unknown {
  const doc = parseDocument(text, PARSE)
  if (doc.errors.length) throw new Error(`${what} does not parse: ${doc.errors[0]!.message.split('\n')[0]}`)
  return doc.toJS({ maxAliasCount: -1 })
}

function isPlainMap(x: unknown): x is Record<string, unknown> {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    !(x instanceof Date) &&
    !(x instanceof Map) &&
    !(x instanceof Set)
  )
}

/** The input data with the reported changes applied, derived from each change's path alone. */
function applyChanges(data: unknown, changes: PullSecretChange[]): unknown {
  const root: Record<string, unknown> = isPlainMap(data) ? data : {}
  for (const c of changes) {
    if (c.action === 'unchanged') continue
    let d = root
    for (const key of c.path.slice(0, -1)) {
      if (!isPlainMap(d[key])) d[key] = {}
      d = d[key] as Record<string, unknown>
    }
    const leaf = c.path.at(-1)!
    if (leaf === 'image_pull_secrets') d[leaf] = c.names[0]
    else {
      const existing = c.action === 'appended' && Array.isArray(d[leaf]) ? (d[leaf] as unknown[]) : []
      d[leaf] = [...existing, ...c.names.map((name) => ({ name }))]
    }
  }
  return root
}

/** A short description of where two values first differ. */
function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (isDeepStrictEqual(a, b)) return ''
  if (isPlainMap(a) && isPlainMap(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k)
      if (d) return d
    }
  }
  const show = (x: unknown) => (x === undefined ? 'missing' : JSON.stringify(x)?.slice(0, 120))
  return `${path || '(top level)'}: expected ${show(a)}, got ${show(b)}`
}

interface TextShape {
  bom: boolean
  eol: 'lf' | 'crlf' | 'mixed' | 'none'
  finalNewline: boolean
}

function shapeOf(text: string): TextShape {
  const lf = (text.match(/\n/g) ?? []).length
  const crlf = (text.match(/\r\n/g) ?? []).length
  return {
    bom: text.startsWith('\uFEFF'),
    eol: lf === 0 ? 'none' : crlf === 0 ? 'lf' : crlf === lf ? 'crlf' : 'mixed',
    finalNewline: text.endsWith('\n'),
  }
}

/** Lines without their line break (a trailing \r stays, so CRLF lines still compare exactly). */
function linesOf(text: string): string[] {
  // A final line break ends the last line rather than starting one more.
  const lines = text === '' ? [] : text.split('\n')
  if (text.endsWith('\n')) lines.pop()
  return lines
}

/** True when some map on `path` (Helm's view: last duplicate wins) holds the next key more than once. */
function duplicateOnPath(text: string, path: string[]): boolean {
  const doc = parseDocument(text, PARSE)
  let node: unknown = doc.contents
  for (const key of path) {
    if (!isMap(node)) return false
    const pairs = node.items.filter(
      (p) => isScalar(p.key) && String((p.key as YamlNode & { value: unknown }).value) === key,
    )
    if (pairs.length > 1) return true
    if (pairs.length === 0) return false
    node = pairs.at(-1)!.value
  }
  return false
}

/** Column of the first `*source` outside quotes and comments on a line (1-based), or 0. */
function aliasColumn(line: string, source: string): number {
  const token = `*${source}`
  let quote: string | null = null
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quote) {
      if (ch === quote) quote = null
      continue
    }
    if (ch === '"' || ch === "'") quote = ch
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return 0
    else if (line.startsWith(token, i)) return i + 1
  }
  return 0
}

// ---------------------------------------------------------------- bookkeeping

interface Failure {
  file: string
  chart: ChartVersion
  what: string
}

interface Tally {
  files: number
  pure: number
  unchangedAlready: number
  filesWithRewrites: number
  flowRewrites: number
  insertedLines: number
  changes: number
  alreadyThere: number
  rewriteExamples: string[]
  mechanisms: Map<string, number>
  refused: Map<string, number>
  failures: number
  duplicateKeyFiles: number
  duplicateOnPatchedPath: number
  duplicateKeyWarnings: number
  filesWithDuplicateKeyWarning: number
  ms: number
}

const newTally = (): Tally => ({
  files: 0,
  pure: 0,
  unchangedAlready: 0,
  filesWithRewrites: 0,
  flowRewrites: 0,
  insertedLines: 0,
  changes: 0,
  alreadyThere: 0,
  rewriteExamples: [],
  mechanisms: new Map(),
  refused: new Map(),
  failures: 0,
  duplicateKeyFiles: 0,
  duplicateOnPatchedPath: 0,
  duplicateKeyWarnings: 0,
  filesWithDuplicateKeyWarning: 0,
  ms: 0,
})

const failures: Failure[] = []
const tallies = new Map<ChartVersion, Tally>(CHART_VERSIONS.map((v) => [v, newTally()]))
const startedAt = performance.now()

// ---------------------------------------------------------------- one file, one chart version

/** Checks one file for one chart version; returns the problems found (empty = as expected). */
function checkFile(rel: string, version: ChartVersion, tally: Tally): string[] {
  const text = readFileSync(join(CORPUS, rel), 'utf8')
  return checkText(rel, text, expectationFor(rel, text), version, tally)
}

/** The function under test; the checker self-test swaps in broken versions to prove the checks bite. */
type Patch = typeof addImagePullSecrets

/** Runs `patch` on one text for one chart version and checks the outcome; returns the problems found. */
function checkText(
  rel: string,
  text: string,
  expectation: Expectation,
  version: ChartVersion,
  tally: Tally,
  patch: Patch = addImagePullSecrets,
): string[] {
  const chart = chartInfo(version)
  const problems: string[] = []
  tally.files++

  let result: PullSecretResult
  try {
    result = patch(text, { secrets: [SECRET], chart, file: rel })
  } catch (err) {
    return checkRefusal(rel, text, expectation, err, tally)
  }

  if (expectation.kind !== 'loads') {
    const want =
      expectation.kind === 'alias'
        ? `unresolved alias *${expectation.source}`
        : `${expectation.code} at line ${expectation.line}`
    problems.push(`succeeded, but the file does not load (${want}): expected a refusal with exit code 3`)
    return problems
  }

  // (d) byte-level shape
  const shapeIn = shapeOf(text)
  const shapeOut = shapeOf(result.text)
  // A file with no line break at all (empty, or one line) has no style to keep: any uniform one will do.
  if (shapeIn.eol === 'none' && shapeOut.eol !== 'mixed') shapeIn.eol = shapeOut.eol
  // Text cfpull writes into an empty file ends with a newline.
  if (text.replace(/^\uFEFF/, '') === '' && result.text !== text) shapeIn.finalNewline = true
  if (!isDeepStrictEqual(shapeIn, shapeOut))
    problems.push(`text shape changed: input ${JSON.stringify(shapeIn)}, output ${JSON.stringify(shapeOut)}`)

  if (result.changed !== (result.text !== text))
    problems.push(`changed is ${result.changed} but the text ${result.text === text ? 'is' : 'is not'} identical`)

  const real = result.changes.filter((c) => c.action !== 'unchanged')
  if (!result.changed && real.length)
    problems.push(
      `unchanged text but ${real.length} change(s) reported as edits: ${real.map((c) => `${c.path.join('.')}=${c.action}`).join(', ')}`,
    )
  if (result.changed && !real.length) problems.push('the text changed but every change is "unchanged"')

  // Every enabled service of the chart gets exactly one outcome (a disabled one runs no pods);
  // the plugins one when cfpull chose a path and the route had no secret of its own.
  const top = parseDocument(text.replace(/^\uFEFF/, ''), { uniqueKeys: false }).toJS({ maxAliasCount: -1 }) as unknown
  const disabled = (s: string) => {
    const section = top && typeof top === 'object' ? (top as Record<string, unknown>)[s] : undefined
    return !!section && typeof section === 'object' && (section as { enabled?: unknown }).enabled === false
  }
  const enabled = chart.services.filter((s) => !disabled(s))
  const services = result.changes.filter((c) => c.kind === 'service').map((c) => c.service)
  if (!isDeepStrictEqual([...services].sort(), [...enabled].sort()))
    problems.push(
      `service outcomes ${JSON.stringify(services)} do not match chart ${version}'s enabled services ${JSON.stringify(enabled)}`,
    )
  const pluginChanges = result.changes.filter((c) => c.kind === 'plugins')
  const kept = result.warnings.some((w) => w.code === 'plugin-secret-kept')
  if (
    result.plugins.path &&
    !(kept && pluginChanges.length === 0) &&
    (pluginChanges.length !== 1 || !isDeepStrictEqual(pluginChanges[0]!.path, result.plugins.path))
  )
    problems.push(
      `plugins.path is ${result.plugins.path.join('.')} but plugin outcomes are ${JSON.stringify(pluginChanges.map((c) => c.path.join('.')))}`,
    )
  for (const c of real)
    if (!c.names.includes(SECRET))
      problems.push(`${c.path.join('.')} (${c.action}) names ${JSON.stringify(c.names)}, not ${SECRET}`)

  // (a) only inserted lines, plus one rewritten line per flow value that had to grow
  const before = linesOf(text)
  const after = linesOf(result.text)
  const diff = checkInsertions(before, after)
  problems.push(...diff.problems)
  if (diff.rewrites.length > real.length)
    problems.push(
      `${diff.rewrites.length} rewritten lines for ${real.length} edit(s): ${diff.rewrites.map((r) => `${r.oldIndex + 1}: ${JSON.stringify(r.oldLine)} -> ${JSON.stringify(r.newLine)}`).join('; ')}`,
    )

  // (b) output data = input data + the reported changes
  let dataOk = true
  try {
    const expected = applyChanges(loadData(text, 'the input'), result.changes)
    const got = loadData(result.text, 'the output')
    if (!isDeepStrictEqual(got, expected))
      problems.push(
        `output data is not input data + reported changes, first difference at ${firstDifference(expected, got)}`,
      )
  } catch (err) {
    dataOk = false
    problems.push((err as Error).message)
  }

  // (c) a second run is a no-op
  if (dataOk) {
    try {
      const again = patch(result.text, { secrets: [SECRET], chart, file: rel })
      if (again.changed || again.text !== result.text) {
        const d = checkInsertions(after, linesOf(again.text))
        const at = d.inserted[0] ?? d.rewrites[0]?.newIndex
        problems.push(
          `second run changed it again (changed=${again.changed})${at === undefined ? '' : `, first at output line ${at + 1}: ${JSON.stringify(linesOf(again.text)[at])}`}`,
        )
      }
      if (again.changes.some((c) => c.action !== 'unchanged'))
        problems.push(
          `second run reports edits: ${again.changes
            .filter((c) => c.action !== 'unchanged')
            .map((c) => `${c.path.join('.')}=${c.action}`)
            .join(', ')}`,
        )
    } catch (err) {
      problems.push(`second run threw ${describeError(err)}`)
    }
  }

  // (e) change.line points at the edit
  if (result.changed) {
    const rewritten = new Set(diff.rewrites.map((r: FlowRewrite) => r.newIndex))
    for (const c of result.changes) {
      const line = after[c.line - 1]
      const key = c.path.at(-1)!
      const ok =
        line !== undefined &&
        (line.includes(key) || /-\s*name:\s*['"]?my-credential\b/.test(line) || rewritten.has(c.line - 1))
      if (!ok)
        problems.push(
          `${c.path.join('.')} (${c.action}) line ${c.line} is ${line === undefined ? 'past the end' : JSON.stringify(line)}: no ${key} key, "- name: ${SECRET}" or flow rewrite there`,
        )
    }
  }

  // Duplicate keys: accepted the way Helm does (last wins), warned about when on a patched path.
  const dupWarnings = result.warnings.filter((w) => w.code === 'duplicate-key')
  if (expectation.duplicateKeys) {
    const onPath = real.some((c) => duplicateOnPath(text, c.path))
    if (onPath) {
      tally.duplicateOnPatchedPath++
      if (!dupWarnings.length)
        problems.push('a duplicated key is on a patched path but there is no duplicate-key warning')
    }
  }
  tally.duplicateKeyWarnings += dupWarnings.length
  if (dupWarnings.length) tally.filesWithDuplicateKeyWarning++

  if (!problems.length) {
    tally.pure++
    if (expectation.duplicateKeys) tally.duplicateKeyFiles++
    tally.changes += real.length
    tally.mechanisms.set(result.plugins.mechanism, (tally.mechanisms.get(result.plugins.mechanism) ?? 0) + 1)
    tally.alreadyThere += result.changes.length - real.length
    tally.insertedLines += diff.inserted.length
    if (!result.changed) tally.unchangedAlready++
    if (diff.rewrites.length) {
      tally.filesWithRewrites++
      tally.rewriteExamples.push(
        `${rel}:${diff.rewrites[0]!.oldIndex + 1}: ${JSON.stringify(diff.rewrites[0]!.oldLine)} -> ${JSON.stringify(diff.rewrites[0]!.newLine)}`,
      )
    }
    tally.flowRewrites += diff.rewrites.length
  }
  return problems
}

function describeError(err: unknown): string {
  if (err instanceof CfpullError) return `${err.name} (exit ${err.exitCode}): ${err.message}`
  if (err instanceof Error) return `${err.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 4).join('\n') ?? ''}`
  return String(err)
}

function checkRefusal(rel: string, text: string, expectation: Expectation, err: unknown, tally: Tally): string[] {
  if (!(err instanceof CfpullError)) return [`threw a non-cfpull error: ${describeError(err)}`]
  if (expectation.kind === 'loads') {
    if (err instanceof ValidationError) return checkValidationRefusal(rel, text, err, tally)
    return [
      `refused a file that loads${expectation.duplicateKeys ? ' (duplicate keys only: Helm accepts it, last key wins)' : ''}: ${describeError(err)}`,
    ]
  }
  const problems: string[] = []
  if (err.exitCode !== 3) problems.push(`exit code ${err.exitCode}, expected 3: ${describeError(err)}`)
  const m = new RegExp(`^${rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+): `).exec(err.message)
  if (!m)
    return [
      ...problems,
      `message does not start with "${rel}:<line>:<col>: ": ${JSON.stringify(err.message.slice(0, 200))}`,
    ]
  const line = Number(m[1])
  const col = Number(m[2])
  const lines = text.split(/\r?\n/)
  const shown = JSON.stringify(lines[line - 1] ?? '(past the end)')
  if (expectation.kind === 'parse-error') {
    if (line !== expectation.line)
      problems.push(
        `reported line ${line} (${shown}), expected line ${expectation.line} (${expectation.code}): ${JSON.stringify(lines[expectation.line - 1])}`,
      )
  } else {
    const at = aliasColumn(lines[line - 1] ?? '', expectation.source)
    if (!at)
      problems.push(`reported line ${line} (${shown}) does not contain the unquoted alias *${expectation.source}`)
    else if (col !== at)
      problems.push(
        `reported column ${col}, but the alias *${expectation.source} starts at column ${at} of line ${line}`,
      )
  }
  if (err instanceof YamlSyntaxError) {
    if (err.file !== rel) problems.push(`.file is ${JSON.stringify(err.file)}, expected ${JSON.stringify(rel)}`)
    if (err.pos.line !== line || err.pos.col !== col)
      problems.push(`.pos ${JSON.stringify(err.pos)} disagrees with the message (${line}:${col})`)
    if (!err.frame?.trim()) problems.push('YamlSyntaxError without a code frame (.frame is empty)')
    if (!err.hint?.trim()) problems.push('YamlSyntaxError without a hint (.hint is empty)')
  }
  if (!problems.length) {
    const kind = `${err.name}: ${expectation.kind === 'alias' ? 'unresolved alias' : expectation.code}`
    tally.refused.set(kind, (tally.refused.get(kind) ?? 0) + 1)
  }
  return problems
}

/**
 * The shapes cfpull may refuse to edit, judged here without src/: a service section must be a
 * map (or empty), a pull-secret list a list of {name: <non-empty string>} maps (or empty), the
 * registry pull secret a string (or empty), the KubernetesConnector a map. Returns why a value
 * is unusable, or undefined when cfpull should have been able to edit it.
 */
function unusableShape(path: string[], value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  const leaf = path.at(-1)
  if (leaf === 'imagePullSecrets') {
    if (!Array.isArray(value)) return `not a list (${typeof value})`
    const bad = value.findIndex((x) => !isPlainMap(x) || typeof x.name !== 'string' || x.name === '')
    return bad < 0 ? undefined : `item ${bad + 1} is ${JSON.stringify(value[bad])}, not {name: <string>}`
  }
  if (leaf === 'image_pull_secrets')
    return typeof value === 'string' ? undefined : `not a string (${JSON.stringify(value)})`
  if (isPlainMap(value)) return undefined
  return `not a map (${JSON.stringify(value)?.slice(0, 60)})`
}

/** Start and end lines (1-based) of the key/value pair at `path`, Helm's view (last duplicate wins). */
function pairLines(text: string, path: string[]): { from: number; to: number } | undefined {
  const lc = new LineCounter()
  const doc = parseDocument(text, { ...PARSE, lineCounter: lc })
  let node: unknown = doc.contents
  let range: { from: number; to: number } | undefined
  for (const key of path) {
    if (!isMap(node)) return undefined
    const pair = node.items
      .filter((p) => isScalar(p.key) && String((p.key as YamlNode & { value: unknown }).value) === key)
      .at(-1)
    if (!pair) return undefined
    const start = (pair.key as YamlNode).range?.[0] ?? 0
    const end = (pair.value as YamlNode | null)?.range?.[1] ?? (pair.key as YamlNode).range?.[1] ?? start
    range = { from: lc.linePos(start).line, to: lc.linePos(Math.max(start, end - 1)).line }
    node = pair.value
  }
  return range
}

/** A well-formed file refused because a value cfpull must edit has an unusable shape: check that it really has. */
function checkValidationRefusal(rel: string, text: string, err: ValidationError, tally: Tally): string[] {
  const problems: string[] = []
  if (err.exitCode !== 3) problems.push(`exit code ${err.exitCode}, expected 3: ${describeError(err)}`)
  const prefix = `${rel}:${err.pos.line}:${err.pos.col}: `
  if (!err.message.startsWith(prefix))
    problems.push(`message does not start with ${JSON.stringify(prefix)}: ${JSON.stringify(err.message.slice(0, 200))}`)
  const path = err.yamlPath === '(top level)' ? [] : err.yamlPath.split('.')
  let value: unknown
  try {
    value = loadData(text, 'the input')
  } catch (e) {
    return [...problems, `ValidationError on a file the test cannot load: ${(e as Error).message}`]
  }
  for (const key of path) value = isPlainMap(value) ? value[key] : undefined
  const why = unusableShape(path, value)
  if (!why)
    problems.push(
      `refused ${err.yamlPath}, whose value ${JSON.stringify(value)?.slice(0, 120)} cfpull should be able to edit: ${describeError(err)}`,
    )
  const span = path.length ? pairLines(text, path) : { from: 1, to: text.split('\n').length }
  if (!span) problems.push(`ValidationError names ${err.yamlPath}, which the test cannot find in the file`)
  else if (err.pos.line < span.from || err.pos.line > span.to)
    problems.push(`ValidationError at line ${err.pos.line}, outside ${err.yamlPath} (lines ${span.from}-${span.to})`)
  if (!problems.length) {
    const kind = `${err.name}: ${path.at(-1) ?? '(top level)'} ${why!.startsWith('item') ? 'has an item that is not {name: <string>}' : why!.replace(/ \(.*$/, '')}`
    tally.refused.set(kind, (tally.refused.get(kind) ?? 0) + 1)
  }
  return problems
}

// ---------------------------------------------------------------- summary

function summary(): string {
  const rows: Array<[string, ...string[]]> = [
    ['', ...CHART_VERSIONS],
    ['files', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.files))],
    ['pure insertions', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.pure))],
    ['  of which unchanged already', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.unchangedAlready))],
    ['  files with flow rewrites', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.filesWithRewrites))],
    ['  flow-rewritten lines', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.flowRewrites))],
    ['  inserted lines', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.insertedLines))],
    ['  edits (changes != unchanged)', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.changes))],
    ['  targets already in place (unchanged)', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.alreadyThere))],
    ...[...new Set(CHART_VERSIONS.flatMap((v) => [...tallies.get(v)!.mechanisms.keys()]))]
      .sort()
      .map((m): [string, ...string[]] => [
        `  plugin mechanism ${m}`,
        ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.mechanisms.get(m) ?? 0)),
      ]),
    [
      '  files with duplicate keys (Helm: last wins)',
      ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.duplicateKeyFiles)),
    ],
    [
      '    with a duplicate on a patched path',
      ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.duplicateOnPatchedPath)),
    ],
    [
      '  duplicate-key warnings (files)',
      ...CHART_VERSIONS.map(
        (v) => `${tallies.get(v)!.duplicateKeyWarnings} (${tallies.get(v)!.filesWithDuplicateKeyWarning})`,
      ),
    ],
    ['refused', ...CHART_VERSIONS.map((v) => String([...tallies.get(v)!.refused.values()].reduce((a, b) => a + b, 0)))],
  ]
  const kinds = [...new Set(CHART_VERSIONS.flatMap((v) => [...tallies.get(v)!.refused.keys()]))].sort()
  for (const k of kinds)
    rows.push([`  ${k}`, ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.refused.get(k) ?? 0))])
  rows.push(['failures', ...CHART_VERSIONS.map((v) => String(tallies.get(v)!.failures))])
  rows.push(['time (s)', ...CHART_VERSIONS.map((v) => (tallies.get(v)!.ms / 1000).toFixed(1))])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [
    `cfpull corpus run: ${CORPUS} (${FILES.length} YAML files, secret ${SECRET})`,
    fmt(rows[0]!),
    ...rows.slice(1).map(fmt),
    ...CHART_VERSIONS.flatMap((v) =>
      tallies
        .get(v)!
        .rewriteExamples.slice(0, 5)
        .map((e) => `flow rewrite [${v}] ${e}`),
    ),
    `total time ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
  ].join('\n')
}

function dump(list: Failure[]): string {
  return list.map((f) => `- ${f.file} [chart ${f.chart}]\n    ${f.what.split('\n').join('\n    ')}`).join('\n')
}

// ---------------------------------------------------------------- tests

// The checks must bite: run them on in-memory texts with broken stand-ins for cfpull.
describe('checker self-test', () => {
  const v: ChartVersion = '1.12.16'
  const base = 'console:\n  replicas: 1\nidentity: {}\n'
  const loads: Expectation = { kind: 'loads', duplicateKeys: false }
  const wrap =
    (edit: (r: PullSecretResult) => PullSecretResult): Patch =>
    (t, o) =>
      edit(addImagePullSecrets(t, o))

  it('passes the real function on a small file, counting its flow rewrite', () => {
    const tally = newTally()
    expect(checkText('self.yaml', base, loads, v, tally)).toEqual([])
    expect([tally.pure, tally.flowRewrites]).toEqual([1, 1])
  })
  it('flags a changed unrelated line', () => {
    const bad = wrap((r) => ({ ...r, text: r.text.replace('replicas: 1', 'replicas: 2') }))
    const problems = checkText('self.yaml', base, loads, v, newTally(), bad)
    expect(problems.join('\n')).toMatch(/deleted or changed beyond a flow rewrite/)
    expect(problems.join('\n')).toMatch(/output data is not input data/)
  })
  it('flags a lost final newline', () => {
    const bad = wrap((r) => ({ ...r, text: r.text.replace(/\n$/, '') }))
    expect(checkText('self.yaml', base, loads, v, newTally(), bad).join('\n')).toMatch(/text shape changed/)
  })
  it('flags a wrong change.line', () => {
    const bad = wrap((r) => ({ ...r, changes: r.changes.map((c) => ({ ...c, line: 1 })) }))
    expect(checkText('self.yaml', base, loads, v, newTally(), bad).join('\n')).toMatch(/line 1 is "console:"/)
  })
  it('flags an edit that is not a fixed point', () => {
    const bad = wrap((r) => ({ ...r, changed: true, text: `${r.text}# again\n` }))
    expect(checkText('self.yaml', base, loads, v, newTally(), bad).join('\n')).toMatch(/second run changed it again/)
  })
  it('flags an unreported edit', () => {
    const bad = wrap((r) => ({ ...r, changes: r.changes.filter((c) => c.service !== 'identity') }))
    expect(checkText('self.yaml', base, loads, v, newTally(), bad).join('\n')).toMatch(
      /service outcomes|output data is not/,
    )
  })
  it('flags a refusal at the wrong line, and a refusal of a file with duplicate keys', () => {
    const text = 'console:\n  a: 1\n b: 2\n'
    const expectation = expectationFromErrors(manifestStyleErrors(text))
    expect(expectation).toMatchObject({ kind: 'parse-error', line: 3 })
    expect(checkText('self.yaml', text, expectation, v, newTally())).toEqual([])
    const moved: Patch = () => {
      throw new YamlSyntaxError('self.yaml', { line: 2, col: 1 }, 'bad', 'frame', 'hint')
    }
    expect(checkText('self.yaml', text, expectation, v, newTally(), moved).join('\n')).toMatch(
      /reported line 2 .* expected line 3/,
    )
    const dup = 'console:\n  a: 1\nconsole:\n  b: 2\n'
    expect(
      checkText('self.yaml', dup, { kind: 'loads', duplicateKeys: true }, v, newTally(), moved).join('\n'),
    ).toMatch(/refused a file that loads \(duplicate keys only/)
  })
  it('counts a duplicate key on a patched path, and wants its warning', () => {
    const dup = 'console:\n  a: 1\nconsole:\n  b: 2\n'
    const expectation = expectationFromErrors(manifestStyleErrors(dup))
    expect(expectation).toEqual({ kind: 'loads', duplicateKeys: true })
    const tally = newTally()
    expect(checkText('self.yaml', dup, expectation, v, tally)).toEqual([])
    expect(tally.duplicateOnPatchedPath).toBe(1)
    expect(tally.duplicateKeyWarnings).toBeGreaterThan(0)
    const silent = wrap((r) => ({ ...r, warnings: r.warnings.filter((w) => w.code !== 'duplicate-key') }))
    expect(checkText('self.yaml', dup, expectation, v, newTally(), silent).join('\n')).toMatch(
      /no duplicate-key warning/,
    )
  })
  it('checks the alias position of an unresolved-alias refusal', () => {
    const text = 'global:\n  x: 1\nsecret:\n  password: **********\n'
    const expectation = expectationFromErrors(manifestStyleErrors(text))
    expect(expectation).toEqual({ kind: 'alias', source: '*********' })
    expect(checkText('self.yaml', text, expectation, v, newTally())).toEqual([])
    const elsewhere: Patch = () => {
      throw new YamlSyntaxError('self.yaml', { line: 2, col: 3 }, 'bad', 'frame', 'hint')
    }
    expect(checkText('self.yaml', text, expectation, v, newTally(), elsewhere).join('\n')).toMatch(
      /does not contain the unquoted alias/,
    )
  })
})

it('the corpus directory is present', () => {
  if (PROBLEM) throw new Error(`${PROBLEM}; this suite fails rather than skips without it`)
  expect(FILES.length, `no .yaml/.yml files under ${CORPUS}`).toBeGreaterThan(0)
})

// Without a corpus only the presence test above runs (and fails): no empty suites.
for (const version of FILES.length ? CHART_VERSIONS : []) {
  describe(`chart ${version}`, () => {
    it.each(FILES)('%s', (rel) => {
      const tally = tallies.get(version)!
      const t0 = performance.now()
      let problems: string[]
      try {
        problems = checkFile(rel, version, tally)
      } catch (err) {
        problems = [`the check itself threw: ${describeError(err)}`]
      }
      tally.ms += performance.now() - t0
      if (problems.length) {
        tally.failures++
        for (const what of problems) failures.push({ file: rel, chart: version, what })
      }
      expect(problems, `${rel} [chart ${version}]`).toEqual([])
    })
  })
}

it('no failures across the corpus (summary)', () => {
  console.log(summary())
  if (failures.length) console.log(`FAILURES (${failures.length}):\n${dump(failures)}`)
  if (!PROBLEM) {
    // Helm semantics: files whose only problem is duplicate keys are patched, never refused.
    for (const v of CHART_VERSIONS) {
      const t = tallies.get(v)!
      expect(t.files, `chart ${v}: every file was checked`).toBe(FILES.length)
    }
  }
  expect(failures, `corpus failures:\n${dump(failures)}`).toEqual([])
})

afterAll(() => {
  // The summary test prints the table; this repeats the one-line verdict when it was filtered out.
  if (failures.length)
    console.log(
      `corpus: ${failures.length} failure(s) in ${new Set(failures.map((f) => `${f.file}@${f.chart}`)).size} file runs`,
    )
})
