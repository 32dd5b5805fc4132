// Issue 24, item 7: the preflight asks the API server for every right the later steps need
// (SelfSubjectAccessReviews), so a refusal stops apply before `helm upgrade` instead of after it.
// The loopback server enforces the same denial list on the real requests, so each case shows the
// refusal the run would otherwise have met, and that nothing was written.
import { describe, expect, it } from 'vitest'
import { plugin, useApplyEnv } from '../helpers/apply-env.js'

const e = useApplyEnv()

const reviews = () =>
  e.api.requests
    .filter((r) => r.method === 'POST' && r.path.includes('selfsubjectaccessreviews'))
    .map((r) => JSON.parse(r.body).spec.resourceAttributes)

describe('cfpull apply: the permission preflight', () => {
  it('listing pods refused in the restart namespace: apply refuses before helm upgrade, names the verb and resource, writes nothing', async () => {
    await e.install()
    e.api.denyAccess({ verb: 'list', resource: 'pods', namespace: 'cloudforet' })
    const r = await e.apply([])
    expect(r.code, r.stderr).toBe(3)
    expect(e.tidy(r.stderr)).toBe(
      [
        'warning: chart version 0.1.0 is not one cfpull knows: checking services against 2.0.0-dev35',
        'error: preflight found 1 problem; nothing was changed',
        '  ✖ cannot list pods in namespace cloudforet, which the restart in cloudforet needs, and the cluster refuses it (SelfSubjectAccessReview): ask a cluster admin for that right',
        '',
      ].join('\n'),
    )
    expect(e.api.writes()).toEqual([])
    expect(r.calls.some((c) => c.args.includes('upgrade'))).toBe(false)
  })

  it('without the check the same denial would have come after helm upgrade: the loopback server answers the request itself 403', async () => {
    e.api.denyAccess({ verb: 'list', resource: 'pods', namespace: 'cloudforet' })
    const { execa } = await import('execa')
    const { toolPath } = await import('../helpers/tools.js')
    const r = await execa(toolPath('kubectl'), ['get', 'pods', '-n', 'cloudforet', '--kubeconfig', e.kubeconfig], {
      env: { HOME: e.dir, KUBECACHEDIR: `${e.dir}/kc` },
      extendEnv: false,
      reject: false,
    })
    expect(r.exitCode).toBe(1)
    expect(r.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "fake-user" cannot list resource "pods" in API group "" in the namespace "cloudforet"',
    )
  })

  it('every right the run needs is asked once, the release store and the steps included', async () => {
    await e.install()
    const r = await e.apply([])
    expect(r.code, r.stderr).toBe(0)
    const asked = reviews().map(
      (a: any) => `${a.verb} ${a.group ? `${a.resource}.${a.group}` : a.resource} ${a.namespace ?? '-'}`,
    )
    expect(new Set(asked).size).toBe(asked.length)
    for (const need of [
      'get secrets spaceone',
      'list secrets spaceone',
      'create secrets spaceone',
      'update secrets spaceone',
      'patch deployments.apps cloudforet',
      'create deployments.apps cloudforet',
      'patch configmaps cloudforet-plugin',
      'list pods cloudforet',
      'delete pods cloudforet',
      'list replicasets.apps cloudforet',
      'list deployments.apps cloudforet-plugin',
      'list services cloudforet-plugin',
    ])
      expect(asked, asked.join('\n')).toContain(need)
    // Every write the run really made was asked for first: the derived list covers what ran.
    const VERB: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }
    const made = e.api.writes().map((w) => {
      const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)/.exec(w.path)!
      return `${VERB[w.method]} ${m[1] ? `${m[3]}.${m[1]}` : m[3]} ${m[2]}`
    })
    expect(made.length).toBeGreaterThan(0)
    for (const w of new Set(made)) expect(asked, `${w} was not asked for`).toContain(w)
    // Without --recreate-plugins, no delete right on plugins is asked for.
    expect(asked).not.toContain('delete deployments.apps cloudforet-plugin')
  })

  it('--recreate-plugins without the right to delete plugin Services: refused before helm upgrade, the plugin untouched', async () => {
    await e.install()
    for (const o of plugin('plugin-aws-ec2-inven', [], 'cloudforet-plugin')) e.api.seed(o)
    e.api.denyAccess({ verb: 'delete', resource: 'services', namespace: 'cloudforet-plugin' })
    const r = await e.apply(['--recreate-plugins', '--restart', 'none'])
    expect(r.code, r.stderr).toBe(3)
    expect(e.tidy(r.stderr)).toContain(
      '  ✖ cannot delete services in namespace cloudforet-plugin, which --recreate-plugins needs, and the cluster refuses it (SelfSubjectAccessReview): ask a cluster admin for that right\n',
    )
    expect(e.api.writes()).toEqual([])
    expect(e.api.get('Deployment', 'cloudforet-plugin', 'plugin-aws-ec2-inven-a1b2c3')).toBeDefined()
    // The same denial without --recreate-plugins is no refusal: that run deletes nothing.
    const plain = await e.apply(['--restart', 'none', '--dry-run'])
    expect(plain.code, plain.stderr).toBe(0)
  })

  it('an object the new render drops needs the right to delete it: helm get manifest against the render', async () => {
    await e.install()
    // Revision 1 also had a ConfigMap the chart no longer renders: helm upgrade will delete it.
    const record = e.api.get('Secret', 'spaceone', 'sh.helm.release.v1.cloudforet.v1')
    expect(record).toBeDefined()
    const { releaseRecord } = await import('../helpers/apply-env.js')
    const manifest = `${await e.helm(['get', 'manifest', 'cloudforet', '-n', 'spaceone'])}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy-settings\n  namespace: cloudforet\n`
    e.api.objects.delete('Secret/spaceone/sh.helm.release.v1.cloudforet.v1')
    e.api.seed(releaseRecord({ manifest }))
    e.api.denyAccess({ verb: 'delete', resource: 'configmaps', namespace: 'cloudforet' })
    const r = await e.apply(['--dry-run'])
    expect(r.code, r.stderr).toBe(3)
    expect(e.tidy(r.stderr)).toContain(
      '  ✖ cannot delete configmaps in namespace cloudforet, which helm upgrade (it deletes what the chart no longer renders) needs, and the cluster refuses it (SelfSubjectAccessReview): ask a cluster admin for that right\n',
    )
    expect(e.api.writes()).toEqual([])
  })
})
