import { copyFileSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'

// What users install: npm pack (of the dist npm test just built), installed into a fresh prefix
// the way `npm install -g` does, then run from that prefix's bin.
const repo = join(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string }

describe('the npm package', () => {
  it('holds only what runs, installs, and works', async () => {
    const dir = tempDir()
    // --ignore-scripts: prepare would rebuild dist/ while other tests use it.
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repo })
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
    const paths = info!.files.map((f) => f.path)
    expect(paths.filter((p) => !p.startsWith('dist/')).sort()).toEqual([
      'LICENSE',
      'README.ko.md',
      'README.md',
      'bin/cfpull.js',
      'bin/package.json',
      'package.json',
    ])
    expect(paths).toContain('dist/cli.cjs')
    expect(paths).toContain('dist/index.js')
    expect(paths).toContain('dist/index.d.ts')
    expect(paths.some((p) => /^(src|test|scripts|examples|\.ci|\.github)\//.test(p))).toBe(false)

    const prefix = join(dir, 'prefix')
    await execa(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        join(dir, info!.filename),
      ],
      { cwd: dir },
    )
    const cfpull = join(prefix, 'bin', 'cfpull')
    const version = await execa(cfpull, ['--version'], { cwd: dir })
    expect(version.stdout).toBe(pkg.version)

    const values = join(dir, 'values.yaml')
    copyFileSync(join(repo, 'examples/values.yaml'), values)
    const patched = await execa(cfpull, ['patch', values, '--secret', 'my-credential', '--quiet'], { cwd: dir })
    expect(patched.exitCode).toBe(0)
    expect(readFileSync(values, 'utf8')).toContain('image_pull_secrets: my-credential')
    expect(
      (await execa(cfpull, ['patch', values, '--secret', 'my-credential', '--check'], { cwd: dir })).exitCode,
    ).toBe(0)
    // The installed package runs from its own node_modules, not the repo's.
    expect(readdirSync(join(prefix, 'lib', 'node_modules', pkg.name, 'node_modules')).sort()).toEqual(
      expect.arrayContaining(['commander', 'yaml']),
    )
  }, 120_000)
})
