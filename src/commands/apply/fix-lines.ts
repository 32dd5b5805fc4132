// The commands apply prints (fix lines, helm status, doctor): each aimed at the same release and
// cluster, with every option that shaped the decision.
import { chooseChart } from '../../core/cloudforet/install-model.js'
import {
  APPLY_DEFAULTS,
  commandLine,
  helmCommand,
  sameApplyCommand,
  type ApplyInvocation,
  type FixContext,
} from '../../core/fix-command.js'
import type { RenderedWorkload } from '../../core/images/rendered-images.js'
import type { Facts } from './preflight/context.js'
import type { ApplyOptions } from './types.js'

export function narrowing(opts: ApplyOptions): { onlyPresent?: boolean; services?: string[]; exclude?: string[] } {
  return {
    ...(opts.onlyPresent && { onlyPresent: true }),
    ...(opts.services && { services: opts.services }),
    ...(opts.exclude && { exclude: opts.exclude }),
  }
}

/** The options in force, for the patch and create-secret commands the preflight prints. */
export function fixContext(opts: ApplyOptions, facts: Facts): FixContext {
  const chart = facts.chartChoice ?? chooseChart({})
  return {
    files: [opts.values],
    chart: { version: chart.info.version, source: chart.source },
    releaseNamespace: opts.namespace,
    release: opts.release,
    ...(facts.model && { secrets: facts.model.serviceSecrets }),
    ...narrowing(opts),
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
}

/** --context/--kubeconfig as given, for the commands cfpull prints: they must reach the same cluster. */
export function targetFlags(opts: ApplyOptions): string[] {
  return [
    ...(opts.context ? ['--context', opts.context] : []),
    ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []),
  ]
}

// The pull check asks from where cfpull runs; the kubelet pulls from the nodes.
export function skipIfOnlyHere(host: string): string {
  return `If only this runner cannot reach ${host} (the nodes can), skip the check`
}

export function describe(w: RenderedWorkload): string {
  return `${w.kind} ${w.name} in ${w.namespace}`
}

/** The same `cfpull apply` run with `change` made to it: what a fix line prints, runnable as is. */
export function applyCommandLine(opts: ApplyOptions, change: Partial<ApplyInvocation> = {}): string {
  return sameApplyCommand(opts, change)
}

/**
 * `cfpull doctor --cluster` of the same release, file, chart version, narrowing and cluster: the
 * check apply points to for what happens after it (plugins the supervisor has yet to recreate).
 */
export function doctorClusterLine(opts: ApplyOptions): string {
  return commandLine([
    'cfpull',
    'doctor',
    '--cluster',
    '-n',
    opts.namespace,
    '-f',
    opts.values,
    ...(opts.release !== APPLY_DEFAULTS.release ? ['--release', opts.release] : []),
    ...(opts.version ? ['--chart-version', opts.version] : []),
    ...(opts.onlyPresent ? ['--only-present'] : []),
    ...(opts.services?.length ? ['--services', opts.services.join(',')] : []),
    ...(opts.exclude?.length ? ['--exclude', opts.exclude.join(',')] : []),
    ...targetFlags(opts),
  ])
}

/** `helm status RELEASE -n NS` aimed at the same cluster (helm spells the flags --kube-context, --kubeconfig). */
export function helmStatusLine(opts: ApplyOptions): string {
  return helmCommand(opts, opts.namespace, ['status', opts.release])
}

/** `helm rollback RELEASE REVISION -n NS`, to the revision the upgrade started from, on the same cluster. */
export function helmRollbackLine(opts: ApplyOptions, revision: number): string {
  return helmCommand(opts, opts.namespace, ['rollback', opts.release, String(revision)])
}
