// core/cloudforet/ is what cfpull knows about Cloudforet's umbrella chart and the decisions made
// from it, kept apart from YAML mechanics and from credentials so that one place answers "what
// does this install need". It holds the chart facts per version (chart-table.ts, generated, read
// through charts.ts, or chart-from-values.ts for an unknown chart), service names and defaults,
// namespaces, the plugin route, the install model below that every command reads, and the patch
// built from it (image-pull-secrets.ts). It imports only yaml/ and ../errors.ts: never
// credentials/, images/ or the top-level core files, which all build on it.

// One model of the install: which services, plugin route, secret names and namespaces a values
// file (plus the chart and the options in force) amounts to. patch computes its edits from it,
// doctor reports it, apply checks against it and create-secret --values takes its namespaces
// from it, so no two commands can disagree about the same file.
import {
  CONNECTOR_PATH,
  LATEST_CHART_VERSION,
  anyChartServices,
  chartForSupervisor,
  chartInfo,
  newestChartWith,
  pullSecretPath,
  type ChartInfo,
} from './charts.js'
import { dataAt } from '../yaml/data-path.js'
import { resolveNamespaces, type Namespaces } from './namespaces.js'
import {
  DEFAULT_REGISTRY_PATH,
  MANAGED_TYPE_PATH,
  REGISTRY_BASE,
  REGISTRY_TYPES,
  decidePlugins,
  effectiveRegistryUrl,
  majorOf,
  registryInfoPath,
  type PluginDecision,
  type PluginMode,
} from './plugins.js'
import { parsePullSecretList } from '../yaml/schema.js'

export type Severity = 'error' | 'warning' | 'info'

/**
 * Where the chart version came from (`evidence`: the values' own supervisor image or services;
 * `manifest`: a HelmRelease's or Application's chart version).
 */
export type ChartSource = 'flag' | 'release' | 'chart-values' | 'evidence' | 'default' | 'manifest'

/** The chart a command works against, and why that one. */
export interface ChartChoice {
  info: ChartInfo
  source: ChartSource
  /** For `chart-values`: the file the chart facts were read from. */
  valuesFile?: string
  /** For `evidence`: what in the values points to it (`supervisor.image.version 1.12.0`). */
  evidence?: string
}

/** The options that change what the install is taken to be (the same flags on every command). */
export interface InstallOptions {
  /** Secret names given on the command line (patch writes them, doctor checks for them). */
  secrets?: string[]
  plugins?: PluginMode
  /** The REGISTRY_INFO type to put the plugin secret under (default: the managed plugins' type). */
  pluginRegistry?: string
  /** Also make the managed plugins use --plugin-registry (sets MANAGED_REGISTRY_TYPE). */
  managedRegistry?: boolean
  /** Replace a plugin route secret that names another Secret (default: keep it). */
  replacePluginSecret?: boolean
  onlyPresent?: boolean
  services?: string[]
  exclude?: string[]
  /** patch --registry HOST/PATH, as given: images and the managed plugins' registry move to that mirror. */
  registry?: string
  /** With --registry: also move images that are on another private registry. */
  replaceRegistry?: boolean
}

/** Why a service is not required to carry the secret. */
export type SkipReason = 'disabled' | 'excluded' | 'not-selected' | 'not-in-file'

export interface ServiceState {
  service: string
  /** Where its pods read their pull secrets. */
  path: string[]
  inFile: boolean
  /** `enabled` as the values set it; null = the chart's default. */
  enabled: boolean | null
  /** Set when no command requires (or patch writes) its secret, and why. */
  skipped?: SkipReason
  /** The pull secrets its pods get. */
  pullSecrets: string[]
  /** When the list is not a list of {name} maps: what it is instead. */
  badShape?: string
}

export interface PluginRoute extends PluginDecision {
  /** The secrets the route in use gives plugin pods now. */
  configured: string[]
  /** Every REGISTRY_INFO.<type>.image_pull_secrets that names a secret. */
  registrySecrets: Array<{ type: string; secret: string }>
  /** DEFAULT_REGISTRY as the values set it (read by nothing; reported once). */
  defaultRegistry?: string
  /** --only-present and the route's top section is absent: left unset, required by no command. */
  notPresent?: boolean
}

/** A fact about the install worth a line, with the same words and severity in every command. */
export interface ModelNotice {
  code: string
  severity: Severity
  message: string
  /** The change that resolves it, for the fix builder. */
  fix?: FixIntent
}

/** What a printed fix must do; src/core/fix-command.ts turns it into the command line. */
export type FixIntent = { kind: 'patch'; with?: Partial<InstallOptions> & { chartVersion?: string } }

/** The names a Secret must exist under, namespace by namespace (null = the Helm release namespace). */
export interface SecretNeed {
  name: string
  /** Why: pulled by services, by plugin pods, or both. */
  for: Array<'services' | 'plugins'>
  namespaces: Array<string | null>
}

export interface InstallModel {
  chart: ChartChoice
  /** The options it was built with. */
  options: InstallOptions
  services: ServiceState[]
  plugins: PluginRoute
  namespaces: Namespaces
  /** The names the services must pull with: --secret, else every name a service uses. */
  serviceSecrets: string[]
  /** The names plugin pods pull with (or, before the route is set, would after patch). */
  pluginSecrets: string[]
  needs: SecretNeed[]
  notices: ModelNotice[]
}

/**
 * Builds the install model from the values data, the chart and the options in force. With no
 * chart version given, the chart is the one the values point to (chartFromEvidence), so every
 * command and every fix line works against the same one.
 */
export function buildInstallModel(data: unknown, given: ChartChoice, options: InstallOptions = {}): InstallModel {
  const notices: ModelNotice[] = []
  const chart = chartFromEvidence(data, given)
  const info = chart.info
  const exclude = new Set(options.exclude ?? [])
  const only = options.services ? new Set(options.services) : undefined
  const services = info.services.map((service): ServiceState => {
    const section = dataAt(data, [service])
    const enabled = dataAt(section, ['enabled'])
    const path = pullSecretPath(service)
    const list = dataAt(data, path)
    let pullSecrets: string[] = []
    let badShape: string | undefined
    if (list !== undefined && list !== null) {
      const r = parsePullSecretList(list)
      if ('names' in r) pullSecrets = r.names
      else badShape = r.found
    }
    const inFile = section !== undefined
    const skipped: SkipReason | undefined =
      enabled === false
        ? 'disabled'
        : exclude.has(service)
          ? 'excluded'
          : only && !only.has(service)
            ? 'not-selected'
            : options.onlyPresent && !inFile
              ? 'not-in-file'
              : undefined
    return {
      service,
      path,
      inFile,
      enabled: typeof enabled === 'boolean' ? enabled : null,
      pullSecrets,
      ...(skipped && { skipped }),
      ...(badShape !== undefined && { badShape }),
    }
  })

  const mode = options.plugins ?? 'auto'
  const decision = decidePlugins(data, info, mode, options.pluginRegistry)
  for (const w of decision.warnings) notices.push({ code: 'plugin-version', severity: 'warning', message: w })
  const registrySecrets = REGISTRY_TYPES.flatMap((type): PluginRoute['registrySecrets'] => {
    const v = dataAt(data, registryInfoPath(type, 'image_pull_secrets'))
    return typeof v === 'string' && v ? [{ type, secret: v }] : []
  })
  // Types the values add beyond the known five still name secrets the repository hands out.
  const info_ = dataAt(data, [...REGISTRY_BASE, 'REGISTRY_INFO'])
  if (info_ && typeof info_ === 'object' && !Array.isArray(info_))
    for (const type of Object.keys(info_))
      if (!(REGISTRY_TYPES as readonly string[]).includes(type)) {
        const v = dataAt(info_, [type, 'image_pull_secrets'])
        if (typeof v === 'string' && v) registrySecrets.push({ type, secret: v })
      }
  const rawDefault = dataAt(data, DEFAULT_REGISTRY_PATH)
  const defaultRegistry =
    rawDefault === undefined ? undefined : typeof rawDefault === 'string' ? rawDefault : JSON.stringify(rawDefault)
  const plugins: PluginRoute = {
    ...decision,
    configured: configuredSecrets(data, decision.path),
    registrySecrets,
    ...(defaultRegistry !== undefined && { defaultRegistry: defaultRegistry }),
  }
  if (defaultRegistry !== undefined) {
    const managedAfter =
      options.managedRegistry && options.pluginRegistry ? options.pluginRegistry : plugins.managedType
    const here = plugins.managedType ? ` (here ${managedAfter})` : ''
    const unread = `${DEFAULT_REGISTRY_PATH.join('.')} is set (${defaultRegistry}), but no Cloudforet code has read it since 2023-06-28`
    notices.push({
      code: 'default-registry-ignored',
      severity: 'warning',
      message: `${unread}: the managed plugins use ${MANAGED_TYPE_PATH.join('.')}${here}`,
    })
  }
  routeNotices(data, plugins, info, mode, options, notices)
  // --only-present adds no section, so a plugin route under an absent one stays unset: every
  // command says so alike, and none requires it.
  if (options.onlyPresent && plugins.path && dataAt(data, [plugins.path[0]!]) === undefined) {
    plugins.notPresent = true
    notices.push({
      code: 'plugins-not-present',
      severity: 'warning',
      message: `--only-present: the file has no ${plugins.path[0]} section, so the plugin pull secret (${plugins.path.join('.')}) is not set`,
    })
  }

  const namespaces = resolveNamespaces(data, info)
  const used = [...new Set(services.flatMap((s) => s.pullSecrets))]
  const serviceSecrets = options.secrets?.length ? [...options.secrets] : used
  // Where Secrets are needed is the install's business, not patch's: a forced --plugins mode
  // changes what patch writes, never which route the supervisor really takes.
  const actual: PluginRoute =
    mode === 'auto'
      ? plugins
      : (() => {
          const d = decidePlugins(data, info, 'auto')
          return { ...d, configured: configuredSecrets(data, d.path), registrySecrets }
        })()
  const pluginSecrets = pluginSecretsOf(actual, serviceSecrets)
  const needs: SecretNeed[] = []
  const need = (name: string, why: 'services' | 'plugins', ns: Array<string | null>) => {
    let n = needs.find((x) => x.name === name)
    if (!n) needs.push((n = { name, for: [], namespaces: [] }))
    if (!n.for.includes(why)) n.for.push(why)
    for (const x of ns) if (!n.namespaces.includes(x)) n.namespaces.push(x)
  }
  for (const name of serviceSecrets) need(name, 'services', [namespaces.core, namespaces.supervisor])
  for (const name of pluginSecrets) need(name, 'plugins', [namespaces.plugins])

  const model: InstallModel = {
    chart,
    options,
    services,
    plugins,
    namespaces,
    serviceSecrets,
    pluginSecrets,
    needs,
    notices,
  }
  if (chart.source === 'evidence')
    notices.push({
      code: 'chart-from-values',
      severity: 'info',
      message: `no chart version was given: chart ${info.version} applies, the one ${chart.evidence} points to (--chart-version chooses another)`,
    })
  return model
}

/**
 * The chart the values themselves point to when no chart version was given: a 1.x
 * supervisor.image.version is the newest chart of its line (a 2.x one fits the default chart:
 * 1.12.13 and 1.12.15 already shipped 2.0.dev supervisors); else services only older charts
 * have (1.10's billing, say) are the newest chart that has them all. Any other choice stands.
 */
export function chartFromEvidence(data: unknown, chart: ChartChoice): ChartChoice {
  if (chart.source !== 'default') return chart
  const tag = dataAt(data, ['supervisor', 'image', 'version'])
  if (typeof tag === 'string' || typeof tag === 'number') {
    const version = String(tag)
    const major = majorOf(version)
    if (major !== undefined && major >= 2) return chart
    const line = major === undefined ? undefined : chartForSupervisor(version)
    if (line && line !== chart.info.version)
      return { info: chartInfo(line), source: 'evidence', evidence: `supervisor.image.version ${version}` }
  }
  const known = anyChartServices()
  const keys =
    data && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data).filter((k) => known.has(k)) : []
  const older = keys.filter((k) => !chart.info.services.includes(k))
  const fit = older.length ? newestChartWith(keys) : undefined
  if (!fit) return chart
  const which = `${older.length === 1 ? 'service' : 'services'} ${older.join(', ')}`
  return {
    info: chartInfo(fit),
    source: 'evidence',
    evidence: `the values' ${which} (not in chart ${chart.info.version})`,
  }
}

/** The namespaces a Secret must exist in, the release namespace standing in for unset ones. */
export function namespacesFor(model: InstallModel, name: string, releaseNamespace?: string): string[] {
  const n = model.needs.find((x) => x.name === name)
  const raw: Array<string | null> = n
    ? n.namespaces
    : [model.namespaces.core, model.namespaces.supervisor, model.namespaces.plugins]
  return [...new Set(raw.map((x) => x ?? releaseNamespace).filter((x): x is string => !!x))]
}

/** Every (secret, namespace) pair the install needs, with the release namespace for unset ones. */
export function secretPlacements(
  model: InstallModel,
  releaseNamespace: string,
): Array<{ name: string; namespace: string }> {
  return model.needs.flatMap((n) =>
    namespacesFor(model, n.name, releaseNamespace).map((namespace) => ({ name: n.name, namespace })),
  )
}

/**
 * Whether the plugin route needs nothing more: set, or deliberately elsewhere (a secret under
 * another REGISTRY_INFO type is the user's choice, reported as a warning, not a gap).
 */
export function pluginRouteSatisfied(model: InstallModel): boolean {
  const p = model.plugins
  if (p.mechanism === 'none' || p.notPresent || p.configured.length > 0) return true
  return p.mechanism === 'registry' && p.registrySecrets.length > 0
}

/** The services every command requires to carry the secret (enabled, not narrowed away). */
export function requiredServices(model: InstallModel): ServiceState[] {
  return model.services.filter((s) => !s.skipped)
}

function configuredSecrets(data: unknown, path: string[] | undefined): string[] {
  if (!path) return []
  const v = dataAt(data, path)
  if (typeof v === 'string') return v ? [v] : []
  const r = v === undefined || v === null ? { names: [] } : parsePullSecretList(v)
  return 'names' in r ? r.names : []
}

function pluginSecretsOf(plugins: PluginRoute, serviceSecrets: string[]): string[] {
  if (plugins.mechanism === 'none') return []
  const named =
    plugins.mechanism === 'registry'
      ? [...new Set([...plugins.configured, ...plugins.registrySecrets.map((r) => r.secret)])]
      : plugins.configured
  if (named.length) return named
  // Not set yet: what patch would put there.
  return plugins.mechanism === 'registry' ? serviceSecrets.slice(0, 1) : serviceSecrets
}

/** "the managed plugins use registry type X (where X comes from)" */
export function managedTypeClause(plugins: PluginRoute): string {
  const path = MANAGED_TYPE_PATH.join('.')
  const source = plugins.managedTypeSource === 'values' ? path : `${path} is not set`
  return `the managed plugins use registry type ${plugins.managedType ?? 'DOCKER_HUB'} (${source})`
}

/** The sentence for a plugin secret set under a type the managed plugins do not use. */
export function otherTypeMessage(type: string, plugins: PluginRoute): string {
  const secretPath = registryInfoPath(type, 'image_pull_secrets').join('.')
  return `${managedTypeClause(plugins)}, so they do not get the secret in ${secretPath}: only plugins registered with registry type ${type} do`
}

// How the notices about a key the supervisor does not read end.
const NO_SECRET_FROM_IT = 'plugin pods do not get a pull secret from it'

function routeNotices(
  data: unknown,
  plugins: PluginRoute,
  chart: ChartInfo,
  mode: PluginMode,
  options: InstallOptions,
  notices: ModelNotice[],
): void {
  if (plugins.supervisorTooOld) {
    const orServiceAccount = `or the secret is added to the default ServiceAccount of ${resolveNamespaces(data, chart).plugins}`
    notices.push({
      code: 'supervisor-too-old',
      severity: 'warning',
      message: `${plugins.reason}: plugin pods pull without a secret until the supervisor is 1.10.4.2 or newer (${orServiceAccount})`,
    })
  }
  // A mechanism forced against the detected supervisor writes a key that supervisor ignores.
  if (mode === 'connector' || mode === 'registry') {
    const auto = decidePlugins(data, chart, 'auto', options.pluginRegistry)
    if (auto.mechanism !== mode && auto.supervisorVersion) {
      const reads = auto.path ? ` (it reads ${auto.path.join('.')})` : ''
      notices.push({
        code: 'ignored-key',
        severity: 'warning',
        message: `supervisor ${auto.supervisorVersion} ignores ${plugins.path!.join('.')}${reads}: ${NO_SECRET_FROM_IT}`,
        fix: { kind: 'patch', with: { plugins: 'auto' } },
      })
    }
  }
  if (plugins.mechanism === 'registry') {
    const type = plugins.registryType!
    if (!(REGISTRY_TYPES as readonly string[]).includes(type))
      notices.push({
        code: 'unknown-registry-type',
        severity: 'warning',
        message: `registry type ${type} is not one the repository service knows (${REGISTRY_TYPES.join(', ')})`,
      })
    const managed = plugins.managedType!
    // After `patch --plugin-registry T --managed-registry` the managed type is T: nothing to say.
    const managedAfter = options.pluginRegistry && options.managedRegistry ? options.pluginRegistry : managed
    if (options.pluginRegistry && options.pluginRegistry !== managedAfter)
      notices.push({
        code: 'plugin-route-other-type',
        severity: 'warning',
        message: otherTypeMessage(options.pluginRegistry, plugins),
        fix: { kind: 'patch', with: { pluginRegistry: options.pluginRegistry, managedRegistry: true } },
      })
    else if (!options.pluginRegistry && plugins.configured.length === 0)
      for (const r of plugins.registrySecrets)
        if (r.type !== managed)
          notices.push({
            code: 'plugin-route-other-type',
            severity: 'warning',
            message: otherTypeMessage(r.type, plugins),
            fix: { kind: 'patch', with: { pluginRegistry: r.type, managedRegistry: true } },
          })
    // Every type in play: the route's, the managed plugins', and any that names a secret.
    for (const t of new Set([type, managedAfter, ...plugins.registrySecrets.map((r) => r.type)]))
      // patch --registry writes the url of the type it routes the plugins to.
      if (effectiveRegistryUrl(data, t) === '' && !(options.registry && t === options.pluginRegistry)) {
        const url = registryInfoPath(t, 'url')
        const byDefault = dataAt(data, url) === undefined ? ' (the repository default)' : ''
        notices.push({
          code: 'registry-url-empty',
          severity: 'warning',
          message: `${url.join('.')} is empty${byDefault}: no plugin can use registry type ${t} until it is set to the registry host`,
        })
      }
    const ignored = dataAt(data, [...CONNECTOR_PATH, 'imagePullSecrets'])
    if (mode === 'auto' && ignored !== undefined && ignored !== null) {
      const supervisor = `supervisor ${plugins.supervisorVersion ?? '2.x'}`
      const reads = `(it reads ${plugins.path!.join('.')})`
      notices.push({
        code: 'connector-ignored',
        severity: 'warning',
        message: `${supervisor} ignores ${CONNECTOR_PATH.join('.')}.imagePullSecrets ${reads}: ${NO_SECRET_FROM_IT}`,
      })
    }
  }
}

/** The chart choice for a command's flags: --chart-values, --chart-version, the deployed release, else the default. */
export function chooseChart(o: {
  version?: string
  fromRelease?: string
  valuesInfo?: ChartInfo
  valuesFile?: string
}): ChartChoice {
  if (o.valuesInfo)
    return { info: o.valuesInfo, source: 'chart-values', ...(o.valuesFile && { valuesFile: o.valuesFile }) }
  if (o.version) return { info: chartInfo(o.version), source: 'flag' }
  if (o.fromRelease) return { info: chartInfo(o.fromRelease), source: 'release' }
  return { info: chartInfo(LATEST_CHART_VERSION), source: 'default' }
}
