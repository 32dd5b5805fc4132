import { describe, expect, it } from 'vitest'
import { parseImageRef } from '../../../src/core/credentials/image-ref.js'
import {
  candidatesFor,
  DockerConfigError,
  keyringOfDockerConfig,
  keyringOfSecret,
  kubeletLocation,
  matchCredentials,
  matchingKeys,
  readDockerConfig,
  readPullSecret,
} from '../../../src/core/credentials/docker-config.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')
const cfg = (...keys: string[]) =>
  readDockerConfig(
    JSON.stringify({ auths: Object.fromEntries(keys.map((k) => [k, { auth: b64('u:p') }])) }),
    'dockerconfigjson',
  )

describe('kubeletLocation: a config key as the kubelet files it', () => {
  it.each([
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['index.docker.io/v1/', 'index.docker.io'],
    ['docker.io', 'docker.io'],
    ['http://harbor.example.com', 'harbor.example.com'],
    ['https://harbor.example.com/v2/', 'harbor.example.com'],
    ['https://harbor.example.com/v2/cf', 'harbor.example.com/cf'],
    ['harbor.example.com:8443/cf/', 'harbor.example.com:8443/cf/'],
    ['*.example.com', '*.example.com'],
    ['https://user@harbor.example.com', 'harbor.example.com'],
    ['harbor.example.com:port', null],
    ['bad host', null],
  ])('%s → %s', (key, loc) => expect(kubeletLocation(key)).toBe(loc))
})

// The cases of the Kubernetes docs ("Interpretation of config.json") and keyring_test.go.
describe('matchingKeys', () => {
  it.each([
    // keys, image, expected matching keys
    [['https://index.docker.io/v1/'], 'cloudforet/console:2.0', ['https://index.docker.io/v1/']],
    [['https://index.docker.io/v1/'], 'nginx', ['https://index.docker.io/v1/']],
    [['https://index.docker.io/v1/'], 'docker.io/library/nginx', ['https://index.docker.io/v1/']],
    [['https://index.docker.io/v1/'], 'index.docker.io/cloudforet/x', ['https://index.docker.io/v1/']],
    [['docker.io'], 'cloudforet/console', ['docker.io']],
    // Docker Hub credentials are not for another registry, nor for Docker Hub's other host name.
    [['https://index.docker.io/v1/'], 'harbor.example.com/cf/console:1', []],
    [['https://index.docker.io/v1/'], 'registry-1.docker.io/library/redis', []],
    [['registry-1.docker.io'], 'cloudforet/console', []],
    [['harbor.example.com'], 'harbor.example.com/cf/console:1', ['harbor.example.com']],
    [['https://harbor.example.com/v2/'], 'harbor.example.com/cf/console', ['https://harbor.example.com/v2/']],
    // Ports must be equal.
    [['harbor.example.com'], 'harbor.example.com:8443/cf/console', []],
    [['harbor.example.com:8443'], 'harbor.example.com/cf/console', []],
    [['harbor.example.com:8443'], 'harbor.example.com:8443/cf/console', ['harbor.example.com:8443']],
    // A glob matches one host part; the number of parts must be equal.
    [['*.kubernetes.io'], 'abc.kubernetes.io/x', ['*.kubernetes.io']],
    [['*.kubernetes.io'], 'kubernetes.io/x', []],
    [['*.kubernetes.io'], 'abc.def.kubernetes.io/x', []],
    [['*.*.kubernetes.io'], 'abc.def.kubernetes.io/x', ['*.*.kubernetes.io']],
    [['prefix.*.io'], 'prefix.kubernetes.io/x', ['prefix.*.io']],
    [['*-good.kubernetes.io'], 'prefix-good.kubernetes.io/x', ['*-good.kubernetes.io']],
    [['harbor.example.[cn][om]'], 'harbor.example.co/x', ['harbor.example.[cn][om]']],
    [['harbor.example.[cn'], 'harbor.example.c/x', []],
    // The key's path is a prefix of the image path (a plain string prefix, as in the kubelet).
    [['my-registry.io/images'], 'my-registry.io/images/my-image', ['my-registry.io/images']],
    [['my-registry.io/images'], 'my-registry.io/other/my-image', []],
    [['my-registry.io/images'], 'my-registry.io/imagesfoo/x', ['my-registry.io/images']],
    // Every match, most specific first, duplicates of one location together.
    [
      ['my-registry.io', 'my-registry.io/images', 'https://my-registry.io', '*.io'],
      'my-registry.io/images/app',
      ['my-registry.io/images', 'my-registry.io', 'https://my-registry.io', '*.io'],
    ],
    // Host comparison is exact, as the kubelet's is.
    [['Harbor.example.com'], 'harbor.example.com/x', []],
  ])('%j for %s → %j', (keys, image, expected) => expect(matchingKeys(cfg(...keys), image)).toEqual(expected))

  it('says how the entry was chosen and whether it has credentials', () => {
    const entries = readDockerConfig(
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': { username: 'u', password: 'p' }, 'ghcr.io': {} } }),
      'dockerconfigjson',
    )
    expect(matchCredentials(entries, 'cloudforet/x')).toEqual([
      {
        key: 'https://index.docker.io/v1/',
        location: 'index.docker.io',
        hasCredentials: true,
        via: 'docker-hub-default',
      },
    ])
    expect(matchCredentials(entries, 'ghcr.io/a/b')).toEqual([
      { key: 'ghcr.io', location: 'ghcr.io', hasCredentials: false, via: 'match' },
    ])
  })
})

describe('readDockerConfig / readPullSecret', () => {
  const password = 'hunter2-SECRET'
  const json = JSON.stringify({ auths: { 'harbor.example.com': { username: 'robot', password } } })

  it('reads .dockerconfigjson and legacy .dockercfg Secrets', () => {
    expect(
      readPullSecret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(json) } }),
    ).toEqual([{ key: 'harbor.example.com', location: 'harbor.example.com', hasCredentials: true }])
    const legacy = JSON.stringify({ 'https://index.docker.io/v1/': { auth: b64(`robot:${password}`), email: 'a@b' } })
    expect(readPullSecret({ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(legacy) } })).toEqual([
      { key: 'https://index.docker.io/v1/', location: 'index.docker.io', hasCredentials: true },
    ])
    expect(readDockerConfig('{}', 'dockerconfigjson')).toEqual([])
  })

  // What the kubelet refuses; the message must never carry the data it read.
  it.each([
    [
      { type: 'Opaque', data: { '.dockerconfigjson': b64(json) } },
      'its type is Opaque; the kubelet pulls only with kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg',
    ],
    [{ type: 'kubernetes.io/dockerconfigjson', data: {} }, 'it has no .dockerconfigjson data'],
    [
      { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '@@@' } },
      'its .dockerconfigjson is not base64 of UTF-8 text',
    ],
    [
      {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64(`{"auths": {"h": {"password": "${password}"`) },
      },
      'the .dockerconfigjson is not JSON',
    ],
    [
      { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('[]') } },
      'the .dockerconfigjson has no "auths" object',
    ],
    [{ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64('"x"') } }, 'the .dockercfg is not a JSON object'],
    [
      {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { h: { auth: b64(password) } } })) },
      },
      'the auth of the entry for h is not base64 of user:password',
    ],
    [
      {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { h: { auth: `!${password}` } } })) },
      },
      'the auth of the entry for h is not base64',
    ],
    [
      {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { h: password } })) },
      },
      'the entry for h is not an object',
    ],
  ])('refuses %j', (secret, reason) => {
    let err: unknown
    try {
      readPullSecret(secret)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(DockerConfigError)
    expect((err as Error).message).toBe(reason)
    expect((err as Error).message).not.toContain(password)
  })
})

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
