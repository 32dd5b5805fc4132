import { readFileSync, writeFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { plugin, useApplyEnv } from '../helpers/apply-env.js'

const e = useApplyEnv()
const ns = 'cloudforet-plugin'

// A stand-in for the supervisor's install loop, as its source decides (see CLOUDFORET.md): a
// plugin version counts as installed while its Service exists; when it does not, the supervisor
// creates a new Deployment and Service pair for that version, with the pull secret the route now names.
function supervisorStandIn(versions: Array<[string, string]>, secret: string): () => void {
  const timer = setInterval(() => {
    for (const [id, version] of versions) {
      const objs = [...e.api.objects.values()].filter(
        (o) =>
          ['Deployment', 'Service'].includes(o.kind) &&
          o.metadata?.namespace === ns &&
          o.metadata?.labels?.plugin_id === id &&
          o.metadata?.labels?.version === version,
      )
      if (objs.some((o) => o.kind === 'Service')) continue
      for (const o of objs) e.api.objects.delete(`${o.kind}/${ns}/${o.metadata.name}`)
      for (const o of plugin(id, [secret], ns, { version, name: `${id}-d4e5f6` })) e.api.seed(o)
    }
  }, 200)
  return () => clearInterval(timer)
}

let stop: (() => void) | undefined
afterEach(() => stop?.())

const deletes = () =>
  e.api
    .writes()
    .filter((w) => w.method === 'DELETE')
    .map((w) => w.path)

describe('cfpull apply --recreate-plugins', () => {
  it('two versions of one plugin, 1.0 without the secret and 2.0 with it: only 1.0 is deleted, by name', async () => {
    for (const o of [
      ...plugin('plugin-aws-ec2-inven', [], ns, { version: '1.0', name: 'plugin-aws-ec2-inven-a1b2c3' }),
      ...plugin('plugin-aws-ec2-inven', ['my-credential'], ns, { version: '2.0', name: 'plugin-aws-ec2-inven-f7e8d9' }),
    ])
      e.api.seed(o)
    stop = supervisorStandIn([['plugin-aws-ec2-inven', '1.0']], 'my-credential')
    const good = e.api.get('Deployment', ns, 'plugin-aws-ec2-inven-f7e8d9').metadata.resourceVersion
    const r = await e.apply(['--recreate-plugins', '--restart', 'none', '--timeout', '30s'])
    expect(r.code, r.stderr).toBe(0)
    expect(deletes()).toEqual([
      `/apis/apps/v1/namespaces/${ns}/deployments/plugin-aws-ec2-inven-a1b2c3`,
      `/api/v1/namespaces/${ns}/services/plugin-aws-ec2-inven-a1b2c3`,
    ])
    // Version 2.0, which had the secret, was not touched.
    expect(e.api.get('Deployment', ns, 'plugin-aws-ec2-inven-f7e8d9').metadata.resourceVersion).toBe(good)
    expect(e.api.get('Service', ns, 'plugin-aws-ec2-inven-f7e8d9')).toBeTruthy()
    expect(e.tidy(r.stdout)).toContain(
      '✔ plugins cloudforet-plugin (t): deleted the Deployment and Service of plugin-aws-ec2-inven 1.0; the supervisor recreated plugin-aws-ec2-inven 1.0 with my-credential\n',
    )
    expect(r.calls.filter((c) => c.args.includes('delete')).map((c) => c.args.slice(2))).toEqual([
      ['delete', 'deployment', 'plugin-aws-ec2-inven-a1b2c3', '-n', ns, '--ignore-not-found', '-o', 'name'],
      ['delete', 'service', 'plugin-aws-ec2-inven-a1b2c3', '-n', ns, '--ignore-not-found', '-o', 'name'],
    ])
  })

  it('a plugin running an image other than the one the values now make (a mirror) is stale; one already on the mirror is not', async () => {
    // The managed plugins now come from a mirror, as patch --registry routes them (repository
    // 2.0.dev37 builds REGISTRY_INFO.<MANAGED_REGISTRY_TYPE>.url/cloudforet/<image>:<version>).
    const mirror = (text: string) =>
      text
        .replace(/^repository:\n/m, 'repository:\n  image:\n    name: cloudforet/repository\n    version: 2.0.dev37\n')
        .replace(
          /^ {4}REGISTRY_INFO:\n/m,
          '    MANAGED_REGISTRY_TYPE: HARBOR\n    REGISTRY_INFO:\n      HARBOR:\n        url: harbor.example.com/cf\n        image_pull_secrets: my-credential\n',
        )
    writeFileSync(e.values, mirror(readFileSync(e.values, 'utf8')))
    const id = 'plugin-aws-ec2-inven-collector'
    const old = plugin(id, ['my-credential'], ns, {
      version: '1.0',
      name: `${id}-a1b2c3`,
      image: `registry.hub.docker.com/cloudforet/${id}:1.0`,
    })
    const mirrored = plugin(id, ['my-credential'], ns, {
      version: '1.1',
      name: `${id}-f7e8d9`,
      image: `harbor.example.com/cf/cloudforet/${id}:1.1`,
    })
    for (const o of [...old, ...mirrored]) e.api.seed(o)
    const r = await e.apply(['--recreate-plugins', '--restart', 'none', '--timeout', '2s'])
    expect(r.code, r.stderr).toBe(0)
    expect(deletes()).toEqual([
      `/apis/apps/v1/namespaces/${ns}/deployments/${id}-a1b2c3`,
      `/api/v1/namespaces/${ns}/services/${id}-a1b2c3`,
    ])
    expect(e.api.get('Deployment', ns, `${id}-f7e8d9`)).toBeTruthy()
    expect(e.api.get('Service', ns, `${id}-f7e8d9`)).toBeTruthy()
  })

  it('deletes the Deployment AND Service of the stale plugin only, and waits for the supervisor to recreate them', async () => {
    for (const o of [...plugin('plugin-aws-ec2-inven', []), ...plugin('plugin-google-cloud-inven', ['my-credential'])])
      e.api.seed(o)
    stop = supervisorStandIn(
      [
        ['plugin-aws-ec2-inven', '1.0'],
        ['plugin-google-cloud-inven', '1.0'],
      ],
      'my-credential',
    )
    const good = e.api.get('Deployment', ns, 'plugin-google-cloud-inven-a1b2c3').metadata.resourceVersion
    const r = await e.apply(['--recreate-plugins', '--restart', 'none', '--timeout', '30s'])
    expect(r.code, r.stderr).toBe(0)
    expect(deletes()).toEqual([
      `/apis/apps/v1/namespaces/${ns}/deployments/plugin-aws-ec2-inven-a1b2c3`,
      `/api/v1/namespaces/${ns}/services/plugin-aws-ec2-inven-a1b2c3`,
    ])
    // The old pair is gone, the supervisor's new pair pulls with the secret.
    expect(e.api.get('Service', ns, 'plugin-aws-ec2-inven-a1b2c3')).toBeUndefined()
    expect(e.api.get('Deployment', ns, 'plugin-aws-ec2-inven-d4e5f6').spec.template.spec.imagePullSecrets).toEqual([
      { name: 'my-credential' },
    ])
    expect(e.api.get('Service', ns, 'plugin-aws-ec2-inven-d4e5f6')).toBeTruthy()
    // The plugin that had the secret was not touched.
    expect(e.api.get('Deployment', ns, 'plugin-google-cloud-inven-a1b2c3').metadata.resourceVersion).toBe(good)
    expect(e.api.get('Service', ns, 'plugin-google-cloud-inven-a1b2c3')).toBeTruthy()
  })

  it('says so when the supervisor has not recreated the plugin within --timeout', async () => {
    for (const o of plugin('plugin-aws-ec2-inven', [])) e.api.seed(o)
    const r = await e.apply(['--recreate-plugins', '--restart', 'none', '--timeout', '3s'])
    expect(r.code, r.stderr).toBe(0)
    expect(e.api.get('Deployment', ns, 'plugin-aws-ec2-inven-a1b2c3')).toBeUndefined()
    expect(e.api.get('Service', ns, 'plugin-aws-ec2-inven-a1b2c3')).toBeUndefined()
    expect(e.tidy(r.stdout)).toContain(
      '⚠ plugins cloudforet-plugin (t): deleted the Deployment and Service of plugin-aws-ec2-inven 1.0; none recreated yet\n',
    )
    expect(e.tidy(r.stderr)).toContain(
      'warning: the supervisor has not recreated plugin-aws-ec2-inven 1.0 in cloudforet-plugin within 3s: it installs a plugin again the next time it is used (check with cfpull doctor --cluster -n spaceone -f <tmp>/values.yaml --kubeconfig <tmp>/kubeconfig)\n',
    )
  })

  it('a plugin Service without its Deployment (left by an interrupted delete) is found and named, with the fix', async () => {
    const [, svc] = plugin('plugin-aws-ec2-inven', ['my-credential'])
    e.api.seed(svc)
    const r = await e.apply(['--restart', 'none'])
    expect(r.code, r.stderr).toBe(0)
    expect(e.tidy(r.stdout)).toContain(
      '⚠ plugins cloudforet-plugin (t): 0 plugin deployments, all with my-credential; 1 plugin Service without a Deployment\n',
    )
    expect(e.tidy(r.stderr)).toContain(
      'warning: plugin Service plugin-aws-ec2-inven-a1b2c3 in cloudforet-plugin has no Deployment: the supervisor counts plugin-aws-ec2-inven 1.0 as installed and never makes it again; delete the Service (kubectl delete service plugin-aws-ec2-inven-a1b2c3 -n cloudforet-plugin --kubeconfig <tmp>/kubeconfig) or run again with --recreate-plugins\n',
    )
  })
})
