import { CONNECTOR_PATH, type ChartInfo } from './charts.js'
import { dataAt } from './data-path.js'

/** How plugin pods get their pull secret; `auto` picks by supervisor image version. */
export type PluginMode = 'auto' | 'connector' | 'registry' | 'none'
export type PluginMechanism = Exclude<PluginMode, 'auto'>

/** The registries the repository service knows (`repository.application_grpc.REGISTRY_INFO` keys). */
export const REGISTRY_TYPES = ['DOCKER_HUB', 'AWS_PRIVATE_ECR', 'HARBOR', 'GCP_PRIVATE_GCR', 'GITHUB'] as const

export const REGISTRY_BASE = ['repository', 'application_grpc'] as const

export interface PluginDecision {
  mechanism: PluginMechanism
  /** One sentence: why this mechanism. */
  reason: string
  /** The supervisor image tag the decision read, when there was one. */
  supervisorVersion?: string
  /** For `registry`: the REGISTRY_INFO key the secret goes under. */
  registryType?: string
  /** Where the plugin secret goes in the values. */
  path?: string[]
  warnings: string[]
}

// Supervisor 1.10.4.2 is the first image that copies KubernetesConnector.imagePullSecrets into
// plugin Deployments; 2.0.dev1 (2023-10-27) stopped reading it in favour of REGISTRY_INFO.
const CONNECTOR_SINCE = [1, 10, 4, 2]

/** Decides the plugin mechanism from the values (supervisor.image.version) and the chart defaults. */
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
  let source = 'supervisor.image.version in the values'
  if (version !== undefined && majorOf(version) === undefined) {
    warnings.push(
      `cannot tell the supervisor version from image tag "${version}"; going by chart ${chart.version}'s default${chartTag ? ` (${chartTag})` : ''}: pass --plugins connector|registry to choose`,
    )
    version = undefined
  }
  if (version === undefined && chartTag) {
    version = chartTag
    source = `chart ${chart.version}'s default supervisor image`
  }
  let mechanism: PluginMechanism
  let reason: string
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
  } else {
    mechanism = 'connector'
    reason = `supervisor ${version} (${source}) copies KubernetesConnector.imagePullSecrets into plugin Deployments`
    if (compareVersions(version, CONNECTOR_SINCE) < 0)
      warnings.push(
        `supervisor ${version} predates 1.10.4.2 and ignores KubernetesConnector.imagePullSecrets: plugin pods will not get the secret until the supervisor is upgraded (or add it to the plugin namespace's default ServiceAccount)`,
      )
  }
  const decision: PluginDecision = {
    mechanism,
    reason,
    warnings,
    ...(version !== undefined && { supervisorVersion: version }),
  }
  if (mechanism === 'connector') decision.path = [...CONNECTOR_PATH, 'imagePullSecrets']
  if (mechanism === 'registry') {
    const fileDefault = dataAt(data, [...REGISTRY_BASE, 'DEFAULT_REGISTRY'])
    const type = registryOption ?? (typeof fileDefault === 'string' && fileDefault ? fileDefault : 'DOCKER_HUB')
    if (!registryOption && type === 'DOCKER_HUB')
      warnings.push(
        `repository.application_grpc.DEFAULT_REGISTRY is ${fileDefault === undefined ? 'not set' : 'DOCKER_HUB'}, so plugin images come from Docker Hub and the secret is set for DOCKER_HUB only; if your plugin images are in your private registry, set DEFAULT_REGISTRY (and REGISTRY_INFO.<TYPE>.url) in the values, or pass --plugin-registry ${REGISTRY_TYPES.filter((t) => t !== 'DOCKER_HUB').join('|')}`,
      )
    if (!(REGISTRY_TYPES as readonly string[]).includes(type))
      warnings.push(`registry type ${type} is not one the repository service knows (${REGISTRY_TYPES.join(', ')})`)
    decision.registryType = type
    decision.path = [...REGISTRY_BASE, 'REGISTRY_INFO', type, 'image_pull_secrets']
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

function majorOf(version: string): number | undefined {
  return numbersOf(version)[0]
}

function compareVersions(version: string, than: number[]): number {
  const a = numbersOf(version)
  for (let i = 0; i < than.length; i++) {
    const d = (a[i] ?? 0) - than[i]!
    if (d !== 0) return d
  }
  return 0
}
