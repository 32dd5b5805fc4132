import { stripVTControlCharacters as plain } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Reporter } from '../../src/cli/output.js'
import { applyProgress } from '../../src/cli/render-apply.js'
import type { StepResult } from '../../src/commands/apply/apply.js'

function reporter(tty: boolean) {
  const out = { stdout: '', stderr: '' }
  const r = new Reporter({
    stdout: { write: (s: string) => (out.stdout += s), isTTY: tty },
    stderr: { write: (s: string) => (out.stderr += s), isTTY: tty },
    env: {},
    argv: [],
  })
  return { r, out }
}

async function runStep(progress: ReturnType<typeof applyProgress>) {
  const step: StepResult = { name: 'helm upgrade', status: 'running', commands: [], durationMs: 0 }
  progress({ phase: 'start', step })
  await vi.advanceTimersByTimeAsync(350)
  Object.assign(step, { status: 'ok', durationMs: 1234, detail: 'done' })
  progress({ phase: 'end', step })
}

describe('apply progress', () => {
  afterEach(() => vi.useRealTimers())

  it('draws a spinner on a terminal, then a finished line', async () => {
    vi.useFakeTimers()
    const { r, out } = reporter(true)
    await runStep(applyProgress(r, {}, true))
    /* eslint-disable no-control-regex -- the escape codes are the spinner's output under test */
    const frames =
      /^\r\u001b\[2K⠋ helm upgrade 0s\r\u001b\[2K⠙ helm upgrade 0s\r\u001b\[2K⠹ helm upgrade 0s\r\u001b\[2K$/
    /* eslint-enable no-control-regex */
    expect(out.stderr).toMatch(frames)
    expect(plain(out.stdout)).toBe('✔ helm upgrade (1.2s): done\n')
  })

  it.each([
    ['in CI', { CI: 'true' }, true],
    ['without a terminal', {}, false],
  ])('prints only finished lines %s', async (_, env, tty) => {
    vi.useFakeTimers()
    const { r, out } = reporter(tty)
    await runStep(applyProgress(r, env, tty))
    expect(out.stderr).toBe('')
    expect(plain(out.stdout)).toBe('✔ helm upgrade (1.2s): done\n')
  })

  it('prints nothing but the document with --json', async () => {
    vi.useFakeTimers()
    const { r, out } = reporter(true)
    r.configure({ json: true })
    await runStep(applyProgress(r, {}, true))
    expect(out).toEqual({ stdout: '', stderr: '' })
  })
})
