import { isDeepStrictEqual } from 'node:util'
import { CONNECTOR_PATH, pullSecretPath, type ChartInfo } from './charts.js'
import { CfpullError, InternalError, UsageError, ValidationError } from '../errors.js'
import {
  buildInstallModel,
  requiredServices,
  type ChartSource,
  type InstallModel,
  type ModelNotice,
} from './install-model.js'
import type { Namespaces } from './namespaces.js'
import { MANAGED_TYPE_PATH, type PluginDecision, type PluginMode } from './plugins.js'
import { KubernetesConnectorSchema, ServiceSectionSchema, describeShape, secretNameProblem } from '../yaml/schema.js'
import { checkServiceNames } from './service-names.js'
import { spliceTargets } from '../yaml/splice.js'
import { repositoryRoute } from './plugin-registry.js'
import type { SpliceTarget, TargetOutcome } from '../yaml/splice-types.js'
import { codeFrame, dataAt, offsetOf, parseValues, posOf, type ParsedValues } from '../yaml/values.js'

export interface PullSecretOptions {
  /** Secret names, in order; the first is the one registry mode uses. Empty only with `more`. */
  secrets: string[]
  chart: ChartInfo
  /** Where the chart version came from (default `flag`: no hint about the default chart). */
  chartSource?: ChartSource
  plugins?: PluginMode
  /** REGISTRY_INFO key for registry mode; default: the managed plugins' type (MANAGED_REGISTRY_TYPE, else DOCKER_HUB). */
  pluginRegistry?: string
  /** Also set MANAGED_REGISTRY_TYPE to pluginRegistry, so the managed plugins use it. */
  managedRegistry?: boolean
  /** Replace a plugin route secret that names another Secret (default: keep it and say so). */
  replacePluginSecret?: boolean
  /** patch --registry HOST/PATH as given (the model then knows the plugin type's url is being set). */
  registry?: string
  /** Patch only service sections already in the file. */
  onlyPresent?: boolean
  /** Patch only these services. */
  services?: string[]
  /** Leave these services alone. */
  exclude?: string[]
  /** Name used in messages. */
  file?: string
  /**
   * Re-parse the result and check it (data = input + additions, second run a no-op) before
   * returning it. Default true; only a caller that uses nothing but `changed` may turn it off.
   */
  verify?: boolean
  /**
   * Called before the self-check parses the output, once the input's document can be collected:
   * where a caller reports progress or has the memory reclaimed (it is the larger part).
   */
  beforeSelfCheck?: () => void
  /**
   * Plans more targets from the same parse, after the pull-secret ones (patch --registry's image
   * and plugin-registry lines): they go into the one splice and the one self-check.
   */
  more?: (ctx: MoreTargetsContext) => MoreTargets
}

export interface MoreTargetsContext {
  values: ParsedValues
  model: InstallModel
  /** The pull-secret targets already planned (a path is planned once). */
  planned: readonly PlannedTarget[]
}

/** A target with what it is for, as its change is reported. */
export interface PlannedTarget {
  target: SpliceTarget
  kind: PullSecretChange['kind']
  service?: string
  role?: string
}

export interface MoreTargets {
  targets: PlannedTarget[]
  warnings: PullSecretWarning[]
}

/** What happened at one target: the splice outcome, and whether it is a service or the plugins. */
export interface PullSecretChange extends TargetOutcome {
  /** A service's pull secrets, the plugin route's, MANAGED_REGISTRY_TYPE, an image name, or the plugins' registry. */
  kind: 'service' | 'plugins' | 'managed-type' | 'image' | 'plugin-registry'
  /** The service key, for kinds 'service' and 'image'. */
  service?: string
  /** For kind 'image': main, sidecar:<x>, … as in the image table. */
  role?: string
}

export interface PullSecretWarning {
  code: string
  message: string
  line?: number
  /** The model notice behind it (same words as doctor's), when there is one. */
  notice?: ModelNotice
  /** The command that resolves it, as the caller's context prints it. */
  fix?: string
  /** Lines that follow the message (a recipe). */
  detail?: string[]
}

export interface PullSecretResult {
  /** The new text; the input string itself when nothing changes. */
  text: string
  changed: boolean
  changes: PullSecretChange[]
  warnings: PullSecretWarning[]
  plugins: PluginDecision
  namespaces: Namespaces
  /** The install as the input reads, with the options in force (what the targets came from). */
  model: InstallModel
  /**
   * The data Helm reads from `text`: the input's plus exactly the additions. Unless `verify` was
   * off, a parse of `text` was found to be equal to it, so callers need not parse `text` again.
   */
  data: unknown
}

/**
 * Makes every service of the chart version, and the plugins, pull with the given secrets.
 * Splices new lines into `text` (nothing else changes), then checks that the result reads
 * back as the input's data plus exactly the additions, and that a second run is a no-op.
 */
export function addImagePullSecrets(text: string, given: PullSecretOptions): PullSecretResult {
  // The parsed input (its document is the bulk of the memory) lives only inside edit(), so it
  // can be collected before the self-check parses the output: peak memory is one document.
  const { result, targets, secondRun } = edit(text, given)
  if (result.changed && given.verify !== false) {
    given.beforeSelfCheck?.()
    selfCheck(result.data, result.text, targets, given.file ?? '<input>', secondRun)
  }
  return result
}

function edit(
  text: string,
  given: PullSecretOptions,
): { result: PullSecretResult; targets: SpliceTarget[]; secondRun: boolean } {
  // A name given twice is one name: it is written once.
  const options = { ...given, secrets: [...new Set(given.secrets)] }
  const file = options.file ?? '<input>'
  if (options.secrets.length || !options.more) checkSecretNames(options.secrets)
  const values = parseValues(text, file)
  const { data } = values
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data)))
    throw invalid(values, file, [], describeShape(data), 'a map of chart values')

  const warnings: PullSecretWarning[] = []
  checkServiceNames([...(options.services ?? []), ...(options.exclude ?? [])], options.chart)
  // patch --registry moves the managed plugins to the mirror only where the repository version
  // has a managed catalog cfpull can place; only then does it imply --plugin-registry HARBOR
  // --managed-registry (a type whose url is not set would cut the managed plugins off).
  if (options.registry && options.plugins !== 'none' && repositoryRoute(data, options.chart).confKey) {
    options.pluginRegistry ??= 'HARBOR'
    options.managedRegistry = true
  }
  const model = buildInstallModel(
    data,
    { info: options.chart, source: options.chartSource ?? 'flag' },
    {
      secrets: options.secrets,
      plugins: options.plugins ?? 'auto',
      ...(options.pluginRegistry && { pluginRegistry: options.pluginRegistry }),
      ...(options.managedRegistry && { managedRegistry: true }),
      ...(options.replacePluginSecret && { replacePluginSecret: true }),
      ...(options.registry && { registry: options.registry }),
      ...(options.onlyPresent && { onlyPresent: true }),
      ...(options.services && { services: options.services }),
      ...(options.exclude && { exclude: options.exclude }),
    },
  )
  const required = requiredServices(model).map((s) => s.service)
  // --services lists them in the order the user gave.
  const services = options.services ? [...new Set(options.services)].filter((s) => required.includes(s)) : required
  // Every wrong shape is reported at once, in line order, as doctor lists them: the schema's
  // (a section that is not a map) and the splice's (a value on a target's path it cannot hold).
  const wrongShapes: ValidationError[] = []
  const sectionOk = (svc: string) => {
    const e = validate(values, file, [svc], ServiceSectionSchema, "a map of the service's values (or empty)")
    if (e) wrongShapes.push(e)
    return !e
  }
  const connectorError = validate(
    values,
    file,
    [...CONNECTOR_PATH],
    KubernetesConnectorSchema,
    'a map whose namespace is a string',
  )
  if (connectorError) wrongShapes.push(connectorError)
  const servicesOk = services.filter(sectionOk)

  const plugins = model.plugins
  // Info is for the report (patch shows the chart it took on its own line), not a warning.
  for (const notice of model.notices)
    if (notice.severity !== 'info') warnings.push({ code: notice.code, message: notice.message, notice })

  // Without a secret (patch --registry alone) only the `more` targets are written.
  const secretServices = options.secrets.length ? servicesOk : []
  const targets: SpliceTarget[] = secretServices.map((svc) => ({
    path: pullSecretPath(svc),
    leaf: { kind: 'list', names: options.secrets },
  }))
  const kinds: Array<PullSecretChange['kind']> = secretServices.map(() => 'service')
  const owners: Array<Pick<PlannedTarget, 'service' | 'role'>> = secretServices.map((service) => ({ service }))
  if (plugins.path && options.secrets.length) {
    if (plugins.notPresent) {
      // (the model's plugins-not-present notice says so)
    } else if (plugins.mechanism === 'registry') {
      const current = plugins.configured[0]
      const want = options.secrets[0]!
      if (current && current !== want && !options.replacePluginSecret) {
        // The route's secret is the plugins' own: replacing it could cut plugins off a registry.
        const whose = `the plugin route's own secret; plugin pods pull with it, so it must exist in ${model.namespaces.plugins}`
        warnings.push({
          code: 'plugin-secret-kept',
          message: `${plugins.path.join('.')} keeps ${current} (${whose}); pass --replace-plugin-secret to use ${want} there instead`,
        })
      } else {
        if (options.secrets.length > 1)
          warnings.push({
            code: 'plugins',
            message: `the repository takes one plugin pull secret: using ${want} for plugins (${options.secrets.slice(1).join(', ')} not used there)`,
          })
        targets.push({ path: plugins.path, leaf: { kind: 'scalar', value: want } })
        kinds.push('plugins')
        owners.push({})
      }
      if (options.managedRegistry && options.pluginRegistry) {
        targets.push({ path: [...MANAGED_TYPE_PATH], leaf: { kind: 'scalar', value: options.pluginRegistry } })
        kinds.push('managed-type')
        owners.push({})
      }
    } else {
      targets.push({ path: plugins.path, leaf: { kind: 'list', names: options.secrets } })
      kinds.push('plugins')
      owners.push({})
    }
  }
  if (options.more) {
    const planned = targets.map((target, i): PlannedTarget => ({ target, kind: kinds[i]!, ...owners[i] }))
    const more = options.more({ values, model, planned })
    for (const t of more.targets) {
      targets.push(t.target)
      kinds.push(t.kind)
      owners.push({ ...(t.service && { service: t.service }), ...(t.role && { role: t.role }) })
    }
    warnings.push(...more.warnings)
  }

  let result: ReturnType<typeof spliceTargets> | undefined
  try {
    result = spliceTargets(values, targets, file)
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err
    wrongShapes.push(err)
  }
  if (wrongShapes.length || !result) throw ValidationError.inLineOrder(wrongShapes)
  for (const n of result.notices) warnings.push({ code: n.code, message: n.message, line: n.line })
  const changes = result.outcomes.map((o, i): PullSecretChange => {
    // An image name moved to the mirror is what --registry asks for; any other value replaced is news.
    if (o.previous !== undefined && kinds[i] !== 'image')
      warnings.push({
        code: 'replaced',
        message: `${o.path.join('.')} was ${o.previous}; now ${o.names[0]}`,
        line: o.line,
      })
    return { kind: kinds[i]!, ...owners[i], ...o }
  })
  const changed = result.text !== text
  return {
    result: {
      text: changed ? result.text : text,
      changed,
      changes,
      warnings,
      plugins,
      namespaces: model.namespaces,
      model,
      data: changed ? withAdditions(data, targets) : data,
    },
    targets,
    // Where the splicer read Helm's view rather than the plain structure (the last of duplicate
    // keys, a list inherited through <<), the self-check also runs the splice a second time.
    secondRun: result.notices.length > 0,
  }
}

/** Throws a usage error naming the first secret name Kubernetes would reject. */
export function checkSecretNames(names: string[]): void {
  if (names.length === 0) throw new UsageError('no secret name: pass --secret <name>')
  for (const name of names) {
    const problem = secretNameProblem(name)
    if (problem) throw new UsageError(`secret name "${name}" ${problem}`)
  }
}

function validate(
  values: ParsedValues,
  file: string,
  path: string[],
  schema: { safeParse(x: unknown): { success: boolean } },
  expected: string,
): ValidationError | undefined {
  const value = dataAt(values.data, path)
  if (value === undefined || schema.safeParse(value).success) return undefined
  return invalid(values, file, path, describeShape(value), expected)
}

function invalid(values: ParsedValues, file: string, path: string[], found: string, expected: string): ValidationError {
  const pos = posOf(values.lines, offsetOf(values, path))
  return new ValidationError(file, pos, path.join('.') || '(top level)', found, expected, codeFrame(values.text, pos))
}

/**
 * The input's data plus the targets' additions, as Helm will read the output. Only the maps and
 * lists on the targets' paths are copied; everything else is shared with `data`, unchanged.
 */
function withAdditions(data: unknown, targets: SpliceTarget[]): Record<string, unknown> {
  const root = { ...(data as Record<string, unknown> | null) }
  const copies = new Set<object>([root])
  for (const t of targets) {
    let d = root
    for (const key of t.path.slice(0, -1)) {
      const next = d[key]
      const child =
        next && typeof next === 'object' && !Array.isArray(next)
          ? copies.has(next)
            ? (next as Record<string, unknown>)
            : { ...(next as Record<string, unknown>) }
          : {}
      copies.add(child)
      d = d[key] = child
    }
    const leafKey = t.path.at(-1)!
    if (t.leaf.kind === 'scalar') d[leafKey] = t.leaf.value
    else {
      const list = (Array.isArray(d[leafKey]) ? d[leafKey] : []) as Array<{ name: string }>
      d[leafKey] = [...list, ...t.leaf.names.filter((n) => !list.some((x) => x.name === n)).map((name) => ({ name }))]
    }
  }
  return root
}

// The output must read back as exactly the input's data plus the intended additions, and a
// second run must find nothing to do; otherwise the edit is a bug and nothing is written.
// Equal data proves the second run: the splicer leaves a target alone exactly when the data at
// its path already holds the names (or the value), and every node on a path is either one the
// first run walked without objection or one it wrote. Only where the splicer went by Helm's view
// of the document (duplicate keys, merge keys) is the second run done as well.
function selfCheck(expected: unknown, text: string, targets: SpliceTarget[], file: string, secondRun: boolean): void {
  let after: ParsedValues
  try {
    after = parseValues(text, file)
  } catch (err) {
    throw new InternalError(`the patched ${file} no longer parses (${(err as Error).message}); nothing was written`, {
      cause: err,
    })
  }
  if (!isDeepStrictEqual(after.data, expected)) {
    const where = firstDifference(expected, after.data)
    throw new InternalError(
      `self-check failed for ${file}: the patched data differs from the intended change at ${where}; nothing was written`,
    )
  }
  if (!secondRun) return
  let again: string
  try {
    again = spliceTargets(after, targets, file).text
  } catch (err) {
    if (err instanceof CfpullError)
      throw new InternalError(
        `self-check failed for ${file}: a second run fails (${err.message}); nothing was written`,
        { cause: err },
      )
    throw err
  }
  if (again !== text)
    throw new InternalError(`self-check failed for ${file}: a second run would change it again; nothing was written`)
}

function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (isDeepStrictEqual(a, b)) return ''
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      )
      if (d) return d
    }
  }
  return path || '(top level)'
}
