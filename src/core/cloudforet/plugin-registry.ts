import { chartImages } from './chart-images.js'
import type { ChartInfo } from './charts.js'
import { managedPluginRoute } from './plugin-images.js'
import { REGISTRY_BASE } from './plugins.js'

// Where patch --registry writes the managed plugins' registry, by repository version. The table
// (plugin-images.ts) knows the repository versions the published charts deploy; a values file
// may pin another, placed by the rule of the issue: REGISTRY_INFO.<type>.url from repository
// 2.0.dev27 on, REGISTRY_URL_MAP.<type> in 1.12.x, no managed catalog in 1.11 and older.

export const HARBOR_CONNECTOR_PATH = [...REGISTRY_BASE, 'CONNECTORS', 'HarborConnector'] as const

export type RegistryConfKey = 'REGISTRY_INFO' | 'REGISTRY_URL_MAP'

export interface RepositoryRoute {
  /** The repository image tag the decision read. */
  version?: string
  /** Where that tag came from. */
  source: 'values' | 'chart' | 'none'
  /** Where the managed plugins' registry url is read; null = no managed catalog, or a version cfpull cannot place. */
  confKey: RegistryConfKey | null
  /** MANAGED_PLUGIN_IMAGE_PREFIX when the values leave it unset. */
  prefixDefault?: string
  /** One sentence: why this route (or why none). */
  reason: string
}

/** The values path of a registry type's url under that key. */
export function registryUrlPathOf(key: RegistryConfKey, type: string): string[] {
  return key === 'REGISTRY_INFO' ? [...REGISTRY_BASE, 'REGISTRY_INFO', type, 'url'] : [...REGISTRY_BASE, key, type]
}

// `2.0.dev27` → 2, 0, no patch, dev 27; `1.12.5` → 1, 12, 5.
function versionParts(tag: string): { major: number; minor: number; patch?: number; dev?: number } | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[.-]?dev(\d+))?/.exec(tag)
  if (!m) return undefined
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    ...(m[3] !== undefined && { patch: Number(m[3]) }),
    ...(m[4] !== undefined && { dev: Number(m[4]) }),
  }
}

function tagOf(image: string): string | undefined {
  const colon = image.lastIndexOf(':')
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : undefined
}

/** Decides where the managed plugins' registry url is read, from `repository.image` in the values, else the chart's default. */
export function repositoryRoute(data: unknown, chart: ChartInfo): RepositoryRoute {
  let chartImage: string | null = null
  try {
    chartImage = chartImages(chart.version).repositoryImage
  } catch {
    // A chart read from --chart-values has no table row: only the values can say.
  }
  const found = managedPluginRoute(data, chartImage)
  const image = found.route ? found.route.repositoryImage : found.repositoryImage
  const version = image ? tagOf(image) : undefined
  if (!version)
    return {
      source: 'none',
      confKey: null,
      reason: `no repository image version in the values or chart ${chart.version}: cannot tell where its managed plugins' registry is read`,
    }
  const source = found.route?.repositoryImageSource ?? (image === chartImage ? 'chart' : 'values')
  const from = source === 'values' ? 'repository.image in the values' : `chart ${chart.version}'s default`
  const at = `repository ${version} (${from})`
  if (found.route) {
    const { registryConfKey, prefixDefault } = found.route.config
    return {
      version,
      source,
      confKey: registryConfKey,
      prefixDefault,
      reason: `${at} reads the managed plugins' registry url from ${registryConfKey}`,
    }
  }
  const v = versionParts(version)
  const { major, minor } = v ?? { major: -1, minor: -1 }
  // Every 2.x after 2.0.dev26 (a release, a patch, a later minor) reads REGISTRY_INFO.
  if (v && (major > 2 || (major === 2 && (minor > 0 || v.patch !== undefined || v.dev === undefined || v.dev >= 27))))
    return {
      version,
      source,
      confKey: 'REGISTRY_INFO',
      reason: `${at} reads the managed plugins' registry url from REGISTRY_INFO (2.0.dev27 and later)`,
    }
  if (v && major === 1 && minor === 12)
    return {
      version,
      source,
      confKey: 'REGISTRY_URL_MAP',
      prefixDefault: 'spaceone',
      reason: `${at} reads the managed plugins' registry url from REGISTRY_URL_MAP (1.12.x)`,
    }
  if (v && (major < 1 || (major === 1 && minor <= 11)))
    return { version, source, confKey: null, reason: `${at} has no managed plugin catalog (1.11 and older)` }
  return {
    version,
    source,
    confKey: null,
    reason: `cfpull does not know where ${at} reads its managed plugins' registry url`,
  }
}
