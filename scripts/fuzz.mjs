#!/usr/bin/env node
// `npm run fuzz [-- <runs>] [--seed <n>]`: the property tests of test/property with a large
// case count. The test itself does the work in campaign mode (CFPULL_FUZZ_SAVE=1): it keeps
// going after a failure, shrinks one counterexample per kind of failure and saves it as a
// test/fixtures/values/fuzz-<hash>/ fixture (or test/property/regressions/ when the right
// outcome is a refusal). This script only sets the environment and prints the totals.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name) => {
  const i = args.indexOf(name)
  return i >= 0 ? args.splice(i, 2)[1] : undefined
}
const seed = flag('--seed') ?? process.env.CFPULL_FUZZ_SEED
const runs = Number(args[0] ?? process.env.CFPULL_FUZZ_RUNS ?? 50000)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`usage: npm run fuzz [-- <runs>] [--seed <n>]  (got runs=${args[0]})`)
  process.exit(2)
}

const work = mkdtempSync(join(tmpdir(), 'cfpull-fuzz-'))
const reportFile = join(work, 'report.json')
const env = {
  ...process.env,
  CFPULL_FUZZ_RUNS: String(runs),
  CFPULL_FUZZ_SAVE: '1',
  CFPULL_FUZZ_REPORT: reportFile,
  ...(seed && { CFPULL_FUZZ_SEED: String(seed) }),
}
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
// Only the core property: the CLI one writes temp files and scales with the run count too.
const child = spawnSync(
  process.execPath,
  [vitest, 'run', 'test/property', '-t', 'patches cleanly or refuses cleanly'],
  { cwd: root, env, stdio: 'inherit' },
)

let report
try {
  report = JSON.parse(readFileSync(reportFile, 'utf8'))
} catch {
  console.error(
    `\nfuzz: no report from the test run (vitest exited with ${child.status ?? child.signal}); see the output above`,
  )
  rmSync(work, { recursive: true, force: true })
  process.exit(child.status || 1)
}
rmSync(work, { recursive: true, force: true })

console.log(
  `\nfuzz: ${report.tried} cases in ${report.seconds.toFixed(1)} s (seed ${report.seed}, ${report.rounds} round${report.rounds === 1 ? '' : 's'})`,
)
if (report.failures.length === 0) console.log('fuzz: no failures')
else {
  console.log(`fuzz: ${report.failures.length} kind${report.failures.length === 1 ? '' : 's'} of failure:`)
  for (const f of report.failures)
    console.log(`  ${f.count}× ${f.signature}${f.saved.map((d) => `\n     saved ${relative(root, d)}`).join('')}`)
}
process.exit(report.failures.length ? 1 : 0)
