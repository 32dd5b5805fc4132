// `cfpull doctor --pull` against real registries: Debian's Distribution 2.8 on 127.0.0.1 with TLS,
// Basic (htpasswd) and token auth, seeded through its HTTP API. Every answer below is what the
// registry really said to the request cfpull made.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { installCredentialHelper } from '../helpers/credential-helper.js'
import { authEntry as auth } from '../helpers/pull-secret.js'
import { closedPort, startRegistries, type RegistrySet, type TestRegistry } from '../helpers/registry.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

const PASSWORD = 'right-horse-battery'
let a: TestRegistry // htpasswd: the main mirror
let b: TestRegistry // token auth: alice may pull everything but private/*
let c: TestRegistry // htpasswd, credentials keyed by a path prefix
let d: TestRegistry // htpasswd, the Secret holds a wrong password
let e: TestRegistry // started, then stopped: nothing listens on its port
let ports: Record<string, string>
let caBundle: string
let registries: RegistrySet

beforeAll(async () => {
  const htpasswd = { mode: 'htpasswd', users: { alice: PASSWORD } } as const
  registries = await startRegistries([
    htpasswd,
    {
      mode: 'token',
      users: { alice: PASSWORD },
      policy: (user, repository) => (user === 'alice' && !repository.startsWith('private/') ? ['pull'] : []),
    },
    htpasswd,
    htpasswd,
    htpasswd,
  ])
  ;[a, b, c, d, e] = registries.registries as [TestRegistry, TestRegistry, TestRegistry, TestRegistry, TestRegistry]
  caBundle = registries.caBundle
  await Promise.all([
    a.seedImage('cloudforet/console', '1.12.12'),
    a.seedImage('cloudforet/identity', '1.12.3', { format: 'oci', platforms: ['linux/amd64', 'linux/arm64'] }),
    a.seedImage('cloudforet/monitoring', '1.12.0', { format: 'oci', platforms: ['linux/amd64'] }),
    a.seedImage('cloudforet/config', '1.12.0'),
    b.seedImage('cloudforet/inventory', '1.12.1'),
    b.seedImage('private/billing', '1.0'),
    c.seedImage('team-a/board', '1.0'),
    c.seedImage('team-b/file-manager', '1.0'),
    d.seedImage('cloudforet/dashboard', '1.0'),
  ])
  ports = Object.fromEntries(
    Object.entries({ A: a, B: b, C: c, D: d, E: e }).map(([k, r]) => [r.host.split(':')[1]!, k]),
  )
  await e.stop()
})
afterAll(() => registries?.stop())

const tidy = (s: string) =>
  s
    .replace(/(127\.0\.0\.1|localhost|\*\.0\.0\.1):(\d+)/g, (_m, h: string, p: string) => `${h}:<${ports[p] ?? p}>`)
    .replace(/\/tmp\/cfpull-[\w]+\//g, '<tmp>/')

function values(images: Record<string, string>): string {
  const file = join(tempDir(), 'values.yaml')
  const lines = ['global:', '  namespace: cloudforet', '  supervisor_namespace: cloudforet']
  for (const [svc, image] of Object.entries(images)) {
    const i = image.lastIndexOf(':')
    lines.push(
      `${svc}:`,
      '  image:',
      `    name: ${image.slice(0, i)}`,
      `    version: ${JSON.stringify(image.slice(i + 1))}`,
      '  imagePullSecrets:',
      '    - name: my-credential',
    )
  }
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

// doctor --pull on a values file, credentials from a docker config file, the registries' CA trusted.
const fromDockerConfig = (file: string, config: string) => [
  'doctor',
  '-f',
  file,
  '--pull',
  '--from-docker-config',
  config,
  '--registry-ca',
  caBundle,
]

function dockerConfig(auths: Record<string, object>): string {
  const file = join(tempDir(), 'config.json')
  writeFileSync(file, JSON.stringify({ auths }))
  return file
}

describe('cfpull doctor --pull (real registries)', () => {
  it('answers every case of the matrix, one line per image, exit 6', async () => {
    const file = values({
      console: `${a.host}/cloudforet/console:1.12.12`,
      identity: `${a.host}/cloudforet/identity:1.12.3`,
      monitoring: `${a.host}/cloudforet/monitoring:1.12.0`,
      config: `${a.host}/cloudforet/config:9.9.9`,
      secret: `${a.host}/cloudforet/nothing:1`,
      inventory: `${b.host}/cloudforet/inventory:1.12.1`,
      'cost-analysis': `${b.host}/private/billing:1.0`,
      notification: `${b.host.replace('127.0.0.1', 'localhost')}/cloudforet/inventory:1.12.1`,
      board: `${c.host}/team-a/board:1.0`,
      'file-manager': `${c.host}/team-b/file-manager:1.0`,
      dashboard: `${d.host}/cloudforet/dashboard:1.0`,
      statistics: `${e.host}/cloudforet/statistics:1.0`,
    })
    const config = dockerConfig({
      [`https://${a.host}`]: auth('alice', PASSWORD),
      [`*.0.0.1:${b.host.split(':')[1]}`]: { username: 'alice', password: PASSWORD },
      [`${c.host}/team-a`]: auth('alice', PASSWORD),
      [d.host]: auth('alice', 'not-the-password'),
      [e.host]: auth('alice', PASSWORD),
    })
    const r = await runCli([
      ...fromDockerConfig(file, config),
      '--platform',
      'linux/amd64',
      '--platform',
      'linux/arm64',
      '--no-color',
    ])
    expect(r.code, r.stderr).toBe(6)
    expect(r.stderr).toBe('')
    expect(tidy(r.stdout)).toBe(
      [
        'cfpull doctor --pull <tmp>/values.yaml: 12 images from values, credentials from the docker config, platform linux/amd64, linux/arm64',
        '',
        '  ? 127.0.0.1:<E>: could not check from here (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:<E>); 1 image (statistics)',
        '  ✖ 127.0.0.1:<A>/cloudforet/config:9.9.9       not found (tag or repository)',
        '      config in cloudforet · my-credential (https://127.0.0.1:<A>)',
        '      no tag 9.9.9 in cloudforet/config',
        '      fix: push or mirror 127.0.0.1:<A>/cloudforet/config:9.9.9 to 127.0.0.1:<A>, or set the image to one that exists',
        '  ✖ 127.0.0.1:<B>/private/billing:1.0           no pull permission',
        '      cost-analysis in cloudforet · my-credential (*.0.0.1:<B>)',
        '      the token grants no pull on private/billing (some registries answer the same for a repository that does not exist)',
        '      fix: give the account of my-credential (*.0.0.1:<B>) pull (read) access to private/billing on 127.0.0.1:<B>',
        '  ✖ 127.0.0.1:<D>/cloudforet/dashboard:1.0      credentials rejected',
        '      dashboard in cloudforet · my-credential (127.0.0.1:<D>)',
        '      fix: cfpull create-secret --name my-credential -n cloudforet --docker-server 127.0.0.1:<D> --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin',
        '  ✖ 127.0.0.1:<C>/team-b/file-manager:1.0       no credentials for 127.0.0.1:<C>',
        '      file-manager in cloudforet',
        '      my-credential has no entry that matches 127.0.0.1:<C>/team-b/file-manager',
        '      fix: cfpull create-secret --name my-credential -n cloudforet --docker-server 127.0.0.1:<C> --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin',
        '  ✖ 127.0.0.1:<A>/cloudforet/monitoring:1.12.0  no linux/arm64 variant',
        '      monitoring in cloudforet · my-credential (https://127.0.0.1:<A>)',
        '      the index has linux/amd64',
        '      fix: mirror every platform of 127.0.0.1:<A>/cloudforet/monitoring:1.12.0 (skopeo copy --all, or crane copy), not only one',
        '  ✖ localhost:<B>/cloudforet/inventory:1.12.1   no credentials for localhost:<B>',
        '      notification in cloudforet',
        '      my-credential has no entry that matches localhost:<B>/cloudforet/inventory',
        '      fix: cfpull create-secret --name my-credential -n cloudforet --docker-server localhost:<B> --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin',
        '  ✖ 127.0.0.1:<A>/cloudforet/nothing:1          not found (tag or repository)',
        '      secret in cloudforet · my-credential (https://127.0.0.1:<A>)',
        '      no repository cloudforet/nothing on 127.0.0.1:<A>',
        '      fix: push or mirror 127.0.0.1:<A>/cloudforet/nothing:1 to 127.0.0.1:<A>, or set the image to one that exists',
        '  ✔ 127.0.0.1:<C>/team-a/board:1.0              pulls',
        '      board in cloudforet · my-credential (127.0.0.1:<C>/team-a)',
        '  ✔ 127.0.0.1:<A>/cloudforet/console:1.12.12    pulls',
        '      console in cloudforet · my-credential (https://127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<A>/cloudforet/identity:1.12.3    pulls',
        '      identity in cloudforet · my-credential (https://127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<B>/cloudforet/inventory:1.12.1   pulls',
        '      inventory in cloudforet · my-credential (*.0.0.1:<B>)',
        '',
        'ℹ 11 services (console-api, console-api-v2, marketplace-assets, plugin, repository, search, spacectl, supervisor, cfctl, mongodb, redis) run a chart default image, not checked: add --chart cloudforet/spaceone --chart-version "${CHART_VERSION:?set CHART_VERSION to the spaceone chart version}" to render the chart and check every image (or --cluster for the running ones)',
        '',
        // 6 wins over 7: what is known to fail is the answer; the unchecked registry is said too.
        '7 of 12 images will not pull; 1 of 12 images on 1 registry could not be checked from here',
        '',
      ].join('\n'),
    )
    for (const secret of [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64'), 'not-the-password'])
      expect(r.stdout + r.stderr).not.toContain(secret)
  })
})

describe('cfpull doctor --pull: registries that cannot be checked from here', () => {
  it('one line per registry, "could not check", and exit 7 when nothing is known to fail', async () => {
    const f = await closedPort()
    ports[String(f)] = 'F'
    const file = values({
      console: `${a.host}/cloudforet/console:1.12.12`,
      identity: `${e.host}/cloudforet/identity:1.12.3`,
      inventory: `${e.host}/cloudforet/inventory:1.12.1`,
      monitoring: `${e.host}/cloudforet/monitoring:1.12.0`,
      board: `${e.host}/cloudforet/board:1.0`,
      dashboard: `127.0.0.1:${f}/cloudforet/dashboard:1.0`,
      statistics: `127.0.0.1:${f}/cloudforet/statistics:1.0`,
    })
    const config = dockerConfig({
      [a.host]: auth('alice', PASSWORD),
      [e.host]: auth('alice', PASSWORD),
      [`127.0.0.1:${f}`]: auth('alice', PASSWORD),
    })
    const r = await runCli([...fromDockerConfig(file, config), '--no-color'])
    expect(r.code, r.stderr).toBe(7)
    expect(r.stderr).toBe('')
    expect(tidy(r.stdout)).toBe(
      [
        'cfpull doctor --pull <tmp>/values.yaml: 7 images from values, credentials from the docker config, platform linux/amd64',
        '',
        '  ? 127.0.0.1:<E>: could not check from here (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:<E>); 4 images (board, identity, inventory, monitoring)',
        '  ? 127.0.0.1:<F>: could not check from here (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:<F>); 2 images (dashboard, statistics)',
        '  ✔ 127.0.0.1:<A>/cloudforet/console:1.12.12  pulls',
        '      console in cloudforet · my-credential (127.0.0.1:<A>)',
        '',
        'ℹ 16 services (config, console-api, console-api-v2, cost-analysis, file-manager, marketplace-assets, notification, plugin, repository, search, secret, spacectl, supervisor, cfctl, mongodb, redis) run a chart default image, not checked: add --chart cloudforet/spaceone --chart-version "${CHART_VERSION:?set CHART_VERSION to the spaceone chart version}" to render the chart and check every image (or --cluster for the running ones)',
        '',
        'nothing is known to fail, but 6 of 7 images on 2 registries could not be checked from here: check that they resolve and answer from here (and --registry-ca for a private CA)',
        '',
      ].join('\n'),
    )
    const json = await runCli([...fromDockerConfig(file, config), '--json'])
    expect(json.code).toBe(7)
    const doc = JSON.parse(tidy(json.stdout)) as { exitCode: number; ok: boolean; unchecked: unknown }
    expect([doc.exitCode, doc.ok]).toEqual([7, false])
    expect(doc.unchecked).toEqual([
      {
        host: '127.0.0.1:<E>',
        reason: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:<E>',
        images: [
          '127.0.0.1:<E>/cloudforet/board:1.0',
          '127.0.0.1:<E>/cloudforet/identity:1.12.3',
          '127.0.0.1:<E>/cloudforet/inventory:1.12.1',
          '127.0.0.1:<E>/cloudforet/monitoring:1.12.0',
        ],
        workloads: ['board', 'identity', 'inventory', 'monitoring'],
      },
      {
        host: '127.0.0.1:<F>',
        reason: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:<F>',
        images: ['127.0.0.1:<F>/cloudforet/dashboard:1.0', '127.0.0.1:<F>/cloudforet/statistics:1.0'],
        workloads: ['dashboard', 'statistics'],
      },
    ])
  })
})

describe('cfpull doctor --pull: sources, credentials and output forms', () => {
  it('--chart renders the chart: chart-default tags and every Deployment are checked', async () => {
    const work = tempDir()
    for (const [k, v] of Object.entries({ HELM_CACHE_HOME: 'hc', HELM_CONFIG_HOME: 'hg', HELM_DATA_HOME: 'hd' }))
      vi.stubEnv(k, join(work, v))
    onTestFinished(() => {
      vi.unstubAllEnvs()
    })
    await a.seedImage('cloudforet/identity', '1.12.0')
    await a.seedImage('cloudforet/repository', '1.12.0')
    await a.seedImage('cloudforet/supervisor', '1.12.0')
    await a.seedImage('cloudforet/console-api', '1.12.0')
    await a.seedImage('cloudforet/nginx', 'stable')
    await a.seedImage('cloudforet/redis', 'latest')
    const file = join(work, 'values.yaml')
    // identity, repository and the sidecars set only the name: their tag is the chart's default
    // (1.12.0, stable, latest). mongodb and redis take the name alone, tag included.
    writeFileSync(
      file,
      [
        'global:',
        '  namespace: cloudforet',
        ...['console', 'console-api', 'identity', 'repository', 'supervisor', 'mongodb', 'redis'].flatMap((svc) => [
          `${svc}:`,
          '  imagePullSecrets:',
          '    - name: my-credential',
          '  image:',
          svc === 'mongodb' ? `    name: ${a.host}/cloudforet/mongodb:6.0` : `    name: ${a.host}/cloudforet/${svc}`,
          ...(svc === 'console' ? ['    version: 1.12.12'] : []),
          ...(svc === 'console-api' ? ['  nginx_proxy:', '    image:', `      name: ${a.host}/cloudforet/nginx`] : []),
          ...(svc === 'supervisor'
            ? ['  sidecar:', '    redis:', '      image:', `        name: ${a.host}/cloudforet/redis`]
            : []),
        ]),
        '',
      ].join('\n'),
    )
    const r = await runCli(
      [
        'doctor',
        '-f',
        file,
        '--pull',
        '--chart',
        join(import.meta.dirname, '../fixtures/chart'),
        '-n',
        'spaceone',
        '--docker-server',
        a.host,
        '--docker-username',
        'alice',
        '--password-stdin',
        '--registry-ca',
        caBundle,
      ],
      { stdin: `${PASSWORD}\n`, env: { CFPULL_HELM: toolPath('helm') } },
    )
    expect(r.code, r.stderr).toBe(6)
    expect(tidy(r.stdout).replace(/^( {2}[✖✔] \S+) +/gm, '$1  ')).toBe(
      [
        `cfpull doctor --pull <tmp>/values.yaml: 9 images from chart ${join(import.meta.dirname, '../fixtures/chart')}, credentials from --docker-server, platform linux/amd64`,
        '',
        '  ✖ 127.0.0.1:<A>/cloudforet/mongodb:6.0  not found (tag or repository)',
        '      mongodb in cloudforet · my-credential (127.0.0.1:<A>)',
        '      no repository cloudforet/mongodb on 127.0.0.1:<A>',
        '      fix: push or mirror 127.0.0.1:<A>/cloudforet/mongodb:6.0 to 127.0.0.1:<A>, or set the image to one that exists',
        '  ✔ 127.0.0.1:<A>/cloudforet/console-api:1.12.0  pulls',
        '      console-api in cloudforet · my-credential (127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<A>/cloudforet/nginx:stable  pulls',
        '      console-api in cloudforet · my-credential (127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<A>/cloudforet/console:1.12.12  pulls',
        '      console in cloudforet · my-credential (127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<A>/cloudforet/identity:1.12.0  pulls',
        '      identity, identity-scheduler in cloudforet · my-credential (127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<A>/cloudforet/redis  pulls',
        '      redis in cloudforet · my-credential (127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<A>/cloudforet/repository:1.12.0  pulls',
        '      repository in cloudforet · my-credential (127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<A>/cloudforet/supervisor:1.12.0  pulls',
        '      supervisor in spaceone · my-credential (127.0.0.1:<A>)',
        '  ✔ 127.0.0.1:<A>/cloudforet/redis:latest  pulls',
        '      supervisor in spaceone · my-credential (127.0.0.1:<A>)',
        '',
        '1 of 9 images will not pull',
        '',
      ].join('\n'),
    )
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  })

  it('--json: one document, the same answers per image, no credential anywhere', async () => {
    const file = values({
      console: `${a.host}/cloudforet/console:1.12.12`,
      dashboard: `${d.host}/cloudforet/dashboard:1.0`,
    })
    const config = dockerConfig({ [a.host]: auth('alice', PASSWORD), [d.host]: auth('alice', 'not-the-password') })
    const r = await runCli([...fromDockerConfig(file, config), '--json'])
    expect(r.code).toBe(6)
    expect(r.stderr).toBe('')
    const doc = JSON.parse(tidy(r.stdout))
    expect(doc).toEqual({
      command: 'doctor',
      check: 'pull',
      exitCode: 6,
      ok: false,
      values: '<tmp>/values.yaml',
      sources: ['values'],
      credentials: 'docker-config',
      platforms: ['linux/amd64'],
      platformSource: 'default',
      images: [
        {
          image: '127.0.0.1:<D>/cloudforet/dashboard:1.0',
          host: '127.0.0.1:<D>',
          status: 'credentials-rejected',
          text: 'credentials rejected',
          workloads: ['dashboard'],
          namespaces: ['cloudforet'],
          pullSecrets: ['my-credential'],
          credentials: ['my-credential (127.0.0.1:<D>)'],
          fix: 'cfpull create-secret --name my-credential -n cloudforet --docker-server 127.0.0.1:<D> --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin',
        },
        {
          image: '127.0.0.1:<A>/cloudforet/console:1.12.12',
          host: '127.0.0.1:<A>',
          status: 'pulls',
          text: 'pulls',
          workloads: ['console'],
          namespaces: ['cloudforet'],
          pullSecrets: ['my-credential'],
          credentials: ['my-credential (127.0.0.1:<A>)'],
        },
      ],
      uncheckedDefaults: expect.arrayContaining(['identity', 'supervisor']),
      notes: [],
      checks: 2,
      unchecked: [],
    })
    for (const secret of [PASSWORD, 'not-the-password', auth('alice', PASSWORD).auth])
      expect(r.stdout).not.toContain(secret)
  })

  it('a progress line on a terminal, none in a pipe or in CI', async () => {
    const file = values({
      console: `${a.host}/cloudforet/console:1.12.12`,
      identity: `${a.host}/cloudforet/identity:1.12.3`,
    })
    const config = dockerConfig({ [a.host]: auth('alice', PASSWORD) })
    const args = fromDockerConfig(file, config)
    const tty = await runCli(args, { tty: true })
    expect(tty.code).toBe(0)
    /* eslint-disable no-control-regex -- the escape codes are the progress line under test */
    expect(tty.stderr.split(/\r\u001b\[2K/).filter(Boolean)).toEqual([
      'checking images with their registries: 0/2',
      'checking images with their registries: 1/2',
    ])
    /* eslint-enable no-control-regex */
    expect(tty.stderr.endsWith('\r\u001b[2K')).toBe(true)
    expect((await runCli(args, { tty: true, env: { CI: 'true' } })).stderr).toBe('')
    expect((await runCli(args)).stderr).toBe('')
  })

  it('offline without credentials: private images say so, and how to give them', async () => {
    const file = values({ console: `${a.host}/cloudforet/console:1.12.12` })
    const r = await runCli(['doctor', '-f', file, '--pull', '--registry-ca', caBundle, '--json'])
    expect(r.code).toBe(6)
    const [line] = JSON.parse(tidy(r.stdout)).images
    expect(line).toMatchObject({
      status: 'no-credentials',
      text: 'no credentials for 127.0.0.1:<A>',
      detail:
        'Secret my-credential in cloudforet is not read offline (pass --docker-server/--docker-username/--password-stdin, --from-docker-config, or --cluster)',
    })
  })
})

describe('cfpull doctor --pull --from-docker-config, as docker pull finds credentials', () => {
  it('credHelpers[host] wins over the auths entry, through the real helper protocol', async () => {
    const work = tempDir()
    const helper = installCredentialHelper(work, 'cfpulltest', {
      [a.host]: { Username: 'alice', Secret: PASSWORD },
    })
    vi.stubEnv('PATH', `${helper.binDir}:${process.env.PATH}`)
    onTestFinished(() => {
      vi.unstubAllEnvs()
    })
    const file = values({ console: `${a.host}/cloudforet/console:1.12.12` })
    // The auths entry is stale; Docker would ask the helper first, and so does cfpull.
    const config = dockerConfig({ [a.host]: auth('alice', 'stale') })
    writeFileSync(
      config,
      JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), credHelpers: { [a.host]: 'cfpulltest' } }),
    )
    const r = await runCli([...fromDockerConfig(file, config), '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(tidy(r.stdout)).images.map((l: any) => [l.text, l.credentials])).toEqual([
      ['pulls', ['my-credential (127.0.0.1:<A>)']],
    ])
    expect(helper.calls().map((c) => [c.argv.slice(-1)[0], c.stdin])).toEqual([['get', a.host]])
    expect(r.stdout).not.toContain(PASSWORD)

    // The other way round: the helper's password is the stale one, so the pull is refused.
    const wrong = installCredentialHelper(work, 'cfpullwrong', { [a.host]: { Username: 'alice', Secret: 'stale' } })
    vi.stubEnv('PATH', `${wrong.binDir}:${process.env.PATH}`)
    writeFileSync(
      config,
      JSON.stringify({ auths: { [a.host]: auth('alice', PASSWORD) }, credHelpers: { [a.host]: 'cfpullwrong' } }),
    )
    const again = await runCli([...fromDockerConfig(file, config), '--json'])
    expect(again.code, again.stderr).toBe(6)
    expect(JSON.parse(again.stdout).images.map((l: any) => l.text)).toEqual(['credentials rejected'])
  })
})
