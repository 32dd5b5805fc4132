// Every image a Cloudforet install runs, one entry per image: the chart's images as the values
// change them (or as `helm template` renders them), what the cluster runs now, and the managed
// plugins the repository version installs at run time. `cfpull images` prints it and `cfpull
// mirror` copies it; both read the one list this module builds, and name mirrored images only
// through mirror-name.ts.

import { dataAt } from '../yaml/data-path.js'
import { imageValuesPath, type ChartImage, type ChartImages } from '../cloudforet/chart-images.js'
import {
  managedPluginReference,
  type ManagedPluginRouteResult,
  type PluginTagRule,
} from '../cloudforet/plugin-images.js'
import { ImageRefError } from '../credentials/image-ref.js'
import { canonicalImage, mirrorNames, mirrorRepository, normalizeImage, type MirrorTarget } from './mirror-name.js'

/** Where an image's reference came from. `catalog`: the repository version's managed plugin list. */
export type ImageSource = 'file' | 'chart' | 'render' | 'cluster' | 'catalog'

/** Which plugin images to list: the managed catalog, the plugins running in the cluster, both, or none. */
export type PluginImagesMode = 'none' | 'managed' | 'cluster' | 'all'
export const PLUGIN_IMAGES_MODES: readonly PluginImagesMode[] = ['none', 'managed', 'cluster', 'all']

export interface InventoryUse {
  /** The values key (`identity`), or a plugin's id. */
  service: string
  /** `main`, `sidecar:rest_web`, `init:<container>`, …; `plugin` for plugins. */
  role: string
  namespace: string
  source: ImageSource
}

export interface InventoryImage {
  /** As the pod names it; `:latest` added where it gives no tag. A plugin whose tag is unknown has none. */
  reference: string
  /** Read as the kubelet reads it: `docker.io`, `library/mongo`. */
  registry: string
  path: string
  tag: string | null
  digest: string | null
  /** The name in the mirror (mirror-name.ts), when a target is given; for a plugin with no tag, its repository. */
  mirror?: string
  uses: InventoryUse[]
  /** The distinct sources of its uses, in the order first seen. */
  sources: ImageSource[]
  /** Runs in a default install of the chart version. */
  default: boolean
  kind: 'service' | 'plugin'
  /** False when a template writes it: no value points it at a mirror. */
  redirectable: boolean
  /** Plugins: where the tag came from; null when Cloudforet picks it at install time and nothing told us. */
  tagSource?: 'cluster' | 'registry' | null
}

/** A container of a live workload (`--cluster`). */
export interface ClusterWorkload {
  kind: 'core' | 'plugin'
  name: string
  namespace: string
  /** The `plugin_id` label of a plugin Deployment. */
  pluginId?: string
  containers: { name: string; image: string; init: boolean }[]
}

/** A rendered workload (`--chart`), as rendered-images.ts reads `helm template`. */
export interface RenderedInput {
  name: string
  namespace: string
  source?: string
  containers: { name: string; image: string; init: boolean }[]
}

export interface InventoryInput {
  chart: ChartImages
  /** The values' data; `{}` for a default install. */
  data: unknown
  /** Namespaces with the release namespace filled in. */
  namespaces: { core: string; supervisor: string; plugins: string }
  /** `helm template`'s workloads: then the render, not the table, says what the chart runs. */
  rendered?: RenderedInput[]
  cluster?: ClusterWorkload[]
  pluginImages: PluginImagesMode
  plugins: ManagedPluginRouteResult
  /** Tags read from each managed plugin's repository (`--plugin-tags`), keyed by the reference without a tag. */
  pluginTags?: ReadonlyMap<string, readonly string[]>
  target?: MirrorTarget
}

export interface InventoryPlugins {
  repositoryImage: string | null
  /** The managed catalog's size, and its registry type, url and prefix as the values make them. */
  catalog?: { count: number; type: string; url: string; prefix: string; tagRule: PluginTagRule }
  /** Managed plugins whose tag nothing told: left out of `-o list` and `-o skopeo-sync`. */
  untagged: number
}

export interface Inventory {
  chartVersion: string
  images: InventoryImage[]
  plugins: InventoryPlugins
  warnings: string[]
}

interface Found {
  reference: string
  use: InventoryUse
  default: boolean
  redirectable: boolean
  kind: 'service' | 'plugin'
  tagSource?: 'cluster' | 'registry' | null
}

/** The inventory of one install (see the module comment). Throws MirrorNameConflictError for a target two images collide in. */
export function buildInventory(input: InventoryInput): Inventory {
  const warnings: string[] = []
  const warn = (w: string) => {
    if (!warnings.includes(w)) warnings.push(w)
  }
  const found: Found[] = []
  const nsOf = (service: string) => (service === 'supervisor' ? input.namespaces.supervisor : input.namespaces.core)

  const fromTable = tableImages(input, warn).map((t) => ({
    ...t,
    use: { ...t.use, namespace: nsOf(t.use.service) },
  }))
  if (input.rendered) found.push(...renderImages(input, fromTable, nsOf, warn))
  else found.push(...fromTable)
  for (const w of input.cluster ?? []) {
    if (w.kind === 'plugin' && input.pluginImages !== 'cluster' && input.pluginImages !== 'all') continue
    for (const c of w.containers)
      found.push({
        reference: c.image,
        use: {
          service: w.kind === 'plugin' ? (w.pluginId ?? w.name) : w.name,
          role: w.kind === 'plugin' ? 'plugin' : `${c.init ? 'init' : 'container'}:${c.name}`,
          namespace: w.namespace,
          source: 'cluster',
        },
        default: false,
        redirectable: true,
        kind: w.kind === 'plugin' ? 'plugin' : 'service',
        ...(w.kind === 'plugin' && { tagSource: 'cluster' as const }),
      })
  }
  const plugins = managedImages(input, warn)
  found.push(...plugins.found)

  const images = merge(found, warn)
  if (input.target) {
    const tagged = images.filter((i) => i.tag !== null || i.digest !== null)
    const names = mirrorNames(
      tagged.map((i) => i.reference),
      input.target,
    )
    for (const i of images) i.mirror = names.get(i.reference) ?? mirrorRepository(i.reference, input.target)
  }
  if (plugins.summary.untagged)
    warn(
      `${plugins.summary.untagged} managed plugins have no known tag (Cloudforet picks one when it installs a plugin): they are left out of -o list and -o skopeo-sync; pass --plugin-tags N, or --cluster for the tags running now`,
    )
  return { chartVersion: input.chart.version, images, plugins: plugins.summary, warnings }
}

const str = (x: unknown) =>
  typeof x === 'string' && x ? x : typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined

function splitTag(image: string): [string, string | undefined] {
  const at = image.indexOf('@')
  if (at !== -1) return [image, undefined]
  const colon = image.lastIndexOf(':')
  return colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined]
}

// The images the chart's table says each service runs, with the values applied: a service the
// file does not list runs the chart's default, a sidecar runs unless its toggle is off.
function tableImages(input: InventoryInput, warn: (w: string) => void): Found[] {
  const { chart, data } = input
  const out: Found[] = []
  const mains = new Map(chart.images.filter((i) => i.role === 'main').map((i) => [i.service, i]))
  const serviceOn = (service: string) => {
    const enabled = dataAt(data, [service, 'enabled'])
    if (typeof enabled === 'boolean') return enabled
    return mains.get(service)?.default !== false
  }
  for (const row of chart.images) {
    if (!serviceOn(row.service) || !roleOn(row, data)) continue
    const path = imageValuesPath(row)
    let reference = row.image
    let source: ImageSource = 'chart'
    if (path) {
      const name = str(dataAt(data, [...path.path, 'name']))
      const version = path.nameOnly ? undefined : str(dataAt(data, [...path.path, 'version']))
      if (name !== undefined || version !== undefined) {
        source = 'file'
        const [chartName, chartTag] = row.image ? splitTag(row.image) : [undefined, undefined]
        const n = name ?? chartName
        const v = path.nameOnly ? undefined : (version ?? chartTag)
        reference = n === undefined ? null : v === undefined ? n : `${n}:${v}`
      }
    }
    const what = `${row.service} (${row.role})`
    if (reference === null) {
      warn(
        `${what}: chart ${chart.version}'s image is not known${row.note ? ` (${row.note})` : ''}: set ${path ? `${path.path.join('.')}.name` : 'it'} in the values to list it`,
      )
      continue
    }
    if (!path)
      warn(
        `${reference} of ${what} is written into chart ${chart.version}'s templates: no value points it at a mirror, so its pods keep pulling from ${registryOf(reference)}`,
      )
    out.push({
      reference,
      use: { service: row.service, role: row.role, namespace: '', source },
      // The image a default install runs: the chart's own reference, in the default render.
      default: row.default === true && source === 'chart',
      redirectable: path !== null,
      kind: 'service',
    })
  }
  if (chart.render !== 'ok')
    warn(
      `chart ${chart.version} did not render when cfpull's table was made (${chart.render}): which images are on by default is not known, so every image the values do not turn off is listed`,
    )
  return out
}

// Whether a role's container is in the pod, by the toggle the chart reads for it.
function roleOn(row: ChartImage, data: unknown): boolean {
  // `rest: true` adds the REST Deployment and its nginx (the old charts name it `<svc>-nginx`).
  if (row.role === 'sidecar:rest_web' || /^sidecar:.+-nginx$/.test(row.role)) {
    const rest = dataAt(data, [row.service, 'rest'])
    if (typeof rest === 'boolean') return rest
  }
  return row.default !== false
}

function registryOf(reference: string): string {
  try {
    return normalizeImage(reference).registry
  } catch {
    return 'its registry'
  }
}

// The render is what helm will install: its containers are the images. Where the table and the
// render disagree, both are said, since one of them is not what the user expects.
function renderImages(
  input: InventoryInput,
  fromTable: Found[],
  nsOf: (service: string) => string,
  warn: (w: string) => void,
): Found[] {
  const out: Found[] = []
  const key = (service: string, reference: string) => `${service} ${canonicalOrSelf(reference)}`
  const table = new Map(fromTable.map((f) => [key(f.use.service, f.reference), f]))
  const seen = new Set<string>()
  for (const w of input.rendered ?? []) {
    const service = /(?:^|\/)charts\/([^/]+)\/templates\//.exec(w.source ?? '')?.[1] ?? w.name
    for (const c of w.containers) {
      const k = key(service, c.image)
      seen.add(k)
      const t = table.get(k)
      if (!t)
        warn(
          `the render runs ${c.image} in ${service}, which cfpull's table for chart ${input.chart.version} does not give that service with these values`,
        )
      out.push({
        reference: c.image,
        use: {
          service,
          role: t?.use.role ?? `${c.init ? 'init' : 'container'}:${c.name}`,
          namespace: w.namespace || nsOf(service),
          source: 'render',
        },
        default: t?.default ?? false,
        redirectable: t?.redirectable ?? true,
        kind: 'service',
      })
    }
  }
  // A service the render has no workload of is said once; a differing image of one it has, each.
  const renderedServices = new Set([...seen].map((k) => k.split(' ')[0]!))
  const absent = new Set<string>()
  for (const [k, t] of table) {
    if (seen.has(k)) continue
    if (!renderedServices.has(t.use.service)) absent.add(t.use.service)
    else
      warn(
        `cfpull's table for chart ${input.chart.version} gives ${t.reference} to ${t.use.service} (${t.use.role}), but the render does not run it`,
      )
  }
  if (absent.size)
    warn(
      `the render runs nothing of ${absent.size} services that cfpull's table for chart ${input.chart.version} runs with these values (${[...absent].join(', ')}): is --chart that chart version?`,
    )
  return out
}

function canonicalOrSelf(reference: string): string {
  try {
    return canonicalImage(reference)
  } catch {
    return reference
  }
}

// The managed plugins as the repository version builds their references, one entry per known
// tag: the tags running in the cluster and the ones read from the registry (--plugin-tags).
function managedImages(
  input: InventoryInput,
  warn: (w: string) => void,
): { found: Found[]; summary: InventoryPlugins } {
  const r = input.plugins
  const summary: InventoryPlugins = {
    repositoryImage: r.route ? r.route.repositoryImage : r.repositoryImage,
    untagged: 0,
  }
  const out: Found[] = []
  if (input.pluginImages === 'none' || input.pluginImages === 'cluster') return { found: out, summary }
  if (!r.route) {
    warn(`${r.reason}: no managed plugins are listed, and a mirror cannot redirect plugins this repository installs`)
    return { found: out, summary }
  }
  const route = r.route
  if (route.inferredFrom)
    warn(
      `repository ${tagOf(route.repositoryImage)} is newer than any cfpull's table knows: its managed plugins are taken to be those of ${route.inferredFrom}, built the same way (a newer repository may add plugins)`,
    )
  summary.catalog = {
    count: route.plugins.length,
    type: route.type,
    url: route.url,
    prefix: route.prefix,
    tagRule: route.tagRule,
  }
  const running = new Map<string, string[]>()
  for (const w of input.cluster ?? [])
    if (w.kind === 'plugin')
      for (const c of w.containers) {
        const [base, tag] = splitTag(c.image)
        if (tag !== undefined) running.set(canonicalBase(base), [...(running.get(canonicalBase(base)) ?? []), tag])
      }
  for (const p of route.plugins) {
    const base = managedPluginReference(route, p.image)
    if (base === null) {
      warn(
        `managed plugins use registry type ${route.type}, whose url is empty (${route.urlPath.join('.')}): the repository refuses to install them until it is set`,
      )
      return { found: [], summary }
    }
    const use = { service: p.pluginId, role: 'plugin', namespace: input.namespaces.plugins, source: 'catalog' as const }
    const tags: { tag: string; from: 'cluster' | 'registry' }[] = []
    for (const t of running.get(canonicalBase(base)) ?? []) tags.push({ tag: t, from: 'cluster' })
    for (const t of input.pluginTags?.get(base) ?? [])
      if (!tags.some((x) => x.tag === t)) tags.push({ tag: t, from: 'registry' })
    if (!tags.length) {
      summary.untagged++
      out.push({ reference: base, use, default: true, redirectable: true, kind: 'plugin', tagSource: null })
    }
    for (const t of tags)
      out.push({
        reference: `${base}:${t.tag}`,
        use,
        default: true,
        redirectable: true,
        kind: 'plugin',
        tagSource: t.from,
      })
  }
  return { found: out, summary }
}

function tagOf(image: string): string {
  return splitTag(image)[1] ?? image
}

function canonicalBase(base: string): string {
  try {
    return normalizeImage(base).name
  } catch {
    return base
  }
}

// One entry per image: spellings of one image (`redis`, `docker.io/library/redis:latest`) are one.
function merge(found: Found[], warn: (w: string) => void): InventoryImage[] {
  const byKey = new Map<string, InventoryImage>()
  for (const f of found) {
    const untaggedPlugin = f.kind === 'plugin' && f.tagSource === null
    let ref
    try {
      ref = normalizeImage(f.reference)
    } catch (e) {
      if (!(e instanceof ImageRefError)) throw e
      warn(`${f.use.service} (${f.use.role}): ${e.message}; the kubelet cannot pull it either`)
      continue
    }
    const hasTag = /:[^/]*$/.test(f.reference.split('@')[0]!)
    const key = untaggedPlugin ? `repository ${ref.name}` : `${ref.name}:${ref.tag ?? ''}@${ref.digest ?? ''}`
    let image = byKey.get(key)
    if (!image) {
      if (!untaggedPlugin && !hasTag && ref.digest === undefined)
        warn(
          `${f.reference} has no tag, so pods run whatever :latest is when they pull, and a mirror cannot pin it: set a tag`,
        )
      image = {
        reference: untaggedPlugin || hasTag || ref.digest !== undefined ? f.reference : `${f.reference}:latest`,
        registry: ref.registry,
        path: ref.path,
        tag: untaggedPlugin ? null : (ref.tag ?? null),
        digest: ref.digest ?? null,
        uses: [],
        sources: [],
        default: false,
        kind: f.kind,
        redirectable: true,
        ...(f.kind === 'plugin' && { tagSource: f.tagSource ?? null }),
      }
      byKey.set(key, image)
    }
    if (
      !image.uses.some((u) => u.service === f.use.service && u.role === f.use.role && u.namespace === f.use.namespace)
    )
      image.uses.push(f.use)
    if (!image.sources.includes(f.use.source)) image.sources.push(f.use.source)
    image.default ||= f.default
    image.redirectable &&= f.redirectable
  }
  return [...byKey.values()].sort(
    (a, b) =>
      (a.kind === b.kind ? 0 : a.kind === 'service' ? -1 : 1) ||
      (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0),
  )
}
