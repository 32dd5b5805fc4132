import type { ChartInfo } from '../cloudforet/charts.js'
import { imageSlots, splitDefault, type ImageSlot } from '../cloudforet/image-slots.js'
import type { InstallModel } from '../cloudforet/install-model.js'
import type { MoreTargets, PlannedTarget, PullSecretWarning } from '../cloudforet/image-pull-secrets.js'
import {
  HARBOR_CONNECTOR_PATH,
  registryUrlPathOf,
  repositoryRoute,
  type RepositoryRoute,
} from '../cloudforet/plugin-registry.js'
import { MANAGED_PREFIX_PATH } from '../cloudforet/plugin-images.js'
import { MANAGED_TYPE_PATH } from '../cloudforet/plugins.js'
import { ImageRefError, parseImageRef } from '../credentials/image-ref.js'
import { dataAt } from '../yaml/data-path.js'
import { offsetOf, posOf, type ParsedValues } from '../yaml/values.js'
import { mirrorName, type MirrorTarget } from './mirror-name.js'

// `patch --registry HOST/PATH`: the values lines that make every pod, and the managed plugins,
// pull from the mirror. Every name comes from mirror-name.ts, so what patch writes is exactly
// what `cfpull images -f patched.yaml` lists and `cfpull mirror` pushes.

export interface RegistryRewriteOptions {
  target: MirrorTarget
  /** The registry type the managed plugins get (MANAGED_REGISTRY_TYPE); HARBOR unless given. */
  pluginType: string
  /** Also move images that are on another private registry (default: leave them, with a warning). */
  replaceRegistry?: boolean
  /** --plugins none: the plugin route is left as it is. */
  skipPlugins?: boolean
}

/** An image of the install that stays on a registry that is neither Docker Hub nor the mirror. */
export interface ForeignImage {
  service: string
  role: string
  image: string
  registry: string
  /** The values path that names it, and its line when the file sets it. */
  path: string[]
  line?: number
}

/** What the rewrite decided beyond its targets: for the report and --check. */
export interface RegistryRewritePlan extends MoreTargets {
  target: MirrorTarget
  /** Images left on another private registry (moved instead under --replace-registry). */
  foreign: ForeignImage[]
  /** Images no value reaches: they keep pulling from where the template says. */
  unreachable: Array<{ service: string; role: string; image: string | null; why: 'template' | 'unknown-path' }>
  plugins: { route: RepositoryRoute; type: string; redirected: boolean; tokenMissing: boolean }
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry.hub.docker.com'])

/** A tag as Helm renders a scalar: strings as they are, numbers as written in the YAML. */
function scalar(x: unknown): string | undefined {
  if (typeof x === 'string') return x || undefined
  if (typeof x === 'number' && Number.isFinite(x)) return String(x)
  return undefined
}

function lineOf(values: ParsedValues, path: string[]): number | undefined {
  return dataAt(values.data, path) === undefined ? undefined : posOf(values.lines, offsetOf(values, path)).line
}

/**
 * Plans the image and plugin-registry lines for `--registry`. Pure: reads the parsed values,
 * the chart's image table and the install model; returns targets for the one exact splice.
 */
export function planRegistryRewrite(
  values: ParsedValues,
  chart: ChartInfo,
  model: InstallModel,
  planned: readonly PlannedTarget[],
  opts: RegistryRewriteOptions,
): RegistryRewritePlan {
  const data = values.data
  const { target } = opts
  const targets: PlannedTarget[] = []
  const warnings: PullSecretWarning[] = []
  const foreign: ForeignImage[] = []
  const unreachable: RegistryRewritePlan['unreachable'] = []
  const mirror = `${target.host}/${target.path}`
  const skipped = new Map(model.services.map((s) => [s.service, s.skipped]))

  const slots = imageSlots(data, chart)
  if (!slots)
    warnings.push({
      code: 'image-table-unknown',
      message: `cfpull has no image table for chart ${chart.version}: only the image names this file sets are moved to ${mirror}; services it does not set keep the chart's default images`,
    })
  for (const slot of slots ?? fileOnlySlots(data, chart)) {
    const skip = skipped.get(slot.service)
    // --services / --exclude narrow the images too; --only-present and a disabled service add nothing.
    if (skip === 'excluded' || skip === 'not-selected') continue
    // The umbrella's own hook image is no service --services could name.
    if (!skipped.has(slot.service) && model.options.services) continue
    if (!slot.namePath) {
      if (slot.on)
        unreachable.push({ service: slot.service, role: slot.role, image: slot.chartDefault, why: slot.unreachable! })
      continue
    }
    const inFile = dataAt(data, slot.namePath) !== undefined
    if (!inFile && (!slot.on || skip === 'not-in-file' || skip === 'disabled')) continue
    // --only-present adds no top-level section, the hook's `image` included.
    if (!inFile && model.options.onlyPresent && dataAt(data, [slot.namePath[0]!]) === undefined) continue
    planSlot(values, slot, opts, targets, warnings, foreign)
  }
  for (const u of unreachable)
    warnings.push({
      code: 'image-not-redirectable',
      message:
        u.why === 'template'
          ? `${u.service} runs ${u.image ?? 'an image'} (${u.role}) written into the chart's template: no value redirects it, so it still pulls from ${registryOf(u.image)}; mirror it under the same name or change the chart`
          : `${u.service} runs ${u.image ?? 'an image'} (${u.role}), and cfpull does not know which value sets it: it still pulls from ${registryOf(u.image)}`,
    })

  const plugins = planPlugins(data, chart, model, planned, opts, targets, warnings)
  return { targets, warnings, target, foreign, unreachable, plugins }
}

function registryOf(image: string | null): string {
  if (!image) return 'its own registry'
  try {
    const r = parseImageRef(image).registry
    return DOCKER_HUB.has(r) ? 'Docker Hub' : r
  } catch {
    return 'its own registry'
  }
}

// Without an image table (a chart read from --chart-values) only the names the file sets are known.
function fileOnlySlots(data: unknown, chart: ChartInfo): ImageSlot[] {
  const out: ImageSlot[] = []
  for (const service of chart.services) {
    const base = { service, chartDefault: null, on: true }
    if (service === 'mongodb' || service === 'redis') {
      out.push({ ...base, role: 'main', namePath: [service, 'image', 'name'] })
      continue
    }
    out.push({
      ...base,
      role: 'main',
      namePath: [service, 'image', 'name'],
      versionPath: [service, 'image', 'version'],
    })
    const nginx = [service, 'nginx_proxy']
    if (dataAt(data, nginx) !== undefined)
      out.push({
        ...base,
        role: 'sidecar:nginx_proxy',
        namePath: [...nginx, 'image', 'name'],
        versionPath: [...nginx, 'image', 'version'],
      })
    const sidecars = dataAt(data, [service, 'sidecar'])
    if (sidecars && typeof sidecars === 'object' && !Array.isArray(sidecars))
      for (const x of Object.keys(sidecars)) {
        const at = [service, 'sidecar', x]
        out.push({
          ...base,
          role: `sidecar:${x}`,
          namePath: [...at, 'image', 'name'],
          versionPath: [...at, 'image', 'version'],
        })
      }
  }
  return out
}

function planSlot(
  values: ParsedValues,
  slot: ImageSlot,
  opts: RegistryRewriteOptions,
  targets: PlannedTarget[],
  warnings: PullSecretWarning[],
  foreign: ForeignImage[],
): void {
  const data = values.data
  const namePath = slot.namePath!
  const given = dataAt(data, namePath)
  const where = namePath.join('.')
  const line = lineOf(values, namePath)
  if (given !== undefined && given !== null && typeof given !== 'string') {
    warnings.push({
      code: 'image-name-not-string',
      message: `${where} is not a string (${JSON.stringify(given)}): left as it is`,
      ...(line && { line }),
    })
    return
  }
  const fallback = slot.chartDefault ? splitDefault(slot.chartDefault) : undefined
  const name = given || fallback?.name
  if (!name) {
    if (slot.on)
      warnings.push({
        code: 'image-default-unknown',
        message: `cfpull does not know the default image of ${slot.service} (${slot.role}): set ${where} to its name under ${opts.target.host}/${opts.target.path} yourself`,
      })
    return
  }
  // The template writes `name:version`; for mongodb and redis the name is the whole reference.
  const version = slot.versionPath ? (scalar(dataAt(data, slot.versionPath)) ?? fallback?.tag) : undefined
  const source = slot.versionPath && version !== undefined ? `${name}:${version}` : name
  let registry: string
  try {
    registry = parseImageRef(source).registry
  } catch (err) {
    if (!(err instanceof ImageRefError)) throw err
    warnings.push({
      code: 'image-not-a-reference',
      message: `${where} gives ${JSON.stringify(source)}, which ${err.reason}: left as it is`,
      ...(line && { line }),
    })
    return
  }
  if (registry === opts.target.host) return
  if (!DOCKER_HUB.has(registry) && !opts.replaceRegistry) {
    foreign.push({
      service: slot.service,
      role: slot.role,
      image: source,
      registry,
      path: namePath,
      ...(line && { line }),
    })
    warnings.push({
      code: 'other-registry',
      message: `${where} is ${source}, on ${registry}, which is neither Docker Hub nor the mirror: left as it is; pass --replace-registry to move it to ${opts.target.host}/${opts.target.path} too`,
      ...(line && { line }),
    })
    return
  }
  const full = mirrorName(source, opts.target)
  let value = full
  if (slot.versionPath) {
    // Only the name is written: the tag stays where it is (the file's, or the chart's default).
    const suffix = `:${version ?? 'latest'}`
    if (!full.endsWith(suffix)) {
      warnings.push({
        code: 'image-not-a-reference',
        message: `${where} is ${JSON.stringify(name)}, which carries its own tag or digest: cfpull cannot move only its name; left as it is`,
        ...(line && { line }),
      })
      return
    }
    value = full.slice(0, -suffix.length)
  }
  targets.push({
    target: { path: namePath, leaf: { kind: 'scalar', value, what: 'an image name (a string)' } },
    kind: 'image',
    service: slot.service,
    role: slot.role,
  })
}

function planPlugins(
  data: unknown,
  chart: ChartInfo,
  model: InstallModel,
  planned: readonly PlannedTarget[],
  opts: RegistryRewriteOptions,
  targets: PlannedTarget[],
  warnings: PullSecretWarning[],
): RegistryRewritePlan['plugins'] {
  const route = repositoryRoute(data, chart)
  const type = opts.pluginType
  const token = dataAt(data, [...HARBOR_CONNECTOR_PATH, 'token'])
  const out = { route, type, redirected: false, tokenMissing: false }
  if (opts.skipPlugins) return out
  if (!route.confKey) {
    warnings.push({
      code: 'plugins-not-redirectable',
      message: `${route.reason}: its plugins cannot be redirected to ${opts.target.host}/${opts.target.path}, and keep pulling from Docker Hub`,
    })
    return out
  }
  // Like the plugin pull secret, the route is not a service: --services and --exclude leave it
  // in; --only-present adds no repository section for it.
  if (model.options.onlyPresent && dataAt(data, ['repository']) === undefined) {
    warnings.push({
      code: 'plugins-not-present',
      message: `--only-present: the file has no repository section, so the managed plugins' registry (${registryUrlPathOf(route.confKey, type).join('.')}) is not set and they keep pulling from Docker Hub`,
    })
    return out
  }
  const have = new Set(planned.map((p) => p.target.path.join('\0')))
  const set = (path: readonly string[], value: string) => {
    if (have.has(path.join('\0'))) return
    targets.push({ target: { path: [...path], leaf: { kind: 'scalar', value } }, kind: 'plugin-registry' })
  }
  set(registryUrlPathOf(route.confKey, type), opts.target.host)
  set(MANAGED_PREFIX_PATH, opts.target.path)
  set(MANAGED_TYPE_PATH, type)
  if (type === 'HARBOR') {
    set([...HARBOR_CONNECTOR_PATH, 'base_url'], `https://${opts.target.host}`)
    out.tokenMissing = !(typeof token === 'string' && token)
    // Said when the route is being set; doctor keeps reporting it as "could not check" afterwards.
    const baseUrl = dataAt(data, [...HARBOR_CONNECTOR_PATH, 'base_url'])
    if (out.tokenMissing && baseUrl !== `https://${opts.target.host}`)
      warnings.push({
        code: 'harbor-token',
        message: `the repository lists the managed plugins' versions at https://${opts.target.host} with ${[...HARBOR_CONNECTOR_PATH, 'token'].join('.')}, which this file does not set`,
        detail: harborTokenRecipe(opts.target.host),
      })
  }
  out.redirected = true
  return out
}

/** The lines that tell where the HarborConnector's token goes, since cfpull never writes it. */
export function harborTokenRecipe(host: string): string[] {
  const path = [...HARBOR_CONNECTOR_PATH, 'token'].join('.')
  return [
    `the token is base64 of user:password, sent as Basic auth to https://${host}; it is a credential, and cfpull never writes one into a values file. Keep it out of git:`,
    `  a values file of its own (mode 0600, in .gitignore), given after this one (helm upgrade … -f values.yaml -f harbor-token.yaml):`,
    `    repository: {application_grpc: {CONNECTORS: {HarborConnector: {token: <base64 of user:password>}}}}`,
    `  or a file holding only the token, with no final newline: helm upgrade … --set-file ${path}=harbor-token.txt`,
  ]
}
