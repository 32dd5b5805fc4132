// The password's leak surfaces, tested on the built CLI as a user runs it: real kubectl (through a
// wrapper that records its argv and environment) against the loopback API server over TLS, with
// a kubeconfig whose `exec` credential plugin (as `aws eks get-token` would be) records its argv
// and environment; a real registry for the login check; a docker credential helper. Every record,
// stdout, stderr and --json are searched for the password, its base64 and the `auth` form
// (base64 of user:password), and for another registry's password already in the Secret.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { installCredentialHelper } from '../helpers/credential-helper.js'
import { startFakeApiServer, type FakeApiServer } from '../helpers/fake-apiserver.js'
import { selfSigned, startRegistry, type TestRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

const repo = join(import.meta.dirname, '../..')
const bin = join(repo, 'bin/cfpull.js')
const PASSWORD = 'Leak-Sentinel-7fQ2'
const OTHER = 'Other-Registry-Sentinel-9kX'
const b64 = (s: string) => Buffer.from(s).toString('base64')
const forms = [PASSWORD, b64(PASSWORD), b64(`alice:${PASSWORD}`), OTHER, b64(OTHER), b64(`octo:${OTHER}`)]

let registry: TestRegistry
let api: FakeApiServer
let dir: string
let kubeconfig: string

beforeAll(async () => {
  registry = await startRegistry({ mode: 'htpasswd', users: { alice: PASSWORD } })
})
afterAll(async () => {
  await registry?.stop()
})
beforeEach(async () => {
  dir = tempDir()
  const tls = selfSigned(dir, 'apiserver', ['IP:127.0.0.1'])
  api = await startFakeApiServer({
    namespaces: ['default', 'cloudforet', 'cloudforet-plugin'],
    tls: { cert: tls.certPem, key: tls.keyPem },
  })
  // Another registry's credentials already in the Secret: they must stay, and stay unprinted.
  api.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'my-credential', namespace: 'cloudforet' },
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      '.dockerconfigjson': b64(
        JSON.stringify({ auths: { 'ghcr.io': { username: 'octo', password: OTHER, auth: b64(`octo:${OTHER}`) } } }),
      ),
    },
  })
  const plugin = join(dir, 'exec-plugin.sh')
  writeFileSync(
    plugin,
    `#!/bin/sh
{ printf 'ARGV'; for a in "$@"; do printf ' %s' "$a"; done; printf '\\n'; env; printf 'END\\n'; } > "$(mktemp "${join(dir, 'plugin.log')}/XXXXXXXX")"
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec-plugin"}}'
`,
  )
  chmodSync(plugin, 0o755)
  // One file per run, written whole: concurrent runs (one per namespace) never interleave records.
  mkdirSync(join(dir, 'plugin.log'))
  const kubectl = join(dir, 'kubectl')
  writeFileSync(
    kubectl,
    `#!/bin/sh
{ printf 'ARGV'; for a in "$@"; do printf ' %s' "$a"; done; printf '\\n'; env; printf 'END\\n'; } > "$(mktemp "${join(dir, 'kubectl.log')}/XXXXXXXX")"
exec "${toolPath('kubectl')}" "$@"
`,
  )
  chmodSync(kubectl, 0o755)
  // One file per run, written whole: concurrent runs (one per namespace) never interleave records.
  mkdirSync(join(dir, 'kubectl.log'))
  kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: api.url, 'certificate-authority-data': b64(tls.certPem) } }],
      users: [
        {
          name: 'u',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: plugin,
              args: ['get-token', '--cluster-name', 'test'],
              interactiveMode: 'Never',
            },
          },
        },
      ],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }),
  )
})
afterEach(async () => {
  await api.close()
})

function cfpull(args: string[], env: Record<string, string>, input?: string) {
  return execa(
    process.execPath,
    [bin, 'create-secret', '--name', 'my-credential', '--kubeconfig', kubeconfig, ...args],
    {
      reject: false,
      extendEnv: false,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        KUBECACHEDIR: join(dir, 'kcache'),
        CFPULL_KUBECTL: join(dir, 'kubectl'),
        // The registry's self-signed CA, trusted the way a CI runner with a private CA would.
        NODE_EXTRA_CA_CERTS: registry.caFile,
        NO_COLOR: '1',
        ...env,
      },
      ...(input !== undefined ? { input } : { stdin: 'ignore' }),
    },
  )
}

const records = (name: string) =>
  readdirSync(join(dir, name)).flatMap((f) =>
    readFileSync(join(dir, name, f), 'utf8')
      .split('END\n')
      .filter((r) => r.trim()),
  )

function expectNoLeak(where: string, text: string) {
  for (const f of forms) expect(text.includes(f), `${where} contains ${f}`).toBe(false)
}

const cases: [string, string[], Record<string, string>, string | undefined][] = [
  // The CI recipe: the runner exports REGISTRY_PASSWORD for the step and pipes it in.
  [
    '--password-stdin, with the password also in $REGISTRY_PASSWORD',
    ['--docker-username', 'alice', '--password-stdin'],
    { REGISTRY_PASSWORD: PASSWORD },
    `${PASSWORD}\n`,
  ],
  ['$CFPULL_REGISTRY_PASSWORD', ['--docker-username', 'alice'], { CFPULL_REGISTRY_PASSWORD: PASSWORD }, undefined],
  ['--docker-password', ['--docker-username', 'alice', '--docker-password', PASSWORD], {}, undefined],
]

describe('no form of the password leaves cfpull except on kubectl stdin and to the registry', () => {
  it.each(cases)('%s', async (_, flags, env, input) => {
    for (const extra of [[], ['--json'], ['--verbose']]) {
      // A failure too: error paths must not leak either.
      api.failNext(
        // cloudforet-plugin has no Secret yet: it is created (POST), and that fails.
        { method: 'POST', pathIncludes: '-plugin/secrets' },
        500,
        'InternalError',
        `boom ${PASSWORD} ${OTHER}`,
      )
      const r = await cfpull(
        ['--docker-server', registry.host, ...flags, '-n', 'cloudforet', '-n', 'cloudforet-plugin', ...extra],
        env,
        input,
      )
      const label = [...flags, ...extra].join(' ')
      expect(r.exitCode, `${label}\n${r.stderr}`).toBe(4)
      if (extra[0] === '--json') {
        const doc = JSON.parse(r.stdout) as { login: unknown; results: { namespace: string; action: string }[] }
        expect(doc.login).toEqual({ result: 'accepted', scheme: 'basic' })
        // The second run of three: the first already wrote cloudforet.
        expect(doc.results.map((x) => x.action)).toEqual(['unchanged', 'failed'])
      } else expect(r.stdout).toContain(`✔ ${registry.host} accepted the credentials of alice (Basic auth)`)
      expectNoLeak(`${label}: stdout`, r.stdout)
      expectNoLeak(`${label}: stderr`, r.stderr)
    }
    // The argv of --docker-password is cfpull's own (the user typed it); what cfpull starts is clean.
    const kubectlRuns = records('kubectl.log')
    const pluginRuns = records('plugin.log')
    expect(kubectlRuns.length).toBeGreaterThan(6)
    expect(pluginRuns.length).toBeGreaterThan(0)
    for (const rec of [...kubectlRuns, ...pluginRuns]) expectNoLeak(rec.split('\n')[0]!, rec)
    // The plugin ran with kubectl's environment (client-go passes it on), so this proves the chain.
    expect(pluginRuns[0]).toContain('ARGV get-token --cluster-name test\n')
    expect(pluginRuns[0]).toContain('KUBERNETES_EXEC_INFO=')
    // Nothing lost: the other registry is still in the Secret, next to the new one.
    const stored = JSON.parse(
      Buffer.from(api.get('Secret', 'cloudforet', 'my-credential').data['.dockerconfigjson'], 'base64').toString(),
    ) as { auths: Record<string, { password: string }> }
    expect(Object.keys(stored.auths).sort()).toEqual(['127.0.0.1:' + registry.host.split(':')[1], 'ghcr.io'].sort())
    expect(stored.auths['ghcr.io']!.password).toBe(OTHER)
  })

  it('--from-docker-config with a credential helper: the helper and kubectl see no password in env or argv', async () => {
    const helper = installCredentialHelper(dir, 'leaktest', {
      [registry.host]: { Username: 'alice', Secret: PASSWORD },
    })
    const config = join(dir, 'docker-config.json')
    writeFileSync(config, JSON.stringify({ auths: { [registry.host]: {} }, credsStore: 'leaktest' }))
    const r = await cfpull(['--from-docker-config', config, '-n', 'cloudforet', '--json'], {
      PATH: `${helper.binDir}:${process.env.PATH}`,
    })
    expect(r.exitCode, r.stderr).toBe(0)
    expectNoLeak('stdout', r.stdout)
    expectNoLeak('stderr', r.stderr)
    for (const call of helper.calls()) {
      expect(call.argv).toEqual(['get'])
      expectNoLeak('helper env', JSON.stringify(call.env))
    }
    for (const rec of [...records('kubectl.log'), ...records('plugin.log')]) expectNoLeak(rec.split('\n')[0]!, rec)
    expect(records('plugin.log').length).toBeGreaterThan(0)
  })
})
