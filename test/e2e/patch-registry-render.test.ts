// End-to-end for `patch --registry`: the built CLI rewrites a user's values file, then the pinned
// real helm renders the Cloudforet-shaped fixture chart with it. Every container and init
// container of every pod must come from the mirror, with the pull secret: main images, the
// rest_web sidecar the file turns on, console-api's nginx_proxy, the supervisor's redis, and
// mongodb and redis (whose chart writes the name alone). `cfpull images` over the same file and
// chart must list exactly what helm rendered, so what `mirror` pushes is what the pods pull.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it, onTestFinished } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { toolPath } from '../helpers/tools.js'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const chartDir = join(repoRoot, 'test', 'fixtures', 'chart')
const MIRROR = 'harbor.example.com/cloudforet'

interface PodSpec {
  imagePullSecrets?: { name: string }[]
  containers?: { name: string; image: string }[]
  initContainers?: { name: string; image: string }[]
}
interface Manifest {
  kind?: string
  metadata?: { name?: string }
  spec?: { template?: { spec?: PodSpec } } & PodSpec
}

// The user's file: a pinned console, identity's REST sidecar on (repository's stays off).
const VALUES = [
  'global:',
  '  namespace: cloudforet',
  'console:',
  '  image:',
  '    name: cloudforet/console',
  '    version: 1.12.12',
  'identity:',
  '  rest: true',
  '',
].join('\n')

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'cfpull-mirror-render-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  // helm would otherwise read and write ~/.config/helm, ~/.cache/helm and ~/.local/share/helm.
  const env = {
    CFPULL_HELM: toolPath('helm'),
    HELM_CACHE_HOME: join(dir, 'helm-cache'),
    HELM_CONFIG_HOME: join(dir, 'helm-config'),
    HELM_DATA_HOME: join(dir, 'helm-data'),
  }
  return { dir, env }
}

async function run(file: string, args: string[], env: Record<string, string>) {
  const r = await execa(file, args, { cwd: repoRoot, env, reject: false })
  expect(r.exitCode, `${file} ${args.join(' ')}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
  return r
}

// Every pod spec helm renders: a workload's template, or a bare Pod's own spec.
function podSpecs(manifests: Manifest[]): Array<[string, PodSpec]> {
  return manifests.flatMap((m): Array<[string, PodSpec]> => {
    const spec = m.kind === 'Pod' ? m.spec : m.spec?.template?.spec
    return spec ? [[`${m.kind}/${m.metadata?.name}`, spec]] : []
  })
}

describe('cfpull patch --registry, then a real helm render of the chart', () => {
  it('every container and init container image is on the mirror, every pod has the secret, and `images` lists exactly them', async () => {
    const { dir, env } = workspace()
    const file = join(dir, 'values.yaml')
    writeFileSync(file, VALUES)
    const node = process.execPath
    const cfpull = join(repoRoot, 'bin', 'cfpull.js')
    await run(
      node,
      [cfpull, 'patch', file, '--registry', MIRROR, '--secret', 'my-credential', '--chart-version', '1.12.16', '-q'],
      env,
    )

    const { stdout } = await run(
      toolPath('helm'),
      ['template', 'cloudforet', chartDir, '-n', 'spaceone', '-f', file],
      env,
    )
    const manifests = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest | null)
    const pods = podSpecs(manifests.filter((m): m is Manifest => m !== null))

    expect(pods.map(([name]) => name).sort()).toEqual([
      'Deployment/console',
      'Deployment/console-api',
      'Deployment/identity',
      'Deployment/identity-scheduler',
      'Deployment/mongodb',
      'Deployment/redis',
      'Deployment/repository',
      'Deployment/supervisor',
    ])
    const rendered = new Set<string>()
    for (const [name, spec] of pods) {
      expect(spec.imagePullSecrets, `imagePullSecrets of ${name}`).toEqual([{ name: 'my-credential' }])
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        expect(c.image, `${name} container ${c.name}`).toMatch(new RegExp(`^${MIRROR.replace(/\./g, '\\.')}/`))
        rendered.add(c.image)
      }
    }
    // Each kind of slot is there, so the check above cannot pass on fewer containers.
    expect(
      pods.flatMap(([name, spec]) => (spec.containers ?? []).map((c) => `${name} ${c.name} ${c.image}`)).sort(),
    ).toEqual([
      `Deployment/console console ${MIRROR}/console:1.12.12`,
      `Deployment/console-api console-api ${MIRROR}/console-api:1.12.0`,
      `Deployment/console-api nginx-proxy ${MIRROR}/nginx:stable`,
      `Deployment/identity identity ${MIRROR}/identity:1.12.0`,
      `Deployment/identity rest-web ${MIRROR}/nginx:stable`,
      `Deployment/identity-scheduler identity-scheduler ${MIRROR}/identity:1.12.0`,
      `Deployment/mongodb mongodb ${MIRROR}/mongo:latest`,
      `Deployment/redis redis ${MIRROR}/redis:latest`,
      `Deployment/repository repository ${MIRROR}/repository:1.12.0`,
      `Deployment/supervisor redis ${MIRROR}/redis:latest`,
      `Deployment/supervisor supervisor ${MIRROR}/supervisor:1.12.0`,
    ])

    const images = await run(node, [cfpull, 'images', '-f', file, '--chart', chartDir, '-o', 'list'], env)
    expect(images.stdout.split('\n').filter(Boolean).sort()).toEqual([...rendered].sort())
  })
})
