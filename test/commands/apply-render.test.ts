// The chart the preflight renders is the chart helm upgrade installs: the same reference,
// repository, version, values files and --set values, including what follows `--`.
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readHelmRelease } from '../helpers/helm-release.js'
import { PASSWORD, chart, releaseRecord, useApplyEnv } from '../helpers/apply-env.js'

const e = useApplyEnv()

const stored = (revision: number) => {
  const r = readHelmRelease(e.api.get('Secret', 'spaceone', `sh.helm.release.v1.cloudforet.v${revision}`))
  return [r.info.status, `${r.chart.metadata.name}-${r.chart.metadata.version}`]
}

/** The test chart copied to `<tmp>/name`, its Chart.yaml saying `version`. */
function localChart(name: string, version: string): string {
  const dir = join(e.dir, name)
  cpSync(chart, dir, { recursive: true })
  const file = join(dir, 'Chart.yaml')
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^version: .*$/m, `version: ${version}`))
  return dir
}

describe('cfpull apply renders what helm upgrade installs', () => {
  it('-- --repo URL --version 0.2.0: the preflight renders 0.2.0, helm installs 0.2.0, and the report says 0.2.0', async () => {
    const url = await e.chartRepo(['0.1.0', '0.2.0'])
    const r = await e.apply(['--chart', 'spaceone-mini', '--', '--repo', url, '--version', '0.2.0'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.calls.find((c) => c.args[0] === 'template')!.args).toEqual([
      'template',
      'cloudforet',
      'spaceone-mini',
      '-n',
      'spaceone',
      '--version',
      '0.2.0',
      '-f',
      e.values,
      '--repo',
      url,
    ])
    // One --version, the one the preflight rendered.
    expect(r.calls.find((c) => c.args[0] === 'upgrade')!.args).toEqual([
      'upgrade',
      'cloudforet',
      'spaceone-mini',
      '-n',
      'spaceone',
      '-f',
      e.values,
      '--version',
      '0.2.0',
      '--reset-values',
      '--timeout',
      '10m',
      '--kubeconfig',
      e.kubeconfig,
      '--repo',
      url,
    ])
    const out = e.tidy(r.stdout)
    expect(out).toContain(
      '✔ preflight (t): chart spaceone-mini-0.2.0; secrets my-credential in cloudforet, cloudforet-plugin; credentials cover 10 images\n',
    )
    expect(out).toContain('✔ helm upgrade (t): cloudforet upgraded with chart spaceone-mini-0.2.0\n')
    expect(stored(2)).toEqual(['deployed', 'spaceone-mini-0.2.0'])
  })

  it('a local chart directory is pinned by its own Chart.yaml, rendered from the same directory, and the report says so', async () => {
    const dir = localChart('chart-local', '0.3.0')
    const r = await e.apply(['--chart', dir])
    expect(r.code, r.stderr).toBe(0)
    expect(r.calls.find((c) => c.args[0] === 'show')!.args).toEqual(['show', 'chart', dir])
    // helm ignores --version for a path: neither command claims a pin.
    expect(r.calls.find((c) => c.args[0] === 'template')!.args).toEqual([
      'template',
      'cloudforet',
      dir,
      '-n',
      'spaceone',
      '-f',
      e.values,
    ])
    expect(r.calls.find((c) => c.args[0] === 'upgrade')!.args).not.toContain('--version')
    const out = e.tidy(r.stdout)
    expect(out).toContain(
      '✔ preflight (t): local chart <tmp>/chart-local, spaceone-mini-0.3.0 from its Chart.yaml (revision 1, deployed, runs spaceone-mini-0.1.0); secrets my-credential in cloudforet, cloudforet-plugin; credentials cover 10 images\n',
    )
    expect(out).toContain(
      '✔ helm upgrade (t): cloudforet upgraded with local chart <tmp>/chart-local, spaceone-mini-0.3.0 from its Chart.yaml\n',
    )
    expect(stored(2)).toEqual(['deployed', 'spaceone-mini-0.3.0'])
  })

  it('--version with a local chart that says otherwise: refused, since helm would ignore it; zero writes', async () => {
    const dir = localChart('chart-local', '0.3.0')
    const r = await e.apply(['--chart', dir, '--version', '0.1.0'])
    expect(r.code).toBe(3)
    expect(e.api.writes()).toEqual([])
    expect(r.calls.find((c) => c.args[0] === 'template')).toBeUndefined()
    expect(e.tidy(r.stderr)).toContain(
      '  ✖ --version 0.1.0 does not apply to a local chart: helm ignores it for <tmp>/chart-local, whose Chart.yaml says spaceone-mini-0.3.0. Drop --version, or point --chart at the chart of that version\n',
    )
  })

  it('--password after --: refused before any tool runs, naming the way credentials go instead; zero writes', async () => {
    const r = await e.apply(['--', '--username', 'robot', '--password', PASSWORD])
    expect(r.code).toBe(2)
    expect(r.calls).toEqual([])
    expect(e.api.writes()).toEqual([])
    expect(r.stderr).toBe(
      'error: cannot pass --username to helm upgrade after --: credentials never go on a command line, where ps and shell history show them: log in once with helm registry login (OCI) or helm repo add --username … --password-stdin (a repository), and helm finds them there\n',
    )
  })

  it('an argument cfpull cannot account for: refused, naming it; zero writes', async () => {
    const r = await e.apply(['--', '--atomic', '--kube-version', '1.30'])
    expect(r.code).toBe(2)
    expect(r.calls).toEqual([])
    expect(e.api.writes()).toEqual([])
    expect(r.stderr).toBe(
      'error: cannot pass --kube-version to helm upgrade after --: cfpull does not know what it does to the chart helm installs, so it cannot check that chart first\n',
    )
  })
})

describe('cfpull apply: a release that lives in another namespace', () => {
  it('says where helm list -A finds it and prints the apply line with -n that namespace; zero writes', async () => {
    e.api.objects.delete('Secret/spaceone/sh.helm.release.v1.cloudforet.v1')
    e.api.seed(releaseRecord({ namespace: 'cloudforet' }))
    const r = await e.apply([])
    expect(r.code).toBe(3)
    expect(e.api.writes()).toEqual([])
    expect(r.calls.map((c) => c.args.slice(0, 3))).toContainEqual(['list', '--all-namespaces', '-o'])
    expect(e.tidy(r.stderr)).toBe(
      [
        'error: preflight found 1 problem; nothing was changed',
        '  ✖ release cloudforet not found in namespace spaceone; helm list -A finds it in namespace cloudforet: upgrade it where it is, with -n cloudforet',
        '    fix: cfpull apply -n cloudforet -f <tmp>/values.yaml --chart <chart> --no-pull-check --kubeconfig <tmp>/kubeconfig',
        '',
      ].join('\n'),
    )
  })

  it('found nowhere: helm install is still the suggestion', async () => {
    e.api.objects.delete('Secret/spaceone/sh.helm.release.v1.cloudforet.v1')
    const r = await e.apply([])
    expect(r.code).toBe(3)
    expect(e.api.writes()).toEqual([])
    expect(e.tidy(r.stderr)).toContain(
      '  ✖ release cloudforet not found in namespace spaceone: cfpull apply upgrades an existing release and never installs one\n    fix: helm install cloudforet <chart> -f <tmp>/values.yaml -n spaceone --kubeconfig <tmp>/kubeconfig\n',
    )
  })
})
