import { parseAllDocuments } from 'yaml'
import { CONNECTOR_PATH, pullSecretPath, type ChartInfo } from './cloudforet/charts.js'
import type { Namespaces } from './cloudforet/namespaces.js'
import type { PluginDecision } from './cloudforet/plugins.js'
import { managedPluginReference, type ManagedPluginRoute } from './cloudforet/plugin-images.js'
import { dataAt } from './yaml/data-path.js'

/** The label Cloudforet's sub-charts put on their pods (mongodb, plugin and initializer pods lack it). */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance'
/** The label the supervisor puts on plugin Deployments. */
export const PLUGIN_LABEL = 'supervisor_name'

/** Every secret name the values ask pods to pull with: service lists plus the plugin route. */
export function secretNamesInValues(data: unknown, chart: ChartInfo, plugins: PluginDecision): string[] {
  const names: string[] = []
  const add = (v: unknown) => {
    if (Array.isArray(v))
      for (const item of v)
        if (item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string')
          names.push((item as { name: string }).name)
  }
  for (const svc of chart.services) add(dataAt(data, pullSecretPath(svc)))
  if (plugins.mechanism === 'connector') add(dataAt(data, [...CONNECTOR_PATH, 'imagePullSecrets']))
  if (plugins.mechanism === 'registry' && plugins.path) {
    const v = dataAt(data, plugins.path)
    if (typeof v === 'string' && v) names.push(v)
  }
  return [...new Set(names)]
}

/** The names plugin pods should carry, by mechanism. */
export function pluginSecretNames(data: unknown, plugins: PluginDecision): string[] {
  if (!plugins.path) return []
  const v = dataAt(data, plugins.path)
  if (typeof v === 'string') return v ? [v] : []
  if (Array.isArray(v))
    return v.flatMap((x) =>
      x && typeof (x as { name?: unknown }).name === 'string' ? [(x as { name: string }).name] : [],
    )
  return []
}

/** Namespaces whose pods a restart must reach: core and supervisor, the release namespace standing in for unset ones. */
export function restartNamespaces(ns: Namespaces, releaseNamespace: string): string[] {
  return [...new Set([ns.core ?? releaseNamespace, ns.supervisor ?? releaseNamespace])]
}

/** Every namespace the Secret must exist in. */
export function secretNamespaces(ns: Namespaces, releaseNamespace: string): string[] {
  return [...new Set([ns.core ?? releaseNamespace, ns.supervisor ?? releaseNamespace, ns.plugins])]
}

/** `spaceone-1.12.16` → `1.12.16` (chart names may contain dashes; versions start with a digit). */
export function chartVersionOf(chart: string): string | null {
  const m = /-(v?\d[^-]*(?:-[0-9A-Za-z.]+)*)$/.exec(chart)
  return m ? m[1]! : null
}

export interface PluginDeployment {
  name: string
  namespace: string
  /** The supervisor's `plugin_id` label: it is on the plugin's Deployment and Service alike. */
  pluginId?: string
  pullSecrets: string[]
}

/** Deployments from a parsed `kubectl get deploy -o json`, with the pull secrets of their pod template. */
export function pluginDeployments(parsed: unknown): PluginDeployment[] {
  const list = (parsed ?? {}) as {
    items?: Array<{
      metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }
      spec?: { template?: { spec?: { imagePullSecrets?: Array<{ name?: string }> } } }
    }>
  }
  return (list.items ?? []).map((d) => ({
    name: d.metadata?.name ?? '',
    namespace: d.metadata?.namespace ?? '',
    ...(d.metadata?.labels?.plugin_id && { pluginId: d.metadata.labels.plugin_id }),
    pullSecrets: (d.spec?.template?.spec?.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
  }))
}

// ---------------------------------------------------------------------------------------------
// Plugins as the supervisor makes them: a Deployment and a Service per plugin version.

/** The labels the supervisor puts on both objects of a plugin (1.x: `service_type`, 2.x: `resource_type`). */
export const SUPERVISOR_LABELS = [
  'supervisor_name',
  'domain_id',
  'plugin_id',
  'version',
  'resource_type',
  'service_type',
]
/** The annotation the supervisor puts on both objects of a plugin. */
export const SUPERVISOR_ANNOTATION = 'spaceone.supervisor.name'

export interface PluginObject {
  kind: 'Deployment' | 'Service'
  name: string
  namespace: string
  labels: Record<string, string>
  annotations: Record<string, string>
  /** The Deployment's pod template pull secrets (empty for a Service). */
  pullSecrets: string[]
  /** The Deployment's container images (empty for a Service). */
  images: string[]
}

/** One installed plugin version: its Deployment and the Service that belongs to it (when there is one). */
export interface PluginPair {
  deployment: PluginObject
  service?: PluginObject
}

interface ObjectJson {
  kind?: string
  metadata?: {
    name?: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  spec?: {
    template?: { spec?: { imagePullSecrets?: Array<{ name?: string }>; containers?: Array<{ image?: string }> } }
  }
}

/** Deployments and Services from a parsed `kubectl get deployment,service -o json`. */
export function pluginObjects(parsed: unknown): PluginObject[] {
  const items = ((parsed ?? {}) as { items?: ObjectJson[] }).items ?? []
  return items
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Service')
    .map((o) => ({
      kind: o.kind as 'Deployment' | 'Service',
      name: o.metadata?.name ?? '',
      namespace: o.metadata?.namespace ?? '',
      labels: o.metadata?.labels ?? {},
      annotations: o.metadata?.annotations ?? {},
      pullSecrets: (o.spec?.template?.spec?.imagePullSecrets ?? []).flatMap((x) => (x.name ? [x.name] : [])),
      images: (o.spec?.template?.spec?.containers ?? []).flatMap((c) => (c.image ? [c.image] : [])),
    }))
}

/** True when the Service is the one the supervisor made with this Deployment: the same labels (version included) and annotation. */
export function belongsTogether(deployment: PluginObject, service: PluginObject): boolean {
  return (
    deployment.namespace === service.namespace &&
    SUPERVISOR_LABELS.every((k) => deployment.labels[k] === service.labels[k]) &&
    deployment.annotations[SUPERVISOR_ANNOTATION] === service.annotations[SUPERVISOR_ANNOTATION]
  )
}

/**
 * Pairs each plugin Deployment with its Service (by the supervisor's labels and annotation; of
 * several such Services, the one of the same name). A Service no Deployment claims is an orphan:
 * the supervisor counts that plugin as installed and never makes it again.
 */
export function pluginPairs(objects: readonly PluginObject[]): { pairs: PluginPair[]; orphans: PluginObject[] } {
  const services = objects.filter((o) => o.kind === 'Service')
  const claimed = new Set<PluginObject>()
  const pairs = objects
    .filter((o) => o.kind === 'Deployment')
    .map((deployment) => {
      const candidates = services.filter((svc) => !claimed.has(svc) && belongsTogether(deployment, svc))
      const service = candidates.find((svc) => svc.name === deployment.name) ?? candidates[0]
      if (service) claimed.add(service)
      return { deployment, ...(service && { service }) }
    })
  return { pairs, orphans: services.filter((svc) => !claimed.has(svc)) }
}

/** `plugin-aws-ec2-inven 1.0` (the name when the supervisor's labels are missing). */
export function pluginLabel(o: PluginObject): string {
  const id = o.labels.plugin_id
  return id ? `${id}${o.labels.version ? ` ${o.labels.version}` : ''}` : o.name
}

/**
 * The image the supervisor would now run for this plugin version: a managed plugin's reference
 * as the values build it, with the version as its tag. Undefined when that cannot be known (no
 * route, a plugin outside the managed catalog, no version label, a type without a url).
 */
export function expectedPluginImage(route: ManagedPluginRoute | undefined, o: PluginObject): string | undefined {
  const id = o.labels.plugin_id
  const version = o.labels.version
  if (!route || !id || !version) return undefined
  const managed = route.plugins.find((m) => m.pluginId === id)
  return (managed && managedPluginReference(route, managed.image, version)) ?? undefined
}

/**
 * Why an installed plugin version must be made again, or nothing when it need not: its pod
 * template lacks a secret the values name, or runs an image other than the one the values now
 * produce (`expectedImage`, when that can be known).
 */
export function staleReasons(pair: PluginPair, secrets: readonly string[], expectedImage?: string): string[] {
  const reasons: string[] = []
  const lacking = secrets.filter((n) => !pair.deployment.pullSecrets.includes(n))
  if (lacking.length) reasons.push(`lacks ${lacking.join(', ')}`)
  if (expectedImage && !pair.deployment.images.includes(expectedImage))
    reasons.push(`runs ${pair.deployment.images.join(', ') || 'no image'}, not ${expectedImage}`)
  return reasons
}

/** Quotes an argv for display as a shell command (what --dry-run prints). */
export function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}

// ---------------------------------------------------------------------------------------------
// The plan: what the upgrade will render and install, where it restarts, which plugins it checks.
// Decided once, after the preflight found nothing, from what the preflight read; every later
// step (and --dry-run) reads it and decides nothing of its own.

/** How helm upgrade treats the release's earlier values. */
export type ValuesMode = 'reuse' | 'reset'

/** A workload of the rendered release, as the restarts need it. */
export interface PlannedWorkload {
  kind: string
  name: string
  namespace: string
}

export interface ApplyPlan {
  chartName: string
  version: string
  deployedRevision: number
  valuesMode: ValuesMode
  secretNames: string[]
  secretNamespaces: string[]
  restartNamespaces: string[]
  pluginNamespace: string
  pluginSecrets: string[]
  /** How the values build managed plugin references, when that can be known (the images a plugin should run). */
  pluginRoute?: ManagedPluginRoute
  workloads: PlannedWorkload[]
  imageCount: number
  /** Distinct images the registries were asked for; undefined when the pull check did not run. */
  pulls?: number
  /** Namespace → Deployment → generation before the upgrade (for --restart auto). */
  generations: Map<string, Map<string, number>>
  /** A local chart (its path): helm ignores --version there, so its Chart.yaml's version is the one installed. */
  localChart?: string
  /** The chart of the deployed revision (`spaceone-1.12.16`), to say when a local chart moves from it. */
  deployedChart?: string
  /** The arguments after `--` that reach helm upgrade, after cfpull's own (never --version: `version` is the pin). */
  helmArgs?: string[]
}

/** The plan, from what the preflight read. */
export function buildApplyPlan(
  input: Omit<ApplyPlan, 'version' | 'deployedRevision'> & {
    version?: string
    deployedRevision?: number
  },
): ApplyPlan {
  const { pulls, pluginRoute, localChart, deployedChart, helmArgs, ...rest } = input
  return {
    ...rest,
    ...(pluginRoute && { pluginRoute }),
    ...(localChart !== undefined && { localChart }),
    ...(deployedChart !== undefined && { deployedChart }),
    ...(helmArgs?.length && { helmArgs }),
    version: input.version ?? '',
    deployedRevision: input.deployedRevision ?? 0,
    ...(pulls !== undefined && { pulls }),
  }
}

/** The chart the upgrade installs, as the report names it: a local chart says where its version comes from. */
export function describeChart(p: Pick<ApplyPlan, 'chartName' | 'version' | 'localChart'>): string {
  const chart = `${p.chartName}-${p.version}`
  return p.localChart === undefined ? `chart ${chart}` : `local chart ${p.localChart}, ${chart} from its Chart.yaml`
}

/** The one-line summary of a plan the preflight step shows. */
export function describePlan(p: ApplyPlan, o: { pinnedByFlag: boolean; valuesFile: string }): string {
  const chart = `${p.chartName}-${p.version}`
  const local =
    p.localChart !== undefined &&
    `${describeChart(p)}${p.deployedChart && p.deployedChart !== chart ? ` (revision ${p.deployedRevision}, deployed, runs ${p.deployedChart})` : ''}`
  return [
    local ||
      (o.pinnedByFlag
        ? `chart ${chart}`
        : `keeping chart ${chart} (revision ${p.deployedRevision}, deployed; --version to change)`),
    p.valuesMode === 'reuse' ? `values: the release's, with ${o.valuesFile} over them` : undefined,
    `secrets ${p.secretNames.join(', ')} in ${p.secretNamespaces.join(', ')}`,
    `credentials cover ${count(p.imageCount, 'image')}`,
    p.pulls === undefined ? undefined : `the registries have all ${count(p.pulls, 'image')}`,
  ]
    .filter(Boolean)
    .join('; ')
}

// ---------------------------------------------------------------------------------------------
// Release history: which revision runs, and whether helm can upgrade at all.

/** One entry of `helm history -o json`. */
export interface HelmRevision {
  revision: number
  status: string
  /** e.g. `spaceone-1.12.16` */
  chart: string
  app_version?: string
  description?: string
  updated?: string
}

export interface HistoryPlan {
  latest?: HelmRevision
  /** The last revision whose status is `deployed`: what runs now, and what an upgrade pins to. */
  deployed?: HelmRevision
  /** Set when the latest revision is pending-install/upgrade/rollback: helm refuses to upgrade. */
  pending?: HelmRevision
}

/** Reads the history as helm's upgrade does: the last `deployed` revision is the current one. */
export function planFromHistory(history: readonly HelmRevision[]): HistoryPlan {
  const sorted = [...history].sort((a, b) => a.revision - b.revision)
  const latest = sorted.at(-1)
  const deployed = [...sorted].reverse().find((r) => r.status === 'deployed')
  return {
    ...(latest && { latest }),
    ...(deployed && { deployed }),
    ...(latest?.status.startsWith('pending-') && { pending: latest }),
  }
}

// ---------------------------------------------------------------------------------------------
// Values the release has that the file would drop.

export interface ValueChange {
  /** Dotted path (`global.namespace`, `console.replicas`). */
  path: string
  kind: 'dropped' | 'changed'
}

/** Paths that decide where pods run: reported first, since moving them moves every pod. */
export const NAMESPACE_PATHS = [
  'global.namespace',
  'global.supervisor_namespace',
  [...CONNECTOR_PATH, 'namespace'].join('.'),
]

/**
 * What a `helm upgrade -f file --reset-values` would lose or change of the release's
 * user-supplied values (`helm get values`): every leaf (lists count as one value) that the file
 * lacks or sets differently. Namespace paths first, then in the release's key order.
 */
export function changedReleaseValues(release: unknown, file: unknown): ValueChange[] {
  const out: ValueChange[] = []
  const walk = (r: unknown, f: unknown, path: string[]) => {
    if (isMap(r) && Object.keys(r).length) {
      for (const [k, v] of Object.entries(r)) {
        const fv = isMap(f) && Object.hasOwn(f, k) ? f[k] : undefined
        if (fv === undefined || fv === null) {
          // Every leaf of a dropped map is named (an empty map dropped changes nothing helm renders).
          if (isMap(v)) walk(v, undefined, [...path, k])
          else if (v !== null) out.push({ path: [...path, k].join('.'), kind: 'dropped' })
        } else if (isMap(v) && !isMap(fv)) out.push({ path: [...path, k].join('.'), kind: 'changed' })
        else walk(v, fv, [...path, k])
      }
      return
    }
    if (isMap(r) && (f === undefined || f === null)) return
    if (deepEqual(r, f) || !path.length) return
    // Adding to what the release had loses nothing: an empty value filled in, a list extended
    // (the pull secret patch does both).
    if (r === '' || (Array.isArray(r) && Array.isArray(f) && r.every((x) => f.some((y) => deepEqual(x, y))))) return
    out.push({ path: path.join('.'), kind: 'changed' })
  }
  walk(release, file, [])
  const rank = (p: string) => {
    const i = NAMESPACE_PATHS.indexOf(p)
    return i === -1 ? NAMESPACE_PATHS.length : i
  }
  return out
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c.path) - rank(b.c.path) || a.i - b.i)
    .map((x) => x.c)
}

/**
 * Helm's merge of user values (what `--reset-then-reuse-values`, or `-f a -f b`, computes):
 * maps merge key by key, anything else in `over` replaces, and a null in `over` deletes.
 */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k]
    else out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k], v) : v
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Pods and tool output after the upgrade.

/** Waiting reasons of a container whose image cannot be pulled: nothing restarts such a pod by itself. */
export const PULL_FAILURE_REASONS = ['ImagePullBackOff', 'ErrImagePull']

interface OwnerReference {
  kind?: string
  name?: string
  uid?: string
  controller?: boolean
}

interface PodJson {
  metadata?: { name?: string; ownerReferences?: OwnerReference[] }
  status?: {
    containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }>
    initContainerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }>
  }
}

interface ReplicaSetJson {
  metadata?: { name?: string; uid?: string; ownerReferences?: OwnerReference[] }
}

/** The controller among an object's owners (the one the kubelet's pod or a ReplicaSet answers to). */
function controllerOf(refs: OwnerReference[] | undefined): OwnerReference | undefined {
  return (refs ?? []).find((r) => r.controller) ?? (refs?.length === 1 ? refs[0] : undefined)
}

/**
 * Pods of the release that are stuck pulling: a container waiting with ImagePullBackOff or
 * ErrImagePull, and the pod owned by one of the release's workloads, followed through owner
 * references as the controllers set them: pod → ReplicaSet → Deployment, or pod → StatefulSet,
 * DaemonSet or Job. Names are compared whole, never by prefix: `identity-proxy-…` is not
 * `identity`'s. A pod whose owners cannot be followed (its ReplicaSet is gone) is not the release's.
 */
export function stuckReleasePods(
  pods: unknown,
  replicaSets: unknown,
  workloads: ReadonlyArray<{ kind: string; name: string }>,
): string[] {
  const items = ((pods ?? {}) as { items?: PodJson[] }).items ?? []
  const sets = ((replicaSets ?? {}) as { items?: ReplicaSetJson[] }).items ?? []
  const owned = new Set(workloads.map((w) => `${w.kind}/${w.name}`))
  const ownerOf = (ref: OwnerReference): OwnerReference | undefined => {
    if (ref.kind !== 'ReplicaSet') return ref
    const rs = sets.find(
      (x) => x.metadata?.name === ref.name && (!ref.uid || !x.metadata?.uid || x.metadata.uid === ref.uid),
    )
    return rs && controllerOf(rs.metadata?.ownerReferences)
  }
  return items
    .filter((p) => {
      const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
      if (!statuses.some((s) => PULL_FAILURE_REASONS.includes(s.state?.waiting?.reason ?? ''))) return false
      const ref = controllerOf(p.metadata?.ownerReferences)
      const workload = ref && ownerOf(ref)
      return !!workload && owned.has(`${workload.kind}/${workload.name}`)
    })
    .map((p) => p.metadata?.name ?? '')
    .filter(Boolean)
}

/** Deployment name → generation, from a parsed `kubectl get deployments -o json`. */
export function deploymentGenerations(parsed: unknown): Map<string, number> {
  const items = ((parsed ?? {}) as { items?: Array<{ metadata?: { name?: string; generation?: number } }> }).items
  return new Map((items ?? []).map((d) => [d.metadata?.name ?? '', d.metadata?.generation ?? 0]))
}

/** The objects kubectl names with `-o name` (`pod/console-1`): "No resources found" is zero, not one. */
export function namedObjects(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[a-z0-9.-]+\/[^\s]+$/.test(l))
}

/** `1 pod` / `2 pods`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== typeof b || typeof a !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b as object)
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  )
}

// ---------------------------------------------------------------------------------------------
// The rights the run needs: every (verb, resource, namespace) a step will ask of the API server,
// derived from the plan, so the preflight can ask for all of them before the first write. A
// refusal that only shows after `helm upgrade` leaves a changed release and no restarts.

/** One object of a rendered (or deployed) manifest, as helm addresses it. */
export interface ManifestObject {
  apiVersion: string
  kind: string
  name: string
  /** Empty for a cluster-scoped kind. */
  namespace: string
}

/** One question for the API server's authorizer (a SelfSubjectAccessReview's resourceAttributes). */
export interface AccessCheck {
  verb: string
  /** API group: '' for the core group. */
  group: string
  /** Plural resource name (`pods`, `deployments`). */
  resource: string
  /** Empty for a cluster-scoped resource. */
  namespace: string
  /** The step that needs it, for the message. */
  why: string
}

// Kinds a chart renders, their plural and whether they are namespaced. A kind outside the table
// takes the API's own convention (lower case, plural), and namespaced unless it is Cluster*.
const KNOWN_KINDS: Record<string, { resource: string; namespaced: boolean }> = {
  Namespace: { resource: 'namespaces', namespaced: false },
  CustomResourceDefinition: { resource: 'customresourcedefinitions', namespaced: false },
  PersistentVolume: { resource: 'persistentvolumes', namespaced: false },
  StorageClass: { resource: 'storageclasses', namespaced: false },
  PriorityClass: { resource: 'priorityclasses', namespaced: false },
  IngressClass: { resource: 'ingressclasses', namespaced: false },
  ClusterRole: { resource: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { resource: 'clusterrolebindings', namespaced: false },
  MutatingWebhookConfiguration: { resource: 'mutatingwebhookconfigurations', namespaced: false },
  ValidatingWebhookConfiguration: { resource: 'validatingwebhookconfigurations', namespaced: false },
  Endpoints: { resource: 'endpoints', namespaced: true },
  Ingress: { resource: 'ingresses', namespaced: true },
  NetworkPolicy: { resource: 'networkpolicies', namespaced: true },
  PodDisruptionBudget: { resource: 'poddisruptionbudgets', namespaced: true },
}

/** The resource of a kind: group from apiVersion, plural, and its namespace (the default one when unset). */
export function resourceOf(
  o: Pick<ManifestObject, 'apiVersion' | 'kind' | 'namespace'>,
): Pick<AccessCheck, 'group' | 'resource' | 'namespace'> {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : ''
  const known = KNOWN_KINDS[o.kind]
  const lower = o.kind.toLowerCase()
  const resource =
    known?.resource ??
    (/(s|x|ch|sh)$/.test(lower) ? `${lower}es` : /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`)
  const namespaced = known ? known.namespaced : !o.kind.startsWith('Cluster')
  return { group, resource, namespace: namespaced ? o.namespace : '' }
}

/** The objects of a multi-document manifest (`helm template`, `helm get manifest`); unset namespaces are the release's. */
export function manifestObjects(manifest: string, releaseNamespace: string): ManifestObject[] {
  const out: ManifestObject[] = []
  const visit = (o: unknown) => {
    if (!isMap(o)) return
    if (o.kind === 'List' && Array.isArray(o.items)) return o.items.forEach(visit)
    const meta = isMap(o.metadata) ? o.metadata : {}
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || typeof meta.name !== 'string') return
    const ns = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : releaseNamespace
    const { namespace } = resourceOf({ apiVersion: o.apiVersion, kind: o.kind, namespace: ns })
    out.push({ apiVersion: o.apiVersion, kind: o.kind, name: meta.name, namespace })
  }
  for (const doc of parseAllDocuments(manifest)) if (!doc.errors.length) visit(doc.toJS())
  return out
}

/** Objects the deployed manifest has and the new render lacks: helm upgrade deletes them. */
export function droppedObjects(
  deployed: readonly ManifestObject[],
  rendered: readonly ManifestObject[],
): ManifestObject[] {
  const id = (o: ManifestObject) => `${resourceOf(o).group}/${o.kind}/${o.namespace}/${o.name}`
  const kept = new Set(rendered.map(id))
  return deployed.filter((o) => !kept.has(id(o)))
}

export interface AccessInput {
  releaseNamespace: string
  /** The objects of the new render. */
  rendered: readonly ManifestObject[]
  /** The objects of the deployed revision the render drops (helm deletes them); undefined when not known. */
  dropped?: readonly ManifestObject[]
  restart: 'auto' | 'delete' | 'rollout' | 'none'
  restartNamespaces: readonly string[]
  pluginNamespace: string
  /** The plugin step runs at all (the values name a plugin pull secret). */
  plugins: boolean
  recreatePlugins: boolean
}

/**
 * Every access the run after the preflight needs, once each, in the order the steps need them:
 * helm upgrade (each rendered resource: get, create, patch in its namespace; delete of what the
 * render drops; the release store, Secrets in the release namespace), the restarts, the plugins.
 */
export function accessChecks(i: AccessInput): AccessCheck[] {
  const out = new Map<string, AccessCheck>()
  const add = (verbs: string[], r: Pick<AccessCheck, 'group' | 'resource' | 'namespace'>, why: string) => {
    for (const verb of verbs) {
      const k = `${verb}|${r.group}|${r.resource}|${r.namespace}`
      if (!out.has(k)) out.set(k, { verb, ...r, why })
    }
  }
  const core = (resource: string, namespace: string) => ({ group: '', resource, namespace })
  const apps = (resource: string, namespace: string) => ({ group: 'apps', resource, namespace })
  // helm 4 looks each object up, creates the new ones and server-side applies (PATCH) the rest.
  for (const o of i.rendered) add(['get', 'create', 'patch'], resourceOf(o), 'helm upgrade')
  for (const o of i.dropped ?? [])
    add(['delete'], resourceOf(o), 'helm upgrade (it deletes what the chart no longer renders)')
  // The release store: helm lists the revisions, reads the deployed one, writes the new one and marks the old superseded.
  add(['get', 'list', 'create', 'update'], core('secrets', i.releaseNamespace), 'helm upgrade (its release records)')
  for (const ns of i.restartNamespaces) {
    const why = `the restart in ${ns}`
    if (i.restart === 'auto') {
      add(['list', 'get', 'watch'], apps('deployments', ns), why)
      add(['list', 'delete'], core('pods', ns), why)
      add(['list'], apps('replicasets', ns), why)
    } else if (i.restart === 'delete') add(['list', 'delete'], core('pods', ns), why)
    else if (i.restart === 'rollout') add(['list', 'get', 'patch', 'watch'], apps('deployments', ns), why)
  }
  if (i.plugins) {
    const why = '--recreate-plugins'
    add(['list'], apps('deployments', i.pluginNamespace), 'the plugin check')
    add(['list'], core('services', i.pluginNamespace), 'the plugin check')
    if (i.recreatePlugins) {
      add(['delete'], apps('deployments', i.pluginNamespace), why)
      add(['delete'], core('services', i.pluginNamespace), why)
    }
  }
  return [...out.values()]
}

/** `list pods in namespace spaceone` / `create clusterroles` (cluster-wide): how a refusal is named. */
export function describeAccess(a: Pick<AccessCheck, 'verb' | 'group' | 'resource' | 'namespace'>): string {
  const resource = a.group ? `${a.resource}.${a.group}` : a.resource
  return `${a.verb} ${resource}${a.namespace ? ` in namespace ${a.namespace}` : ' (cluster-wide)'}`
}
