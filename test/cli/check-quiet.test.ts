import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

const fixtures = join(import.meta.dirname, '../fixtures/values/two-space-basic')
const narrow = ['--services', 'console,identity,board', '--plugins', 'none']

// The pre-commit recipe runs `--check --quiet`: a red gate must still name the file and say why.
describe('patch --check --quiet', () => {
  it('prints one stderr line per file that needs changes, nothing for one in place', async () => {
    const dir = tempDir()
    const stale = join(dir, 'values.yaml')
    const done = join(dir, 'values-done.yaml')
    copyFileSync(join(fixtures, 'input.yaml'), stale)
    writeFileSync(done, readFileSync(join(fixtures, 'expected.yaml')))
    const r = await runCli(['patch', stale, done, '-s', 'my-credential', ...narrow, '--check', '--quiet'])
    expect(r).toEqual({ code: 5, stdout: '', stderr: `${stale}: needs my-credential: 2 sections to patch, 1 to add\n` })
    expect(readFileSync(stale, 'utf8')).toBe(readFileSync(join(fixtures, 'input.yaml'), 'utf8'))
  })

  it('says "needs" for one section and names every secret', async () => {
    const file = join(tempDir(), 'values.yaml')
    copyFileSync(join(fixtures, 'input.yaml'), file)
    const r = await runCli(['patch', file, '-s', 'a,b', '--services', 'board', '--plugins', 'none', '--check', '-q'])
    expect(r).toEqual({ code: 5, stdout: '', stderr: `${file}: needs a, b: 1 section to add\n` })
  })
})
