import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  applyCommand,
  commandLine,
  helmCommand,
  sameApplyCommand,
  type ApplyInvocation,
  createSecretCommand,
  patchCommand,
  shellQuote,
  type FixContext,
} from '../../src/core/fix-command.js'

// Every printed line is checked by the shells users paste into: dash (Debian's sh), bash and zsh.
const SHELLS = ['sh', 'bash', 'zsh']

// A line run with each command word replaced by a function that prints its argv, NUL-separated.
// What the function receives is what the real tool would have received.
const STUBS = `cfpull() { printf '%s\\0' cfpull "$@"; }; kubectl() { printf '%s\\0' kubectl "$@"; }; helm() { printf '%s\\0' helm "$@"; }; `

function runIn(shell: string, line: string, env: Record<string, string> = {}) {
  // stdin is not a socket: bash would take the line for one from sshd and read ~/.bashrc.
  const r = spawnSync(shell, ['-c', STUBS + line], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  })
  if (r.error) throw new Error(`${shell} is missing: scripts/setup-system.sh installs it (${r.error.message})`)
  return { code: r.status, argv: r.stdout.toString().split('\0').slice(0, -1), stderr: r.stderr.toString() }
}

function syntaxOk(shell: string, line: string): number | null {
  return spawnSync(shell, ['-n', '-c', line], { stdio: 'ignore' }).status
}

const ctx: FixContext = {
  files: ['/srv/my values/values.yaml'],
  chart: { source: 'flag', version: '1.12.16' },
  secrets: ['my-credential'],
  kubeconfig: '/home/ops/my cluster/kube config',
  context: "prod's",
}

describe('shellQuote', () => {
  it.each([
    ['plain', 'my-credential'],
    ['a path', '/srv/cf/values.yaml'],
    ['a host and port', '127.0.0.1:5000'],
    ['a list', 'identity,secret'],
    ['a flag with a value', '--timeout=10m'],
  ])('leaves %s bare, so plain lines stay readable', (_what, arg) => expect(shellQuote(arg)).toBe(arg))

  it.each([
    ['a space', 'my cluster/kube config', "'my cluster/kube config'"],
    ['a single quote', "prod's", "'prod'\\''s'"],
    ['the empty string', '', "''"],
    ['a tilde', '~/kube', "'~/kube'"],
    ['a variable', '$HOME/x', "'$HOME/x'"],
    ['a glob', 'values*.yaml', "'values*.yaml'"],
    ['a redirection', '<release namespace>x', "'<release namespace>x'"],
    ['a leading = (zsh expands =cmd)', '=ls', "'=ls'"],
    ['a semicolon', 'a;rm -rf x', "'a;rm -rf x'"],
    ['a newline', 'a\nb', "'a\nb'"],
  ])('quotes %s', (_what, arg, quoted) => expect(shellQuote(arg)).toBe(quoted))

  it.each([
    ['<registry>', '"${REGISTRY:?set REGISTRY to your registry host}"'],
    ['<user>', '"${REGISTRY_USER:?set REGISTRY_USER to your registry user name}"'],
    ['<name>', '"${SECRET_NAME:?set SECRET_NAME to the pull Secret name}"'],
    ['<release namespace>', '"${RELEASE_NAMESPACE:?set RELEASE_NAMESPACE to the Helm release namespace}"'],
    ['<version>', '"${CHART_VERSION:?set CHART_VERSION to the spaceone chart version}"'],
    ['<region>', '"${AWS_REGION:?set AWS_REGION to the region of your ECR registry}"'],
  ])('writes the placeholder %s as a variable that must be set', (token, printed) =>
    expect(shellQuote(token)).toBe(printed),
  )

  it('treats names of Object.prototype as plain words, not placeholders', () => {
    expect(shellQuote('constructor')).toBe('constructor')
    expect(shellQuote('__proto__')).toBe('__proto__')
  })
})

describe('printed lines, run by a real shell', () => {
  const awkward = [
    'cfpull',
    'patch',
    '/tmp/my values/values.yaml',
    "it's",
    '',
    '$(touch /tmp/cfpull-never)',
    '`id`',
    '*',
    '~',
    '=ls',
    'a\nb',
    'back\\slash',
    '"double"',
    '한글.yaml',
    '-n',
    'spaceone',
  ]
  for (const shell of SHELLS)
    it(`${shell} receives exactly the argv that was quoted`, () => {
      const line = commandLine(awkward)
      expect(syntaxOk(shell, line)).toBe(0)
      expect(runIn(shell, line)).toEqual({ code: 0, argv: awkward, stderr: '' })
    })

  it('a kubeconfig path with a space and a context with a quote reach cfpull as one argument each', () => {
    const line = createSecretCommand(ctx, 'my-credential', { namespaces: ['cloudforet'], server: 'harbor.example.com' })
    expect(line).toBe(
      "cfpull create-secret --name my-credential -n cloudforet --docker-server harbor.example.com --docker-username \"${REGISTRY_USER:?set REGISTRY_USER to your registry user name}\" --password-stdin --kubeconfig '/home/ops/my cluster/kube config' --context 'prod'\\''s'",
    )
    for (const shell of SHELLS)
      expect(runIn(shell, line, { REGISTRY_USER: 'robot' }), shell).toEqual({
        code: 0,
        argv: [
          'cfpull',
          'create-secret',
          '--name',
          'my-credential',
          '-n',
          'cloudforet',
          '--docker-server',
          'harbor.example.com',
          '--docker-username',
          'robot',
          '--password-stdin',
          '--kubeconfig',
          '/home/ops/my cluster/kube config',
          '--context',
          "prod's",
        ],
        stderr: '',
      })
  })

  it('a pasted placeholder stops the line with its message instead of being read as a redirection', () => {
    const line = createSecretCommand(ctx, 'my-credential')
    expect(line).toBe(
      "cfpull create-secret --name my-credential --docker-server \"${REGISTRY:?set REGISTRY to your registry host}\" --docker-username \"${REGISTRY_USER:?set REGISTRY_USER to your registry user name}\" --password-stdin --kubeconfig '/home/ops/my cluster/kube config' --context 'prod'\\''s'",
    )
    const dash = runIn('sh', line)
    expect(dash).toEqual({ code: 2, argv: [], stderr: 'sh: 1: REGISTRY: set REGISTRY to your registry host\n' })
    const bash = runIn('bash', line)
    expect(bash).toEqual({
      code: 127,
      argv: [],
      stderr: 'bash: line 1: REGISTRY: set REGISTRY to your registry host\n',
    })
    const zsh = runIn('zsh', line)
    expect(zsh).toEqual({ code: 1, argv: [], stderr: 'zsh:1: REGISTRY: set REGISTRY to your registry host\n' })
    // Set, the line runs as is: no file named "registry>" or "user>" appears, nothing is read from one.
    for (const shell of SHELLS)
      expect(runIn(shell, line, { REGISTRY: 'harbor.example.com', REGISTRY_USER: 'robot' }).argv.slice(0, 9)).toEqual([
        'cfpull',
        'create-secret',
        '--name',
        'my-credential',
        '--docker-server',
        'harbor.example.com',
        '--docker-username',
        'robot',
        '--password-stdin',
      ])
  })

  it('patch without a known secret name asks for SECRET_NAME; apply without a release namespace for RELEASE_NAMESPACE', () => {
    const patch = patchCommand({ ...ctx, secrets: [] })
    expect(patch).toBe(
      'cfpull patch \'/srv/my values/values.yaml\' --secret "${SECRET_NAME:?set SECRET_NAME to the pull Secret name}" --chart-version 1.12.16',
    )
    expect(runIn('sh', patch).stderr).toBe('sh: 1: SECRET_NAME: set SECRET_NAME to the pull Secret name\n')
    expect(runIn('sh', patch, { SECRET_NAME: 'my-credential' }).argv).toEqual([
      'cfpull',
      'patch',
      '/srv/my values/values.yaml',
      '--secret',
      'my-credential',
      '--chart-version',
      '1.12.16',
    ])
    const apply = applyCommand(ctx)
    expect(runIn('sh', apply).stderr).toBe(
      'sh: 1: RELEASE_NAMESPACE: set RELEASE_NAMESPACE to the Helm release namespace\n',
    )
    expect(runIn('sh', apply, { RELEASE_NAMESPACE: 'spaceone' }).argv).toEqual([
      'cfpull',
      'apply',
      '-n',
      'spaceone',
      '-f',
      '/srv/my values/values.yaml',
      '--version',
      '1.12.16',
      '--context',
      "prod's",
      '--kubeconfig',
      '/home/ops/my cluster/kube config',
    ])
  })
})

// Issue 24, item 6: a fix line repeats the run that printed it with one change, and nothing else
// changed. Following "drops values" without --no-pull-check, or "registry unreachable" without
// --reuse-values, looped for ever.
describe('the same apply run, changed', () => {
  const given: ApplyInvocation = {
    namespace: 'spaceone',
    values: '/srv/my values/values.yaml',
    release: 'cloudforet',
    chart: 'cloudforet/spaceone',
    restart: 'auto',
    recreatePlugins: false,
    timeout: '10m',
    dryRun: false,
    allowUnpatched: false,
    pullCheck: true,
    registryCa: '/srv/my ca.pem',
    kubeconfig: '/home/ops/my cluster/kube config',
    context: "prod's",
    helmArgs: [],
  }
  const cluster =
    "--registry-ca '/srv/my ca.pem' --context 'prod'\\''s' --kubeconfig '/home/ops/my cluster/kube config'"

  it('"drops values" after --no-pull-check keeps --no-pull-check, the CA and the cluster', () => {
    expect(sameApplyCommand({ ...given, pullCheck: false }, { reuseValues: true })).toBe(
      `cfpull apply -n spaceone -f '/srv/my values/values.yaml' --reuse-values --no-pull-check ${cluster}`,
    )
  })

  it('"registry unreachable" after --reuse-values keeps --reuse-values', () => {
    expect(sameApplyCommand({ ...given, reuseValues: true }, { pullCheck: false })).toBe(
      `cfpull apply -n spaceone -f '/srv/my values/values.yaml' --reuse-values --no-pull-check ${cluster}`,
    )
  })

  it('choosing --reuse-values drops a --reset-values given before (they exclude each other), and back', () => {
    expect(sameApplyCommand({ ...given, resetValues: true }, { reuseValues: true })).toContain(' --reuse-values ')
    expect(sameApplyCommand({ ...given, resetValues: true }, { reuseValues: true })).not.toContain('--reset-values')
    expect(sameApplyCommand({ ...given, reuseValues: true }, { resetValues: true })).not.toContain('--reuse-values')
  })

  it('every option, each away from its default, is on the line, and a shell hands each one over whole', () => {
    const every: Required<ApplyInvocation> = {
      namespace: 'space one',
      values: '/srv/my values/values.yaml',
      release: 'cf',
      chart: './my chart',
      version: '1.12.16',
      restart: 'rollout',
      recreatePlugins: true,
      reuseValues: true,
      resetValues: false,
      timeout: '5m',
      dryRun: true,
      allowUnpatched: true,
      forceGitopsOwner: true,
      pullCheck: false,
      registryCa: '/srv/my ca.pem',
      onlyPresent: true,
      services: ['console', 'identity'],
      exclude: ['mongodb'],
      context: "prod's",
      kubeconfig: '/home/ops/my cluster/kube config',
      helmArgs: ['--set', 'a=b c'],
    }
    const line = sameApplyCommand(every)
    expect(line).toBe(
      "cfpull apply -n 'space one' -f '/srv/my values/values.yaml' --release cf --chart './my chart' --version 1.12.16 --restart rollout --recreate-plugins --reuse-values --timeout 5m --allow-unpatched --force-gitops-owner --no-pull-check --registry-ca '/srv/my ca.pem' --only-present --services console,identity --exclude mongodb --dry-run --context 'prod'\\''s' --kubeconfig '/home/ops/my cluster/kube config' -- --set 'a=b c'",
    )
    for (const shell of SHELLS)
      expect(runIn(shell, line).argv, shell).toEqual([
        'cfpull',
        'apply',
        '-n',
        'space one',
        '-f',
        '/srv/my values/values.yaml',
        '--release',
        'cf',
        '--chart',
        './my chart',
        '--version',
        '1.12.16',
        '--restart',
        'rollout',
        '--recreate-plugins',
        '--reuse-values',
        '--timeout',
        '5m',
        '--allow-unpatched',
        '--force-gitops-owner',
        '--no-pull-check',
        '--registry-ca',
        '/srv/my ca.pem',
        '--only-present',
        '--services',
        'console,identity',
        '--exclude',
        'mongodb',
        '--dry-run',
        '--context',
        "prod's",
        '--kubeconfig',
        '/home/ops/my cluster/kube config',
        '--',
        '--set',
        'a=b c',
      ])
  })

  it('helm status and rollback lines carry -n, --kubeconfig and --kube-context (helm spells it so)', () => {
    expect(helmCommand(ctx, 'spaceone', ['status', 'cloudforet'])).toBe(
      "helm status cloudforet -n spaceone --kubeconfig '/home/ops/my cluster/kube config' --kube-context 'prod'\\''s'",
    )
    const rollback = helmCommand(ctx, 'spaceone', ['rollback', 'cloudforet', '3'])
    expect(runIn('sh', rollback).argv).toEqual([
      'helm',
      'rollback',
      'cloudforet',
      '3',
      '-n',
      'spaceone',
      '--kubeconfig',
      '/home/ops/my cluster/kube config',
      '--kube-context',
      "prod's",
    ])
  })
})
