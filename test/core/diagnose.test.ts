import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chartInfo } from '../../src/core/cloudforet/charts.js'
import {
  diagnoseValues,
  normalizeRegistry,
  registryHostsOfDockerConfig,
  registryOfImage,
} from '../../src/core/diagnose.js'
import { addImagePullSecrets } from '../../src/core/cloudforet/image-pull-secrets.js'
import { chooseChart } from '../../src/core/cloudforet/install-model.js'
import { parseValues } from '../../src/core/yaml/values.js'

const fixture = (name: string) => join(import.meta.dirname, '../fixtures/doctor', name)
const diagnose = (text: string, version?: string, secret?: string) => {
  const chart = chooseChart(version ? { version } : {})
  return diagnoseValues(parseValues(text).data, chart, {
    files: ['values.yaml'],
    chart: { version: chart.info.version, source: chart.source },
    ...(secret && { secrets: [secret] }),
  })
}
const brief = (d: ReturnType<typeof diagnose>) => d.findings.map((f) => `${f.severity} ${f.code}: ${f.message}`)

describe('diagnoseValues', () => {
  it('a 1.12 file with four services: the other seventeen pull without the secret', () => {
    const d = diagnose(readFileSync(fixture('release-1-12-four-services.yaml'), 'utf8'), '1.12.16')
    expect(d.secrets).toEqual(['my-credential'])
    expect(d.plugins.mechanism).toBe('connector')
    expect(brief(d)).toEqual([
      'error service-not-in-file: 17 services (secret, repository, plugin, config, inventory, monitoring, statistics, cost-analysis, notification, board, file-manager, dashboard, console-api-v2, marketplace-assets, spacectl, mongodb, redis) are not in values.yaml: their pods run with the chart defaults and no pull secret',
      'info namespaces: the Secret my-credential must exist in cloudforet, spaceone, spaceone-plugin',
    ])
    expect(d.services.find((s) => s.service === 'console')).toEqual({
      service: 'console',
      inFile: true,
      enabled: null,
      pullSecrets: ['my-credential'],
    })
  })

  it('a 2.x supervisor with the connector key: ignored, plugins get nothing, and a wrong shape', () => {
    const d = diagnose(readFileSync(fixture('supervisor-2x-connector.yaml'), 'utf8'), undefined, 'my-credential')
    // DEFAULT_REGISTRY: HARBOR changes nothing: the managed plugins stay DOCKER_HUB.
    expect(d.plugins).toMatchObject({ mechanism: 'registry', registryType: 'DOCKER_HUB', configured: [] })
    const codes = d.findings.map((f) => `${f.severity} ${f.code}`)
    expect(codes).toEqual([
      'error bad-shape',
      'error service-missing-secret',
      'error service-not-in-file',
      'error plugins-missing-secret',
      'warning default-registry-ignored',
      'warning connector-ignored',
      'info namespaces',
    ])
    expect(d.findings[0]!.message).toBe(
      'repository.imagePullSecrets is a string ("my-credential"); Helm copies it verbatim into the pod spec, which needs a list of {name: <secret>} maps',
    )
    expect(d.findings[1]!.message).toBe('repository pulls without my-credential')
    expect(d.findings[3]!.message).toBe(
      'plugin pods get no pull secret: the managed plugins use registry type DOCKER_HUB (repository.application_grpc.MANAGED_REGISTRY_TYPE is not set), and supervisor 2.0.dev19 gives them the secret in repository.application_grpc.REGISTRY_INFO.DOCKER_HUB.image_pull_secrets, which is not set',
    )
    expect(d.findings[3]!.fix).toBe('cfpull patch values.yaml --secret my-credential')
    expect(d.findings[4]!.message).toBe(
      'repository.application_grpc.DEFAULT_REGISTRY is set (HARBOR), but no Cloudforet code has read it since 2023-06-28: the managed plugins use repository.application_grpc.MANAGED_REGISTRY_TYPE (here DOCKER_HUB)',
    )
  })

  it('a file cfpull patched has no errors', () => {
    const text = readFileSync(join(import.meta.dirname, '../../examples/values.yaml'), 'utf8')
    const patched = addImagePullSecrets(text, { secrets: ['my-credential'], chart: chartInfo() }).text
    const d = diagnose(patched)
    expect(d.findings.filter((f) => f.severity !== 'info')).toEqual([])
  })

  it('reads registries the way the kubelet does', () => {
    expect(
      [
        'nginx',
        'cloudforet/console:2.0',
        'harbor.example.com/cf/console:1',
        'localhost:5000/x',
        'registry-1.docker.io/library/redis',
      ].map(registryOfImage),
      // registry-1.docker.io is a host of its own to the kubelet: Docker Hub credentials do not cover it.
    ).toEqual(['docker.io', 'docker.io', 'harbor.example.com', 'localhost:5000', 'registry-1.docker.io'])
    expect(normalizeRegistry('https://index.docker.io/v1/')).toBe('docker.io')
    expect(
      registryHostsOfDockerConfig(
        Buffer.from('{"auths":{"https://harbor.example.com/v2/":{"auth":"eDp5"}}}').toString('base64'),
      ),
    ).toEqual(['harbor.example.com'])
  })
})
