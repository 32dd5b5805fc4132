import { CONNECTOR_PATH, pullSecretPath, type ChartInfo } from './charts.js'
import type { Namespaces } from './namespaces.js'
import type { PluginDecision } from './plugins.js'
import { dataAt } from './data-path.js'

/** The label Cloudforet's sub-charts put on their pods (mongodb, plugin and initializer pods lack it). */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance'
/** The label the supervisor puts on plugin Deployments. */
export const PLUGIN_LABEL = 'supervisor_name'

/** Every secret name the values ask pods to pull with: service lists plus the plugin route. */
export function secretNamesInValues(data: unknown, chart: ChartInfo, plugins: PluginDecision): string[] {
  const names: string[] = []
  const add = (v: unknown) => {
    if (Array.isArray(v))
      for (const item of v)
        if (item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string')
          names.push((item as { name: string }).name)
  }
  for (const svc of chart.services) add(dataAt(data, pullSecretPath(svc)))
  if (plugins.mechanism === 'connector') add(dataAt(data, [...CONNECTOR_PATH, 'imagePullSecrets']))
  if (plugins.mechanism === 'registry' && plugins.path) {
    const v = dataAt(data, plugins.path)
    if (typeof v === 'string' && v) names.push(v)
  }
  return [...new Set(names)]
}

/** The names plugin pods should carry, by mechanism. */
export function pluginSecretNames(data: unknown, plugins: PluginDecision): string[] {
  if (!plugins.path) return []
  const v = dataAt(data, plugins.path)
  if (typeof v === 'string') return v ? [v] : []
  if (Array.isArray(v))
    return v.flatMap((x) =>
      x && typeof (x as { name?: unknown }).name === 'string' ? [(x as { name: string }).name] : [],
    )
  return []
}

/** Namespaces whose pods a restart must reach: core and supervisor, the release namespace standing in for unset ones. */
export function restartNamespaces(ns: Namespaces, releaseNamespace: string): string[] {
  return [...new Set([ns.core ?? releaseNamespace, ns.supervisor ?? releaseNamespace])]
}

/** Every namespace the Secret must exist in. */
export function secretNamespaces(ns: Namespaces, releaseNamespace: string): string[] {
  return [...new Set([ns.core ?? releaseNamespace, ns.supervisor ?? releaseNamespace, ns.plugins])]
}

/** `spaceone-1.12.16` → `1.12.16` (chart names may contain dashes; versions start with a digit). */
export function chartVersionOf(chart: string): string | null {
  const m = /-(v?\d[^-]*(?:-[0-9A-Za-z.]+)*)$/.exec(chart)
  return m ? m[1]! : null
}

export interface PluginDeployment {
  name: string
  namespace: string
  pullSecrets: string[]
}

/** Deployments from a parsed `kubectl get deploy -o json`, with the pull secrets of their pod template. */
export function pluginDeployments(parsed: unknown): PluginDeployment[] {
  const list = (parsed ?? {}) as {
    items?: Array<{
      metadata?: { name?: string; namespace?: string }
      spec?: { template?: { spec?: { imagePullSecrets?: Array<{ name?: string }> } } }
    }>
  }
  return (list.items ?? []).map((d) => ({
    name: d.metadata?.name ?? '',
    namespace: d.metadata?.namespace ?? '',
    pullSecrets: (d.spec?.template?.spec?.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
  }))
}

/** Quotes an argv for display as a shell command (what --dry-run prints). */
export function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}
