import { describe, expect, it } from 'vitest'
import { chartInfo } from '../../../src/core/cloudforet/charts.js'
import {
  MANIFEST_ACCEPT,
  answerFor,
  groupByImage,
  indexPlatforms,
  manifestKind,
  parsePlatform,
  platformMatches,
  type AnswerContext,
  type CheckedUse,
  type ManifestProbe,
} from '../../../src/core/images/pull-check.js'
import { resolveNamespaces } from '../../../src/core/cloudforet/namespaces.js'
import { parseValues } from '../../../src/core/yaml/values.js'
import { imagesFromValues } from '../../../src/core/images/values-images.js'

const index = (...platforms: Array<Record<string, string> | undefined>) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: platforms.map((platform, i) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${String(i).repeat(64)}`,
      size: 100,
      ...(platform && { platform }),
    })),
  })

describe('manifest media types', () => {
  it('asks for indexes and manifests of both families', () => {
    expect(MANIFEST_ACCEPT).toBe(
      'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    )
  })

  it.each([
    ['application/vnd.oci.image.index.v1+json', 'index'],
    ['application/vnd.docker.distribution.manifest.list.v2+json', 'index'],
    ['application/vnd.oci.image.manifest.v1+json', 'manifest'],
    ['application/vnd.docker.distribution.manifest.v2+json; charset=utf-8', 'manifest'],
    ['application/vnd.docker.distribution.manifest.v1+prettyjws', 'schema1'],
    ['application/json', 'unknown'],
    [undefined, 'unknown'],
  ])('%s is %s', (type, kind) => {
    expect(manifestKind(type)).toBe(kind)
  })
})

describe('platforms', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64' }],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm/7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['Linux/ARM64', { os: 'linux', architecture: 'arm64' }],
  ])('--platform %s', (text, platform) => {
    expect(parsePlatform(text)).toEqual(platform)
  })

  it.each(['linux', 'linux/', 'linux/arm64/v8/x', 'linux/amd 64'])('--platform %s is a usage error', (text) => {
    expect(() => parsePlatform(text)).toThrow(`--platform ${text} is not os/arch[/variant]`)
  })

  it.each([
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v6' }, false],
    ['linux/amd64', { os: 'windows', architecture: 'amd64' }, false],
    ['linux/amd64', { os: 'linux', architecture: 'arm64' }, false],
  ])('%s served by %o: %s', (want, have, ok) => {
    expect(platformMatches(parsePlatform(want), have)).toBe(ok)
  })

  it('reads the platforms of an index, skipping attestations and entries without one', () => {
    const body = index(
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'unknown', architecture: 'unknown' },
      undefined,
    )
    expect(indexPlatforms(body)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ])
    expect(indexPlatforms('not json')).toEqual([])
    expect(indexPlatforms('{"manifests":{}}')).toEqual([])
  })
})

describe('answerFor: what a runtime concludes from the registry', () => {
  const ctx = (o: Partial<AnswerContext> = {}): AnswerContext => ({
    host: 'harbor.example.com',
    repository: 'cloudforet/console',
    reference: '1.12.12',
    credentialed: true,
    platforms: [parsePlatform('linux/amd64')],
    ...o,
  })
  const ok = (contentType: string, body?: string): ManifestProbe => ({
    kind: 'response',
    status: 200,
    contentType,
    ...(body && { body }),
  })
  const amd64Only = index({ os: 'linux', architecture: 'amd64' })
  const cases: Array<[string, ManifestProbe, Partial<AnswerContext>, string, string?]> = [
    ['a single manifest', ok('application/vnd.docker.distribution.manifest.v2+json'), {}, 'pulls'],
    ['an index with the platform', ok('application/vnd.oci.image.index.v1+json', amd64Only), {}, 'pulls'],
    [
      'an index without the platform',
      ok('application/vnd.oci.image.index.v1+json', amd64Only),
      { platforms: [parsePlatform('linux/amd64'), parsePlatform('linux/arm64')] },
      'no linux/arm64 variant',
      'the index has linux/amd64',
    ],
    [
      'a schema 1 manifest',
      ok('application/vnd.docker.distribution.manifest.v1+prettyjws'),
      {},
      'Docker schema 1 manifest',
      'containerd 2 and CRI-O refuse schema 1 images: push it again with a current client',
    ],
    [
      '401 without credentials',
      { kind: 'response', status: 401 },
      { credentialed: false },
      'no credentials for harbor.example.com',
    ],
    [
      '401 Basic with credentials',
      { kind: 'response', status: 401, challenge: { scheme: 'Basic' } },
      {},
      'credentials rejected',
    ],
    [
      '401 Bearer insufficient_scope',
      { kind: 'response', status: 401, challenge: { scheme: 'Bearer', error: 'insufficient_scope' } },
      {},
      'no pull permission',
      'the token grants no pull on cloudforet/console (some registries answer the same for a repository that does not exist)',
    ],
    [
      '401 Bearer invalid_token',
      { kind: 'response', status: 401, challenge: { scheme: 'Bearer', error: 'invalid_token' } },
      {},
      'credentials rejected',
    ],
    ['403 with credentials', { kind: 'response', status: 403 }, {}, 'no pull permission'],
    [
      '403 anonymous',
      { kind: 'response', status: 403 },
      { credentialed: false },
      'no credentials for harbor.example.com',
    ],
    [
      'token realm refuses the password',
      { kind: 'token-refused', status: 401 },
      {},
      'credentials rejected',
      'token service answered 401',
    ],
    [
      'token realm refuses anonymous',
      { kind: 'token-refused', status: 401 },
      { credentialed: false },
      'no credentials for harbor.example.com',
      'anonymous token refused (401)',
    ],
    [
      '404 tag',
      { kind: 'response', status: 404, errorCodes: ['MANIFEST_UNKNOWN'] },
      {},
      'not found (tag or repository)',
      'no tag 1.12.12 in cloudforet/console',
    ],
    [
      '404 repository',
      { kind: 'response', status: 404, errorCodes: ['NAME_UNKNOWN'] },
      {},
      'not found (tag or repository)',
      'no repository cloudforet/console on harbor.example.com',
    ],
    ['404 without a body', { kind: 'response', status: 404 }, {}, 'not found (tag or repository)'],
    ['429', { kind: 'response', status: 429 }, {}, 'rate limited (HTTP 429)'],
    ['503', { kind: 'response', status: 503 }, {}, 'registry error (HTTP 503)'],
    ['token service 500', { kind: 'token-refused', status: 500 }, {}, 'token service error (HTTP 500)'],
    [
      'no connection',
      { kind: 'unreachable', reason: 'connect ECONNREFUSED 127.0.0.1:5000' },
      {},
      'registry unreachable',
      'connect ECONNREFUSED 127.0.0.1:5000',
    ],
  ]
  it.each(cases)('%s', (_name, probe, o, text, detail) => {
    const a = answerFor(probe, ctx(o))
    expect(a.text).toBe(text)
    expect(a.detail).toBe(detail)
  })
})

describe('groupByImage', () => {
  const use = (image: string, workload: string, namespace: string) => ({
    image,
    workload,
    namespace,
    pullSecrets: ['my-credential'],
  })
  const host = (image: string) => image.split('/')[0]!
  it('one line per image, failures first, with every workload and namespace', () => {
    const pulls = { status: 'pulls' as const, text: 'pulls' }
    const checked: CheckedUse[] = [
      { use: use('h.io/a:1', 'identity', 'cloudforet'), credential: 'my-credential/h.io', answer: pulls },
      { use: use('h.io/a:1', 'identity-scheduler', 'cloudforet'), credential: 'my-credential/h.io', answer: pulls },
      {
        use: use('h.io/b:1', 'console', 'cloudforet'),
        credential: 'my-credential/h.io',
        answer: { status: 'not-found', text: 'not found (tag or repository)' },
      },
      { use: use('h.io/c:1', 'supervisor', 'cloudforet'), credential: 'my-credential/h.io', answer: pulls },
      {
        use: use('h.io/c:1', 'supervisor', 'cloudforet-plugin'),
        answer: { status: 'no-credentials', text: 'no credentials for h.io' },
      },
    ]
    expect(groupByImage(checked, host)).toEqual([
      {
        image: 'h.io/b:1',
        host: 'h.io',
        status: 'not-found',
        text: 'not found (tag or repository)',
        workloads: ['console'],
        namespaces: ['cloudforet'],
        pullSecrets: ['my-credential'],
        credentials: ['my-credential/h.io'],
      },
      {
        image: 'h.io/c:1',
        host: 'h.io',
        status: 'no-credentials',
        text: 'no credentials for h.io',
        workloads: ['supervisor'],
        namespaces: ['cloudforet', 'cloudforet-plugin'],
        pullSecrets: ['my-credential'],
        credentials: ['my-credential/h.io'],
        split: [
          { text: 'no credentials for h.io', namespaces: ['cloudforet-plugin'] },
          { text: 'pulls', namespaces: ['cloudforet'] },
        ],
      },
      {
        image: 'h.io/a:1',
        host: 'h.io',
        status: 'pulls',
        text: 'pulls',
        workloads: ['identity', 'identity-scheduler'],
        namespaces: ['cloudforet'],
        pullSecrets: ['my-credential'],
        credentials: ['my-credential/h.io'],
      },
    ])
  })
})

describe('imagesFromValues', () => {
  it('checks only services whose file sets both image.name and version; counts the rest', () => {
    const { data } = parseValues(
      [
        'global:',
        '  namespace: cloudforet',
        '  supervisor_namespace: cloudforet-sup',
        'console:',
        '  image:',
        '    name: harbor.example.com/cloudforet/console',
        '    version: 1.12.12',
        '  imagePullSecrets:',
        '    - name: my-credential',
        'identity:',
        '  image: {name: harbor.example.com/cloudforet/identity}',
        'supervisor:',
        '  image: {name: harbor.example.com/cloudforet/supervisor, version: 1.12.3}',
        'inventory:',
        '  enabled: false',
        '  image: {name: x/inventory, version: 1}',
        '',
      ].join('\n'),
    )
    const chart = chartInfo('1.12.16')
    const r = imagesFromValues(data, chart, resolveNamespaces(data, chart), 'spaceone')
    expect(r.uses).toEqual([
      {
        image: 'harbor.example.com/cloudforet/console:1.12.12',
        workload: 'console',
        namespace: 'cloudforet',
        pullSecrets: ['my-credential'],
      },
      {
        image: 'harbor.example.com/cloudforet/supervisor:1.12.3',
        workload: 'supervisor',
        namespace: 'cloudforet-sup',
        pullSecrets: [],
      },
    ])
    expect(r.chartDefaults).toEqual(chart.services.filter((s) => !['console', 'supervisor', 'inventory'].includes(s)))
  })
})
