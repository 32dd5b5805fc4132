import { CONNECTOR_PATH, pullSecretPath, type ChartInfo } from './charts.js'
import { distinctNamespaces, resolveNamespaces, type Namespaces } from './namespaces.js'
import { decidePlugins, type PluginDecision } from './plugins.js'
import { parsePullSecretList } from './schema.js'
import { dataAt } from './data-path.js'
import { registryHostOf } from './image-ref.js'
import { kubeletLocation, readPullSecret } from './kubelet-credentials.js'

export type Severity = 'error' | 'warning' | 'info'

/** One thing doctor says: what is wrong (or worth knowing), where, and the one-line fix. */
export interface Diagnosis {
  severity: Severity
  /** Stable identifier for scripts reading --json. */
  code: string
  message: string
  fix?: string
  namespace?: string
}

export interface ServiceRow {
  service: string
  inFile: boolean
  /** `enabled` as the values set it; null = the chart's default (enabled). */
  enabled: boolean | null
  /** The pull secrets its pods will get. */
  pullSecrets: string[]
}

export interface ValuesDiagnosis {
  chart: string
  services: ServiceRow[]
  plugins: PluginDecision & { configured: string[] }
  namespaces: Namespaces
  /** The secret names doctor checks: --secret, else every name the values use. */
  secrets: string[]
  findings: Diagnosis[]
}

/**
 * Offline diagnosis of a values file: which services pull with which secrets, whether the
 * plugin route that the supervisor actually reads is configured, and where the Secret must exist.
 */
export function diagnoseValues(data: unknown, chart: ChartInfo, file: string, secret?: string): ValuesDiagnosis {
  const findings: Diagnosis[] = []
  const plugins = decidePlugins(data, chart, 'auto')
  for (const w of plugins.warnings) findings.push({ severity: 'warning', code: 'plugin-version', message: w })

  const services = chart.services.map((service): ServiceRow => {
    const section = dataAt(data, [service])
    const enabled = dataAt(section, ['enabled'])
    const list = dataAt(data, pullSecretPath(service))
    let pullSecrets: string[] = []
    if (list !== undefined && list !== null) {
      const r = parsePullSecretList(list)
      if ('names' in r) pullSecrets = r.names
      else
        findings.push({
          severity: 'error',
          code: 'bad-shape',
          message: `${pullSecretPath(service).join('.')} is ${r.found}; Helm copies it verbatim into the pod spec, which needs a list of {name: <secret>} maps`,
          fix: `write it as [{name: <secret>}] (cfpull patch ${file} --secret <name> reports the exact line)`,
        })
    }
    return {
      service,
      inFile: section !== undefined,
      enabled: typeof enabled === 'boolean' ? enabled : null,
      pullSecrets,
    }
  })

  const used = [...new Set(services.flatMap((s) => s.pullSecrets))]
  const configured = configuredPluginSecrets(data, plugins)
  const secrets = secret ? [secret] : [...new Set([...used, ...configured])]
  const name = secrets[0] ?? '<name>'
  const patchFix = `cfpull patch ${file} --secret ${name} --chart-version ${chart.version}`
  if (secrets.length === 0)
    findings.push({
      severity: 'error',
      code: 'no-secret',
      message: `${file} gives no pod a pull secret`,
      fix: patchFix,
    })

  // Grouped, not one line per service: a file missing the secret everywhere is one problem.
  const lacking = services.filter((row) => row.enabled !== false && secrets.some((s) => !row.pullSecrets.includes(s)))
  const inFile = lacking.filter((row) => row.inFile).map((row) => row.service)
  const absent = lacking.filter((row) => !row.inFile).map((row) => row.service)
  if (secrets.length && inFile.length)
    findings.push({
      severity: 'error',
      code: 'service-missing-secret',
      message: `${list(inFile)} pull${inFile.length === 1 ? 's' : ''} without ${secrets.join(', ')}`,
      fix: patchFix,
    })
  if (secrets.length && absent.length)
    findings.push({
      severity: 'error',
      code: 'service-not-in-file',
      message: `${list(absent)} ${absent.length === 1 ? 'is' : 'are'} not in ${file}: ${absent.length === 1 ? 'its' : 'their'} pods run with the chart defaults and no pull secret`,
      fix: patchFix,
    })
  if (used.length > 1 && !secret)
    findings.push({
      severity: 'warning',
      code: 'several-secrets',
      message: `the services use different pull secrets (${used.join(', ')}): each must exist in every namespace that needs it`,
    })

  // The plugin route: only the one the supervisor version reads counts.
  if (plugins.mechanism === 'registry') {
    if (secrets.length && !secrets.some((s) => configured.includes(s)))
      findings.push({
        severity: 'error',
        code: 'plugins-missing-secret',
        message: `plugin pods get no pull secret: supervisor ${plugins.supervisorVersion ?? '2.x'} reads ${plugins.path!.join('.')}, which is ${configured.length ? `set to ${configured.join(', ')}` : 'not set'}`,
        fix: patchFix,
      })
    const ignored = dataAt(data, [...CONNECTOR_PATH, 'imagePullSecrets'])
    if (ignored !== undefined && ignored !== null)
      findings.push({
        severity: 'warning',
        code: 'connector-ignored',
        message: `${CONNECTOR_PATH.join('.')}.imagePullSecrets is set, but supervisor ${plugins.supervisorVersion ?? '2.x'} ignores it (it reads ${plugins.path!.join('.')})`,
        fix: patchFix,
      })
  } else if (plugins.mechanism === 'connector') {
    const missing = secrets.filter((s) => !configured.includes(s))
    if (secrets.length && missing.length)
      findings.push({
        severity: 'error',
        code: 'plugins-missing-secret',
        message: `plugin pods pull without ${missing.join(', ')}: ${plugins.path!.join('.')} lacks it`,
        fix: patchFix,
      })
  }

  const namespaces = resolveNamespaces(data, chart)
  if (!namespaces.core || !namespaces.supervisor)
    findings.push({
      severity: 'info',
      code: 'release-namespace',
      message: `${!namespaces.core ? 'global.namespace' : 'global.supervisor_namespace'} is not set: those pods go to the Helm release namespace (helm -n)`,
    })
  findings.push({
    severity: 'info',
    code: 'namespaces',
    message: `the Secret${secrets.length > 1 ? 's' : ''} ${secrets.join(', ') || '<name>'} must exist in ${distinctNamespaces(namespaces, '<release namespace>').join(', ')}`,
    fix: `cfpull create-secret --name ${name} --values ${file} --docker-server <registry> --docker-username <user> --password-stdin`,
  })
  return { chart: chart.version, services, plugins: { ...plugins, configured }, namespaces, secrets, findings }
}

function list(names: string[]): string {
  return names.length > 1 ? `${names.length} services (${names.join(', ')})` : names[0]!
}

function configuredPluginSecrets(data: unknown, plugins: PluginDecision): string[] {
  if (!plugins.path) return []
  const v = dataAt(data, plugins.path)
  if (typeof v === 'string') return v ? [v] : []
  const r = v === undefined || v === null ? { names: [] } : parsePullSecretList(v)
  return 'names' in r ? r.names : []
}

/** The registry host of an image reference, as the kubelet resolves it (no host = Docker Hub). */
export function registryOfImage(image: string): string {
  // An unparsable reference cannot be pulled at all; its first part is still the best name to show.
  return registryHostOf(image) ?? image.split('/')[0]!
}

/** A registry key of a docker config (`https://index.docker.io/v1/`, `harbor.example.com:443/x`) as a bare host. */
export function normalizeRegistry(server: string): string {
  const host = (kubeletLocation(server) ?? server).replace(/\/.*$/, '')
  // The kubelet uses an index.docker.io entry for Docker Hub images: show both as docker.io.
  return host === 'index.docker.io' ? 'docker.io' : host
}

/** The registry hosts a `.dockerconfigjson` (base64) holds credentials for; nothing else is read. */
export function registryHostsOfDockerConfig(base64Config: string): string[] {
  try {
    return readPullSecret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': base64Config } }).map(
      (e) => normalizeRegistry(e.location),
    )
  } catch {
    return []
  }
}
