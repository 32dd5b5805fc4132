import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

// Flags a user gets wrong, each answered before any values file is read: exact stderr, exit 2.

const INPUT = 'console:\n  enabled: true\nidentity: {}\n'

function values(text = INPUT): string {
  const file = join(tempDir(), 'values.yaml')
  writeFileSync(file, text)
  return file
}

// A path that does not exist: had cfpull read it, the answer would be "no such file", exit 3.
const UNREAD = join(import.meta.dirname, 'no-such-dir', 'values.yaml')

describe('patch --services / --exclude', () => {
  it.each([
    ['--services', 'consle,identity'],
    ['--exclude', 'identity,consle'],
  ])('%s %s is exit 2 before any file is read, with the name meant', async (flag, names) => {
    const r = await runCli(['patch', UNREAD, '-s', 'my-credential', flag, names])
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: consle is not a service of chart 2.0.0-dev35; did you mean console?\n',
    })
    const file = values()
    expect((await runCli(['patch', file, '-s', 'my-credential', flag, names])).code).toBe(2)
    expect(readFileSync(file, 'utf8')).toBe(INPUT)
  })

  it('a name near no service lists the services', async () => {
    const r = await runCli(['patch', UNREAD, '-s', 'x', '--services', 'frontend', '--chart-version', '1.12.16'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /^error: frontend is not a service of chart 1\.12\.16; its services are [a-z0-9-]+(, [a-z0-9-]+)+\n$/,
    )
    expect(r.stderr).toContain(', identity, ')
  })

  it('with --chart-values the chart is named by its values file', async () => {
    const chart = values('console: {}\nidentity: {}\nglobal: {}\n')
    const r = await runCli(['patch', UNREAD, '-s', 'x', '--chart-values', chart, '--services', 'identiy'])
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: identiy is not a service of the chart whose values are ${chart}; did you mean identity?\n`,
    })
  })
})

describe('patch --secret lists', () => {
  it('-s a,a writes the name once', async () => {
    const file = values()
    const r = await runCli(['patch', file, '-s', 'a,a', '--services', 'console', '--plugins', 'none', '-q'])
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(readFileSync(file, 'utf8')).toBe(
      'console:\n  imagePullSecrets:\n    - name: a\n  enabled: true\nidentity: {}\n',
    )
  })

  it('-s a -s b,a is a, b: in the file, the report and the registry-mode warning', async () => {
    const file = values()
    const r = await runCli([
      'patch',
      file,
      '-s',
      'a',
      '-s',
      'b,a',
      '--services',
      'console',
      '--plugins',
      'registry',
      '--plugin-registry',
      'HARBOR',
      '--stdout',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        'console:',
        '  imagePullSecrets:',
        '    - name: a',
        '    - name: b',
        '  enabled: true',
        'identity: {}',
        'repository:',
        '  application_grpc:',
        '    REGISTRY_INFO:',
        '      HARBOR:',
        '        image_pull_secrets: a',
        '',
      ].join('\n'),
    )
    expect(r.stderr.split('\n').slice(2, 6)).toEqual([
      `warning: ${file}: repository.application_grpc.REGISTRY_INFO.HARBOR.url is empty (the repository default): no plugin can use registry type HARBOR until it is set to the registry host`,
      `warning: ${file}: the repository takes one plugin pull secret: using a for plugins (b not used there)`,
      `~ ${file}: would change (1 section to patch, the plugin route to set)`,
      '    + console.imagePullSecrets: a, b line 2',
    ])
    expect(r.stderr).toContain('ℹ The Secrets a, b must exist in namespaces spaceone, spaceone-plugin.\n')
  })

  it.each([['a,,b'], ['a,'], [',a']])('--secret %s (an empty name) is a usage error', async (arg) => {
    const r = await runCli(['patch', UNREAD, '--secret', arg])
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: option '-s, --secret <name>' argument '${arg}' is invalid. a name in the list is empty\n(run with --help for usage)\n`,
    })
  })

  it('--services a,,b is a usage error too', async () => {
    const r = await runCli(['patch', UNREAD, '-s', 'x', '--services', 'console,,identity'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      "error: option '--services <list>' argument 'console,,identity' is invalid. a name in the list is empty\n(run with --help for usage)\n",
    )
  })
})

describe('patch output flags', () => {
  it('--stdout --dry-run is a usage error, as -o with --stdout is', async () => {
    const file = values()
    const r = await runCli(['patch', file, '-s', 'x', '--stdout', '--dry-run'])
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: --stdout and --dry-run cannot be combined: both print on stdout (the file, or a diff)\n',
    })
    expect((await runCli(['patch', file, '-s', 'x', '--stdout', '-o', join(tempDir(), 'o.yaml')])).stderr).toBe(
      'error: -o and --stdout cannot be combined\n',
    )
    expect(readFileSync(file, 'utf8')).toBe(INPUT)
  })

  const REGISTRY =
    'repository:\n  application_grpc:\n    REGISTRY_INFO:\n      HARBOR:\n        url: harbor.example.com\n        image_pull_secrets: my-credential\n'
  // The route's own secret is kept unless asked; MANAGED_REGISTRY_TYPE too, so the managed plugins use HARBOR.
  const args = [
    '-s',
    'other-cred',
    '--services',
    'console',
    '--plugin-registry',
    'HARBOR',
    '--managed-registry',
    '--replace-plugin-secret',
    '--only-present',
    '-q',
  ]
  const replaced = 'repository.application_grpc.REGISTRY_INFO.HARBOR.image_pull_secrets was my-credential'

  it.each([['--check'], ['--dry-run'], ['--stdout']])(
    '%s says what would happen to a replaced value, and writes nothing',
    async (flag) => {
      const file = values(REGISTRY)
      const r = await runCli(['patch', file, ...args, flag])
      // (--check --quiet adds its one verdict line after it.)
      expect(r.stderr.split('\n')[0]).toBe(`warning: ${file}:7: ${replaced}; would now be other-cred`)
      expect(r.stderr).not.toContain('; now ')
      expect(r.code).toBe(flag === '--check' ? 5 : 0)
      expect(readFileSync(file, 'utf8')).toBe(REGISTRY)
    },
  )

  it('a real run says what it did', async () => {
    const file = values(REGISTRY)
    const r = await runCli(['patch', file, ...args])
    expect(r).toEqual({ code: 0, stdout: '', stderr: `warning: ${file}:7: ${replaced}; now other-cred\n` })
    expect(readFileSync(file, 'utf8')).toBe(
      REGISTRY.replace('my-credential', 'other-cred').replace(
        '  application_grpc:\n',
        '  application_grpc:\n    MANAGED_REGISTRY_TYPE: HARBOR\n',
      ),
    )
  })
})
