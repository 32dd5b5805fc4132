import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'

// Runs the built CLI as users do (npm test builds dist/ first), so packaging mistakes show here.
const repo = join(import.meta.dirname, '../..')
const bin = join(repo, 'bin/cfpull.js')
const cfpull = (args: string[]) =>
  execa(process.execPath, [bin, ...args], { reject: false, cwd: repo, env: { NO_COLOR: '1' }, extendEnv: false })
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version

describe('bin/cfpull.js', () => {
  it('--version prints the package version', async () => {
    const r = await cfpull(['--version'])
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, version, ''])
    // bin/cfpull.js answers `--version` alone from package.json, before the bundle loads; `-V`
    // with another flag goes through the bundle (its version inlined by the build): the same answer.
    const bundle = await cfpull(['-V', '--no-color'])
    expect([bundle.exitCode, bundle.stdout, bundle.stderr]).toEqual([0, version, ''])
  })

  it('--version, -V and version alone are answered before the bundle loads', async () => {
    // A package without dist/: only the fast path can answer, and anything else cannot run.
    const dir = tempDir()
    mkdirSync(join(dir, 'bin'))
    for (const f of ['bin/cfpull.js', 'bin/package.json', 'package.json']) copyFileSync(join(repo, f), join(dir, f))
    const run = (args: string[]) =>
      execa(process.execPath, [join(dir, 'bin/cfpull.js'), ...args], { reject: false, env: {}, extendEnv: false })
    for (const args of [['--version'], ['-V'], ['version']])
      expect(await run(args)).toMatchObject({ exitCode: 0, stdout: version, stderr: '' })
    expect((await run(['--help'])).stderr).toContain(join(dir, 'dist/cli.cjs'))
  })

  it('--help lists the patch command; patch --help ends with examples', async () => {
    const r = await cfpull(['--help'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^Usage: cfpull \[options\] \[command\]/)
    expect(r.stdout).toContain('patch [options] <values...>')
    const p = await cfpull(['patch', '--help'])
    expect(p.exitCode).toBe(0)
    expect(p.stdout).toContain('$ cfpull patch values.yaml --secret my-credential --dry-run')
  })

  it('a usage error exits 2 on stderr', async () => {
    const r = await cfpull(['patch', 'examples/values.yaml', '--secret', 'Bad Name'])
    expect(r.exitCode).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      'error: secret name "Bad Name" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and "."; starts and ends alphanumeric)',
    )
  })

  it('patches the bundled example the way the README shows, then --check passes', async () => {
    const file = join(tempDir(), 'values.yaml')
    copyFileSync(join(repo, 'examples/values.yaml'), file)
    const dry = await cfpull(['patch', file, '--secret', 'my-credential', '--dry-run'])
    expect(dry.exitCode).toBe(0)
    expect(dry.stdout).toContain('+        image_pull_secrets: my-credential')
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(repo, 'examples/values.yaml'), 'utf8'))
    const json = await cfpull(['patch', file, '--secret', 'my-credential', '--json'])
    expect(json.exitCode).toBe(0)
    const doc = JSON.parse(json.stdout) as {
      files: Array<{
        status: string
        plugins: { mechanism: string; registryType: string }
        targets: unknown[]
        namespaces: { all: string[] }
      }>
    }
    expect(doc.files[0]!.status).toBe('changed')
    expect(doc.files[0]!.plugins).toMatchObject({ mechanism: 'registry', registryType: 'HARBOR' })
    expect(doc.files[0]!.namespaces.all).toEqual(['cloudforet', 'cloudforet-plugin'])
    expect(doc.files[0]!.targets).toHaveLength(24)
    const check = await cfpull(['patch', file, '--secret', 'my-credential', '--check'])
    expect(check.exitCode).toBe(0)
    expect(check.stdout).toContain('up to date')
  })
})
