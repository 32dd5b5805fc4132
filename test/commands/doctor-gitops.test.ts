import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startCluster } from '../helpers/cluster.js'
import { gitOpsCrd } from '../helpers/fake-apiserver.js'
import { helmReleaseSecret } from '../helpers/helm-release.js'
import { runCli } from '../helpers/run-cli.js'
import { toolPath } from '../helpers/tools.js'

// doctor --cluster on an install Flux owns: the owner is reported, and the fixes patch the
// HelmRelease manifest (given as -f, doctor reads its values) instead of upgrading by hand.
describe('cfpull doctor --cluster under Flux', () => {
  it('names the HelmRelease, and every fix points at the manifest', async () => {
    const { api, dir, kubeconfig } = await startCluster(['default', 'spaceone', 'flux-system'], { helm: true })
    api.seed(gitOpsCrd('flux'))
    api.seed({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'spaceone', namespace: 'flux-system' },
      spec: {},
    })
    api.seed(helmReleaseSecret({ release: 'cloudforet', namespace: 'spaceone', chart: 'spaceone', version: '1.12.12' }))
    const manifest = join(dir, 'spaceone-helmrelease.yaml')
    writeFileSync(
      manifest,
      [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: spaceone, namespace: flux-system}',
        'spec:',
        '  targetNamespace: spaceone',
        '  chart: {spec: {chart: spaceone, version: 1.12.12}}',
        '  values:',
        '    global: {namespace: spaceone}',
        '    console: {imagePullSecrets: [{name: my-credential}]}',
        '',
      ].join('\n'),
    )
    api.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'console',
        namespace: 'spaceone',
        labels: {
          'app.kubernetes.io/instance': 'cloudforet',
          'helm.toolkit.fluxcd.io/name': 'spaceone',
          'helm.toolkit.fluxcd.io/namespace': 'flux-system',
        },
      },
      spec: {
        selector: { matchLabels: { app: 'console' } },
        template: {
          metadata: { labels: { app: 'console' } },
          spec: { containers: [{ name: 'c', image: 'cloudforet/console:1' }] },
        },
      },
    })
    const r = await runCli(
      [
        'doctor',
        '-f',
        manifest,
        '-n',
        'spaceone',
        '--secret',
        'my-credential',
        '--cluster',
        '--kubeconfig',
        kubeconfig,
        '--chart-version',
        '1.12.12',
        '--json',
      ],
      { env: { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: toolPath('helm') } },
    )
    const doc = JSON.parse(r.stdout) as { findings: { code: string; message: string; fix?: string }[] }
    const owner = doc.findings.find((f) => f.code === 'gitops-owner')
    expect(owner).toEqual({
      severity: 'warning',
      code: 'gitops-owner',
      message:
        'Flux (HelmRelease flux-system/spaceone) owns this release (Deployment spaceone/console has the labels helm.toolkit.fluxcd.io/name=spaceone, helm.toolkit.fluxcd.io/namespace=flux-system, and the HelmRelease exists): change its values in the manifest in git, not with helm upgrade or cfpull apply (which refuses); the fixes here patch that file',
      fix: `cfpull patch ${manifest} --secret my-credential --chart-version 1.12.12`,
    })
    // The deployment runs without the secret: the fix is the manifest's patch, not cfpull apply.
    const stale = doc.findings.find((f) => f.code === 'release-deployment-missing-secret')
    expect(stale?.fix).toBe(`cfpull patch ${manifest} --secret my-credential --chart-version 1.12.12`)
    expect(doc.findings.map((f) => f.fix ?? '').filter((f) => /cfpull apply|helm upgrade/.test(f))).toEqual([])
    expect(api.writes()).toEqual([])
  })
})
