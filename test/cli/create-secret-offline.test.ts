import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HARBOR_ROBOT, SECRET_NAME } from '../helpers/create-secret-env.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import type { Runner } from '../../src/adapters/run.js'

const repo = join(import.meta.dirname, '../..')
const example = join(repo, 'examples/values.yaml')
const SENTINEL = 'Sentinel-Pa55-Zq9'
const forms = [SENTINEL, Buffer.from(SENTINEL).toString('base64'), Buffer.from(`robot:${SENTINEL}`).toString('base64')]
// A runner that fails the test if anything tries to run a tool: dry runs touch no cluster.
const noTools: Runner = async (file, args) => {
  throw new Error(`unexpected tool call: ${file} ${args.join(' ')}`)
}

describe('cfpull create-secret without a cluster', () => {
  it('--dry-run -o yaml prints one Secret per namespace the values file implies', async () => {
    const r = await runCli(
      [
        'create-secret',
        '--name',
        SECRET_NAME,
        ...HARBOR_ROBOT,
        '--password-stdin',
        '--values',
        example,
        '--dry-run',
        '-o',
        'yaml',
      ],
      { stdin: 'pw\n', run: noTools },
    )
    expect(r.code).toBe(0)
    const docs = r.stdout.split('---\n')
    expect(docs.map((d) => /namespace: (.*)/.exec(d)![1])).toEqual(['cloudforet', 'cloudforet-plugin'])
    expect(r.stderr).toBe(
      'Secret my-credential (password from stdin) → namespaces cloudforet, cloudforet-plugin\n' +
        '--dry-run reads nothing from the cluster: each manifest holds only harbor.example.com, so applying it replaces the other registries an existing Secret holds\n',
    )
    const data = /\.dockerconfigjson: (.*)/.exec(docs[0]!)![1]!
    expect(Buffer.from(data, 'base64').toString()).toBe(
      '{"auths":{"harbor.example.com":{"username":"robot","password":"pw","auth":"cm9ib3Q6cHc="}}}',
    )
  })

  it('merges -n with the values namespaces, deduplicated, chart defaults filling gaps', async () => {
    const dir = tempDir()
    const values = join(dir, 'v.yaml')
    writeFileSync(values, 'global:\n  namespace: spaceone\n')
    const r = await runCli(
      [
        'create-secret',
        '--name',
        'c',
        '--docker-username',
        'u',
        '-n',
        'extra',
        '-n',
        'spaceone',
        '--values',
        values,
        '--chart-version',
        '1.12.16',
        '--dry-run',
        '--json',
      ],
      { env: { CFPULL_REGISTRY_PASSWORD: 'x' }, run: noTools },
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      command: 'create-secret',
      exitCode: 0,
      ok: true,
      name: 'c',
      server: 'https://index.docker.io/v1/',
      passwordSource: 'env',
      dryRun: true,
      namespaces: ['extra', 'spaceone', 'spaceone-plugin'],
      login: { result: 'skipped' },
      findings: [],
      info: [
        '--dry-run reads nothing from the cluster: each manifest holds only docker.io, so applying it replaces the other registries an existing Secret holds',
      ],
      results: [],
      notes: [],
    })
  })

  it.each([
    [
      ['--name', 'c', '--docker-username', 'u', '-n', 'ns'],
      {},
      'no registry password: pipe it to --password-stdin, set CFPULL_REGISTRY_PASSWORD, or pass --from-docker-config [~/.docker/config.json]',
    ],
    [
      ['--name', 'c', '--docker-username', 'u'],
      { CFPULL_REGISTRY_PASSWORD: 'x' },
      'no namespace: pass -n <namespace> (repeatable) or --values values.yaml',
    ],
    [
      ['--name', 'Bad', '--docker-username', 'u', '-n', 'ns'],
      { CFPULL_REGISTRY_PASSWORD: 'x' },
      'secret name "Bad" is not a DNS-1123 subdomain',
    ],
    [
      ['--name', 'c', '--docker-username', 'a:b', '-n', 'ns'],
      { CFPULL_REGISTRY_PASSWORD: 'x' },
      '--docker-username must not contain ":"',
    ],
    [['--name', 'c', '-n', 'ns'], { CFPULL_REGISTRY_PASSWORD: 'x' }, '--docker-username is required'],
    [
      ['--name', 'c', '--docker-username', 'u', '-n', 'Not_A_Namespace'],
      { CFPULL_REGISTRY_PASSWORD: 'x' },
      'namespace "Not_A_Namespace" is not a valid Kubernetes namespace name',
    ],
    [
      ['--name', 'c', '--docker-username', 'u', '-n', 'ns', '--docker-server', 'a b'],
      { CFPULL_REGISTRY_PASSWORD: 'x' },
      '--docker-server must be a registry host or URL with no whitespace',
    ],
    [
      ['--name', 'c', '--docker-username', 'u', '-n', 'ns', '--json', '-o', 'yaml'],
      { CFPULL_REGISTRY_PASSWORD: 'x' },
      '--json prints the report; -o prints manifests: choose one',
    ],
  ])('usage error %j', async (args, env, message) => {
    const r = await runCli(['create-secret', ...args], { env, run: noTools })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    if (args.includes('--json'))
      expect(JSON.parse(r.stdout).error).toMatchObject({
        type: 'UsageError',
        exitCode: 2,
        message: expect.stringContaining(message),
      })
    else expect(r.stdout).toBe('')
  })

  it('an empty password from stdin is refused before any kubectl call', async () => {
    const r = await runCli(['create-secret', '--name', 'c', '--docker-username', 'u', '-n', 'ns', '--password-stdin'], {
      stdin: '\n',
      run: noTools,
    })
    expect([r.code, r.stderr]).toEqual([2, 'error: the registry password is empty\n'])
  })

  it('warns that --docker-password is visible to other users', async () => {
    const r = await runCli(
      ['create-secret', '--name', 'c', '--docker-username', 'u', '-n', 'ns', '--docker-password', 'x', '--dry-run'],
      { run: noTools },
    )
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('warning: --docker-password puts the password on the command line')
  })

  it('reads credentials from a docker config.json', async () => {
    const dir = tempDir()
    const cfg = join(dir, 'config.json')
    writeFileSync(
      cfg,
      JSON.stringify({
        auths: { 'harbor.example.com': { auth: Buffer.from(`robot:${SENTINEL}`).toString('base64') } },
      }),
    )
    const r = await runCli(
      [
        'create-secret',
        '--name',
        'c',
        '--docker-server',
        'harbor.example.com',
        '--from-docker-config',
        cfg,
        '-n',
        'ns',
        '--dry-run',
        '-o',
        'json',
      ],
      { run: noTools },
    )
    expect(r.code).toBe(0)
    const secret = JSON.parse(r.stdout)
    expect(
      JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString()).auths['harbor.example.com']
        .username,
    ).toBe('robot')
  })

  it('never prints the password outside the manifests it was asked for', async () => {
    const dir = tempDir()
    const values = join(dir, 'values.yaml')
    copyFileSync(example, values)
    const cfg = join(dir, 'config.json')
    writeFileSync(cfg, JSON.stringify({ auths: { 'harbor.example.com': { username: 'robot', password: SENTINEL } } }))
    const base = [
      'create-secret',
      '--name',
      'c',
      '--docker-server',
      'harbor.example.com',
      '--values',
      values,
      '--dry-run',
    ]
    const sources: Array<[string[], { env?: Record<string, string>; stdin?: string }]> = [
      [['--docker-username', 'robot', '--password-stdin'], { stdin: `${SENTINEL}\n` }],
      [['--docker-username', 'robot'], { env: { CFPULL_REGISTRY_PASSWORD: SENTINEL } }],
      [['--docker-username', 'robot', '--docker-password', SENTINEL], {}],
      [['--from-docker-config', cfg], {}],
    ]
    for (const [flags, io] of sources) {
      for (const extra of [['--json'], ['--verbose'], ['--quiet'], []]) {
        const r = await runCli([...base, ...flags, ...extra], { ...io, run: noTools })
        expect(r.code, [...flags, ...extra].join(' ')).toBe(0)
        // Without -o, --dry-run prints the YAML manifests (that is their purpose); --json prints only the report.
        const printed = extra[0] === '--json' ? r.stdout + r.stderr : r.stderr
        for (const f of forms) expect(printed, [...flags, ...extra].join(' ')).not.toContain(f)
      }
    }
  })
})
