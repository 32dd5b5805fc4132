import { describe, expect, it } from 'vitest'
import { execaRunner, redactingRunner } from '../../../src/adapters/run.js'
import { dealBatches } from '../../../src/commands/mirror/mirror.js'
import {
  parseSyncLog,
  syncEvent,
  skopeoSyncArgs,
  skopeoSyncFile,
  syncSourceName,
  type SkopeoWorkspace,
} from '../../../src/adapters/skopeo.js'
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
  it('syncs the batch with --keep-going, each index whole with its digests or one platform, never a credential', () => {
    expect(skopeoSyncArgs(ws, '/tmp/w/sync-0.yaml', { destination: 'h/p' })).toEqual([
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--keep-going',
      '--all',
      '--preserve-digests',
      '--retry-times',
      '2',
      '--authfile',
      '/tmp/w/auth.json',
      '/tmp/w/sync-0.yaml',
      'h/p',
    ])
    expect(
      skopeoSyncArgs(ws, '/tmp/w/sync-0.yaml', { destination: 'h/p', platform: parsePlatform('linux/arm/v7') }).slice(
        0,
        13,
      ),
    ).toEqual([
      '--override-os',
      'linux',
      '--override-arch',
      'arm',
      '--override-variant',
      'v7',
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--keep-going',
      '--preserve-digests',
    ])
  })
  it('writes one file for the batch: each registry with its CA directory, each repository with its tags and digests', () => {
    const file = skopeoSyncFile(ws, [
      { host: 'docker.io', repository: 'cloudforet/console', reference: '2.0.dev31' },
      { host: 'docker.io', repository: 'library/redis', reference: 'sha256:' + 'a'.repeat(64) },
      { host: 'docker.io', repository: 'cloudforet/console', reference: '2.0.dev32' },
      { host: 'ghcr.io', repository: 'x/y', reference: '1' },
    ])
    expect(JSON.parse(file)).toEqual({
      'docker.io': {
        'cert-dir': '/tmp/w/src-certs',
        images: { 'cloudforet/console': ['2.0.dev31', '2.0.dev32'], 'library/redis': ['sha256:' + 'a'.repeat(64)] },
      },
      'ghcr.io': { 'cert-dir': '/tmp/w/src-certs', images: { 'x/y': ['1'] } },
    })
  })
  it("attributes each failure in skopeo sync's log to its image", () => {
    // Lines as skopeo 1.9.3 writes them (recorded from a run against the test registries).
    const stderr = [
      'time="2026-12-05T23:59:07Z" level=info msg="Processing repo" registry="127.0.0.1:36529" repo=cf/console',
      'time="2026-12-05T23:59:07Z" level=info msg="Copying image ref 1/2" from="docker://127.0.0.1:36529/cf/console:1.0" to="docker://127.0.0.1:44771/m/console:1.0"',
      'time="2026-12-05T23:59:08Z" level=info msg="Copying image ref 2/2" from="docker://127.0.0.1:36529/cf/console:nope" to="docker://127.0.0.1:44771/m/console:nope"',
      'time="2026-12-05T23:59:08Z" level=error msg="Error copying ref \\"docker://127.0.0.1:36529/cf/console:nope\\"" error="initializing source docker://127.0.0.1:36529/cf/console:nope: reading manifest nope in 127.0.0.1:36529/cf/console: manifest unknown: manifest unknown"',
      'time="2026-12-05T23:59:08Z" level=error msg="Error copying ref \\"docker://127.0.0.1:36529/cf/b:1\\"" error="writing manifest: uploading manifest 1 to 127.0.0.1:44771/m/b: denied: requested access to the resource is denied"',
      'time="2026-12-05T23:59:08Z" level=info msg="Synced 2 images from 3 sources"',
      'time="2026-12-05T23:59:08Z" level=fatal msg="Sync failed due to previous reported error(s) for one or more images"',
      '',
    ].join('\n')
    const log = parseSyncLog(stderr)
    expect(log.started).toEqual(['docker://127.0.0.1:36529/cf/console:1.0', 'docker://127.0.0.1:36529/cf/console:nope'])
    expect([...log.failures]).toEqual([
      [
        syncSourceName({ host: '127.0.0.1:36529', repository: 'cf/console', reference: 'nope' }),
        {
          reason:
            'initializing source docker://127.0.0.1:36529/cf/console:nope: reading manifest nope in 127.0.0.1:36529/cf/console: manifest unknown: manifest unknown',
          kind: 'not-found',
        },
      ],
      [
        'docker://127.0.0.1:36529/cf/b:1',
        {
          reason:
            'writing manifest: uploading manifest 1 to 127.0.0.1:44771/m/b: denied: requested access to the resource is denied',
          kind: 'denied',
        },
      ],
    ])
    expect(log.fatal).toBe('Sync failed due to previous reported error(s) for one or more images')
    // The same lines one at a time, as they stream: only those about an image (or the end) count.
    expect(stderr.split('\n').map(syncEvent)).toEqual([
      undefined,
      { kind: 'started', source: 'docker://127.0.0.1:36529/cf/console:1.0' },
      { kind: 'started', source: 'docker://127.0.0.1:36529/cf/console:nope' },
      {
        kind: 'failed',
        source: 'docker://127.0.0.1:36529/cf/console:nope',
        reason:
          'initializing source docker://127.0.0.1:36529/cf/console:nope: reading manifest nope in 127.0.0.1:36529/cf/console: manifest unknown: manifest unknown',
        failure: 'not-found',
      },
      {
        kind: 'failed',
        source: 'docker://127.0.0.1:36529/cf/b:1',
        reason:
          'writing manifest: uploading manifest 1 to 127.0.0.1:44771/m/b: denied: requested access to the resource is denied',
        failure: 'denied',
      },
      undefined,
      { kind: 'fatal', reason: 'Sync failed due to previous reported error(s) for one or more images' },
      undefined,
    ])
  })
})

describe('skopeo sync batches', () => {
  it('deals the heaviest image first to the lightest batch, so no batch holds two indexes when it can be helped', () => {
    // The bench's set: three indexes of two platforms, five single manifests.
    const images = [
      ['console', 2],
      ['console-api', 1],
      ['identity', 1],
      ['inventory', 2],
      ['supervisor', 1],
      ['plugin', 1],
      ['redis', 1],
      ['mongo', 2],
    ] as const
    const batches = dealBatches(images, 4, (i) => i[1]).map((b) => b.map((i) => i[0]))
    // Weights 3, 3, 3, 2 (round-robin by position gave 3, 2, 2, 4: inventory and mongo together).
    expect(batches).toEqual([
      ['console', 'supervisor'],
      ['inventory', 'plugin'],
      ['redis', 'mongo'],
      ['console-api', 'identity'],
    ])
    expect(dealBatches(images, 1, (i) => i[1])).toEqual([images])
    expect(dealBatches(images.slice(0, 2), 4, (i) => i[1])).toEqual([[images[0]], [images[1]]])
  })
})

describe('the runner streams stderr lines', () => {
  it('hands over each line as it is written, a line split across writes whole, and keeps all of it in stderr', async () => {
    const lines: string[] = []
    // Two writes that split a line in the middle, then a last line without a newline.
    const script = [
      "process.stderr.write('first\\nsec')",
      "setTimeout(() => process.stderr.write(Buffer.from('ond é\\nthird', 'utf8')), 50)",
    ].join(';')
    const r = await execaRunner(process.execPath, ['-e', script], { onStderrLine: (l) => lines.push(l) })
    expect(lines).toEqual(['first', 'second é', 'third'])
    expect(r.stderr).toBe('first\nsecond é\nthird')
  })

  it('redacts each streamed line as it redacts the output', async () => {
    const lines: string[] = []
    const run = redactingRunner(execaRunner, (s) => s.replaceAll('Pa55', '***'))
    await run(process.execPath, ['-e', "process.stderr.write('login Pa55\\n')"], { onStderrLine: (l) => lines.push(l) })
    expect(lines).toEqual(['login ***'])
  })
})
