import { copyFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { patch, type PatchOptions, type PatchProgress } from '../../src/commands/patch.js'
import { Reporter } from '../../src/cli/output.js'
import { patchProgress } from '../../src/cli/render-patch.js'
import { tempDir } from '../helpers/tmp.js'

const repo = join(import.meta.dirname, '../..')
const CLEAR = '\r\u001b[2K'

function reporter(tty: boolean, env: Record<string, string> = {}) {
  let stderr = ''
  const r = new Reporter({
    stdout: { write: () => true, isTTY: tty },
    stderr: { write: (s: string) => (stderr += s), isTTY: tty },
    env,
    argv: [],
  })
  return { r, env, tty, stderr: () => stderr }
}

describe('patch progress', () => {
  afterEach(() => vi.useRealTimers())

  it('patch reports start, the self-check and done for each file (only start and done under --check)', async () => {
    const file = join(tempDir(), 'values.yaml')
    copyFileSync(join(repo, 'examples/values.yaml'), file)
    const bytes = statSync(file).size
    const events: PatchProgress[] = []
    const opts: PatchOptions = {
      files: [file],
      secrets: ['my-credential'],
      plugins: 'auto',
      onlyPresent: false,
      stdout: false,
      dryRun: false,
      check: true,
    }
    await patch(opts, { onProgress: (e) => events.push(e) })
    await patch({ ...opts, check: false }, { onProgress: (e) => events.push(e) })
    expect(events).toEqual([
      { file, phase: 'start', bytes },
      { file, phase: 'done', bytes },
      { file, phase: 'start', bytes },
      { file, phase: 'checking', bytes },
      { file, phase: 'done', bytes },
    ])
  })

  it('on a terminal: a line from the start for 2 MB or more, redrawn for the check, then cleared', () => {
    const { r, env, stderr } = reporter(true)
    const on = patchProgress(r, env, true)
    const e = { file: 'big.yaml', bytes: 4_200_000 }
    on({ ...e, phase: 'start' })
    on({ ...e, phase: 'checking' })
    on({ ...e, phase: 'done' })
    expect(stderr()).toBe(
      `${CLEAR}… big.yaml (4.2 MB): reading and patching${CLEAR}… big.yaml (4.2 MB): checking the result${CLEAR}`,
    )
  })

  it('a smaller file gets the line only once it has taken a second', () => {
    vi.useFakeTimers()
    const { r, env, stderr } = reporter(true)
    const on = patchProgress(r, env, true)
    const e = { file: 'a.yaml', bytes: 900_000 }
    on({ ...e, phase: 'start' })
    vi.advanceTimersByTime(999)
    on({ ...e, phase: 'checking' })
    on({ ...e, phase: 'done' })
    expect(stderr()).toBe('')
    on({ ...e, phase: 'start' })
    vi.advanceTimersByTime(1000)
    on({ ...e, phase: 'checking' })
    on({ ...e, phase: 'done' })
    expect(stderr()).toBe(`${CLEAR}… a.yaml (0.9 MB): checking the result${CLEAR}`)
  })

  it('nothing in a pipe, in CI, under --quiet or --json', () => {
    const runs = [
      reporter(false),
      reporter(true, { CI: 'true' }),
      (() => {
        const x = reporter(true)
        x.r.configure({ quiet: true })
        return x
      })(),
      (() => {
        const x = reporter(true)
        x.r.configure({ json: true })
        return x
      })(),
    ]
    for (const { r, env, tty, stderr } of runs) {
      const on = patchProgress(r, env, tty)
      for (const phase of ['start', 'checking', 'done'] as const) on({ file: 'big.yaml', bytes: 5e6, phase })
      expect(stderr()).toBe('')
    }
  })
})
