// The commands apply prints (fix lines, helm status, doctor): each aimed at the same release and
// cluster, with every option that shaped the decision.
import { chooseChart } from '../../core/cloudforet/install-model.js'
import { commandLine, type FixContext } from '../../core/fix-command.js'
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

export function helmTargetFlags(opts: ApplyOptions): string[] {
  return [
    ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []),
    ...(opts.context ? ['--kube-context', opts.context] : []),
  ]
}

// The pull check asks from where cfpull runs; the kubelet pulls from the nodes.
export function skipIfOnlyHere(host: string): string {
  return `If only this runner cannot reach ${host} (the nodes can), skip the check`
}

export function describe(w: RenderedWorkload): string {
  return `${w.kind} ${w.name} in ${w.namespace}`
}

/** The `cfpull apply` command line of these options plus `extra`: what a fix line prints, runnable as is. */
export function applyCommandLine(opts: ApplyOptions, extra: string[]): string {
  const argv = ['cfpull', 'apply', '-n', opts.namespace, '-f', opts.values]
  if (opts.release !== 'cloudforet') argv.push('--release', opts.release)
  if (opts.chart !== 'cloudforet/spaceone') argv.push('--chart', opts.chart)
  if (opts.version) argv.push('--version', opts.version)
  if (opts.restart !== 'auto') argv.push('--restart', opts.restart)
  if (opts.recreatePlugins) argv.push('--recreate-plugins')
  if (opts.timeout !== '10m') argv.push('--timeout', opts.timeout)
  if (opts.allowUnpatched) argv.push('--allow-unpatched')
  if (opts.onlyPresent) argv.push('--only-present')
  if (opts.services) argv.push('--services', opts.services.join(','))
  if (opts.exclude) argv.push('--exclude', opts.exclude.join(','))
  if (opts.dryRun) argv.push('--dry-run')
  if (opts.context) argv.push('--context', opts.context)
  if (opts.kubeconfig) argv.push('--kubeconfig', opts.kubeconfig)
  if (opts.registryCa) argv.push('--registry-ca', opts.registryCa)
  argv.push(...extra)
  if (opts.helmArgs.length) argv.push('--', ...opts.helmArgs)
  return commandLine(argv)
}

/** `helm status RELEASE -n NS` aimed at the same cluster (helm spells the flags --kube-context, --kubeconfig). */
export function helmStatusLine(opts: ApplyOptions): string {
  return commandLine(['helm', 'status', opts.release, '-n', opts.namespace, ...helmTargetFlags(opts)])
}
