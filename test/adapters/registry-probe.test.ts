// probeManifest against the real Distribution registry, in both auth modes: what the registry
// answers to a runtime's manifest request, exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryClient, probeManifest } from '../../src/adapters/registry.js'
import { startRegistry, type TestRegistry } from '../helpers/registry.js'

const PASSWORD = 'p4ss-word'
let basic: TestRegistry
let token: TestRegistry
let indexBody: string
beforeAll(async () => {
  ;[basic, token] = await Promise.all([
    startRegistry({ mode: 'htpasswd', users: { alice: PASSWORD } }),
    startRegistry({
      mode: 'token',
      users: { alice: PASSWORD, bob: PASSWORD },
      policy: (user) => (user === 'alice' ? ['pull'] : []),
    }),
  ])
  for (const r of [basic, token]) {
    await r.seedImage('cloudforet/console', '1.12.12')
    await r.seedImage('cloudforet/identity', '1.12.3', { format: 'oci', platforms: ['linux/amd64'] })
  }
})
afterAll(async () => {
  await Promise.all([basic?.stop(), token?.stop()])
})

const client = (r: TestRegistry, user?: string, password = PASSWORD) =>
  new RegistryClient(r.host, { ca: [r.caPem], ...(user && { credentials: { username: user, password } }) })
const json = 'application/json; charset=utf-8'

describe('probeManifest', () => {
  it.each(['htpasswd', 'token'] as const)(
    '%s: a manifest, an index with its body, a missing tag and repository',
    async (mode) => {
      const r = mode === 'htpasswd' ? basic : token
      const c = client(r, 'alice')
      expect(await probeManifest(c, 'cloudforet/console', '1.12.12')).toEqual({
        kind: 'response',
        status: 200,
        contentType: 'application/vnd.docker.distribution.manifest.v2+json',
      })
      const idx = await probeManifest(c, 'cloudforet/identity', '1.12.3')
      expect(idx).toMatchObject({
        kind: 'response',
        status: 200,
        contentType: 'application/vnd.oci.image.index.v1+json',
      })
      indexBody = idx.kind === 'response' ? (idx.body ?? '') : ''
      expect(JSON.parse(indexBody).manifests.map((m: any) => m.platform)).toEqual([
        { architecture: 'amd64', os: 'linux' },
      ])
      expect(await probeManifest(c, 'cloudforet/console', '9.9.9')).toEqual({
        kind: 'response',
        status: 404,
        contentType: json,
        errorCodes: ['MANIFEST_UNKNOWN'],
      })
      // Distribution answers MANIFEST_UNKNOWN here too; the tag list is what says NAME_UNKNOWN.
      expect(await probeManifest(c, 'cloudforet/nothing', '1')).toEqual({
        kind: 'response',
        status: 404,
        contentType: json,
        errorCodes: ['NAME_UNKNOWN'],
      })
    },
  )

  it('htpasswd: a wrong password and no credentials are both a Basic 401', async () => {
    // A HEAD has no body, so no error codes: the status and the challenge are the whole answer.
    const expected = { kind: 'response', status: 401, contentType: json, challenge: { scheme: 'basic' } }
    expect(await probeManifest(client(basic, 'alice', 'wrong'), 'cloudforet/console', '1.12.12')).toEqual(expected)
    expect(await probeManifest(client(basic), 'cloudforet/console', '1.12.12')).toEqual(expected)
  })

  it('token: the realm refuses a wrong password; a user without a grant gets insufficient_scope', async () => {
    expect(await probeManifest(client(token, 'alice', 'wrong'), 'cloudforet/console', '1.12.12')).toEqual({
      kind: 'token-refused',
      status: 401,
    })
    const denied = {
      kind: 'response',
      status: 401,
      contentType: json,
      challenge: { scheme: 'bearer', error: 'insufficient_scope' },
    }
    expect(await probeManifest(client(token, 'bob'), 'cloudforet/console', '1.12.12')).toEqual(denied)
    expect(await probeManifest(client(token), 'cloudforet/console', '1.12.12')).toEqual(denied)
    const asked = token.tokenRequests.filter((t) => t.user === 'bob')
    expect(asked.map((t) => [t.scopes, t.granted])).toEqual([
      [['repository:cloudforet/console:pull'], [{ type: 'repository', name: 'cloudforet/console', actions: [] }]],
    ])
  })

  it('a port nothing listens on is unreachable, not an exception', async () => {
    const down = await startRegistry({ mode: 'htpasswd' })
    const host = down.host
    await down.stop()
    const c = new RegistryClient(host, { ca: [down.caPem] })
    expect(await probeManifest(c, 'cloudforet/console', '1')).toEqual({
      kind: 'unreachable',
      reason: `ECONNREFUSED: connect ECONNREFUSED ${host}`,
    })
  })
})
