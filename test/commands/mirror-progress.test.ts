// mirror's progress line, as a terminal shows it: the images done out of the total, the bytes,
// the image being copied; nothing in CI, in a pipe, with --json or --quiet.
import { describe, expect, it } from 'vitest'
import { Reporter } from '../../src/cli/output.js'
import { mirrorProgress } from '../../src/cli/render-mirror.js'

const CLEAR = '\r\u001b[2K'

function reporter(tty: boolean) {
  let stderr = ''
  const r = new Reporter({
    stdout: { write: () => true, isTTY: tty },
    stderr: { write: (s: string) => (stderr += s), isTTY: tty },
    env: {},
    argv: [],
  })
  return { r, stderr: () => stderr }
}

const run = [
  { phase: 'check', done: 0, total: 8, bytes: 0 },
  { phase: 'check', done: 1, total: 8, bytes: 0, current: 'docker.io/library/redis:7' },
  { phase: 'copy', done: 0, total: 8, bytes: 0 },
  { phase: 'copy', done: 0, total: 8, bytes: 0, current: 'docker.io/cloudforet/console:2.0.dev31' },
  { phase: 'copy', done: 1, total: 8, bytes: 1_234_567, current: 'docker.io/library/redis:7' },
  { phase: 'proof', done: 8, total: 8, bytes: 45_600_000 },
  { phase: 'done', done: 8, total: 8, bytes: 45_600_000 },
] as const

describe('mirror progress', () => {
  it('redraws one line on a terminal: images done of the total, the bytes, the image being copied; clears it at the end', () => {
    const { r, stderr } = reporter(true)
    const show = mirrorProgress(r, {}, true)
    for (const p of run) show(p)
    expect(stderr().split(CLEAR)).toEqual([
      '',
      'checking 0/8',
      'checking 1/8 · docker.io/library/redis:7',
      'copying 0/8',
      'copying 0/8 · docker.io/cloudforet/console:2.0.dev31',
      'copying 1/8 · 1.2 MB · docker.io/library/redis:7',
      'proving 8/8 · 46 MB',
      '',
    ])
  })

  it('stays quiet in CI, in a pipe, with --json and with --quiet', () => {
    const cases: Array<[boolean, Record<string, string>, { json?: boolean; quiet?: boolean }]> = [
      [true, { CI: 'true' }, {}],
      [false, {}, {}],
      [true, {}, { json: true }],
      [true, {}, { quiet: true }],
    ]
    for (const [tty, env, flags] of cases) {
      const { r, stderr } = reporter(tty)
      r.configure(flags)
      const show = mirrorProgress(r, env, tty)
      for (const p of run) show(p)
      expect(stderr()).toBe('')
    }
  })
})
