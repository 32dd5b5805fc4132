// What the preflight checked is what helm upgrade installs: a values file, a file after `--` or a
// local chart that another writer changes while the preflight runs (here: right after its helm
// template), or a release that another helm operation moves on, stops apply before helm upgrade,
// with zero writes; the same bytes written again do not.
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chart, releaseRecord, useApplyEnv } from '../helpers/apply-env.js'
import type { RecordedCall } from '../helpers/recording-runner.js'

const e = useApplyEnv()

/** Runs `write` once, right after the preflight's helm template returned. */
const afterTemplate = (write: () => void) => (call: RecordedCall) => {
  if (call.args[0] === 'template') write()
}

function localChart(): string {
  const dir = join(e.dir, 'chart-local')
  cpSync(chart, dir, { recursive: true })
  return dir
}

async function refused(args: string[], write: () => void) {
  const r = await e.apply(['--json', ...args], { after: afterTemplate(write) })
  expect(r.code, r.stderr).toBe(8)
  // Zero writes: helm upgrade never ran, and nothing after it.
  expect(e.api.writes()).toEqual([])
  expect(r.calls.map((c) => c.args[0])).not.toContain('upgrade')
  const doc = JSON.parse(r.stdout)
  expect(doc.steps.map((s: { name: string; status: string }) => `${s.name} ${s.status}`)).toEqual([
    'preflight ok',
    'helm upgrade failed',
  ])
  // Only the read of the release ran in that step.
  expect(doc.steps[1].commands.map((c: string[]) => c.slice(1, 3))).toEqual([['history', 'cloudforet']])
  expect(doc.changed).toEqual([])
  return { doc, message: e.tidy(doc.error.message as string) }
}

const TAIL =
  ': what the preflight checked no longer holds, so helm upgrade did not run. Run cfpull apply again to check what is there now'

describe('cfpull apply: what changed after the preflight read it stops the upgrade', () => {
  it('the values file, changed by another writer: exit 8, zero writes, the file named', async () => {
    const { message } = await refused([], () => appendFileSync(e.values, 'console:\n  replicas: 3\n'))
    expect(message).toBe(`the values file <tmp>/values.yaml changed after the preflight read it${TAIL}`)
  })

  it('the report a person reads: the preflight passed, helm upgrade did not run, nothing in the cluster changed', async () => {
    const r = await e.apply([], { after: afterTemplate(() => appendFileSync(e.values, '# edited\n')) })
    expect(r.code).toBe(8)
    expect(e.api.writes()).toEqual([])
    expect(e.tidy(r.stdout)).toBe(
      [
        '✔ preflight (t): local chart <chart>, spaceone-mini-0.1.0 from its Chart.yaml; secrets my-credential in cloudforet, cloudforet-plugin; credentials cover 10 images',
        '✖ helm upgrade (t)',
        '',
      ].join('\n'),
    )
    expect(e.tidy(r.stderr)).toBe(
      [
        'warning: chart version 0.1.0 is not one cfpull knows: checking services against 2.0.0-dev35',
        `error: the values file <tmp>/values.yaml changed after the preflight read it${TAIL}`,
        '  nothing in the cluster was changed; no step after it ran',
        '',
      ].join('\n'),
    )
  })

  it('the values file, removed: the message says so', async () => {
    const { message } = await refused([], () => rmSync(e.values))
    expect(message).toBe(`the values file <tmp>/values.yaml was removed after the preflight read it${TAIL}`)
  })

  it('a local chart: one template changed deep in its tree', async () => {
    const dir = localChart()
    const { message } = await refused(['--chart', dir], () =>
      appendFileSync(join(dir, 'templates', 'NOTES.txt'), 'changed\n'),
    )
    expect(message).toBe(`the local chart <tmp>/chart-local changed after the preflight read it${TAIL}`)
  })

  it('a -f file and a --set-file file after --, both changed: both named', async () => {
    const extra = join(e.dir, 'extra.yaml')
    const note = join(e.dir, 'note.txt')
    writeFileSync(extra, 'board:\n  replicas: 1\n')
    writeFileSync(note, 'hello\n')
    const { message } = await refused(['--', '-f', extra, '--set-file', `board.note=${note}`], () => {
      writeFileSync(extra, 'board:\n  replicas: 2\n')
      writeFileSync(note, 'bye\n')
    })
    expect(message).toBe(
      `the file <tmp>/extra.yaml (after --) changed after the preflight read it; and the file <tmp>/note.txt (after --) changed after the preflight read it${TAIL}`,
    )
  })

  it('the release, moved on by another helm upgrade in between: both revisions named', async () => {
    const { message } = await refused([], () => {
      e.api.seed(releaseRecord({ revision: 1, status: 'superseded' }))
      e.api.seed(releaseRecord({ revision: 2, version: '0.2.0' }))
    })
    expect(message).toBe(
      `release cloudforet is at revision 2 (deployed, chart spaceone-mini-0.2.0), where the preflight read revision 1 (deployed): another helm operation ran in between${TAIL}`,
    )
  })

  it('the release, uninstalled in between', async () => {
    const { message } = await refused([], () =>
      e.api.objects.delete('Secret/spaceone/sh.helm.release.v1.cloudforet.v1'),
    )
    expect(message).toBe(`release cloudforet is gone since the preflight read its revision 1${TAIL}`)
  })

  it('the same bytes written again, and a change under the chart’s .git, are not a change: the upgrade runs', async () => {
    const dir = localChart()
    mkdirSync(join(dir, '.git'))
    const values = readFileSync(e.values)
    const r = await e.apply(['--chart', dir], {
      after: afterTemplate(() => {
        writeFileSync(e.values, values)
        writeFileSync(join(dir, '.git', 'FETCH_HEAD'), 'abc\n')
      }),
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.calls.map((c) => c.args[0])).toContain('upgrade')
  })

  it('a values file that is a pipe is refused before any tool runs (exit 2): it gives its bytes to one reader only', async () => {
    const fifo = join(e.dir, 'values.fifo')
    execFileSync('mkfifo', [fifo])
    const extra = join(e.dir, 'extra.fifo')
    execFileSync('mkfifo', [extra])
    const why =
      "is not a file but a stream (a pipe, a device or stdin), which gives its bytes to one reader only: the preflight's helm template and helm upgrade each read the values, so write them to a file and pass that"
    for (const [args, name] of [
      [['-f', fifo], '<tmp>/values.fifo'],
      [['-f', '-'], '- (stdin)'],
      [['--', '-f', extra], '<tmp>/extra.fifo'],
    ] as const) {
      const r = await e.apply([...args])
      expect(r.code, r.stderr).toBe(2)
      expect(e.tidy(r.stderr)).toBe(`error: ${name} ${why}\n`)
      expect(r.calls).toEqual([])
    }
    expect(e.api.writes()).toEqual([])
  })
})
