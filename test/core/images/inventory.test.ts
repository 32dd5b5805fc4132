import { describe, expect, it } from 'vitest'
import { chartImages } from '../../../src/core/cloudforet/chart-images.js'
import { managedPluginRoute } from '../../../src/core/cloudforet/plugin-images.js'
import { buildInventory, type InventoryInput } from '../../../src/core/images/inventory.js'
import { MirrorNameConflictError } from '../../../src/core/images/mirror-name.js'

const namespaces = { core: 'spaceone', supervisor: 'spaceone', plugins: 'spaceone-plugin' }

function input(version: string, data: unknown, extra: Partial<InventoryInput> = {}): InventoryInput {
  const chart = chartImages(version)
  return {
    chart,
    data,
    namespaces,
    pluginImages: 'managed',
    plugins: managedPluginRoute(data, chart.repositoryImage),
    ...extra,
  }
}

const refs = (i: ReturnType<typeof buildInventory>) => i.images.map((x) => x.reference)

describe('buildInventory from the table', () => {
  it('a default 2.0.0-dev35 install: 24 service images, 29 managed plugins with no tag yet', () => {
    const inv = buildInventory(input('2.0.0-dev35', {}))
    expect(inv.images.filter((i) => i.kind === 'service')).toHaveLength(24)
    expect(inv.images.filter((i) => i.kind === 'plugin').map((i) => [i.tag, i.tagSource])).toEqual(
      Array.from({ length: 29 }, () => [null, null]),
    )
    expect(inv.plugins).toEqual({
      repositoryImage: 'cloudforet/repository:2.0.dev37',
      untagged: 29,
      catalog: {
        count: 29,
        type: 'DOCKER_HUB',
        url: 'registry.hub.docker.com',
        prefix: 'cloudforet',
        tagRule: 'docker-hub-first-page',
      },
    })
  })

  it('a sidecar follows its toggle, a disabled service drops out, a name-only image gets :latest', () => {
    const inv = buildInventory(
      input(
        '1.12.16',
        {
          monitoring: { rest: false },
          identity: { rest: true, sidecar: { rest_web: { image: { name: 'nginx', version: '1.27' } } } },
          spacectl: { enabled: false },
          redis: { image: { name: 'redis', version: 'ignored' } },
        },
        { pluginImages: 'none' },
      ),
    )
    expect(refs(inv)).not.toContain('cloudforet/spacectl:2.0.2')
    expect(inv.images.find((i) => i.reference === 'nginx:1.27')?.uses).toEqual([
      { service: 'identity', role: 'sidecar:rest_web', namespace: 'spaceone', source: 'file' },
    ])
    expect(inv.images.find((i) => i.reference === 'nginx:stable')?.uses.map((u) => u.service)).toEqual([
      'console-api',
      'console-api-v2',
    ])
    expect(inv.images.find((i) => i.reference === 'redis:latest')).toMatchObject({
      sources: ['file', 'chart'],
      tag: 'latest',
    })
  })

  it('an image written into a template is listed, and said not to be redirectable', () => {
    const inv = buildInventory(input('1.10.4', {}, { pluginImages: 'none' }))
    expect(inv.images.find((i) => i.reference === 'spaceone/kubectl-proxy:latest')).toMatchObject({
      redirectable: false,
    })
    expect(inv.warnings).toContain(
      "spaceone/kubectl-proxy:latest of supervisor (sidecar:kubectl-proxy) is written into chart 1.10.4's templates: no value points it at a mirror, so its pods keep pulling from docker.io",
    )
  })
})

describe('plugins', () => {
  it('tags from the cluster and from the registry; the rest stay untagged', () => {
    const inv = buildInventory(
      input(
        '2.0.0-dev35',
        {},
        {
          pluginImages: 'all',
          cluster: [
            {
              kind: 'plugin',
              name: 'plugin-email-noti-protocol-abc',
              namespace: 'spaceone-plugin',
              pluginId: 'plugin-email-noti-protocol',
              containers: [
                {
                  name: 'p',
                  image: 'registry.hub.docker.com/cloudforet/plugin-email-noti-protocol:1.4.1',
                  init: false,
                },
              ],
            },
          ],
          pluginTags: new Map([['registry.hub.docker.com/cloudforet/plugin-email-noti-protocol', ['1.5.0', '1.4.1']]]),
          target: { host: 'harbor.example.com', path: 'cf' },
        },
      ),
    )
    const email = inv.images.filter((i) => i.path === 'cloudforet/plugin-email-noti-protocol')
    expect(email.map((i) => [i.reference, i.tagSource, i.sources, i.mirror])).toEqual([
      [
        'registry.hub.docker.com/cloudforet/plugin-email-noti-protocol:1.4.1',
        'cluster',
        ['cluster', 'catalog'],
        'harbor.example.com/cf/plugin-email-noti-protocol:1.4.1',
      ],
      [
        'registry.hub.docker.com/cloudforet/plugin-email-noti-protocol:1.5.0',
        'registry',
        ['catalog'],
        'harbor.example.com/cf/plugin-email-noti-protocol:1.5.0',
      ],
    ])
    expect(inv.plugins.untagged).toBe(28)
  })

  it('a repository with no managed catalog says so', () => {
    const inv = buildInventory(input('1.11.0', {}))
    expect(inv.images.filter((i) => i.kind === 'plugin')).toEqual([])
    expect(inv.warnings).toContain(
      'repository 1.10.4 has no managed plugin catalog cfpull knows (1.11 and older have none; known: 1.12.3, 1.12.4, 1.12.5, 2.0.dev27, 1.12.dev7, 1.12.dev8, 1.12.dev9, 1.12.0, 2.0.dev37): no managed plugins are listed, and a mirror cannot redirect plugins this repository installs',
    )
  })
})

describe('render and mirror names', () => {
  it('the render is the list; where table and render differ, both ways are said', () => {
    const inv = buildInventory(
      input(
        '2.0.0-dev35',
        {},
        {
          pluginImages: 'none',
          rendered: [
            {
              name: 'identity',
              namespace: 'spaceone',
              source: 'spaceone/charts/identity/templates/deployment.yaml',
              containers: [
                { name: 'identity', image: 'cloudforet/identity:2.0.dev107', init: false },
                { name: 'wait', image: 'busybox:1.36', init: true },
              ],
            },
          ],
        },
      ),
    )
    expect(inv.images.map((i) => [i.reference, i.uses])).toEqual([
      ['busybox:1.36', [{ service: 'identity', role: 'init:wait', namespace: 'spaceone', source: 'render' }]],
      [
        'cloudforet/identity:2.0.dev107',
        [{ service: 'identity', role: 'main', namespace: 'spaceone', source: 'render' }],
      ],
    ])
    expect(inv.warnings[0]).toBe(
      "the render runs busybox:1.36 in identity, which cfpull's table for chart 2.0.0-dev35 does not give that service with these values",
    )
    expect(inv.warnings[1]).toMatch(
      /^the render runs nothing of 22 services that cfpull's table for chart 2\.0\.0-dev35 runs with these values \(board, cfctl, .*\): is --chart that chart version\?$/,
    )
  })

  it('two images that land on one mirror name are refused', () => {
    expect(() =>
      buildInventory(
        input(
          '2.0.0-dev35',
          { board: { image: { name: 'bitnami/redis', version: 'latest' } } },
          {
            pluginImages: 'none',
            target: { host: 'harbor.example.com', path: 'cf' },
          },
        ),
      ),
    ).toThrow(MirrorNameConflictError)
  })
})
