import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { cloudforetPod as pod, deploymentOf, startCluster } from '../helpers/cluster.js'
import type { FakeApiServer } from '../helpers/fake-apiserver.js'
import { kubectlEntry, pullSecret } from '../helpers/pull-secret.js'
import { recordingRunner } from '../helpers/recording-runner.js'
import { runCli } from '../helpers/run-cli.js'
import { toolPath } from '../helpers/tools.js'

const SENTINEL = 'Sentinel-Pa55-Zq9'
let api: FakeApiServer
let dir: string
let kubeconfig: string
let values: string

const secret = (namespace: string, registry: string, type = 'kubernetes.io/dockerconfigjson') =>
  pullSecret(namespace, { [registry]: kubectlEntry('robot', SENTINEL) }, { type })
const deployment = (namespace: string, name: string, labels: Record<string, string>, secrets: string[]) =>
  deploymentOf(namespace, name, labels, {
    containers: [{ name: 'c', image: 'x' }],
    ...(secrets.length && { imagePullSecrets: secrets.map((n) => ({ name: n })) }),
  })

beforeEach(async () => {
  ;({ api, dir, kubeconfig } = await startCluster(['default', 'cloudforet', 'cloudforet-plugin'], { helm: true }))
  values = join(dir, 'values.yaml')
  expect(
    (
      await runCli([
        'patch',
        join(import.meta.dirname, '../../examples/values.yaml'),
        '-s',
        'my-credential',
        '-o',
        values,
        '-q',
      ])
    ).code,
  ).toBe(0)
})

async function doctor(extra: string[] = []) {
  const rec = recordingRunner()
  const r = await runCli(['doctor', '-f', values, '--cluster', '--kubeconfig', kubeconfig, ...extra], {
    run: rec.run,
    env: { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm') },
  })
  return { ...r, calls: rec.calls }
}

describe('cfpull doctor --cluster (real kubectl, loopback API server)', () => {
  it('a healthy install: exit 0, the secret hosts listed, nothing else', async () => {
    api.seed(secret('cloudforet', 'harbor.example.com'))
    api.seed(secret('cloudforet-plugin', 'https://harbor.example.com/v2/'))
    api.seed(pod('cloudforet', 'console-1', 'harbor.example.com/cloudforet/console:2.0.1', ['my-credential']))
    api.seed(deployment('cloudforet', 'console', { 'app.kubernetes.io/instance': 'cloudforet' }, ['my-credential']))
    const r = await doctor(['--json'])
    expect(r.code, r.stdout).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.findings.filter((f: { severity: string }) => f.severity !== 'info')).toEqual([])
    expect(doc.cluster.secrets).toEqual([
      {
        namespace: 'cloudforet',
        name: 'my-credential',
        present: true,
        type: 'kubernetes.io/dockerconfigjson',
        registries: ['harbor.example.com'],
      },
      {
        namespace: 'cloudforet-plugin',
        name: 'my-credential',
        present: true,
        type: 'kubernetes.io/dockerconfigjson',
        registries: ['harbor.example.com'],
      },
    ])
    expect(doc.cluster.imageRegistries).toEqual({ cloudforet: ['harbor.example.com'], 'cloudforet-plugin': [] })
  })

  it('puts every reason a pull fails side by side, exit 6, and never prints credentials', async () => {
    api.seed(secret('cloudforet', 'quay.example.com'))
    api.seed({ ...secret('cloudforet-plugin', 'harbor.example.com'), type: 'Opaque' })
    api.seed(
      pod(
        'cloudforet',
        'console-1',
        'harbor.example.com/cloudforet/console:2.0.1',
        ['my-credential'],
        'ImagePullBackOff',
      ),
    )
    api.seed(pod('cloudforet', 'identity-1', 'harbor.example.com/cloudforet/identity:2.0.1', [], 'ErrImagePull'))
    api.seed({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'identity-1.pull', namespace: 'cloudforet' },
      involvedObject: { kind: 'Pod', name: 'identity-1', namespace: 'cloudforet' },
      reason: 'Failed',
      type: 'Warning',
      message: 'Failed to pull image "harbor.example.com/cloudforet/identity:2.0.1": 401 Unauthorized',
    })
    api.seed(deployment('cloudforet', 'identity', { 'app.kubernetes.io/instance': 'cloudforet' }, []))
    api.seed(deployment('cloudforet-plugin', 'plugin-aws-ec2', { supervisor_name: 'root' }, []))
    const r = await doctor()
    expect(r.code).toBe(6)
    expect(r.stdout + r.stderr).not.toContain(SENTINEL)
    expect(r.stdout + r.stderr).not.toContain(Buffer.from(`robot:${SENTINEL}`).toString('base64'))
    const errors = r.stdout.slice(r.stdout.indexOf('Errors ('), r.stdout.indexOf('Warnings ('))
    expect(errors).toBe(
      [
        'Errors (4)',
        "  ✖ Secret my-credential in cloudforet-plugin has type Opaque; the kubelet reads pull credentials only from kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg, and a Secret's type cannot be changed in place",
        `    fix: cfpull create-secret --name my-credential -n cloudforet-plugin --docker-server "\${REGISTRY:?set REGISTRY to your registry host}" --docker-username "\${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin --replace --kubeconfig ${kubeconfig}`,
        '  ✖ pod console-1 in cloudforet cannot pull harbor.example.com/cloudforet/console:2.0.1 (ImagePullBackOff); pull secrets: my-credential; Back-off pulling image "harbor.example.com/cloudforet/console:2.0.1"',
        `    fix: check the credentials for harbor.example.com in Secret my-credential; to replace them: cfpull create-secret --name my-credential -n cloudforet --docker-server "\${REGISTRY:?set REGISTRY to your registry host}" --docker-username "\${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin --kubeconfig ${kubeconfig}`,
        `  ✖ pod identity-1 in cloudforet cannot pull harbor.example.com/cloudforet/identity:2.0.1 (ErrImagePull); pull secrets: none; Failed to pull image "harbor.example.com/cloudforet/identity:2.0.1": 401 Unauthorized`,
        `    fix: cfpull patch ${values} --secret my-credential && cfpull apply -n spaceone -f ${values} --kubeconfig ${kubeconfig}`,
        '  ✖ 1 deployment of cloudforet in cloudforet run without my-credential: identity (the values and the cluster disagree)',
        `    fix: cfpull apply -n spaceone -f ${values} --kubeconfig ${kubeconfig}`,
        '',
        '',
      ].join('\n'),
    )
    expect(r.stdout).toContain(
      '  ⚠ images from harbor.example.com run in cloudforet, but my-credential there has credentials only for quay.example.com\n',
    )
    expect(r.stdout).toContain(
      `  ⚠ plugin deployments plugin-aws-ec2 lack my-credential; the supervisor reuses an installed plugin (it goes by the Service) as it is, so each one's Deployment AND Service must go (by name: deleting by plugin_id alone also removes the versions that work) for it to be recreated with the secret: apply --recreate-plugins does that and waits for it\n    fix: cfpull apply -n spaceone -f ${values} --recreate-plugins --kubeconfig ${kubeconfig}\n`,
    )
    // Reading the Secret is the one way credentials reach cfpull: only kubectl get, never printed.
    expect(r.calls.every((c) => !c.args.join(' ').includes(SENTINEL))).toBe(true)
  })

  it('a plugin Service whose Deployment is gone is an error with the command that lets the supervisor make it again', async () => {
    api.seed(secret('cloudforet', 'harbor.example.com'))
    api.seed(secret('cloudforet-plugin', 'harbor.example.com'))
    const labels = { supervisor_name: 'root', domain_id: 'domain-1', plugin_id: 'plugin-aws-ec2', version: '1.0' }
    api.seed({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'plugin-aws-ec2-a1b2c3',
        namespace: 'cloudforet-plugin',
        labels,
        annotations: { 'spaceone.supervisor.name': 'root' },
      },
      spec: { selector: labels, ports: [{ port: 50051 }] },
    })
    const r = await doctor()
    expect(r.code).toBe(6)
    expect(r.stdout).toContain(
      `  ✖ plugin Service plugin-aws-ec2-a1b2c3 in cloudforet-plugin has no Deployment: the supervisor counts plugin-aws-ec2 1.0 as installed and never makes it again\n    fix: kubectl delete service plugin-aws-ec2-a1b2c3 -n cloudforet-plugin --kubeconfig ${kubeconfig}\n`,
    )
  })

  it('a missing Secret and a failing kubectl', async () => {
    const r = await doctor(['--json'])
    expect(r.code).toBe(6)
    expect(
      JSON.parse(r.stdout)
        .findings.filter((f: { code: string }) => f.code === 'secret-missing')
        .map((f: { namespace: string }) => f.namespace),
    ).toEqual(['cloudforet', 'cloudforet-plugin'])
    api.failNext({ method: 'GET', pathIncludes: '/pods' }, 403, 'Forbidden', 'pods is forbidden: User cannot list pods')
    const failed = await doctor()
    expect(failed.code).toBe(4)
    expect(failed.stderr).toContain(
      'error: doctor: list pods in cloudforet: kubectl exited with 1: Error from server (Forbidden): pods is forbidden',
    )
    expect(failed.stderr).toContain('hint: your cluster user lacks permission')
  })

  it('offline on a file that is not YAML: exit 3 with the position', async () => {
    writeFileSync(values, readFileSync(values, 'utf8') + 'broken: {oops\n')
    const r = await runCli(['doctor', '-f', values])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(new RegExp(`^error: ${values.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `))
  })
})
