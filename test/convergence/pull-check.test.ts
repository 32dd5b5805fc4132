// Following apply's own fix: lines converges with the pull check ON (issue 24, item 6). Each
// scenario starts from a working install on the loopback API server whose images live in a real
// registry (Distribution, TLS + htpasswd), breaks what the scenario says, and runs the built CLI
// as a user would: the first command typed by hand, then each first `fix:` line pasted into
// `sh -c` as printed, in the same directory and environment, until apply exits 0. The cluster is
// reached only through a named context of a kubeconfig whose path has a space, so a line that
// drops --context or --kubeconfig talks to no cluster and fails; a line that drops --registry-ca
// cannot reach the registry; one that drops --reuse-values or --no-pull-check loops.
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDocument, stringify } from 'yaml'
import { commandLine } from '../../src/core/fix-command.js'
import { applyArgs, chart, releaseRecord, replaceRegistrySecrets, useApplyEnv, PASSWORD } from '../helpers/apply-env.js'
import { linuxNode } from '../helpers/cluster.js'
import { startRegistry, type TestRegistry } from '../helpers/registry.js'
import { toolPath } from '../helpers/tools.js'

const e = useApplyEnv()
const BIN = join(import.meta.dirname, '../../bin/cfpull.js')
const SERVICES = ['console', 'identity', 'repository', 'supervisor', 'mongodb']
const TAG = '1.12.0'
// The fixture chart's other images, at the tags it runs them with (name-only sections run :latest).
const EXTRA: Array<[string[], string, string]> = [
  [['console-api', 'image'], 'cloudforet/console-api', '1.12.0'],
  [['console-api', 'nginx_proxy', 'image'], 'nginx', 'stable'],
  [['supervisor', 'sidecar', 'redis', 'image'], 'redis', 'latest'],
  [['redis', 'image'], 'redis', 'latest'],
]
/** More steps than any scenario needs: a line that loses an option loops until this. */
const BOUND = 4
let reg: TestRegistry
let down: TestRegistry

beforeAll(async () => {
  ;[reg, down] = await Promise.all([
    startRegistry({ mode: 'htpasswd', users: { robot: PASSWORD } }),
    startRegistry({ mode: 'htpasswd', users: { robot: PASSWORD } }),
  ])
  await down.stop()
  await Promise.all([
    ...SERVICES.map((s) => reg.seedImage(`cloudforet/${s}`, TAG)),
    ...EXTRA.map(([, repo, tag]) => reg.seedImage(repo, tag)),
    reg.seedImage('cloudforet/mongodb', 'latest'),
  ])
})
afterAll(async () => {
  await reg?.stop()
})

interface Setup {
  kubeconfig: string
  ca: string
  /** Where `sh -c` runs: a directory of the test's own, with `cfpull` on PATH. */
  cwd: string
  env: Record<string, string>
}

// The install of the harness with its images in the registry (mongodb on `mongodbHost`), the
// Secrets holding the robot's credentials for both registries, one amd64 node, and revision 1
// installed with a value (console.podAnnotations) the file no longer has.
async function setUp(mongodbHost: string): Promise<Setup> {
  await e.install()
  const doc = parseDocument(readFileSync(e.values, 'utf8'))
  for (const s of SERVICES) {
    doc.setIn([s, 'image', 'name'], `${s === 'mongodb' ? mongodbHost : reg.host}/cloudforet/${s}`)
    if (s !== 'supervisor') doc.setIn([s, 'image', 'version'], TAG)
  }
  for (const [path, repo] of EXTRA) doc.setIn([...path, 'name'], `${reg.host}/${repo}`)
  writeFileSync(e.values, doc.toString())
  replaceRegistrySecrets(e.api, [reg.host, down.host])
  e.api.seed(linuxNode('n1', 'amd64'))
  const manifest = await e.helm(['get', 'manifest', 'cloudforet', '-n', 'spaceone'])
  e.api.objects.delete('Secret/spaceone/sh.helm.release.v1.cloudforet.v1')
  e.api.seed(releaseRecord({ manifest, config: { console: { podAnnotations: { team: 'ops' } } } }))

  const cwd = join(e.dir, 'work dir')
  const bin = join(e.dir, 'bin')
  mkdirSync(cwd, { recursive: true })
  mkdirSync(bin, { recursive: true })
  writeFileSync(
    join(bin, 'cfpull'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
  )
  chmodSync(join(bin, 'cfpull'), 0o755)
  const ca = join(e.dir, 'ca.pem')
  writeFileSync(ca, reg.caPem)
  // The current context reaches nothing: only --context 'loop back' reaches the release.
  mkdirSync(join(e.dir, 'my cluster'), { recursive: true })
  const kubeconfig = join(e.dir, 'my cluster', 'kube config')
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'nowhere', cluster: { server: 'http://127.0.0.1:1' } },
        { name: 'loop', cluster: { server: e.api.url } },
      ],
      users: [{ name: 'u', user: { token: 'fake-token' } }],
      contexts: [
        { name: 'elsewhere', context: { cluster: 'nowhere', user: 'u' } },
        { name: 'loop back', context: { cluster: 'loop', user: 'u' } },
      ],
      'current-context': 'elsewhere',
    }),
    { mode: 0o600 },
  )
  return {
    kubeconfig,
    ca,
    cwd,
    env: {
      ...e.env,
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: e.dir,
      CFPULL_KUBECTL: toolPath('kubectl'),
      CFPULL_HELM: toolPath('helm'),
    },
  }
}

function sh(line: string, s: Setup): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile('sh', ['-c', line], { cwd: s.cwd, env: s.env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    ),
  )
}

/** Runs `first`, then each first fix: line as printed, until exit 0; the fix lines followed. */
async function follow(first: string, s: Setup): Promise<string[]> {
  const followed: string[] = []
  let r = await sh(first, s)
  while (r.code !== 0) {
    expect(r.out).not.toContain(PASSWORD)
    const fix = /^\s+fix: (.+)$/m.exec(r.out)?.[1]
    expect(fix, `exit ${r.code} with no fix line:\n${r.out}`).toBeDefined()
    expect(followed.length, `no convergence within ${BOUND} steps: ${followed.join('\n')}\n${r.out}`).toBeLessThan(
      BOUND,
    )
    followed.push(fix!)
    r = await sh(fix!, s)
  }
  expect(r.out).toContain('✔ cloudforet upgraded (chart 0.1.0)')
  return followed
}

/** The apply line a user types first: the release through the named context, the registry's CA, `extra` after --restart none. */
const applyLine = (s: Setup, extra: string[] = []) =>
  commandLine([
    'cfpull',
    ...applyArgs(e.values),
    '--restart',
    'none',
    ...extra,
    '--registry-ca',
    s.ca,
    '--context',
    'loop back',
    '--kubeconfig',
    s.kubeconfig,
  ])

const tidy = (s: Setup, line: string) =>
  line.replaceAll(e.dir, '<tmp>').replaceAll(chart, '<chart>').replaceAll(s.ca, '<ca>')

describe('following apply’s fix: lines converges with the pull check on', () => {
  it(
    'real registry, a value the file drops: one step, --reuse-values with the CA and the cluster kept',
    {
      timeout: 240_000,
    },
    async () => {
      const s = await setUp(reg.host)
      const first = applyLine(s)
      const followed = await follow(first, s)
      expect(followed.map((l) => tidy(s, l))).toEqual([
        "cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --restart none --reuse-values --registry-ca <tmp>/ca.pem --context 'loop back' --kubeconfig '<tmp>/my cluster/kube config'",
      ])
      // The upgrade kept the release's value.
      expect(await e.helm(['get', 'values', 'cloudforet', '-n', 'spaceone', '-o', 'json'])).toContain(
        '"podAnnotations":{"team":"ops"}',
      )
    },
  )

  it(
    'unreachable registry and a value the file drops: --reuse-values, then --no-pull-check with it kept',
    {
      timeout: 240_000,
    },
    async () => {
      const s = await setUp(down.host)
      const first = applyLine(s)
      const followed = await follow(first, s)
      expect(followed.map((l) => tidy(s, l))).toEqual([
        "cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --restart none --reuse-values --registry-ca <tmp>/ca.pem --context 'loop back' --kubeconfig '<tmp>/my cluster/kube config'",
        "cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --restart none --reuse-values --no-pull-check --registry-ca <tmp>/ca.pem --context 'loop back' --kubeconfig '<tmp>/my cluster/kube config'",
      ])
    },
  )

  it(
    'unreachable registry after --reuse-values: the --no-pull-check line keeps --reuse-values, one step',
    {
      timeout: 240_000,
    },
    async () => {
      const s = await setUp(down.host)
      const first = applyLine(s, ['--reuse-values'])
      const followed = await follow(first, s)
      expect(followed.map((l) => tidy(s, l))).toEqual([
        "cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --restart none --reuse-values --no-pull-check --registry-ca <tmp>/ca.pem --context 'loop back' --kubeconfig '<tmp>/my cluster/kube config'",
      ])
    },
  )
})
