import { CONNECTOR_PATH, type ChartInfo } from './charts.js'
import { dataAt } from '../yaml/data-path.js'

/** How plugin pods get their pull secret; `auto` picks by supervisor image version. */
export type PluginMode = 'auto' | 'connector' | 'registry' | 'none'
export type PluginMechanism = Exclude<PluginMode, 'auto'>

/** The registries the repository service knows (`repository.application_grpc.REGISTRY_INFO` keys). */
export const REGISTRY_TYPES = ['DOCKER_HUB', 'AWS_PRIVATE_ECR', 'HARBOR', 'GCP_PRIVATE_GCR', 'GITHUB'] as const

/**
 * The repository service's own REGISTRY_INFO urls; Helm deep-merges the values into them, so a
 * type the values give no `url` keeps this one. An empty url makes the type unusable.
 */
export const REGISTRY_DEFAULT_URLS: Readonly<Record<string, string>> = {
  DOCKER_HUB: 'registry.hub.docker.com',
  AWS_PRIVATE_ECR: '',
  HARBOR: '',
  GITHUB: 'ghcr.io',
  GCP_PRIVATE_GCR: '',
}

/** The type of the managed (built-in catalog) plugins when MANAGED_REGISTRY_TYPE is not set. */
export const DEFAULT_MANAGED_REGISTRY_TYPE = 'DOCKER_HUB'

export const REGISTRY_BASE = ['repository', 'application_grpc'] as const
export const MANAGED_TYPE_PATH = [...REGISTRY_BASE, 'MANAGED_REGISTRY_TYPE'] as const
export const DEFAULT_REGISTRY_PATH = [...REGISTRY_BASE, 'DEFAULT_REGISTRY'] as const

/** `repository.application_grpc.REGISTRY_INFO.<type>.<key>` */
export function registryInfoPath(type: string, key: 'url' | 'image_pull_secrets'): string[] {
  return [...REGISTRY_BASE, 'REGISTRY_INFO', type, key]
}

export interface PluginDecision {
  mechanism: PluginMechanism
  /** One sentence: why this mechanism. */
  reason: string
  /** The supervisor image tag the decision read, when there was one. */
  supervisorVersion?: string
  /** True when that tag came from the values (not the chart default). */
  supervisorFromValues?: boolean
  /** The supervisor predates 1.10.4.2: plugin pods never get a pull secret from the values. */
  supervisorTooOld?: boolean
  /** For `registry`: the REGISTRY_INFO key the plugin secret goes under (--plugin-registry, else the managed type). */
  registryType?: string
  /** For `registry`: the type of the managed plugins (MANAGED_REGISTRY_TYPE, else DOCKER_HUB). */
  managedType?: string
  /** Where managedType came from. */
  managedTypeSource?: 'values' | 'default'
  /** For `registry`: registryType's url after the repository's defaults ('' = unusable). */
  registryUrl?: string
  /** Where the plugin secret goes in the values. */
  path?: string[]
  warnings: string[]
}

// Supervisor 1.10.4.2 is the first image that copies KubernetesConnector.imagePullSecrets into
// plugin Deployments; 2.0.dev1 (2023-10-27) stopped reading it in favour of REGISTRY_INFO.
const CONNECTOR_SINCE = [1, 10, 4, 2]

/** A string value of the values, or undefined when unset or empty. */
function str(x: unknown): string | undefined {
  return typeof x === 'string' && x ? x : undefined
}

/** The managed plugins' registry type: MANAGED_REGISTRY_TYPE in the values, else DOCKER_HUB. */
export function managedRegistryType(data: unknown): { type: string; source: 'values' | 'default' } {
  const v = str(dataAt(data, MANAGED_TYPE_PATH))
  return v ? { type: v, source: 'values' } : { type: DEFAULT_MANAGED_REGISTRY_TYPE, source: 'default' }
}

/** A registry type's url as the repository service sees it: the values' url, else its default. */
export function effectiveRegistryUrl(data: unknown, type: string): string {
  const v = dataAt(data, registryInfoPath(type, 'url'))
  if (typeof v === 'string') return v
  return REGISTRY_DEFAULT_URLS[type] ?? ''
}

/**
 * Decides the plugin route from the values (supervisor.image.version) and the chart defaults.
 * `repository.application_grpc.DEFAULT_REGISTRY` plays no part: no Cloudforet code has read it
 * since repository commit d78a3a1 (2023-06-28).
 */
export function decidePlugins(
  data: unknown,
  chart: ChartInfo,
  mode: PluginMode,
  registryOption?: string,
): PluginDecision {
  const warnings: string[] = []
  if (mode === 'none')
    return { mechanism: 'none', reason: '--plugins none: plugin pull secrets left as they are', warnings }
  const fileTag = dataAt(data, ['supervisor', 'image', 'version'])
  const chartTag = chart.supervisorImage?.split(':').at(-1) ?? null
  // A map or list is not a tag, but it still gets the warning below, shown as written rather than "[object Object]".
  const fileVersion =
    fileTag === undefined || fileTag === null
      ? undefined
      : typeof fileTag === 'string'
        ? fileTag
        : typeof fileTag === 'number' || typeof fileTag === 'boolean'
          ? String(fileTag)
          : JSON.stringify(fileTag)
  let version = fileVersion
  let fromValues = true
  let source = 'supervisor.image.version in the values'
  if (version !== undefined && majorOf(version) === undefined) {
    const chartDefault = `chart ${chart.version}'s default${chartTag ? ` (${chartTag})` : ''}`
    warnings.push(
      `cannot tell the supervisor version from image tag "${version}"; going by ${chartDefault}: pass --plugins connector|registry to choose`,
    )
    version = undefined
  }
  if (version === undefined && chartTag) {
    version = chartTag
    fromValues = false
    source = `chart ${chart.version}'s default supervisor image`
  }
  let mechanism: PluginMechanism
  let reason: string
  let tooOld = false
  if (mode !== 'auto') {
    mechanism = mode
    reason = `--plugins ${mode}`
  } else if (version === undefined) {
    mechanism = 'connector'
    reason = `no supervisor image version in the values or chart ${chart.version}: assuming a 1.x supervisor`
    warnings.push(`${reason}; pass --plugins registry if the supervisor is 2.x`)
  } else if ((majorOf(version) ?? 1) >= 2) {
    mechanism = 'registry'
    reason = `supervisor ${version} (${source}) takes the plugin pull secret from repository REGISTRY_INFO and ignores KubernetesConnector.imagePullSecrets`
  } else if (compareVersions(version, CONNECTOR_SINCE) < 0) {
    // No key in the values reaches plugin pods: say so once, and write nothing it would ignore.
    mechanism = 'none'
    tooOld = true
    reason = `supervisor ${version} (${source}) predates 1.10.4.2 and gives plugin pods no pull secret, whatever the values say`
  } else {
    mechanism = 'connector'
    reason = `supervisor ${version} (${source}) copies KubernetesConnector.imagePullSecrets into plugin Deployments`
  }
  const decision: PluginDecision = {
    mechanism,
    reason,
    warnings,
    ...(version !== undefined && { supervisorVersion: version, supervisorFromValues: fromValues }),
    ...(tooOld && { supervisorTooOld: true }),
  }
  if (mechanism === 'connector') decision.path = [...CONNECTOR_PATH, 'imagePullSecrets']
  if (mechanism === 'registry') {
    const managed = managedRegistryType(data)
    const type = registryOption ?? managed.type
    decision.registryType = type
    decision.managedType = managed.type
    decision.managedTypeSource = managed.source
    decision.registryUrl = effectiveRegistryUrl(data, type)
    decision.path = registryInfoPath(type, 'image_pull_secrets')
  }
  return decision
}

function numbersOf(version: string): number[] {
  const out: number[] = []
  for (const part of version.replace(/^v/, '').split(/[.\-+]/)) {
    if (!/^\d+$/.test(part)) break
    out.push(Number(part))
  }
  return out
}

/** The major version of a tag (`2.0.dev19` → 2), or undefined when it does not start with a number. */
export function majorOf(version: string): number | undefined {
  return numbersOf(version)[0]
}

/** `1.12.0` → `1.12`; undefined when the tag has no major.minor. */
export function minorLineOf(version: string): string | undefined {
  const n = numbersOf(version)
  return n.length >= 2 ? `${n[0]}.${n[1]}` : undefined
}

function compareVersions(version: string, than: number[]): number {
  const a = numbersOf(version)
  for (let i = 0; i < than.length; i++) {
    const d = (a[i] ?? 0) - than[i]!
    if (d !== 0) return d
  }
  return 0
}
