import { describe, expect, it } from 'vitest'
import { releaseRecord, useApplyEnv } from '../helpers/apply-env.js'
import { gitOpsCrd } from '../helpers/fake-apiserver.js'

const e = useApplyEnv()

// The working install of useApplyEnv, then seeded as Flux or Argo CD would leave it: the marks on
// the install's Deployments, the CRDs (so the API serves their kinds, as discovery says), and the
// HelmRelease. apply must refuse with exit 3 and not a single write request.
const deployment = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'console', namespace: 'cloudforet', labels, annotations },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'console' } },
    template: {
      metadata: { labels: { app: 'console' } },
      spec: { containers: [{ name: 'c', image: 'cloudforet/console:1' }] },
    },
  },
})
const fluxLabels = {
  'app.kubernetes.io/instance': 'cloudforet',
  'helm.toolkit.fluxcd.io/name': 'spaceone',
  'helm.toolkit.fluxcd.io/namespace': 'flux-system',
}
const helmRelease = {
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'spaceone', namespace: 'flux-system' },
  spec: {
    interval: '10m',
    releaseName: 'cloudforet',
    targetNamespace: 'spaceone',
    chart: { spec: { chart: 'spaceone' } },
  },
}

const CHART_WARNING = 'warning: chart version 0.1.0 is not one cfpull knows: checking services against 2.0.0-dev35'
const FIX =
  '    fix: cfpull patch "${MANIFEST:?set MANIFEST to the HelmRelease or Application file in git}" --secret my-credential'
const REVERTS =
  "helm-controller will find a revision its HelmRelease never recorded, take the release as changed outside it, and upgrade it again with the HelmRelease's own values at its next interval."
const NO_RELEASE =
  'Argo CD applies the chart with helm template and keeps no Helm release, so there is no release for helm upgrade to upgrade, and self-heal would revert a forced change.'

// Argo CD keeps no Helm release: the install it renders has no release record.
const asArgo = () => e.api.objects.delete('Secret/spaceone/sh.helm.release.v1.cloudforet.v1')

async function refused(args: string[] = []): Promise<string[]> {
  const r = await e.apply(args)
  expect(r.code, r.stderr).toBe(3)
  expect(e.tidy(r.stdout)).toBe('✖ preflight (t)\n')
  expect(e.api.writes()).toEqual([])
  // Nothing that changes the cluster was even attempted.
  for (const call of r.calls)
    expect(call.args.join(' ')).not.toMatch(/^(upgrade|rollback|install)\b|(^| )(delete|apply|patch)( |$)/)
  return e.tidy(r.stderr).split('\n')
}

async function goesOn(args: string[] = []) {
  const r = await e.apply(['--dry-run', ...args])
  expect(r.code, r.stderr).toBe(0)
  expect(e.api.writes()).toEqual([])
  return { ...r, stderr: e.tidy(r.stderr).split('\n') }
}

describe('cfpull apply under a GitOps controller', () => {
  it('Flux: exit 3 naming the HelmRelease; --force-gitops-owner goes on, warning what helm-controller will do', async () => {
    e.api.seed(gitOpsCrd('flux'))
    e.api.seed(helmRelease)
    e.api.seed(deployment(fluxLabels))
    expect(await refused()).toEqual([
      CHART_WARNING,
      'error: preflight found 1 problem; nothing was changed',
      `  ✖ Flux (HelmRelease flux-system/spaceone) owns this release (Deployment cloudforet/console has the labels helm.toolkit.fluxcd.io/name=spaceone, helm.toolkit.fluxcd.io/namespace=flux-system, and the HelmRelease exists): a helm upgrade by hand would be reverted, as ${REVERTS} Patch the HelmRelease's spec.values in git instead, or pass --force-gitops-owner to upgrade anyway`,
      FIX,
      '',
    ])
    expect((await goesOn(['--force-gitops-owner'])).stderr).toEqual([
      `warning: --force-gitops-owner: upgrading a release Flux (HelmRelease flux-system/spaceone) owns. ${REVERTS} Put the change in the HelmRelease's spec.values too, or it will be undone.`,
      CHART_WARNING,
      '',
    ])
  })

  it('Flux labels whose HelmRelease is gone (its CRD served): nothing reconciles the release, so apply goes on', async () => {
    e.api.seed(gitOpsCrd('flux'))
    e.api.seed(deployment(fluxLabels))
    expect((await goesOn()).stderr).toEqual([
      'warning: Deployment cloudforet/console has the labels helm.toolkit.fluxcd.io/name=spaceone, helm.toolkit.fluxcd.io/namespace=flux-system, but HelmRelease flux-system/spaceone does not exist: no Flux controller reconciles this release',
      CHART_WARNING,
      '',
    ])
  })

  it('Argo CD 3.x: the tracking-id annotation: exit 3 even with --force-gitops-owner, and why', async () => {
    asArgo()
    e.api.seed(gitOpsCrd('argocd'))
    e.api.seed(
      deployment(
        { 'app.kubernetes.io/instance': 'spaceone' },
        { 'argocd.argoproj.io/tracking-id': 'spaceone:apps/Deployment:cloudforet/console' },
      ),
    )
    expect(await refused(['--force-gitops-owner'])).toEqual([
      'error: preflight found 1 problem; nothing was changed',
      `  ✖ Argo CD (Application spaceone) renders this install (Deployment cloudforet/console has the annotation argocd.argoproj.io/tracking-id: spaceone:apps/Deployment:cloudforet/console (Argo CD 3.x tracking), and the cluster serves applications.argoproj.io): ${NO_RELEASE} --force-gitops-owner does not change that: it is for Flux only. Patch the Application's helm values in git instead`,
      FIX,
      '',
    ])
  })

  it('Argo CD 2.x: app.kubernetes.io/instance and no Helm release of that name in any namespace: exit 3', async () => {
    asArgo()
    e.api.seed(gitOpsCrd('argocd'))
    e.api.seed(deployment({ 'app.kubernetes.io/instance': 'spaceone' }))
    expect(await refused()).toEqual([
      'error: preflight found 1 problem; nothing was changed',
      `  ✖ Argo CD (Application spaceone) renders this install (Deployment cloudforet/console has the label app.kubernetes.io/instance=spaceone and no namespace has a Helm release spaceone (Argo CD 2.x tracking), and the cluster serves applications.argoproj.io): ${NO_RELEASE} Patch the Application's helm values in git instead`,
      FIX,
      '',
    ])
  })

  it('a release in another namespace is not mistaken for Argo CD; without the right to list Secrets cluster-wide, "could not check"', async () => {
    e.api.seed(gitOpsCrd('argocd'))
    e.api.seed(releaseRecord({ release: 'spaceone', namespace: 'default' }))
    e.api.seed(deployment({ 'app.kubernetes.io/instance': 'spaceone' }))
    const r = await goesOn()
    expect(r.stderr).toEqual([CHART_WARNING, ''])
    expect(r.calls.map((c) => c.args.join(' ')).filter((a) => a.includes('owner=helm'))).toEqual([
      expect.stringMatching(/get secrets -n spaceone -l owner=helm,name=spaceone -o /),
      expect.stringMatching(/get secrets -A -l owner=helm,name=spaceone -o /),
    ])
    e.api.failNext(
      { method: 'GET', pathIncludes: '/api/v1/secrets?' },
      403,
      'Forbidden',
      'secrets is forbidden: User "ci" cannot list resource "secrets" in API group "" at the cluster scope',
    )
    expect((await goesOn()).stderr).toEqual([
      'warning: could not check whether Argo CD renders this install: Deployment cloudforet/console has the label app.kubernetes.io/instance=spaceone, which Argo CD 2.x sets, and whether another namespace has a Helm release spaceone is unknown (Secrets cannot be listed cluster-wide: Forbidden: secrets is forbidden: User "ci" cannot list resource "secrets" in API group "" at the cluster scope)',
      CHART_WARNING,
      '',
    ])
  })
})
