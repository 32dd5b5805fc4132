// Proves the in-memory API server (fake-apiserver.ts) is faithful enough for the pinned REAL
// kubectl v1.33: every command cfpull runs succeeds or fails against it exactly as it would
// against a cluster, and the strings kubectl prints are pinned here so cfpull's output parsing
// and error messages can rely on them.
import { execa } from 'execa'
import { describe, expect, it, onTestFinished } from 'vitest'
import { deploymentOf } from './cluster.js'
import { type FakeApiServer, type FakeApiServerOptions, startFakeApiServer } from './fake-apiserver.js'
import { kubectlEnv, writeKubeconfig } from './kubeconfig.js'
import { tempDir } from './tmp.js'
import { toolPath } from './tools.js'

interface Kubectl {
  server: FakeApiServer
  kubectl: (args: string[], input?: string) => Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>
}

async function cluster(options?: FakeApiServerOptions): Promise<Kubectl> {
  const dir = tempDir()
  const server = await startFakeApiServer(options)
  onTestFinished(() => server.close())
  const kubeconfig = writeKubeconfig(dir, server.url)
  const bin = toolPath('kubectl')
  return {
    server,
    kubectl: async (args, input) => {
      const r = await execa(bin, ['--kubeconfig', kubeconfig, ...args], {
        env: kubectlEnv(dir),
        extendEnv: false,
        reject: false,
        timeout: 15_000,
        ...(input !== undefined ? { input } : { stdin: 'ignore' }),
      })
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }
    },
  }
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

const DOCKERCONFIG = JSON.stringify({
  auths: { 'registry.example.com': { username: 'u', password: 'p', auth: b64('u:p') } },
})

function credential(namespace: string, dockerconfig = DOCKERCONFIG) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'my-credential', namespace, labels: { 'app.kubernetes.io/managed-by': 'cfpull' } },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(dockerconfig) },
  }
}

const APPLY = ['apply', '--server-side', '--field-manager=cfpull', '--force-conflicts', '-f', '-']

function deployment(name: string, namespace: string, labels: Record<string, string>) {
  return deploymentOf(namespace, name, labels, { containers: [{ name, image: `cloudforet/${name}:2.0.0` }] })
}

function pod(name: string, namespace: string, labels: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'main', image: 'cloudforet/console:2.0.0' }] },
    status: { phase: 'Running' },
  }
}

describe('fake API server with real kubectl', () => {
  it('server-side applies a Secret: created, unchanged on re-apply, updated on change', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['default', 'ns1'] })
    const secret = credential('ns1')

    const created = await kubectl(APPLY, JSON.stringify(secret))
    // No warning on stderr: kubectl found field validation support in /openapi/v3 and left it to the server.
    expect(created).toEqual({ exitCode: 0, stdout: 'secret/my-credential serverside-applied', stderr: '' })

    const stored = server.objects.get('Secret/ns1/my-credential')
    expect(stored.type).toBe('kubernetes.io/dockerconfigjson')
    expect(stored.data).toEqual(secret.data)
    expect(stored.metadata).toMatchObject({ name: 'my-credential', namespace: 'ns1', labels: secret.metadata.labels })
    expect(stored.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(stored.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(stored.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'cfpull', operation: 'Apply' })])

    const patches = server.requests.filter((r) => r.method === 'PATCH')
    expect(patches).toHaveLength(1)
    expect(patches[0]).toMatchObject({
      path: '/api/v1/namespaces/ns1/secrets/my-credential',
      query: { fieldManager: 'cfpull', force: 'true', fieldValidation: 'Strict' },
      contentType: 'application/apply-patch+yaml',
    })
    expect(JSON.parse(patches[0]!.body)).toEqual(secret)
    expect(patches[0]!.userAgent).toMatch(/^kubectl\/v1\.33\./)
    // client-go only loads a kubeconfig user's credentials for TLS servers: no token over plain http.
    expect(patches[0]!.authorized).toBe(false)
    // The validation kubectl did: the OpenAPI v3 root and the core/v1 document, nothing else.
    expect(server.requests.some((r) => r.path === '/openapi/v3')).toBe(true)
    expect(server.requests.some((r) => r.path === '/openapi/v3/api/v1')).toBe(true)
    expect(server.requests.some((r) => r.path.startsWith('/openapi/v2'))).toBe(false)
    expect(server.unhandled).toEqual([])

    // Same content again: a no-op on the server, resourceVersion unchanged. kubectl prints the same line.
    const rv = stored.metadata.resourceVersion
    const again = await kubectl(APPLY, JSON.stringify(secret))
    expect(again).toEqual({ exitCode: 0, stdout: 'secret/my-credential serverside-applied', stderr: '' })
    expect(server.objects.get('Secret/ns1/my-credential').metadata.resourceVersion).toBe(rv)

    // Changed data: resourceVersion moves on, uid stays.
    const changed = credential('ns1', JSON.stringify({ auths: { 'other.example.com': { auth: b64('a:b') } } }))
    const updated = await kubectl(APPLY, JSON.stringify(changed))
    expect(updated).toEqual({ exitCode: 0, stdout: 'secret/my-credential serverside-applied', stderr: '' })
    const after = server.objects.get('Secret/ns1/my-credential')
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(rv))
    expect(after.metadata.uid).toBe(stored.metadata.uid)
    expect(after.data).toEqual(changed.data)
  })

  it('server-side apply removes keys the manager stopped applying and reports ownership conflicts', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'] })
    const base = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'conf', namespace: 'ns1' } }
    await kubectl(APPLY, JSON.stringify({ ...base, data: { a: b64('1'), b: b64('2') } }))
    await kubectl(APPLY, JSON.stringify({ ...base, data: { a: b64('1') } }))
    expect(server.objects.get('Secret/ns1/conf').data).toEqual({ a: b64('1') })

    // A field owned by another manager with a different value: refused without --force-conflicts.
    expect(await kubectl(['create', 'secret', 'generic', 'other', '-n', 'ns1', '--from-literal=k=v'])).toMatchObject({
      exitCode: 0,
      stdout: 'secret/other created',
    })
    const body = JSON.stringify({ ...base, metadata: { name: 'other', namespace: 'ns1' }, data: { k: b64('w') } })
    const refused = await kubectl(['apply', '--server-side', '--field-manager=cfpull', '-f', '-'], body)
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr.split('\n')[0]).toBe(
      'error: Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.k',
    )
    const forced = await kubectl(APPLY, body)
    expect(forced).toMatchObject({ exitCode: 0, stdout: 'secret/other serverside-applied' })
    expect(server.objects.get('Secret/ns1/other').data).toEqual({ k: b64('w') })
  })

  it('rejects what a real API server rejects: unknown fields, bad base64, a broken dockerconfigjson', async () => {
    const { kubectl } = await cluster({ namespaces: ['ns1'] })
    const unknown = await kubectl(APPLY, JSON.stringify({ ...credential('ns1'), bogus: 1 }))
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stderr).toBe(
      'Error from server (BadRequest): failed to create typed patch object (ns1/my-credential; /v1, Kind=Secret): .bogus: field not declared in schema',
    )
    const badBase64 = await kubectl(
      APPLY,
      JSON.stringify({ ...credential('ns1'), data: { '.dockerconfigjson': 'no!' } }),
    )
    expect(badBase64.exitCode).toBe(1)
    expect(badBase64.stderr).toBe(
      'Error from server (BadRequest): Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2',
    )
    const notJson = await kubectl(APPLY, JSON.stringify(credential('ns1', '{not json')))
    expect(notJson.exitCode).toBe(1)
    // kubectl words 422 Invalid errors itself ("The X is invalid"), without "Error from server".
    expect(notJson.stderr).toMatch(
      /^The Secret "my-credential" is invalid: data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": /,
    )
  })

  it('gets a resourceVersion, or nothing with --ignore-not-found', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'] })
    const args = [
      'get',
      'secret',
      'my-credential',
      '-n',
      'ns1',
      '--ignore-not-found',
      '-o',
      'jsonpath={.metadata.resourceVersion}',
    ]
    expect(await kubectl(args)).toEqual({ exitCode: 0, stdout: '', stderr: '' })
    const seeded = server.seed(credential('ns1'))
    expect(await kubectl(args)).toEqual({ exitCode: 0, stdout: seeded.metadata.resourceVersion, stderr: '' })
    // Without --ignore-not-found the usual NotFound error.
    const missing = await kubectl(['get', 'secret', 'nope', '-n', 'ns1'])
    expect(missing).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): secrets "nope" not found',
    })
  })

  it('looks up and creates namespaces', async () => {
    const { server, kubectl } = await cluster()
    const get = ['get', 'namespace', 'cloudforet', '-o', 'name', '--ignore-not-found']
    expect(await kubectl(get)).toEqual({ exitCode: 0, stdout: '', stderr: '' })
    // `kubectl create namespace` uses a typed client: the body is protobuf, the answer JSON.
    expect(await kubectl(['create', 'namespace', 'cloudforet'])).toEqual({
      exitCode: 0,
      stdout: 'namespace/cloudforet created',
      stderr: '',
    })
    const post = server.requests.find((r) => r.method === 'POST')
    expect(post).toMatchObject({
      path: '/api/v1/namespaces',
      contentType: 'application/vnd.kubernetes.protobuf',
      protobuf: true,
    })
    expect(JSON.parse(post!.body)).toMatchObject({ kind: 'Namespace', metadata: { name: 'cloudforet' } })
    expect(server.objects.get('Namespace//cloudforet').status).toEqual({ phase: 'Active' })
    expect(server.objects.has('ServiceAccount/cloudforet/default')).toBe(true)
    expect(await kubectl(get)).toEqual({ exitCode: 0, stdout: 'namespace/cloudforet', stderr: '' })
    expect(await kubectl(['create', 'namespace', 'cloudforet'])).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'Error from server (AlreadyExists): namespaces "cloudforet" already exists',
    })
    const table = await kubectl(['get', 'namespaces'])
    expect(table.stdout.split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'NAME STATUS',
      'cloudforet Active',
      'default Active',
    ])
  })

  it('applying into a missing namespace fails with the real NotFound message', async () => {
    const { server, kubectl } = await cluster()
    const r = await kubectl(APPLY, JSON.stringify(credential('absent')))
    expect(r).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): namespaces "absent" not found',
    })
    expect(server.objects.has('Secret/absent/my-credential')).toBe(false)
  })

  it('turns failNext into the errors kubectl prints for 401, 403, 409, 500; retries 429', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'] })
    const body = JSON.stringify(credential('ns1'))
    const patch = { method: 'PATCH', pathIncludes: '/secrets/my-credential' }

    server.failNext(patch, 401)
    const unauthorized = await kubectl(APPLY, body)
    expect(unauthorized.exitCode).toBe(1)
    expect(unauthorized.stderr).toBe('error: You must be logged in to the server (Unauthorized)')

    server.failNext(patch, 403)
    const forbidden = await kubectl(APPLY, body)
    expect(forbidden.exitCode).toBe(1)
    expect(forbidden.stderr).toBe(
      'Error from server (Forbidden): secrets "my-credential" is forbidden: User "fake-user" cannot patch resource "secrets" in API group "" in the namespace "ns1"',
    )

    server.failNext(patch, 409, undefined, 'someone else got there first')
    const conflict = await kubectl(APPLY, body)
    expect(conflict.exitCode).toBe(1)
    // kubectl apply --server-side reads any 409 Conflict as a field-manager conflict: it prints the
    // message as `error: ...` followed by its --force-conflicts advice.
    expect(conflict.stderr.split('\n')[0]).toBe('error: someone else got there first')
    expect(conflict.stderr).toContain('--force-conflicts')

    server.failNext(patch, 500, undefined, 'etcdserver: request timed out')
    const internal = await kubectl(APPLY, body)
    expect(internal.exitCode).toBe(1)
    expect(internal.stderr).toBe('Error from server (InternalError): etcdserver: request timed out')
    expect(server.objects.has('Secret/ns1/my-credential')).toBe(false)

    // 429 with Retry-After: 0 is retried by client-go, so the apply goes through.
    const patchesBefore = server.requests.filter((r) => r.method === 'PATCH').length
    server.failNext(patch, 429, undefined, undefined, 2)
    const throttled = await kubectl(APPLY, body)
    expect(throttled).toEqual({ exitCode: 0, stdout: 'secret/my-credential serverside-applied', stderr: '' })
    expect(server.requests.filter((r) => r.method === 'PATCH').length - patchesBefore).toBe(3)

    // A dropped connection on a PATCH is not retried (client-go retries only GETs on EOF/reset).
    const beforeDrop = server.requests.filter((r) => r.method === 'PATCH').length
    server.closeConnectionNext(patch)
    const dropped = await kubectl(APPLY, body)
    expect(dropped).toEqual({ exitCode: 1, stdout: '', stderr: 'Unable to connect to the server: EOF' })
    expect(server.requests.filter((r) => r.method === 'PATCH').length - beforeDrop).toBe(1)

    // A dropped GET is retried transparently.
    server.closeConnectionNext({ method: 'GET', pathIncludes: '/secrets/my-credential' })
    const got = await kubectl(['get', 'secret', 'my-credential', '-n', 'ns1', '-o', 'name'])
    expect(got).toEqual({ exitCode: 0, stdout: 'secret/my-credential', stderr: '' })
  })

  it('deletes pods by label, lists, restarts and waits for deployments, deletes one', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'] })
    const instance = { 'app.kubernetes.io/instance': 'cloudforet' }
    server.seed(pod('console-abc', 'ns1', { ...instance, app: 'console' }))
    server.seed(pod('identity-def', 'ns1', { ...instance, app: 'identity' }))
    server.seed(pod('unrelated', 'ns1', { app: 'other' }))
    server.seed(pod('console-abc', 'default', instance))
    server.seed(deployment('console', 'ns1', instance))
    server.seed(deployment('supervisor', 'ns1', { ...instance, supervisor_name: 'root' }))
    server.seed(deployment('unrelated', 'ns1', {}))

    const deleted = await kubectl(['delete', 'pods', '-n', 'ns1', '-l', 'app.kubernetes.io/instance=cloudforet'])
    expect(deleted).toEqual({
      exitCode: 0,
      stdout: 'pod "console-abc" deleted\npod "identity-def" deleted',
      stderr: '',
    })
    expect([...server.objects.keys()].filter((k) => k.startsWith('Pod/')).sort()).toEqual([
      'Pod/default/console-abc',
      'Pod/ns1/unrelated',
    ])

    const listed = await kubectl(['get', 'deploy', '-n', 'ns1', '-l', 'supervisor_name', '-o', 'json'])
    expect(listed.exitCode).toBe(0)
    const list = JSON.parse(listed.stdout)
    expect(list.kind).toBe('List')
    expect(list.items.map((d: any) => `${d.kind}/${d.metadata.name}`)).toEqual(['Deployment/supervisor'])

    const before = server.objects.get('Deployment/ns1/console')
    const restarted = await kubectl([
      'rollout',
      'restart',
      'deploy',
      '-n',
      'ns1',
      '-l',
      'app.kubernetes.io/instance=cloudforet',
    ])
    expect(restarted).toEqual({
      exitCode: 0,
      stdout: 'deployment.apps/console restarted\ndeployment.apps/supervisor restarted',
      stderr: '',
    })
    const restartPatch = server.requests.find((r) => r.method === 'PATCH')
    expect(restartPatch).toMatchObject({
      contentType: 'application/strategic-merge-patch+json',
      query: { fieldManager: 'kubectl-rollout' },
    })
    const after = server.objects.get('Deployment/ns1/console')
    expect(after.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-/)
    expect(after.spec.template.spec).toEqual(before.spec.template.spec)
    expect(after.metadata.generation).toBe(before.metadata.generation + 1)
    expect(after.status.observedGeneration).toBe(after.metadata.generation)
    expect(server.objects.get('Deployment/ns1/unrelated').metadata.generation).toBe(1)

    const status = await kubectl(['rollout', 'status', 'deploy/console', '-n', 'ns1', '--timeout=10s'])
    expect(status).toEqual({ exitCode: 0, stdout: 'deployment "console" successfully rolled out', stderr: '' })

    const gone = await kubectl(['delete', 'deploy', 'console', '-n', 'ns1'])
    expect(gone).toEqual({ exitCode: 0, stdout: 'deployment.apps "console" deleted', stderr: '' })
    expect(server.objects.has('Deployment/ns1/console')).toBe(false)
    expect(server.unhandled).toEqual([])
  })

  it('waits in rollout status until a deployment becomes available (watch)', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'], autoRollout: false })
    const d = deployment('console', 'ns1', {})
    server.seed({
      ...d,
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 },
    })
    const waiting = kubectl(['rollout', 'status', 'deploy/console', '-n', 'ns1', '--timeout=10s'])
    // Let kubectl reach its watch, then finish the rollout.
    for (let i = 0; i < 100 && !server.requests.some((r) => r.query.watch === 'true'); i++)
      await new Promise((r) => setTimeout(r, 50))
    server.seed({
      ...d,
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
    })
    const r = await waiting
    expect(r.exitCode).toBe(0)
    expect(r.stdout.split('\n')).toEqual([
      'Waiting for deployment "console" rollout to finish: 0 of 1 updated replicas are available...',
      'deployment "console" successfully rolled out',
    ])
  })

  it('lists secrets as JSON (doctor)', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'] })
    server.seed(credential('ns1'))
    server.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'plain', namespace: 'ns1' },
      stringData: { token: 'abc' },
    })
    const r = await kubectl(['get', 'secret', '-n', 'ns1', '-o', 'json'])
    expect(r.exitCode).toBe(0)
    const list = JSON.parse(r.stdout)
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' })
    expect(list.items.map((s: any) => [s.kind, s.metadata.name, s.type, s.data])).toEqual([
      ['Secret', 'my-credential', 'kubernetes.io/dockerconfigjson', credential('ns1').data],
      ['Secret', 'plain', 'Opaque', { token: b64('abc') }],
    ])
  })

  it('patches the default ServiceAccount (imagePullSecrets is atomic under strategic merge)', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'] })
    const sa = ['-n', 'ns1', 'serviceaccount', 'default']
    expect(await kubectl(['patch', ...sa, '-p', '{"imagePullSecrets":[{"name":"a"}]}'])).toMatchObject({
      exitCode: 0,
      stdout: 'serviceaccount/default patched',
    })
    await kubectl(['patch', ...sa, '-p', '{"imagePullSecrets":[{"name":"b"}]}'])
    expect(server.objects.get('ServiceAccount/ns1/default').imagePullSecrets).toEqual([{ name: 'b' }])
    await kubectl([
      'patch',
      ...sa,
      '--type=json',
      '-p',
      '[{"op":"add","path":"/imagePullSecrets/-","value":{"name":"c"}}]',
    ])
    expect(server.objects.get('ServiceAccount/ns1/default').imagePullSecrets).toEqual([{ name: 'b' }, { name: 'c' }])
    expect(
      await kubectl(['patch', ...sa, '--type=merge', '-p', '{"imagePullSecrets":[{"name":"b"},{"name":"c"}]}']),
    ).toMatchObject({
      exitCode: 0,
      stdout: 'serviceaccount/default patched (no change)',
    })
  })

  it('without OpenAPI documents, kubectl apply refuses to run (so the server must serve them)', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'] })
    server.failNext(
      { pathIncludes: '/openapi/' },
      404,
      undefined,
      'the server could not find the requested resource',
      10,
    )
    const r = await kubectl(APPLY, JSON.stringify(credential('ns1')))
    expect(r).toEqual({
      exitCode: 1,
      stdout: '',
      stderr:
        'error: error validating "STDIN": error validating data: failed to download openapi: the server could not find the requested resource; if you choose to ignore these errors, turn validation off with --validate=false',
    })
    expect(server.requests.map((q) => q.path)).toEqual(['/openapi/v3', '/openapi/v2'])
  })

  it('works with legacy (non-aggregated) discovery too', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['ns1'], aggregatedDiscovery: false })
    server.seed(deployment('console', 'ns1', { 'app.kubernetes.io/instance': 'cloudforet' }))
    expect(await kubectl(APPLY, JSON.stringify(credential('ns1')))).toMatchObject({
      exitCode: 0,
      stdout: 'secret/my-credential serverside-applied',
    })
    expect(await kubectl(['get', 'deploy', '-n', 'ns1', '-o', 'name'])).toMatchObject({
      exitCode: 0,
      stdout: 'deployment.apps/console',
    })
    const paths = server.requests.map((q) => q.path)
    expect(paths).toEqual(expect.arrayContaining(['/api', '/apis', '/api/v1', '/apis/apps/v1']))
    expect(server.unhandled).toEqual([])
  })

  it('answers events, auth can-i and deletecollection', async () => {
    const { server, kubectl } = await cluster({
      namespaces: ['ns1'],
      authorize: (a) => !(a.verb === 'delete' && a.resource === 'pods'),
    })
    server.seed(pod('console-abc', 'ns1', { app: 'console' }))
    server.seed(pod('identity-def', 'ns1', { app: 'identity' }))
    server.seed({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'console-abc.1', namespace: 'ns1' },
      involvedObject: { kind: 'Pod', name: 'console-abc', namespace: 'ns1' },
      type: 'Warning',
      reason: 'Failed',
      message: 'Failed to pull image "cloudforet/console:2.0.0": 401 Unauthorized',
      lastTimestamp: new Date().toISOString(),
    })
    const events = await kubectl([
      'get',
      'events',
      '-n',
      'ns1',
      '--field-selector',
      'involvedObject.name=console-abc',
      '-o',
      'json',
    ])
    expect(JSON.parse(events.stdout).items.map((e: any) => e.reason)).toEqual(['Failed'])
    const table = await kubectl(['get', 'events', '-n', 'ns1'])
    expect(table.stdout.split('\n')[0]!.split(/\s{2,}/)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'])
    expect(table.stdout).toContain('pod/console-abc')

    expect(await kubectl(['auth', 'can-i', 'patch', 'secrets', '-n', 'ns1'])).toEqual({
      exitCode: 0,
      stdout: 'yes',
      stderr: '',
    })
    expect(await kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'ns1'])).toEqual({
      exitCode: 1,
      stdout: 'no',
      stderr: '',
    })

    const dc = await kubectl(['delete', '--raw', '/api/v1/namespaces/ns1/pods?labelSelector=app%3Dconsole'])
    expect(dc.exitCode).toBe(0)
    expect(JSON.parse(dc.stdout).items.map((p: any) => p.metadata.name)).toEqual(['console-abc'])
    expect([...server.objects.keys()].filter((k) => k.startsWith('Pod/'))).toEqual(['Pod/ns1/identity-def'])
  })

  it('a resourceVersion is a precondition on server-side apply, PUT and DELETE: 409 when it is not the live one', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['default', 'ns1'] })
    server.seed(credential('ns1'))
    const rv = server.get('Secret', 'ns1', 'my-credential').metadata.resourceVersion as string
    const stale = (v: string) =>
      JSON.stringify({
        ...credential('ns1', '{"auths":{}}'),
        metadata: { name: 'my-credential', namespace: 'ns1', resourceVersion: v },
      })
    const modified =
      'Operation cannot be fulfilled on secrets "my-credential": the object has been modified; please apply your changes to the latest version and try again'
    // kubectl takes any 409 of an apply for a field conflict and appends its advice on those.
    const applied = await kubectl([...APPLY, '-n', 'ns1'], stale('1'))
    expect(applied.exitCode).toBe(1)
    expect(applied.stderr.split('\n')[0]).toBe(`error: ${modified}`)
    const put = await kubectl(['replace', '-f', '-', '-n', 'ns1'], stale('1'))
    expect(put).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `Error from server (Conflict): error when replacing "STDIN": ${modified}`,
    })
    const del = await kubectl(
      ['delete', '--raw', '/api/v1/namespaces/ns1/secrets/my-credential', '-f', '-'],
      JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: '1' } }),
    )
    expect(del).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `Error from server (Conflict): Operation cannot be fulfilled on secrets "my-credential": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${rv}`,
    })
    expect(server.get('Secret', 'ns1', 'my-credential').metadata.resourceVersion).toBe(rv)
    // The live version passes: the apply, then a delete at the version it left.
    expect((await kubectl([...APPLY, '-n', 'ns1'], stale(rv))).exitCode).toBe(0)
    const now = server.get('Secret', 'ns1', 'my-credential').metadata.resourceVersion as string
    expect(now).not.toBe(rv)
    const gone = await kubectl(
      ['delete', '--raw', '/api/v1/namespaces/ns1/secrets/my-credential', '-f', '-'],
      JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: now } }),
    )
    expect(gone.exitCode).toBe(0)
    expect(server.get('Secret', 'ns1', 'my-credential')).toBeUndefined()
  })

  it('afterNext acts between a read and the next request (another writer)', async () => {
    const { server, kubectl } = await cluster({ namespaces: ['default', 'ns1'] })
    server.afterNext({ method: 'GET', pathIncludes: '/secrets/my-credential' }, () => server.seed(credential('ns1')))
    const first = await kubectl(['get', 'secret', 'my-credential', '-n', 'ns1', '--ignore-not-found', '-o', 'name'])
    expect(first).toEqual({ exitCode: 0, stdout: '', stderr: '' })
    const second = await kubectl(['get', 'secret', 'my-credential', '-n', 'ns1', '-o', 'name'])
    expect(second.stdout).toBe('secret/my-credential')
  })

  it('records requests it cannot answer', async () => {
    const { server, kubectl } = await cluster()
    const r = await kubectl(['get', '--raw', '/apis/example.com/v1/widgets'])
    expect(r).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): the server could not find the requested resource',
    })
    expect(server.unhandled.map((u) => `${u.method} ${u.path}`)).toEqual(['GET /apis/example.com/v1/widgets'])
  })
})
