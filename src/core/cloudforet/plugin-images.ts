// How a repository version builds its managed plugins' references, read from the values the way
// that version reads them: `<url of MANAGED_REGISTRY_TYPE>/<MANAGED_PLUGIN_IMAGE_PREFIX>/<image>:<tag>`
// (repository managed_plugin_manager + supervisor install_plugin). The url is REGISTRY_INFO.<T>.url
// from repository 2.0.dev27 on and REGISTRY_URL_MAP.<T> in 1.12.x. The tag is chosen at install
// time, so a reference without one is what the values decide and the tag is the caller's.

import { dataAt } from '../yaml/data-path.js'
import { MANAGED_TYPE_PATH, REGISTRY_BASE, REGISTRY_DEFAULT_URLS } from './plugins.js'
import { PLUGIN_LISTS, REPOSITORY_CONFIG, type RepositoryConfigRow } from './image-table.js'

/** A plugin of a repository version's built-in (managed) catalog. */
export interface ManagedPlugin {
  pluginId: string
  name: string
  /** The image name under the prefix (`plugin-aws-ec2-inven-collector`). */
  image: string
}

export interface RepositoryConfig extends RepositoryConfigRow {
  /** The repository image the table describes (`cloudforet/repository:2.0.dev37`). */
  repositoryImage: string
}

export const MANAGED_PREFIX_PATH = [...REGISTRY_BASE, 'MANAGED_PLUGIN_IMAGE_PREFIX'] as const
export const REPOSITORY_IMAGE_PATH = ['repository', 'image'] as const

/**
 * How the plugin service picks a tag when none is asked for (AUTO): the first entry of the
 * registry connector's tag list. Docker Hub's is its first page, unsorted; Harbor's (any v2
 * registry) is sorted by StrictVersion, newest first; ECR's by push time.
 */
export type PluginTagRule = 'docker-hub-first-page' | 'strict-version-newest' | 'ecr-newest-push' | 'unknown'

const TAG_RULES: Readonly<Record<string, PluginTagRule>> = {
  DOCKER_HUB: 'docker-hub-first-page',
  HARBOR: 'strict-version-newest',
  AWS_PRIVATE_ECR: 'ecr-newest-push',
}

// 1.12.x's REGISTRY_URL_MAP defaults (repository conf/global_conf.py); its ECR entry is a template
// ('account_id.dkr.ecr.region_name.amazonaws.com'), not a usable host, so it is not a default here.
const URL_MAP_DEFAULTS: Readonly<Record<string, string>> = { DOCKER_HUB: 'registry.hub.docker.com', HARBOR: '' }

/** Every repository image the table knows, in the table's order. */
export function knownRepositoryImages(): string[] {
  return Object.keys(REPOSITORY_CONFIG)
}

/**
 * The configuration of a repository image, matched by its tag so that a mirrored name
 * (`harbor.example.com/cf/repository:1.12.5`) finds its version; undefined for a version with no
 * managed catalog (1.11 and older) or one the table does not know.
 */
export function repositoryConfig(repositoryImage: string): RepositoryConfig | undefined {
  const tag = tagOf(repositoryImage)
  if (tag === undefined) return undefined
  const key = Object.keys(REPOSITORY_CONFIG).find((k) => tagOf(k) === tag)
  return key ? { ...REPOSITORY_CONFIG[key]!, repositoryImage: key } : undefined
}

/** The managed catalog of a repository configuration. */
export function managedPlugins(config: RepositoryConfig): ManagedPlugin[] {
  return (PLUGIN_LISTS[config.pluginList]?.plugins ?? []).map(([pluginId, name, image]) => ({ pluginId, name, image }))
}

/** Where the values set a registry type's url for this repository version. */
export function registryUrlPath(config: RepositoryConfig, type: string): string[] {
  return config.registryConfKey === 'REGISTRY_INFO'
    ? [...REGISTRY_BASE, 'REGISTRY_INFO', type, 'url']
    : [...REGISTRY_BASE, 'REGISTRY_URL_MAP', type]
}

type Source = 'values' | 'default'

/** What the values make of the managed plugins' references, for one repository version. */
export interface ManagedPluginRoute {
  config: RepositoryConfig
  /** Set when the repository version is newer than any the table knows on its line: the version whose settings are assumed. */
  inferredFrom?: string
  /** The repository image the install runs, and whether the values or the chart set it. */
  repositoryImage: string
  repositoryImageSource: 'values' | 'chart'
  plugins: ManagedPlugin[]
  /** MANAGED_REGISTRY_TYPE. */
  type: string
  typeSource: Source
  /** The type's url ('' = unusable: the repository refuses to build references). */
  url: string
  urlSource: Source
  urlPath: string[]
  /** MANAGED_PLUGIN_IMAGE_PREFIX. */
  prefix: string
  prefixSource: Source
  tagRule: PluginTagRule
}

export type ManagedPluginRouteResult =
  { route: ManagedPluginRoute } | { route: null; repositoryImage: string | null; reason: string }

/**
 * The managed plugin route an install has: the repository image from `repository.image` in the
 * values (else the chart's default), then that version's settings read from the values with its
 * own defaults underneath (Helm deep-merges the values into them).
 */
export function managedPluginRoute(data: unknown, chartRepositoryImage: string | null): ManagedPluginRouteResult {
  const value = (path: readonly string[]) => {
    const v = dataAt(data, path)
    return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined
  }
  const name = value([...REPOSITORY_IMAGE_PATH, 'name'])
  const version = value([...REPOSITORY_IMAGE_PATH, 'version'])
  const chartName = chartRepositoryImage ? withoutTag(chartRepositoryImage) : undefined
  const chartTag = chartRepositoryImage ? tagOf(chartRepositoryImage) : undefined
  const imageName = name || chartName
  const tag = version || chartTag
  if (!imageName || !tag)
    return { route: null, repositoryImage: null, reason: 'neither the values nor the chart name the repository image' }
  const repositoryImage = `${imageName}:${tag}`
  const repositoryImageSource = name || version ? 'values' : 'chart'
  const config = repositoryConfig(repositoryImage) ?? newestOnLine(tag)
  if (!config)
    return {
      route: null,
      repositoryImage,
      reason: `repository ${tag} has no managed plugin catalog cfpull knows (1.11 and older have none; known: ${knownRepositoryImages()
        .map(tagOf)
        .join(', ')})`,
    }
  const setType = value(MANAGED_TYPE_PATH)
  const type = setType || config.managedRegistryType
  const urlPath = registryUrlPath(config, type)
  const setUrl = dataAt(data, urlPath)
  const defaultUrl =
    type === config.managedRegistryType
      ? config.registryUrl
      : ((config.registryConfKey === 'REGISTRY_INFO' ? REGISTRY_DEFAULT_URLS : URL_MAP_DEFAULTS)[type] ?? '')
  const setPrefix = value(MANAGED_PREFIX_PATH)
  return {
    route: {
      config,
      ...(tagOf(config.repositoryImage) !== tag && { inferredFrom: config.repositoryImage }),
      repositoryImage,
      repositoryImageSource,
      plugins: managedPlugins(config),
      type,
      typeSource: setType ? 'values' : 'default',
      url: typeof setUrl === 'string' ? setUrl : defaultUrl,
      urlSource: typeof setUrl === 'string' ? 'values' : 'default',
      urlPath,
      prefix: setPrefix ?? config.prefixDefault,
      prefixSource: setPrefix !== undefined ? 'values' : 'default',
      tagRule: TAG_RULES[type] ?? 'unknown',
    },
  }
}

/**
 * A managed plugin's reference as the supervisor pulls it: `<url>/<prefix>/<image>[:<tag>]`
 * (without a tag when the caller has none yet); null when the type's url is empty, because the
 * repository then refuses to install the plugin at all.
 */
export function managedPluginReference(route: ManagedPluginRoute, image: string, tag?: string): string | null {
  if (!route.url) return null
  // Built exactly as the repository and supervisor build it (string formatting, no clean-up), so
  // a prefix the values leave empty shows up as the `url//image` the supervisor would pull.
  const base = `${route.url}/${route.prefix}/${image}`
  return tag === undefined ? base : `${base}:${tag}`
}

// `2.0.dev52` → release [2, 0] and dev 52; a final release sorts after its dev releases.
function versionOf(tag: string): { release: number[]; dev: number } | undefined {
  const m = /^v?(\d+(?:\.\d+)*)(?:\.?dev(\d+))?$/.exec(tag)
  return m ? { release: m[1]!.split('.').map(Number), dev: m[2] === undefined ? Infinity : Number(m[2]) } : undefined
}

function compareVersions(a: { release: number[]; dev: number }, b: { release: number[]; dev: number }): number {
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0)
    if (d) return d
  }
  return a.dev === b.dev ? 0 : a.dev < b.dev ? -1 : 1
}

/**
 * A repository version newer than every known one of its major.minor line (`2.0.dev52` after
 * 2.0.dev37) is taken to build references as the newest known one does: the settings have not
 * changed within a line in the versions the table covers. An older unknown one gets nothing.
 */
function newestOnLine(tag: string): RepositoryConfig | undefined {
  const v = versionOf(tag)
  if (!v || v.release.length < 2) return undefined
  const line = v.release.slice(0, 2).join('.')
  const known = knownRepositoryImages()
    .map((image) => ({ image, v: versionOf(tagOf(image) ?? '') }))
    .filter((k) => k.v && k.v.release.slice(0, 2).join('.') === line)
    .sort((a, b) => compareVersions(b.v!, a.v!))
  const newest = known[0]
  if (!newest || compareVersions(v, newest.v!) <= 0) return undefined
  return repositoryConfig(newest.image)
}

function tagOf(image: string): string | undefined {
  const colon = image.lastIndexOf(':')
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : undefined
}

function withoutTag(image: string): string {
  const colon = image.lastIndexOf(':')
  return colon > image.lastIndexOf('/') ? image.slice(0, colon) : image
}
