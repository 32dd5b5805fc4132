// Following cfpull's own advice converges. Each scenario starts from an install state (a values
// file, a deployed release record, Secrets) on the loopback API server, with real kubectl and
// helm. Each step runs doctor --cluster; while it fails, the first fix: command of doctor's
// errors, apply's preflight or patch --check (the scenario says whose advice a user follows
// first) is run exactly as printed, placeholders filled in. Doctor must exit 0 within 3 steps,
// no step may undo what an earlier one did, and doctor, the preflight and patch --check must
// then agree that nothing is left.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { parse } from 'yaml'
import { startFakeApiServer, type FakeApiServer } from '../helpers/fake-apiserver.js'
import { helmReleaseSecret } from '../helpers/helm-release.js'
import { writeKubeconfig } from '../helpers/kubeconfig.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

const chart = join(import.meta.dirname, '../fixtures/chart')
const PASSWORD = 'conv3rge-pa55'
const NAMESPACES = ['default', 'spaceone', 'cloudforet', 'cloudforet-plugin', 'root-supervisor', 'spaceone-plugin']

interface Scenario {
  name: string
  values: string
  /** The deployed chart version (the release record). */
  release: string
  /** Secrets that exist at the start: `namespace/name[:type]`. */
  secrets: string[]
  /** Flags the user works with (narrowing, --secret for doctor on an unpatched file). */
  doctor?: string[]
  /** The patch flags for the final --check (the secret and the narrowing in force). */
  patch: string[]
  apply?: string[]
  /** Whose advice is followed first. */
  follow: 'doctor' | 'apply' | 'patch'
  /** Exact steps to clean (0 = clean from the start). */
  steps: number
}

const sup = (v: string) => `supervisor:\n  image:\n    name: cloudforet/supervisor\n    version: ${v}\n`
const ns = 'global:\n  namespace: cloudforet\n  supervisor_namespace: cloudforet\n'
const connector = (secrets: string[] = []) =>
  `    CONNECTORS:\n      KubernetesConnector:\n        namespace: cloudforet-plugin\n${secrets.length ? `        imagePullSecrets:\n${secrets.map((s) => `          - name: ${s}\n`).join('')}` : ''}`
const sup1 = (v: string, secrets: string[] = []) =>
  `supervisor:\n  image:\n    name: cloudforet/supervisor\n    version: ${v}\n  application_scheduler:\n${connector(secrets)}`
const sup2 = (v = '2.0.dev19') =>
  `${sup(v)}  application_scheduler:\n    CONNECTORS:\n      KubernetesConnector:\n        namespace: cloudforet-plugin\n`
const registry = (type: string, secret?: string, extra = '') =>
  `repository:\n  application_grpc:\n${extra}    REGISTRY_INFO:\n      ${type}:\n        url: harbor.example.com\n${secret ? `        image_pull_secrets: ${secret}\n` : ''}`
const S = ['--secret', 'my-credential']
const all = (name = 'my-credential') => [`cloudforet/${name}`, `cloudforet-plugin/${name}`]

// The issue's observed cases.
const observed: Scenario[] = [
  {
    name: 'unpatched 2.x file, no Secret anywhere',
    values: ns + sup2(),
    release: '2.0.0-dev35',
    secrets: [],
    doctor: S,
    patch: S,
    follow: 'doctor',
    steps: 2,
  },
  {
    name: 'plugin route with its own secret (plugin-cred) missing in the plugin namespace',
    values: ns + sup2() + registry('DOCKER_HUB', 'plugin-cred'),
    release: '2.0.0-dev35',
    secrets: ['cloudforet/my-credential'],
    doctor: S,
    patch: S,
    follow: 'apply',
    steps: 2,
  },
  {
    name: 'patch --plugin-registry HARBOR: warning only, the same in doctor',
    values: ns + sup2(),
    release: '2.0.0-dev35',
    secrets: all(),
    doctor: S,
    patch: [...S, '--plugin-registry', 'HARBOR'],
    follow: 'patch',
    steps: 1,
  },
  {
    name: 'deployed chart 1.11.0, namespaces from its defaults (spaceone, root-supervisor)',
    values: 'console:\n  enabled: true\n',
    release: '1.11.0',
    secrets: [],
    doctor: S,
    patch: [...S, '--chart-version', '1.11.0'],
    follow: 'apply',
    steps: 2,
  },
  {
    name: 'patch --check with --chart-version 1.12.15 and --only-present',
    values: ns + 'console:\n  enabled: true\nidentity:\n  enabled: true\n' + sup2(),
    release: '1.12.15',
    secrets: all(),
    doctor: [...S, '--only-present'],
    patch: [...S, '--chart-version', '1.12.15', '--only-present'],
    apply: ['--only-present'],
    follow: 'patch',
    steps: 1,
  },
  {
    name: 'supervisor 1.10.0: no plugin route, a warning, not a contradiction',
    values: ns + sup1('1.10.0'),
    release: '1.10.5',
    secrets: ['cloudforet/my-credential'],
    doctor: S,
    patch: [...S, '--chart-version', '1.10.5'],
    follow: 'doctor',
    steps: 1,
  },
  {
    name: '--plugins connector written on a 2.x supervisor',
    values: ns + sup1('2.0.dev19', ['my-credential']),
    release: '2.0.0-dev35',
    secrets: all(),
    doctor: S,
    patch: S,
    follow: 'doctor',
    steps: 1,
  },
  {
    name: '--exclude marketplace-assets, which is disabled',
    values: ns + sup2() + 'marketplace-assets:\n  enabled: false\n',
    release: '2.0.0-dev35',
    secrets: all(),
    doctor: S,
    patch: [...S, '--exclude', 'marketplace-assets'],
    follow: 'patch',
    steps: 1,
  },
  {
    name: '--exclude an enabled service, on every command',
    values: ns + sup2() + 'board:\n  enabled: true\n',
    release: '2.0.0-dev35',
    secrets: all(),
    doctor: [...S, '--exclude', 'board'],
    patch: [...S, '--exclude', 'board'],
    apply: ['--exclude', 'board'],
    follow: 'patch',
    steps: 1,
  },
  {
    name: 'a kubernetes.io/dockercfg Secret is accepted',
    values: ns + sup2(),
    release: '2.0.0-dev35',
    secrets: ['cloudforet/my-credential:kubernetes.io/dockercfg', 'cloudforet-plugin/my-credential'],
    doctor: S,
    patch: S,
    follow: 'doctor',
    steps: 1,
  },
  {
    name: 'an Opaque Secret of the same name: create-secret --replace',
    values: ns + sup2(),
    release: '2.0.0-dev35',
    secrets: ['cloudforet/my-credential', 'cloudforet-plugin/my-credential:Opaque'],
    doctor: S,
    patch: S,
    follow: 'doctor',
    steps: 2,
  },
  {
    name: 'MANAGED_REGISTRY_TYPE HARBOR: the secret goes under HARBOR',
    values: ns + sup2() + registry('HARBOR', undefined, '    MANAGED_REGISTRY_TYPE: HARBOR\n'),
    release: '2.0.0-dev35',
    secrets: all(),
    doctor: S,
    patch: S,
    follow: 'doctor',
    steps: 1,
  },
]

// Generated: values × chart version × supervisor × registry type × cluster state (a half fraction).
const generated: Scenario[] = []
{
  const axes = {
    patched: [false, true],
    chart: ['2.0.0-dev35', '1.12.16'],
    supervisor: ['2.0.dev19', '1.12.0'],
    type: ['DOCKER_HUB', 'HARBOR'],
    secrets: ['none', 'core-only'],
  }
  let i = 0
  for (const patched of axes.patched)
    for (const chartVersion of axes.chart)
      for (const supervisor of axes.supervisor)
        for (const type of axes.type)
          for (const secrets of axes.secrets) {
            // A half fraction of the 2^5 design: the combinations with an even number of "second" levels.
            const levels = [
              patched,
              chartVersion !== axes.chart[0],
              supervisor !== axes.supervisor[0],
              type !== axes.type[0],
              secrets !== axes.secrets[0],
            ]
            i++
            if (levels.filter(Boolean).length % 2) continue
            const is2 = supervisor.startsWith('2')
            const managed = type === 'HARBOR' ? '    MANAGED_REGISTRY_TYPE: HARBOR\n' : ''
            let values = ns + (is2 ? sup2(supervisor) : sup1(supervisor)) + registry(type, undefined, managed)
            const patchFlags = [...S, '--chart-version', chartVersion]
            if (patched) {
              const gen = mkdtempSync(join(tmpdir(), 'cfpull-conv-'))
              const f = join(gen, 'v.yaml')
              writeFileSync(f, values)
              execFileSync(process.execPath, [
                join(import.meta.dirname, '../../bin/cfpull.js'),
                'patch',
                f,
                ...patchFlags,
                '-q',
              ])
              values = readFileSync(f, 'utf8')
              rmSync(gen, { recursive: true, force: true })
            }
            generated.push({
              name: `generated: ${patched ? 'patched' : 'unpatched'}, chart ${chartVersion}, supervisor ${supervisor}, ${type}, secrets ${secrets}`,
              values,
              release: chartVersion,
              secrets: secrets === 'none' ? [] : ['cloudforet/my-credential'],
              doctor: S,
              patch: patchFlags,
              follow: (['doctor', 'apply', 'patch'] as const)[i % 3]!,
              steps: (patched ? 0 : 1) + 1,
            })
          }
}

let api: FakeApiServer
let dir: string
let kubeconfig: string
let values: string
const env = () => ({ CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm') })
const table: Array<{ scenario: string; steps: number; commands: string[] }> = []

beforeEach(async () => {
  dir = tempDir()
  for (const [k, v] of Object.entries({
    KUBECACHEDIR: 'kc',
    HELM_CACHE_HOME: 'hc',
    HELM_CONFIG_HOME: 'hg',
    HELM_DATA_HOME: 'hd',
  }))
    vi.stubEnv(k, join(dir, v))
  api = await startFakeApiServer({ namespaces: NAMESPACES })
  kubeconfig = writeKubeconfig(dir, api.url)
  values = join(dir, 'values.yaml')
})
afterEach(async () => {
  vi.unstubAllEnvs()
  await api.close()
})
afterAll(() => {
  // The convergence table of the closing note.
  console.log(
    [
      'scenario | steps to clean | commands run',
      ...table.map((r) => `${r.scenario} | ${r.steps} | ${r.commands.join(' ; ')}`),
    ].join('\n'),
  )
})

function seedSecret(spec: string): void {
  const [where, type = 'kubernetes.io/dockerconfigjson'] = spec.split(':')
  const [namespace, name] = where!.split('/')
  const auth = { username: 'robot', password: PASSWORD, auth: Buffer.from(`robot:${PASSWORD}`).toString('base64') }
  const json =
    type === 'kubernetes.io/dockercfg'
      ? { 'https://index.docker.io/v1/': auth }
      : { auths: { 'https://index.docker.io/v1/': auth } }
  const field = type === 'kubernetes.io/dockercfg' ? '.dockercfg' : type === 'Opaque' ? 'other' : '.dockerconfigjson'
  api.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type,
    data: { [field]: Buffer.from(JSON.stringify(json)).toString('base64') },
  })
}

const withCluster = () => ['--kubeconfig', kubeconfig]

async function doctor(s: Scenario) {
  const r = await runCli(
    ['doctor', '-f', values, '--cluster', '-n', 'spaceone', ...withCluster(), ...(s.doctor ?? []), '--json'],
    { env: env() },
  )
  return {
    code: r.code,
    doc: JSON.parse(r.stdout) as { findings: Array<{ severity: string; code: string; message: string; fix?: string }> },
  }
}
async function preflight(s: Scenario) {
  const r = await runCli(
    [
      'apply',
      '-n',
      'spaceone',
      '-f',
      values,
      '--chart',
      chart,
      '--dry-run',
      // No registry serves these images here; apply's registry pull check is tested against a real one elsewhere.
      '--no-pull-check',
      '--json',
      ...withCluster(),
      ...(s.apply ?? []),
    ],
    { env: env() },
  )
  return { code: r.code, doc: JSON.parse(r.stdout) as { findings: Array<{ message: string; fix?: string }> } }
}
async function patchCheck(s: Scenario) {
  const r = await runCli(['patch', values, ...s.patch, '--check', '--json'], { env: env() })
  return {
    code: r.code,
    doc: JSON.parse(r.stdout) as { fix?: string; files: Array<{ warnings: Array<{ code: string; message: string }> }> },
  }
}

// The argv of each command in a printed line, as dash expands it: every command word is a function
// that prints its argv (NUL-separated, then an RS), so quoting and placeholders go through a real
// shell. The placeholders are the variables a user sets: the registry, the user and (apply knows no
// --secret) the name.
function expand(line: string): string[][] {
  const stub = (name: string) => `${name}() { printf '%s\\0' ${name} "$@"; printf '\\036\\0'; }; `
  const out = execFileSync('sh', ['-c', ['cfpull', 'kubectl', 'helm'].map(stub).join('') + line], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      REGISTRY: 'https://index.docker.io/v1/',
      REGISTRY_USER: 'robot',
      SECRET_NAME: 'my-credential',
    },
  }).toString()
  const commands: string[][] = [[]]
  for (const arg of out.split('\0').slice(0, -1))
    if (arg === '\x1e') commands.push([])
    else commands.at(-1)!.push(arg)
  return commands.slice(0, -1)
}

async function runPrinted(line: string): Promise<void> {
  const commands = expand(line)
  expect(commands.length, `a printed fix is not a command: ${line}`).toBeGreaterThan(0)
  for (const argv of commands) {
    if (argv[0] === 'cfpull') {
      const r = await runCli(argv.slice(1), { env: env(), stdin: `${PASSWORD}\n` })
      expect(r.code, `${argv.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0)
      expect(r.stdout + r.stderr).not.toContain(PASSWORD)
    } else if (argv[0] === 'kubectl')
      execFileSync(toolPath('kubectl'), argv.slice(1), { env: { HOME: dir, KUBECACHEDIR: join(dir, 'kc') } })
    else throw new Error(`a printed fix is not a command: ${line}`)
  }
}

/** What a step can add: secret names in the values, and Secrets in the cluster. */
function state(): Set<string> {
  const out = new Set<string>()
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`))
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k)
    else if (/imagePullSecrets|image_pull_secrets|MANAGED_REGISTRY_TYPE/.test(path))
      out.add(`values:${path.replace(/\[\d+\]/g, '[]')}=${String(v)}`)
  }
  walk(parse(readFileSync(values, 'utf8')), '')
  for (const [key, obj] of api.objects)
    if (key.startsWith('Secret/') && !key.includes('sh.helm')) out.add(`${key}:${(obj as { type?: string }).type}`)
  return out
}

describe('following cfpull’s fix: lines converges', () => {
  it('has at least 15 scenarios', () => expect(observed.length + generated.length).toBeGreaterThanOrEqual(15))
  for (const s of [...observed, ...generated])
    it(s.name, { timeout: 120_000 }, async () => {
      writeFileSync(values, s.values)
      api.seed(
        helmReleaseSecret({ release: 'cloudforet', namespace: 'spaceone', chart: 'spaceone', version: s.release }),
      )
      for (const spec of s.secrets) seedSecret(spec)
      const commands: string[] = []
      const added: Array<Set<string>> = []
      let before = state()
      let d = await doctor(s)
      let steps = 0
      while (d.code !== 0) {
        const advice = {
          doctor: async () => d.doc.findings.find((f) => f.severity === 'error' && f.fix)?.fix,
          apply: async () => (await preflight(s)).doc.findings.find((f) => f.fix)?.fix,
          patch: async () => (await patchCheck(s)).doc.fix,
        }
        const order = [s.follow, ...(['doctor', 'apply', 'patch'] as const).filter((x) => x !== s.follow)]
        let fix: string | undefined
        for (const who of order) if ((fix = await advice[who]())) break
        if (!fix) break
        expect(
          steps,
          `doctor still fails after 3 steps: ${commands.join(' ; ')}\n${JSON.stringify(d.doc.findings, null, 1)}`,
        ).toBeLessThan(3)
        await runPrinted(fix)
        commands.push(fix.replaceAll(dir, '<tmp>'))
        steps++
        const after = state()
        added.push(new Set([...after].filter((x) => !before.has(x))))
        // Nothing an earlier step added is gone: no step undoes another.
        for (const [i, set] of added.entries())
          for (const x of set) expect(after.has(x), `step ${i + 1} added ${x}; a later step removed it`).toBe(true)
        before = after
        d = await doctor(s)
      }
      expect(
        d.code,
        JSON.stringify(
          d.doc.findings.filter((f) => f.severity === 'error'),
          null,
          1,
        ),
      ).toBe(0)
      // Doctor, the preflight and patch --check agree: all clean.
      const p = await preflight(s)
      expect(p.doc.findings, JSON.stringify(p.doc.findings)).toEqual([])
      expect(p.code).toBe(0)
      const c = await patchCheck(s)
      expect(c.code, JSON.stringify(c.doc)).toBe(0)
      // A warning patch gives about the plugin route is doctor's, word for word and as a warning.
      for (const w of c.doc.files[0]!.warnings.filter((x) =>
        ['plugin-route-other-type', 'registry-url-empty'].includes(x.code),
      ))
        expect(d.doc.findings).toContainEqual(
          expect.objectContaining({ severity: 'warning', code: w.code, message: w.message }),
        )
      table.push({ scenario: s.name, steps, commands })
      expect(steps).toBe(s.steps)
    })
})
