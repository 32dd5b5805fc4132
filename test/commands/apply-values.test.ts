import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readHelmRelease } from '../helpers/helm-release.js'
import { runCli } from '../helpers/run-cli.js'
import { chart, connectorNamespace, registrySecret, releaseRecord, useApplyEnv } from '../helpers/apply-env.js'

const e = useApplyEnv()

// A values file that leaves the namespace and the replicas to whoever installed the release.
const bare = `console:
  enabled: true
  image:
    name: cloudforet/console
    version: 1.12.12
identity:
  enabled: true
  image:
    name: cloudforet/identity
    version: 1.12.3
${connectorNamespace}`

describe('cfpull apply keeps what the release has', () => {
  // The release as the docs' reader made it: -f values.yaml plus --set on the command line.
  async function installWithSet() {
    e.api.objects.delete('Secret/spaceone/sh.helm.release.v1.cloudforet.v1')
    e.api.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } })
    for (const ns of ['prod', 'spaceone']) e.api.seed(registrySecret(ns))
    writeFileSync(e.values, bare)
    await e.helm([
      'install',
      'cloudforet',
      chart,
      '-n',
      'spaceone',
      '-f',
      e.values,
      '--set',
      'global.namespace=prod',
      '--set',
      'console.replicas=3',
    ])
    expect(e.api.get('Deployment', 'prod', 'console').spec.replicas).toBe(3)
    expect((await runCli(['patch', e.values, '--secret', 'my-credential', '-q'])).code).toBe(0)
  }

  it('earlier --set values the file drops: refused, listed namespaces first, zero writes', async () => {
    await installWithSet()
    const writesBefore = e.api.writes().length
    const r = await e.apply([])
    expect(r.code).toBe(3)
    expect(e.api.writes().length).toBe(writesBefore)
    expect(e.tidy(r.stderr)).toContain(
      '  ✖ <tmp>/values.yaml drops or changes 2 values that revision 1 of cloudforet was installed with: global.namespace (dropped), console.replicas (dropped); helm upgrade with the file alone would move pods to other namespaces and lose them. Keep them with --reuse-values (the file merged over them), or take the file alone with --reset-values\n    fix: cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --reuse-values --no-pull-check --kubeconfig <tmp>/kubeconfig\n',
    )
    expect(e.api.get('Deployment', 'prod', 'console').spec.replicas).toBe(3)
  })

  it('--reuse-values (the printed fix) keeps global.namespace and replicas in the objects helm writes', async () => {
    await installWithSet()
    const r = await e.apply(['--reuse-values'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.calls.find((c) => c.args[0] === 'upgrade')!.args).toContain('--reset-then-reuse-values')
    const console = e.api.get('Deployment', 'prod', 'console')
    expect(console.spec.replicas).toBe(3)
    expect(console.spec.template.spec.imagePullSecrets).toEqual([{ name: 'my-credential' }])
    expect(e.api.get('Deployment', 'prod', 'identity').spec.template.spec.imagePullSecrets).toEqual([
      { name: 'my-credential' },
    ])
    expect(e.api.get('Deployment', 'spaceone', 'console')).toBeUndefined()
    const v2 = readHelmRelease(e.api.get('Secret', 'spaceone', 'sh.helm.release.v1.cloudforet.v2'))
    expect(v2.info.status).toBe('deployed')
    expect(v2.config).toMatchObject({ global: { namespace: 'prod' }, console: { replicas: 3 } })
    expect(e.tidy(r.stdout)).toContain(
      "✔ preflight (t): local chart <chart>, spaceone-mini-0.1.0 from its Chart.yaml; values: the release's, with <tmp>/values.yaml over them; secrets my-credential in prod, spaceone, cloudforet-plugin; credentials cover 10 images\n",
    )
  })

  it('-- -f b.yaml supplies the values the file lacks: merged as helm merges them, no "drops values", the upgrade keeps them', async () => {
    await installWithSet()
    const b = join(e.dir, 'b.yaml')
    writeFileSync(b, 'global:\n  namespace: prod\nconsole:\n  replicas: 3\n')
    const r = await e.apply(['--', '-f', b])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain('drops')
    expect(r.calls.find((c) => c.args[0] === 'upgrade')!.args.slice(-2)).toEqual(['-f', b])
    // The file then b.yaml, as helm reads them: the pods stay where they run, with their replicas.
    const console = e.api.get('Deployment', 'prod', 'console')
    expect(console.spec.replicas).toBe(3)
    expect(console.spec.template.spec.imagePullSecrets).toEqual([{ name: 'my-credential' }])
    expect(e.api.get('Deployment', 'spaceone', 'console')).toBeUndefined()
  })

  it('-- --set supplying only some of them: the rest is still reported dropped; zero writes', async () => {
    await installWithSet()
    const writesBefore = e.api.writes().length
    const r = await e.apply(['--', '--set', 'console.replicas=3'])
    expect(r.code).toBe(3)
    expect(e.api.writes().length).toBe(writesBefore)
    expect(e.tidy(r.stderr)).toContain(
      '  ✖ <tmp>/values.yaml with the values after -- drops or changes 1 value that revision 1 of cloudforet was installed with: global.namespace (dropped); helm upgrade with these values alone would move pods to other namespaces and lose them. Keep them with --reuse-values (the file merged over them), or take the file alone with --reset-values\n    fix: cfpull apply -n spaceone -f <tmp>/values.yaml --chart <chart> --reuse-values --no-pull-check --kubeconfig <tmp>/kubeconfig -- --set console.replicas=3\n',
    )
  })

  it('--reset-values takes the file alone, as asked: the pods move to the namespace it implies', async () => {
    await installWithSet()
    const r = await e.apply(['--reset-values'])
    expect(r.code, r.stderr).toBe(0)
    expect(e.api.get('Deployment', 'prod', 'console')).toBeUndefined()
    expect(e.api.get('Deployment', 'spaceone', 'console').spec.replicas).toBe(1)
  })

  it('--reuse-values and --reset-values together are a usage error', async () => {
    const r = await e.apply(['--reuse-values', '--reset-values'])
    expect([r.code, r.stderr]).toEqual([2, 'error: --reuse-values and --reset-values exclude each other\n'])
  })
})

describe('cfpull apply pins to the revision that runs', () => {
  it('a failed latest revision: the upgrade runs with the deployed revision chart version, and says so', async () => {
    // The chart at 0.1.0 and 0.2.0: an unpinned upgrade would move to 0.2.0, a pinned one provably stays.
    const url = await e.chartRepo(['0.1.0', '0.2.0'])
    e.api.seed(releaseRecord({ version: '0.2.0', revision: 2, status: 'failed' }))
    const r = await e.apply(['--chart', 'spaceone-mini', '--', '--repo', url])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(
      'warning: revision 2 of cloudforet (the latest, chart spaceone-mini-0.2.0) is failed: starting from revision 1, the deployed one (chart spaceone-mini-0.1.0)\n',
    )
    const upgrade = r.calls.find((c) => c.args[0] === 'upgrade')!.args
    expect(upgrade.slice(0, 10)).toEqual([
      'upgrade',
      'cloudforet',
      'spaceone-mini',
      '-n',
      'spaceone',
      '-f',
      e.values,
      '--version',
      '0.1.0',
      '--reset-values',
    ])
    // What helm stored: revision 3, deployed, from the 0.1.0 package of the repository.
    const v3 = readHelmRelease(e.api.get('Secret', 'spaceone', 'sh.helm.release.v1.cloudforet.v3'))
    expect([v3.info.status, v3.chart.metadata.version]).toEqual(['deployed', '0.1.0'])
    // The render checked was the same package: helm template got the repository too.
    expect(r.calls.find((c) => c.args[0] === 'template')!.args).toEqual([
      'template',
      'cloudforet',
      'spaceone-mini',
      '-n',
      'spaceone',
      '--version',
      '0.1.0',
      '-f',
      e.values,
      '--repo',
      url,
    ])
  })

  it('a pending latest revision: a finding whose fix is helm rollback to the deployed revision', async () => {
    e.api.seed(releaseRecord({ revision: 2, status: 'pending-upgrade' }))
    const r = await e.apply([])
    expect(r.code).toBe(3)
    expect(e.api.writes()).toEqual([])
    expect(e.tidy(r.stderr)).toContain(
      '  ✖ release cloudforet is pending-upgrade at revision 2: helm refuses to upgrade while an operation is in progress (or was cut off); revision 1 is the deployed one\n    fix: helm rollback cloudforet 1 -n spaceone --kubeconfig <tmp>/kubeconfig\n',
    )
    // The fix, run exactly as printed, clears the finding.
    const fix = /fix: (helm rollback .*)\n/.exec(r.stderr)![1]!.split(' ')
    expect(fix).toContain(e.kubeconfig)
    await e.helm(fix.slice(1))
    const again = await e.apply(['--dry-run'])
    expect(again.code, again.stderr).toBe(0)
  })

  it('--timeout beyond what a timer holds is capped with a message, not a 0 s kill', async () => {
    const r = await e.apply(['--timeout', '1000h', '--restart', 'none'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(
      'warning: --timeout 1000h is longer than cfpull can time: its own waits stop after 24d20h31m24s (helm and kubectl still get --timeout 1000h)\n',
    )
    expect(r.calls.find((c) => c.args[0] === 'upgrade')!.args).toContain('1000h')
    expect(readHelmRelease(e.api.get('Secret', 'spaceone', 'sh.helm.release.v1.cloudforet.v2')).info.status).toBe(
      'deployed',
    )
  })
})
