import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chartInfo } from '../../src/core/cloudforet/charts.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

// Messages that must be true: the same counts in every place a patch is described, no green
// tick for a file that still needs changes, every wrong shape of a file at once, and one chart
// version (the one the values point to) behind every line doctor and patch print.

const REPO = join(import.meta.dirname, '../..')
const EXAMPLE = join(REPO, 'examples/values.yaml')
const SUPERVISOR_1_12 = join(REPO, 'test/fixtures/doctor/release-1-12-supervisor.yaml')
const THREE_WRONG = join(REPO, 'test/fixtures/invalid/three-wrong-shapes.yaml')

function copy(file: string, dir = tempDir(), name = 'values.yaml'): string {
  const to = join(dir, name)
  copyFileSync(file, to)
  return to
}

describe('patch: one count everywhere', () => {
  it('the report, --quiet and --json say the same of examples/values.yaml', async () => {
    const file = copy(EXAMPLE)
    const what = '14 sections to patch, 9 to add, the plugin route to set'
    const [full, quiet, json] = await Promise.all([
      runCli(['patch', file, '-s', 'my-credential', '--check']),
      runCli(['patch', file, '-s', 'my-credential', '--check', '-q']),
      runCli(['patch', file, '-s', 'my-credential', '--check', '--json']),
    ])
    expect(full.stdout.split('\n')[0]).toBe(`✖ ${file}: needs changes (${what})`)
    expect(quiet).toEqual({ code: 5, stdout: '', stderr: `${file}: needs my-credential: ${what}\n` })
    expect(JSON.parse(json.stdout).files[0].changeSummary).toBe(what)
    // 14 + 9 sections and one plugin route: the targets --json lists.
    const targets = (JSON.parse(json.stdout) as { files: Array<{ targets: Array<{ kind: string }> }> }).files[0]!
      .targets
    expect([targets.filter((t) => t.kind === 'service').length, targets.length]).toEqual([23, 24])
  })

  it('"1 needs changes", and a file that would change gets ~, not a green tick', async () => {
    const dir = tempDir()
    const stale = copy(EXAMPLE, dir, 'stale.yaml')
    const done = copy(EXAMPLE, dir, 'done.yaml')
    expect((await runCli(['patch', done, '-s', 'my-credential', '-q'])).code).toBe(0)
    const check = await runCli(['patch', stale, done, '-s', 'my-credential', '--check'])
    expect(check.code).toBe(5)
    expect(check.stdout).toContain('\n2 files: 1 needs changes, 1 up to date\n')
    const dry = await runCli(['patch', stale, done, '-s', 'my-credential', '--dry-run'], {
      env: { FORCE_COLOR: '1' },
    })
    const verdicts = dry.stdout.split('\n').filter((l) => l.includes(': would change') || l.includes(': up to date'))
    expect(verdicts).toEqual([
      `\u001b[33m~\u001b[39m \u001b[1m${stale}\u001b[22m: would change (14 sections to patch, 9 to add, the plugin route to set)`,
      `\u001b[2m✔\u001b[22m \u001b[1m${done}\u001b[22m: up to date`,
    ])
    expect(readFileSync(stale, 'utf8')).toBe(readFileSync(EXAMPLE, 'utf8'))
  })
})

describe('patch: every wrong shape of a file, in line order', () => {
  it('names all three, each with its frame, as doctor does', async () => {
    const file = copy(THREE_WRONG)
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      `error: ${file}:2:11: identity is an empty list; expected a map of the service's values (or empty)`,
      `error: ${file}:4:21: console.imagePullSecrets is a string ("my-credential"); expected a list of {name: <secret>} maps, e.g. [{name: my-credential}]`,
      `error: ${file}:7:5: inventory.imagePullSecrets is a list of strings; expected a list of {name: <secret>} maps, e.g. [{name: my-credential}]`,
    ])
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(THREE_WRONG, 'utf8'))
    const json = JSON.parse((await runCli(['patch', file, '-s', 'my-credential', '--json'])).stdout)
    const error = json.files[0].error
    expect([error, ...error.more].map((e: { line: number; path: string }) => `${e.line} ${e.path}`)).toEqual([
      '2 identity',
      '4 console.imagePullSecrets',
      '7 inventory.imagePullSecrets',
    ])
  })
})

describe('the chart version the values point to, once', () => {
  it('doctor on a 1.12 file under the default chart: chart 1.12.16, and every fix line agrees', async () => {
    const file = copy(SUPERVISOR_1_12)
    const r = await runCli(['doctor', '-f', file, '-s', 'my-credential'])
    expect(r.code).toBe(6)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toBe(`cfpull doctor ${file} (chart 1.12.16, from supervisor.image.version 1.12.0)`)
    expect(lines).toContain(
      '  ℹ no chart version was given: chart 1.12.16 applies, the one supervisor.image.version 1.12.0 points to (--chart-version chooses another)',
    )
    // No 2.x-only service is asked for, and no fix line names another chart.
    expect(r.stdout).not.toMatch(/\bsearch\b|\bcfctl\b|fix: .*--chart-version/)
    const fixes = new Set(lines.filter((l) => l.trim().startsWith('fix: cfpull patch')).map((l) => l.trim()))
    expect([...fixes]).toEqual([`fix: cfpull patch ${file} --secret my-credential`])
  })

  it('following the fix adds exactly chart 1.12.16 services, and doctor then finds nothing', async () => {
    const file = copy(SUPERVISOR_1_12)
    const r = await runCli(['patch', file, '-s', 'my-credential', '--json'])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.files[0].chart).toEqual({
      version: '1.12.16',
      source: 'evidence',
      evidence: 'supervisor.image.version 1.12.0',
    })
    const services = doc.files[0].targets.filter((t: { kind: string }) => t.kind === 'service')
    expect(services.map((t: { service: string }) => t.service).sort()).toEqual(
      [...chartInfo('1.12.16').services].sort(),
    )
    expect((await runCli(['doctor', '-f', file, '-s', 'my-credential', '-q'])).code).toBe(0)
  })

  it('--chart-version still wins over the evidence', async () => {
    const file = copy(SUPERVISOR_1_12)
    const r = await runCli(['doctor', '-f', file, '-s', 'my-credential', '--chart-version', '2.0.0-dev35', '--json'])
    expect(JSON.parse(r.stdout)).toMatchObject({ chart: '2.0.0-dev35', chartSource: 'flag' })
  })
})
