import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CommanderError } from 'commander'
import { errorJson } from '../../src/cli/errors.js'
import {
  EXIT_CODE_MEANINGS,
  ExitCode,
  FileError,
  InternalError,
  NoClusterError,
  PreflightError,
  ToolFailedError,
  ToolNotFoundError,
  UsageError,
  ValidationError,
  YamlSyntaxError,
} from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

const repo = join(import.meta.dirname, '../..')
const example = join(repo, 'examples/values.yaml')

function values(): string {
  const file = join(tempDir(), 'values.yaml')
  copyFileSync(example, file)
  return file
}

describe("README's exit-code table", () => {
  it('is the table in src/core/errors.ts, row for row', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Exit codes'))
    const table = section.slice(0, section.indexOf('\n## '))
    const rows = [...table.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]])
    expect(rows).toEqual(Object.entries(EXIT_CODE_MEANINGS).map(([code, meaning]) => [Number(code), meaning]))
    expect(rows.map(([code]) => code)).toEqual([...new Set(Object.values(ExitCode))].sort((a, b) => a - b))
  })

  // The --json error types' table: test/cli/readme-errors.test.ts.
})

describe('--json error types', () => {
  // Spelled out: renaming one breaks scripts that read --json, so it must break this test first.
  it.each([
    [new UsageError('u'), 'UsageError', 2],
    [new YamlSyntaxError('f', { line: 1, col: 1 }, 'r', ''), 'YamlSyntaxError', 3],
    [new ValidationError('f', { line: 1, col: 1 }, 'p', 'a list', 'a map'), 'ValidationError', 3],
    [new FileError('f', 'no such file'), 'FileError', 3],
    [new InternalError('i'), 'InternalError', 1],
    [new ToolNotFoundError('kubectl', 'install it'), 'ToolNotFoundError', 4],
    [new ToolFailedError('helm', 1, 'boom'), 'ToolFailedError', 4],
    [new NoClusterError(), 'NoClusterError', 4],
    [new PreflightError([{ message: 'm' }]), 'PreflightError', 3],
    [new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), 'UsageError', 2],
    [new TypeError('a bug'), 'InternalError', 1],
  ])('%s is %s (exit %i)', (err: Error, type, exitCode) => {
    expect(errorJson(err)).toMatchObject({ type, exitCode })
    // cfpull's own errors carry the name in stacks too.
    if (!(err instanceof CommanderError) && !(err instanceof TypeError)) expect(err.name).toBe(type)
  })

  it('the bundled CLI (dist) says the same names', async () => {
    const file = values()
    const r = await execa(
      process.execPath,
      [join(repo, 'bin/cfpull.js'), 'doctor', '-f', file, '--cluster', '--secret', 'my-credential', '--json'],
      { reject: false, env: { CFPULL_KUBECTL: '/nonexistent/kubectl', NO_COLOR: '1' }, extendEnv: false },
    )
    expect(r.exitCode).toBe(4)
    expect(JSON.parse(r.stdout).error).toEqual({
      type: 'ToolNotFoundError',
      exitCode: 4,
      message: '/nonexistent/kubectl not found',
      hint: 'install it (https://kubernetes.io/docs/tasks/tools/) or point CFPULL_KUBECTL at it',
    })
  })
})

describe('the --json envelope', () => {
  it.each([
    [['patch', 'v.yaml', '-s', 'a', '--bogus', '--json'], 'patch', "unknown option '--bogus'"],
    [
      ['patch', 'v.yaml', '--secret', 'a,,b', '--json'],
      'patch',
      "option '-s, --secret <name>' argument 'a,,b' is invalid. a name in the list is empty",
    ],
    [
      ['patch', 'v.yaml', '--json'],
      'patch',
      "required option '-s, --secret <name>' not specified (or give --registry HOST/PATH to move the images only)",
    ],
    [
      ['patch', 'v.yaml', '-s', 'a', '--services', 'consle', '--json'],
      'patch',
      'consle is not a service of chart 2.0.0-dev35; did you mean console?',
    ],
    [
      ['create-secret', '--name', 'x', '--json', '-o', 'yaml'],
      'create-secret',
      '--json prints the report; -o prints manifests: choose one',
    ],
    [['create-secret', '--json'], 'create-secret', "required option '--name <name>' not specified"],
    [
      ['apply', '-n', 'spaceone', '--restart', 'never', '--json'],
      'apply',
      "option '--restart <mode>' argument 'never' is invalid. Allowed choices are auto, delete, rollout, none.",
    ],
    [['doctor', '--bogus', '--json'], 'doctor', "unknown option '--bogus'"],
    [['bogus', '--json'], null, "unknown command 'bogus'"],
  ])('usage error %j: one document naming the command', async (args, command, message) => {
    const r = await runCli(args)
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual({
      command,
      exitCode: 2,
      ok: false,
      error: { type: 'UsageError', exitCode: 2, message },
    })
    // The one line a CI log shows stays on stderr.
    expect(r.stderr.split('\n')[0]).toBe(`error: ${message}`)
  })

  it('every command document starts with command, exitCode, ok', async () => {
    const file = values()
    const docs = await Promise.all([
      runCli(['patch', file, '-s', 'my-credential', '--check', '--json']),
      runCli(['doctor', '-f', file, '--json']),
      runCli(
        ['create-secret', '--name', 'my-credential', '--docker-username', 'r', '--values', file, '--dry-run', '--json'],
        {
          env: { CFPULL_REGISTRY_PASSWORD: 'pw' },
        },
      ),
      runCli(['apply', '-n', 'spaceone', '-f', file, '--json'], { env: { CFPULL_KUBECTL: '/nonexistent/kubectl' } }),
    ])
    expect(docs.map((d) => Object.keys(JSON.parse(d.stdout)).slice(0, 3))).toEqual([
      ['command', 'exitCode', 'ok'],
      ['command', 'exitCode', 'ok'],
      ['command', 'exitCode', 'ok'],
      ['command', 'exitCode', 'ok'],
    ])
    expect(docs.map((d) => JSON.parse(d.stdout).command)).toEqual(['patch', 'doctor', 'create-secret', 'apply'])
    // A run that an error stopped carries it where every document does.
    const apply = JSON.parse(docs[3].stdout)
    expect([apply.ok, apply.exitCode, apply.error.type]).toEqual([false, 4, 'ToolNotFoundError'])
  })
})

describe('a missing tool is exit 4 in every command', () => {
  const kubectlMissing = { CFPULL_KUBECTL: '/nonexistent/kubectl' }

  it('create-secret', async () => {
    const r = await runCli(
      ['create-secret', '--name', 'my-credential', '--docker-username', 'r', '--password-stdin', '-n', 'spaceone'],
      { env: kubectlMissing, stdin: 'pw\n' },
    )
    expect(r).toEqual({
      code: 4,
      stdout: 'Secret my-credential (password from stdin) → namespace spaceone\n',
      stderr:
        'error: /nonexistent/kubectl not found\nhint: install it (https://kubernetes.io/docs/tasks/tools/) or point CFPULL_KUBECTL at it\n',
    })
  })

  it('doctor --cluster, after the offline report', async () => {
    const r = await runCli(['doctor', '-f', values(), '--cluster', '--secret', 'my-credential'], {
      env: kubectlMissing,
    })
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(
      'error: /nonexistent/kubectl not found\nhint: install it (https://kubernetes.io/docs/tasks/tools/) or point CFPULL_KUBECTL at it\n',
    )
  })

  it('apply, also when its preflight finds other problems with it', async () => {
    const dir = tempDir()
    const broken = join(dir, 'values.yaml')
    writeFileSync(broken, 'console: [\n')
    for (const file of [values(), broken]) {
      const r = await runCli(['apply', '-n', 'spaceone', '-f', file], {
        env: { ...kubectlMissing, CFPULL_HELM: toolPath('helm') },
      })
      expect(r.code, file).toBe(4)
      expect(r.stdout).toMatch(/^✖ preflight \(\d+\.\ds\)\n$/)
      // The other problems depend on the preflight's other checks; the tool's error and the code do not.
      expect(r.stderr).toMatch(
        /^error: \/nonexistent\/kubectl not found\nhint: install it \(https:\/\/kubernetes.io\/docs\/tasks\/tools\/\) or point CFPULL_KUBECTL at it\npreflight found \d+ problems?; nothing was changed\n/,
      )
      expect(r.stderr).toContain(
        '\n  ✖ /nonexistent/kubectl not found: install kubectl or point CFPULL_KUBECTL at it\n',
      )
      if (file === broken) expect(r.stderr).toContain('the flow sequence that opens here with [ is never closed')
    }
  })
})

describe('no cluster configured', () => {
  // No kubeconfig anywhere: HOME without ~/.kube, no KUBECONFIG, not inside a pod.
  beforeEach(() => {
    const home = tempDir()
    vi.stubEnv('HOME', home)
    vi.stubEnv('KUBECONFIG', '')
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '')
    vi.stubEnv('KUBECACHEDIR', join(home, 'cache'))
  })
  afterEach(() => vi.unstubAllEnvs())

  const tools = { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm') }
  const NO_CLUSTER = 'error: no cluster configured (KUBECONFIG / --kubeconfig / --context)\n'

  it('create-secret: one error for all namespaces', async () => {
    const r = await runCli(
      ['create-secret', '--name', 'my-credential', '--docker-username', 'r', '--password-stdin', '--values', example],
      { env: tools, stdin: 'pw\n' },
    )
    expect(r).toEqual({
      code: 4,
      stdout: 'Secret my-credential (password from stdin) → namespaces cloudforet, cloudforet-plugin\n',
      stderr: NO_CLUSTER,
    })
  })

  it('doctor --cluster still prints the offline part', async () => {
    const file = values()
    expect((await runCli(['patch', file, '-s', 'my-credential', '-q'])).code).toBe(0)
    const offline = await runCli(['doctor', '-f', file, '--secret', 'my-credential'], { env: tools })
    const r = await runCli(['doctor', '-f', file, '--secret', 'my-credential', '--cluster'], { env: tools })
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(NO_CLUSTER)
    // Everything the offline run says, but its verdict: the cluster part is missing.
    expect(offline.code).toBe(0)
    const lines = offline.stdout.trimEnd().split('\n')
    expect(lines.at(-1)).toBe('✔ nothing stops images from pulling')
    expect(r.stdout).toBe(
      [
        `${lines[0]} + cluster: release cloudforet in namespace spaceone (from the default)`,
        ...lines.slice(1, -1),
        'the cluster was not asked (see the error)',
        '',
      ].join('\n'),
    )
    expect(r.stdout).toContain('  console             yes      ')
  })

  it('apply: the one line, and helm never reaches localhost:8080 in the output', async () => {
    const r = await runCli(['apply', '-n', 'spaceone', '-f', values(), '--json'], { env: tools })
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(NO_CLUSTER)
    expect(r.stderr + r.stdout).not.toContain('localhost:8080')
    expect(JSON.parse(r.stdout).error).toEqual({
      type: 'NoClusterError',
      exitCode: 4,
      message: 'no cluster configured (KUBECONFIG / --kubeconfig / --context)',
    })
    expect(r.stdout).not.toContain('localhost:8080')
  })

  it('a kubeconfig that really names localhost:8080 keeps its own error', async () => {
    const dir = tempDir()
    const kubeconfig = join(dir, 'kubeconfig')
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://localhost:8080"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    )
    const r = await runCli(
      ['doctor', '-f', values(), '--secret', 'my-credential', '--cluster', '--kubeconfig', kubeconfig],
      {
        env: tools,
      },
    )
    expect(r.code).toBe(4)
    expect(r.stderr).not.toContain('no cluster configured')
    expect(r.stderr).toContain('localhost:8080')
  })
})
