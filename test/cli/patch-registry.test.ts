// `cfpull patch --registry HOST/PATH`: the flags, the report, --check and --json, on real files.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

const REGISTRY = 'harbor.example.com/cloudforet'

function file(text: string): string {
  const f = join(tempDir(), 'values.yaml')
  writeFileSync(f, text)
  return f
}

// A 2.x override that lists three services, one of them on another private registry.
const VALUES = [
  'console:',
  '  image:',
  '    name: cloudforet/console',
  '    version: 2.0.dev31',
  'identity:',
  '  image:',
  '    name: registry.corp.example/cloudforet/identity',
  '    version: 2.0.dev107',
  'supervisor:',
  '  image:',
  '    name: cloudforet/supervisor',
  '    version: 2.0.dev19',
  '',
].join('\n')

const NARROW = ['--services', 'console,identity,supervisor', '--chart-version', '2.0.0-dev35']

describe('cfpull patch --registry', () => {
  it('moves the images and the managed plugins to the mirror, and says what it left', async () => {
    const f = file(VALUES)
    const r = await runCli(['patch', f, '--registry', REGISTRY, ...NARROW])
    expect(r.code).toBe(0)
    expect(readFileSync(f, 'utf8')).toBe(
      [
        'console:',
        '  image:',
        '    name: harbor.example.com/cloudforet/console',
        '    version: 2.0.dev31',
        'identity:',
        '  image:',
        '    name: registry.corp.example/cloudforet/identity',
        '    version: 2.0.dev107',
        'supervisor:',
        '  sidecar:',
        '    redis:',
        '      image:',
        '        name: harbor.example.com/cloudforet/redis',
        '  image:',
        '    name: harbor.example.com/cloudforet/supervisor',
        '    version: 2.0.dev19',
        'repository:',
        '  application_grpc:',
        '    REGISTRY_INFO:',
        '      HARBOR:',
        '        url: harbor.example.com',
        '    MANAGED_PLUGIN_IMAGE_PREFIX: cloudforet',
        '    MANAGED_REGISTRY_TYPE: HARBOR',
        '    CONNECTORS:',
        '      HarborConnector:',
        '        base_url: "https://harbor.example.com"',
        '',
      ].join('\n'),
    )
    expect(r.stdout).toBe(
      [
        `✔ ${f}: patched (3 images moved, the plugin registry set)`,
        '    ~ console.image.name: cloudforet/console → harbor.example.com/cloudforet/console line 3',
        '    + supervisor.sidecar.redis.image.name: harbor.example.com/cloudforet/redis line 13',
        '    ~ supervisor.image.name: cloudforet/supervisor → harbor.example.com/cloudforet/supervisor line 15',
        '    + repository.application_grpc.REGISTRY_INFO.HARBOR.url: harbor.example.com line 21',
        '    + repository.application_grpc.MANAGED_PLUGIN_IMAGE_PREFIX: cloudforet line 22',
        '    + repository.application_grpc.MANAGED_REGISTRY_TYPE: HARBOR line 23',
        '    + repository.application_grpc.CONNECTORS.HarborConnector.base_url: https://harbor.example.com line 26',
        "  plugin images: harbor.example.com/cloudforet/<plugin> (HARBOR; repository 2.0.dev37 (chart 2.0.0-dev35's default) reads the managed plugins' registry url from REGISTRY_INFO, so its REGISTRY_INFO.HARBOR.url is the mirror host)",
        'ℹ No --secret: no pod is given a pull secret for harbor.example.com; unless it allows anonymous pulls, run again with --secret <name>.',
        '',
      ].join('\n'),
    )
    expect(r.stderr).toBe(
      [
        `warning: ${f}:7: identity.image.name is registry.corp.example/cloudforet/identity:2.0.dev107, on registry.corp.example, which is neither Docker Hub nor the mirror: left as it is; pass --replace-registry to move it to harbor.example.com/cloudforet too`,
        `warning: ${f}: the repository lists the managed plugins' versions at https://harbor.example.com with repository.application_grpc.CONNECTORS.HarborConnector.token, which this file does not set`,
        '  the token is base64 of user:password, sent as Basic auth to https://harbor.example.com; it is a credential, and cfpull never writes one into a values file. Keep it out of git:',
        '    a values file of its own (mode 0600, in .gitignore), given after this one (helm upgrade … -f values.yaml -f harbor-token.yaml):',
        '      repository: {application_grpc: {CONNECTORS: {HarborConnector: {token: <base64 of user:password>}}}}',
        '    or a file holding only the token, with no final newline: helm upgrade … --set-file repository.application_grpc.CONNECTORS.HarborConnector.token=harbor-token.txt',
        '',
      ].join('\n'),
    )
  })

  it('--check fails while an image stays on another private registry, and its fix converges', async () => {
    const f = file(VALUES)
    const before = readFileSync(f, 'utf8')
    const r = await runCli(['patch', f, '--registry', REGISTRY, '-s', 'my-credential', ...NARROW, '--check'])
    expect(r.code).toBe(5)
    expect(readFileSync(f, 'utf8')).toBe(before)
    const fix = `cfpull patch ${f} --secret my-credential --registry ${REGISTRY} --replace-registry --chart-version 2.0.0-dev35 --services console,identity,supervisor`
    expect(r.stdout).toContain(`  fix: ${fix}`)
    // Patched without --replace-registry: only the other registry's image keeps the gate red.
    expect((await runCli(['patch', f, '--registry', REGISTRY, '-s', 'my-credential', ...NARROW, '-q'])).code).toBe(0)
    const still = await runCli(['patch', f, '--registry', REGISTRY, '-s', 'my-credential', ...NARROW, '--check'])
    expect(still.code).toBe(5)
    expect(still.stdout).toContain(`✖ ${f}: 1 image not on ${REGISTRY}`)
    // The printed fix, run as printed, ends it.
    const args = fix.split(' ').slice(1)
    expect((await runCli([...args, '-q'])).code).toBe(0)
    expect(parse(readFileSync(f, 'utf8'))).toMatchObject({
      identity: { image: { name: 'harbor.example.com/cloudforet/identity', version: '2.0.dev107' } },
    })
    const done = await runCli([...args, '--check'])
    expect([done.code, done.stdout.split('\n')[0]]).toEqual([0, `✔ ${f}: up to date`])
  })

  it('--json reports the mirror, the images moved and the one left', async () => {
    const f = file(VALUES)
    const r = await runCli(['patch', f, '--registry', REGISTRY, ...NARROW, '--dry-run', '--json'])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    const [one] = doc.files
    expect(one.registry).toEqual({
      host: 'harbor.example.com',
      path: 'cloudforet',
      otherRegistry: [
        {
          service: 'identity',
          role: 'main',
          image: 'registry.corp.example/cloudforet/identity:2.0.dev107',
          registry: 'registry.corp.example',
          path: 'identity.image.name',
          line: 7,
        },
      ],
      notRedirectable: [],
      plugins: {
        redirected: true,
        type: 'HARBOR',
        repositoryVersion: '2.0.dev37',
        repositoryVersionSource: 'chart',
        urlKey: 'REGISTRY_INFO',
        reason:
          "repository 2.0.dev37 (chart 2.0.0-dev35's default) reads the managed plugins' registry url from REGISTRY_INFO",
        tokenMissing: true,
      },
    })
    expect(one.targets.filter((t: { kind: string }) => t.kind === 'image')).toEqual([
      {
        kind: 'image',
        service: 'console',
        role: 'main',
        path: 'console.image.name',
        action: 'replaced',
        names: ['harbor.example.com/cloudforet/console'],
        line: 3,
        previous: 'cloudforet/console',
      },
      {
        kind: 'image',
        service: 'supervisor',
        role: 'main',
        path: 'supervisor.image.name',
        action: 'replaced',
        names: ['harbor.example.com/cloudforet/supervisor'],
        line: 15,
        previous: 'cloudforet/supervisor',
      },
      {
        kind: 'image',
        service: 'supervisor',
        role: 'sidecar:redis',
        path: 'supervisor.sidecar.redis.image.name',
        action: 'set',
        names: ['harbor.example.com/cloudforet/redis'],
        line: 13,
      },
    ])
  })

  it.each([
    [['--registry', 'harbor.example.com'], 'it has no path'],
    [['--registry', 'https://harbor.example.com/cf'], 'leave out the scheme'],
    [
      ['--registry', REGISTRY, '--plugin-registry', 'DOCKER_HUB'],
      "--plugin-registry DOCKER_HUB with --registry would point DOCKER_HUB's url at the mirror",
    ],
    [['--registry', REGISTRY, '--plugin-registry', 'GITHUB'], '--plugin-registry GITHUB with --registry'],
    [
      ['--replace-registry', '-s', 'a'],
      '--replace-registry moves images to the --registry mirror: pass --registry HOST/PATH',
    ],
    [[], "required option '-s, --secret <name>' not specified (or give --registry HOST/PATH to move the images only)"],
  ])('usage error %j exits 2 and writes nothing', async (args, message) => {
    const f = file(VALUES)
    const r = await runCli(['patch', f, ...args])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(readFileSync(f, 'utf8')).toBe(VALUES)
  })
})
