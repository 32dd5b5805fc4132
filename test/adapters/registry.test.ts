import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  RegistryClient,
  RegistryTokenError,
  isEcrHost,
  parseChallenge,
  registryEndpoint,
} from '../../src/adapters/registry.js'
import { closedPort, selfSigned, startRegistry, type TestRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
]

describe('registryEndpoint', () => {
  it.each([
    ['https://index.docker.io/v1/', 'registry-1.docker.io', 'https://registry-1.docker.io'],
    ['docker.io', 'registry-1.docker.io', 'https://registry-1.docker.io'],
    ['index.docker.io', 'registry-1.docker.io', 'https://registry-1.docker.io'],
    ['harbor.example.com', 'harbor.example.com', 'https://harbor.example.com'],
    ['https://Harbor.Example.com:8443/v2/', 'harbor.example.com:8443', 'https://harbor.example.com:8443'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['ghcr.io/owner', 'ghcr.io', 'https://ghcr.io'],
  ])('%s → %s', (server, host, baseUrl) => {
    expect(registryEndpoint(server)).toEqual({ host, baseUrl })
  })

  it('knows ECR hosts', () => {
    expect(isEcrHost('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toBe(true)
    expect(isEcrHost('https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')).toBe(true)
    expect(isEcrHost('public.ecr.aws')).toBe(false)
    expect(isEcrHost('harbor.example.com')).toBe(false)
  })
})

describe('parseChallenge', () => {
  it('reads the Bearer parameters Docker Hub sends', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/nginx:pull',
      },
    })
  })
  it('reads Basic, and prefers Bearer when both are offered', () => {
    expect(parseChallenge('Basic realm="ecr"')).toEqual({ scheme: 'basic', params: { realm: 'ecr' } })
    expect(parseChallenge('Basic realm="x", Bearer realm="https://t/token",service=s')?.scheme).toBe('bearer')
  })
})

describe('RegistryClient against the real Distribution registry', () => {
  let basic: TestRegistry
  let token: TestRegistry

  beforeAll(async () => {
    ;[basic, token] = await Promise.all([
      startRegistry({ mode: 'htpasswd', users: { alice: 'basic-pass-1' } }),
      startRegistry({
        mode: 'token',
        users: { alice: 'token-pass-1', bob: 'token-pass-2' },
        // bob may pull spaceone/console only; alice everything.
        policy: (user, repo) =>
          user === 'alice' ? ['pull', 'push'] : user === 'bob' && repo === 'spaceone/console' ? ['pull'] : [],
      }),
    ])
    await Promise.all([
      basic.seedImage('spaceone/console', '2.0.0'),
      token.seedImage('spaceone/console', '2.0.0', { platforms: ['linux/amd64', 'linux/arm64'] }),
      token.seedImage('spaceone/identity', '2.0.0', { format: 'oci' }),
    ])
  })
  afterAll(async () => {
    await Promise.all([basic?.stop(), token?.stop()])
  })

  it('htpasswd: the right password is accepted with Basic auth', async () => {
    const client = new RegistryClient(basic.host, {
      credentials: { username: 'alice', password: 'basic-pass-1' },
      ca: [basic.caPem],
    })
    expect(await client.checkLogin()).toEqual({ result: 'accepted', scheme: 'basic' })
  })

  it('htpasswd: a wrong password is rejected by the registry', async () => {
    const client = new RegistryClient(basic.host, {
      credentials: { username: 'alice', password: 'nope' },
      ca: [basic.caPem],
    })
    expect(await client.checkLogin()).toEqual({
      result: 'rejected',
      status: 401,
      by: 'registry',
      detail: `GET ${basic.url}/v2/ answered 401`,
    })
  })

  it('htpasswd: a manifest HEAD with Basic auth finds the seeded image', async () => {
    const client = new RegistryClient(basic.host, {
      credentials: { username: 'alice', password: 'basic-pass-1' },
      ca: [basic.caPem],
    })
    const res = await client.request('HEAD', '/v2/spaceone/console/manifests/2.0.0', { accept: MANIFEST_TYPES })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/vnd.docker.distribution.manifest.v2+json')
    const missing = await client.request('HEAD', '/v2/spaceone/console/manifests/9.9.9', { accept: MANIFEST_TYPES })
    expect(missing.status).toBe(404)
  })

  it('an untrusted certificate is a TLS problem, never "rejected"', async () => {
    const client = new RegistryClient(basic.host, { credentials: { username: 'alice', password: 'basic-pass-1' } })
    const check = await client.checkLogin()
    expect(check).toMatchObject({ result: 'unverified', reason: 'tls' })
    expect(check.result === 'unverified' && check.detail).toContain('self-signed certificate')
  })

  it("a private CA is trusted on top of Node's roots and NODE_EXTRA_CA_CERTS, and only those", async () => {
    const other = selfSigned(tempDir(), 'other', ['IP:127.0.0.1'])
    const creds = { username: 'alice', password: 'basic-pass-1' }
    // Another CA only: the registry's certificate is not trusted.
    const untrusted = new RegistryClient(basic.host, { credentials: creds, ca: [other.certPem], env: {} })
    expect(await untrusted.checkLogin()).toMatchObject({ result: 'unverified', reason: 'tls' })
    // The registry's CA from NODE_EXTRA_CA_CERTS (as the env names it), next to another given CA.
    const extra = new RegistryClient(basic.host, {
      credentials: creds,
      ca: [other.certPem],
      env: { NODE_EXTRA_CA_CERTS: basic.caFile },
    })
    expect(await extra.checkLogin()).toEqual({ result: 'accepted', scheme: 'basic' })
  })

  it('a closed port is unreachable', async () => {
    const port = await closedPort()
    const client = new RegistryClient(`127.0.0.1:${port}`, { credentials: { username: 'a', password: 'b' } })
    expect(await client.checkLogin()).toEqual({
      result: 'unverified',
      reason: 'unreachable',
      detail: `https://127.0.0.1:${port}/v2/: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}`,
    })
  })

  it('token: the right password gets a token from the realm, then /v2/ answers 200', async () => {
    const before = token.tokenRequests.length
    const client = new RegistryClient(token.host, {
      credentials: { username: 'alice', password: 'token-pass-1' },
      ca: [token.caPem],
    })
    expect(await client.checkLogin()).toEqual({ result: 'accepted', scheme: 'bearer' })
    expect(token.tokenRequests.slice(before)).toEqual([
      { user: 'alice', rejected: false, service: token.service, account: 'alice', scopes: [], granted: [] },
    ])
  })

  it('token: a wrong password is rejected by the token service', async () => {
    const client = new RegistryClient(token.host, {
      credentials: { username: 'alice', password: 'wrong' },
      ca: [token.caPem],
    })
    expect(await client.checkLogin()).toEqual({
      result: 'rejected',
      status: 401,
      by: 'token service',
      detail: `${token.realm}: token service answered 401: UNAUTHORIZED: authentication failed`,
    })
  })

  it('token: scoped requests use one token per scope, and a refused scope is the registry answering 401', async () => {
    const client = new RegistryClient(token.host, {
      credentials: { username: 'bob', password: 'token-pass-2' },
      ca: [token.caPem],
    })
    const before = token.tokenRequests.length
    const scope = 'repository:spaceone/console:pull'
    const a = await client.request('HEAD', '/v2/spaceone/console/manifests/2.0.0', { scope, accept: MANIFEST_TYPES })
    const b = await client.request('GET', '/v2/spaceone/console/manifests/2.0.0', { scope, accept: MANIFEST_TYPES })
    expect([a.status, b.status]).toEqual([200, 200])
    expect(a.headers['content-type']).toBe('application/vnd.docker.distribution.manifest.list.v2+json')
    expect((JSON.parse(b.body.toString()) as { manifests: unknown[] }).manifests).toHaveLength(2)
    const denied = await client.request('HEAD', '/v2/spaceone/identity/manifests/2.0.0', {
      scope: 'repository:spaceone/identity:pull',
      accept: MANIFEST_TYPES,
    })
    expect(denied.status).toBe(401)
    expect(String(denied.headers['www-authenticate'])).toContain('error="insufficient_scope"')
    expect(token.tokenRequests.slice(before).map((r) => [r.scopes, r.granted])).toEqual([
      [[scope], [{ type: 'repository', name: 'spaceone/console', actions: ['pull'] }]],
      [['repository:spaceone/identity:pull'], [{ type: 'repository', name: 'spaceone/identity', actions: [] }]],
    ])
  })

  it('token: scoped requests with a wrong password throw the token service rejection', async () => {
    const client = new RegistryClient(token.host, {
      credentials: { username: 'bob', password: 'bad' },
      ca: [token.caPem],
    })
    await expect(
      client.request('HEAD', '/v2/spaceone/console/manifests/2.0.0', { scope: 'repository:spaceone/console:pull' }),
    ).rejects.toThrow(RegistryTokenError)
  })

  it('bounds the requests in flight and fetches one token for concurrent requests of one scope', async () => {
    const client = new RegistryClient(token.host, {
      credentials: { username: 'alice', password: 'token-pass-1' },
      ca: [token.caPem],
      maxConcurrent: 2,
    })
    const scope = 'repository:spaceone/console:pull'
    const before = token.tokenRequests.length
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        client.request('HEAD', '/v2/spaceone/console/manifests/2.0.0', { scope, accept: MANIFEST_TYPES }),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200))
    expect(client.peakInFlight).toBe(2)
    expect(token.tokenRequests.slice(before).map((r) => r.scopes)).toEqual([[scope]])
  })
})
