import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { execa } from 'execa'
import { beforeEach, describe, expect, it } from 'vitest'
import { createSecretEnv, HARBOR_ROBOT, type CreateSecretEnv } from '../helpers/create-secret-env.js'
import type { RecordedRequest } from '../helpers/fake-apiserver.js'
import { toolPath } from '../helpers/tools.js'

const example = join(import.meta.dirname, '../../examples/values.yaml')
const SENTINEL = 'Sentinel-Pa55-Zq9'
const forms = [SENTINEL, Buffer.from(SENTINEL).toString('base64'), Buffer.from(`robot:${SENTINEL}`).toString('base64')]

let env: CreateSecretEnv

beforeEach(async () => {
  // The login check runs against a real registry in create-secret-registry.test.ts.
  env = await createSecretEnv({ defaults: [...HARBOR_ROBOT, '--no-verify'], stdin: `${SENTINEL}\n` })
})

const createSecret = (extra: string[], io: { stdin?: string; env?: Record<string, string> } = {}) =>
  env.createSecret(extra, io)
const storedConfig = (ns: string): unknown => env.stored(ns)

describe('cfpull create-secret against an API server (real kubectl)', () => {
  it('creates the Secret in every namespace of the values, then reports unchanged and configured', async () => {
    const first = await createSecret(['--password-stdin', '--values', example])
    expect(first.code).toBe(0)
    expect(first.stdout).toBe(
      'Secret my-credential (password from stdin) → namespaces cloudforet, cloudforet-plugin\n✔ cloudforet: created (registries: harbor.example.com)\n✔ cloudforet-plugin: created (registries: harbor.example.com)\n',
    )
    const expected = {
      type: 'kubernetes.io/dockerconfigjson',
      config: {
        auths: {
          'harbor.example.com': {
            username: 'robot',
            password: SENTINEL,
            auth: Buffer.from(`robot:${SENTINEL}`).toString('base64'),
          },
        },
      },
    }
    expect(storedConfig('cloudforet')).toEqual(expected)
    expect(storedConfig('cloudforet-plugin')).toEqual(expected)
    // A Secret that was not there is created (POST), so one that another writer created
    // meanwhile is refused as AlreadyExists rather than overwritten by an apply.
    // Namespaces are worked on concurrently, so the order of requests is not fixed.
    const line = (r: RecordedRequest) =>
      [r.method, r.path, r.query.fieldManager, r.query.force, r.contentType].join(' ')
    expect(env.api.writes().map(line).sort()).toEqual([
      'POST /api/v1/namespaces/cloudforet-plugin/secrets cfpull  application/json',
      'POST /api/v1/namespaces/cloudforet/secrets cfpull  application/json',
    ])
    // No client-side apply annotation: it would hold the whole Secret, password included.
    expect(JSON.stringify(env.api.get('Secret', 'cloudforet', 'my-credential').metadata)).not.toContain(
      'last-applied-configuration',
    )

    let before = env.api.writes().length
    const again = await createSecret(['--password-stdin', '--values', example])
    // The Secret already holds exactly this: nothing is written.
    expect(env.api.writes().slice(before)).toEqual([])
    expect(again.stdout).toContain(
      '✔ cloudforet: unchanged (registries: harbor.example.com)\n✔ cloudforet-plugin: unchanged (registries: harbor.example.com)\n',
    )
    before = env.api.writes().length
    const rv = env.api.get('Secret', 'cloudforet', 'my-credential').metadata.resourceVersion as string
    const rotated = await createSecret(['--password-stdin', '-n', 'cloudforet'], { stdin: 'new-password' })
    // An existing Secret is server-side applied only if it still has the resourceVersion that was read.
    const applied = env.api.writes().slice(before)
    expect(applied.map(line)).toEqual([
      'PATCH /api/v1/namespaces/cloudforet/secrets/my-credential cfpull true application/apply-patch+yaml',
    ])
    expect(JSON.parse(applied[0]!.body).metadata.resourceVersion).toBe(rv)
    expect(rotated.stdout).toContain('✔ cloudforet: configured (registries: harbor.example.com)\n')
    expect(
      (storedConfig('cloudforet') as { config: { auths: Record<string, { password: string }> } }).config.auths[
        'harbor.example.com'
      ]!.password,
    ).toBe('new-password')
  })

  it('--create-namespace creates missing namespaces first', async () => {
    const r = await createSecret(['--password-stdin', '-n', 'brand-new', '--create-namespace'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('✔ brand-new: created (namespace created; registries: harbor.example.com)')
    expect(env.api.get('Namespace', undefined, 'brand-new')).toBeTruthy()
  })

  it('a missing namespace is found before anything is written: exit 3, zero writes, a fix', async () => {
    const r = await createSecret(['--password-stdin', '-n', 'cloudforet', '-n', 'nowhere'])
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('Secret my-credential (password from stdin) → namespaces cloudforet, nowhere\n')
    expect(r.stderr).toBe(
      `error: namespace nowhere does not exist\nfix: add --create-namespace, or run: kubectl --kubeconfig ${env.kubeconfig} create namespace nowhere\nerror: preflight found 1 problem; nothing was changed\n`,
    )
    expect(env.api.requests.filter((q) => q.method !== 'GET')).toEqual([])
  })

  it('the missing-namespace fix, pasted into sh as printed, creates it through a kubeconfig whose path has a space', async () => {
    const spaced = join(dirname(env.kubeconfig), 'my cluster', 'kube config')
    mkdirSync(dirname(spaced))
    copyFileSync(env.kubeconfig, spaced)
    env.kubeconfig = spaced
    const r = await createSecret(['--password-stdin', '-n', 'nowhere'])
    expect(r.code).toBe(3)
    const printed = r.stderr.split('\n')[1]!
    expect(printed).toBe(
      `fix: add --create-namespace, or run: kubectl --kubeconfig '${spaced}' create namespace nowhere`,
    )
    expect(env.api.requests.filter((q) => q.method !== 'GET')).toEqual([])
    const line = printed.slice(printed.indexOf('kubectl'))
    // Asynchronously: the API server answers from this process.
    const sh = await execa('sh', ['-c', line], {
      stdin: 'ignore',
      reject: false,
      env: {
        PATH: `${dirname(toolPath('kubectl'))}:${process.env.PATH ?? ''}`,
        KUBECACHEDIR: process.env.KUBECACHEDIR,
      },
      extendEnv: false,
    })
    expect({ code: sh.exitCode, out: sh.stdout, err: sh.stderr }).toEqual({
      code: 0,
      out: 'namespace/nowhere created',
      err: '',
    })
    expect((await createSecret(['--password-stdin', '-n', 'nowhere'])).code).toBe(0)
  })

  it.each([
    [401, 'Unauthorized', 'kubectl is not authenticated'],
    [403, 'Forbidden', 'your cluster user lacks permission'],
    [500, 'InternalError', ''],
  ])('HTTP %i from the API server is exit 4 naming the namespace', async (status, reason, hint) => {
    env.api.failNext(
      { method: 'POST', pathIncludes: '/namespaces/cloudforet/secrets' },
      status,
      reason,
      `${reason.toLowerCase()} for test`,
    )
    const r = await createSecret(['--password-stdin', '-n', 'cloudforet'])
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/error: create in namespace cloudforet: kubectl exited with 1: /)
    if (hint) expect(r.stderr).toContain(`hint: ${hint}`)
  })

  it('never puts the password on argv or in anything printed, from any source', async () => {
    const sources: Array<[string[], { stdin?: string; env?: Record<string, string> }]> = [
      [['--password-stdin'], { stdin: `${SENTINEL}\n` }],
      [[], { env: { CFPULL_REGISTRY_PASSWORD: SENTINEL } }],
      [['--docker-password', SENTINEL], {}],
    ]
    for (const [flags, io] of sources) {
      for (const extra of [[], ['--json'], ['--verbose']]) {
        // A failure too: error paths must not leak either.
        env.api.failNext({ method: 'POST', pathIncludes: '-plugin/secrets' }, 500, 'InternalError', `boom ${SENTINEL}`)
        const r = await createSecret([...flags, ...extra, '--values', example], io)
        expect(r.code, [...flags, ...extra].join(' ')).toBe(4)
        for (const f of forms) {
          expect(r.stdout + r.stderr, [...flags, ...extra].join(' ')).not.toContain(f)
          for (const c of r.calls) expect(c.args.join(' '), [...flags, ...extra].join(' ')).not.toContain(f)
        }
        expect(
          r.calls
            .filter((c) => c.input !== undefined)
            .every((c) => c.args.includes('apply') || c.args.includes('create')),
        ).toBe(true)
      }
    }
  })
})
