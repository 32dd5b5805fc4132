import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parse } from 'yaml'
import { loadAction, runActionStep } from '../helpers/github-actions.js'
import { tempDir } from '../helpers/tmp.js'

// The Action at a release tag runs the bundle the tag holds, and at any other ref builds one.
// The release workflow's commit step runs for real here: against a clone of this repository with
// a local bare repository as `origin`, and the bundle npm test built standing in for its build.
// Then the Action's two steps run from a fresh clone of the tag, which has no node_modules.
const repo = join(import.meta.dirname, '../..')
const action = loadAction('action.yml', readFileSync(join(repo, 'action.yml'), 'utf8'))
const release = parse(readFileSync(join(repo, '.github/workflows/release.yml'), 'utf8')) as {
  jobs: { bundle: { steps: Array<{ name?: string; run?: string }> } }
}
const git = (cwd: string, args: string[]) =>
  execa('git', ['-c', 'user.name=cfpull tests', '-c', 'user.email=tests@cfpull.invalid', ...args], { cwd })

afterEach(() => {
  vi.unstubAllEnvs()
})

/** A clone of this repository's HEAD whose `origin` is a bare repository holding tag v9.9.9 at HEAD. */
async function tagged(): Promise<{ origin: string; clone: string; head: string }> {
  const dir = tempDir()
  const origin = join(dir, 'origin.git')
  const clone = join(dir, 'clone')
  await execa('git', ['clone', '-q', '--bare', '--no-local', repo, origin])
  const head = (await git(origin, ['rev-parse', 'HEAD'])).stdout
  await git(origin, ['tag', 'v9.9.9', head])
  await execa('git', ['clone', '-q', '--branch', 'v9.9.9', origin, clone])
  return { origin, clone, head }
}

describe('the release workflow and the Action at a release tag', () => {
  it('commits the bundle onto the tag, and the Action at that tag runs it with nothing installed', async () => {
    const { origin, clone, head } = await tagged()
    // The workflow's build, done already by npm test.
    mkdirSync(join(clone, 'dist'))
    for (const f of ['cli.cjs', 'execa.cjs']) copyFileSync(join(repo, 'dist', f), join(clone, 'dist', f))
    const step = release.jobs.bundle.steps.find((s) => s.name === 'Commit the bundle onto the tag')!
    const script = join(tempDir(), 'step.sh')
    writeFileSync(script, step.run!)
    const env = { TAG: 'v9.9.9', GIT_CONFIG_GLOBAL: '/dev/null' }
    const r = await execa('bash', ['-eo', 'pipefail', script], { cwd: clone, env, reject: false })
    expect([r.exitCode, r.stderr.includes('error')]).toEqual([0, false])
    // The tag moved to one commit on top of the tagged one, adding exactly the bundle.
    const tag = (await git(origin, ['rev-parse', 'v9.9.9^{commit}'])).stdout
    expect((await git(origin, ['rev-parse', `${tag}^`])).stdout).toBe(head)
    const added = (await git(origin, ['diff', '--name-status', head, tag])).stdout
    expect(added).toBe('A\tdist/cli.cjs\nA\tdist/execa.cjs')
    // A second run changes nothing.
    const again = await execa('bash', ['-eo', 'pipefail', script], { cwd: clone, env, reject: false })
    expect([again.exitCode, again.stdout]).toEqual([0, 'v9.9.9 already holds the bundle'])

    // The Action, checked out at the tag as a runner does: no node_modules, no npm run.
    const actionPath = join(tempDir(), 'cfpull')
    await execa('git', ['clone', '-q', '--branch', 'v9.9.9', origin, actionPath])
    const npmLog = join(tempDir(), 'npm.log')
    stubNpm(npmLog)
    const workspace = tempDir()
    copyFileSync(join(repo, 'examples/values.yaml'), join(workspace, 'values.yaml'))
    const built = await runActionStep(action, actionPath, 'build', workspace, {})
    expect([built.code, built.stdout]).toEqual([
      0,
      'cfpull: the bundle this ref holds (dist/cli.cjs); nothing to install',
    ])
    expect(existsSync(npmLog)).toBe(false)
    expect(existsSync(join(actionPath, 'node_modules'))).toBe(false)
    const checked = await runActionStep(action, actionPath, 'run', workspace, {
      values: 'values.yaml',
      secret: 'my-credential',
    })
    expect([checked.code, checked.outputs]).toEqual([5, { changed: 'true', files: '["values.yaml"]' }])
  })

  it('at a ref without the bundle, the Action installs and builds it', async () => {
    const { clone } = await tagged()
    const npmLog = join(tempDir(), 'npm.log')
    stubNpm(npmLog)
    const built = await runActionStep(action, clone, 'build', tempDir(), {})
    expect([built.code, built.stdout]).toEqual([
      0,
      'cfpull: no bundle at this ref (only release tags hold one): npm ci and a build',
    ])
    expect(readFileSync(npmLog, 'utf8')).toBe('ci --no-audit --no-fund --loglevel=error\nrun build\n')
  })
})

/** An `npm` first on PATH that records its arguments: what the step asks npm to do, without a 278-package install. */
function stubNpm(log: string): void {
  const bin = tempDir()
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 })
  vi.stubEnv('PATH', `${bin}:${process.env.PATH}`)
}
