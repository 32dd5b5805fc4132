import {
  chmodSync,
  copyFileSync,
  lstatSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

const fixtures = join(import.meta.dirname, '../fixtures')
const basic = join(fixtures, 'values/two-space-basic/input.yaml')
const basicExpected = readFileSync(join(fixtures, 'values/two-space-basic/expected.yaml'), 'utf8')
const narrow = ['--services', 'console,identity,board', '--plugins', 'none']

function copy(from: string, dir = tempDir(), name = 'values.yaml'): string {
  const to = join(dir, name)
  copyFileSync(from, to)
  return to
}

describe('cfpull patch', () => {
  it('patches in place and says what it did', async () => {
    const file = copy(basic)
    const r = await runCli(['patch', file, '--secret', 'my-credential', ...narrow])
    expect(r.code).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(basicExpected)
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe(
      [
        `✔ ${file}: patched (2 sections patched, 1 added)`,
        '    + console.imagePullSecrets: my-credential line 3',
        '    + identity.imagePullSecrets: my-credential line 12',
        '    + board.imagePullSecrets (new section) line 19',
        '  plugins: none: --plugins none: plugin pull secrets left as they are',
        'ℹ The Secret my-credential must exist in namespaces cloudforet, spaceone, spaceone-plugin.',
        `  next: cfpull create-secret --name my-credential --values ${file} --docker-server "\${REGISTRY:?set REGISTRY to your registry host}" --docker-username "\${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin`,
        '',
      ].join('\n'),
    )
    const again = await runCli(['patch', file, '--secret', 'my-credential', ...narrow, '--quiet'])
    expect(again).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('--check exits 5 when a file needs changes and 0 when it does not, writing nothing', async () => {
    const file = copy(basic)
    const r = await runCli(['patch', file, '-s', 'my-credential', ...narrow, '--check'])
    expect(r.code).toBe(5)
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(basic, 'utf8'))
    expect(r.stdout).toContain(`✖ ${file}: needs changes`)
    expect(r.stdout).toContain(`  fix: cfpull patch ${file} --secret my-credential`)
    writeFileSync(file, basicExpected)
    expect((await runCli(['patch', file, '-s', 'my-credential', ...narrow, '--check'])).code).toBe(0)
  })

  it('--dry-run prints a unified diff and writes nothing', async () => {
    const file = copy(basic)
    const r = await runCli(['patch', file, '-s', 'my-credential', ...narrow, '--dry-run'])
    expect(r.code).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(basic, 'utf8'))
    expect(r.stdout.split('\n').slice(0, 9).join('\n')).toBe(
      [
        `--- a${file}`,
        `+++ b${file}`,
        '@@ -1,5 +1,7 @@',
        ' # Cloudforet override',
        ' console:',
        '+  imagePullSecrets:',
        '+    - name: my-credential',
        '   # the web console',
        '   enabled: true',
      ].join('\n'),
    )
    expect(r.stdout).toContain(`~ ${file}: would change (2 sections to patch, 1 to add)`)
  })

  it('--stdout prints the patched file and moves the summary to stderr', async () => {
    const file = copy(basic)
    const r = await runCli(['patch', file, '-s', 'my-credential', ...narrow, '--stdout'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(basicExpected)
    expect(r.stderr).toContain('would change')
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(basic, 'utf8'))
  })

  it('-o writes the result elsewhere and leaves the input alone', async () => {
    const dir = tempDir()
    const file = copy(basic, dir)
    const out = join(dir, 'patched.yaml')
    const r = await runCli(['patch', file, '-s', 'my-credential', ...narrow, '-o', out])
    expect(r.code).toBe(0)
    expect(readFileSync(out, 'utf8')).toBe(basicExpected)
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(basic, 'utf8'))
    expect(r.stdout).toContain(`patched → ${out}`)
  })

  it('--json prints exactly one document with per-target results', async () => {
    const file = copy(basic)
    const r = await runCli(['patch', file, '-s', 'my-credential', ...narrow, '--json'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    const doc = JSON.parse(r.stdout)
    expect(doc).toEqual({
      command: 'patch',
      exitCode: 0,
      ok: true,
      chart: {
        version: '2.0.0-dev35',
        source: 'default',
        services: expect.arrayContaining(['console', 'mongodb', 'redis']),
      },
      files: [
        {
          file,
          status: 'changed',
          exitCode: 0,
          written: true,
          writtenTo: file,
          plugins: {
            mechanism: 'none',
            reason: '--plugins none: plugin pull secrets left as they are',
            supervisorVersion: null,
            registryType: null,
            managedType: null,
            registryUrl: null,
            path: null,
          },
          namespaces: {
            core: 'cloudforet',
            supervisor: 'spaceone',
            plugins: 'spaceone-plugin',
            all: ['cloudforet', 'spaceone', 'spaceone-plugin'],
          },
          needs: [
            {
              name: 'my-credential',
              for: ['services', 'plugins'],
              namespaces: ['cloudforet', 'spaceone', 'spaceone-plugin'],
            },
          ],
          changeSummary: '2 sections patched, 1 added',
          targets: [
            {
              kind: 'service',
              service: 'console',
              path: 'console.imagePullSecrets',
              action: 'added',
              names: ['my-credential'],
              line: 3,
            },
            {
              kind: 'service',
              service: 'identity',
              path: 'identity.imagePullSecrets',
              action: 'added',
              names: ['my-credential'],
              line: 12,
            },
            {
              kind: 'service',
              service: 'board',
              path: 'board.imagePullSecrets',
              action: 'created-section',
              names: ['my-credential'],
              line: 19,
            },
          ],
          warnings: [],
        },
      ],
      next: [
        `cfpull create-secret --name my-credential --values ${file} --docker-server "\${REGISTRY:?set REGISTRY to your registry host}" --docker-username "\${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin`,
      ],
      summary: { files: 1, changed: 1, unchanged: 0, errors: 0 },
    })
  })

  it('reports bad YAML as file:line:col with a frame and a hint, exit 3, file untouched', async () => {
    const file = copy(join(fixtures, 'invalid/unresolved-alias.yaml'))
    const before = readFileSync(file, 'utf8')
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      [
        `error: ${file}:4:13: ********** is an alias to an anchor that is not defined before it`,
        '  3 | secret:',
        '> 4 |   password: **********',
        '    |             ^',
        '  5 | ',
        "hint: an unquoted value starting with * is an alias: quote it, e.g. '**********'",
        '',
      ].join('\n'),
    )
    expect(readFileSync(file, 'utf8')).toBe(before)
  })

  it('keeps going after a bad file and exits with the worst code', async () => {
    const dir = tempDir()
    const bad = copy(join(fixtures, 'invalid/pull-secrets-string.yaml'), dir, 'bad.yaml')
    const good = copy(basic, dir, 'good.yaml')
    const r = await runCli(['patch', bad, good, '-s', 'my-credential', ...narrow])
    expect(r.code).toBe(3)
    expect(readFileSync(good, 'utf8')).toBe(basicExpected)
    expect(r.stderr).toContain(`error: ${bad}:2:21: console.imagePullSecrets is a string ("my-credential")`)
    expect(r.stdout).toContain('2 files: 1 changed, 0 up to date, 1 failed')
  })

  it.each([
    [['patch', 'x.yaml', '--secret', 'My_Cred'], 'secret name "My_Cred" is not a DNS-1123 subdomain'],
    [['patch', 'x.yaml'], "required option '-s, --secret <name>' not specified"],
    [['patch', 'x.yaml', '-s', 'a', '--bogus'], "unknown option '--bogus'"],
    [
      ['patch', 'x.yaml', '-s', 'a', '--plugins', 'magic'],
      "argument 'magic' is invalid. Allowed choices are auto, connector, registry, none.",
    ],
    [['patch', 'x.yaml', 'y.yaml', '-s', 'a', '--stdout'], '--stdout takes one values file, got 2'],
    [['patch', 'x.yaml', '-s', 'a', '--chart-version', '9.9.9'], 'unknown chart version 9.9.9'],
    [
      ['patch', 'x.yaml', '-s', 'a', '--chart-version', '1.12.99'],
      'unknown chart version 1.12.99 (nearest known: 1.12.14, 1.12.15, 1.12.16; `cfpull charts` lists all 145)',
    ],
    [
      ['patch', 'x.yaml', '-s', 'a', '--chart-version', '1.11.99'],
      'unknown chart version 1.11.99 (nearest known: 1.11.14, 1.11.15, 1.11.16, 1.12.0, 1.12.1, 1.12.2; `cfpull charts` lists all 145)',
    ],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await runCli(args)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(message)
  })

  it('a missing file is exit 3 with the file named', async () => {
    const r = await runCli(['patch', join(tempDir(), 'nope.yaml'), '-s', 'a'])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/^error: .*nope\.yaml: no such file\n$/)
  })

  it('writes through a symlink, keeps the mode, and leaves no temp file', async () => {
    const dir = tempDir()
    const target = copy(basic, dir, 'real.yaml')
    chmodSync(target, 0o640)
    const link = join(dir, 'values.yaml')
    symlinkSync('real.yaml', link)
    const r = await runCli(['patch', link, '-s', 'my-credential', ...narrow, '-q'])
    expect(r.code).toBe(0)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readlinkSync(link)).toBe('real.yaml')
    expect(readFileSync(target, 'utf8')).toBe(basicExpected)
    expect(statSync(target).mode & 0o777).toBe(0o640)
    expect(readdirSync(dir).sort()).toEqual(['real.yaml', 'values.yaml'])
  })

  it('colours only on a TTY, never with NO_COLOR or --no-color, and always with FORCE_COLOR', async () => {
    const file = copy(basic)
    const args = ['patch', file, '-s', 'my-credential', ...narrow, '--check']
    const esc = '\u001b['
    expect((await runCli(args)).stdout).not.toContain(esc)
    expect((await runCli(args, { tty: true })).stdout).toContain(esc)
    expect((await runCli(args, { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(esc)
    expect((await runCli([...args, '--no-color'], { tty: true })).stdout).not.toContain(esc)
    expect((await runCli(args, { env: { FORCE_COLOR: '1' } })).stdout).toContain(esc)
  })

  it('maps flags to command options', async () => {
    const seen: unknown[] = []
    const commands = {
      patch: async (opts: unknown) => {
        seen.push(opts)
        throw Object.assign(new Error('stop'), {})
      },
    }
    await runCli(
      [
        'patch',
        'a.yaml',
        'b.yaml',
        '-s',
        'x,y',
        '--secret',
        'z',
        '--chart-version',
        '1.12.16',
        '--plugins',
        'registry',
        '--plugin-registry',
        'HARBOR',
        '--only-present',
        '--services',
        'console',
        '--exclude',
        'redis,mongodb',
        '--check',
      ],
      { commands: commands as never },
    )
    expect(seen).toEqual([
      {
        files: ['a.yaml', 'b.yaml'],
        secrets: ['x', 'y', 'z'],
        plugins: 'registry',
        onlyPresent: true,
        stdout: false,
        dryRun: false,
        check: true,
        chartVersion: '1.12.16',
        pluginRegistry: 'HARBOR',
        services: ['console'],
        exclude: ['redis', 'mongodb'],
      },
    ])
  })

  it('an unexpected error is exit 1 and asks for a bug report', async () => {
    const r = await runCli(['patch', 'a.yaml', '-s', 'x'], {
      commands: {
        patch: async () => {
          throw new TypeError('boom')
        },
      } as never,
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error: boom')
    expect(r.stderr).toContain('This is a bug in cfpull')
  })
})
