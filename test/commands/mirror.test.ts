// `cfpull mirror` against two real Distribution registries (TLS + htpasswd) and the real skopeo:
// one stands in for the public source, the other is the private mirror. What is asserted comes
// from the registries themselves: digests asked of the destination, requests from its access log.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryClient, fetchManifest } from '../../src/adapters/registry.js'
import { execaRunner } from '../../src/adapters/run.js'
import { mirror } from '../../src/commands/mirror/mirror.js'
import type { MirrorProgress } from '../../src/commands/mirror/types.js'
import { indexChildren, manifestBytes } from '../../src/core/images/mirror-plan.js'
import { startDenyingProxy } from '../helpers/registry-proxy.js'
import {
  startRegistries,
  type AccessLogEntry,
  type RegistrySet,
  type SeededImage,
  type TestRegistry,
} from '../helpers/registry.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

let set: RegistrySet
let src: TestRegistry
let dst: TestRegistry
const seeded: Record<string, SeededImage> = {}
// The list as a user would write it (or `images -o list` print it): a tag, none (:latest), an
// explicit :latest, a nested path, `library/` names, OCI and Docker media types, an index.
let list: string[]

beforeAll(async () => {
  set = await startRegistries([
    { mode: 'htpasswd', users: { puller: 'Src-Pa55' }, accessLog: true },
    { mode: 'htpasswd', users: { robot: 'Dest-Pa55' }, accessLog: true },
  ])
  ;[src, dst] = set.registries as [TestRegistry, TestRegistry]
  const platforms = ['linux/amd64', 'linux/arm64']
  seeded.console = await src.seedImage('cloudforet/console', '2.0.dev31', { platforms })
  seeded.api = await src.seedImage('cloudforet/console-api', '2.0.dev31')
  seeded.supervisor = await src.seedImage('cloudforet/supervisor', '2.0.dev31', { format: 'oci' })
  seeded.plugin = await src.seedImage('cloudforet/plugins/plugin-aws-ec2', '1.2.0')
  seeded.redis = await src.seedImage('library/redis', 'latest')
  seeded.mongo = await src.seedImage('library/mongo', 'latest', { format: 'oci', platforms })
  list = [
    `${src.host}/cloudforet/console:2.0.dev31`,
    `${src.host}/cloudforet/console-api:2.0.dev31`,
    `${src.host}/cloudforet/supervisor:2.0.dev31`,
    `${src.host}/cloudforet/plugins/plugin-aws-ec2:1.2.0`,
    `${src.host}/library/redis`,
    `${src.host}/library/mongo:latest`,
  ]
}, 60000)

afterAll(async () => {
  await set?.stop()
})

const ENV = () => ({ PATH: process.env.PATH!, CFPULL_SRC_PASSWORD: 'Src-Pa55', CFPULL_DEST_PASSWORD: 'Dest-Pa55' })

function listFile(lines: string[]): string {
  const file = join(tempDir(), 'list.txt')
  writeFileSync(file, `# images of the install\n${lines.join('\n')}\n`)
  return file
}

function args(path: string, file: string, ...more: string[]): string[] {
  return [
    'mirror',
    '--to',
    `${dst.host}/${path}`,
    '--images',
    file,
    '--src-username',
    'puller',
    '--dest-username',
    'robot',
    '--src-ca',
    src.caFile,
    '--dest-ca',
    dst.caFile,
    ...more,
  ]
}

interface Record_ {
  source: string
  destination: string
  platforms: string[] | null
  digest: string | null
  status: string
  reason: string
  bytes: number | null
}

function records(stdout: string): Record_[] {
  return (JSON.parse(stdout) as { images: Record_[] }).images
}

/** The digest the destination serves for a reference (HEAD, as a node would ask). */
async function destDigest(repository: string, reference: string): Promise<string | undefined> {
  const client = new RegistryClient(dst.host, {
    credentials: { username: 'robot', password: 'Dest-Pa55' },
    ca: [dst.caPem],
  })
  return (await fetchManifest(client, repository, reference, 'HEAD')).digest
}

const writes = (log: AccessLogEntry[]) => log.filter((r) => !['GET', 'HEAD'].includes(r.method))
const blobUploads = (log: AccessLogEntry[]) =>
  log.filter((r) => r.method === 'POST' && r.path.includes('/blobs/uploads/'))

describe('cfpull mirror', () => {
  it('copies every image with the source digest, then a rerun moves no blob and asks ≤1.2 requests per image', async () => {
    const file = listFile(list)
    const first = await runCli(args('full', file, '--json'), { env: ENV() })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const got = records(first.stdout)
    expect(got.map((r) => [r.destination, r.status, r.reason])).toEqual([
      [`${dst.host}/full/console:2.0.dev31`, 'copied', 'copied; pulls from the mirror'],
      [`${dst.host}/full/console-api:2.0.dev31`, 'copied', 'copied; pulls from the mirror'],
      [`${dst.host}/full/supervisor:2.0.dev31`, 'copied', 'copied; pulls from the mirror'],
      [`${dst.host}/full/plugin-aws-ec2:1.2.0`, 'copied', 'copied; pulls from the mirror'],
      [`${dst.host}/full/redis:latest`, 'copied', 'copied; pulls from the mirror'],
      [`${dst.host}/full/mongo:latest`, 'copied', 'copied; pulls from the mirror'],
    ])
    expect(got[0]!.platforms).toEqual(['linux/amd64', 'linux/arm64'])
    expect(got[1]!.platforms).toEqual([])
    expect(got.every((r) => typeof r.bytes === 'number' && r.bytes > 0)).toBe(true)
    // Every digest at the destination is the source's (the index's for a multi-arch image).
    const order = ['console', 'api', 'supervisor', 'plugin', 'redis', 'mongo']
    const repos = ['console', 'console-api', 'supervisor', 'plugin-aws-ec2', 'redis', 'mongo']
    for (const [i, key] of order.entries()) {
      expect(got[i]!.digest).toBe(seeded[key]!.digest)
      expect(await destDigest(`full/${repos[i]}`, seeded[key]!.tag)).toBe(seeded[key]!.digest)
    }

    const [destBefore, srcBefore] = [dst.requests().length, src.requests().length]
    const again = await runCli(args('full', file, '--json'), { env: ENV() })
    expect(again.code).toBe(0)
    expect(records(again.stdout).map((r) => [r.status, r.reason])).toEqual(
      Array(6).fill(['skipped', 'already at the destination with the same digest']),
    )
    // Let the registries' access logs arrive.
    await new Promise((done) => setTimeout(done, 200))
    const destRun = dst.requests().slice(destBefore)
    const srcRun = src.requests().slice(srcBefore)
    expect(blobUploads(destRun)).toEqual([])
    expect(writes(destRun)).toEqual([])
    // One ping and one HEAD per image at each registry: 7 requests for 6 images.
    expect(destRun.length).toBe(7)
    expect(srcRun.length).toBe(7)
    expect(destRun.length / 6).toBeLessThanOrEqual(1.2)
  })

  it("names the image being copied from skopeo's log as it is written, and counts the images done and the bytes", async () => {
    const file = listFile(list)
    const events: MirrorProgress[] = []
    const r = await mirror(
      {
        to: `${dst.host}/progress`,
        images: file,
        dryRun: false,
        concurrency: 2,
        src: { username: 'puller', passwordStdin: false, ca: src.caFile },
        dest: { username: 'robot', passwordStdin: false, ca: dst.caFile },
      },
      { run: execaRunner, env: ENV(), readStdin: async () => '', onProgress: (p) => events.push({ ...p }) },
    )
    expect(r.exitCode).toBe(0)
    // The bytes of each copy are those its manifests name at the source (an index: all its children).
    const source = new RegistryClient(src.host, {
      credentials: { username: 'puller', password: 'Src-Pa55' },
      ca: [src.caPem],
    })
    const sizeAt = async (repository: string, reference: string): Promise<number> => {
      const m = await fetchManifest(source, repository, reference, 'GET')
      const children = m.body ? indexChildren(m.body) : []
      if (!children.length) return manifestBytes(m.body!)
      let sum = 0
      for (const ch of children) sum += await sizeAt(repository, ch.digest)
      return sum
    }
    const sizes = await Promise.all(
      list.map((ref) => {
        const [repository, tag] = ref.slice(src.host.length + 1).split(':') as [string, string | undefined]
        return sizeAt(repository, tag ?? 'latest')
      }),
    )
    expect(r.records.map((x) => x.bytes)).toEqual(sizes)
    const total = sizes.reduce((a, b) => a + b, 0)
    // Each image is named while it is copied, as skopeo starts it (two syncs side by side).
    const named = events.filter((e) => e.phase === 'copy' && e.current).map((e) => e.current)
    expect([...new Set(named)].sort()).toEqual([...list].sort())
    // The checks count the images checked; then the images done only go up, to all of them, with
    // the bytes of the copies proven so far.
    expect(events.filter((e) => e.phase === 'check').map((e) => e.done)).toEqual([0, 1, 2, 3, 4, 5, 6])
    const counts = events.filter((e) => e.phase !== 'check').map((e) => e.done)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(events.at(-1)).toEqual({ phase: 'done', done: 6, total: 6, bytes: total })
    expect(events.filter((e) => e.phase !== 'check').every((e) => e.bytes <= total)).toBe(true)
  })

  it('prints the plan with --dry-run and writes nothing', async () => {
    const file = listFile(list.slice(0, 2))
    const before = dst.requests().length
    const r = await runCli(args('dry', file, '--dry-run', '--no-color'), {
      env: { ...ENV(), CFPULL_SKOPEO: '/nonexistent/skopeo' },
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        `cfpull mirror → ${dst.host}/dry: 2 images, every platform (dry run: nothing is pushed)`,
        '',
        `  ℹ planned ${list[0]}     → ${dst.host}/dry/console:2.0.dev31`,
        '      not at the destination',
        `  ℹ planned ${list[1]} → ${dst.host}/dry/console-api:2.0.dev31`,
        '      not at the destination',
        '',
        '✔ 2 planned',
        '',
      ].join('\n'),
    )
    await new Promise((done) => setTimeout(done, 100))
    expect(writes(dst.requests().slice(before))).toEqual([])
  })

  it('copies only the asked platform with --platform: one manifest, the child digest', async () => {
    const file = listFile([list[0]!])
    const r = await runCli(args('amd64', file, '--platform', 'linux/amd64', '--json'), { env: ENV() })
    expect(r.code).toBe(0)
    const [rec] = records(r.stdout)
    const index = JSON.parse(
      (
        await fetchManifest(
          new RegistryClient(src.host, { credentials: { username: 'puller', password: 'Src-Pa55' }, ca: [src.caPem] }),
          'cloudforet/console',
          '2.0.dev31',
          'GET',
        )
      ).body!,
    ) as { manifests: Array<{ digest: string; platform: { architecture: string } }> }
    const amd64 = index.manifests.find((m) => m.platform.architecture === 'amd64')!.digest
    const arm64 = index.manifests.find((m) => m.platform.architecture === 'arm64')!.digest
    expect(rec).toMatchObject({ status: 'copied', platforms: ['linux/amd64'], digest: amd64 })
    expect(await destDigest('amd64/console', '2.0.dev31')).toBe(amd64)
    expect(await destDigest('amd64/console', arm64)).toBeUndefined()
    // A rerun compares the child digest of that platform, and skips.
    const again = await runCli(args('amd64', file, '--platform', 'linux/amd64', '--json'), { env: ENV() })
    expect(records(again.stdout)[0]).toMatchObject({ status: 'skipped', digest: amd64 })
  })

  it('exits 5 and pushes nothing when the destination rejects the password', async () => {
    const file = listFile(list.slice(0, 3))
    const before = dst.requests().length
    const r = await runCli(args('wrong', file), { env: { ...ENV(), CFPULL_DEST_PASSWORD: 'not-it' } })
    expect(r.code).toBe(5)
    expect(r.stderr).toContain(`error: the destination ${dst.host} rejected the credentials; nothing was pushed`)
    await new Promise((done) => setTimeout(done, 100))
    const run = dst.requests().slice(before)
    expect(run.length).toBeGreaterThan(0)
    expect(writes(run)).toEqual([])
  })

  it('names the repository whose push the registry refuses, and copies the others', async () => {
    const proxy = await startDenyingProxy(dst, ['denied/console-api'])
    try {
      const file = listFile(list.slice(0, 3))
      const r = await runCli(
        [
          ...args('denied', file, '--json').map((a) =>
            a === `${dst.host}/denied` ? `${proxy.host}/denied` : a === dst.caFile ? proxy.caFile : a,
          ),
        ],
        { env: ENV() },
      )
      expect(r.code).toBe(6)
      const got = records(r.stdout)
      expect(got.map((x) => x.status)).toEqual(['copied', 'failed', 'copied'])
      expect(got[1]!.reason).toMatch(/^the destination refused the push to denied\/console-api: .*denied/)
      expect(proxy.denied.length).toBeGreaterThan(0)
    } finally {
      await proxy.stop()
    }
  })

  it('keeps what was copied when the source stops mid-run, and a rerun copies only the rest', async () => {
    // One skopeo sync copies the batch, one image after the other. The source is stopped as soon as
    // the first manifest lands at the destination: skopeo is then in the middle of the batch.
    const file = listFile(list)
    const before = dst.requests().length
    const running = runCli(args('stopped', file, '--json'), { env: ENV() })
    const landed = () =>
      dst
        .requests()
        .slice(before)
        .some((q) => q.method === 'PUT' && q.path.includes('/manifests/'))
    for (let i = 0; i < 3000 && !landed(); i++) await new Promise((done) => setTimeout(done, 5))
    expect(landed()).toBe(true)
    await src.halt()
    const r = await running
    expect(r.code).toBe(6)
    const got = records(r.stdout)
    const copied = got.filter((x) => x.status === 'copied')
    const failed = got.filter((x) => x.status === 'failed')
    expect(copied.length + failed.length).toBe(6)
    expect(failed.length).toBeGreaterThan(0)
    // Each image that did not arrive is failed with skopeo's own line for it.
    for (const x of failed) expect(x.reason).toMatch(/^skopeo sync failed: .*(connection refused|EOF|connection reset)/)
    const at = (x: Record_) => {
      const [repository, tag] = x.destination.slice(dst.host.length + 1).split(':') as [string, string]
      return destDigest(repository, tag)
    }
    const byDest = new Map(list.map((_, i) => [got[i]!.destination, Object.values(seeded)[i]!]))
    // What was copied before the stop is intact: the source's digest; what was not has no manifest.
    for (const x of copied) {
      expect(x.digest).toBe(byDest.get(x.destination)!.digest)
      expect(await at(x)).toBe(x.digest)
    }
    for (const x of failed) expect(await at(x)).toBeUndefined()

    await src.resume()
    const again = await runCli(args('stopped', file, '--json'), { env: ENV() })
    expect(again.code).toBe(0)
    const second = records(again.stdout)
    expect(second.map((x) => x.status)).toEqual(got.map((x) => (x.status === 'copied' ? 'skipped' : 'copied')))
  }, 120000)
})

// The install of the fixture chart whose console comes from the source registry (the other
// services off), with the managed plugins of repository 2.0.dev37 at <source>/cf, as
// `patch --registry` writes the route.
function inventoryValues(): string {
  const file = join(tempDir(), 'values.yaml')
  writeFileSync(
    file,
    stringify({
      console: { image: { name: `${src.host}/cloudforet/console`, version: '2.0.dev31' } },
      // The fixture chart's Docker Hub images (console-api and its nginx, redis) are not at this source.
      'console-api': { enabled: false },
      redis: { enabled: false },
      identity: { enabled: false },
      repository: {
        enabled: false,
        application_grpc: {
          MANAGED_REGISTRY_TYPE: 'HARBOR',
          MANAGED_PLUGIN_IMAGE_PREFIX: 'cf',
          REGISTRY_INFO: { HARBOR: { url: src.host } },
        },
      },
      supervisor: { enabled: false },
      mongodb: { enabled: false },
    }),
  )
  return file
}

const HELM_ENV = () => ({
  CFPULL_HELM: toolPath('helm'),
  HELM_CACHE_HOME: tempDir(),
  HELM_CONFIG_HOME: tempDir(),
  HELM_DATA_HOME: tempDir(),
})

function inventoryArgs(path: string, values: string, ...more: string[]): string[] {
  return [
    'mirror',
    '--to',
    `${dst.host}/${path}`,
    '-f',
    values,
    '--chart',
    'test/fixtures/chart',
    '--chart-version',
    '2.0.0-dev35',
    '--src-registry',
    src.host,
    '--src-ca',
    src.caFile,
    '--dest-username',
    'robot',
    '--dest-ca',
    dst.caFile,
    ...more,
  ]
}

describe('cfpull mirror: the inventory of cfpull images, plugin tags read from the source', () => {
  beforeAll(async () => {
    for (const tag of ['1.0.0', '1.2.0', 'latest']) await src.seedImage('cf/plugin-email-noti-protocol', tag)
    for (const tag of ['2.0.dev3', '2.0']) await src.seedImage('cf/plugin-slack-noti-protocol', tag)
  }, 60000)

  it('copies what the flags of cfpull images list: the rendered services and the newest N version tags of each plugin, never latest', async () => {
    const values = inventoryValues()
    const r = await runCli(inventoryArgs('inv', values, '--src-username', 'puller', '--plugin-tags', '2', '--json'), {
      env: { ...ENV(), ...HELM_ENV() },
    })
    // 27 managed plugins of repository 2.0.dev37 are not at this source: each one failed, by name.
    expect(r.code).toBe(6)
    const got = records(r.stdout) as Array<Record_ & { tagReason?: string }>
    const copied = got.filter((x) => x.status === 'copied')
    expect(copied.map((x) => [x.source, x.destination, x.tagReason ?? null])).toEqual([
      [`${src.host}/cloudforet/console:2.0.dev31`, `${dst.host}/inv/console:2.0.dev31`, null],
      [
        `${src.host}/cf/plugin-email-noti-protocol:1.0.0`,
        `${dst.host}/inv/plugin-email-noti-protocol:1.0.0`,
        '--plugin-tags: the 2nd newest of 2 version tags at the source (PEP 440 order); not versions, so never mirrored: latest',
      ],
      [
        `${src.host}/cf/plugin-email-noti-protocol:1.2.0`,
        `${dst.host}/inv/plugin-email-noti-protocol:1.2.0`,
        '--plugin-tags: the newest of 2 version tags at the source (PEP 440 order); not versions, so never mirrored: latest',
      ],
      [
        `${src.host}/cf/plugin-slack-noti-protocol:2.0`,
        `${dst.host}/inv/plugin-slack-noti-protocol:2.0`,
        '--plugin-tags: the newest of 2 version tags at the source (PEP 440 order)',
      ],
      [
        `${src.host}/cf/plugin-slack-noti-protocol:2.0.dev3`,
        `${dst.host}/inv/plugin-slack-noti-protocol:2.0.dev3`,
        '--plugin-tags: the 2nd newest of 2 version tags at the source (PEP 440 order)',
      ],
    ])
    const failed = got.filter((x) => x.status === 'failed')
    expect(failed).toHaveLength(27)
    expect(failed).toContainEqual({
      source: `${src.host}/cf/plugin-aws-ec2-inven-collector`,
      destination: `${dst.host}/inv/plugin-aws-ec2-inven-collector`,
      platforms: null,
      digest: null,
      status: 'failed',
      reason: `could not list tags of ${src.host}/cf/plugin-aws-ec2-inven-collector: 404 NAME_UNKNOWN (needed by plugin-aws-ec2-inven-collector)`,
      bytes: null,
    })
    // `latest` is not a version: the plugin repository at the mirror holds the two versions only.
    const client = new RegistryClient(dst.host, {
      credentials: { username: 'robot', password: 'Dest-Pa55' },
      ca: [dst.caPem],
    })
    const tags = await client.request('GET', '/v2/inv/plugin-email-noti-protocol/tags/list', {
      scope: 'repository:inv/plugin-email-noti-protocol:pull',
    })
    expect((JSON.parse(tags.body.toString('utf8')) as { tags: string[] }).tags.sort()).toEqual(['1.0.0', '1.2.0'])
  })

  it('a 401 on a plugin tag list at the source: exit 5, says so and what to do, pushes nothing', async () => {
    const values = inventoryValues()
    for (const [extra, hint] of [
      [
        [],
        `the source ${src.host} asks for credentials: pass --src-username with --src-password-stdin, --src-from-docker-config or CFPULL_SRC_PASSWORD, and --src-registry ${src.host}`,
      ],
      [
        ['--src-username', 'puller'],
        `the source ${src.host} rejected the credentials: check --src-username and its password source`,
      ],
    ] as const) {
      const before = dst.requests().length
      const r = await runCli(inventoryArgs('tags401', values, ...extra), {
        // Anonymous (no source password at all), then a wrong one.
        env: {
          ...ENV(),
          ...HELM_ENV(),
          CFPULL_SRC_PASSWORD: extra.length ? 'not-the-password' : '',
        },
      })
      expect(r.code).toBe(5)
      expect(r.stderr).toMatch(
        new RegExp(
          `^error: could not list tags of ${src.host.replace(/\./g, '\\.')}/cf/plugin-[a-z0-9-]+: 401 UNAUTHORIZED \\(and 28 other plugins\\); nothing was pushed$`,
          'm',
        ),
      )
      expect(r.stderr).toContain(hint)
      await new Promise((done) => setTimeout(done, 100))
      // Nothing reached the destination but reads: no upload, no manifest.
      expect(writes(dst.requests().slice(before))).toEqual([])
    }
  })
})

describe('cfpull mirror: usage and tools', () => {
  it('refuses --images - together with a password on stdin (exit 2)', async () => {
    const r = await runCli(
      ['mirror', '--to', 'harbor.example.com/cf', '--images', '-', '--dest-username', 'robot', '--dest-password-stdin'],
      {
        stdin: 'x\n',
      },
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      '--images - reads the list from stdin, so stdin cannot carry a password too (--dest-password-stdin)',
    )
  })

  it('exits 4 with the install command and the skopeo-sync alternative when skopeo is missing', async () => {
    const file = listFile([list[0]!])
    const r = await runCli(args('none', file), { env: { ...ENV(), CFPULL_SKOPEO: '/nonexistent/skopeo' } })
    expect(r.code).toBe(4)
    expect(r.stderr).toContain('/nonexistent/skopeo not found')
    expect(r.stderr).toContain('apt-get install skopeo')
    expect(r.stderr).toContain('cfpull images -o skopeo-sync')
  })

  it('names file:line:col for a line that is not an image reference (exit 3)', async () => {
    const file = listFile(['cloudforet/console:2.0', '  Bad/Name:1'])
    const r = await runCli(['mirror', '--to', 'harbor.example.com/cf', '--images', file, '--dry-run'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`${file}:3:3: "Bad/Name:1" is not an image reference`)
  })
})
