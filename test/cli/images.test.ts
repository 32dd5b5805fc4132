// cfpull images through the CLI, in-process, on a values file in the shape of real installs:
// exact stdout and stderr for each output format, and the usage errors (exit 2).
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'

const VALUES = 'test/fixtures/images/values.yaml'
const DEV35 = ['images', '-f', VALUES, '--chart-version', '2.0.0-dev35']
const REDIS_WARNING =
  'warning: redis has no tag, so pods run whatever :latest is when they pull, and a mirror cannot pin it: set a tag\n'
const PLUGINS_WARNING = (n: number) =>
  `warning: ${n} managed plugins have no known tag (Cloudforet picks one when it installs a plugin): they are left out of -o list and -o skopeo-sync; pass --plugin-tags N, or --cluster for the tags running now\n`

const TABLE = [
  'IMAGE                                 SOURCE  USED BY',
  'cloudforet/board:2.0.dev12            chart   board',
  'cloudforet/config:2.0.dev10           chart   config',
  'cloudforet/console-api-v2:2.0.dev58   chart   console-api-v2',
  'cloudforet/console-api:2.0.dev25      chart   console-api',
  'cloudforet/console:2.0.dev212         file    console',
  'cloudforet/cost-analysis:2.0.dev63    chart   cost-analysis',
  'cloudforet/dashboard:2.0.dev23        chart   dashboard',
  'cloudforet/file-manager:2.0.dev14     chart   file-manager',
  'cloudforet/identity:2.0.dev110        file    identity',
  'cloudforet/inventory:2.0.dev82        chart   inventory',
  'cloudforet/marketplace-assets:1.12.0  chart   marketplace-assets',
  'cloudforet/monitoring:2.0.dev48       chart   monitoring',
  'cloudforet/notification:2.0.dev26     chart   notification',
  'cloudforet/plugin:2.0.dev15           chart   plugin',
  'cloudforet/repository:2.0.dev37       chart   repository',
  'cloudforet/search:0.0.1               chart   search',
  'cloudforet/secret:2.0.dev22           chart   secret',
  'cloudforet/spacectl:2.0.9             chart   spacectl',
  'cloudforet/statistics:2.0.dev23       chart   statistics',
  'cloudforet/supervisor:2.0.dev19       chart   supervisor',
  'mongo:6.0                             file    mongodb',
  'nginx:1.27                            file    inventory (rest_web)',
  'nginx:stable                          chart   console-api (nginx_proxy), console-api-v2 (rest_web), file-manager (rest_web), identity (rest_web)',
  'redis:latest                          chart   redis, supervisor (redis)',
  '',
  '24 service images and 0 plugin images (chart 2.0.0-dev35)',
]

const LIST = [
  'cloudforet/board:2.0.dev12',
  'cloudforet/config:2.0.dev10',
  'cloudforet/console-api-v2:2.0.dev58',
  'cloudforet/console-api:2.0.dev25',
  'cloudforet/console:2.0.dev212',
  'cloudforet/cost-analysis:2.0.dev63',
  'cloudforet/dashboard:2.0.dev23',
  'cloudforet/file-manager:2.0.dev14',
  'cloudforet/identity:2.0.dev110',
  'cloudforet/inventory:2.0.dev82',
  'cloudforet/marketplace-assets:1.12.0',
  'cloudforet/monitoring:2.0.dev48',
  'cloudforet/notification:2.0.dev26',
  'cloudforet/plugin:2.0.dev15',
  'cloudforet/repository:2.0.dev37',
  'cloudforet/search:0.0.1',
  'cloudforet/secret:2.0.dev22',
  'cloudforet/spacectl:2.0.9',
  'cloudforet/statistics:2.0.dev23',
  'cloudforet/supervisor:2.0.dev19',
  'mongo:6.0',
  'nginx:1.27',
  'nginx:stable',
  'redis:latest',
]

describe('cfpull images', () => {
  it('prints a table: one line per image, where it came from and what uses it', async () => {
    const r = await runCli([...DEV35, '--plugin-images', 'none'])
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `${TABLE.join('\n')}\n`, REDIS_WARNING])
  })

  it('-o list: one reference per line; plugins without a tag are left out, and said so', async () => {
    const r = await runCli([...DEV35, '-o', 'list'])
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `${LIST.join('\n')}\n`, REDIS_WARNING + PLUGINS_WARNING(29)])
  })

  it('-o json is the --json document; -o yaml the same in YAML', async () => {
    const args = [...DEV35, '--registry', 'harbor.example.com/cloudforet']
    const json = await runCli([...args, '--json'])
    const o = await runCli([...args, '-o', 'json'])
    const y = await runCli([...args, '-o', 'yaml'])
    expect([json.code, json.stderr, o.stdout, y.stderr]).toEqual([0, '', json.stdout, ''])
    const doc = JSON.parse(json.stdout)
    expect(parse(y.stdout)).toEqual(doc)
    expect(doc).toMatchObject({
      command: 'images',
      exitCode: 0,
      ok: true,
      chart: { version: '2.0.0-dev35', source: 'flag' },
      values: VALUES,
      registry: 'harbor.example.com/cloudforet',
      pluginImages: 'managed',
      plugins: {
        repositoryImage: 'cloudforet/repository:2.0.dev37',
        untagged: 29,
        catalog: { count: 29, type: 'DOCKER_HUB', url: 'registry.hub.docker.com', prefix: 'cloudforet' },
      },
    })
    expect(doc.images).toHaveLength(24 + 29)
    expect(doc.images.find((i: { reference: string }) => i.reference === 'mongo:6.0')).toEqual({
      reference: 'mongo:6.0',
      registry: 'docker.io',
      path: 'library/mongo',
      tag: '6.0',
      digest: null,
      mirror: 'harbor.example.com/cloudforet/mongo:6.0',
      uses: [{ service: 'mongodb', role: 'main', namespace: 'cloudforet', source: 'file' }],
      source: ['file'],
      default: false,
      kind: 'service',
      redirectable: true,
    })
    expect(doc.images.at(-1)).toEqual({
      reference: 'registry.hub.docker.com/cloudforet/plugin-telegram-noti-protocol',
      registry: 'docker.io',
      path: 'cloudforet/plugin-telegram-noti-protocol',
      tag: null,
      digest: null,
      mirror: 'harbor.example.com/cloudforet/plugin-telegram-noti-protocol',
      uses: [
        { service: 'plugin-telegram-noti-protocol', role: 'plugin', namespace: 'cloudforet-plugin', source: 'catalog' },
      ],
      source: ['catalog'],
      default: true,
      kind: 'plugin',
      redirectable: true,
      tagSource: null,
    })
  })

  it('-o skopeo-sync: the YAML skopeo sync reads, after the line that runs it', async () => {
    const r = await runCli(['images', '--chart-version', '1.12.16', '-o', 'skopeo-sync', '--plugin-images', 'none'])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n').slice(0, 4)).toEqual([
      '# cfpull images: chart 1.12.16, default values; 21 images.',
      '# Save this as images.yaml, then copy the images into your registry with:',
      '#   skopeo sync --src yaml --dest docker --all images.yaml "${MIRROR:?set MIRROR to your registry HOST/PATH}"',
      'docker.io:',
    ])
    const doc = parse(r.stdout)
    expect(Object.keys(doc)).toEqual(['docker.io'])
    expect(doc['docker.io'].images['library/mongo']).toEqual(['latest'])
    expect(doc['docker.io'].images['cloudforet/repository']).toEqual(['1.12.5'])
    expect(Object.keys(doc['docker.io'].images)).toHaveLength(21)
  })

  it('--json with another -o is exit 2, reported as the JSON document', async () => {
    const r = await runCli([...DEV35, '--json', '-o', 'yaml'])
    expect([r.code, JSON.parse(r.stdout), r.stderr]).toEqual([
      2,
      {
        command: 'images',
        exitCode: 2,
        ok: false,
        error: { type: 'UsageError', exitCode: 2, message: '--json and -o yaml ask for two formats: choose one' },
      },
      'error: --json and -o yaml ask for two formats: choose one\n',
    ])
  })

  it.each([
    [['--plugin-images', 'all'], 'error: --plugin-images all reads the running plugins: add --cluster\n'],
    [
      ['--registry', 'harbor.example.com'],
      'error: "harbor.example.com" is not a mirror HOST/PATH: it has no path: give one, as in harbor.example.com/cloudforet (an empty path would name images harbor.example.com//<image>)\n',
    ],
    [
      ['--plugin-tags', '0'],
      "error: option '--plugin-tags <n>' argument '0' is invalid. expected a whole number, 1 or more\n(run with --help for usage)\n",
    ],
    [
      ['--plugin-images', 'none', '--plugin-tags', '2'],
      "error: --plugin-tags reads the managed plugins' tags, which --plugin-images none leaves out\n",
    ],
    [
      [
        '--registry',
        'harbor.example.com/cf',
        '--plugin-images',
        'none',
        '--chart-version',
        '1.10.4',
        '-f',
        'test/fixtures/images/conflict.yaml',
      ],
      'error: bitnami/redis:7 and redis:7 both map to harbor.example.com/cf/redis:7: a mirror keeps only the image name, so one would overwrite the other; keep one of them out of this mirror\n',
    ],
  ])('%j is exit 2', async (args, stderr) => {
    const r = await runCli(['images', ...args])
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', stderr])
  })
})
