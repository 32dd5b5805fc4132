import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'

// The hooks in .pre-commit-hooks.yaml, run by the real pre-commit (Debian's, installed by the
// test setup). language: node makes pre-commit install this repository the way it installs any
// hook repository: git clone, npm install, npm pack (prepack builds dist/), npm install -g of the
// tarball into its own environment. The hook repository is this working tree's files committed
// into a scratch git repository, as `try-repo` does itself for uncommitted changes; one
// PRE_COMMIT_HOME for the file, so pre-commit installs it once.
const repo = join(import.meta.dirname, '../..')
const example = join(repo, 'examples/values.yaml')
let scratch: string
let hookRepo: string
let rev: string
let env: Record<string, string>

const git = (cwd: string, args: string[]) =>
  execa('git', ['-c', 'user.name=cfpull tests', '-c', 'user.email=tests@cfpull.invalid', ...args], { cwd })

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cfpull-pre-commit-'))
  hookRepo = join(scratch, 'cfpull')
  const files = (
    await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo })
  ).stdout
    .split('\0')
    .filter(Boolean)
  for (const f of files) {
    mkdirSync(dirname(join(hookRepo, f)), { recursive: true })
    try {
      copyFileSync(join(repo, f), join(hookRepo, f))
    } catch (err) {
      // A tracked file deleted in the working tree is not part of it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  await git(hookRepo, ['init', '-q'])
  await git(hookRepo, ['add', '-A'])
  await git(hookRepo, ['commit', '-q', '-m', 'cfpull working tree'])
  rev = (await git(hookRepo, ['rev-parse', 'HEAD'])).stdout
  env = { PRE_COMMIT_HOME: join(scratch, 'pre-commit-home'), NO_COLOR: '1' }
}, 60_000)

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A project using the hooks: a git repository with values files (and a chart file, not values). */
async function project(files: Record<string, string>): Promise<string> {
  const dir = tempDir()
  await git(dir, ['init', '-q'])
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

const unpatched = readFileSync(example, 'utf8')
let patched: string

describe('pre-commit hooks', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(scratch, 'patched-'))
    copyFileSync(example, join(dir, 'values.yaml'))
    await execa(process.execPath, [join(repo, 'bin/cfpull.js'), 'patch', 'values.yaml', '-s', 'my-credential'], {
      cwd: dir,
    })
    patched = readFileSync(join(dir, 'values.yaml'), 'utf8')
  })

  it('try-repo cfpull-check fails on an unpatched file, naming it, and passes on a patched one', async () => {
    const dir = await project({ 'deploy/values.yaml': unpatched, 'deploy/values-patched.yaml': patched })
    const tryRepo = (file: string) =>
      execa('pre-commit', ['try-repo', hookRepo, 'cfpull-check', '--ref', rev, '--files', file], {
        cwd: dir,
        reject: false,
        env: { ...env, CFPULL_SECRET: 'my-credential' },
      })
    const red = await tryRepo('deploy/values.yaml')
    expect(red.exitCode).toBe(1)
    const report = red.stdout.slice(red.stdout.lastIndexOf('cfpull check'))
    expect(report.trim().split('\n')).toEqual([
      'cfpull check.............................................................Failed',
      '- hook id: cfpull-check',
      '- exit code: 5',
      '',
      'deploy/values.yaml: needs my-credential: 14 sections to patch, 9 to add, the plugin route to set',
    ])
    expect(readFileSync(join(dir, 'deploy/values.yaml'), 'utf8')).toBe(unpatched)
    const green = await tryRepo('deploy/values-patched.yaml')
    expect([green.exitCode, green.stdout.slice(green.stdout.lastIndexOf('cfpull check')).trim()]).toEqual([
      0,
      'cfpull check.............................................................Passed',
    ])
  }, 240_000)

  it("README's .pre-commit-config.yaml: cfpull-check with args, only values files; cfpull-patch fixes", async () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8')
    const recipe = /```yaml\n(# \.pre-commit-config\.yaml\n[\s\S]*?)```/.exec(readme)![1]!
    expect(recipe).toContain('repo: https://github.com/<owner>/cfpull')
    const config = recipe.replace('https://github.com/<owner>/cfpull', hookRepo).replace('<ref>', rev)
    const dir = await project({
      '.pre-commit-config.yaml': config,
      'envs/prod/values.yaml': unpatched,
      'envs/dev/values-dev.yaml': patched,
      // Not a values file: the hook's `files:` keeps it from cfpull (which would call it broken).
      'charts/Chart.yaml': 'apiVersion: v2\nname: [broken\n',
    })
    await git(dir, ['add', '-A'])
    const run = () => execa('pre-commit', ['run', '--all-files'], { cwd: dir, reject: false, env })
    const red = await run()
    expect(red.exitCode).toBe(1)
    expect(red.stdout).toContain(
      '- exit code: 5\n\nenvs/prod/values.yaml: needs my-credential: 14 sections to patch, 9 to add, the plugin route to set\n',
    )
    expect(red.stdout).not.toContain('values-dev.yaml')

    // The recipe's alternative, cfpull-patch, edits in place; pre-commit fails because files changed.
    writeFileSync(join(dir, '.pre-commit-config.yaml'), config.replace('id: cfpull-check', 'id: cfpull-patch'))
    await git(dir, ['add', '-A'])
    const fixed = await run()
    expect(fixed.exitCode).toBe(1)
    expect(fixed.stdout).toContain('- files were modified by this hook')
    expect(readFileSync(join(dir, 'envs/prod/values.yaml'), 'utf8')).toBe(patched)
    await git(dir, ['add', '-A'])
    expect((await run()).exitCode).toBe(0)
  }, 240_000)
})
