// `cfpull doctor --pull --cluster`: images from the live Deployments (and the supervisor's plugin
// Deployments), credentials from the Secrets in the cluster, platforms from the nodes. Real
// kubectl reads the loopback API server; real Distribution registries answer.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { deploymentOf, linuxNode as node, startCluster } from '../helpers/cluster.js'
import type { FakeApiServer } from '../helpers/fake-apiserver.js'
import { authEntry as auth, pullSecret } from '../helpers/pull-secret.js'
import { startRegistries, type RegistrySet, type TestRegistry } from '../helpers/registry.js'
import { runCli } from '../helpers/run-cli.js'
import { toolPath } from '../helpers/tools.js'

const PASSWORD = 'cluster-secret-pw'
let regs: TestRegistry[]
let registries: RegistrySet
let api: FakeApiServer
let dir: string
let kubeconfig: string
let values: string
let caFile: string

const b64 = (s: string) => Buffer.from(s).toString('base64')
const deployment = (
  namespace: string,
  name: string,
  images: string[],
  secrets: string[] = ['my-credential'],
  labels: Record<string, string> = { 'app.kubernetes.io/instance': 'cloudforet' },
) =>
  deploymentOf(namespace, name, labels, {
    ...(secrets.length && { imagePullSecrets: secrets.map((s) => ({ name: s })) }),
    containers: images.map((image, i) => ({ name: `c${i}`, image })),
  })

beforeAll(async () => {
  registries = await startRegistries([
    { mode: 'token', users: { alice: PASSWORD } },
    { mode: 'token', users: { alice: PASSWORD } },
    { mode: 'htpasswd', users: { alice: PASSWORD } },
  ])
  regs = registries.registries
  caFile = registries.caBundle
})
afterAll(() => registries?.stop())

beforeEach(async () => {
  ;({ api, dir, kubeconfig } = await startCluster(['default', 'cloudforet', 'cloudforet-plugin']))
  values = join(dir, 'values.yaml')
  writeFileSync(
    values,
    [
      'global:',
      '  namespace: cloudforet',
      '  supervisor_namespace: cloudforet',
      'supervisor:',
      '  application_scheduler:',
      '    CONNECTORS:',
      '      KubernetesConnector:',
      '        namespace: cloudforet-plugin',
      '',
    ].join('\n'),
  )
})

const doctor = (args: string[] = []) =>
  runCli(
    [
      'doctor',
      '-f',
      values,
      '--pull',
      '--cluster',
      '--kubeconfig',
      kubeconfig,
      '--registry-ca',
      caFile,
      '--no-color',
      ...args,
    ],
    { env: { CFPULL_KUBECTL: toolPath('kubectl') } },
  )
const writes = () => api.requests.filter((r) => !['GET', 'HEAD'].includes(r.method))

// The requests a registry logged from cfpull (its user agent), by request id.
function cfpullRequests(r: TestRegistry): Array<{ method: string; uri: string; remote: string }> {
  const byId = new Map<string, { method: string; uri: string; remote: string }>()
  for (const line of r.log().split('\n')) {
    if (!line.includes('http.request.useragent=cfpull')) continue
    const id = /http\.request\.id=(\S+)/.exec(line)?.[1]
    const method = /http\.request\.method=(\S+)/.exec(line)?.[1]
    const uri = /http\.request\.uri="?([^"\s]+)/.exec(line)?.[1]
    const remote = /http\.request\.remoteaddr="?([^"\s]+)/.exec(line)?.[1]
    if (id && method && uri && remote && !byId.has(id)) byId.set(id, { method, uri, remote })
  }
  return [...byId.values()]
}

// The registry writes a request's log line after its response, and the pipe delivers it later
// still: cfpull may exit before the last lines reach this process. Wait (bounded) until the log
// holds at least `n` of cfpull's requests; the exact count is asserted by the caller.
async function loggedRequests(r: TestRegistry, n: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;)
    if (cfpullRequests(r).length >= n) return
    else await new Promise((resolve) => setTimeout(resolve, 50))
}

describe('cfpull doctor --pull --cluster', () => {
  it('per-namespace Secrets, plugin Deployments and the nodes decide: reads only, credentials never printed', async () => {
    const [a, b, c] = regs as [TestRegistry, TestRegistry, TestRegistry]
    await Promise.all([
      a.seedImage('cloudforet/console', '2.0.0'),
      a.seedImage('cloudforet/identity', '2.0.0', { format: 'oci', platforms: ['linux/amd64', 'linux/arm64'] }),
      a.seedImage('cloudforet/plugin-aws', '1.0', { format: 'oci', platforms: ['linux/amd64'] }),
      c.seedImage('mirror/mongo', '6.0'),
    ])
    api.seed(pullSecret('cloudforet', { [a.host]: auth('alice', PASSWORD), [c.host]: auth('alice', PASSWORD) }))
    // The plugin namespace's copy is stale: the robot's password was rotated since.
    api.seed(pullSecret('cloudforet-plugin', { [a.host]: auth('alice', 'old-password') }))
    api.seed(deployment('cloudforet', 'console', [`${a.host}/cloudforet/console:2.0.0`]))
    api.seed(deployment('cloudforet', 'identity', [`${a.host}/cloudforet/identity:2.0.0`]))
    api.seed(
      deployment('cloudforet', 'mongodb', [`${c.host}/mirror/mongo:6.0`], ['mongo-credential'], { app: 'mongodb' }),
    )
    api.seed(
      deployment(
        'cloudforet-plugin',
        'plugin-aws-ec2-inven-x1',
        [`${a.host}/cloudforet/plugin-aws:1.0`],
        ['my-credential'],
        {
          supervisor_name: 'root',
          plugin_id: 'plugin-aws-ec2-inven',
        },
      ),
    )
    api.seed(
      deployment(
        'cloudforet-plugin',
        'plugin-identity-y2',
        [`${a.host}/cloudforet/identity:2.0.0`],
        ['my-credential'],
        {
          supervisor_name: 'root',
          plugin_id: 'plugin-identity',
        },
      ),
    )
    api.seed(node('node-a', 'amd64'))
    api.seed(node('node-b', 'arm64'))

    const r = await doctor()
    const tidy = (s: string) =>
      s
        .replaceAll(a.host, 'registry-a')
        .replaceAll(c.host, 'registry-c')
        .replace(/\/tmp\/cfpull-\w+\//g, '<tmp>/')
        // The image column is padded to the longest name, which the real ports make longer.
        .replace(/^( {2}[✖✔] \S+) +/gm, '$1  ')
    expect(r.code, r.stderr).toBe(6)
    expect(r.stderr).toBe('')
    expect(tidy(r.stdout)).toBe(
      [
        "cfpull doctor --pull <tmp>/values.yaml: 4 images from values + cluster, credentials from the Secrets in the cluster, platform linux/amd64, linux/arm64 (the nodes')",
        '',
        '  ✖ registry-a/cloudforet/identity:2.0.0  credentials rejected',
        '      identity, plugin-identity-y2 in cloudforet, cloudforet-plugin · my-credential (registry-a)',
        '      credentials rejected in cloudforet-plugin; pulls in cloudforet',
        '      token service answered 401',
        '      fix: cfpull create-secret --name my-credential -n cloudforet -n cloudforet-plugin --docker-server registry-a --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin --kubeconfig <tmp>/kubeconfig',
        '  ✖ registry-c/mirror/mongo:6.0  no credentials for registry-c',
        '      mongodb in cloudforet',
        '      Secret mongo-credential does not exist in cloudforet',
        '      fix: cfpull create-secret --name mongo-credential -n cloudforet --docker-server registry-c --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin --kubeconfig <tmp>/kubeconfig',
        '  ✖ registry-a/cloudforet/plugin-aws:1.0  credentials rejected',
        '      plugin-aws-ec2-inven-x1 in cloudforet-plugin · my-credential (registry-a)',
        '      token service answered 401',
        '      fix: cfpull create-secret --name my-credential -n cloudforet-plugin --docker-server registry-a --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin --kubeconfig <tmp>/kubeconfig',
        '  ✔ registry-a/cloudforet/console:2.0.0  pulls',
        '      console in cloudforet · my-credential (registry-a)',
        '',
        '3 of 4 images will not pull',
        '',
      ].join('\n'),
    )
    expect(writes()).toEqual([])
    for (const secret of [PASSWORD, 'old-password', b64(`alice:${PASSWORD}`), b64('alice:old-password')])
      expect(r.stdout + r.stderr).not.toContain(secret)
    void b
  })

  it('scale: 40 images over 3 registries, 8 at a time, one token per repository scope', async () => {
    const [a, b, c] = regs as [TestRegistry, TestRegistry, TestRegistry]
    const plan: Array<[TestRegistry, string, number]> = [
      [a, 'scale-a', 16],
      [b, 'scale-b', 14],
      [c, 'scale-c', 10],
    ]
    const images: string[] = []
    for (const [reg, prefix, n] of plan)
      for (let i = 0; i < n; i++) {
        await reg.seedImage(`${prefix}/svc-${i}`, '1.0')
        images.push(`${reg.host}/${prefix}/svc-${i}:1.0`)
      }
    const auths = Object.fromEntries(regs.map((r) => [r.host, auth('alice', PASSWORD)]))
    api.seed(pullSecret('cloudforet', auths))
    api.seed(pullSecret('cloudforet-plugin', auths))
    // Every image runs twice (a core Deployment and a plugin one): still one check per image.
    images.forEach((image, i) => {
      api.seed(deployment('cloudforet', `svc-${i}`, [image]))
      api.seed(
        deployment('cloudforet-plugin', `plugin-${i}`, [image], ['my-credential'], {
          supervisor_name: 'root',
          plugin_id: `p${i}`,
        }),
      )
    })
    api.seed(node('node-a', 'amd64'))
    const before = regs.map((r) => cfpullRequests(r).length)
    const tokensBefore = regs.map((r) => r.tokenRequests.length)

    const r = await doctor(['--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.images).toHaveLength(40)
    expect(doc.checks).toBe(40)
    expect(doc.images.every((l: any) => l.status === 'pulls' && l.namespaces.length === 2)).toBe(true)

    await Promise.all(regs.map((reg, i) => loggedRequests(reg, before[i]! + plan[i]![2] + 1)))
    const counts = regs.map((reg, i) => {
      const reqs = cfpullRequests(reg).slice(before[i])
      return {
        requests: reqs.length,
        pings: reqs.filter((q) => q.uri === '/v2/').length,
        heads: reqs.filter((q) => q.method === 'HEAD').length,
        // Keep-alive sockets are reused: a registry never sees more connections than requests in flight.
        connections: new Set(reqs.map((q) => q.remote)).size,
        tokens: reg.tokenRequests.slice(tokensBefore[i]).map((t) => t.scopes.join(' ')),
      }
    })
    // One ping per registry (the challenge is cached), one HEAD per image, nothing else.
    expect(counts.map(({ requests, pings, heads }) => ({ requests, pings, heads }))).toEqual([
      { requests: 17, pings: 1, heads: 16 },
      { requests: 15, pings: 1, heads: 14 },
      { requests: 11, pings: 1, heads: 10 },
    ])
    for (const k of counts) expect(k.connections).toBeLessThanOrEqual(8)
    // Token auth: exactly one token per repository scope; Basic auth: none.
    const scopes = (prefix: string, n: number) =>
      [...Array(n).keys()].map((i) => `repository:${prefix}/svc-${i}:pull`).sort()
    expect(counts[0]!.tokens.sort()).toEqual(scopes('scale-a', 16))
    expect(counts[1]!.tokens.sort()).toEqual(scopes('scale-b', 14))
    expect(counts[2]!.tokens).toEqual([])
    console.log(JSON.stringify(counts.map(({ tokens, ...k }) => ({ ...k, tokens: tokens.length }))))
  })
})
