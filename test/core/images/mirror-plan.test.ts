import { describe, expect, it } from 'vitest'
import { skopeoCopyArgs, skopeoError, type SkopeoWorkspace } from '../../../src/adapters/skopeo.js'
import {
  ImageListError,
  manifestBytes,
  mirrorExitCode,
  parseImageList,
  planMirror,
  platformChild,
  sourceReference,
  type MirrorRecord,
} from '../../../src/core/images/mirror-plan.js'
import { MirrorNameConflictError } from '../../../src/core/images/mirror-name.js'
import { parsePlatform } from '../../../src/core/images/pull-check.js'

const target = { host: 'harbor.example.com', path: 'cloudforet' }

describe('parseImageList', () => {
  it('reads one reference per line; blank lines, comments and repeats are left out', () => {
    const text =
      '\ufeff# from cfpull images -o list\ncloudforet/console:2.0.dev31\r\n\n  mongo   # the database\ncloudforet/console:2.0.dev31\n'
    expect(parseImageList(text, 'list.txt')).toEqual([{ image: 'cloudforet/console:2.0.dev31' }, { image: 'mongo' }])
  })

  it('names file:line:col of a line that is not a reference', () => {
    expect(() => parseImageList('redis\n\n   cloudforet/Console:1\n', 'list.txt')).toThrow(
      new ImageListError(
        'list.txt',
        3,
        4,
        '"cloudforet/Console:1" is not an image reference: "Console" must be lower case letters, digits and . _ -',
      ),
    )
    expect(() => parseImageList('redis mongo\n', 'l')).toThrow('l:1:1: "redis mongo" holds more than one word')
  })
})

describe('planMirror', () => {
  it('names each source through the mirror mapping; one already under the target is kept, not copied onto itself', () => {
    const plan = planMirror(
      [
        { image: 'cloudforet/console:2.0.dev31' },
        { image: 'index.docker.io/library/redis' },
        { image: 'ghcr.io/cloudforet/plugins/plugin-aws-ec2@sha256:' + 'a'.repeat(64) },
        { image: 'harbor.example.com/cloudforet/console-api:2.0' },
      ],
      target,
    )
    expect(plan.map((e) => [e.destination, e.alreadyThere, sourceReference(e)])).toEqual([
      ['harbor.example.com/cloudforet/console:2.0.dev31', false, 'docker.io/cloudforet/console:2.0.dev31'],
      ['harbor.example.com/cloudforet/redis:latest', false, 'docker.io/library/redis:latest'],
      [
        `harbor.example.com/cloudforet/plugin-aws-ec2@sha256:${'a'.repeat(64)}`,
        false,
        `ghcr.io/cloudforet/plugins/plugin-aws-ec2@sha256:${'a'.repeat(64)}`,
      ],
      ['harbor.example.com/cloudforet/console-api:2.0', true, 'harbor.example.com/cloudforet/console-api:2.0'],
    ])
    expect(plan[2]!.to).toEqual({
      host: 'harbor.example.com',
      repository: 'cloudforet/plugin-aws-ec2',
      reference: `sha256:${'a'.repeat(64)}`,
    })
  })

  it('refuses two images that would land on one name (exit 2)', () => {
    expect(() => planMirror([{ image: 'redis' }, { image: 'bitnami/redis' }], target)).toThrow(MirrorNameConflictError)
  })
})

describe('platforms and sizes', () => {
  const index = JSON.stringify({
    manifests: [
      { digest: 'sha256:amd', platform: { os: 'linux', architecture: 'amd64' } },
      { digest: 'sha256:att', platform: { os: 'unknown', architecture: 'unknown' } },
      { digest: 'sha256:arm', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ],
  })
  it('picks the child a node of that platform would pull', () => {
    expect(platformChild(index, parsePlatform('linux/arm64'))?.digest).toBe('sha256:arm')
    expect(platformChild(index, parsePlatform('linux/x86_64'))?.digest).toBe('sha256:amd')
    expect(platformChild(index, parsePlatform('linux/s390x'))).toBeUndefined()
  })
  it('counts the config and the layers of a manifest', () => {
    expect(manifestBytes(JSON.stringify({ config: { size: 10 }, layers: [{ size: 100 }, { size: 5 }] }))).toBe(115)
    expect(manifestBytes('not json')).toBe(0)
  })
})

describe('mirrorExitCode', () => {
  const rec = (status: MirrorRecord['status']): MirrorRecord => ({
    source: 's',
    destination: 'd',
    platforms: [],
    digest: null,
    status,
    reason: '',
    bytes: null,
  })
  it('is 0 when every image is in place, 6 when one is not, 130 after an interrupt', () => {
    expect(mirrorExitCode([rec('copied'), rec('skipped')], false)).toBe(0)
    expect(mirrorExitCode([rec('copied'), rec('failed')], false)).toBe(6)
    expect(mirrorExitCode([rec('copied')], true)).toBe(130)
  })
})

describe('skopeo adapter', () => {
  const ws: SkopeoWorkspace = {
    dir: '/tmp/w',
    authFile: '/tmp/w/auth.json',
    srcCertDir: '/tmp/w/src-certs',
    remove: async () => {},
  }
  it('copies an index whole with its digests, or one platform, and never passes a credential', () => {
    expect(skopeoCopyArgs(ws, { source: 'docker.io/cloudforet/console:1', destination: 'h/p/console:1' })).toEqual([
      'copy',
      '--all',
      '--preserve-digests',
      '--retry-times',
      '2',
      '--authfile',
      '/tmp/w/auth.json',
      '--src-cert-dir',
      '/tmp/w/src-certs',
      'docker://docker.io/cloudforet/console:1',
      'docker://h/p/console:1',
    ])
    expect(
      skopeoCopyArgs(ws, { source: 'a/b:1', destination: 'h/p/b:1', platform: parsePlatform('linux/arm/v7') }).slice(
        0,
        8,
      ),
    ).toEqual([
      '--override-os',
      'linux',
      '--override-arch',
      'arm',
      '--override-variant',
      'v7',
      'copy',
      '--preserve-digests',
    ])
  })
  it("reads skopeo's last fatal message", () => {
    const stderr = [
      'Getting image source signatures',
      'time="2026-12-05T13:43:17Z" level=fatal msg="initializing source docker://x/a:b: reading manifest b in x/a: manifest unknown: manifest \\"b\\" unknown"',
      '',
    ].join('\n')
    expect(skopeoError(stderr)).toBe(
      'initializing source docker://x/a:b: reading manifest b in x/a: manifest unknown: manifest "b" unknown',
    )
  })
})
