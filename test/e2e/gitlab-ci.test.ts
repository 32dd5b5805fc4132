import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'

// README's GitLab CI recipe (examples/ci/gitlab-ci.yml) run by the real gitlab-ci-local: it checks
// the file against GitLab's CI JSON schema, then runs the job with its shell executor
// (--force-shell-executor: there is no Docker here, so `image: node:20` is this machine's Node),
// and exports the artifacts. The project installs cfpull as the recipe says, a devDependency from
// the tarball of this build kept in the repository, which the job's `npm ci` installs and
// `npx --no-install cfpull` runs.
const repo = join(import.meta.dirname, '../..')
const recipe = readFileSync(join(repo, 'examples/ci/gitlab-ci.yml'), 'utf8')
const example = join(repo, 'examples/values.yaml')
const gitlabCiLocal = join(repo, 'node_modules/.bin/gitlab-ci-local')
const git = (cwd: string, args: string[]) =>
  execa('git', ['-c', 'user.name=cfpull tests', '-c', 'user.email=tests@cfpull.invalid', ...args], { cwd })

async function project(ci: string): Promise<string> {
  const dir = tempDir()
  await git(dir, ['init', '-q'])
  mkdirSync(join(dir, 'deploy'))
  copyFileSync(example, join(dir, 'deploy/values.yaml'))
  writeFileSync(join(dir, '.gitlab-ci.yml'), ci)
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n')
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.gitlab-ci-local/\n')
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repo })
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }]
  await execa('npm', ['install', '-D', '--ignore-scripts', '--no-audit', '--no-fund', `./${filename}`], { cwd: dir })
  await git(dir, ['add', '-A'])
  await git(dir, ['commit', '-q', '-m', 'project'])
  return dir
}

const runJob = (dir: string) =>
  execa(gitlabCiLocal, ['--force-shell-executor', '--home', join(dir, '.gcl-home'), 'pull-secrets'], {
    cwd: dir,
    reject: false,
    env: { NO_COLOR: '1', FORCE_COLOR: '0' },
  })

describe('GitLab CI recipe', () => {
  it('README shows the example file', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8')
    expect(readme).toContain(`\`\`\`yaml\n${recipe}\`\`\`\n`)
  })

  it('gitlab-ci-local validates and runs it: the job fails on an unpatched file, saying why, and passes once patched', async () => {
    const dir = await project(recipe)
    const red = await runJob(dir)
    expect(red.exitCode).toBe(1)
    const out = red.stdout + red.stderr
    expect(out).toContain('json schema validated')
    expect(out).toContain(
      'pull-secrets > ✖ deploy/values.yaml: needs changes (14 sections to patch, 9 to add, the plugin route to set',
    )
    expect(out).toContain('pull-secrets >   fix: cfpull patch deploy/values.yaml --secret my-credential\n')
    expect(out).toMatch(/pull-secrets finished in .* FAIL 5/)
    const report = join(dir, '.gitlab-ci-local/artifacts/pull-secrets/cfpull-report.md')
    expect(readFileSync(report, 'utf8')).toContain('| `deploy/values.yaml` | ✖ needs changes |')

    await execa(
      'npx',
      ['--no-install', 'cfpull', 'patch', 'deploy/values.yaml', '--secret', 'my-credential', '--quiet'],
      { cwd: dir },
    )
    const green = await runJob(dir)
    expect([green.exitCode, green.stdout]).toEqual([0, expect.stringContaining(' PASS  pull-secrets')])
    expect(readFileSync(report, 'utf8')).toContain('| `deploy/values.yaml` | ✔ up to date |')
  }, 120_000)

  it("gitlab-ci-local rejects a file that breaks GitLab's schema", async () => {
    const dir = await project(recipe.replace('when: always', 'when: sometimes'))
    const r = await runJob(dir)
    expect(r.exitCode).not.toBe(0)
    expect(r.stdout + r.stderr).toContain(
      "'when' property must be one of [on_success, on_failure, always] (found sometimes) at pull-secrets.artifacts.when",
    )
    expect(existsSync(join(dir, '.gitlab-ci-local/artifacts/pull-secrets'))).toBe(false)
  }, 120_000)
})
