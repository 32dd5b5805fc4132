// create-secret against real registries (Distribution 2.8, htpasswd and token auth over TLS), the
// loopback API server with real kubectl, and a credential helper speaking the docker protocol.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { installCredentialHelper } from '../helpers/credential-helper.js'
import { createSecretEnv, type CreateSecretEnv } from '../helpers/create-secret-env.js'
import { closedPort, startRegistry, type TestRegistry } from '../helpers/registry.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')

let basic: TestRegistry
let token: TestRegistry
let env: CreateSecretEnv

beforeAll(async () => {
  ;[basic, token] = await Promise.all([
    startRegistry({ mode: 'htpasswd', users: { alice: 'Basic-Pa55' } }),
    startRegistry({ mode: 'token', users: { robot: 'Token-Pa55' } }),
  ])
})
afterAll(async () => {
  await Promise.all([basic?.stop(), token?.stop()])
})
beforeEach(async () => {
  env = await createSecretEnv()
})

const createSecret = (args: string[], io: { stdin?: string; env?: Record<string, string> } = {}) =>
  env.createSecret(args, io)
const writes = () => env.writes()
const auths = (ns: string) => env.auths(ns)

function seedSecret(ns: string, type: string, data: Record<string, string>) {
  env.api.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-credential', namespace: ns }, type, data })
}

const threeRegistries = (host: string) => ({
  auths: {
    [host]: { username: 'alice', password: 'old', auth: b64('alice:old') },
    'ghcr.io': { username: 'octo', password: 'ghp-keep', auth: b64('octo:ghp-keep') },
    'https://index.docker.io/v1/': { auth: b64('hubuser:hub-keep') },
  },
})

describe('merging into the Secret that is there', () => {
  it('replaces only the --docker-server entry; the other two registries stay', async () => {
    seedSecret('cloudforet', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': b64(JSON.stringify(threeRegistries(basic.host))),
    })
    const r = await createSecret(
      [
        '--docker-server',
        basic.host,
        '--docker-username',
        'alice',
        '--password-stdin',
        '--registry-ca',
        basic.caFile,
        '-n',
        'cloudforet',
      ],
      { stdin: 'Basic-Pa55\n' },
    )
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe(
      [
        'Secret my-credential (password from stdin) → namespace cloudforet',
        `✔ ${basic.host} accepted the credentials of alice (Basic auth)`,
        `✔ cloudforet: configured (registries: ${basic.host}, ghcr.io, docker.io)`,
        '',
      ].join('\n'),
    )
    expect(r.code).toBe(0)
    expect(auths('cloudforet')).toEqual({
      [basic.host]: { username: 'alice', password: 'Basic-Pa55', auth: b64('alice:Basic-Pa55') },
      'ghcr.io': { username: 'octo', password: 'ghp-keep', auth: b64('octo:ghp-keep') },
      'https://index.docker.io/v1/': { auth: b64('hubuser:hub-keep') },
    })
  })

  it('--replace-all keeps only the new entry, and --json lists the registries the Secret holds', async () => {
    seedSecret('cloudforet', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': b64(JSON.stringify(threeRegistries('harbor.example.com'))),
    })
    const r = await createSecret(
      [
        '--docker-server',
        'harbor.example.com',
        '--docker-username',
        'robot',
        '--no-verify',
        '--replace-all',
        '-n',
        'cloudforet',
        '--json',
      ],
      { env: { CFPULL_REGISTRY_PASSWORD: 'fresh' } },
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      login: { result: 'skipped' },
      results: [{ namespace: 'cloudforet', action: 'configured', registries: ['harbor.example.com'] }],
    })
    expect(Object.keys(auths('cloudforet'))).toEqual(['harbor.example.com'])
  })

  it('a Secret of another type is an error naming its type, with zero writes; --replace deletes and recreates it', async () => {
    seedSecret('cloudforet', 'Opaque', { token: b64('keep-me') })
    const args = [
      '--docker-server',
      'harbor.example.com',
      '--docker-username',
      'robot',
      '--no-verify',
      '-n',
      'cloudforet',
    ]
    const password = { CFPULL_REGISTRY_PASSWORD: 'pw' }
    const refused = await createSecret(args, { env: password })
    expect(refused.code).toBe(3)
    expect(refused.stderr).toBe(
      "error: Secret my-credential in namespace cloudforet has type Opaque, not kubernetes.io/dockerconfigjson, and a Secret's type cannot be changed\n" +
        'fix: add --replace to delete it and create it as kubernetes.io/dockerconfigjson (running pods are unaffected until they restart), or choose another --name\n' +
        'error: preflight found 1 problem; nothing was changed\n',
    )
    expect(writes()).toEqual([])
    expect(env.api.get('Secret', 'cloudforet', 'my-credential').type).toBe('Opaque')

    const replaced = await createSecret([...args, '--replace'], { env: password })
    expect(replaced.code).toBe(0)
    expect(replaced.stdout).toBe(
      [
        'Secret my-credential (password from $CFPULL_REGISTRY_PASSWORD) → namespace cloudforet',
        'deleted and recreated Secret my-credential in cloudforet (was Opaque): running pods are unaffected; pods pull with the new Secret when they next start',
        '✔ cloudforet: replaced (registries: harbor.example.com)',
        '',
      ].join('\n'),
    )
    expect(writes()).toEqual([
      'DELETE /api/v1/namespaces/cloudforet/secrets/my-credential',
      'POST /api/v1/namespaces/cloudforet/secrets',
    ])
    expect(env.api.get('Secret', 'cloudforet', 'my-credential').type).toBe('kubernetes.io/dockerconfigjson')
  })

  it('a .dockerconfigjson that is not JSON is not silently dropped', async () => {
    seedSecret('cloudforet', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{broken') })
    const r = await createSecret(
      ['--docker-server', 'harbor.example.com', '--docker-username', 'robot', '--no-verify', '-n', 'cloudforet'],
      { env: { CFPULL_REGISTRY_PASSWORD: 'pw' } },
    )
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(
      'error: Secret my-credential in namespace cloudforet holds a .dockerconfigjson that is not JSON, so its registries cannot be kept\nfix: add --replace-all to overwrite it with only the new registry\n',
    )
    expect(writes()).toEqual([])
  })
})

describe('the login check (--verify, on by default)', () => {
  const base = (reg: TestRegistry, user: string) => [
    '--docker-server',
    reg.host,
    '--docker-username',
    user,
    '--password-stdin',
    '--registry-ca',
    reg.caFile,
    '--values',
    join(import.meta.dirname, '../../examples/values.yaml'),
  ]

  it.each([
    ['htpasswd (Basic)', () => basic, 'alice', `${'127.0.0.1'}`, 'the registry'],
    ['token (Bearer)', () => token, 'robot', '', 'the token service of'],
  ])(
    '%s: a wrong password is "the registry rejected these credentials", exit 5, nothing written',
    async (_, reg, user, _h, by) => {
      const r = await createSecret(base(reg(), user), { stdin: 'wrong-password\n' })
      expect(r.code).toBe(5)
      expect(r.stderr).toBe(
        `error: the registry rejected these credentials: ${by === 'the registry' ? reg().host : `the token service of ${reg().host}`} answered 401 for user ${user}; nothing was changed\n` +
          'hint: check --docker-username and the password (robot accounts need their full name, e.g. robot$project+ci); --no-verify skips this check\n',
      )
      expect(writes()).toEqual([])
      expect(r.stdout + r.stderr).not.toContain('wrong-password')
    },
  )

  it('token (Bearer): the right password gets a token from the realm, then the Secret is written', async () => {
    const before = token.tokenRequests.length
    const r = await createSecret(base(token, 'robot'), { stdin: 'Token-Pa55\n' })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`✔ ${token.host} accepted the credentials of robot (Bearer token)\n`)
    expect(r.stdout).toContain(`✔ cloudforet: created (registries: ${token.host})`)
    expect(token.tokenRequests.slice(before)).toEqual([
      { user: 'robot', rejected: false, service: token.service, account: 'robot', scopes: [], granted: [] },
    ])
  })

  it('an unreachable registry is a warning and the Secret is still written', async () => {
    const port = await closedPort()
    const r = await createSecret(
      ['--docker-server', `127.0.0.1:${port}`, '--docker-username', 'u', '--password-stdin', '-n', 'cloudforet'],
      {
        stdin: 'pw',
      },
    )
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(
      `warning: could not check the credentials with 127.0.0.1:${port} (https://127.0.0.1:${port}/v2/: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}); the Secret is written anyway; --no-verify skips this check\n`,
    )
    expect(writes()).toEqual(['POST /api/v1/namespaces/cloudforet/secrets'])
  })

  it('a private CA without --registry-ca is a TLS warning that says how to trust it', async () => {
    const r = await createSecret(
      ['--docker-server', basic.host, '--docker-username', 'alice', '--password-stdin', '-n', 'cloudforet'],
      {
        stdin: 'Basic-Pa55',
      },
    )
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(
      new RegExp(
        `^warning: could not check the credentials with ${basic.host.replace(/\./g, '\\.')} \\(https://.*/v2/: TLS: self-signed certificate \\(DEPTH_ZERO_SELF_SIGNED_CERT\\)\\); the Secret is written anyway: if the registry uses a private CA, pass --registry-ca FILE \\(or set NODE_EXTRA_CA_CERTS\\); --no-verify skips this check\\n$`,
      ),
    )
  })

  it('--no-verify does not contact the registry', async () => {
    const before = token.tokenRequests.length
    const r = await createSecret(
      [
        '--docker-server',
        token.host,
        '--docker-username',
        'robot',
        '--password-stdin',
        '--no-verify',
        '-n',
        'cloudforet',
      ],
      {
        stdin: 'wrong',
      },
    )
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(token.tokenRequests.length).toBe(before)
  })

  it('ECR hosts: the 12-hour token lifetime and the command that refreshes it', async () => {
    const r = await createSecret(
      [
        '--docker-server',
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        '--docker-username',
        'AWS',
        '--password-stdin',
        '--no-verify',
        '-n',
        'cloudforet',
      ],
      { stdin: 'ecr-token' },
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      // The refresh aims at the same cluster: the --kubeconfig in force is part of the command.
      `ECR passwords are tokens that expire after 12 hours: refresh the Secret before then (e.g. from a CronJob or CI schedule) with: aws ecr get-login-password --region eu-west-1 | cfpull create-secret --name my-credential --docker-server 123456789012.dkr.ecr.eu-west-1.amazonaws.com --docker-username AWS --password-stdin -n cloudforet --kubeconfig ${env.kubeconfig}\n`,
    )
  })
})

describe('--from-docker-config, as Docker reads it', () => {
  function config(content: unknown): string {
    const file = join(env.dir, 'config.json')
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
    return file
  }

  it('credHelpers[host] wins: the helper gets `get` and the server URL on stdin; the login check passes', async () => {
    const helper = installCredentialHelper(env.dir, 'cfpulltest', {
      [basic.host]: { Username: 'alice', Secret: 'Basic-Pa55' },
    })
    vi.stubEnv('PATH', `${helper.binDir}:${process.env.PATH}`)
    const file = config({
      auths: { [basic.host]: {} },
      credHelpers: { [basic.host]: 'cfpulltest' },
      credsStore: 'other',
    })
    const r = await createSecret(['--from-docker-config', file, '--registry-ca', basic.caFile, '-n', 'cloudforet'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(helper.calls().map((c) => [c.argv, c.stdin])).toEqual([[['get'], basic.host]])
    expect(auths('cloudforet')).toEqual({
      [basic.host]: { username: 'alice', password: 'Basic-Pa55', auth: b64('alice:Basic-Pa55') },
    })
  })

  it('credsStore: "credentials not found" for the host falls back to the auths entry, with a warning', async () => {
    const helper = installCredentialHelper(env.dir, 'desktoptest', {})
    vi.stubEnv('PATH', `${helper.binDir}:${process.env.PATH}`)
    const file = config({
      auths: { 'harbor.example.com': { auth: b64('robot:from-auths') } },
      credsStore: 'desktoptest',
    })
    const r = await createSecret(['--from-docker-config', file, '--no-verify', '-n', 'cloudforet'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(
      `warning: docker-credential-desktoptest (from credsStore) has no credentials for harbor.example.com; using the auths entry in ${file}\n`,
    )
    expect(helper.calls().map((c) => c.stdin)).toEqual(['harbor.example.com', 'https://harbor.example.com'])
    expect(auths('cloudforet')['harbor.example.com']!.password).toBe('from-auths')
  })

  it('credsStore with the password in the store: it wins over an auths password, with a warning naming the winner', async () => {
    const helper = installCredentialHelper(env.dir, 'storetest', {
      'https://index.docker.io/v1/': { Username: 'hub', Secret: 'from-store' },
    })
    vi.stubEnv('PATH', `${helper.binDir}:${process.env.PATH}`)
    const file = config({
      auths: { 'https://index.docker.io/v1/': { auth: b64('hub:from-auths') } },
      credsStore: 'storetest',
    })
    const r = await createSecret(['--from-docker-config', file, '--no-verify', '-n', 'cloudforet'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(
      `warning: ${file}: the auths entry for https://index.docker.io/v1/ also holds a password; docker-credential-storetest (from credsStore) wins over it, as in Docker\n`,
    )
    expect(auths('cloudforet')['https://index.docker.io/v1/']!.password).toBe('from-store')
  })

  it('a helper with nothing stored and no auths password: an error naming the helper and the URLs asked', async () => {
    const helper = installCredentialHelper(env.dir, 'emptytest', {})
    vi.stubEnv('PATH', `${helper.binDir}:${process.env.PATH}`)
    const file = config({ auths: { 'harbor.example.com': {} }, credsStore: 'emptytest' })
    const r = await createSecret(['--from-docker-config', file, '--no-verify', '-n', 'cloudforet'])
    expect(r.code).toBe(3)
    expect(r.stderr).toBe(
      `error: ${file}: docker-credential-emptytest (from credsStore) has no credentials for harbor.example.com (asked for harbor.example.com, https://harbor.example.com)\nhint: run docker login harbor.example.com, or pass the password with --password-stdin\n`,
    )
    expect(writes()).toEqual([])
  })

  it('a helper that fails otherwise, or is not installed, is exit 4 naming it', async () => {
    const helper = installCredentialHelper(env.dir, 'brokentest', {})
    helper.failWith('error getting credentials - err: exit status 1, out: `keychain locked`')
    vi.stubEnv('PATH', `${helper.binDir}:${process.env.PATH}`)
    const broken = await createSecret([
      '--from-docker-config',
      config({ credsStore: 'brokentest', auths: { 'h.example.com': {} } }),
      '--no-verify',
      '-n',
      'cloudforet',
    ])
    expect(broken.code).toBe(4)
    expect(broken.stderr).toContain(
      'error: docker-credential-brokentest get exited with 1 for h.example.com: error getting credentials - err: exit status 1, out: `keychain locked`\n',
    )
    const missing = await createSecret([
      '--from-docker-config',
      config({ credsStore: 'nosuchhelper', auths: { 'h.example.com': {} } }),
      '--no-verify',
      '-n',
      'cloudforet',
    ])
    expect(missing.code).toBe(4)
    expect(missing.stderr).toBe(
      'error: docker-credential-nosuchhelper not found\nhint: the docker config names the credential helper "nosuchhelper"; install docker-credential-nosuchhelper on PATH, or pass the password with --password-stdin\n',
    )
  })

  it('several registries and no --docker-server: an error listing them', async () => {
    const file = config({
      auths: { 'harbor.example.com': { auth: b64('a:b') }, 'ghcr.io': { auth: b64('c:d') } },
      credHelpers: { 'gcr.io': 'gcloud' },
    })
    const r = await createSecret(['--from-docker-config', file, '-n', 'cloudforet'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      `error: ${file} holds credentials for 3 registries (harbor.example.com, ghcr.io, gcr.io): pass --docker-server with the one this Secret is for\n`,
    )
  })

  it('the default file is $DOCKER_CONFIG/config.json; a missing file and bad JSON are both exit 3 with the path', async () => {
    const missing = await createSecret(['--from-docker-config', '-n', 'cloudforet'], {
      env: { DOCKER_CONFIG: join(env.dir, 'nodocker') },
    })
    expect(missing.code).toBe(3)
    expect(missing.stderr).toBe(
      `error: ${join(env.dir, 'nodocker', 'config.json')}: no such file\nhint: run docker login first, or name the file: --from-docker-config FILE\n`,
    )
    const file = config('{\n  "auths": {\n    "harbor.example.com": {"auth": "c2VjcmV0"},\n  }\n}\n')
    const bad = await createSecret(['--from-docker-config', file, '-n', 'cloudforet'])
    expect(bad.code).toBe(3)
    expect(bad.stderr).toBe(
      `error: ${file}:4:3: is not valid JSON\nhint: fix the file, or log in again with \`docker login\` to rewrite it\n`,
    )
  })

  it('a source conflict is a warning that names the winner', async () => {
    const file = config({ auths: { 'harbor.example.com': { auth: b64('robot:from-config') } } })
    const r = await createSecret(['--from-docker-config', file, '--no-verify', '-n', 'cloudforet'], {
      env: { CFPULL_REGISTRY_PASSWORD: 'from-env' },
    })
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(
      'warning: $CFPULL_REGISTRY_PASSWORD ignored: the password came from --from-docker-config, which wins over it\n',
    )
    expect(auths('cloudforet')['harbor.example.com']!.password).toBe('from-config')
    const both = await createSecret(
      [
        '--docker-server',
        'harbor.example.com',
        '--docker-username',
        'robot',
        '--password-stdin',
        '--docker-password',
        'from-flag',
        '--no-verify',
        '-n',
        'cloudforet',
      ],
      { stdin: 'from-stdin' },
    )
    expect(both.stderr).toBe(
      'warning: --docker-password ignored: the password came from --password-stdin, which wins over it\n',
    )
    expect(auths('cloudforet')['harbor.example.com']!.password).toBe('from-stdin')
  })
})

it('-o yaml without --dry-run is a usage error: it would not write anything', async () => {
  const r = await createSecret(['--docker-username', 'u', '--password-stdin', '-n', 'cloudforet', '-o', 'yaml'], {
    stdin: 'pw',
  })
  expect(r.code).toBe(2)
  expect(r.stderr).toBe('error: -o yaml prints manifests and writes nothing: add --dry-run\n')
  expect(r.calls).toEqual([])
})
