import { describe, expect, it } from 'vitest'
import { parseImageRef } from '../../../src/core/credentials/image-ref.js'
import { candidatesFor, keyringOfDockerConfig, keyringOfSecret } from '../../../src/core/credentials/pull-keyring.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('keyringOfDockerConfig', () => {
  it('reads auth (which wins over the fields, as in the kubelet), the fields alone, and keys as the kubelet files them', () => {
    const config = JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
        'harbor.example.com': { username: 'u', password: 'field', auth: b64('robot:fromauth') },
        'ghcr.io': { username: 'gh', password: 'ghpw' },
        'quay.io': { email: 'x@example.com' },
      },
    })
    expect(keyringOfDockerConfig(config)).toEqual([
      { key: 'https://index.docker.io/v1/', location: 'index.docker.io', auth: { username: 'hub', password: 'hubpw' } },
      { key: 'harbor.example.com', location: 'harbor.example.com', auth: { username: 'robot', password: 'fromauth' } },
      { key: 'ghcr.io', location: 'ghcr.io', auth: { username: 'gh', password: 'ghpw' } },
      { key: 'quay.io', location: 'quay.io' },
    ])
  })

  it('a legacy .dockercfg is the bare map; text that is not JSON is null', () => {
    expect(keyringOfDockerConfig(JSON.stringify({ 'r.io': { auth: b64('a:b') } }), 'dockercfg')).toEqual([
      { key: 'r.io', location: 'r.io', auth: { username: 'a', password: 'b' } },
    ])
    expect(keyringOfDockerConfig('{"auths": {', 'dockerconfigjson')).toBeNull()
  })
})

describe('keyringOfSecret', () => {
  it.each([
    [{ type: 'Opaque', data: {} }, 'has type Opaque, which the kubelet does not pull with'],
    [{ type: 'kubernetes.io/dockerconfigjson', data: {} }, 'has no .dockerconfigjson'],
    [
      { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":') } },
      'has a .dockerconfigjson that is not JSON',
    ],
  ])('%o: %s (and never the data)', (secret, reason) => {
    expect(keyringOfSecret(secret)).toBe(reason)
  })
})

describe('candidatesFor', () => {
  const entries = keyringOfDockerConfig(
    JSON.stringify({
      auths: {
        '*.example.com': { auth: b64('glob:1') },
        'harbor.example.com/team-a': { auth: b64('team:2') },
        'harbor.example.com': { auth: b64('host:3') },
      },
    }),
  )!.map((e) => ({ ...e, secret: 's' }))
  it.each([
    ['harbor.example.com/team-a/app:1', ['harbor.example.com/team-a', 'harbor.example.com', '*.example.com']],
    ['harbor.example.com/team-b/app:1', ['harbor.example.com', '*.example.com']],
    ['other.example.com/app:1', ['*.example.com']],
    ['a.b.example.com/app:1', []],
  ])('%s tries %o', (image, keys) => {
    expect(candidatesFor(entries, parseImageRef(image)).map((e) => e.key)).toEqual(keys)
  })
})
