// `doctor --cluster`: what kubectl reads, in the order the report lists it. Read-only: every call
// is a get (secrets are read only for their type and registry hosts).
import { kubectlJson, type KubeTarget } from '../../adapters/kubectl.js'
import { toolBinary } from '../../adapters/run.js'
import type { Diagnosis, ValuesDiagnosis } from '../../core/diagnose.js'
import { UsageError } from '../../core/errors.js'
import { manifestPatchCommand, type FixContext } from '../../core/fix-command.js'
import { describeOwner, ownerEvidence } from '../../core/gitops.js'
import { observeGitOpsOwner } from '../gitops-owner.js'
import { failingPodFindings, inspectPods } from './pods.js'
import { readSecrets, secretFindings } from './secrets.js'
import type { ClusterScope, ClusterState, DoctorDeps, DoctorOptions } from './types.js'
import { pluginFindings, releaseDeploymentFindings } from './workloads.js'

export async function inspectCluster(
  opts: DoctorOptions,
  deps: DoctorDeps,
  v: ValuesDiagnosis,
  findings: Diagnosis[],
  ctx: FixContext,
): Promise<ClusterState> {
  if (v.secrets.length === 0) throw new UsageError('no secret name to look for: pass --secret <name>')
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    bin: toolBinary('kubectl', deps.env),
  }
  const fixCtx: FixContext = { ...ctx, secrets: v.secrets }

  // Under Flux or Argo CD the values that count are in git: fixes patch the manifest, never upgrade by hand.
  const gitops = await observeGitOpsOwner(deps.run, t, [
    opts.namespace,
    v.namespaces.core ?? opts.namespace,
    v.namespaces.supervisor ?? opts.namespace,
  ])
  const owner = gitops.finding.owner
  if (owner)
    findings.push({
      severity: 'warning',
      code: 'gitops-owner',
      message: `${describeOwner(owner)} ${owner.controller === 'flux' ? 'owns this release' : 'renders this install'} (${ownerEvidence(owner)}): change its values in the manifest in git, not with helm upgrade or cfpull apply (which refuses); the fixes here patch that file`,
      fix: manifestPatchCommand(fixCtx),
    })
  const note = gitops.finding.couldNotCheck ?? gitops.finding.note
  if (note) findings.push({ severity: 'info', code: 'gitops-unknown', message: note })

  const scope: ClusterScope = {
    opts,
    deps,
    t,
    v,
    fixCtx,
    ...(owner && { owner }),
    findings,
    get: <T>(args: string[], what: string): Promise<T> => kubectlJson<T>(deps.run, t, args, `doctor: ${what}`),
  }
  const secrets = await readSecrets(scope)
  secretFindings(scope, secrets)
  const { failingPods, imageRegistries } = await inspectPods(scope, secrets)
  await failingPodFindings(scope, failingPods, secrets)
  await releaseDeploymentFindings(scope)
  await pluginFindings(scope)
  return { secrets, failingPods, imageRegistries }
}
