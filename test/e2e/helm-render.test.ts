// End-to-end: the built CLI patches a user's override file, then the pinned real helm renders
// a Cloudforet-shaped chart with it. Asserting on rendered pod specs (not on the YAML we wrote)
// is what proves the values land where Cloudforet's templates actually read them.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { describe, expect, it, onTestFinished } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { toolPath } from '../helpers/tools.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const chartDir = join(repoRoot, 'test', 'fixtures', 'chart')
const chartValues = join(chartDir, 'values.yaml')
const overrideFixture = join(chartDir, 'override.yaml')

const EXPECTED_DEPLOYMENTS = [
  'console',
  'console-api',
  'identity',
  'identity-scheduler',
  'mongodb',
  'redis',
  'repository',
  'supervisor',
]
const SUPERVISOR_DEPLOYMENTS = new Set(['supervisor'])

interface Manifest {
  kind?: string
  metadata?: { name?: string; namespace?: string }
  spec?: {
    replicas?: number
    template?: { spec?: { imagePullSecrets?: unknown; containers?: { image?: string }[] } }
  }
  data?: Record<string, string>
}

interface Workspace {
  dir: string
  helmEnv: Record<string, string>
}

async function workspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'cfpull-helm-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  // helm would otherwise read and write ~/.config/helm, ~/.cache/helm and ~/.local/share/helm.
  const helmEnv = {
    HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
    HELM_DATA_HOME: join(dir, 'helm', 'data'),
  }
  await Promise.all(Object.values(helmEnv).map((d) => mkdir(d, { recursive: true })))
  return { dir, helmEnv }
}

async function copyOverride(ws: Workspace): Promise<string> {
  const file = join(ws.dir, 'values.yaml')
  await copyFile(overrideFixture, file)
  return file
}

async function cfpull(args: string[]) {
  const result = await execa(process.execPath, ['bin/cfpull.js', ...args], { cwd: repoRoot, reject: false })
  expect(result.exitCode, `cfpull ${args.join(' ')}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0)
  return result
}

async function patchInPlace(file: string, secrets: string[]): Promise<void> {
  await cfpull(['patch', file, ...secrets.flatMap((s) => ['--secret', s]), '--chart-values', chartValues])
}

async function helm(ws: Workspace, args: string[]) {
  const result = await execa(toolPath('helm'), args, {
    cwd: repoRoot,
    env: ws.helmEnv,
    reject: false,
  })
  expect(result.exitCode, `helm ${args.join(' ')}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0)
  return result
}

async function render(ws: Workspace, valuesFile: string): Promise<Manifest[]> {
  const { stdout } = await helm(ws, ['template', 'cfpull-check', chartDir, '-f', valuesFile])
  const docs = parseAllDocuments(stdout)
  if (!Array.isArray(docs)) throw new Error('helm template printed no YAML documents')
  for (const doc of docs) expect(doc.errors, 'helm template output must be valid YAML').toEqual([])
  return docs.map((doc) => doc.toJS() as Manifest | null).filter((m): m is Manifest => m !== null)
}

function deployments(manifests: Manifest[]): Map<string, Manifest> {
  const byName = new Map<string, Manifest>()
  for (const m of manifests) {
    if (m.kind !== 'Deployment') continue
    const name = m.metadata?.name
    if (!name) throw new Error(`rendered Deployment without a name: ${JSON.stringify(m)}`)
    byName.set(name, m)
  }
  return byName
}

function pullSecretsOf(d: Manifest): unknown {
  return d.spec?.template?.spec?.imagePullSecrets
}

describe('cfpull patch + helm template on a Cloudforet-shaped chart', () => {
  it('gives every Deployment the pull secret, in the namespaces from the override', async () => {
    const ws = await workspace()
    const file = await copyOverride(ws)
    await patchInPlace(file, ['my-credential'])

    const deps = deployments(await render(ws, file))

    expect([...deps.keys()].sort()).toEqual(EXPECTED_DEPLOYMENTS)
    for (const [name, d] of deps) {
      expect(pullSecretsOf(d), `imagePullSecrets of Deployment ${name}`).toEqual([{ name: 'my-credential' }])
      const namespace = SUPERVISOR_DEPLOYMENTS.has(name) ? 'cloudforet-plugin' : 'cloudforet'
      expect(d.metadata?.namespace, `namespace of Deployment ${name}`).toBe(namespace)
    }
    // The user's own settings must survive the patch.
    expect(deps.get('identity')?.spec?.replicas).toBe(2)
    expect(deps.get('console')?.spec?.template?.spec?.containers?.[0]?.image).toBe('cloudforet/console:1.12.12')
  })

  it('control: the unpatched override renders no imagePullSecrets at all', async () => {
    const ws = await workspace()
    const file = await copyOverride(ws)

    const deps = deployments(await render(ws, file))

    expect([...deps.keys()].sort()).toEqual(EXPECTED_DEPLOYMENTS)
    for (const [name, d] of deps) {
      expect(pullSecretsOf(d), `imagePullSecrets of Deployment ${name}`).toBeUndefined()
    }
  })

  it('passes several --secret values through in order', async () => {
    const ws = await workspace()
    const file = await copyOverride(ws)
    const original = await readFile(file, 'utf8')

    const { stdout } = await cfpull([
      'patch',
      file,
      '--secret',
      'a',
      '--secret',
      'b',
      '--chart-values',
      chartValues,
      '--stdout',
    ])
    expect(await readFile(file, 'utf8'), '--stdout must not write the file').toBe(original)
    const patched = join(ws.dir, 'patched.yaml')
    await writeFile(patched, stdout)

    const deps = deployments(await render(ws, patched))

    expect([...deps.keys()].sort()).toEqual(EXPECTED_DEPLOYMENTS)
    for (const [name, d] of deps) {
      expect(pullSecretsOf(d), `imagePullSecrets of Deployment ${name}`).toEqual([{ name: 'a' }, { name: 'b' }])
    }
  })

  it('produces values that helm lint accepts', async () => {
    const ws = await workspace()
    const file = await copyOverride(ws)
    await patchInPlace(file, ['my-credential'])

    await helm(ws, ['lint', chartDir, '-f', file])
  })

  it('sets the KubernetesConnector pull secret for a 1.12 supervisor image', async () => {
    const ws = await workspace()
    const file = await copyOverride(ws)
    await patchInPlace(file, ['my-credential'])

    const values = parse(await readFile(file, 'utf8')) as {
      supervisor?: { application_scheduler?: { CONNECTORS?: { KubernetesConnector?: { imagePullSecrets?: unknown } } } }
    }
    expect(values.supervisor?.application_scheduler?.CONNECTORS?.KubernetesConnector?.imagePullSecrets).toEqual([
      { name: 'my-credential' },
    ])

    // The supervisor copies this list into every plugin Deployment it creates, so it must reach
    // the rendered config next to the chart's own connector defaults (e.g. the plugin namespace).
    const conf = (await render(ws, file)).find(
      (m) => m.kind === 'ConfigMap' && m.metadata?.name === 'supervisor-application-scheduler-conf',
    )
    const appYaml = conf?.data?.['application.yaml']
    expect(appYaml, 'rendered supervisor application.yaml').toBeTypeOf('string')
    const connector = (parse(appYaml ?? '') as { CONNECTORS: { KubernetesConnector: Record<string, unknown> } })
      .CONNECTORS.KubernetesConnector
    expect(connector.imagePullSecrets).toEqual([{ name: 'my-credential' }])
    expect(connector.namespace).toBe('spaceone-plugin')
  })
})
