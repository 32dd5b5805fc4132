// apply's pull check: the images of the upgrade (helm template of the same chart, version and
// values) asked of a real Distribution registry with the Secrets in the cluster. A failure stops
// apply before anything changes.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { startRegistry, type TestRegistry } from '../helpers/registry.js'
import { PASSWORD, registrySecret, replaceRegistrySecrets, useApplyEnv } from '../helpers/apply-env.js'
import { linuxNode } from '../helpers/cluster.js'

const e = useApplyEnv()
let reg: TestRegistry
let down: TestRegistry
const SERVICES = ['console', 'console-api', 'identity', 'repository', 'supervisor', 'mongodb', 'redis']
// mongodb and redis take the whole reference in image.name, as the real chart's do.
const NAME_ONLY = new Set(['mongodb', 'redis'])
// The sidecars that always run: console-api's nginx_proxy and the supervisor's redis, at the chart's tags.
const SIDECARS: [string[], string][] = [
  [['console-api', 'nginx_proxy', 'image', 'name'], 'nginx'],
  [['supervisor', 'sidecar', 'redis', 'image', 'name'], 'redis'],
]
// The tag of the test chart's own defaults.
const TAG = '1.12.0'

beforeAll(async () => {
  ;[reg, down] = await Promise.all([
    startRegistry({ mode: 'htpasswd', users: { robot: PASSWORD } }),
    startRegistry({ mode: 'htpasswd', users: { robot: PASSWORD } }),
  ])
  await down.stop()
  await Promise.all(
    ['console', 'console-api', 'repository', 'supervisor', 'redis'].map((s) => reg.seedImage(`cloudforet/${s}`, TAG)),
  )
  await Promise.all([
    reg.seedImage('cloudforet/nginx', 'stable'),
    reg.seedImage('cloudforet/redis', 'latest'),
    reg.seedImage('cloudforet/identity', TAG, { format: 'oci', platforms: ['linux/amd64', 'linux/arm64'] }),
    reg.seedImage('cloudforet/mongodb', TAG, { format: 'oci', platforms: ['linux/amd64'] }),
  ])
  // Two registries and nine images: more than the default 10 s on a loaded runner.
}, 60_000)
afterAll(async () => {
  await reg?.stop()
})

// The working install of the harness, with its images moved to the local registry and the
// Secrets holding that registry's credentials.
function moveImages(hosts: Record<string, string> = {}, tags: Record<string, string> = {}): void {
  const doc = parseDocument(readFileSync(e.values, 'utf8'))
  for (const s of SERVICES) {
    const name = `${hosts[s] ?? reg.host}/cloudforet/${s}`
    if (NAME_ONLY.has(s)) {
      doc.setIn([s, 'image', 'name'], `${name}:${tags[s] ?? TAG}`)
      continue
    }
    doc.setIn([s, 'image', 'name'], name)
    // supervisor.image.version would decide the plugin mechanism: its tag stays the chart's (1.12.0).
    if (s !== 'supervisor') doc.setIn([s, 'image', 'version'], tags[s] ?? TAG)
  }
  for (const [path, image] of SIDECARS) doc.setIn(path, `${reg.host}/cloudforet/${image}`)
  writeFileSync(e.values, doc.toString())
  const ca = join(e.dir, 'ca.pem')
  writeFileSync(ca, reg.caPem)
  replaceRegistrySecrets(e.api, [reg.host, down.host])
  e.api.seed(linuxNode('n1', 'amd64'))
}
const ca = () => ['--registry-ca', join(e.dir, 'ca.pem')]
const tidy = (s: string) => e.tidy(s).replaceAll(reg.host, 'registry').replaceAll(down.host, 'down-registry')

describe('cfpull apply: the pull check', () => {
  it('every image of the upgrade is in the registry: the preflight says so and passes', async () => {
    moveImages()
    const r = await e.apply(['--dry-run', ...ca()], { pullCheck: true })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe(
      'warning: chart version 0.1.0 is not one cfpull knows: checking services against 2.0.0-dev35\n',
    )
    expect(tidy(r.stdout).split('\n')[0]).toBe(
      '✔ preflight (t): local chart <chart>, spaceone-mini-0.1.0 from its Chart.yaml; secrets my-credential in cloudforet, cloudforet-plugin; credentials cover 10 images; the registries have all 9 images',
    )
    expect(e.api.writes()).toEqual([])
  })

  it('one image missing: exit 3, that one finding, and not a single write request', async () => {
    moveImages({}, { identity: '1.12.9' })
    const r = await e.apply(['--json', ...ca()], { pullCheck: true })
    expect(r.code, r.stderr).toBe(3)
    expect(e.api.writes()).toEqual([])
    const doc = JSON.parse(r.stdout)
    expect(doc.findings.map((f: any) => ({ message: tidy(f.message), fix: tidy(f.fix) }))).toEqual([
      {
        message:
          'registry/cloudforet/identity:1.12.9 will not pull: not found (tag or repository) (no tag 1.12.9 in cloudforet/identity); used by identity, identity-scheduler in cloudforet',
        fix: 'push or mirror registry/cloudforet/identity:1.12.9 to registry, or set the image to one that exists',
      },
    ])
    expect(doc.steps.map((s: any) => `${s.name} ${s.status}`)).toEqual(['preflight failed'])
    expect(r.calls.some((c) => c.args[0] === 'upgrade')).toBe(false)
  })

  it('a platform the nodes need is missing, and a rotated password: both reported, nothing written', async () => {
    moveImages()
    e.api.seed(linuxNode('n2', 'arm64'))
    e.api.objects.delete('Secret/cloudforet-plugin/my-credential')
    const stale = registrySecret('cloudforet-plugin', [reg.host])
    stale.data['.dockerconfigjson'] = Buffer.from(
      JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('robot:rotated-away').toString('base64') } } }),
    ).toString('base64')
    e.api.seed(stale)
    const r = await e.apply(['--json', ...ca()], { pullCheck: true })
    expect(r.code, r.stderr).toBe(3)
    expect(e.api.writes()).toEqual([])
    // Single manifests carry no platform list (a runtime pulls them as they are); the indexes are checked.
    expect(JSON.parse(r.stdout).findings.map((f: any) => tidy(f.message))).toEqual([
      'registry/cloudforet/mongodb:1.12.0 will not pull: no linux/arm64 variant (the index has linux/amd64); used by mongodb in cloudforet',
      'registry/cloudforet/supervisor:1.12.0 will not pull: credentials rejected; used by supervisor in cloudforet-plugin',
      'registry/cloudforet/redis:latest will not pull: credentials rejected; used by supervisor in cloudforet-plugin',
    ])
    expect(r.stdout).not.toContain('rotated-away')
  })

  it('a registry this runner cannot reach is a finding with the --no-pull-check hint, and the hint works', async () => {
    moveImages({ mongodb: down.host })
    const r = await e.apply(['--dry-run', ...ca()], { pullCheck: true })
    expect(r.code, r.stderr).toBe(3)
    expect(e.api.writes()).toEqual([])
    const out = tidy(r.stdout + r.stderr)
    expect(out).toContain(
      'down-registry/cloudforet/mongodb:1.12.0 cannot be checked: registry unreachable from here (ECONNREFUSED: connect ECONNREFUSED down-registry); mongodb in cloudforet pull it. If only this runner cannot reach down-registry (the nodes can), skip the check',
    )
    const fix = /fix: (cfpull apply .*--no-pull-check.*)$/m.exec(out)?.[1]
    expect(fix).toBe(
      'cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --no-pull-check --registry-ca <tmp>/ca.pem --dry-run --kubeconfig <tmp>/kubeconfig',
    )
    const again = await e.apply(['--dry-run', ...ca(), '--no-pull-check'], { pullCheck: true })
    expect(again.code, again.stderr).toBe(0)
  })
})
