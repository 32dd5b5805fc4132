// cfpull images with the real parts: plugin tags read from a real registry (Distribution, token
// auth, anonymous pull as on Docker Hub), the -o skopeo-sync file taken by the real skopeo (a dry
// run over every image, then a real copy of the plugins into a second repository path), the live
// workloads from the loopback API server through kubectl, and the fixture chart through helm.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { parse, stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploymentOf, startCluster } from '../helpers/cluster.js'
import { startRegistry, type TestRegistry } from '../helpers/registry.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

let registry: TestRegistry
const PASSWORD = 'images-test-password'

beforeAll(async () => {
  // Anyone may pull, as on Docker Hub; alice may push (the mirror).
  registry = await startRegistry({
    mode: 'token',
    users: { alice: PASSWORD },
    policy: (user) => (user === null ? ['pull'] : ['pull', 'push']),
  })
  for (const tag of ['1.0.0', '1.2.0', 'latest']) await registry.seedImage('cf/plugin-email-noti-protocol', tag)
  for (const tag of ['2.0.dev3', '2.0']) await registry.seedImage('cf/plugin-slack-noti-protocol', tag)
})
afterAll(() => registry?.stop())

// The managed plugins of repository 2.0.dev37 pointed at the test registry, as patch --registry writes it.
function pluginValues(dir: string): string {
  const file = join(dir, 'values.yaml')
  writeFileSync(
    file,
    stringify({
      repository: {
        application_grpc: {
          MANAGED_REGISTRY_TYPE: 'HARBOR',
          MANAGED_PLUGIN_IMAGE_PREFIX: 'cf',
          REGISTRY_INFO: { HARBOR: { url: registry.host } },
        },
      },
    }),
  )
  return file
}

describe('--plugin-tags and -o skopeo-sync with the real registry and skopeo', () => {
  it('reads each plugin tag list, keeps the newest versions, and skopeo takes the file as it is', async () => {
    const dir = tempDir()
    const values = pluginValues(dir)
    const args = ['images', '-f', values, '--chart-version', '2.0.0-dev35', '--plugin-tags', '2']
    const common = [...args, '--registry-ca', registry.caFile, '--registry', `${registry.host}/mirror`]
    const json = await runCli([...common, '-o', 'json'])
    expect([json.code, json.stderr]).toEqual([0, ''])
    const doc = JSON.parse(json.stdout)
    const plugins = doc.images.filter((i: { kind: string; tag: string | null }) => i.kind === 'plugin' && i.tag)
    expect(
      plugins.map((i: { reference: string; tagSource: string; mirror: string }) => [
        i.reference,
        i.tagSource,
        i.mirror,
      ]),
    ).toEqual([
      [
        `${registry.host}/cf/plugin-email-noti-protocol:1.0.0`,
        'registry',
        `${registry.host}/mirror/plugin-email-noti-protocol:1.0.0`,
      ],
      [
        `${registry.host}/cf/plugin-email-noti-protocol:1.2.0`,
        'registry',
        `${registry.host}/mirror/plugin-email-noti-protocol:1.2.0`,
      ],
      [
        `${registry.host}/cf/plugin-slack-noti-protocol:2.0`,
        'registry',
        `${registry.host}/mirror/plugin-slack-noti-protocol:2.0`,
      ],
      [
        `${registry.host}/cf/plugin-slack-noti-protocol:2.0.dev3`,
        'registry',
        `${registry.host}/mirror/plugin-slack-noti-protocol:2.0.dev3`,
      ],
    ])
    // The 27 plugins the registry does not have are said, one each, and stay untagged.
    const missing = doc.warnings.filter((w: string) => w.startsWith('could not read the tags of '))
    expect(missing).toHaveLength(27)
    expect(missing).toContain(
      `could not read the tags of ${registry.host}/cf/plugin-aws-ec2-inven-collector: ${registry.host} answered 404`,
    )
    expect(doc.plugins.untagged).toBe(27)

    const sync = await runCli([...common, '-o', 'skopeo-sync'])
    expect(sync.code).toBe(0)
    expect(sync.stdout.split('\n')[2]).toBe(
      `#   skopeo sync --src yaml --dest docker --all images.yaml ${registry.host}/mirror`,
    )
    const file = join(dir, 'images.yaml')
    writeFileSync(file, sync.stdout)
    // skopeo's own naming of every image equals cfpull's mirror names.
    const dry = await execa(
      'skopeo',
      ['sync', '--src', 'yaml', '--dest', 'docker', '--all', '--dry-run', file, `${registry.host}/mirror`],
      {
        reject: false,
      },
    )
    expect([dry.exitCode, dry.stderr.match(/Would have synced \d+ images from \d+ sources/)?.[0]]).toEqual([
      0,
      'Would have synced 28 images from 26 sources',
    ])
    const destinations = [...dry.stderr.matchAll(/to="docker:\/\/([^"]+)"/g)].map((m) => m[1]).sort()
    const copyable = doc.images.filter((i: { tag: string | null }) => i.tag !== null)
    expect(destinations).toEqual(copyable.map((i: { mirror: string }) => i.mirror).sort())

    // A real copy of the test registry's part of the file: skopeo reads it and pushes every tag.
    const certs = join(dir, 'certs')
    mkdirSync(certs)
    writeFileSync(join(certs, 'ca.crt'), registry.caPem)
    const local = join(dir, 'local.yaml')
    // A source on a private CA needs skopeo's per-registry `cert-dir` (its --src-cert-dir does not reach yaml sources).
    writeFileSync(local, stringify({ [registry.host]: { ...parse(sync.stdout)[registry.host], 'cert-dir': certs } }))
    const copy = await execa(
      'skopeo',
      [
        'sync',
        '--src',
        'yaml',
        '--dest',
        'docker',
        '--all',
        '--dest-cert-dir',
        certs,
        '--dest-creds',
        `alice:${PASSWORD}`,
        local,
        `${registry.host}/mirror`,
      ],
      { reject: false },
    )
    expect([copy.exitCode, copy.stderr.match(/Synced \d+ images from \d+ sources/)?.[0]]).toEqual([
      0,
      'Synced 4 images from 2 sources',
    ])
    const tags = await execa('skopeo', [
      'list-tags',
      '--cert-dir',
      certs,
      `docker://${registry.host}/mirror/plugin-slack-noti-protocol`,
    ])
    expect(JSON.parse(tags.stdout).Tags.sort()).toEqual(['2.0', '2.0.dev3'])
  })
})

const deployment = (namespace: string, name: string, image: string, labels: Record<string, string>) =>
  deploymentOf(namespace, name, labels, { containers: [{ name, image }] })

describe('--cluster and --chart', () => {
  it('adds what runs now: a hotfix image, and the plugin tags running', async () => {
    const { api, kubeconfig } = await startCluster(['spaceone', 'spaceone-plugin'])
    api.seed(deployment('spaceone', 'console', 'cloudforet/console:2.0.dev31', { app: 'console' }))
    api.seed(deployment('spaceone', 'identity', 'cloudforet/identity:2.0.dev107-hotfix', { app: 'identity' }))
    const email = 'registry.hub.docker.com/cloudforet/plugin-email-noti-protocol:1.4.1'
    api.seed(
      deployment('spaceone-plugin', 'plugin-email-noti-protocol-x1y2', email, {
        supervisor_name: 'root',
        plugin_id: 'plugin-email-noti-protocol',
      }),
    )
    const env = { CFPULL_KUBECTL: toolPath('kubectl') }
    const base = ['images', '--chart-version', '2.0.0-dev35', '--cluster', '--kubeconfig', kubeconfig]
    const list = await runCli([...base, '-o', 'list'], { env })
    expect(list.code).toBe(0)
    const lines = list.stdout.trim().split('\n')
    expect(lines).toHaveLength(24 + 1 + 1)
    expect(lines.slice(-1)).toEqual([email])
    expect(lines).toContain('cloudforet/identity:2.0.dev107-hotfix')
    const doc = JSON.parse((await runCli([...base, '--json'], { env })).stdout)
    expect(doc.pluginImages).toBe('all')
    expect(doc.images.find((i: { reference: string }) => i.reference === email)).toMatchObject({
      source: ['cluster', 'catalog'],
      tagSource: 'cluster',
      uses: [
        { service: 'plugin-email-noti-protocol', role: 'plugin', namespace: 'spaceone-plugin', source: 'cluster' },
      ],
    })
    expect(
      doc.images.find((i: { reference: string }) => i.reference === 'cloudforet/console:2.0.dev31').source,
    ).toEqual(['chart', 'cluster'])
    expect(api.writes()).toEqual([])
  })

  it("plugins in the supervisor's namespace are listed once, as plugins (their tag rules apply), not as services", async () => {
    const { api, kubeconfig } = await startCluster(['spaceone', 'spaceone-plugin'])
    const values = join(tempDir(), 'values.yaml')
    writeFileSync(
      values,
      stringify({
        global: { supervisor_namespace: 'spaceone-plugin' },
        supervisor: {
          application_scheduler: { CONNECTORS: { KubernetesConnector: { namespace: 'spaceone-plugin' } } },
        },
      }),
    )
    api.seed(deployment('spaceone-plugin', 'supervisor', 'cloudforet/supervisor:2.0.dev19', { app: 'supervisor' }))
    const ec2 = 'registry.hub.docker.com/cloudforet/plugin-aws-ec2-inven-collector:latest'
    api.seed(
      deployment('spaceone-plugin', 'plugin-aws-ec2-inven-collector-x1y2', ec2, {
        supervisor_name: 'root',
        plugin_id: 'plugin-aws-ec2-inven-collector',
      }),
    )
    const r = await runCli(
      [
        'images',
        '--chart-version',
        '2.0.0-dev35',
        '-f',
        values,
        '--cluster',
        '--kubeconfig',
        kubeconfig,
        '--plugin-images',
        'cluster',
        '--json',
      ],
      { env: { CFPULL_KUBECTL: toolPath('kubectl') } },
    )
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.images.find((i: { reference: string }) => i.reference === ec2)).toMatchObject({
      source: ['cluster'],
      tagSource: 'cluster',
      uses: [
        {
          service: 'plugin-aws-ec2-inven-collector',
          role: 'plugin',
          namespace: 'spaceone-plugin',
          source: 'cluster',
        },
      ],
    })
    expect(
      doc.images.find((i: { reference: string }) => i.reference === 'cloudforet/supervisor:2.0.dev19').uses,
    ).toContainEqual({
      service: 'supervisor',
      role: 'container:supervisor',
      namespace: 'spaceone-plugin',
      source: 'cluster',
    })
  })

  it('--chart lists every container helm renders, and says where the table disagrees', async () => {
    const r = await runCli(
      [
        'images',
        '--chart',
        'test/fixtures/chart',
        '--chart-version',
        '1.12.16',
        '--plugin-images',
        'none',
        '-o',
        'list',
      ],
      {
        env: {
          CFPULL_HELM: toolPath('helm'),
          HELM_CACHE_HOME: tempDir(),
          HELM_CONFIG_HOME: tempDir(),
          HELM_DATA_HOME: tempDir(),
        },
      },
    )
    expect([r.code, r.stdout]).toEqual([0, RENDERED])
    expect(r.stderr).toBe(RENDER_WARNINGS)
  })
})

// The fixture chart is a miniature: where it differs from the real 1.12.16, cfpull says so.
const RENDERED =
  [
    'cloudforet/console-api:1.12.0',
    'cloudforet/console:1.12.0',
    'cloudforet/identity:1.12.0',
    'cloudforet/repository:1.12.0',
    'cloudforet/supervisor:1.12.0',
    'mongo:latest',
    'nginx:stable',
    'redis:latest',
  ].join('\n') + '\n'
// The sidecars, mongodb and redis are the real chart's: only the services' versions and the
// services the miniature leaves out differ.
const RENDER_WARNINGS =
  [
    "warning: the render runs cloudforet/console-api:1.12.0 in console-api, which cfpull's table for chart 1.12.16 does not give that service with these values",
    "warning: the render runs cloudforet/console:1.12.0 in console, which cfpull's table for chart 1.12.16 does not give that service with these values",
    "warning: the render runs cloudforet/identity:1.12.0 in identity, which cfpull's table for chart 1.12.16 does not give that service with these values",
    "warning: the render runs cloudforet/repository:1.12.0 in repository, which cfpull's table for chart 1.12.16 does not give that service with these values",
    "warning: cfpull's table for chart 1.12.16 gives cloudforet/console:1.12.12 to console (main), but the render does not run it",
    "warning: cfpull's table for chart 1.12.16 gives cloudforet/console-api:1.12.1 to console-api (main), but the render does not run it",
    "warning: cfpull's table for chart 1.12.16 gives cloudforet/identity:1.12.4 to identity (main), but the render does not run it",
    "warning: cfpull's table for chart 1.12.16 gives cloudforet/repository:1.12.5 to repository (main), but the render does not run it",
    "warning: the render runs nothing of 13 services that cfpull's table for chart 1.12.16 runs with these values (board, config, console-api-v2, cost-analysis, dashboard, file-manager, inventory, monitoring, notification, plugin, secret, spacectl, statistics): is --chart that chart version?",
    'warning: mongo has no tag, so pods run whatever :latest is when they pull, and a mirror cannot pin it: set a tag',
    'warning: redis has no tag, so pods run whatever :latest is when they pull, and a mirror cannot pin it: set a tag',
  ].join('\n') + '\n'
