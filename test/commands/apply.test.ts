import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startFakeApiServer, type FakeApiServer } from '../helpers/fake-apiserver.js'
import { helmReleaseSecret } from '../helpers/helm-release.js'
import { writeKubeconfig } from '../helpers/kubeconfig.js'
import { recordingRunner, type RecordedCall } from '../helpers/recording-runner.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

// Real helm and kubectl against the loopback API server: helm upgrade renders the test chart
// and writes its Deployments and release record there, kubectl deletes and restarts.
const chart = join(import.meta.dirname, '../fixtures/chart')
let api: FakeApiServer
let dir: string
let kubeconfig: string
let values: string

// Plugins run where the connector says; without it the chart default (spaceone-plugin) applies.
const connectorNamespace =
  'supervisor:\n  application_scheduler:\n    CONNECTORS:\n      KubernetesConnector:\n        namespace: cloudforet-plugin\n'
const dockerSecret = (namespace: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'my-credential', namespace },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
})
const pod = (namespace: string, name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'c', image: 'x' }] },
})
const pluginDeployment = (name: string, secrets: string[]) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'cloudforet-plugin', labels: { supervisor_name: 'root', plugin_id: name } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { plugin_id: name } },
    template: {
      metadata: { labels: { plugin_id: name } },
      spec: {
        containers: [{ name: 'p', image: 'x' }],
        ...(secrets.length && { imagePullSecrets: secrets.map((s) => ({ name: s })) }),
      },
    },
  },
})

beforeEach(async () => {
  dir = tempDir()
  for (const [k, v] of Object.entries({
    KUBECACHEDIR: 'kcache',
    HELM_CACHE_HOME: 'hc',
    HELM_CONFIG_HOME: 'hg',
    HELM_DATA_HOME: 'hd',
  }))
    vi.stubEnv(k, join(dir, v))
  api = await startFakeApiServer({ namespaces: ['default', 'spaceone', 'cloudforet', 'cloudforet-plugin'] })
  kubeconfig = writeKubeconfig(dir, api.url)
  api.seed(
    helmReleaseSecret({ release: 'cloudforet', namespace: 'spaceone', chart: 'spaceone-mini', version: '0.1.0' }),
  )
  api.seed(dockerSecret('cloudforet'))
  api.seed(dockerSecret('cloudforet-plugin'))
  api.seed(pod('cloudforet', 'console-7d4b9', { 'app.kubernetes.io/instance': 'cloudforet' }))
  api.seed(pod('cloudforet', 'identity-5f6c8', { 'app.kubernetes.io/instance': 'cloudforet' }))
  api.seed(pod('cloudforet', 'mongodb-0', { app: 'mongodb' }))
  api.seed(pluginDeployment('plugin-aws-ec2-inven', []))
  api.seed(pluginDeployment('plugin-google-cloud-inven', ['my-credential']))
  values = join(dir, 'values.yaml')
  writeFileSync(values, readFileSync(join(chart, 'override.yaml'), 'utf8') + connectorNamespace)
  expect((await runCli(['patch', values, '--secret', 'my-credential', '-q'])).code).toBe(0)
})
afterEach(async () => {
  vi.unstubAllEnvs()
  await api.close()
})

async function apply(args: string[]): Promise<{ code: number; stdout: string; stderr: string; calls: RecordedCall[] }> {
  const rec = recordingRunner()
  const r = await runCli(
    ['apply', '-n', 'spaceone', '-f', values, '--chart', chart, '--kubeconfig', kubeconfig, ...args],
    {
      run: rec.run,
      env: { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm') },
    },
  )
  return { ...r, calls: rec.calls }
}

const writes = () =>
  api.requests.filter((r) => !['GET', 'HEAD'].includes(r.method) && !r.path.includes('selfsubjectaccessreviews'))
const tidy = (s: string) =>
  s
    .replaceAll(dir, '<tmp>')
    .replaceAll(chart, '<chart>')
    .replaceAll(toolPath('kubectl'), 'kubectl')
    .replaceAll(toolPath('helm'), 'helm')
    .replace(/\(\d+\.\ds\)/g, '(t)')

describe('cfpull apply', () => {
  it('--dry-run runs the preflight and prints every command, changing nothing', async () => {
    const r = await apply(['--dry-run'])
    expect(r.code, r.stderr).toBe(0)
    expect(writes()).toEqual([])
    expect(tidy(r.stdout)).toBe(
      [
        '✔ preflight (t): keeping chart spaceone-mini-0.1.0 (deployed; --version to change); secrets my-credential in cloudforet, cloudforet-plugin',
        'Would run, in order:',
        '  helm upgrade cloudforet <chart> -n spaceone -f <tmp>/values.yaml --version 0.1.0 --timeout 10m --kubeconfig <tmp>/kubeconfig',
        '  kubectl --kubeconfig <tmp>/kubeconfig delete pod -n cloudforet -l app.kubernetes.io/instance=cloudforet',
        '  kubectl --kubeconfig <tmp>/kubeconfig delete pod -n cloudforet-plugin -l app.kubernetes.io/instance=cloudforet',
        '  kubectl --kubeconfig <tmp>/kubeconfig get deployment -n cloudforet-plugin -l supervisor_name -o json',
        '',
      ].join('\n'),
    )
    expect(tidy(r.stderr)).toBe(
      'warning: chart version 0.1.0 is not one cfpull knows: checking services against 2.0.0-dev35\n',
    )
  })

  it('--dry-run on the bundled example prints exactly the commands that would run', async () => {
    writeFileSync(values, readFileSync(join(import.meta.dirname, '../../examples/values.yaml'), 'utf8'))
    expect((await runCli(['patch', values, '--secret', 'my-credential', '-q'])).code).toBe(0)
    api.seed(
      helmReleaseSecret({
        release: 'cloudforet',
        namespace: 'spaceone',
        chart: 'spaceone',
        version: '2.0.0-dev35',
        revision: 2,
      }),
    )
    const r = await apply([
      '--dry-run',
      '--restart',
      'rollout',
      '--recreate-plugins',
      '--version',
      '2.0.0-dev35',
      '--',
      '--atomic',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    expect(writes()).toEqual([])
    expect(tidy(r.stdout)).toBe(
      [
        '✔ preflight (t): chart spaceone-2.0.0-dev35; secrets my-credential in cloudforet, cloudforet-plugin',
        'Would run, in order:',
        '  helm upgrade cloudforet <chart> -n spaceone -f <tmp>/values.yaml --version 2.0.0-dev35 --timeout 10m --kubeconfig <tmp>/kubeconfig --atomic',
        '  kubectl --kubeconfig <tmp>/kubeconfig rollout restart deployment -n cloudforet -l app.kubernetes.io/instance=cloudforet',
        '  kubectl --kubeconfig <tmp>/kubeconfig rollout status deployment -n cloudforet -l app.kubernetes.io/instance=cloudforet --timeout=10m',
        '  kubectl --kubeconfig <tmp>/kubeconfig rollout restart deployment -n cloudforet-plugin -l app.kubernetes.io/instance=cloudforet',
        '  kubectl --kubeconfig <tmp>/kubeconfig rollout status deployment -n cloudforet-plugin -l app.kubernetes.io/instance=cloudforet --timeout=10m',
        '  kubectl --kubeconfig <tmp>/kubeconfig get deployment -n cloudforet-plugin -l supervisor_name -o json',
        '',
      ].join('\n'),
    )
  })

  it('upgrades, restarts the labelled pods in every namespace, and names stale plugin deployments', async () => {
    const r = await apply([])
    expect(r.code).toBe(0)
    // helm really upgraded: revision 2 exists and every rendered Deployment pulls with the secret.
    expect(api.get('Secret', 'spaceone', 'sh.helm.release.v1.cloudforet.v2')).toBeTruthy()
    for (const name of ['console', 'identity', 'identity-scheduler', 'repository', 'mongodb'])
      expect(api.get('Deployment', 'cloudforet', name).spec.template.spec.imagePullSecrets, name).toEqual([
        { name: 'my-credential' },
      ])
    expect(api.get('Pod', 'cloudforet', 'console-7d4b9')).toBeUndefined()
    expect(api.get('Pod', 'cloudforet', 'identity-5f6c8')).toBeUndefined()
    expect(api.get('Pod', 'cloudforet', 'mongodb-0')).toBeTruthy()
    expect(api.get('Deployment', 'cloudforet-plugin', 'plugin-aws-ec2-inven')).toBeTruthy()
    const upgrade = r.calls.find((c) => c.args[0] === 'upgrade')!
    expect(upgrade.args).toEqual([
      'upgrade',
      'cloudforet',
      chart,
      '-n',
      'spaceone',
      '-f',
      values,
      '--version',
      '0.1.0',
      '--timeout',
      '10m',
      '--kubeconfig',
      kubeconfig,
    ])
    const out = tidy(r.stdout)
    expect(out).toContain('✔ helm upgrade (t): cloudforet upgraded with chart spaceone-mini-0.1.0\n')
    expect(out).toContain('✔ restart cloudforet (t): 2 pods deleted\n')
    expect(out).toContain(
      'ℹ pods without app.kubernetes.io/instance (mongodb in chart 1.12 and 2.x) are not restarted: delete them by hand if they must pull again\n',
    )
    expect(out).toMatch(/✔ cloudforet upgraded \(chart 0\.1\.0\) in \d+\.\ds\n$/)
    expect(out).toContain(
      '⚠ plugins cloudforet-plugin (t): 1 of 2 plugin deployments lack my-credential: plugin-aws-ec2-inven\n',
    )
    expect(r.stderr).toContain(
      'warning: plugin deployments plugin-aws-ec2-inven in cloudforet-plugin were created without my-credential and the supervisor reuses existing deployments: run again with --recreate-plugins',
    )
  })

  it('--recreate-plugins deletes only plugin deployments without the secret', async () => {
    const r = await apply(['--recreate-plugins', '--restart', 'none'])
    expect(r.code).toBe(0)
    expect(api.get('Deployment', 'cloudforet-plugin', 'plugin-aws-ec2-inven')).toBeUndefined()
    expect(api.get('Deployment', 'cloudforet-plugin', 'plugin-google-cloud-inven')).toBeTruthy()
    expect(api.get('Pod', 'cloudforet', 'console-7d4b9')).toBeTruthy()
    expect(r.stdout).toContain('plugins cloudforet-plugin')
    expect(r.stdout).toContain('deleted plugin-aws-ec2-inven; the supervisor recreates them with my-credential')
  })

  it('--restart rollout restarts the release deployments and waits for them', async () => {
    const r = await apply(['--restart', 'rollout', '--timeout', '30s'])
    expect(r.code).toBe(0)
    expect(
      api.get('Deployment', 'cloudforet', 'console').spec.template.metadata.annotations[
        'kubectl.kubernetes.io/restartedAt'
      ],
    ).toBeTruthy()
    expect(api.get('Pod', 'cloudforet', 'console-7d4b9')).toBeTruthy()
    expect(tidy(r.stdout)).toContain(
      '✔ restart cloudforet (t): 4 deployments restarted and ready\n✔ restart cloudforet-plugin (t): 1 deployment restarted and ready\n',
    )
  })

  it('reports every preflight problem at once with its fix, exit 3, nothing changed', async () => {
    api.objects.delete('Secret/cloudforet-plugin/my-credential')
    writeFileSync(
      values,
      readFileSync(join(chart, 'override.yaml'), 'utf8') +
        connectorNamespace +
        'console-api:\n  imagePullSecrets:\n    - name: my-credential\n',
    )
    const r = await apply(['--release', 'nope'])
    expect(r.code).toBe(3)
    expect(writes()).toEqual([])
    expect(tidy(r.stderr)).toBe(
      [
        'error: preflight found 3 problems; nothing was changed',
        '  ✖ release nope not found in namespace spaceone: cfpull apply upgrades an existing release and never installs one',
        '    fix: helm install nope <chart> -n spaceone -f <tmp>/values.yaml',
        '  ✖ <tmp>/values.yaml is not fully patched: 23 places lack my-credential (board.imagePullSecrets, config.imagePullSecrets, console.imagePullSecrets, console-api-v2.imagePullSecrets, …); pass --allow-unpatched to go on anyway',
        '    fix: cfpull patch <tmp>/values.yaml --secret my-credential --chart-version 2.0.0-dev35',
        '  ✖ Secret my-credential is missing in namespace cloudforet-plugin',
        '    fix: cfpull create-secret --name my-credential --values <tmp>/values.yaml -n spaceone --docker-server <registry> --docker-username <user> --password-stdin',
        '',
      ].join('\n'),
    )
  })

  it('a failing helm upgrade is exit 4 naming the step, and nothing after it runs', async () => {
    api.failNext({ method: 'POST', pathIncludes: '/secrets' }, 500, 'InternalError', 'etcd is down')
    const r = await apply(['--json'])
    expect(r.code).toBe(4)
    const doc = JSON.parse(r.stdout)
    expect(doc.steps.map((s: { name: string; status: string }) => `${s.name} ${s.status}`)).toEqual([
      'preflight ok',
      'helm upgrade failed',
    ])
    expect(doc.steps[1].error).toMatchObject({
      type: 'ToolFailedError',
      exitCode: 4,
      message: expect.stringMatching(/^helm upgrade: helm exited with 1: .*etcd is down/),
    })
    expect(doc.steps[1].commands[0].slice(1, 3)).toEqual(['upgrade', 'cloudforet'])
    expect(api.get('Pod', 'cloudforet', 'console-7d4b9')).toBeTruthy()
  })

  it('without kubectl and helm, the preflight says so for both', async () => {
    const r = await runCli(['apply', '-n', 'spaceone', '-f', values], {
      env: { CFPULL_KUBECTL: join(dir, 'no-kubectl'), CFPULL_HELM: join(dir, 'no-helm') },
    })
    expect(r.code).toBe(3)
    expect(tidy(r.stderr)).toContain(
      '  ✖ <tmp>/no-kubectl not found: install kubectl or point CFPULL_KUBECTL at it\n  ✖ <tmp>/no-helm not found: install helm or point CFPULL_HELM at it\n',
    )
  })
})
