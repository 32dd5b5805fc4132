import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import {
  combineDockerConfigs,
  dockerConfigRegistries,
  droppedRegistries,
  existingSecretForms,
  mergeDockerConfigJson,
  readExistingSecret,
  parseDockerConfig,
  planDockerCredentials,
  readExistingDockerConfig,
  registryKey,
  buildDockerConfigSecret,
  checkRegistryAuth,
  manifestsToJson,
  manifestsToYaml,
  redact,
  secretForms,
  type RegistryAuth,
} from '../../../src/core/credentials/registry-secret.js'
import { toolPath } from '../../helpers/tools.js'

// The reference is real kubectl (pinned, from the test setup): our rendering must match it byte for byte.
async function kubectlDryRun(
  name: string,
  ns: string,
  a: Partial<RegistryAuth> & { username: string; password: string },
  output: 'json' | 'yaml',
): Promise<string> {
  const args = [
    'create',
    'secret',
    'docker-registry',
    name,
    '-n',
    ns,
    `--docker-username=${a.username}`,
    `--docker-password=${a.password}`,
    '--dry-run=client',
    '-o',
    output,
  ]
  if (a.server !== undefined) args.push(`--docker-server=${a.server}`)
  if (a.email !== undefined) args.push(`--docker-email=${a.email}`)
  const r = await execa(toolPath('kubectl'), args, { env: { KUBECONFIG: '/dev/null' } })
  return r.stdout
}

const cases: Array<[string, Partial<RegistryAuth> & { username: string; password: string }]> = [
  ['default server', { username: 'robot', password: 's3cret' }],
  [
    'custom server with scheme and path',
    { server: 'https://harbor.example.com/v2/cloudforet', username: 'robot$cloudforet', password: 'p4ss' },
  ],
  ['plain host with port', { server: 'registry.example.com:5000', username: 'ci', password: 'x' }],
  ['empty email is omitted', { server: 'reg.example.com', username: 'u', password: 'p', email: '' }],
  ['email present', { server: 'reg.example.com', username: 'u', password: 'p', email: 'ops@example.com' }],
  ['unicode password', { server: 'reg.example.com', username: 'u', password: 'pässwörd-日本語-🔑' }],
  ['colon in password', { server: 'reg.example.com', username: 'u', password: 'a:b:c' }],
  [
    'HTML characters Go escapes',
    { server: 'reg.example.com', username: 'u', password: '<a href="x">&amp;</a>\u2028\u2029' },
  ],
  ['quotes and backslashes', { server: 'reg.example.com', username: 'u', password: 'q"uo\\te\'s' }],
  ['long password', { server: 'reg.example.com', username: 'u', password: 'x'.repeat(4096) }],
]

describe('buildDockerConfigSecret matches kubectl create secret docker-registry --dry-run=client', () => {
  it.each(cases)('%s (-o json)', async (_, a) => {
    const auth: RegistryAuth = {
      server: a.server ?? 'https://index.docker.io/v1/',
      username: a.username,
      password: a.password,
      ...(a.email !== undefined && { email: a.email }),
    }
    const ours = manifestsToJson([buildDockerConfigSecret('my-credential', 'cloudforet', auth)])
    expect(ours).toBe(`${await kubectlDryRun('my-credential', 'cloudforet', a, 'json')}\n`)
  })

  it.each(cases.slice(0, 3))('%s (-o yaml)', async (_, a) => {
    const auth: RegistryAuth = {
      server: a.server ?? 'https://index.docker.io/v1/',
      username: a.username,
      password: a.password,
    }
    const ours = manifestsToYaml([buildDockerConfigSecret('my-credential', 'spaceone-plugin', auth)])
    expect(ours).toBe(`${await kubectlDryRun('my-credential', 'spaceone-plugin', a, 'yaml')}\n`)
  })

  it('renders several namespaces as YAML documents and as a v1 List', () => {
    const auth = { server: 'r.example.com', username: 'u', password: 'p' }
    const m = ['a', 'b'].map((ns) => buildDockerConfigSecret('c', ns, auth))
    expect(manifestsToYaml(m).split('---\n')).toHaveLength(2)
    const list = JSON.parse(manifestsToJson(m))
    expect(list.kind).toBe('List')
    expect(list.items.map((i: { metadata: { namespace: string } }) => i.metadata.namespace)).toEqual(['a', 'b'])
  })
})

describe('checkRegistryAuth', () => {
  const ok = { server: 'r.example.com', username: 'u', password: 'p' }
  it.each([
    ['My_Cred', ok, 'secret name "My_Cred" is not a DNS-1123 subdomain'],
    ['c', { ...ok, server: '' }, '--docker-server must be a registry host or URL with no whitespace'],
    ['c', { ...ok, server: 'r.example.com /x' }, '--docker-server must be a registry host or URL with no whitespace'],
    ['c', { ...ok, username: '' }, '--docker-username must not be empty'],
    ['c', { ...ok, username: 'a:b' }, '--docker-username must not contain ":"'],
    ['c', { ...ok, password: '' }, 'the registry password is empty'],
  ])('%s %j', (name, auth, message) => {
    expect(() => checkRegistryAuth(name, auth)).toThrow(message)
  })
})

describe('docker config', () => {
  const cfg = JSON.stringify({
    auths: {
      'harbor.example.com': { auth: Buffer.from('robot:pa:ss').toString('base64') },
      'https://index.docker.io/v1/': { username: 'hubuser', password: 'hubpass', email: 'h@example.com' },
      'ghcr.io': {},
    },
    credHelpers: { 'gcr.io': 'gcloud' },
    credsStore: 'desktop',
  })
  it('plans the lookup docker does: credHelpers[host], then credsStore, with the auths entry inline', () => {
    const config = parseDockerConfig(cfg, 'c.json')
    expect(planDockerCredentials(config, 'https://harbor.example.com')).toEqual({
      helper: { name: 'desktop', from: 'credsStore' },
      helperServerUrls: ['harbor.example.com', 'https://harbor.example.com'],
      authsKey: 'harbor.example.com',
      inline: { username: 'robot', password: 'pa:ss' },
    })
    expect(planDockerCredentials(config, 'docker.io')).toEqual({
      helper: { name: 'desktop', from: 'credsStore' },
      helperServerUrls: ['https://index.docker.io/v1/', 'docker.io'],
      authsKey: 'https://index.docker.io/v1/',
      inline: { username: 'hubuser', password: 'hubpass' },
      email: 'h@example.com',
    })
    expect(planDockerCredentials(config, 'gcr.io')).toEqual({
      helper: { name: 'gcloud', from: 'credHelpers' },
      helperServerUrls: ['gcr.io', 'https://gcr.io'],
    })
    expect(dockerConfigRegistries(config)).toEqual([
      'harbor.example.com',
      'https://index.docker.io/v1/',
      'ghcr.io',
      'gcr.io',
    ])
  })
  it('names file:line:col for bad JSON and never quotes the text', () => {
    expect(() => parseDockerConfig('{\n  "auths": {"x": {"auth": "c2VjcmV0"},}\n}', 'c.json')).toThrow(
      'c.json:2:39: is not valid JSON',
    )
    expect(() => parseDockerConfig('[]', 'c.json')).toThrow('c.json: is not a docker config (expected a JSON object)')
  })
  it('registryKey matches every spelling of a registry', () => {
    expect(['https://index.docker.io/v1/', 'docker.io', 'registry-1.docker.io'].map(registryKey)).toEqual([
      'docker.io',
      'docker.io',
      'docker.io',
    ])
    expect(
      ['https://Harbor.example.com/', 'harbor.example.com', 'http://harbor.example.com/v2/'].map(registryKey),
    ).toEqual(['harbor.example.com', 'harbor.example.com', 'harbor.example.com'])
    expect(registryKey('harbor.example.com/project')).toBe('harbor.example.com/project')
  })
})

describe('mergeDockerConfigJson', () => {
  const auth = { server: 'harbor.example.com', username: 'robot', password: 'new' }
  it('replaces every spelling of the same registry and keeps the rest, keys sorted as Go does', () => {
    const existing = readExistingDockerConfig(
      Buffer.from(
        JSON.stringify({
          auths: {
            'https://harbor.example.com': { auth: 'b2xkOm9sZA==' },
            'ghcr.io': { auth: 'Z2g6Z2g=' },
            'https://index.docker.io/v1/': { auth: 'aHViOmh1Yg==' },
          },
        }),
      ).toString('base64'),
    )
    if ('problem' in existing) throw new Error(existing.problem)
    const merged = mergeDockerConfigJson(existing, auth)
    expect(merged.json).toBe(
      '{"auths":{"ghcr.io":{"auth":"Z2g6Z2g="},"harbor.example.com":{"username":"robot","password":"new","auth":"cm9ib3Q6bmV3"},"https://index.docker.io/v1/":{"auth":"aHViOmh1Yg=="}}}',
    )
    expect(merged.registries).toEqual(['ghcr.io', 'harbor.example.com', 'docker.io'])
    expect(merged.replaced).toEqual(['https://harbor.example.com'])
  })
  it('says what is wrong with a .dockerconfigjson it cannot read', () => {
    expect(readExistingDockerConfig(Buffer.from('nope').toString('base64'))).toEqual({
      problem: 'holds a .dockerconfigjson that is not JSON',
    })
    expect(readExistingDockerConfig(undefined)).toEqual({ problem: 'has no .dockerconfigjson key' })
  })
})

describe('redact', () => {
  it('removes the password and every encoding that carries it', () => {
    const auth = { server: 'r.example.com', username: 'u', password: 'Sentinel-Pa55' }
    const m = buildDockerConfigSecret('c', 'ns', auth)
    const leaky = `err: ${auth.password} ${m.data['.dockerconfigjson']} ${Buffer.from('u:Sentinel-Pa55').toString('base64')}`
    expect(redact(leaky, secretForms(auth))).toBe('err: *** *** ***')
  })
})

describe('a legacy .dockercfg Secret, read to merge into', () => {
  const b = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64')
  const legacy = (data: string) => ({ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': data } })
  const ghcr = { username: 'octo', password: 'ghp-keep', auth: b('octo:ghp-keep') }

  it('is the auths map itself, so every entry is kept; its passwords are secret forms too', () => {
    const existing = readExistingSecret(
      legacy(b({ 'ghcr.io': ghcr, 'https://index.docker.io/v1/': { auth: b('h:p') } })),
    )
    expect(existing).toEqual({
      config: { auths: { 'ghcr.io': ghcr, 'https://index.docker.io/v1/': { auth: b('h:p') } } },
      auths: { 'ghcr.io': ghcr, 'https://index.docker.io/v1/': { auth: b('h:p') } },
    })
    expect(existingSecretForms(legacy(b({ 'ghcr.io': ghcr })))).toContain('ghp-keep')
  })

  it.each([
    [{ type: 'kubernetes.io/dockercfg', data: {} }, 'has no .dockercfg key'],
    [legacy(b('{x')), 'holds a .dockercfg that is not JSON'],
    [legacy(b('[1]')), 'holds a .dockercfg that is not a JSON object'],
  ])('%j: %s', (secret, problem) => {
    expect(readExistingSecret(secret)).toEqual({ problem })
  })

  it('two configs combine with the later one winning per registry; dropped lists what a result lost', () => {
    const earlier = {
      config: { auths: { 'ghcr.io': ghcr, 'quay.io': { auth: 'old' } } },
      auths: { 'ghcr.io': ghcr, 'quay.io': { auth: 'old' } },
    }
    const later = {
      config: { auths: { 'https://quay.io/': { auth: 'new' } } },
      auths: { 'https://quay.io/': { auth: 'new' } },
    }
    expect(combineDockerConfigs(earlier, later).auths).toEqual({ 'ghcr.io': ghcr, 'https://quay.io/': { auth: 'new' } })
    expect(droppedRegistries(earlier, ['harbor.example.com', 'quay.io'])).toEqual(['ghcr.io'])
  })
})
