import { readText } from '../adapters/files.js'
import { helmRelease, helmTemplate, helmTemplateArgs } from '../adapters/helm.js'
import { kubectlJson, type KubeTarget } from '../adapters/kubectl.js'
import { RegistryClient } from '../adapters/registry.js'
import { toolBinary, type Runner } from '../adapters/run.js'
import { PLUGIN_LABEL } from '../core/apply-plan.js'
import { chartImages } from '../core/cloudforet/chart-images.js'
import { LATEST_CHART_VERSION, chartInfo } from '../core/cloudforet/charts.js'
import { resolveNamespaces } from '../core/cloudforet/namespaces.js'
import { managedPluginReference, managedPluginRoute } from '../core/cloudforet/plugin-images.js'
import { UsageError } from '../core/errors.js'
import {
  buildInventory,
  type ClusterWorkload,
  type Inventory,
  type PluginImagesMode,
  type RenderedInput,
} from '../core/images/inventory.js'
import { parseMirrorTarget, type MirrorTarget } from '../core/images/mirror-name.js'
import { newestVersionTags } from '../core/images/plugin-tags.js'
import { renderedImages } from '../core/images/rendered-images.js'
import { mapLimit } from '../core/map-limit.js'
import { parseValues } from '../core/yaml/values.js'

/** The flags that choose which images an install runs; `cfpull mirror` takes the same ones. */
export interface InventoryOptions {
  /** `-f`: the values file; without one, a default install of the chart version. */
  values?: string
  chartVersion?: string
  /** `--chart`: render this chart with `helm template` (the ground truth for the chart's images). */
  chart?: string
  /** `--cluster`: also what runs now, plugin Deployments included. */
  cluster: boolean
  namespace: string
  release: string
  /** Default `managed`, and `all` with --cluster. */
  pluginImages?: PluginImagesMode
  /** Read each managed plugin's tags from its registry and keep the newest N versions. */
  pluginTags?: number
  /** PEM file of a private CA the plugins' registry uses (for --plugin-tags). */
  registryCa?: string
  /** `HOST/PATH`: give each image its mirror name. */
  registry?: string
  context?: string
  kubeconfig?: string
}

export interface InventoryDeps {
  run: Runner
  env: Record<string, string | undefined>
  /** Per registry request when reading plugin tags. */
  timeoutMs?: number
  /**
   * The client that reads a plugin registry's tag list. Default: an anonymous one (the plugins'
   * source is public); mirror passes one with the source credentials and CA.
   */
  tagClient?: (host: string) => RegistryClient
}

/** One managed plugin's tag list as the registry answered (`--plugin-tags`). */
export interface PluginTagRead {
  /** The reference without a tag, as the repository version builds it. */
  base: string
  /** The tag list, when the registry gave one. */
  tags?: string[]
  /** The HTTP status of a refusal (401, 403, 404, …); absent when the registry could not be reached. */
  status?: number
  /** The registry's error codes with that status (UNAUTHORIZED, NAME_UNKNOWN, DENIED). */
  codes?: string[]
  /** Why there is no list: the status with the registry's error codes, or the network error. */
  reason?: string
}

export interface ImagesResult {
  inventory: Inventory
  chart: { version: string; source: 'flag' | 'release' | 'default' }
  values?: string
  target?: MirrorTarget
  pluginImages: PluginImagesMode
  /** With --plugin-tags: each managed plugin's tag list, or why it could not be read. */
  pluginTagReads?: PluginTagRead[]
}

/**
 * Gathers the inventory from the flags: reads the values, renders the chart or asks the cluster
 * when told to, reads plugin tags from their registry when asked. Nothing is written anywhere.
 */
export async function gatherInventory(opts: InventoryOptions, deps: InventoryDeps): Promise<ImagesResult> {
  const target = opts.registry !== undefined ? parseMirrorTarget(opts.registry) : undefined
  const pluginImages = opts.pluginImages ?? (opts.cluster ? 'all' : 'managed')
  if ((pluginImages === 'cluster' || pluginImages === 'all') && !opts.cluster)
    throw new UsageError(`--plugin-images ${pluginImages} reads the running plugins: add --cluster`)
  if (opts.pluginTags !== undefined && (!Number.isInteger(opts.pluginTags) || opts.pluginTags < 1))
    throw new UsageError(`--plugin-tags takes a whole number of tags, 1 or more (got ${opts.pluginTags})`)
  if (opts.registryCa !== undefined && opts.pluginTags === undefined)
    throw new UsageError('--registry-ca is for reading plugin tags: it needs --plugin-tags')
  if (opts.pluginTags !== undefined && (pluginImages === 'none' || pluginImages === 'cluster'))
    throw new UsageError(
      `--plugin-tags reads the managed plugins' tags, which --plugin-images ${pluginImages} leaves out`,
    )

  const data = opts.values !== undefined ? parseValues(await readText(opts.values), opts.values).data : {}
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    bin: toolBinary('kubectl', deps.env),
  }

  // The chart version: the flag, else the deployed release's (with --cluster), else the newest.
  let version = opts.chartVersion
  let source: ImagesResult['chart']['source'] = version ? 'flag' : 'default'
  if (!version && opts.cluster) {
    const release = await helmRelease(deps.run, toolBinary('helm', deps.env), t, opts.namespace, opts.release)
    const deployed = release ? /^spaceone-(.+)$/.exec(release.chart)?.[1] : undefined
    if (deployed) {
      version = deployed
      source = 'release'
    }
  }
  const info = chartInfo(version ?? LATEST_CHART_VERSION)
  const chart = chartImages(info.version)
  const ns = resolveNamespaces(data, info)
  const namespaces = {
    core: ns.core ?? opts.namespace,
    supervisor: ns.supervisor ?? opts.namespace,
    plugins: ns.plugins,
  }

  let rendered: RenderedInput[] | undefined
  if (opts.chart) {
    // Without -f the chart renders with its own defaults: a default install.
    const args =
      opts.values !== undefined
        ? helmTemplateArgs({
            release: opts.release,
            chart: opts.chart,
            namespace: opts.namespace,
            valuesFile: opts.values,
            ...(opts.chartVersion && { version: opts.chartVersion }),
          })
        : [
            'template',
            opts.release,
            opts.chart,
            '-n',
            opts.namespace,
            ...(opts.chartVersion ? ['--version', opts.chartVersion] : []),
          ]
    const out = await helmTemplate(deps.run, toolBinary('helm', deps.env), args, `helm template ${opts.chart}`)
    const r = renderedImages(out, opts.namespace)
    if (r.unreadable.length)
      throw new UsageError(
        `helm template ${opts.chart} printed ${r.unreadable.length} document(s) that are not YAML (${r.unreadable[0]!.reason}): the list of images would be incomplete`,
      )
    rendered = r.workloads
  }

  let cluster: ClusterWorkload[] | undefined
  if (opts.cluster) {
    cluster = []
    for (const n of [...new Set([namespaces.core, namespaces.supervisor])]) {
      // Where the plugins share a namespace with the supervisor (or the core), the plugin query
      // below lists them: listed here too they would merge as services, and lose the rules for
      // plugins (a tag that is not a version is never mirrored).
      const core = workloadsOf(await listDeployments(deps.run, t, n, []), n, 'core', n === namespaces.plugins)
      cluster.push(...core)
    }
    const plugins = await listDeployments(deps.run, t, namespaces.plugins, ['-l', PLUGIN_LABEL])
    cluster.push(...workloadsOf(plugins, namespaces.plugins, 'plugin'))
  }

  const route = managedPluginRoute(data, chart.repositoryImage)
  const warnings: string[] = []
  let pluginTags: Map<string, string[]> | undefined
  let pluginTagReads: PluginTagRead[] | undefined
  if (opts.pluginTags !== undefined && route.route) {
    const r = route.route
    const bases = r.plugins.flatMap((p) => managedPluginReference(r, p.image) ?? [])
    pluginTags = new Map()
    const ca = opts.registryCa !== undefined ? [await readText(opts.registryCa)] : undefined
    const clients = new Map<string, RegistryClient>()
    const found = await mapLimit(bases, 4, async (base) => {
      const slash = base.indexOf('/')
      const host = base.slice(0, slash)
      const repository = base.slice(slash + 1)
      let client = deps.tagClient?.(host) ?? clients.get(host)
      if (!client) {
        client = new RegistryClient(host, {
          env: deps.env,
          ...(ca && { ca }),
          ...(deps.timeoutMs && { timeoutMs: deps.timeoutMs }),
        })
        clients.set(host, client)
      }
      return { base, ...(await readTags(client, host, repository)) }
    })
    pluginTagReads = found
    for (const f of found) {
      if (f.tags) {
        const chosen = newestVersionTags(f.tags, opts.pluginTags)
        if (chosen.length) pluginTags.set(f.base, chosen)
        else warnings.push(`${f.base}: none of its ${f.tags.length} tags is a version, so none is listed`)
      } else warnings.push(`could not read the tags of ${f.base}: ${f.reason}`)
    }
  }

  const inventory = buildInventory({
    chart,
    data,
    namespaces,
    ...(rendered && { rendered }),
    ...(cluster && { cluster }),
    pluginImages,
    plugins: route,
    ...(pluginTags && { pluginTags }),
    ...(target && { target }),
  })
  inventory.warnings.unshift(...warnings)
  return {
    inventory,
    chart: { version: chart.version, source },
    ...(opts.values !== undefined && { values: opts.values }),
    ...(target && { target }),
    pluginImages,
    ...(pluginTagReads && { pluginTagReads }),
  }
}

async function listDeployments(run: Runner, t: KubeTarget, namespace: string, extra: string[]): Promise<unknown> {
  return kubectlJson<unknown>(
    run,
    t,
    ['get', 'deployment', '-n', namespace, ...extra],
    `images: list ${extra.length ? 'plugin ' : ''}deployments in ${namespace}`,
  )
}

function workloadsOf(
  list: unknown,
  namespace: string,
  kind: ClusterWorkload['kind'],
  skipPlugins = false,
): ClusterWorkload[] {
  const items = isObject(list) && Array.isArray(list.items) ? (list.items as unknown[]) : []
  return items.flatMap((item) => {
    const meta: unknown = isObject(item) ? item.metadata : undefined
    const labels: unknown = isObject(meta) ? meta.labels : undefined
    if (skipPlugins && isObject(labels) && labels[PLUGIN_LABEL] !== undefined) return []
    const w = renderedImages(JSON.stringify(item), namespace).workloads[0]
    if (!w) return []
    const pluginId = isObject(labels) && typeof labels.plugin_id === 'string' ? labels.plugin_id : undefined
    return [{ kind, name: w.name, namespace: w.namespace, ...(pluginId && { pluginId }), containers: w.containers }]
  })
}

// GET /v2/<repository>/tags/list (anonymously unless the caller's client carries credentials).
async function readTags(
  client: RegistryClient,
  host: string,
  repository: string,
): Promise<Omit<PluginTagRead, 'base'>> {
  // Docker Hub's official images live under library/.
  const repo =
    /^(docker\.io|index\.docker\.io|registry\.hub\.docker\.com)$/.test(host) && !repository.includes('/')
      ? `library/${repository}`
      : repository
  try {
    const res = await client.request('GET', `/v2/${repo}/tags/list`, { scope: `repository:${repo}:pull` })
    if (res.status !== 200) {
      const codes = errorCodes(res.body)
      return { status: res.status, ...(codes.length && { codes }), reason: `${host} answered ${res.status}` }
    }
    const body: unknown = JSON.parse(res.body.toString('utf8'))
    const tags = isObject(body) && Array.isArray(body.tags) ? body.tags.filter((x) => typeof x === 'string') : []
    return { tags: tags }
  } catch (e) {
    return { reason: e instanceof Error ? e.message : String(e) }
  }
}

// The `errors[].code` of a registry's error body (UNAUTHORIZED, NAME_UNKNOWN, DENIED).
function errorCodes(body: Buffer): string[] {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'))
    const errors = isObject(parsed) && Array.isArray(parsed.errors) ? (parsed.errors as unknown[]) : []
    return errors.flatMap((e) => (isObject(e) && typeof e.code === 'string' ? [e.code] : []))
  } catch {
    return []
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}
