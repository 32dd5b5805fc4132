import { describe, expect, it } from 'vitest'
import { createSecretEnv, HARBOR_ROBOT } from '../helpers/create-secret-env.js'
import { kubectlEntry, pullSecret } from '../helpers/pull-secret.js'

// create-secret writes a Secret the chart does not render, so a GitOps owner of the release is no
// reason to stop. A Secret a controller manages itself is: it may be overwritten or pruned.
describe('cfpull create-secret and a Secret a GitOps controller manages', () => {
  it('merges as always, and warns who manages the Secret (Argo CD tracking, Flux Kustomization labels)', async () => {
    const env = await createSecretEnv({ defaults: [...HARBOR_ROBOT, '--password-stdin', '--no-verify'], stdin: 'pw\n' })
    const { api } = env
    const argo = pullSecret('cloudforet', { 'docker.io': kubectlEntry('old', 'old-pass') })
    Object.assign(argo.metadata, {
      annotations: { 'argocd.argoproj.io/tracking-id': 'infra:/Secret:cloudforet/my-credential' },
    })
    const flux = pullSecret('cloudforet-plugin', { 'docker.io': kubectlEntry('old', 'old-pass') })
    Object.assign(flux.metadata, {
      labels: { 'kustomize.toolkit.fluxcd.io/name': 'infra', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' },
    })
    api.seed(argo)
    api.seed(flux)
    const r = await env.createSecret(['-n', 'cloudforet', '-n', 'cloudforet-plugin'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe(
      [
        'warning: Secret my-credential in cloudforet is managed by Argo CD (argocd.argoproj.io/tracking-id: infra:/Secret:cloudforet/my-credential): the controller may overwrite or prune what cfpull writes; put the credentials where it reads them (e.g. a SealedSecret or ExternalSecret in git)',
        'warning: Secret my-credential in cloudforet-plugin is managed by Flux (Kustomization flux-system/infra): the controller may overwrite or prune what cfpull writes; put the credentials where it reads them (e.g. a SealedSecret or ExternalSecret in git)',
        '',
      ].join('\n'),
    )
    // Written and merged all the same: the other registry is kept.
    expect(Object.keys(env.auths('cloudforet'))).toEqual(['docker.io', 'harbor.example.com'])
  })
})
