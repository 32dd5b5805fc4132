import { UsageError } from './errors.js'
import { CHART_ROWS, SERVICE_LISTS } from './chart-table.js'

/** What cfpull needs to know about one version of the cloudforet/spaceone umbrella chart. */
export interface ChartInfo {
  /** The chart version, or the file name when read from a chart's default values. */
  version: string
  /** Top-level values keys of the services it deploys, in the chart's order. */
  services: string[]
  /** Default global.namespace; null means the Helm release namespace. */
  namespace: string | null
  /** Default global.supervisor_namespace; null means the Helm release namespace. */
  supervisorNamespace: string | null
  /** Default plugin namespace (KubernetesConnector.namespace). */
  pluginNamespace: string
  /** Default supervisor image (`name:tag`), when the chart sets one. */
  supervisorImage: string | null
}

/** Newest chart version cfpull knows; the default for --chart-version. */
export const LATEST_CHART_VERSION = '2.0.0-dev35'

// The supervisor sub-chart's own default, which applies when the umbrella sets no plugin namespace.
export const SUPERVISOR_CHART_PLUGIN_NAMESPACE = 'root-supervisor'

/** Top-level keys of the umbrella's values that are not services (a hook image, flags, globals). */
export const NON_SERVICE_KEYS: ReadonlySet<string> = new Set(['enabled', 'image', 'resources', 'global'])

/** Every chart version cfpull knows, oldest first. */
export function knownChartVersions(): string[] {
  return CHART_ROWS.map((r) => r[0])
}

/** Chart facts for a published version; a usage error names the nearest known versions. */
export function chartInfo(version: string = LATEST_CHART_VERSION): ChartInfo {
  const row = CHART_ROWS.find((r) => r[0] === version.replace(/^v/, ''))
  if (!row) {
    const near = knownChartVersions().filter(
      (v) => v.split('.').slice(0, 2).join('.') === version.replace(/^v/, '').split('.').slice(0, 2).join('.'),
    )
    throw new UsageError(
      `unknown chart version ${version}${near.length ? ` (known ${near.slice(-6).join(', ')})` : ''}: pass --chart-values with the output of \`helm show values cloudforet/spaceone --version ${version}\``,
    )
  }
  const [v, , list, namespace, supervisorNamespace, pluginNamespace, supervisorImage] = row
  return {
    version: v,
    services: SERVICE_LISTS[list]!.split(' '),
    namespace,
    supervisorNamespace,
    pluginNamespace: pluginNamespace ?? SUPERVISOR_CHART_PLUGIN_NAMESPACE,
    supervisorImage,
  }
}

/** Where the supervisor 1.x plugin connector lives in the values. */
export const CONNECTOR_PATH = ['supervisor', 'application_scheduler', 'CONNECTORS', 'KubernetesConnector'] as const

/**
 * Where a service's pods read their pull secrets. Cloudforet's own sub-charts take a
 * top-level `imagePullSecrets`; HashiCorp's vault and consul charts (umbrella ≤ 1.11.0)
 * take `global.imagePullSecrets` instead.
 */
export function pullSecretPath(service: string): string[] {
  return service === 'vault' || service === 'consul'
    ? [service, 'global', 'imagePullSecrets']
    : [service, 'imagePullSecrets']
}
