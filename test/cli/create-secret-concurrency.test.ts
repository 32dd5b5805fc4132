// Another writer changes the Secret between create-secret's read and its write. cfpull writes only
// the version it read (server-side apply carrying that resourceVersion; a create when there was
// none), so the API server refuses the stale write with 409; cfpull reads again, merges again and
// tries again, at most 5 times. Nothing the other writer added is lost either way.
import { beforeEach, describe, expect, it } from 'vitest'
import { createSecretEnv, HARBOR_ROBOT, type CreateSecretEnv } from '../helpers/create-secret-env.js'
import type { FakeApiServer } from '../helpers/fake-apiserver.js'
import { kubectlEntry, pullSecret } from '../helpers/pull-secret.js'

const SECRET_PATH = '/api/v1/namespaces/cloudforet/secrets/my-credential'
const GHCR = kubectlEntry('octo', 'ghp-keep')
const HARBOR = kubectlEntry('robot', 'Harbor-Pa55')

let env: CreateSecretEnv
let api: FakeApiServer

beforeEach(async () => {
  env = await createSecretEnv({
    namespaces: ['default', 'cloudforet'],
    defaults: [...HARBOR_ROBOT, '--password-stdin', '--no-verify', '-n', 'cloudforet'],
    stdin: 'Harbor-Pa55\n',
  })
  api = env.api
})

const createSecret = (extra: string[] = []) => env.createSecret(extra)
const auths = () => env.auths('cloudforet')

/** Another writer adds `host` to the Secret (bumping its resourceVersion), as a second `create-secret` would. */
function otherWriterAdds(host: string, entry: object = kubectlEntry('other', `${host}-pass`)) {
  const s = api.get('Secret', 'cloudforet', 'my-credential')
  const current = s ? { ...auths() } : {}
  api.seed(pullSecret('cloudforet', { ...current, [host]: entry }))
}

const secretWrites = () =>
  api
    .writes()
    .map(
      (r) =>
        `${r.method} ${r.path} rv=${(JSON.parse(r.body) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? '-'}`,
    )

describe('create-secret and a concurrent writer', () => {
  it('a registry added between the read and the write is kept: 409, read again, merged again', async () => {
    api.seed(pullSecret('cloudforet', { 'ghcr.io': GHCR }))
    const read = api.get('Secret', 'cloudforet', 'my-credential').metadata.resourceVersion as string
    // Right after cfpull's first read of the Secret, quay.example.com is added by someone else.
    api.afterNext({ method: 'GET', pathIncludes: SECRET_PATH }, () => otherWriterAdds('quay.example.com', GHCR))
    const r = await createSecret()
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(r.stdout).toBe(
      [
        'Secret my-credential (password from stdin) → namespace cloudforet',
        '✔ cloudforet: configured (registries: ghcr.io, harbor.example.com, quay.example.com)',
        '',
      ].join('\n'),
    )
    expect(auths()).toEqual({ 'ghcr.io': GHCR, 'harbor.example.com': HARBOR, 'quay.example.com': GHCR })
    const moved = String(Number(read) + 1)
    expect(secretWrites()).toEqual([
      // The stale write, refused with 409 Conflict; then the write of the version read again.
      `PATCH ${SECRET_PATH} rv=${read}`,
      `PATCH ${SECRET_PATH} rv=${moved}`,
    ])
  })

  it('a Secret created by someone else after it was read as missing is merged into, not overwritten', async () => {
    api.afterNext({ method: 'GET', pathIncludes: SECRET_PATH }, () => otherWriterAdds('ghcr.io', GHCR))
    const r = await createSecret()
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('✔ cloudforet: configured (registries: ghcr.io, harbor.example.com)\n')
    expect(auths()).toEqual({ 'ghcr.io': GHCR, 'harbor.example.com': HARBOR })
    // The create is refused (AlreadyExists); the apply then carries the version it read.
    expect(secretWrites().map((w) => w.replace(/rv=\d+/, 'rv=N'))).toEqual([
      'POST /api/v1/namespaces/cloudforet/secrets rv=-',
      `PATCH ${SECRET_PATH} rv=N`,
    ])
  })

  it('when every write conflicts: 5 tries, exit 8, a true message, and the other writer keeps all it wrote', async () => {
    api.seed(pullSecret('cloudforet', { 'ghcr.io': GHCR }))
    let n = 0
    api.afterNext({ method: 'GET', pathIncludes: SECRET_PATH }, () => otherWriterAdds(`r${++n}.example.com`), Infinity)
    const r = await createSecret()
    expect(r.code).toBe(8)
    expect(r.stdout).toBe('Secret my-credential (password from stdin) → namespace cloudforet\n✖ cloudforet: failed\n')
    expect(r.stderr).toBe(
      'error: Secret my-credential in namespace cloudforet was changed by another writer each time cfpull read, merged and wrote it (5 tries): it was not written, and what the other writer wrote is kept; run the same command again when that writer is done\n',
    )
    expect(secretWrites().map((w) => w.split(' rv=')[0])).toEqual(Array(5).fill(`PATCH ${SECRET_PATH}`))
    // Nothing lost: the first registry and the five the other writer added; harbor never landed.
    expect(Object.keys(auths())).toEqual([
      'ghcr.io',
      'r1.example.com',
      'r2.example.com',
      'r3.example.com',
      'r4.example.com',
      'r5.example.com',
    ])
    const json = await createSecret(['--json'])
    expect(json.code).toBe(8)
    expect(JSON.parse(json.stdout)).toMatchObject({
      exitCode: 8,
      ok: false,
      results: [{ namespace: 'cloudforet', action: 'failed', error: { type: 'ConflictError', exitCode: 8 } }],
    })
  })
})
