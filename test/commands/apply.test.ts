import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { helmReleaseSecret, readHelmRelease } from '../helpers/helm-release.js'
import { runCli } from '../helpers/run-cli.js'
import { toolPath } from '../helpers/tools.js'
import { chart, plugin, pod, podOf, useApplyEnv } from '../helpers/apply-env.js'

// Real helm and kubectl against the loopback API server: helm upgrade renders the test chart
// and writes its Deployments and release record there, kubectl waits, deletes and restarts.
const e = useApplyEnv()
const instance = { 'app.kubernetes.io/instance': 'cloudforet' }

describe('cfpull apply', () => {
  it('--dry-run runs the preflight and prints every command, changing nothing', async () => {
    const r = await e.apply(['--dry-run'])
    expect(r.code, r.stderr).toBe(0)
    expect(e.api.writes()).toEqual([])
    expect(e.tidy(r.stdout)).toBe(
      [
        '✔ preflight (t): local chart <chart>, spaceone-mini-0.1.0 from its Chart.yaml; secrets my-credential in cloudforet, cloudforet-plugin; credentials cover 10 images',
        'Would run, in order:',
        '  helm history cloudforet -n spaceone -o json --max 1 --kubeconfig <tmp>/kubeconfig',
        '  helm upgrade cloudforet <chart> -n spaceone -f <tmp>/values.yaml --reset-values --timeout 10m --kubeconfig <tmp>/kubeconfig',
        "  kubectl --kubeconfig <tmp>/kubeconfig rollout status 'deployment/<each one helm changed>' -n cloudforet '--timeout=<what is left of 10m>'",
        '  kubectl --kubeconfig <tmp>/kubeconfig get pods -n cloudforet -o json',
        '  kubectl --kubeconfig <tmp>/kubeconfig get replicasets -n cloudforet -o json',
        "  kubectl --kubeconfig <tmp>/kubeconfig delete pod -n cloudforet '<each pod still in ImagePullBackOff/ErrImagePull>' -o name",
        "  kubectl --kubeconfig <tmp>/kubeconfig rollout status 'deployment/<each one helm changed>' -n cloudforet-plugin '--timeout=<what is left of 10m>'",
        '  kubectl --kubeconfig <tmp>/kubeconfig get pods -n cloudforet-plugin -o json',
        '  kubectl --kubeconfig <tmp>/kubeconfig get replicasets -n cloudforet-plugin -o json',
        "  kubectl --kubeconfig <tmp>/kubeconfig delete pod -n cloudforet-plugin '<each pod still in ImagePullBackOff/ErrImagePull>' -o name",
        '  kubectl --kubeconfig <tmp>/kubeconfig get deployment,service -n cloudforet-plugin -l supervisor_name -o json',
        '',
      ].join('\n'),
    )
    expect(e.tidy(r.stderr)).toBe(
      'warning: chart version 0.1.0 is not one cfpull knows: checking services against 2.0.0-dev35\n',
    )
  })

  it('--dry-run on the bundled example prints exactly the commands that would run', async () => {
    writeFileSync(e.values, readFileSync(join(import.meta.dirname, '../../examples/values.yaml'), 'utf8'))
    expect((await runCli(['patch', e.values, '--secret', 'my-credential', '-q'])).code).toBe(0)
    e.api.seed(
      helmReleaseSecret({
        release: 'cloudforet',
        namespace: 'spaceone',
        chart: 'spaceone',
        version: '2.0.0-dev35',
        revision: 2,
      }),
    )
    // A local chart is installed as its Chart.yaml says (helm ignores --version there): this one says spaceone-2.0.0-dev35.
    const local = join(e.dir, 'spaceone')
    cpSync(chart, local, { recursive: true })
    const meta = join(local, 'Chart.yaml')
    writeFileSync(
      meta,
      readFileSync(meta, 'utf8')
        .replace(/^name: .*$/m, 'name: spaceone')
        .replace(/^version: .*$/m, 'version: 2.0.0-dev35'),
    )
    const r = await e.apply([
      '--chart',
      local,
      '--dry-run',
      '--restart',
      'rollout',
      '--recreate-plugins',
      '--version',
      '2.0.0-dev35',
      '--',
      '--atomic',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    expect(e.api.writes()).toEqual([])
    expect(e.tidy(r.stdout)).toBe(
      [
        '✔ preflight (t): local chart <tmp>/spaceone, spaceone-2.0.0-dev35 from its Chart.yaml; secrets my-credential in cloudforet, cloudforet-plugin; credentials cover 10 images',
        'Would run, in order:',
        '  helm history cloudforet -n spaceone -o json --max 1 --kubeconfig <tmp>/kubeconfig',
        '  helm upgrade cloudforet <tmp>/spaceone -n spaceone -f <tmp>/values.yaml --reset-values --timeout 10m --kubeconfig <tmp>/kubeconfig --atomic',
        '  kubectl --kubeconfig <tmp>/kubeconfig rollout restart deployment -n cloudforet -l app.kubernetes.io/instance=cloudforet -o name',
        "  kubectl --kubeconfig <tmp>/kubeconfig rollout status deployment -n cloudforet -l app.kubernetes.io/instance=cloudforet '--timeout=<what is left of 10m>'",
        '  kubectl --kubeconfig <tmp>/kubeconfig rollout restart deployment -n cloudforet-plugin -l app.kubernetes.io/instance=cloudforet -o name',
        "  kubectl --kubeconfig <tmp>/kubeconfig rollout status deployment -n cloudforet-plugin -l app.kubernetes.io/instance=cloudforet '--timeout=<what is left of 10m>'",
        '  kubectl --kubeconfig <tmp>/kubeconfig get deployment,service -n cloudforet-plugin -l supervisor_name -o json',
        "  kubectl --kubeconfig <tmp>/kubeconfig delete deployment '<each stale plugin version>' -n cloudforet-plugin --ignore-not-found -o name",
        "  kubectl --kubeconfig <tmp>/kubeconfig delete service '<the Service of that version>' -n cloudforet-plugin --ignore-not-found -o name",
        '',
      ].join('\n'),
    )
  })

  it('--restart auto (the default): waits for the rollouts helm started, deletes only pods stuck pulling', async () => {
    // A real install (revision 1's objects, each Deployment with its ReplicaSet). In each
    // namespace one pod stuck pulling and one running, plus one stuck pod of another app.
    await e.install()
    e.api.seed(podOf(e.api, 'cloudforet', 'console', 'console-7d4b9-x1'))
    e.api.seed(podOf(e.api, 'cloudforet', 'identity', 'identity-5f6c8-x2', 'ImagePullBackOff'))
    // mongodb's pods carry no instance label: its owners say it is the release's.
    e.api.seed(podOf(e.api, 'cloudforet', 'mongodb', 'mongodb-6c9d7-x3', 'ErrImagePull'))
    e.api.seed(
      pod('cloudforet', 'someone-else-x4', {
        owner: { kind: 'ReplicaSet', name: 'other-1' },
        waiting: 'ImagePullBackOff',
      }),
    )
    e.api.seed(podOf(e.api, 'cloudforet-plugin', 'supervisor', 'supervisor-77f-x5', 'ImagePullBackOff'))
    e.api.seed(podOf(e.api, 'cloudforet-plugin', 'supervisor', 'supervisor-77f-x6'))
    for (const o of [...plugin('plugin-aws-ec2-inven', []), ...plugin('plugin-google-cloud-inven', ['my-credential'])])
      e.api.seed(o)

    const r = await e.apply([])
    expect(r.code, r.stderr).toBe(0)
    // helm really upgraded: revision 2 is deployed and every rendered Deployment pulls with the secret.
    expect(readHelmRelease(e.api.get('Secret', 'spaceone', 'sh.helm.release.v1.cloudforet.v2')).info.status).toBe(
      'deployed',
    )
    for (const name of ['console', 'identity', 'identity-scheduler', 'repository', 'mongodb'])
      expect(e.api.get('Deployment', 'cloudforet', name).spec.template.spec.imagePullSecrets, name).toEqual([
        { name: 'my-credential' },
      ])
    const pods = (ns: string) =>
      [...e.api.objects.values()]
        .filter((o) => o.kind === 'Pod' && o.metadata.namespace === ns)
        .map((o) => o.metadata.name)
    expect(pods('cloudforet')).toEqual(['console-7d4b9-x1', 'someone-else-x4'])
    expect(pods('cloudforet-plugin')).toEqual(['supervisor-77f-x6'])
    // Only those two deletes, by name; nothing label-wide.
    const deletes = e.api.writes().filter((w) => w.method === 'DELETE')
    expect(deletes.map((w) => w.path)).toEqual([
      '/api/v1/namespaces/cloudforet/pods/identity-5f6c8-x2',
      '/api/v1/namespaces/cloudforet/pods/mongodb-6c9d7-x3',
      '/api/v1/namespaces/cloudforet-plugin/pods/supervisor-77f-x5',
    ])
    const upgrade = r.calls.find((c) => c.args[0] === 'upgrade')!
    expect(upgrade.args).toEqual([
      'upgrade',
      'cloudforet',
      chart,
      '-n',
      'spaceone',
      '-f',
      e.values,
      '--reset-values',
      '--timeout',
      '10m',
      '--kubeconfig',
      e.kubeconfig,
    ])
    expect(e.tidy(r.stdout)).toMatch(
      new RegExp(
        `^${[
          '✔ preflight \\(t\\): local chart <chart>, spaceone-mini-0.1.0 from its Chart.yaml; secrets my-credential in cloudforet, cloudforet-plugin; credentials cover 10 images',
          '✔ helm upgrade \\(t\\): cloudforet upgraded with local chart <chart>, spaceone-mini-0.1.0 from its Chart.yaml',
          '✔ restart cloudforet \\(t\\): 7 rollouts by helm finished \\(console-api, console, identity-scheduler, identity, mongodb, redis, repository\\); 2 pods stuck pulling deleted \\(identity-5f6c8-x2, mongodb-6c9d7-x3\\)',
          '✔ restart cloudforet-plugin \\(t\\): 1 rollout by helm finished \\(supervisor\\); 1 pod stuck pulling deleted \\(supervisor-77f-x5\\)',
          '⚠ plugins cloudforet-plugin \\(t\\): 1 of 2 plugin deployments lack my-credential: plugin-aws-ec2-inven-a1b2c3',
          '✔ cloudforet upgraded \\(chart 0.1.0\\) in \\d+\\.\\ds',
        ].join('\n')}\n$`,
      ),
    )
    expect(r.stderr).toContain(
      "warning: plugin deployments plugin-aws-ec2-inven-a1b2c3 in cloudforet-plugin were created without my-credential and the supervisor reuses installed plugins: run again with --recreate-plugins to delete each one's Deployment and Service so it recreates them with the secret\n",
    )
  })

  it('--restart auto deletes a stuck pod only when its owners lead to a release Deployment: identity-proxy is not identity', async () => {
    await e.install()
    // Another app in the same namespace whose name starts with a release Deployment's name.
    e.api.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'identity-proxy', namespace: 'cloudforet', labels: { app: 'identity-proxy' } },
      spec: {
        selector: { matchLabels: { app: 'identity-proxy' } },
        template: {
          metadata: { labels: { app: 'identity-proxy' } },
          spec: { containers: [{ name: 'proxy', image: 'example.com/proxy:1' }] },
        },
      },
    })
    e.api.seed(podOf(e.api, 'cloudforet', 'identity-proxy', 'identity-proxy-6d5f8-x1', 'ImagePullBackOff'))
    e.api.seed(podOf(e.api, 'cloudforet', 'identity', 'identity-5f6c8-x2', 'ImagePullBackOff'))
    const r = await e.apply([])
    expect(r.code, r.stderr).toBe(0)
    expect(e.api.get('Pod', 'cloudforet', 'identity-proxy-6d5f8-x1')).toBeTruthy()
    expect(
      e.api
        .writes()
        .filter((w) => w.method === 'DELETE')
        .map((w) => w.path),
    ).toEqual(['/api/v1/namespaces/cloudforet/pods/identity-5f6c8-x2'])
    expect(e.tidy(r.stdout)).toContain('1 pod stuck pulling deleted (identity-5f6c8-x2)\n')
  })

  it('--restart delete deletes every labelled pod and counts what kubectl named; zero is zero', async () => {
    e.api.seed(pod('cloudforet', 'console-7d4b9-x1', { labels: instance }))
    e.api.seed(pod('cloudforet', 'identity-5f6c8-x2', { labels: instance }))
    e.api.seed(pod('cloudforet', 'mongodb-0', { labels: { app: 'mongodb' } }))
    const r = await e.apply(['--restart', 'delete'])
    expect(r.code, r.stderr).toBe(0)
    expect(e.api.get('Pod', 'cloudforet', 'console-7d4b9-x1')).toBeUndefined()
    expect(e.api.get('Pod', 'cloudforet', 'mongodb-0')).toBeTruthy()
    const out = e.tidy(r.stdout)
    expect(out).toContain('✔ restart cloudforet (t): 2 pods deleted\n')
    // kubectl says "No resources found" there: that is no pod, not one.
    expect(out).toContain('✔ restart cloudforet-plugin (t): 0 pods deleted\n')
    expect(out).toContain(
      'ℹ pods without app.kubernetes.io/instance (mongodb in chart 1.12 and 2.x) are not restarted: delete them by hand if they must pull again\n',
    )
  })

  it('--restart rollout restarts the release deployments and waits; none in a namespace is none', async () => {
    const r = await e.apply(['--restart', 'rollout', '--timeout', '30s'])
    expect(r.code, r.stderr).toBe(0)
    expect(
      e.api.get('Deployment', 'cloudforet', 'console').spec.template.metadata.annotations[
        'kubectl.kubernetes.io/restartedAt'
      ],
    ).toBeTruthy()
    expect(e.tidy(r.stdout)).toContain(
      '✔ restart cloudforet (t): 6 deployments restarted and ready\n✔ restart cloudforet-plugin (t): 1 deployment restarted and ready\n',
    )
  })

  it('--restart rollout in a namespace with no release deployment restarts nothing and says so', async () => {
    writeFileSync(e.values, readFileSync(e.values, 'utf8').replace('supervisor:\n', 'supervisor:\n  enabled: false\n'))
    const r = await e.apply(['--restart', 'rollout'])
    expect(r.code, r.stderr).toBe(0)
    expect(e.tidy(r.stdout)).toContain(
      '✔ restart cloudforet-plugin (t): no deployment labelled app.kubernetes.io/instance=cloudforet: nothing restarted\n',
    )
    expect(r.calls.filter((c) => c.args.includes('status') && c.args.includes('cloudforet-plugin'))).toEqual([])
  })

  it('a failing helm upgrade is exit 4 naming the step, says what may have changed, and nothing after it runs', async () => {
    e.api.failNext({ method: 'POST', pathIncludes: '/secrets' }, 500, 'InternalError', 'etcd is down')
    e.api.seed(pod('cloudforet', 'console-7d4b9-x1', { labels: instance, waiting: 'ImagePullBackOff' }))
    const r = await e.apply(['--json'])
    expect(r.code).toBe(4)
    const doc = JSON.parse(r.stdout)
    expect(doc.steps.map((s: { name: string; status: string }) => `${s.name} ${s.status}`)).toEqual([
      'preflight ok',
      'helm upgrade failed',
    ])
    expect(doc.steps[1].error).toMatchObject({
      type: 'ToolFailedError',
      exitCode: 4,
      message: expect.stringMatching(/^helm upgrade: helm exited with 1: .*etcd is down/),
    })
    expect(doc.changed).toEqual(['helm upgrade'])
    // The release read again (read-only), then the upgrade.
    expect(doc.steps[1].commands.map((c: string[]) => c.slice(1, 3))).toEqual([
      ['history', 'cloudforet'],
      ['upgrade', 'cloudforet'],
    ])
    expect(e.api.get('Pod', 'cloudforet', 'console-7d4b9-x1')).toBeTruthy()
    e.api.failNext({ method: 'POST', pathIncludes: '/secrets' }, 500, 'InternalError', 'etcd is down')
    const human = await e.apply([])
    expect(human.code).toBe(4)
    expect(e.tidy(human.stderr)).toContain(
      '  helm upgrade ran and failed, so the release may be partly changed: helm status cloudforet -n spaceone --kubeconfig <tmp>/kubeconfig; no step after it ran\n',
    )
  })

  it('without kubectl and helm, the preflight says so for both: exit 4, as for a missing tool anywhere', async () => {
    const r = await runCli(['apply', '-n', 'spaceone', '-f', e.values], {
      env: { CFPULL_KUBECTL: join(e.dir, 'no-kubectl'), CFPULL_HELM: join(e.dir, 'no-helm') },
    })
    expect(r.code).toBe(4)
    expect(e.tidy(r.stderr)).toContain(
      '  ✖ <tmp>/no-kubectl not found: install kubectl or point CFPULL_KUBECTL at it\n  ✖ <tmp>/no-helm not found: install helm or point CFPULL_HELM at it\n',
    )
    expect(toolPath('helm')).toBeTruthy()
  })
})
