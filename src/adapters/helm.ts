import { ToolFailedError } from '../core/errors.js'
import type { KubeTarget } from './kubectl.js'
import { toolBinary, type Runner } from './run.js'

/** helm's names for the cluster flags kubectl calls --context / --kubeconfig. */
export function helmTargetArgs(t: KubeTarget): string[] {
  return [...(t.kubeconfig ? ['--kubeconfig', t.kubeconfig] : []), ...(t.context ? ['--kube-context', t.context] : [])]
}

export interface HelmRelease {
  name: string
  namespace: string
  revision: string
  status: string
  /** e.g. `spaceone-1.12.16` */
  chart: string
  app_version?: string
}

/** The argv of `helm list` for one release (helm 4 lists every status by default and has no --all). */
export function helmListArgs(t: KubeTarget, namespace: string, release: string): string[] {
  return [
    'list',
    '-n',
    namespace,
    '-o',
    'json',
    '--filter',
    `^${release.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
    ...helmTargetArgs(t),
  ]
}

/** The release as `helm list -o json` reports it, or null when there is none of that name. */
export async function helmRelease(
  run: Runner,
  bin: string | undefined,
  t: KubeTarget,
  namespace: string,
  release: string,
): Promise<HelmRelease | null> {
  const r = await run(bin ?? toolBinary('helm'), helmListArgs(t, namespace, release))
  if (r.exitCode !== 0) throw new ToolFailedError('helm', r.exitCode, r.stderr, `helm list in namespace ${namespace}`)
  let list: HelmRelease[]
  try {
    list = JSON.parse(r.stdout || '[]') as HelmRelease[]
  } catch {
    throw new ToolFailedError(
      'helm',
      undefined,
      '',
      `helm list in namespace ${namespace}`,
      undefined,
      `printed something that is not JSON: ${JSON.stringify(r.stdout.slice(0, 60))}`,
    )
  }
  return list.find((x) => x.name === release) ?? null
}

/** The argv of `helm upgrade`, for running and for --dry-run printing alike. */
export function helmUpgradeArgs(
  o: {
    release: string
    chart: string
    namespace: string
    valuesFile: string
    version: string
    timeout?: string
    extra: string[]
  },
  t: KubeTarget,
): string[] {
  return [
    'upgrade',
    o.release,
    o.chart,
    '-n',
    o.namespace,
    '-f',
    o.valuesFile,
    '--version',
    o.version,
    ...(o.timeout ? ['--timeout', o.timeout] : []),
    ...helmTargetArgs(t),
    ...o.extra,
  ]
}

/** The argv of `helm template`: the manifests an install or upgrade with these values would apply. */
export function helmTemplateArgs(o: {
  release: string
  chart: string
  namespace: string
  valuesFile: string
  version?: string
}): string[] {
  return [
    'template',
    o.release,
    o.chart,
    '-n',
    o.namespace,
    '-f',
    o.valuesFile,
    ...(o.version ? ['--version', o.version] : []),
  ]
}

/** Renders the chart with `helm template` (no cluster needed) and returns the manifests. */
export async function helmTemplate(run: Runner, bin: string, args: string[], step: string): Promise<string> {
  let r
  try {
    r = await run(bin, args)
  } catch (err) {
    throw err instanceof ToolFailedError ? err.inStep(step) : err
  }
  if (r.exitCode !== 0) throw new ToolFailedError('helm', r.exitCode, r.stderr, step)
  return r.stdout
}
