import { fixForIntent, createSecretCommand, patchCommand, type FixContext } from './fix-command.js'
import {
  buildInstallModel,
  namespacesFor,
  managedTypeClause,
  requiredServices,
  type ChartChoice,
  type InstallModel,
  type PluginRoute,
  type SecretNeed,
  type ServiceState,
  type Severity,
} from './cloudforet/install-model.js'
import type { Namespaces } from './cloudforet/namespaces.js'
import { registryHostOf } from './credentials/image-ref.js'
import { kubeletLocation, readPullSecret } from './credentials/docker-config.js'

export type { Severity } from './cloudforet/install-model.js'

/** One thing doctor says: what is wrong (or worth knowing), where, and the one-line fix. */
export interface Diagnosis {
  severity: Severity
  /** Stable identifier for scripts reading --json. */
  code: string
  message: string
  fix?: string
  namespace?: string
}

export type ServiceRow = Omit<ServiceState, 'path' | 'badShape'>

export interface ValuesDiagnosis {
  chart: string
  chartSource: ChartChoice['source']
  /** For chartSource `evidence`: what in the values points to the chart. */
  chartEvidence?: string
  services: ServiceRow[]
  plugins: PluginRoute
  namespaces: Namespaces
  /** The secret names the services must pull with: --secret, else every name the values use. */
  secrets: string[]
  /** The names plugin pods pull with. */
  pluginSecrets: string[]
  needs: SecretNeed[]
  findings: Diagnosis[]
  model: InstallModel
}

/**
 * Offline diagnosis of a values file, read off the install model: which services pull with
 * which secrets, whether the plugin route the supervisor actually reads is set, and where each
 * Secret must exist. `ctx` is the options in force (files[0] is the values file), so every fix
 * printed reproduces them.
 */
export function diagnoseValues(data: unknown, chart: ChartChoice, ctx: FixContext): ValuesDiagnosis {
  const file = ctx.files[0]!
  const model = buildInstallModel(data, chart, ctx)
  const findings: Diagnosis[] = []
  const secrets = model.serviceSecrets
  // The chart the model took (the values' evidence, when none was given) is every fix line's.
  const fixCtx: FixContext = {
    ...ctx,
    secrets,
    chart: { ...ctx.chart, version: model.chart.info.version, source: model.chart.source },
  }
  const patchFix = patchCommand(fixCtx)

  for (const row of model.services)
    if (row.badShape !== undefined)
      findings.push({
        severity: 'error',
        code: 'bad-shape',
        message: `${row.path.join('.')} is ${row.badShape}; Helm copies it verbatim into the pod spec, which needs a list of {name: <secret>} maps`,
        fix: `write it as [{name: <secret>}] (${patchCommand({ ...fixCtx, secrets: secrets.length ? secrets : ['<name>'] })} reports the exact line)`,
      })
  if (secrets.length === 0)
    findings.push({
      severity: 'error',
      code: 'no-secret',
      message: `${file} gives no pod a pull secret`,
      fix: patchFix,
    })

  // Grouped, not one line per service: a file missing the secret everywhere is one problem.
  const lacking = requiredServices(model).filter((row) => secrets.some((s) => !row.pullSecrets.includes(s)))
  const inFile = lacking.filter((row) => row.inFile).map((row) => row.service)
  const absent = lacking.filter((row) => !row.inFile).map((row) => row.service)
  if (secrets.length && inFile.length)
    findings.push({
      severity: 'error',
      code: 'service-missing-secret',
      message: `${list(inFile)} pull${inFile.length === 1 ? 's' : ''} without ${secrets.join(', ')}`,
      fix: patchFix,
    })
  if (secrets.length && absent.length) {
    const one = absent.length === 1
    findings.push({
      severity: 'error',
      code: 'service-not-in-file',
      message: `${list(absent)} ${one ? 'is' : 'are'} not in ${file}: ${one ? 'its' : 'their'} pods run with the chart defaults and no pull secret`,
      fix: patchFix,
    })
  }
  const used = [...new Set(model.services.flatMap((s) => s.pullSecrets))]
  if (used.length > 1 && !ctx.secrets?.length)
    findings.push({
      severity: 'warning',
      code: 'several-secrets',
      message: `the services use different pull secrets (${used.join(', ')}): each must exist in every namespace that needs it`,
    })

  // The plugin route: only the one the supervisor version reads counts.
  const p = model.plugins
  if (p.notPresent) {
    // --only-present leaves it unset: the model's notice says so, as a warning.
  } else if (p.mechanism === 'registry' && p.configured.length === 0 && !p.registrySecrets.length) {
    const givenBy = `supervisor ${p.supervisorVersion ?? '2.x'} gives them the secret in ${p.path!.join('.')}`
    findings.push({
      severity: 'error',
      code: 'plugins-missing-secret',
      message: `plugin pods get no pull secret: ${managedTypeClause(p)}, and ${givenBy}, which is not set`,
      fix: patchFix,
    })
  } else if (p.mechanism === 'connector' && p.configured.length === 0)
    findings.push({
      severity: 'error',
      code: 'plugins-missing-secret',
      message: `plugin pods get no pull secret: supervisor ${p.supervisorVersion ?? '1.x'} copies ${p.path!.join('.')}, which is not set`,
      fix: patchFix,
    })
  for (const n of model.notices)
    findings.push({
      severity: n.severity,
      code: n.code,
      message: n.message,
      ...(n.fix && { fix: fixForIntent(fixCtx, n.fix) }),
    })

  const namespaces = model.namespaces
  if (!namespaces.core || !namespaces.supervisor)
    findings.push({
      severity: 'info',
      code: 'release-namespace',
      message: `${!namespaces.core ? 'global.namespace' : 'global.supervisor_namespace'} is not set: those pods go to the Helm release namespace (helm -n)`,
    })
  const release = ctx.releaseNamespace ?? '<release namespace>'
  const needs = model.needs.length ? model.needs : [{ name: '<name>', for: [], namespaces: [] }]
  for (const need of needs) {
    const where = namespacesFor(model, need.name, release).join(', ')
    const pulledBy =
      need.for.length === 1 ? ` (pulled by ${need.for[0] === 'plugins' ? 'plugin pods' : 'the services'})` : ''
    findings.push({
      severity: 'info',
      code: 'namespaces',
      message: `the Secret ${need.name} must exist in ${where}${pulledBy}`,
      fix: createSecretCommand(fixCtx, need.name, { values: file, model }),
    })
  }
  return {
    chart: model.chart.info.version,
    chartSource: model.chart.source,
    ...(model.chart.evidence && { chartEvidence: model.chart.evidence }),
    services: model.services.map(({ path: _p, badShape: _b, ...row }) => row),
    plugins: p,
    namespaces,
    secrets,
    pluginSecrets: model.pluginSecrets,
    needs: model.needs,
    findings,
    model,
  }
}

function list(names: string[]): string {
  return names.length > 1 ? `${names.length} services (${names.join(', ')})` : names[0]!
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

/** The Secret types the kubelet reads registry credentials from. */
export const PULL_SECRET_TYPES: readonly string[] = ['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg']

/**
 * The registry hosts a pull Secret's data holds credentials for; nothing else is read.
 * `.dockerconfigjson` wraps them in `auths`; the legacy `.dockercfg` is the bare map.
 */
export function registryHostsOfDockerConfig(base64Config: string, legacy = false): string[] {
  try {
    const type = legacy ? 'kubernetes.io/dockercfg' : 'kubernetes.io/dockerconfigjson'
    const field = legacy ? '.dockercfg' : '.dockerconfigjson'
    return readPullSecret({ type, data: { [field]: base64Config } }).map((e) => normalizeRegistry(e.location))
  } catch {
    return []
  }
}
