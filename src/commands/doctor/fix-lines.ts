// Every fix line doctor prints, built from the options in force so that each one reproduces the
// context it came from (core/fix-command.ts quotes them for a shell).
import type { ChartChoice } from '../../core/cloudforet/install-model.js'
import { registryOfImage } from '../../core/diagnose.js'
import {
  applyCommand,
  createSecretCommand,
  manifestPatchCommand,
  patchCommand,
  type FixContext,
} from '../../core/fix-command.js'
import type { FailingPod } from '../../core/pod-pulls.js'
import { valuesFileOf } from './release-values.js'
import type { ClusterScope, DoctorOptions, SecretState } from './types.js'

/** The options in force, for every fix doctor prints. */
export function doctorFixContext(opts: DoctorOptions, chart: ChartChoice): FixContext {
  return {
    files: [valuesFileOf(opts)],
    chart: {
      version: chart.info.version,
      source: chart.source,
      ...(chart.valuesFile && { valuesFile: chart.valuesFile }),
    },
    releaseNamespace: opts.namespace,
    release: opts.release,
    ...(opts.secret && { secrets: [opts.secret] }),
    ...(opts.onlyPresent && { onlyPresent: true }),
    ...(opts.services && { services: opts.services }),
    ...(opts.exclude && { exclude: opts.exclude }),
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
}

/** create-secret for a missing Secret: the values give its namespaces. */
export function createFix(s: ClusterScope, name: string): string {
  return createSecretCommand(s.fixCtx, name, { values: valuesFileOf(s.opts), model: s.v.model })
}

/** A Secret's type is immutable: create-secret --replace deletes and recreates it. */
export function replaceFix(ctx: FixContext, name: string, namespace: string): string {
  return createSecretCommand(ctx, name, { namespaces: [namespace], replace: true })
}

/** The upgrade that brings the cluster to the values: apply, or under a GitOps owner the manifest's patch. */
export function upgradeFix(s: ClusterScope, change: Parameters<typeof applyCommand>[1] = {}): string {
  return s.owner ? manifestPatchCommand(s.fixCtx) : applyCommand(s.fixCtx, change)
}

/**
 * A pod that cannot pull: the values lack its secret (patch, then upgrade), or the Secret is
 * missing there (create it), or else its credentials are what to check (and how to replace them).
 */
export function failingPodFix(s: ClusterScope, p: FailingPod, lacks: string[], secrets: SecretState[]): string {
  if (lacks.length)
    return s.owner ? manifestPatchCommand(s.fixCtx) : `${patchCommand(s.fixCtx)} && ${applyCommand(s.fixCtx)}`
  const missingHere = secrets.find((x) => x.namespace === p.namespace && !x.present)
  if (missingHere) return createFix(s, missingHere.name)
  const name = p.pullSecrets[0] ?? s.v.secrets[0]!
  // A legacy dockercfg Secret is converted (its registries kept) only with --replace.
  const legacy = secrets.some(
    (x) => x.namespace === p.namespace && x.name === name && x.type === 'kubernetes.io/dockercfg',
  )
  const replace = createSecretCommand(s.fixCtx, name, { namespaces: [p.namespace], replace: legacy })
  return `check the credentials for ${registryOfImage(p.image)} in Secret ${p.pullSecrets.join(', ')}; to replace them: ${replace}`
}
