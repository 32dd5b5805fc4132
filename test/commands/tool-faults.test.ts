import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { startCluster } from '../helpers/cluster.js'
import type { FakeApiServer } from '../helpers/fake-apiserver.js'
import { pullSecret } from '../helpers/pull-secret.js'
import { runCli } from '../helpers/run-cli.js'
import { toolPath } from '../helpers/tools.js'

// Fault injection: small stand-in scripts that hang, die by a signal or print garbage at one
// chosen call, delegating every other call to the real pinned tool.
let dir: string
let api: FakeApiServer
let kubeconfig: string
let values: string

function tool(name: string, fault: string, real: string): string {
  const path = join(dir, name)
  writeFileSync(path, `#!/bin/sh\n${fault}\nexec ${JSON.stringify(real)} "$@"\n`)
  chmodSync(path, 0o755)
  return path
}
// The release as helm would report it (the chart is not downloadable here, so the render is empty).
const HELM_LIST = [
  `[ "$1" = history ] && { echo '[{"revision":1,"updated":"2026-01-01T00:00:00Z","status":"deployed","chart":"spaceone-2.0.0-dev35","app_version":"2.0.0-dev35","description":"Install complete"}]'; exit 0; }`,
  `[ "$1" = get ] && { echo '{}'; exit 0; }`,
  `[ "$1" = template ] && exit 0`,
].join('\n')

beforeEach(async () => {
  ;({ api, dir, kubeconfig } = await startCluster(['default', 'cloudforet', 'cloudforet-plugin']))
  for (const ns of ['cloudforet', 'cloudforet-plugin']) api.seed(pullSecret(ns, {}))
  values = join(dir, 'values.yaml')
  writeFileSync(values, readFileSync(join(import.meta.dirname, '../../examples/values.yaml'), 'utf8'))
  expect((await runCli(['patch', values, '-s', 'my-credential', '-q'])).code).toBe(0)
})

const apply = (env: Record<string, string>, extra: string[] = []) =>
  runCli(['apply', '-n', 'spaceone', '-f', values, '--kubeconfig', kubeconfig, ...extra], {
    env: { CFPULL_KUBECTL: toolPath('kubectl'), ...env },
  })
const noStack = (s: string) => expect(s).not.toMatch(/^\s+at /m)

describe('tool faults get one line, exit 4 and the step, never a stack trace', () => {
  it('helm running past --timeout is not killed: helm enforces its own timeout, a killed helm leaves a failed release', async () => {
    const helm = tool(
      'helm',
      `${HELM_LIST}\n[ "$1" = upgrade ] && { sleep 4; echo 'Error: UPGRADE FAILED: context deadline exceeded' >&2; exit 1; }`,
      toolPath('helm'),
    )
    const started = Date.now()
    const r = await apply({ CFPULL_HELM: helm }, ['--timeout', '1s'])
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000)
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(
      `error: helm upgrade: helm exited with 1: Error: UPGRADE FAILED: context deadline exceeded\n  helm upgrade ran and failed, so the release may be partly changed: helm status cloudforet -n spaceone --kubeconfig ${kubeconfig}; no step after it ran\n`,
    )
  })

  it('helm upgrade refused by an operation in progress: the hint is the rollback line itself, revision and cluster included', async () => {
    const helm = tool(
      'helm',
      `${HELM_LIST}\n[ "$1" = upgrade ] && { echo 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress' >&2; exit 1; }`,
      toolPath('helm'),
    )
    const r = await apply({ CFPULL_HELM: helm }, ['--context', 'fake'])
    expect(r.code).toBe(4)
    expect(r.stderr).toContain(
      `hint: a pending revision blocks the release: roll back to the deployed revision with helm rollback cloudforet 1 -n spaceone --kubeconfig ${kubeconfig} --kube-context fake\n`,
    )
  })

  // The real helm, with a repository config of its own that has no repository: the chart reference
  // names one helm does not have, as on a machine where `helm repo add` was never run.
  const noRepos = () =>
    tool(
      'helm',
      `export HELM_REPOSITORY_CONFIG=${JSON.stringify(join(dir, 'repositories.yaml'))} HELM_REPOSITORY_CACHE=${JSON.stringify(join(dir, 'repository'))}\n${HELM_LIST}`,
      toolPath('helm'),
    )

  it('helm upgrade of a chart whose repository helm does not have: the hint gives helm repo add and helm repo update', async () => {
    const r = await apply({ CFPULL_HELM: noRepos() })
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(
      `error: helm upgrade: helm exited with 1: Error: repo cloudforet not found\n` +
        'hint: helm has no repository named cloudforet; add it, then run the command again:\n' +
        '  helm repo add cloudforet https://cloudforet-io.github.io/charts\n' +
        '  helm repo update\n' +
        `  helm upgrade ran and failed, so the release may be partly changed: helm status cloudforet -n spaceone --kubeconfig ${kubeconfig}; no step after it ran\n`,
    )
  })

  it('helm upgrade of a chart from a repository cfpull does not know the URL of: the hint says what is missing', async () => {
    const r = await apply({ CFPULL_HELM: noRepos() }, ['--chart', 'mycharts/spaceone'])
    expect(r.code).toBe(4)
    expect(r.stderr).toContain(
      'hint: helm has no repository named mycharts: add it with helm repo add mycharts and its URL, then run helm repo update\n',
    )
  })

  it('helm killed by a signal', async () => {
    const helm = tool('helm', `${HELM_LIST}\n[ "$1" = upgrade ] && kill -9 $$`, toolPath('helm'))
    const r = await apply({ CFPULL_HELM: helm })
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(
      `error: helm upgrade: helm was killed by SIGKILL\n  helm upgrade ran and failed, so the release may be partly changed: helm status cloudforet -n spaceone --kubeconfig ${kubeconfig}; no step after it ran\n`,
    )
  })

  it('helm printing garbage instead of JSON', async () => {
    const helm = tool('helm', `[ "$1" = history ] && { echo 'Error: <html>proxy</html>'; exit 0; }`, toolPath('helm'))
    const r = await apply({ CFPULL_HELM: helm })
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(
      'error: helm history in namespace spaceone: helm printed something that is not JSON: "Error: <html>proxy</html>\\n"\n  nothing in the cluster was changed; no step after it ran\n',
    )
  })

  it('kubectl printing garbage instead of JSON', async () => {
    const helm = tool('helm', `${HELM_LIST}\n[ "$1" = upgrade ] && exit 0`, toolPath('helm'))
    const kubectl = tool(
      'kubectl',
      `for a in "$@"; do [ "$a" = supervisor_name ] && { echo 'not json'; exit 0; }; done`,
      toolPath('kubectl'),
    )
    const r = await apply({ CFPULL_HELM: helm, CFPULL_KUBECTL: kubectl }, ['--restart', 'none'])
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(
      'error: plugins cloudforet-plugin: list plugins: kubectl printed something that is not JSON: "not json\\n"\n  changed before it: helm upgrade; no step after it ran\n',
    )
    noStack(r.stderr)
  })

  it('--verbose adds the stack, and only then', async () => {
    const helm = tool('helm', `${HELM_LIST}\n[ "$1" = upgrade ] && kill -9 $$`, toolPath('helm'))
    const r = await apply({ CFPULL_HELM: helm }, ['--verbose'])
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/^\s+at /m)
  })
})

describe('API server faults through real kubectl (create-secret)', () => {
  const createSecret = () =>
    runCli(
      [
        'create-secret',
        '--name',
        'my-credential',
        '--docker-username',
        'robot',
        '--password-stdin',
        '-n',
        'cloudforet',
        '--kubeconfig',
        kubeconfig,
        '--no-verify',
      ],
      { stdin: 'pw', env: { CFPULL_KUBECTL: toolPath('kubectl') } },
    )

  it.each([
    [404, 'NotFound', 4],
    [409, 'Conflict', 4],
    [429, 'TooManyRequests', 0],
  ])('HTTP %i %s → exit %i', async (status, reason, code) => {
    api.failNext({ method: 'PATCH', pathIncludes: '/secrets/my-credential' }, status, reason, `${reason} for test`)
    const r = await createSecret()
    expect(r.code).toBe(code)
    noStack(r.stderr)
    if (code) expect(r.stderr).toMatch(/^error: apply in namespace cloudforet: kubectl exited with 1: .+/)
  })

  it('a dropped connection → exit 4 with a reachability hint', async () => {
    api.closeConnectionNext({ method: 'PATCH', pathIncludes: '/secrets/my-credential' })
    const r = await createSecret()
    expect(r.code).toBe(4)
    expect(r.stderr).toContain(
      'error: apply in namespace cloudforet: kubectl exited with 1: Unable to connect to the server: EOF',
    )
    expect(r.stderr).toContain('hint: kubectl cannot reach the API server')
    noStack(r.stderr)
  })

  it('kubectl missing → exit 4 saying how to fix it', async () => {
    const r = await runCli(
      ['create-secret', '--name', 'c', '--docker-username', 'u', '--password-stdin', '-n', 'cloudforet', '--no-verify'],
      { stdin: 'pw', env: { CFPULL_KUBECTL: join(dir, 'nope') } },
    )
    expect(r.code).toBe(4)
    // The read-only preflight is the first kubectl call, so nothing was attempted in the namespace.
    expect(r.stdout).toBe('Secret c (password from stdin) → namespace cloudforet\n')
    expect(r.stderr).toBe(
      `error: ${join(dir, 'nope')} not found\nhint: install it (https://kubernetes.io/docs/tasks/tools/) or point CFPULL_KUBECTL at it\n`,
    )
  })
})
