// A legacy `kubernetes.io/dockercfg` Secret (the `.dockercfg` map, as `docker login` wrote it before
// 1.7) holding ghcr.io and Docker Hub: its type cannot change in place, so create-secret --replace
// deletes it and creates a `kubernetes.io/dockerconfigjson` one. The format is readable, so every
// registry it held is kept; only --replace-all drops them, and then says which.
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { cloudforetPod } from '../helpers/cluster.js'
import { createSecretEnv, HARBOR_ROBOT, type CreateSecretEnv } from '../helpers/create-secret-env.js'
import type { FakeApiServer } from '../helpers/fake-apiserver.js'
import { runCli } from '../helpers/run-cli.js'
import { pasteFixLine } from '../helpers/paste.js'
import { toolPath } from '../helpers/tools.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')
const repo = join(import.meta.dirname, '../..')
const GHCR = { username: 'octo', password: 'ghp-keep', email: 'octo@example.com', auth: b64('octo:ghp-keep') }
const HUB = { auth: b64('hubuser:hub-keep') }
const HARBOR = { username: 'robot', password: 'Harbor-Pa55', auth: b64('robot:Harbor-Pa55') }

let env: CreateSecretEnv
let api: FakeApiServer
let dir: string
let kubeconfig: string

beforeEach(async () => {
  env = await createSecretEnv({
    helm: true,
    defaults: ['--password-stdin', '--no-verify', '-n', 'cloudforet'],
    stdin: 'Harbor-Pa55\n',
  })
  ;({ api, dir, kubeconfig } = env)
  api.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'my-credential', namespace: 'cloudforet' },
    type: 'kubernetes.io/dockercfg',
    data: { '.dockercfg': b64(JSON.stringify({ 'ghcr.io': GHCR, 'https://index.docker.io/v1/': HUB })) },
  })
})

const createSecret = (extra: string[]) => env.createSecret([...HARBOR_ROBOT, ...extra])
const stored = () => {
  const s = env.stored('cloudforet')!
  return { type: s.type, auths: s.config.auths }
}

const writes = () => api.writes().map((r) => `${r.method} ${r.path}${r.body ? ` ${r.body}` : ''}`)

describe('create-secret and a kubernetes.io/dockercfg Secret', () => {
  it('without --replace: exit 3, zero writes, and the fix says its registries are kept', async () => {
    const r = await createSecret([])
    expect(r.code).toBe(3)
    expect(r.stderr).toBe(
      "error: Secret my-credential in namespace cloudforet has type kubernetes.io/dockercfg, not kubernetes.io/dockerconfigjson, and a Secret's type cannot be changed\n" +
        'fix: add --replace to delete it and create it as kubernetes.io/dockerconfigjson (its registries ghcr.io, docker.io are kept) (running pods are unaffected until they restart), or choose another --name\n' +
        'error: preflight found 1 problem; nothing was changed\n',
    )
    expect(api.writes()).toEqual([])
    expect(api.get('Secret', 'cloudforet', 'my-credential').type).toBe('kubernetes.io/dockercfg')
  })

  it('--replace converts it keeping every entry as it was, plus the new one', async () => {
    const rv = api.get('Secret', 'cloudforet', 'my-credential').metadata.resourceVersion as string
    const r = await createSecret(['--replace'])
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(r.stdout).toBe(
      [
        'Secret my-credential (password from stdin) → namespace cloudforet',
        'deleted and recreated Secret my-credential in cloudforet (was kubernetes.io/dockercfg): running pods are unaffected; pods pull with the new Secret when they next start',
        '✔ cloudforet: replaced (registries: ghcr.io, harbor.example.com, docker.io)',
        '',
      ].join('\n'),
    )
    expect(stored()).toEqual({
      type: 'kubernetes.io/dockerconfigjson',
      auths: { 'ghcr.io': GHCR, 'harbor.example.com': HARBOR, 'https://index.docker.io/v1/': HUB },
    })
    // Deleted only at the version that was read, then created (a Secret someone made meanwhile is not overwritten).
    const w = api.writes()
    expect(w.map((q) => `${q.method} ${q.path}`)).toEqual([
      'DELETE /api/v1/namespaces/cloudforet/secrets/my-credential',
      'POST /api/v1/namespaces/cloudforet/secrets',
    ])
    expect(JSON.parse(w[0]!.body)).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { resourceVersion: rv },
    })
  })

  it('--replace --replace-all keeps only the new entry and lists the hosts it dropped', async () => {
    const r = await createSecret(['--replace', '--replace-all'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('✔ cloudforet: replaced (registries: harbor.example.com; dropped: ghcr.io, docker.io)\n')
    expect(stored()).toEqual({ type: 'kubernetes.io/dockerconfigjson', auths: { 'harbor.example.com': HARBOR } })
    const json = await createSecret(['--replace-all', '--json'])
    // Now a dockerconfigjson Secret holding only harbor: nothing more to drop, nothing written.
    expect(JSON.parse(json.stdout).results).toEqual([
      { namespace: 'cloudforet', action: 'unchanged', registries: ['harbor.example.com'] },
    ])
  })

  it('--replace-all on a dockerconfigjson Secret: --json lists the dropped hosts too', async () => {
    await createSecret(['--replace'])
    const before = writes().length
    const r = await env.createSecret(
      ['--docker-server', 'quay.example.com', '--docker-username', 'robot', '--replace-all', '--json'],
      {
        stdin: 'Quay-Pa55\n',
      },
    )
    expect(JSON.parse(r.stdout).results).toEqual([
      {
        namespace: 'cloudforet',
        action: 'configured',
        registries: ['quay.example.com'],
        dropped: ['ghcr.io', 'harbor.example.com', 'docker.io'],
      },
    ])
    expect(writes().length).toBe(before + 1)
  })

  it("doctor's fix for a pod that cannot pull carries --replace, and pasted into sh it converges, keeping every registry", async () => {
    const values = join(dir, 'values.yaml')
    expect(
      (await runCli(['patch', join(repo, 'examples/values.yaml'), '-s', 'my-credential', '-o', values, '-q'])).code,
    ).toBe(0)
    const image = 'harbor.example.com/cloudforet/console:2.0.1'
    api.seed(cloudforetPod('cloudforet', 'console-1', image, ['my-credential'], 'ImagePullBackOff'))
    const doctor = () =>
      runCli(['doctor', '-f', values, '--cluster', '--kubeconfig', kubeconfig, '--json'], {
        env: { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm') },
      }).then((r) => JSON.parse(r.stdout) as { findings: Array<{ code: string; message: string; fix?: string }> })
    const first = await doctor()
    const failing = first.findings.find((f) => f.code === 'image-pull-failing')!
    const line = failing.fix!.slice(failing.fix!.indexOf('cfpull create-secret'))
    expect(line).toBe(
      `cfpull create-secret --name my-credential -n cloudforet --docker-server "\${REGISTRY:?set REGISTRY to your registry host}" --docker-username "\${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin --replace --kubeconfig ${kubeconfig}`,
    )
    expect(first.findings.find((f) => f.code === 'registry-mismatch')?.message).toBe(
      'images from harbor.example.com run in cloudforet, but my-credential there has credentials only for ghcr.io, docker.io',
    )

    // As a user pastes it: sh, the placeholders set, the password on stdin, cfpull on PATH.
    const sh = await pasteFixLine(line, {
      dir,
      input: 'Harbor-Pa55\n',
      env: { REGISTRY: 'harbor.example.com', REGISTRY_USER: 'robot' },
    })
    expect(sh.exitCode, sh.stderr).toBe(0)
    // The login check cannot reach harbor.example.com from a test: a warning, and the Secret is written anyway.
    expect(sh.stderr).toMatch(
      /^warning: could not check the credentials with harbor\.example\.com \(.*\); the Secret is written anyway; --no-verify skips this check\n?$/,
    )
    expect(sh.stdout).toContain('✔ cloudforet: replaced (registries: ghcr.io, harbor.example.com, docker.io)')
    expect(stored()).toEqual({
      type: 'kubernetes.io/dockerconfigjson',
      auths: { 'ghcr.io': GHCR, 'harbor.example.com': HARBOR, 'https://index.docker.io/v1/': HUB },
    })
    // Converged: the Secret now covers the pod's registry and still the two it had.
    const after = await doctor()
    expect(after.findings.filter((f) => f.code === 'registry-mismatch')).toEqual([])
    expect(
      after.findings.find((f) => f.code === 'secret-present' && f.message.includes(' in cloudforet '))?.message,
    ).toBe('Secret my-credential in cloudforet has credentials for ghcr.io, harbor.example.com, docker.io')
  })
})
