import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { chartImages } from '../../../src/core/cloudforet/chart-images.js'
import { chartInfo, knownChartVersions } from '../../../src/core/cloudforet/charts.js'
import { addImagePullSecrets } from '../../../src/core/cloudforet/image-pull-secrets.js'
import { repositoryRoute } from '../../../src/core/cloudforet/plugin-registry.js'
import { mirrorName, parseMirrorTarget } from '../../../src/core/images/mirror-name.js'
import { planRegistryRewrite, type RegistryRewritePlan } from '../../../src/core/images/registry-rewrite.js'

const REGISTRY = 'harbor.example.com/cf'
const target = parseMirrorTarget(REGISTRY)

function patch(text: string, version: string, o: { secrets?: string[]; services?: string[] } = {}) {
  const chart = chartInfo(version)
  let plan: RegistryRewritePlan | undefined
  const result = addImagePullSecrets(text, {
    secrets: o.secrets ?? [],
    chart,
    file: 'values.yaml',
    registry: REGISTRY,
    ...(o.services && { services: o.services }),
    more: ({ values, model, planned }) =>
      (plan = planRegistryRewrite(values, chart, model, planned, { target, pluginType: 'HARBOR' })),
  })
  return { ...result, plan: plan! }
}

describe('the managed plugins routed to the mirror, per repository version', () => {
  // The three ways a repository version reads its managed plugins' registry (cloudforet-images.json
  // repository_config): REGISTRY_URL_MAP with prefix spaceone, REGISTRY_INFO with spaceone, and with cloudforet.
  it.each([
    ['1.12.5', '1.12.16', ['    REGISTRY_URL_MAP:', '      HARBOR: harbor.example.com']],
    ['2.0.dev27', '2.0.0-dev17', ['    REGISTRY_INFO:', '      HARBOR:', '        url: harbor.example.com']],
    ['2.0.dev37', '2.0.0-dev35', ['    REGISTRY_INFO:', '      HARBOR:', '        url: harbor.example.com']],
  ])('repository %s (chart %s)', (repository, chart, url) => {
    const input = `repository:\n  image:\n    name: cloudforet/repository\n    version: ${repository}\n`
    const r = patch(input, chart, { services: ['repository'] })
    // New keys go first in the section they are added to; only the name line of the image changes.
    expect(r.text).toBe(
      [
        'repository:',
        '  application_grpc:',
        ...url,
        '    MANAGED_PLUGIN_IMAGE_PREFIX: cf',
        '    MANAGED_REGISTRY_TYPE: HARBOR',
        '    CONNECTORS:',
        '      HarborConnector:',
        '        base_url: "https://harbor.example.com"',
        '  image:',
        '    name: harbor.example.com/cf/repository',
        `    version: ${repository}`,
        '',
      ].join('\n'),
    )
    expect(r.plan.plugins).toMatchObject({ redirected: true, type: 'HARBOR', tokenMissing: true })
    expect(r.plan.plugins.route).toMatchObject({ version: repository, source: 'values' })
  })

  it('repository 1.11 and older has no managed catalog: nothing is written for plugins, and it says so', () => {
    const r = patch('repository:\n  image:\n    version: 1.11.0\n', '1.11.16', { services: ['repository'] })
    expect(r.text).toBe('repository:\n  image:\n    name: harbor.example.com/cf/repository\n    version: 1.11.0\n')
    expect(r.warnings.map((w) => w.message)).toContain(
      'repository 1.11.0 (repository.image in the values) has no managed plugin catalog (1.11 and older): its plugins cannot be redirected to harbor.example.com/cf, and keep pulling from Docker Hub',
    )
    expect(r.text).not.toContain('MANAGED_REGISTRY_TYPE')
  })

  it('a repository version cfpull cannot place gets no MANAGED_REGISTRY_TYPE, even with a secret for the plugins', () => {
    const r = patch('repository:\n  image:\n    version: 2.0.dev5\n', '2.0.0-dev35', {
      services: ['repository'],
      secrets: ['my-credential'],
    })
    expect(r.text).not.toContain('MANAGED_REGISTRY_TYPE')
    expect(r.text).not.toContain('HARBOR')
    expect(repositoryRoute(parse(r.text), chartInfo('2.0.0-dev35')).confKey).toBe(null)
  })
})

describe('every chart version cfpull knows: an empty file, patched with --registry', () => {
  // Independent of src/'s slot logic: where each role of the image table lives in the values
  // (the table), read back from the patched data and rendered as the template would.
  function rendered(data: Record<string, any>, service: string, role: string, fallback: string): string | undefined {
    const at =
      role === 'main'
        ? service === 'spaceone'
          ? data.image
          : data[service]?.image
        : role === 'sidecar:nginx_proxy'
          ? data[service]?.nginx_proxy?.image
          : data[service]?.sidecar?.[role.replace(/^sidecar:/, '')]?.image
    if (!at?.name) return undefined
    if (service === 'mongodb' || service === 'redis') return at.name
    const tag = fallback.includes(':') ? fallback.slice(fallback.lastIndexOf(':') + 1) : 'latest'
    return `${at.name}:${at.version ?? tag}`
  }

  it('each default image is its mirror name, and a second run changes nothing', () => {
    let images = 0
    for (const version of knownChartVersions()) {
      const table = chartImages(version)
      const r = patch('', version)
      const data = (parse(r.text) ?? {}) as Record<string, any>
      for (const row of table.images) {
        if (!row.image || row.default !== true || row.src === 'template' || row.role.startsWith('init:')) continue
        const got = rendered(data, row.service, row.role, row.image)
        expect(got, `${version} ${row.service} ${row.role}`).toBe(mirrorName(row.image, target))
        images++
      }
      expect(patch(r.text, version).changed, version).toBe(false)
    }
    // Rows of cloudforet-images.json with default: true, an image, not src template nor init:
    // 2701 over the 145 versions (1.6.5 has none, and 18 versions that did not render have default null).
    expect(images).toBe(2701)
  })
})
