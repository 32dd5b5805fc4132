import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  describeOwner,
  findGitOpsOwner,
  gitOpsQuestions,
  ownerEvidence,
  secretManager,
  type MarkedObject,
} from '../../src/core/gitops.js'

const deploy = (labels: Record<string, string>, annotations: Record<string, string> = {}): MarkedObject => ({
  kind: 'Deployment',
  namespace: 'spaceone',
  name: 'console',
  labels,
  annotations,
})
const flux = { 'helm.toolkit.fluxcd.io/name': 'spaceone', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' }

describe('who owns the install', () => {
  it('Flux: the helm-controller labels, confirmed by the HelmRelease', () => {
    const objects = [deploy({ ...flux, 'app.kubernetes.io/instance': 'spaceone-spaceone' })]
    expect(gitOpsQuestions(objects)).toEqual({
      helmRelease: { name: 'spaceone', namespace: 'flux-system' },
      releaseNames: [],
    })
    const found = findGitOpsOwner(objects, { fluxApi: true, helmReleaseExists: true })
    expect(describeOwner(found.owner!)).toBe('Flux (HelmRelease flux-system/spaceone)')
    expect(ownerEvidence(found.owner!)).toBe(
      'Deployment spaceone/console has the labels helm.toolkit.fluxcd.io/name=spaceone, helm.toolkit.fluxcd.io/namespace=flux-system, and the HelmRelease exists',
    )
    // Without the CRD (or when it could not be asked) the labels alone decide: refusing is the safe side.
    expect(findGitOpsOwner(objects, { fluxApi: false }).owner?.controller).toBe('flux')
    expect(findGitOpsOwner(objects, {}).owner?.controller).toBe('flux')
    // The CRD is served and the HelmRelease is gone: nothing reconciles the release.
    expect(findGitOpsOwner(objects, { fluxApi: true, helmReleaseExists: false })).toEqual({
      note: 'Deployment spaceone/console has the labels helm.toolkit.fluxcd.io/name=spaceone, helm.toolkit.fluxcd.io/namespace=flux-system, but HelmRelease flux-system/spaceone does not exist: no Flux controller reconciles this release',
    })
  })

  it('Argo CD 3.x: the tracking-id annotation names the Application (and its namespace when apps live anywhere)', () => {
    const tracked = deploy(
      { 'app.kubernetes.io/instance': 'cloudforet' },
      { 'argocd.argoproj.io/tracking-id': 'spaceone:apps/Deployment:spaceone/console' },
    )
    const found = findGitOpsOwner([tracked], { argoApi: true })
    expect(describeOwner(found.owner!)).toBe('Argo CD (Application spaceone)')
    expect(ownerEvidence(found.owner!)).toBe(
      'Deployment spaceone/console has the annotation argocd.argoproj.io/tracking-id: spaceone:apps/Deployment:spaceone/console (Argo CD 3.x tracking), and the cluster serves applications.argoproj.io',
    )
    const anyNs = deploy({}, { 'argocd.argoproj.io/tracking-id': 'team-a_spaceone:apps/Deployment:spaceone/console' })
    expect(describeOwner(findGitOpsOwner([anyNs], { argoApi: false }).owner!)).toBe(
      'Argo CD (Application team-a/spaceone)',
    )
    expect(ownerEvidence(findGitOpsOwner([anyNs], { argoApi: false }).owner!)).toBe(
      'Deployment spaceone/console has the annotation argocd.argoproj.io/tracking-id: team-a_spaceone:apps/Deployment:spaceone/console (Argo CD 3.x tracking); the cluster does not serve applications.argoproj.io, so Argo CD may run in another cluster',
    )
  })

  it('Argo CD 2.x: argocd.argoproj.io/instance, or app.kubernetes.io/instance with no Helm release of that name anywhere', () => {
    expect(describeOwner(findGitOpsOwner([deploy({ 'argocd.argoproj.io/instance': 'cf' })], {}).owner!)).toBe(
      'Argo CD (Application cf)',
    )
    const objects = [deploy({ 'app.kubernetes.io/instance': 'spaceone' })]
    expect(gitOpsQuestions(objects)).toEqual({ releaseNames: ['spaceone'] })
    const argo = findGitOpsOwner(objects, { helmReleases: new Map([['spaceone', []]]), argoApi: true })
    expect(ownerEvidence(argo.owner!)).toBe(
      'Deployment spaceone/console has the label app.kubernetes.io/instance=spaceone and no namespace has a Helm release spaceone (Argo CD 2.x tracking), and the cluster serves applications.argoproj.io',
    )
    expect(findGitOpsOwner(objects, { helmReleases: new Map([['spaceone', []]]), argoApi: false })).toEqual({
      note: 'Deployment spaceone/console has the label app.kubernetes.io/instance=spaceone and no namespace has a Helm release spaceone, but the cluster does not serve applications.argoproj.io: if Argo CD in another cluster renders this install, edit its Application, not the release',
    })
    // A release in another namespace whose objects are here is Helm's, not Argo's.
    expect(findGitOpsOwner(objects, { helmReleases: new Map([['spaceone', ['other']]]), argoApi: true })).toEqual({})
    expect(
      findGitOpsOwner(objects, { unknown: { helmReleases: 'Secrets cannot be listed cluster-wide: forbidden' } }),
    ).toEqual({
      couldNotCheck:
        'could not check whether Argo CD renders this install: Deployment spaceone/console has the label app.kubernetes.io/instance=spaceone, which Argo CD 2.x sets, and whether another namespace has a Helm release spaceone is unknown (Secrets cannot be listed cluster-wide: forbidden)',
    })
    expect(findGitOpsOwner([deploy({})], {})).toEqual({})
  })

  it("a Secret a controller manages is named by its marks; create-secret's own Secret has none", () => {
    expect(
      secretManager({
        'kustomize.toolkit.fluxcd.io/name': 'infra',
        'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
      }),
    ).toBe('Flux (Kustomization flux-system/infra)')
    expect(secretManager({}, { 'argocd.argoproj.io/tracking-id': 'secrets:/Secret:spaceone/cred' })).toBe(
      'Argo CD (argocd.argoproj.io/tracking-id: secrets:/Secret:spaceone/cred)',
    )
    expect(secretManager({ 'argocd.argoproj.io/instance': 'secrets' })).toBe(
      'Argo CD (argocd.argoproj.io/instance=secrets)',
    )
    expect(secretManager({ 'app.kubernetes.io/managed-by': 'cfpull' })).toBeUndefined()
  })
})

describe("the pre-commit hooks' files pattern", () => {
  it('takes values files and HelmRelease/Application manifests, not other YAML', () => {
    const hooks = parse(readFileSync(join(import.meta.dirname, '../../.pre-commit-hooks.yaml'), 'utf8')) as {
      files: string
    }[]
    for (const hook of hooks) {
      const re = new RegExp(hook.files)
      const take = [
        'values.yaml',
        'deploy/values-prod.yml',
        'clusters/prod/spaceone-helmrelease.yaml',
        'argocd/application.yaml',
        'HelmRelease.yaml',
        'apps/spaceone-Application.yml',
      ]
      const skip = ['Chart.yaml', 'deploy/deployment.yaml', 'kustomization.yaml', 'my-values.yaml.bak']
      expect([take.filter((f) => !re.test(f)), skip.filter((f) => re.test(f))]).toEqual([[], []])
    }
  })
})
