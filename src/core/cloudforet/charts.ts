import { UsageError } from '../errors.js'
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
    const near = nearestChartVersions(version)
    const listAll = `\`cfpull charts\` lists all ${CHART_ROWS.length}`
    const nearest = near.length ? ` (nearest known: ${near.join(', ')}; ${listAll})` : ''
    const showValues = `helm show values cloudforet/spaceone --version ${version}`
    throw new UsageError(
      `unknown chart version ${version}${nearest}: pass --chart-values with the output of \`${showValues}\``,
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

/** Orders version strings numerically (`1.12.9` < `1.12.16`; `2.0.0-dev9` < `2.0.0-dev10` < `2.0.0`). */
export function compareChartVersions(a: string, b: string): number {
  const parts = (v: string) => {
    const [main = '', pre] = v.replace(/^v/, '').split(/-(.*)/s)
    return { main: main.split('.').map((x) => Number(x) || 0), pre }
  }
  const x = parts(a)
  const y = parts(b)
  for (let i = 0; i < Math.max(x.main.length, y.main.length); i++) {
    const d = (x.main[i] ?? 0) - (y.main[i] ?? 0)
    if (d) return d
  }
  if (x.pre === undefined || y.pre === undefined) return (x.pre === undefined ? 1 : 0) - (y.pre === undefined ? 1 : 0)
  const nx = Number(/\d+$/.exec(x.pre)?.[0] ?? 0)
  const ny = Number(/\d+$/.exec(y.pre)?.[0] ?? 0)
  return nx - ny || x.pre.localeCompare(y.pre)
}

/** The known versions closest to an unknown one: up to three below and three above, in order. */
export function nearestChartVersions(version: string): string[] {
  const v = version.replace(/^v/, '')
  // A pre-release asks for pre-releases; a release is answered with releases only.
  const pool = knownChartVersions()
    .filter((k) => v.includes('-') || !k.includes('-'))
    .sort(compareChartVersions)
  const at = pool.findIndex((k) => compareChartVersions(k, v) > 0)
  const cut = at === -1 ? pool.length : at
  return [...pool.slice(Math.max(0, cut - 3), cut), ...pool.slice(cut, cut + 3)]
}

/**
 * The chart release that matches a 1.x supervisor image tag: the newest release whose default
 * supervisor image has that tag, else the newest release of the tag's major.minor line.
 */
export function chartForSupervisor(tag: string): string | undefined {
  const releases = CHART_ROWS.filter((r) => !r[0].includes('-')).sort((a, b) => compareChartVersions(b[0], a[0]))
  const exact = releases.find((r) => r[6]?.split(':').at(-1) === tag)
  if (exact) return exact[0]
  const line = /^v?(\d+)\.(\d+)/.exec(tag)
  if (!line) return undefined
  return releases.find((r) => r[0].startsWith(`${line[1]}.${line[2]}.`))?.[0]
}

/** Every known version with its date and default supervisor image, for `cfpull charts`. */
export function chartCatalog(): Array<{ version: string; date: string; supervisorImage: string | null }> {
  return CHART_ROWS.map((r) => ({ version: r[0], date: r[1], supervisorImage: r[6] })).sort((a, b) =>
    compareChartVersions(a.version, b.version),
  )
}

/**
 * The newest chart release whose services include every one of `services` (for a values file
 * that names services only older charts have, such as 1.10's billing); undefined when none has.
 */
export function newestChartWith(services: string[]): string | undefined {
  const releases = CHART_ROWS.filter((r) => !r[0].includes('-')).sort((a, b) => compareChartVersions(b[0], a[0]))
  return releases.find((r) => {
    const theirs = SERVICE_LISTS[r[2]]!.split(' ')
    return services.every((s) => theirs.includes(s))
  })?.[0]
}

/** Every service key of any chart version cfpull knows. */
export function anyChartServices(): ReadonlySet<string> {
  return new Set(Object.values(SERVICE_LISTS).flatMap((list) => list.split(' ')))
}
