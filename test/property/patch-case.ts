/**
 * One property case: a generated values file plus patch options, the check that decides
 * whether cfpull handled it, and how a failing case is printed and saved as a fixture.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { chartInfo } from '../../src/core/cloudforet/charts.js'
import { CfpullError, InternalError } from '../../src/core/errors.js'
import { addImagePullSecrets, type PullSecretResult } from '../../src/core/cloudforet/image-pull-secrets.js'
import type { PluginMode } from '../../src/core/cloudforet/plugins.js'
import { expectOutcome, readData, type Expectation } from './oracle.js'
import { byteProblems, insertionProblems, linesOf } from './text-checks.js'
import { COMMON_SERVICES, SECRET_POOL, valuesFileArb, type GeneratedValues } from './values-arbitrary.js'

/** The options a fixture's case.json holds (the subset test/core/cloudforet/image-pull-secrets.test.ts reads). */
export interface CaseOptions {
  secrets: string[]
  chartVersion: string
  services?: string[]
  plugins: PluginMode
  pluginRegistry?: string
}

export interface PatchCase {
  file: GeneratedValues
  opts: CaseOptions
}

export const FILE = 'values.yaml'

export const optionsArb: fc.Arbitrary<CaseOptions> = fc
  .record({
    secrets: fc.uniqueArray(fc.constantFrom(...SECRET_POOL), { minLength: 1, maxLength: 3 }),
    chartVersion: fc.constantFrom('2.0.0-dev35', '2.0.0-dev35', '1.12.16', '1.12.16', '1.10.0'),
    // null: every service of the chart, as `cfpull patch` does without --services.
    services: fc.option(
      fc.uniqueArray(fc.constantFrom(...COMMON_SERVICES, 'vault', 'consul', 'board', 'unknown-svc'), { maxLength: 4 }),
      { freq: 8 },
    ),
    plugins: fc.constantFrom<PluginMode>('auto', 'auto', 'none', 'connector', 'registry'),
    pluginRegistry: fc.option(fc.constantFrom('HARBOR', 'GITHUB'), { freq: 4 }),
  })
  // A name the chart does not deploy is a usage error before any file is read (test/cli/flags):
  // the property is about the edit, so it keeps only the chart's services.
  .map(({ services, pluginRegistry, ...rest }) => ({
    ...rest,
    ...(services && { services: services.filter((s) => chartInfo(rest.chartVersion).services.includes(s)) }),
    ...(pluginRegistry && { pluginRegistry }),
  }))

export const caseArb: fc.Arbitrary<PatchCase> = fc.record({ file: valuesFileArb, opts: optionsArb })

export function runCore(text: string, o: CaseOptions, file = FILE): PullSecretResult {
  return addImagePullSecrets(text, {
    secrets: o.secrets,
    chart: chartInfo(o.chartVersion),
    plugins: o.plugins,
    file,
    ...(o.services && { services: o.services }),
    ...(o.pluginRegistry && { pluginRegistry: o.pluginRegistry }),
  })
}

export function expectationFor(text: string, o: CaseOptions): Expectation {
  return expectOutcome(text, {
    secrets: o.secrets,
    chart: chartInfo(o.chartVersion),
    plugins: o.plugins,
    ...(o.services && { services: o.services }),
    ...(o.pluginRegistry && { pluginRegistry: o.pluginRegistry }),
  })
}

/** A failed check; `category` groups failures with one cause when a campaign dedupes them. */
export class CaseFailure extends Error {
  constructor(
    readonly category: string,
    message: string,
    readonly output?: string,
  ) {
    super(`[${category}] ${message}`)
  }
}

const normalize = (t: string) => t.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n')
const ERROR_HEAD = /^(.*?):(\d+):(\d+): \S/

/**
 * The promise for one case: (a) a clean patch, or (b) a clean refusal (exit 3,
 * file:line:col). Throws CaseFailure otherwise. Returns which of the two happened.
 */
export function checkCase(text: string, o: CaseOptions): 'patched' | 'refused' {
  const expected = expectationFor(text, o)
  let result: PullSecretResult
  try {
    result = runCore(text, o)
  } catch (err) {
    checkRefusal(text, o, err, expected)
    return 'refused'
  }
  if (!expected.ok)
    throw new CaseFailure('accepted-invalid-input', `patched a file it should refuse (${expected.reason})`, result.text)
  checkPatch(text, o, result, expected)
  return 'patched'
}

function checkRefusal(text: string, o: CaseOptions, err: unknown, expected: Expectation): void {
  if (!(err instanceof CfpullError))
    throw new CaseFailure('unexpected-exception', `${(err as Error)?.name}: ${(err as Error)?.message ?? String(err)}`)
  if (err instanceof InternalError || err.exitCode !== 3)
    throw new CaseFailure(err instanceof InternalError ? 'internal-error' : `exit-${err.exitCode}`, err.message)
  const m = ERROR_HEAD.exec(err.message)
  if (!m || m[1] !== FILE)
    throw new CaseFailure(
      'error-format',
      `message does not start with ${FILE}:<line>:<col>: ${JSON.stringify(err.message)}`,
    )
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const [line, col] = [Number(m[2]), Number(m[3])]
  if (line < 1 || line > lines.length || col < 1 || col > lines[line - 1]!.length + 1)
    throw new CaseFailure(
      'error-position',
      `${line}:${col} is outside the file (${lines.length} lines; line ${line} has ${lines[line - 1]?.length ?? 0} characters): ${err.message}`,
    )
  if (expected.ok && !expected.mayRefuse) throw new CaseFailure('refused-valid-input', err.message)
  // A BOM or CRLF is invisible in an editor: the same error must point at the same place.
  // (Unless yaml itself reads the two differently: it rejects a BOM right before a
  // top-level `- `, which is an upstream quirk, not cfpull's.)
  if (normalize(text) !== text && 'error' in readData(text) === 'error' in readData(normalize(text))) {
    let plain: unknown
    try {
      runCore(normalize(text), o)
    } catch (e) {
      plain = e
    }
    const msg = (plain as Error | undefined)?.message
    if (msg !== err.message)
      throw new CaseFailure(
        'bom-crlf-changes-error',
        `with BOM/CRLF: ${JSON.stringify(err.message)}; without: ${JSON.stringify(msg ?? 'no error')}`,
      )
  }
}

function checkPatch(
  text: string,
  o: CaseOptions,
  r: PullSecretResult,
  expected: Extract<Expectation, { ok: true }>,
): void {
  const out = r.text
  if (r.changed !== (out !== text))
    throw new CaseFailure(
      'report',
      `changed is ${r.changed} but the text ${out === text ? 'did not change' : 'changed'}`,
      out,
    )
  if (expected.edits > 0 !== r.changed)
    throw new CaseFailure(
      r.changed ? 'changed-up-to-date-file' : 'missed-edit',
      `${expected.edits} edits expected, changed=${r.changed}`,
      out,
    )

  const bytes = byteProblems(text, out)
  if (bytes.length) throw new CaseFailure('bytes', bytes.join('; '), out)
  const ins = insertionProblems(text, out, { scalarValues: [o.secrets[0]!] })
  if (ins.problems.length) throw new CaseFailure('not-an-insertion', ins.problems.join('; '), out)
  const edits = r.changes.filter((c) => c.action !== 'unchanged').length
  if (ins.rewrites > edits)
    throw new CaseFailure('too-many-rewrites', `${ins.rewrites} lines rewritten for ${edits} edits`, out)

  const read = readData(out)
  if ('error' in read) throw new CaseFailure('output-not-yaml', read.error, out)
  if (!isDeepStrictEqual(read.data, expected.data))
    throw new CaseFailure(
      'data',
      `the patched data differs from input + additions at ${firstDifference(expected.data, read.data)}`,
      out,
    )

  const paths = r.changes.map((c) => c.path.join('.'))
  const want = expected.targets.map((t) => t.path.join('.'))
  if (!isDeepStrictEqual(paths, want))
    throw new CaseFailure('report', `changes are for ${paths.join(', ')}; expected ${want.join(', ')}`, out)
  const outLines = linesOf(out)
  for (const c of r.changes)
    if (
      c.action !== 'unchanged' &&
      !/imagePullSecrets|image_pull_secrets|- name: |\{name: /.test(outLines[c.line - 1] ?? '')
    )
      throw new CaseFailure(
        'report-line',
        `${c.action} ${c.path.join('.')} says line ${c.line}: ${JSON.stringify(outLines[c.line - 1])}`,
        out,
      )

  // Unchanged output is the input itself, whose run this was.
  if (r.changed) {
    let again: PullSecretResult
    try {
      again = runCore(out, o)
    } catch (err) {
      throw new CaseFailure('second-run-fails', (err as Error).message, out)
    }
    if (again.changed || again.text !== out)
      throw new CaseFailure('second-run-changes', 'a second run changed the patched file again', again.text)
  }

  if (normalize(text) !== text && !('error' in readData(normalize(text)))) {
    let plain: string
    try {
      plain = runCore(normalize(text), o).text
    } catch (err) {
      throw new CaseFailure(
        'bom-crlf-changes-outcome',
        `patched with BOM/CRLF, but without them: ${(err as Error).message}`,
        out,
      )
    }
    if (plain !== normalize(out))
      throw new CaseFailure(
        'bom-crlf-changes-edit',
        'the edit differs from the one made to the same file without BOM/CRLF',
        out,
      )
  }
}

function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (isDeepStrictEqual(a, b)) return ''
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      )
      if (d) return d
    }
  }
  return `${path || '(top level)'} (expected ${JSON.stringify(a)}, got ${JSON.stringify(b)})`
}

/** A failing case as a person reads it: exact bytes, numbered lines, options, what happened. */
export function describeCase(text: string, opts: CaseOptions, failure: unknown): string {
  const numbered = (t: string) =>
    t
      .replace(/^\uFEFF/, '<BOM>')
      .split('\n')
      .map((l, i) => `  ${String(i + 1).padStart(3)} | ${l.replace(/\r$/, '␍')}`)
  const out = failure instanceof CaseFailure ? failure.output : undefined
  return [
    `${(failure as Error)?.message ?? String(failure)}`,
    `input (${JSON.stringify(text)}):`,
    ...numbered(text),
    `options: ${JSON.stringify(opts)}`,
    ...(out !== undefined ? ['output:', ...numbered(out)] : []),
  ].join('\n')
}

const ROOT = join(import.meta.dirname, '../..')
export const VALUES_FIXTURES = join(ROOT, 'test/fixtures/values')
/** Counterexamples whose right outcome is (or may be) a refusal: the fixture-pair test only covers successes. */
export const REFUSAL_REGRESSIONS = join(import.meta.dirname, 'regressions')

/**
 * Saves a shrunk counterexample as `fuzz-<hash>/{case.json,input.yaml}`: under
 * test/fixtures/values when the file must patch cleanly (the fixture-pair test then covers
 * it), else under test/property/regressions (replayed by the property test, which accepts a
 * clean refusal there). Returns the dir.
 */
export function saveCase(c: PatchCase): string {
  const json = JSON.stringify(c.opts)
  const hash = createHash('sha256').update(c.file.text).update('\0').update(json).digest('hex').slice(0, 8)
  const e = expectationFor(c.file.text, c.opts)
  const base = e.ok && !e.mayRefuse ? VALUES_FIXTURES : REFUSAL_REGRESSIONS
  const dir = join(base, `fuzz-${hash}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'case.json'), `${json}\n`)
  writeFileSync(join(dir, 'input.yaml'), c.file.text)
  return dir
}

/** Every saved fuzz case (both places), for replay. */
export function savedCases(): Array<{ dir: string; text: string; opts: CaseOptions }> {
  const out: Array<{ dir: string; text: string; opts: CaseOptions }> = []
  for (const base of [VALUES_FIXTURES, REFUSAL_REGRESSIONS]) {
    if (!existsSync(base)) continue
    for (const name of readdirSync(base).sort()) {
      if (!name.startsWith('fuzz-')) continue
      const dir = join(base, name)
      const raw = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Partial<CaseOptions>
      const opts: CaseOptions = {
        secrets: raw.secrets ?? ['my-credential'],
        chartVersion: raw.chartVersion ?? '2.0.0-dev35',
        plugins: raw.plugins ?? 'auto',
        ...(raw.services && { services: raw.services }),
        ...(raw.pluginRegistry && { pluginRegistry: raw.pluginRegistry }),
      }
      out.push({ dir, text: readFileSync(join(dir, 'input.yaml'), 'utf8'), opts })
    }
  }
  return out
}
