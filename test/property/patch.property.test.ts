/**
 * Property tests for `patch` over generated values files (the promise): every file
 * is either patched cleanly (pure insertion, data = input + additions, idempotent, BOM/EOL
 * kept) or refused cleanly (exit 3, file:line:col, file untouched).
 *
 *   CFPULL_FUZZ_RUNS   cases for the core property (default 2000)
 *   CFPULL_FUZZ_SEED   fast-check seed (default: random, printed on failure)
 *   CFPULL_FUZZ_SAVE=1 campaign mode: keep going after a failure (new seed each round),
 *                      save each distinct shrunk failure as a fuzz-<hash> fixture
 *   CFPULL_FUZZ_REPORT where campaign mode writes its totals (JSON), for scripts/fuzz.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import {
  CaseFailure,
  caseArb,
  checkCase,
  describeCase,
  expectationFor,
  runCore,
  saveCase,
  savedCases,
  type PatchCase,
} from './patch-case.js'
import { readData } from './oracle.js'

const env = process.env
const RUNS = Number(env.CFPULL_FUZZ_RUNS || 2000)
const SEED = env.CFPULL_FUZZ_SEED ? Number(env.CFPULL_FUZZ_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
const CAMPAIGN = env.CFPULL_FUZZ_SAVE === '1'
// The CLI property writes real files, so it runs a twentieth as many cases (at least 100).
const CLI_RUNS = Math.max(100, Math.round(RUNS / 20))
// Shrinking costs hundreds of runs; a campaign shrinks only the first few failures of each kind.
const SHRINK_PER_KIND = 3

const property = fc.property(caseArb, (c) => {
  checkCase(c.file.text, c.opts)
})

function report(details: fc.RunDetails<[PatchCase]>, label: string): string {
  const c = details.counterexample![0]
  return [
    `${label} failed after ${details.numRuns} runs and ${details.numShrinks} shrinks (seed ${details.seed}, path ${details.counterexamplePath}):`,
    `reproduce: CFPULL_FUZZ_SEED=${details.seed} CFPULL_FUZZ_RUNS=${RUNS} npx vitest run test/property`,
    describeCase(c.file.text, c.opts, details.errorInstance),
  ].join('\n')
}

// Failures with one cause usually share a category and message shape: the campaign's dedupe key.
function signature(err: unknown): string {
  const m = err instanceof CaseFailure ? err.message : `[crash] ${(err as Error)?.message}`
  const line = m.split('\n')[0]!
  return line
    .replace(/values\.yaml(:\d+:\d+)?/g, 'F')
    .replace(/ at [\w.\-"]+/g, ' at P')
    .replace(/"[^"]*"/g, 'S')
    .replace(/\d+/g, 'N')
    .split(/\s+/)
    .slice(0, 14)
    .join(' ')
}

describe('patch: property over generated values files', () => {
  it(`patches cleanly or refuses cleanly (${RUNS} cases)`, { timeout: Math.max(60_000, RUNS * 20) }, () => {
    if (!CAMPAIGN) {
      const details = fc.check(property, { numRuns: RUNS, seed: SEED })
      if (details.failed) throw new Error(report(details, 'property'))
      return
    }
    // Each round stops at its first failure without shrinking, so one frequent bug does not eat
    // the time budget. The first few failures of each kind are replayed and shrunk (distinct
    // causes can share a message), and each distinct shrunk input is saved once.
    const started = Date.now()
    const kinds = new Map<string, { count: number; saved: string[]; reports: string[] }>()
    const savedTexts = new Set<string>()
    let tried = 0
    let round = 0
    while (tried < RUNS) {
      const details = fc.check(property, { numRuns: RUNS - tried, seed: SEED + round++, endOnFailure: true })
      tried += details.numRuns
      if (!details.failed) break
      const sig = signature(details.errorInstance)
      const kind = kinds.get(sig) ?? { count: 0, saved: [], reports: [] }
      kinds.set(sig, kind)
      if (++kind.count > SHRINK_PER_KIND) continue
      const shrunk = fc.check(property, { seed: details.seed, path: details.counterexamplePath!, numRuns: 1 })
      const final = shrunk.failed ? shrunk : details
      const c = final.counterexample![0]
      if (savedTexts.has(c.file.text)) continue
      savedTexts.add(c.file.text)
      const dir = saveCase(c)
      const text = report(final, 'property')
      kind.saved.push(dir)
      kind.reports.push(text)
      console.error(`${text}\nsaved: ${dir}\n`)
    }
    const totals = {
      seed: SEED,
      rounds: round,
      tried,
      seconds: (Date.now() - started) / 1000,
      failures: [...kinds].map(([signature, k]) => ({ signature, ...k })),
    }
    if (env.CFPULL_FUZZ_REPORT) writeFileSync(env.CFPULL_FUZZ_REPORT, JSON.stringify(totals, null, 2))
    expect(totals.failures.map((f) => `${f.signature} (x${f.count}) → ${f.saved.join(', ')}`)).toEqual([])
  })

  // Keeps the generator honest: mostly real YAML, and enough of it patchable to test edits.
  it('generates mostly valid, mostly patchable files', () => {
    const sample = fc.sample(caseArb, { numRuns: 400, seed: 42 })
    const valid = sample.filter((c) => !('error' in readData(c.file.text))).length / sample.length
    const patchable = sample.filter((c) => expectationFor(c.file.text, c.opts).ok).length / sample.length
    expect(valid).toBeGreaterThan(0.8)
    expect(patchable).toBeGreaterThan(0.4)
  })

  const saved = savedCases()
  it.runIf(saved.length > 0).each(saved.map((s) => [s.dir.split('/').slice(-1)[0]!, s] as const))(
    'replays saved counterexample %s',
    (_name, s) => {
      try {
        checkCase(s.text, s.opts)
      } catch (err) {
        throw new Error(describeCase(s.text, s.opts, err), { cause: err })
      }
    },
  )
})

describe('patch: property through the CLI', () => {
  it(
    `exit 0 writes what the core returns; exit 3 leaves the file byte-identical (${CLI_RUNS} cases)`,
    { timeout: Math.max(60_000, CLI_RUNS * 200) },
    async () => {
      const dir = tempDir()
      let n = 0
      const cliProperty = fc.asyncProperty(caseArb, async (c) => {
        const o = c.opts
        const file = join(dir, `values-${n++}.yaml`)
        const before = Buffer.from(c.file.text, 'utf8')
        writeFileSync(file, before)
        const args = [
          'patch',
          file,
          '--secret',
          o.secrets.join(','),
          '--chart-version',
          o.chartVersion,
          '--plugins',
          o.plugins,
          '--no-color',
        ]
        // An empty --services list has no CLI spelling; the core call below matches what the CLI gets.
        const services = o.services?.length ? o.services : undefined
        if (services) args.push('--services', services.join(','))
        if (o.pluginRegistry) args.push('--plugin-registry', o.pluginRegistry)
        const r = await runCli(args)
        const after = readFileSync(file)
        const where = `cfpull ${args.join(' ')} → exit ${r.code}\nstderr: ${r.stderr}`
        if (/^\s+at /m.test(r.stderr)) throw new CaseFailure('cli-stack-trace', where)
        if (r.code === 0) {
          const { services: _ignored, ...rest } = o
          const core = runCore(c.file.text, { ...rest, ...(services && { services }) }, file)
          if (!after.equals(Buffer.from(core.text, 'utf8')))
            throw new CaseFailure('cli-wrote-other-text', where, after.toString('utf8'))
          return
        }
        if (r.code !== 3) throw new CaseFailure(`cli-exit-${r.code}`, where)
        if (!after.equals(before)) throw new CaseFailure('cli-touched-refused-file', where, after.toString('utf8'))
        const first = r.stderr.split('\n')[0]!
        const m = /^error: (.*?):(\d+):(\d+): \S/.exec(first)
        if (!m || m[1] !== file)
          throw new CaseFailure(
            'cli-error-line',
            `first stderr line ${JSON.stringify(first)} is not "error: ${file}:<line>:<col>: …"\n${where}`,
          )
      })
      const details = await fc.check(cliProperty, { numRuns: CLI_RUNS, seed: SEED })
      if (details.failed) throw new Error(report(details, 'CLI property'))
    },
  )
})
