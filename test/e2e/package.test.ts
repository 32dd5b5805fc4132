import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

// What users install: npm pack (of the dist npm test just built), installed into an empty prefix
// the way `npm install -g` does, then run from that prefix's bin.
const repo = join(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string }

interface Packed {
  filename: string
  files: Array<{ path: string }>
}

// The relative module specifiers a shipped file loads: import/export … from, import(), require().
function relativeImports(text: string): string[] {
  const specs = [...text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]+)\1/g)]
  return specs.map((m) => m[2]!)
}

describe('the npm package', () => {
  it('runs no script when installed, ships the CLI once, and works from an empty prefix', async () => {
    const dir = tempDir()
    // --ignore-scripts: prepack would rebuild dist/ while other tests use it (npm test built it).
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repo })
    const [info] = JSON.parse(packed.stdout) as Packed[]
    const paths = info!.files.map((f) => f.path)
    expect(paths.filter((p) => !p.startsWith('dist/')).sort()).toEqual(
      ['LICENSE', 'README.ko.md', 'README.md', 'package.json', ...paths.filter((p) => p.startsWith('bin/'))].sort(),
    )
    expect(paths).toContain('bin/cfpull.js')
    expect(paths).toContain('dist/cli.cjs')
    expect(paths).toContain('dist/index.js')
    expect(paths).toContain('dist/index.d.ts')
    // The CLI is the bundle; tsc's unbundled copy of the CLI (cli/, commands/, adapters/) would be
    // the same code twice. No source maps, sources, tests or tooling.
    expect(paths.filter((p) => /^dist\/(cli|commands|adapters)\//.test(p) || p.endsWith('.map'))).toEqual([])
    expect(paths.filter((p) => /^(src|test|scripts|examples|action|\.ci|\.github)\//.test(p))).toEqual([])
    // Every relative import of a shipped file is shipped (the types of the library too).
    const unresolved: string[] = []
    for (const p of paths.filter((x) => /\.(c?js|d\.ts)$/.test(x)))
      for (const spec of relativeImports(readFileSync(join(repo, p), 'utf8'))) {
        const target = normalize(join(dirname(p), spec))
        const candidates = p.endsWith('.d.ts') ? [target.replace(/\.js$/, '.d.ts'), target] : [target]
        if (!candidates.some((c) => paths.includes(c))) unresolved.push(`${p} → ${spec}`)
      }
    expect(unresolved).toEqual([])
    // …and every shipped code file is loaded from an entry point: the CLI bundle that
    // bin/cfpull.js loads, or the library's `exports` entry. No code ships unused or twice.
    expect(readFileSync(join(repo, 'bin/cfpull.js'), 'utf8')).toContain("'dist', 'cli.cjs'")
    const reached = new Set<string>()
    const visit = (p: string): void => {
      if (reached.has(p) || !paths.includes(p)) return
      reached.add(p)
      for (const spec of relativeImports(readFileSync(join(repo, p), 'utf8'))) {
        const target = normalize(join(dirname(p), spec))
        visit(p.endsWith('.d.ts') ? target.replace(/\.js$/, '.d.ts') : target)
      }
    }
    for (const entry of ['dist/cli.cjs', 'dist/index.js', 'dist/index.d.ts']) visit(entry)
    expect(paths.filter((p) => /^dist\/.*\.c?js$/.test(p) && !reached.has(p))).toEqual([])

    // Built by prepack, so the tarball carries no install-time script (the issue: prepare did).
    const manifest = JSON.parse(
      (await execa('tar', ['-xOzf', join(dir, info!.filename), 'package/package.json'])).stdout,
    ) as { scripts?: Record<string, string> }
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare']
    expect(Object.keys(manifest.scripts ?? {}).filter((s) => lifecycle.includes(s))).toEqual([])
    expect(manifest.scripts?.prepack).toBe('node scripts/build.mjs')

    const prefix = join(dir, 'prefix')
    await execa(
      'npm',
      [
        'install',
        '--global',
        '--ignore-scripts',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        join(dir, info!.filename),
      ],
      { cwd: dir },
    )
    const installed = join(prefix, 'lib', 'node_modules', pkg.name)
    const cfpull = (args: string[]) =>
      execa(join(prefix, 'bin', 'cfpull'), args, { cwd: dir, reject: false, env: { NO_COLOR: '1' } })
    expect((await cfpull(['--version'])).stdout).toBe(pkg.version)

    const values = join(dir, 'values.yaml')
    copyFileSync(join(repo, 'examples/values.yaml'), values)
    const before = await cfpull(['patch', values, '--secret', 'my-credential', '--check', '--quiet'])
    expect([before.exitCode, before.stdout, before.stderr]).toEqual([
      5,
      '',
      `${values}: needs my-credential: 14 sections to patch, 9 to add, the plugin route to set`,
    ])
    const patched = await cfpull(['patch', values, '--secret', 'my-credential', '--quiet'])
    expect([patched.exitCode, patched.stderr]).toEqual([0, ''])
    expect(readFileSync(values, 'utf8')).toContain('image_pull_secrets: my-credential')
    expect((await cfpull(['patch', values, '--secret', 'my-credential', '--check'])).exitCode).toBe(0)

    const completion = await cfpull(['completion', 'bash'])
    expect(completion.exitCode).toBe(0)
    expect(completion.stdout).toContain('complete -F _cfpull cfpull')
    await execa('bash', ['-n'], { input: completion.stdout })

    // kubectl through the execa bundle (dist/execa.cjs): a cluster that refuses the connection.
    const kubeconfig = join(dir, 'kubeconfig')
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\n' +
        'contexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {token: x}}]\n',
    )
    const doctor = await execa(
      join(prefix, 'bin', 'cfpull'),
      ['doctor', '-f', values, '--secret', 'my-credential', '--cluster', '--kubeconfig', kubeconfig],
      { cwd: dir, reject: false, env: { NO_COLOR: '1', CFPULL_KUBECTL: toolPath('kubectl') } },
    )
    expect([doctor.exitCode, doctor.stderr.split('\n')[0]]).toEqual([
      4,
      'error: list the Deployments in namespace spaceone: kubectl exited with 1: The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?',
    ])
    // The bundles carry commander, chalk and execa: the installed package depends only on the
    // library's yaml and zod, and runs from its own node_modules, not the repo's.
    const own = readdirSync(join(installed, 'node_modules'))
    expect(['chalk', 'commander', 'execa', 'yaml', 'zod'].filter((n) => own.includes(n))).toEqual(['yaml', 'zod'])
    expect(existsSync(join(installed, 'src'))).toBe(false)
  }, 120_000)
})
