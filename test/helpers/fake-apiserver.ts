// A small in-memory Kubernetes API server for tests that run the pinned REAL kubectl against it.
//
// It speaks just enough of the API for kubectl v1.33 to work without flags that weaken it:
// aggregated and legacy discovery, /version, an OpenAPI v3 document that tells kubectl the
// server does field validation (so `kubectl apply` needs no `--validate=false` and prints no
// warning), CRUD + list + watch for a handful of built-in kinds, server-side apply (with field
// ownership, conflicts and `force`), strategic-merge / merge / JSON patches, label and field
// selectors, Table output for `kubectl get`, and scripted failures.
//
// Deliberate simplifications (see the report in fake-apiserver.test.ts for what kubectl prints):
// - Deletion is immediate (no graceful termination, no finalizers, namespaces vanish with their
//   contents at once).
// - A Deployment gets the ReplicaSet its controller would make for the current pod template
//   (`<name>-<pod-template-hash>`, owned by the Deployment with controller: true and
//   blockOwnerDeletion: true, labels with `pod-template-hash`); older ones stay, as under
//   revisionHistoryLimit, but are not scaled. No Pods are made: tests seed them, owned by those
//   ReplicaSets. Deleting an owner removes what it owns at once (the garbage collector's
//   background propagation, without its delay).
// - Lists never paginate (no `continue`), watches have no history: a watch from resourceVersion N
//   replays the current state of objects changed after N as MODIFIED, then streams live events.
// - Server-side apply treats every list as atomic and tracks ownership of leaf fields only.
// - Optimistic concurrency, as a real server answers it: a `metadata.resourceVersion` in a PUT
//   body or in a server-side apply configuration (PATCH application/apply-patch+yaml) is a
//   precondition, and one that is not the live version is 409 Conflict "the object has been
//   modified; please apply your changes to the latest version and try again" (the apply result
//   carries the configuration's resourceVersion, and the store refuses an update whose version is
//   not the live one: registry/generic/registry/store.go Update, OptimisticLockErrorMsg). DELETE
//   honours DeleteOptions.preconditions (uid, resourceVersion) with 409 "Precondition failed: …".
//   Simplified: an apply that creates the object ignores a resourceVersion in it (cfpull creates
//   with POST, answered 409 AlreadyExists when the object exists), and only the request's own
//   version is compared (no guaranteed-update retry inside the server, nothing is concurrent here).
// - Strategic merge knows the merge keys of the fields cfpull meets (containers, env, volumes, pod
//   imagePullSecrets, ...); ServiceAccount.imagePullSecrets is atomic, as on a real cluster.
// - Reads of a namespaced object in a missing namespace answer `<plural> "x" not found` and lists
//   are empty, as a real API server does; writes (create, server-side apply create) answer
//   `namespaces "x" not found`.
// - RBAC is a deny list (`denyAccess`), not Roles and bindings: everything is allowed except the
//   (verb, resource, namespace) rules a test denies. A denied rule answers a
//   SelfSubjectAccessReview with allowed: false and the request itself with 403 Forbidden, worded
//   as a real server words it. A rule without a namespace denies it in every namespace and at the
//   cluster scope; there are no resourceNames, subresources or non-resource URLs.
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { parse as parseYaml } from 'yaml'

export interface RecordedRequest {
  method: string
  /** Path without the query string, e.g. `/api/v1/namespaces/ns1/secrets/my-credential`. */
  path: string
  /** Query parameters (the last value wins when repeated). */
  query: Record<string, string>
  contentType?: string
  body: string
  userAgent?: string
  accept?: string
  /**
   * True when the request carried `Authorization: Bearer <token>` (the token itself is not kept).
   * kubectl never sends one here: client-go only loads a kubeconfig user's credentials for TLS
   * servers, and this server is plain http.
   */
  authorized?: boolean
  /**
   * Set when the body was `application/vnd.kubernetes.protobuf` (kubectl's typed clients, e.g.
   * `kubectl create namespace`): `body` then holds the decoded object as JSON.
   */
  protobuf?: boolean
}

export interface RequestMatch {
  method?: string
  /** Substring of the path plus query string (`/api/v1/...?...`). */
  pathIncludes: string
}

export interface FakeApiServer {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** Every request, in order, discovery included. */
  requests: RecordedRequest[]
  /** Requests the server had no route for (also in `requests`); each was answered 404. */
  unhandled: RecordedRequest[]
  /** Key `${kind}/${namespace ?? ''}/${name}`, e.g. `Secret/ns1/my-credential`, `Namespace//ns1`. */
  objects: Map<string, any>
  /** Answers the next `times` (default 1) matching requests with a metav1.Status failure. */
  failNext(match: RequestMatch, status: number, reason?: string, message?: string, times?: number): void
  /** Destroys the socket of the next `times` (default 1) matching requests without answering. */
  closeConnectionNext(match: RequestMatch, times?: number): void
  /** Holds the next `times` (default 1) matching requests for `ms` before handling them (a slow API server). */
  delayNext(match: RequestMatch, ms: number, times?: number): void
  /**
   * Runs `fn` right after the next `times` (default 1; Infinity for every one) matching requests
   * were answered, before the server reads another request: another writer acting between
   * cfpull's read and its write.
   */
  afterNext(match: RequestMatch, fn: () => void, times?: number): void
  /** The requests that could change something (POST, PUT, PATCH, DELETE), `kubectl auth can-i` reviews left out. */
  writes(): RecordedRequest[]
  /** Denies a verb on a resource from now on (see "RBAC denials"): its reviews say no, its requests get 403. */
  denyAccess(rule: AccessRule): void
  /** Puts an object in the store (filling uid, resourceVersion, creationTimestamp, ...). */
  seed(obj: any): any
  /** The stored object, or undefined. */
  get(kind: string, namespace: string | undefined, name: string): any
  close(): Promise<void>
}

export interface FakeApiServerOptions {
  /** Namespaces that exist from the start (each gets a `default` ServiceAccount). Default ['default']. */
  namespaces?: string[]
  /** Serve aggregated discovery (apidiscovery.k8s.io/v2) when asked for it. Default true. */
  aggregatedDiscovery?: boolean
  /**
   * Answers `kubectl auth can-i` (SelfSubjectAccessReview). Default: everything is allowed.
   * `attributes` is spec.resourceAttributes (verb, resource, namespace, name, group, ...).
   */
  authorize?: (attributes: Record<string, string>) => boolean
  /**
   * Make Deployments look fully rolled out whenever their spec changes (status.observedGeneration,
   * updatedReplicas, readyReplicas, availableReplicas). Default true.
   */
  autoRollout?: boolean
  /**
   * Serve HTTPS with this certificate (PEM) instead of plain http. Needed when a test wants
   * kubectl to use the kubeconfig user's credentials (token, exec plugin): client-go loads them
   * for TLS servers only.
   */
  tls?: { cert: string; key: string }
}

// ---------------------------------------------------------------------------------------------
// Resource catalogue

interface ResourceDef {
  group: string
  version: string
  plural: string
  singular: string
  kind: string
  namespaced: boolean
  verbs: string[]
  shortNames?: string[]
  categories?: string[]
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

const RESOURCES: ResourceDef[] = [
  {
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['cm'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['ev'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
  },
  {
    // Read-only in practice (cfpull lists them for their architectures); seed them with `seed`.
    group: '',
    version: 'v1',
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['no'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['po'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    verbs: ALL_VERBS,
  },
  {
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['sa'],
  },
  {
    // The supervisor makes a Service per plugin; `kubectl delete deploy,svc` needs it discoverable.
    group: '',
    version: 'v1',
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['svc'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['deploy'],
    categories: ['all'],
  },
  {
    // Made by the Deployment controller stand-in (see "Deployment controller" below).
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['rs'],
    categories: ['all'],
  },
  {
    // `kubectl auth can-i`: answered from FakeApiServerOptions.authorize, never stored.
    group: 'authorization.k8s.io',
    version: 'v1',
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    verbs: ['create'],
  },
]

// ---------------------------------------------------------------------------------------------
// GitOps kinds (issue 26): Flux's HelmRelease and Argo CD's Application, custom resources. A real
// API server serves a custom resource's group only while its CustomResourceDefinition exists, so
// these are in discovery (and routable) only once a test seeds the CRD (`gitOpsCrd`). Simplified:
// every version of a kind stores the same objects (no conversion; HelmRelease's preferred version
// is v2, as on a cluster with Flux 2.3+), and the CRD carries no schema.

const CUSTOM_RESOURCES = new Map<ResourceDef, string>()

RESOURCES.push({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  verbs: ALL_VERBS,
  shortNames: ['crd', 'crds'],
})
for (const def of [
  ...['v2', 'v2beta2', 'v2beta1'].map((version) => ({
    group: 'helm.toolkit.fluxcd.io',
    version,
    plural: 'helmreleases',
    singular: 'helmrelease',
    kind: 'HelmRelease',
    shortNames: ['hr'],
  })),
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'applications',
    singular: 'application',
    kind: 'Application',
    shortNames: ['app', 'apps'],
  },
]) {
  const full: ResourceDef = { ...def, namespaced: true, verbs: ALL_VERBS }
  RESOURCES.push(full)
  CUSTOM_RESOURCES.set(full, `${def.plural}.${def.group}`)
}

/** The CustomResourceDefinition a GitOps controller installs; seed it and the API serves its kind. */
export function gitOpsCrd(which: 'flux' | 'argocd'): any {
  const defs = [...CUSTOM_RESOURCES].filter(([, crd]) =>
    crd.endsWith(which === 'flux' ? '.helm.toolkit.fluxcd.io' : '.argoproj.io'),
  )
  const [first, name] = defs[0]!
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: first.group,
      names: {
        kind: first.kind,
        listKind: `${first.kind}List`,
        plural: first.plural,
        singular: first.singular,
        shortNames: first.shortNames,
      },
      scope: 'Namespaced',
      versions: defs.map(([d], i) => ({ name: d.version, served: true, storage: i === 0 })),
    },
  }
}

/** Whether the API serves a kind: built-in ones always, custom ones while their CRD is stored. */
function servedBy(objects: Map<string, any>): (r: ResourceDef) => boolean {
  return (r) => !CUSTOM_RESOURCES.has(r) || objects.has(`CustomResourceDefinition//${CUSTOM_RESOURCES.get(r)}`)
}

const GROUP_VERSIONS = [...new Set(RESOURCES.map((r) => gvString(r)))]

function gvString(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version
}

function gvPath(r: { group: string; version: string }): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`
}

function defByKind(kind: string, apiVersion?: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.kind === kind && (apiVersion === undefined || gvString(r) === apiVersion))
}

// ---------------------------------------------------------------------------------------------
// Small JSON utilities

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T)
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined)
    const kb = Object.keys(b).filter((k) => b[k] !== undefined)
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]))
  }
  return false
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function age(timestamp: unknown): string {
  const t = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN
  if (Number.isNaN(t)) return '<unknown>'
  const s = Math.max(0, Math.floor((Date.now() - t) / 1000))
  if (s < 120) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 10) return `${m}m${s % 60}s`
  if (m < 180) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h`
  return `${Math.floor(h / 24)}d`
}

// ---------------------------------------------------------------------------------------------
// metav1.Status

// Thrown (not returned) by the request handlers; an Error so a stray one still carries a stack.
class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly status: any,
    readonly headers?: Record<string, string>,
  ) {
    super(typeof status?.message === 'string' ? status.message : `HTTP ${code}`)
  }
}

/** A request this server does not implement: answered 404 and recorded in `unhandled`. */
class UnhandledRequest extends Error {
  readonly unhandled = true
}

function statusBody(code: number, reason: string, message: string, details?: any): any {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  }
}

function fail(code: number, reason: string, message: string, details?: any): HttpError {
  return new HttpError(code, statusBody(code, reason, message, details))
}

function notFound(plural: string, name: string, group = ''): HttpError {
  const kind = plural
  return fail(404, 'NotFound', `${group ? `${plural}.${group}` : plural} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind,
  })
}

function namespaceNotFound(ns: string): HttpError {
  return notFound('namespaces', ns)
}

function badRequest(message: string): HttpError {
  return fail(400, 'BadRequest', message)
}

function invalid(
  def: ResourceDef,
  name: string,
  causes: { field: string; message: string; type?: string }[],
): HttpError {
  const text = causes.map((c) => `${c.field}: ${c.message}`)
  const message =
    text.length === 1
      ? `${def.kind} "${name}" is invalid: ${text[0]}`
      : `${def.kind} "${name}" is invalid: [${text.join(', ')}]`
  return fail(422, 'Invalid', message, {
    name,
    ...(def.group ? { group: def.group } : {}),
    kind: def.kind,
    causes: causes.map((c) => ({ reason: c.type ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  })
}

const DEFAULT_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
}

// ---------------------------------------------------------------------------------------------
// Selectors

type Requirement = { key: string; op: 'eq' | 'neq' | 'exists' | 'notexists' | 'in' | 'notin'; values: string[] }

function splitTopLevel(s: string): string[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  parts.push(cur)
  return parts.map((p) => p.trim()).filter((p) => p !== '')
}

function parseLabelSelector(selector: string): Requirement[] {
  return splitTopLevel(selector).map((part): Requirement => {
    let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part)
    if (m) return { key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) }
    m = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(part)
    if (m) return { key: m[1]!, op: 'neq', values: [m[2]!.trim()] }
    m = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(part)
    if (m) return { key: m[1]!, op: 'eq', values: [m[2]!.trim()] }
    if (part.startsWith('!')) return { key: part.slice(1).trim(), op: 'notexists', values: [] }
    return { key: part, op: 'exists', values: [] }
  })
}

function matchesRequirements(values: (key: string) => string | undefined, reqs: Requirement[]): boolean {
  return reqs.every((r) => {
    const v = values(r.key)
    switch (r.op) {
      case 'eq':
        return v === r.values[0]
      case 'neq':
        return v !== r.values[0]
      case 'exists':
        return v !== undefined
      case 'notexists':
        return v === undefined
      case 'in':
        return v !== undefined && r.values.includes(v)
      case 'notin':
        return v === undefined || !r.values.includes(v)
    }
  })
}

function labelMatcher(selector: string | undefined): (obj: any) => boolean {
  if (!selector) return () => true
  const reqs = parseLabelSelector(selector)
  return (obj) => {
    const labels: Record<string, unknown> = obj?.metadata?.labels ?? {}
    return matchesRequirements((k) => (typeof labels[k] === 'string' ? labels[k] : undefined), reqs)
  }
}

function fieldMatcher(selector: string | undefined): (obj: any) => boolean {
  if (!selector) return () => true
  const reqs = parseLabelSelector(selector)
  return (obj) =>
    matchesRequirements((path) => {
      let cur: any = obj
      for (const part of path.split('.')) cur = isObj(cur) ? cur[part] : undefined
      return cur === undefined || cur === null ? '' : String(cur)
    }, reqs)
}

// ---------------------------------------------------------------------------------------------
// Patches

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  secrets: 'name',
}

function mergeKeyFor(kind: string, path: string[]): string | undefined {
  const field = path[path.length - 1]!
  // ServiceAccount.imagePullSecrets is `+listType=atomic` (unlike PodSpec.imagePullSecrets): a
  // strategic merge patch replaces the whole list. ServiceAccount.secrets merges by name.
  if (kind === 'ServiceAccount' && path.length === 1) return field === 'secrets' ? 'name' : undefined
  if (field === 'secrets') return undefined
  return MERGE_KEYS[field]
}

function stripDirectives(v: any): any {
  if (Array.isArray(v)) return v.map(stripDirectives)
  if (!isObj(v)) return v
  const out: Record<string, any> = {}
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x)
  return out
}

function strategicMerge(target: any, patch: any, kind: string, path: string[] = []): any {
  if (!isObj(patch)) return clone(patch)
  if (patch.$patch === 'replace') return stripDirectives(patch)
  const result: Record<string, any> = isObj(target) ? clone(target) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue
    if (v === null) {
      delete result[k]
      continue
    }
    const childPath = [...path, k]
    if (Array.isArray(v)) {
      const key = mergeKeyFor(kind, childPath)
      if (key && Array.isArray(result[k])) {
        const list: any[] = clone(result[k])
        for (const item of v) {
          const idx = isObj(item) ? list.findIndex((e) => isObj(e) && e[key] === item[key]) : list.indexOf(item)
          if (isObj(item) && item.$patch === 'delete') {
            if (idx >= 0) list.splice(idx, 1)
          } else if (idx >= 0) list[idx] = strategicMerge(list[idx], item, kind, childPath)
          else list.push(stripDirectives(item))
        }
        result[k] = list
      } else result[k] = v.filter((x) => !(isObj(x) && x.$patch === 'delete')).map(stripDirectives)
    } else if (isObj(v)) {
      if (v.$patch === 'delete') delete result[k]
      else result[k] = strategicMerge(result[k], v, kind, childPath)
    } else result[k] = v
  }
  for (const [k, v] of Object.entries(patch)) {
    const m = /^\$deleteFromPrimitiveList\/(.+)$/.exec(k)
    if (m && Array.isArray(v) && Array.isArray(result[m[1]!]))
      result[m[1]!] = result[m[1]!].filter((x: any) => !v.includes(x))
  }
  return result
}

function mergePatch(target: any, patch: any): any {
  if (!isObj(patch)) return clone(patch)
  const result: Record<string, any> = isObj(target) ? clone(target) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k]
    else result[k] = mergePatch(result[k], v)
  }
  return result
}

function jsonPatch(target: any, ops: any): any {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations')
  let doc = clone(target)
  const parse = (p: string): string[] =>
    p === ''
      ? []
      : p
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  const getAt = (d: any, parts: string[]): any => parts.reduce((cur, k) => (cur == null ? undefined : cur[k]), d)
  const setAt = (parts: string[], value: any, insert: boolean): void => {
    if (parts.length === 0) {
      doc = value
      return
    }
    const parent = getAt(doc, parts.slice(0, -1))
    const last = parts[parts.length - 1]!
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last)
      if (insert) parent.splice(i, 0, value)
      else parent[i] = value
    } else if (isObj(parent)) parent[last] = value
    else throw fail(422, 'Invalid', `jsonpatch: missing path ${parts.join('/')}`)
  }
  const removeAt = (parts: string[]): any => {
    const parent = getAt(doc, parts.slice(0, -1))
    const last = parts[parts.length - 1]!
    if (Array.isArray(parent)) return parent.splice(Number(last), 1)[0]
    if (isObj(parent) && last in parent) {
      const v = parent[last]
      delete parent[last]
      return v
    }
    throw fail(422, 'Invalid', `the server rejected our request due to an error in our request`)
  }
  for (const op of ops) {
    const parts = parse(String(op.path ?? ''))
    switch (op.op) {
      case 'add':
        setAt(parts, clone(op.value), true)
        break
      case 'replace':
        if (getAt(doc, parts) === undefined)
          throw fail(422, 'Invalid', `the server rejected our request due to an error in our request`)
        setAt(parts, clone(op.value), false)
        break
      case 'remove':
        removeAt(parts)
        break
      case 'move':
        setAt(parts, removeAt(parse(op.from)), true)
        break
      case 'copy':
        setAt(parts, clone(getAt(doc, parse(op.from))), true)
        break
      case 'test':
        if (!deepEqual(getAt(doc, parts), op.value))
          throw fail(422, 'Invalid', 'the server rejected our request due to an error in our request')
        break
      default:
        throw badRequest(`Unexpected kind: ${String(op.op)}`)
    }
  }
  return doc
}

// ---------------------------------------------------------------------------------------------
// Field ownership (managedFields, FieldsV1) for server-side apply

const SERVER_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'managedFields',
  'selfLink',
])

/** Leaf field paths of an object (JSON-encoded key arrays), excluding server-owned fields. */
function leafPaths(obj: any): Set<string> {
  const out = new Set<string>()
  const walk = (v: any, path: string[]): void => {
    if (isObj(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) {
        if (path.length === 0 && (k === 'apiVersion' || k === 'kind' || k === 'status')) continue
        if (path.length === 1 && path[0] === 'metadata' && SERVER_META.has(k)) continue
        walk(x, [...path, k])
      }
    } else if (path.length > 0) out.add(JSON.stringify(path))
  }
  walk(obj, [])
  return out
}

function toFieldsV1(paths: Iterable<string>): any {
  const root: Record<string, any> = {}
  for (const p of paths) {
    let cur = root
    for (const k of JSON.parse(p) as string[]) cur = cur[`f:${k}`] ??= {}
  }
  return root
}

function fromFieldsV1(fields: any): Set<string> {
  const out = new Set<string>()
  const walk = (v: any, path: string[]): void => {
    const children = isObj(v) ? Object.keys(v).filter((k) => k.startsWith('f:')) : []
    if (children.length === 0) {
      if (path.length > 0) out.add(JSON.stringify(path))
      return
    }
    for (const k of children) walk(v[k], [...path, k.slice(2)])
  }
  walk(fields, [])
  return out
}

function getPath(obj: any, path: string[]): any {
  let cur = obj
  for (const k of path) cur = isObj(cur) ? cur[k] : undefined
  return cur
}

function deletePath(obj: any, path: string[]): void {
  const parents: any[] = [obj]
  let cur = obj
  for (const k of path.slice(0, -1)) {
    cur = isObj(cur) ? cur[k] : undefined
    if (!isObj(cur)) return
    parents.push(cur)
  }
  delete cur[path[path.length - 1]!]
  // Prune maps left empty by the removal (but never metadata itself).
  for (let i = parents.length - 1; i > 0; i--) {
    const key = path[i - 1]!
    const parent = parents[i - 1]
    if (isObj(parent[key]) && Object.keys(parent[key]).length === 0 && !(i === 1 && key === 'metadata'))
      delete parent[key]
    else break
  }
}

function applyMerge(target: any, config: any): any {
  if (!isObj(config)) return clone(config)
  const result: Record<string, any> = isObj(target) ? clone(target) : {}
  for (const [k, v] of Object.entries(config)) {
    if (v === null) delete result[k]
    else result[k] = isObj(v) && Object.keys(v).length > 0 ? applyMerge(result[k], v) : clone(v)
  }
  return result
}

function pathToField(path: string[]): string {
  return path
    .map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`))
    .join('')
    .replace(/^\[/, '.[')
}

// ---------------------------------------------------------------------------------------------
// Validation of the kinds cfpull writes

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function validateName(def: ResourceDef, obj: any): HttpError | undefined {
  const name = obj?.metadata?.name
  if (typeof name !== 'string' || name === '')
    return invalid(def, '', [
      {
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
        type: 'FieldValueRequired',
      },
    ])
  if (def.kind === 'Namespace' && (!DNS1123_LABEL.test(name) || name.length > 63))
    return invalid(def, name, [
      {
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      },
    ])
  if (def.kind !== 'Namespace' && (!DNS1123_SUBDOMAIN.test(name) || name.length > 253))
    return invalid(def, name, [
      {
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      },
    ])
  return undefined
}

/** Decoding and defaulting a real API server does before storing a Secret. */
function normalizeSecret(obj: any): HttpError | undefined {
  if (obj.data !== undefined && !isObj(obj.data))
    return badRequest(`Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal data`)
  for (const [k, v] of Object.entries<any>(obj.data ?? {})) {
    if (v === null) continue
    if (typeof v !== 'string' || !BASE64.test(v)) {
      const at = typeof v === 'string' ? v.search(/[^A-Za-z0-9+/=]/) : 0
      return badRequest(
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at < 0 ? Math.floor(String(v).length / 4) * 4 : at}`,
      )
    }
    void k
  }
  if (isObj(obj.stringData)) {
    obj.data = { ...(obj.data ?? {}) }
    for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v), 'utf8').toString('base64')
  }
  delete obj.stringData
  obj.type ??= 'Opaque'
  return undefined
}

function validateSecret(def: ResourceDef, obj: any, old: any): HttpError | undefined {
  const name: string = obj.metadata.name
  const causes: { field: string; message: string; type?: string }[] = []
  for (const k of Object.keys(obj.data ?? {})) {
    if (!SECRET_KEY.test(k))
      causes.push({
        field: `data[${k}]`,
        message: `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      })
  }
  const dockerKey =
    obj.type === 'kubernetes.io/dockerconfigjson'
      ? '.dockerconfigjson'
      : obj.type === 'kubernetes.io/dockercfg'
        ? '.dockercfg'
        : undefined
  if (dockerKey) {
    const raw = obj.data?.[dockerKey]
    if (raw === undefined)
      causes.push({ field: `data[${dockerKey}]`, message: 'Required value', type: 'FieldValueRequired' })
    else {
      try {
        JSON.parse(Buffer.from(String(raw), 'base64').toString('utf8'))
      } catch (e) {
        causes.push({
          field: `data[${dockerKey}]`,
          message: `Invalid value: "<secret contents redacted>": ${(e as Error).message}`,
        })
      }
    }
  }
  if (old && old.type !== obj.type)
    causes.push({ field: 'type', message: `Invalid value: "${obj.type}": field is immutable` })
  if (old?.immutable === true && (!deepEqual(old.data, obj.data) || obj.immutable !== true))
    causes.push({
      field: 'data',
      message: 'Forbidden: field is immutable when `immutable` is set',
      type: 'FieldValueForbidden',
    })
  return causes.length ? invalid(def, name, causes) : undefined
}

// Top-level fields of each kind (plus apiVersion/kind/metadata), for field validation. Event is
// not checked.
const KNOWN_FIELDS: Record<string, string[]> = {
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ConfigMap: ['data', 'binaryData', 'immutable'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  Namespace: ['spec', 'status'],
  Pod: ['spec', 'status'],
  Deployment: ['spec', 'status'],
  Service: ['spec', 'status'],
}
const KNOWN_META = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]

/** Paths (`.foo`, `.metadata.bar`) of fields the schema of `def` does not declare. */
function unknownFields(def: ResourceDef, obj: any): string[] {
  const known = KNOWN_FIELDS[def.kind]
  if (!known || !isObj(obj)) return []
  const out = Object.keys(obj)
    .filter((k) => !['apiVersion', 'kind', 'metadata', ...known].includes(k))
    .map((k) => `.${k}`)
  if (isObj(obj.metadata))
    out.push(
      ...Object.keys(obj.metadata)
        .filter((k) => !KNOWN_META.includes(k))
        .map((k) => `.metadata.${k}`),
    )
  return out
}

// ---------------------------------------------------------------------------------------------
// Tables for `kubectl get` (human-readable output)

interface Column {
  name: string
  type?: string
  format?: string
  priority?: number
  cell: (o: any) => unknown
}

function columnsFor(kind: string): Column[] {
  const name: Column = { name: 'Name', format: 'name', cell: (o) => o.metadata?.name ?? '' }
  const ageCol: Column = { name: 'Age', cell: (o) => age(o.metadata?.creationTimestamp) }
  switch (kind) {
    case 'Namespace':
      return [name, { name: 'Status', cell: (o) => o.status?.phase ?? 'Active' }, ageCol]
    case 'Secret':
      return [
        name,
        { name: 'Type', cell: (o) => o.type ?? 'Opaque' },
        { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length },
        ageCol,
      ]
    case 'ConfigMap':
      return [
        name,
        {
          name: 'Data',
          type: 'integer',
          cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
        },
        ageCol,
      ]
    case 'ServiceAccount':
      return [name, { name: 'Secrets', type: 'integer', cell: (o) => (o.secrets ?? []).length }, ageCol]
    case 'Pod':
      return [
        name,
        {
          name: 'Ready',
          cell: (o) => {
            const cs: any[] = o.status?.containerStatuses ?? []
            return `${cs.filter((c) => c.ready).length}/${(o.spec?.containers ?? []).length}`
          },
        },
        { name: 'Status', cell: (o) => o.status?.phase ?? 'Pending' },
        {
          name: 'Restarts',
          type: 'integer',
          cell: (o) => (o.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0),
        },
        ageCol,
      ]
    case 'Deployment':
      return [
        name,
        { name: 'Ready', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
        { name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedReplicas ?? 0 },
        { name: 'Available', type: 'integer', cell: (o) => o.status?.availableReplicas ?? 0 },
        ageCol,
      ]
    case 'Event':
      return [
        { name: 'Last Seen', cell: (o) => age(o.lastTimestamp ?? o.eventTime ?? o.metadata?.creationTimestamp) },
        { name: 'Type', cell: (o) => o.type ?? '' },
        { name: 'Reason', cell: (o) => o.reason ?? '' },
        {
          name: 'Object',
          cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`,
        },
        { name: 'Message', cell: (o) => o.message ?? '' },
        { ...name, name: 'Name', priority: 1 },
      ]
    default:
      return [name, ageCol]
  }
}

function toTable(def: ResourceDef, items: any[], resourceVersion: string, includeObject: string | undefined): any {
  const cols = columnsFor(def.kind)
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: cols.map((c) => ({
      name: c.name,
      type: c.type ?? 'string',
      format: c.format ?? '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: items.map((o) => ({
      cells: cols.map((c) => c.cell(o)),
      ...(includeObject === 'None'
        ? {}
        : {
            object:
              includeObject === 'Object'
                ? o
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
          }),
    })),
  }
}

// ---------------------------------------------------------------------------------------------
// Discovery and OpenAPI

function legacyResourceList(group: string, version: string, defs: ResourceDef[] = RESOURCES): any {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gvString({ group, version }),
    resources: defs
      .filter((r) => r.group === group && r.version === version)
      .map((r) => ({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
        storageVersionHash: createHash('sha256')
          .update(`${r.group}/${r.version}/${r.kind}`)
          .digest('base64')
          .slice(0, 11),
      })),
  }
}

function aggregatedDiscovery(groups: string[], defs: ResourceDef[] = RESOURCES): any {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((group) => ({
      metadata: { ...(group ? { name: group } : {}), creationTimestamp: null },
      versions: [...new Set(defs.filter((r) => r.group === group).map((r) => r.version))].map((version) => ({
        version,
        resources: defs
          .filter((r) => r.group === group && r.version === version)
          .map((r) => ({
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: r.verbs,
            ...(r.shortNames ? { shortNames: r.shortNames } : {}),
            ...(r.categories ? { categories: r.categories } : {}),
          })),
        freshness: 'Current',
      })),
    })),
  }
}

function schemaName(r: ResourceDef): string {
  return r.group ? `io.k8s.api.${r.group}.${r.version}.${r.kind}` : `io.k8s.api.core.${r.version}.${r.kind}`
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1'

function openApiSchemas(group: string, version: string): Record<string, any> {
  const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] })
  const str = { type: 'string' }
  const strMap = { type: 'object', additionalProperties: { type: 'string', default: '' } }
  const loose = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
  const typeMeta = { apiVersion: str, kind: str }
  const schemas: Record<string, any> = {
    [`${META}.ObjectMeta`]: {
      type: 'object',
      properties: {
        annotations: strMap,
        creationTimestamp: { type: 'string', format: 'date-time' },
        deletionTimestamp: { type: 'string', format: 'date-time' },
        finalizers: { type: 'array', items: { type: 'string', default: '' } },
        generateName: str,
        generation: { type: 'integer', format: 'int64' },
        labels: strMap,
        managedFields: { type: 'array', items: loose },
        name: str,
        namespace: str,
        ownerReferences: { type: 'array', items: loose },
        resourceVersion: str,
        uid: str,
      },
    },
    [`${META}.ListMeta`]: {
      type: 'object',
      properties: { continue: str, remainingItemCount: { type: 'integer', format: 'int64' }, resourceVersion: str },
    },
    [`${META}.Status`]: {
      type: 'object',
      properties: {
        ...typeMeta,
        code: { type: 'integer', format: 'int32' },
        details: loose,
        message: str,
        metadata: ref(`${META}.ListMeta`),
        reason: str,
        status: str,
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
    },
    [`${META}.Patch`]: { type: 'object' },
    [`${META}.DeleteOptions`]: {
      type: 'object',
      properties: {
        ...typeMeta,
        dryRun: { type: 'array', items: str },
        gracePeriodSeconds: { type: 'integer', format: 'int64' },
        propagationPolicy: str,
      },
    },
  }
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    let props: Record<string, any>
    switch (r.kind) {
      case 'Secret':
        props = {
          data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
          immutable: { type: 'boolean' },
          stringData: strMap,
          type: str,
        }
        break
      case 'ConfigMap':
        props = {
          binaryData: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
          data: strMap,
          immutable: { type: 'boolean' },
        }
        break
      case 'ServiceAccount':
        props = {
          automountServiceAccountToken: { type: 'boolean' },
          imagePullSecrets: {
            type: 'array',
            items: {
              type: 'object',
              properties: { name: { type: 'string', default: '' } },
              'x-kubernetes-map-type': 'atomic',
            },
            'x-kubernetes-list-type': 'atomic',
          },
          secrets: {
            type: 'array',
            items: loose,
            'x-kubernetes-list-map-keys': ['name'],
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-patch-merge-key': 'name',
            'x-kubernetes-patch-strategy': 'merge',
          },
        }
        break
      case 'Namespace':
      case 'Node':
      case 'Pod':
      case 'Deployment':
      case 'ReplicaSet':
        props = { spec: loose, status: loose }
        break
      default:
        props = {}
    }
    const gvk = [{ group: r.group, kind: r.kind, version: r.version }]
    schemas[schemaName(r)] = {
      type: 'object',
      properties: { ...typeMeta, metadata: { default: {}, ...ref(`${META}.ObjectMeta`) }, ...props },
      'x-kubernetes-group-version-kind': gvk,
    }
    schemas[`${schemaName(r)}List`] = {
      type: 'object',
      required: ['items'],
      properties: {
        ...typeMeta,
        items: { type: 'array', items: { default: {}, ...ref(schemaName(r)) } },
        metadata: { default: {}, ...ref(`${META}.ListMeta`) },
      },
      'x-kubernetes-group-version-kind': [{ group: r.group, kind: `${r.kind}List`, version: r.version }],
    }
  }
  return schemas
}

function openApiDocument(group: string, version: string): any {
  const q = (name: string, type = 'string') => ({
    name,
    in: 'query',
    description: name,
    schema: { type, uniqueItems: true },
  })
  const jsonOf = (schema: string) => ({
    'application/json': { schema: { $ref: `#/components/schemas/${schema}` } },
    'application/yaml': { schema: { $ref: `#/components/schemas/${schema}` } },
  })
  const paths: Record<string, any> = {}
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    const gvk = { group: r.group, version: r.version, kind: r.kind }
    const base = `/${gvPath(r)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`
    const pathParams = [
      ...(r.namespaced
        ? [
            {
              name: 'namespace',
              in: 'path',
              required: true,
              description: 'object name and auth scope',
              schema: { type: 'string', uniqueItems: true },
            },
          ]
        : []),
      q('pretty'),
    ]
    const opId = (verb: string, suffix = '') =>
      `${verb}${r.group ? r.group.charAt(0).toUpperCase() + r.group.slice(1) : 'Core'}${r.version.toUpperCase()}${r.namespaced ? 'Namespaced' : ''}${r.kind}${suffix}`
    const responses = (schema: string, codes: string[]) =>
      Object.fromEntries(
        codes.map((c) => [
          c,
          { description: c === '201' ? 'Created' : c === '202' ? 'Accepted' : 'OK', content: jsonOf(schema) },
        ]),
      )
    paths[base] = {
      get: {
        description: `list or watch objects of kind ${r.kind}`,
        operationId: opId('list'),
        parameters: [
          q('allowWatchBookmarks', 'boolean'),
          q('continue'),
          q('fieldSelector'),
          q('labelSelector'),
          q('limit', 'integer'),
          q('resourceVersion'),
          q('resourceVersionMatch'),
          q('sendInitialEvents', 'boolean'),
          q('timeoutSeconds', 'integer'),
          q('watch', 'boolean'),
        ],
        responses: responses(`${schemaName(r)}List`, ['200']),
        'x-kubernetes-action': 'list',
        'x-kubernetes-group-version-kind': gvk,
      },
      post: {
        description: `create a ${r.kind}`,
        operationId: opId('create'),
        parameters: [q('dryRun'), q('fieldManager'), q('fieldValidation')],
        requestBody: {
          content: { '*/*': { schema: { $ref: `#/components/schemas/${schemaName(r)}` } } },
          required: true,
        },
        responses: responses(schemaName(r), ['200', '201', '202']),
        'x-kubernetes-action': 'post',
        'x-kubernetes-group-version-kind': gvk,
      },
      ...(r.verbs.includes('deletecollection')
        ? {
            delete: {
              description: `delete collection of ${r.kind}`,
              operationId: opId('deleteCollection'),
              parameters: [
                q('dryRun'),
                q('fieldSelector'),
                q('gracePeriodSeconds', 'integer'),
                q('labelSelector'),
                q('propagationPolicy'),
              ],
              requestBody: { content: { '*/*': { schema: { $ref: `#/components/schemas/${META}.DeleteOptions` } } } },
              responses: responses(`${META}.Status`, ['200']),
              'x-kubernetes-action': 'deletecollection',
              'x-kubernetes-group-version-kind': gvk,
            },
          }
        : {}),
      parameters: pathParams,
    }
    paths[`${base}/{name}`] = {
      get: {
        description: `read the specified ${r.kind}`,
        operationId: opId('read'),
        responses: responses(schemaName(r), ['200']),
        'x-kubernetes-action': 'get',
        'x-kubernetes-group-version-kind': gvk,
      },
      put: {
        description: `replace the specified ${r.kind}`,
        operationId: opId('replace'),
        parameters: [q('dryRun'), q('fieldManager'), q('fieldValidation')],
        requestBody: {
          content: { '*/*': { schema: { $ref: `#/components/schemas/${schemaName(r)}` } } },
          required: true,
        },
        responses: responses(schemaName(r), ['200', '201']),
        'x-kubernetes-action': 'put',
        'x-kubernetes-group-version-kind': gvk,
      },
      patch: {
        description: `partially update the specified ${r.kind}`,
        operationId: opId('patch'),
        parameters: [q('dryRun'), q('fieldManager'), q('fieldValidation'), q('force', 'boolean')],
        requestBody: {
          content: Object.fromEntries(
            [
              'application/apply-patch+yaml',
              'application/json-patch+json',
              'application/merge-patch+json',
              'application/strategic-merge-patch+json',
            ].map((t) => [t, { schema: { $ref: `#/components/schemas/${META}.Patch` } }]),
          ),
          required: true,
        },
        responses: responses(schemaName(r), ['200', '201']),
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
      },
      delete: {
        description: `delete a ${r.kind}`,
        operationId: opId('delete'),
        parameters: [q('dryRun'), q('gracePeriodSeconds', 'integer'), q('propagationPolicy')],
        requestBody: { content: { '*/*': { schema: { $ref: `#/components/schemas/${META}.DeleteOptions` } } } },
        responses: responses(r.kind === 'Pod' || r.kind === 'Namespace' ? schemaName(r) : `${META}.Status`, [
          '200',
          '202',
        ]),
        'x-kubernetes-action': 'delete',
        'x-kubernetes-group-version-kind': gvk,
      },
      parameters: [
        {
          name: 'name',
          in: 'path',
          required: true,
          description: `name of the ${r.kind}`,
          schema: { type: 'string', uniqueItems: true },
        },
        ...pathParams,
      ],
    }
    // Only the operations the resource supports.
    const opVerbs: [string, Record<string, string>][] = [
      [base, { get: 'list', post: 'create', delete: 'deletecollection' }],
      [`${base}/{name}`, { get: 'get', put: 'update', patch: 'patch', delete: 'delete' }],
    ]
    for (const [p, verbs] of opVerbs) {
      for (const [op, verb] of Object.entries(verbs)) if (!r.verbs.includes(verb)) delete paths[p][op]
      if (!Object.keys(verbs).some((op) => op in paths[p])) delete paths[p]
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.33.0' },
    paths,
    components: {
      schemas: openApiSchemas(group, version),
      securitySchemes: {
        BearerToken: {
          type: 'apiKey',
          description: 'Bearer Token authentication',
          name: 'authorization',
          in: 'header',
        },
      },
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Protobuf request bodies
//
// kubectl's typed clients (`kubectl create namespace`, `kubectl create secret ...`) send
// `application/vnd.kubernetes.protobuf` and accept JSON back. This decodes the k8s envelope and
// the few kinds those generators create; anything else is answered 415.

type ProtoField =
  | { name: string; type: 'string' | 'bytes' | 'bool' | 'int' | 'time'; repeated?: boolean }
  | { name: string; type: 'message'; schema: () => ProtoSchema; repeated?: boolean }
  | { name: string; type: 'map'; value: 'string' | 'bytes' }
type ProtoSchema = Record<number, ProtoField>

const TIME: ProtoSchema = { 1: { name: 'seconds', type: 'int' }, 2: { name: 'nanos', type: 'int' } }
const OBJECT_META: ProtoSchema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  11: { name: 'labels', type: 'map', value: 'string' },
  12: { name: 'annotations', type: 'map', value: 'string' },
  14: { name: 'finalizers', type: 'string', repeated: true },
}
const OBJECT_REFERENCE: ProtoSchema = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'namespace', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'fieldPath', type: 'string' },
}
const meta = { name: 'metadata', type: 'message', schema: () => OBJECT_META } as const
const PROTO_KINDS: Record<string, ProtoSchema> = {
  Namespace: {
    1: meta,
    2: { name: 'spec', type: 'message', schema: () => ({ 1: { name: 'finalizers', type: 'string', repeated: true } }) },
    3: { name: 'status', type: 'message', schema: () => ({ 1: { name: 'phase', type: 'string' } }) },
  },
  Secret: {
    1: meta,
    2: { name: 'data', type: 'map', value: 'bytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'map', value: 'string' },
    5: { name: 'immutable', type: 'bool' },
  },
  ConfigMap: {
    1: meta,
    2: { name: 'data', type: 'map', value: 'string' },
    3: { name: 'binaryData', type: 'map', value: 'bytes' },
    4: { name: 'immutable', type: 'bool' },
  },
  SelfSubjectAccessReview: {
    1: meta,
    2: {
      name: 'spec',
      type: 'message',
      schema: () => ({
        1: {
          name: 'resourceAttributes',
          type: 'message',
          schema: () => ({
            1: { name: 'namespace', type: 'string' },
            2: { name: 'verb', type: 'string' },
            3: { name: 'group', type: 'string' },
            4: { name: 'version', type: 'string' },
            5: { name: 'resource', type: 'string' },
            6: { name: 'subresource', type: 'string' },
            7: { name: 'name', type: 'string' },
          }),
        },
        2: {
          name: 'nonResourceAttributes',
          type: 'message',
          schema: () => ({ 1: { name: 'path', type: 'string' }, 2: { name: 'verb', type: 'string' } }),
        },
      }),
    },
  },
  ServiceAccount: {
    1: meta,
    2: { name: 'secrets', type: 'message', schema: () => OBJECT_REFERENCE, repeated: true },
    3: {
      name: 'imagePullSecrets',
      type: 'message',
      schema: () => ({ 1: { name: 'name', type: 'string' } }),
      repeated: true,
    },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
}

function readProto(buf: Buffer): { field: number; wire: number; value: bigint | Buffer }[] {
  const out: { field: number; wire: number; value: bigint | Buffer }[] = []
  let i = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint')
      const b = buf[i++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (i < buf.length) {
    const tag = Number(varint())
    const field = tag >> 3
    const wire = tag & 7
    if (wire === 0) out.push({ field, wire, value: varint() })
    else if (wire === 2) {
      const len = Number(varint())
      out.push({ field, wire, value: buf.subarray(i, i + len) })
      i += len
    } else if (wire === 1) i += 8
    else if (wire === 5) i += 4
    else throw new Error(`unsupported protobuf wire type ${wire}`)
  }
  return out
}

function decodeProto(buf: Buffer, schema: ProtoSchema): Record<string, any> {
  const obj: Record<string, any> = {}
  for (const { field, value } of readProto(buf)) {
    const f = schema[field]
    if (!f) continue
    let v: any
    if (f.type === 'map') {
      const entry = decodeProto(value as Buffer, {
        1: { name: 'key', type: 'string' },
        2: { name: 'value', type: f.value === 'bytes' ? 'bytes' : 'string' },
      })
      obj[f.name] ??= {}
      obj[f.name][entry.key ?? ''] = entry.value ?? ''
      continue
    }
    switch (f.type) {
      case 'string':
        v = (value as Buffer).toString('utf8')
        break
      case 'bytes':
        v = (value as Buffer).toString('base64')
        break
      case 'bool':
        v = value === 1n
        break
      case 'int':
        v = Number(value)
        break
      case 'time': {
        const t = decodeProto(value as Buffer, TIME)
        if (!t.seconds) continue // the zero Time: `null` in JSON, omitted here
        v = new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
        break
      }
      case 'message':
        v = decodeProto(value as Buffer, f.schema())
        break
    }
    if ('repeated' in f && f.repeated) (obj[f.name] ??= []).push(v)
    else if (v !== '' && v !== 0) obj[f.name] = v // gogo-proto always writes empty strings/zeros; JSON omits them
  }
  return obj
}

const PROTO_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

/** Decodes a `application/vnd.kubernetes.protobuf` body into the JSON form of the object. */
function decodeK8sProtobuf(body: Buffer): any {
  if (body.length < 4 || !body.subarray(0, 4).equals(PROTO_MAGIC))
    throw badRequest('protobuf body does not start with the k8s magic number')
  const unknown = decodeProto(body.subarray(4), {
    1: {
      name: 'typeMeta',
      type: 'message',
      schema: () => ({ 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } }),
    },
    2: { name: 'raw', type: 'bytes' },
  })
  const kind: string = unknown.typeMeta?.kind ?? ''
  const schema = PROTO_KINDS[kind]
  if (!schema)
    throw fail(415, 'UnsupportedMediaType', `fake-apiserver cannot decode protobuf for kind "${kind}"; send JSON`)
  return {
    apiVersion: unknown.typeMeta?.apiVersion,
    kind,
    ...decodeProto(Buffer.from(unknown.raw ?? '', 'base64'), schema),
  }
}

// ---------------------------------------------------------------------------------------------
// The server

interface Watcher {
  def: ResourceDef
  namespace?: string
  matches: (obj: any) => boolean
  send: (type: string, obj: any) => void
  end: () => void
}

interface Failure {
  match: RequestMatch
  status: number
  reason?: string
  message?: string
  remaining: number
}

interface Route {
  def: ResourceDef
  namespace?: string
  name?: string
  subresource?: string
  watchPrefix: boolean
}

function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`
}

// ---------------------------------------------------------------------------------------------
// RBAC denials (issue 24): the one place that decides what the fake user may not do. Reviews
// (SelfSubjectAccessReview) and real requests both ask `denied`, so a permission check that
// passes here cannot be followed by a 403, and one that fails names exactly what the request
// would have hit.

export interface AccessRule {
  verb: string
  /** Plural resource (`pods`). */
  resource: string
  /** API group; '' (the default) is the core group. */
  group?: string
  /** Omitted: every namespace and the cluster scope. */
  namespace?: string
}

function denied(
  rules: readonly AccessRule[],
  a: { verb?: string; resource?: string; group?: string; namespace?: string },
): boolean {
  return rules.some(
    (rule) =>
      rule.verb === a.verb &&
      rule.resource === a.resource &&
      (rule.group ?? '') === (a.group ?? '') &&
      (rule.namespace === undefined || rule.namespace === (a.namespace ?? '')),
  )
}

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = []
  const unhandled: RecordedRequest[] = []
  const objects = new Map<string, any>()
  const failures: Failure[] = []
  const drops: { match: RequestMatch; remaining: number }[] = []
  const delays: { match: RequestMatch; ms: number; remaining: number }[] = []
  const afters: { match: RequestMatch; fn: () => void; remaining: number }[] = []
  const watchers = new Set<Watcher>()
  const sockets = new Set<Socket>()
  const autoRollout = options.autoRollout ?? true
  const denials: AccessRule[] = []
  let rv = 1000

  const openapiDocs = new Map<string, { body: string; hash: string }>()
  for (const gv of GROUP_VERSIONS) {
    const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv]
    const body = JSON.stringify(openApiDocument(group, version))
    openapiDocs.set(group ? `apis/${gv}` : `api/${gv}`, {
      body,
      hash: createHash('sha512').update(body).digest('hex').toUpperCase(),
    })
  }

  // ---- store -------------------------------------------------------------------------------

  const nextRv = (): string => String(++rv)

  function notify(type: string, obj: any, old?: any): void {
    const def = defByKind(obj.kind, obj.apiVersion)
    for (const w of watchers) {
      if (w.def !== def) continue
      if (w.namespace !== undefined && obj.metadata?.namespace !== w.namespace) continue
      if (w.matches(obj)) w.send(type, obj)
      else if (old && w.matches(old)) w.send('DELETED', obj)
    }
  }

  function settle(obj: any): void {
    if (obj.kind !== 'Deployment' || !autoRollout) return
    const replicas = obj.spec?.replicas ?? 1
    const t = now()
    obj.status = {
      observedGeneration: obj.metadata.generation ?? 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          lastUpdateTime: t,
          lastTransitionTime: t,
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          lastUpdateTime: t,
          lastTransitionTime: t,
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${obj.metadata.name}-fake" has successfully progressed.`,
        },
      ],
    }
  }

  /** Fills server-side fields of a new object. */
  function prepareNew(def: ResourceDef, obj: any, namespace: string | undefined): void {
    obj.apiVersion = gvString(def)
    obj.kind = def.kind
    obj.metadata ??= {}
    if (def.namespaced) obj.metadata.namespace = namespace
    else delete obj.metadata.namespace
    obj.metadata.uid ??= randomUUID()
    obj.metadata.creationTimestamp ??= now()
    if (def.kind === 'Namespace') {
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name }
      obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) }
      obj.status = { phase: 'Active', ...(obj.status ?? {}) }
    }
    if (def.kind === 'Deployment') {
      obj.metadata.generation ??= 1
      obj.spec ??= {}
      obj.spec.replicas ??= 1
      if (!obj.status || Object.keys(obj.status).length === 0) settle(obj)
    }
  }

  function insert(def: ResourceDef, obj: any): any {
    obj.metadata.resourceVersion = nextRv()
    objects.set(objectKey(def.kind, obj.metadata.namespace, obj.metadata.name), obj)
    notify('ADDED', obj)
    deploymentController(obj)
    if (def.kind === 'Namespace') {
      const sa = {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: obj.metadata.name },
      }
      const saDef = defByKind('ServiceAccount')!
      if (!objects.has(objectKey('ServiceAccount', obj.metadata.name, 'default'))) {
        prepareNew(saDef, sa, obj.metadata.name)
        insert(saDef, sa)
      }
    }
    return obj
  }

  function remove(def: ResourceDef, obj: any): void {
    objects.delete(objectKey(def.kind, obj.metadata.namespace, obj.metadata.name))
    const gone = clone(obj)
    gone.metadata.resourceVersion = nextRv()
    notify('DELETED', gone)
    collectGarbage(obj)
    if (def.kind === 'Namespace') {
      for (const [key, o] of [...objects]) {
        if (o.metadata?.namespace === obj.metadata.name) {
          objects.delete(key)
          notify('DELETED', o)
        }
      }
    }
  }

  // ---- Deployment controller and garbage collector (stand-ins) -----------------------------

  /** The ReplicaSet of the Deployment's current pod template, made as the Deployment controller makes it. */
  function deploymentController(obj: any): void {
    if (obj.kind !== 'Deployment') return
    const ns = obj.metadata.namespace
    const hash = podTemplateHash(obj.spec?.template ?? {})
    const name = `${obj.metadata.name}-${hash}`
    if (objects.has(objectKey('ReplicaSet', ns, name))) return
    const labels = { ...(obj.spec?.template?.metadata?.labels ?? {}), 'pod-template-hash': hash }
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: ns,
        labels,
        annotations: { 'deployment.kubernetes.io/revision': String(obj.metadata.generation ?? 1) },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: obj.metadata.name,
            uid: obj.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: obj.spec?.replicas ?? 1,
        selector: {
          ...(obj.spec?.selector ?? {}),
          matchLabels: { ...(obj.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash },
        },
        template: {
          ...clone(obj.spec?.template ?? {}),
          metadata: { ...(obj.spec?.template?.metadata ?? {}), labels },
        },
      },
    }
    const def = defByKind('ReplicaSet')!
    prepareNew(def, rs, ns)
    insert(def, rs)
  }

  /** Removes what the deleted object owned (by uid), and what that owned in turn. */
  function collectGarbage(owner: any): void {
    const uid = owner.metadata?.uid
    if (!uid) return
    for (const o of [...objects.values()])
      if (
        (o.metadata?.ownerReferences ?? []).some((r: any) => r.uid === uid) &&
        objects.has(objectKey(o.kind, o.metadata.namespace, o.metadata.name))
      )
        remove(defByKind(o.kind, o.apiVersion)!, o)
  }

  function namespaceExists(ns: string): boolean {
    return objects.has(objectKey('Namespace', undefined, ns))
  }

  function list(def: ResourceDef, namespace: string | undefined, query: Record<string, string>): any[] {
    const byLabel = labelMatcher(query.labelSelector)
    const byField = fieldMatcher(query.fieldSelector)
    return [...objects.values()]
      .filter((o) => o.kind === def.kind && o.apiVersion === gvString(def))
      .filter((o) => namespace === undefined || o.metadata?.namespace === namespace)
      .filter((o) => byLabel(o) && byField(o))
      .sort((a, b) =>
        `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace ?? ''}/${b.metadata.name}`,
        ),
      )
  }

  function managerFor(query: Record<string, string>, userAgent: string | undefined): string {
    return query.fieldManager || (userAgent ?? 'unknown').split('/')[0] || 'unknown'
  }

  /**
   * Records field ownership: an Apply entry holds exactly the applied fields; an Update entry
   * gains the fields the update changed (and is left alone when it changed nothing).
   */
  function setManaged(
    obj: any,
    manager: string,
    operation: 'Apply' | 'Update',
    changed: Set<string>,
    def: ResourceDef,
  ): void {
    const all: any[] = obj.metadata.managedFields ?? []
    const previous = all.find((e: any) => e.manager === manager && e.operation === operation)
    if (operation === 'Update' && changed.size === 0) return
    const paths =
      operation === 'Update' && previous ? new Set([...fromFieldsV1(previous.fieldsV1), ...changed]) : changed
    const entries = all.filter((e) => e !== previous)
    if (paths.size > 0)
      entries.push({
        manager,
        operation,
        apiVersion: gvString(def),
        time: now(),
        fieldsType: 'FieldsV1',
        fieldsV1: toFieldsV1([...paths].sort()),
      })
    obj.metadata.managedFields = entries
  }

  /** Stores `updated` in place of `existing` unless nothing but timestamps changed. */
  function commitUpdate(
    def: ResourceDef,
    existing: any,
    updated: any,
    dryRun: boolean,
  ): { obj: any; changed: boolean } {
    updated.apiVersion = existing.apiVersion
    updated.kind = existing.kind
    updated.metadata ??= {}
    for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'generation'])
      if (existing.metadata[k] === undefined) delete updated.metadata[k]
      else updated.metadata[k] = existing.metadata[k]
    updated.metadata.resourceVersion = existing.metadata.resourceVersion
    if (def.kind === 'Deployment') {
      updated.status = existing.status
      updated.spec ??= {}
      updated.spec.replicas ??= 1
      if (!deepEqual(updated.spec, existing.spec)) updated.metadata.generation = (existing.metadata.generation ?? 1) + 1
    }
    if (def.kind === 'Namespace') updated.status = existing.status
    const strip = (o: any) => {
      const c = clone(o)
      for (const e of c.metadata.managedFields ?? []) delete e.time
      return c
    }
    if (deepEqual(strip(updated), strip(existing))) return { obj: existing, changed: false }
    if (def.kind === 'Deployment' && updated.metadata.generation !== existing.metadata.generation) settle(updated)
    if (dryRun) return { obj: updated, changed: true }
    updated.metadata.resourceVersion = nextRv()
    objects.set(objectKey(def.kind, updated.metadata.namespace, updated.metadata.name), updated)
    notify('MODIFIED', updated, existing)
    deploymentController(updated)
    return { obj: updated, changed: true }
  }

  /**
   * Field validation of a create/update/patch body, per `?fieldValidation=` (kubectl sends
   * `Strict`; the server default is `Warn`). Returns response headers carrying warnings.
   */
  function fieldValidation(def: ResourceDef, obj: any, query: Record<string, string>): Record<string, string> {
    const unknown = unknownFields(def, obj)
    if (unknown.length === 0) return {}
    if (query.fieldValidation !== 'Strict') for (const p of unknown) deletePath(obj, p.slice(1).split('.')) // dropped, as decoding does
    if (query.fieldValidation === 'Ignore') return {}
    const names = unknown.map((p) => `unknown field "${p.slice(1)}"`)
    if (query.fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${names.join(', ')}`)
    return { Warning: names.map((n) => `299 - ${JSON.stringify(n)}`).join(', ') }
  }

  function kindChecks(def: ResourceDef, obj: any, old: any): HttpError | undefined {
    if (def.kind === 'Secret') return normalizeSecret(obj) ?? validateSecret(def, obj, old)
    return undefined
  }

  function seed(input: any): any {
    const def = defByKind(input?.kind, input?.apiVersion) ?? defByKind(input?.kind)
    if (!def) throw new Error(`fake-apiserver: cannot seed kind ${String(input?.kind)}`)
    const obj = clone(input)
    const ns = def.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined
    if (ns !== undefined && !namespaceExists(ns)) seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
    prepareNew(def, obj, ns)
    if (def.kind === 'Secret') {
      const err = normalizeSecret(obj)
      if (err) throw new Error(`fake-apiserver: cannot seed secret: ${err.status.message}`)
    }
    const existing = objects.get(objectKey(def.kind, ns, obj.metadata.name))
    if (existing) {
      obj.metadata.resourceVersion = nextRv()
      objects.set(objectKey(def.kind, ns, obj.metadata.name), obj)
      notify('MODIFIED', obj, existing)
      deploymentController(obj)
      return clone(obj)
    }
    return clone(insert(def, obj))
  }

  for (const ns of options.namespaces ?? ['default'])
    seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })

  // ---- routing -----------------------------------------------------------------------------

  function route(pathname: string): Route | undefined {
    const segs = pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent)
    let group: string
    let version: string
    let rest: string[]
    if (segs[0] === 'api' && segs.length >= 2) {
      group = ''
      version = segs[1]!
      rest = segs.slice(2)
    } else if (segs[0] === 'apis' && segs.length >= 3) {
      group = segs[1]!
      version = segs[2]!
      rest = segs.slice(3)
    } else return undefined
    let watchPrefix = false
    if (rest[0] === 'watch') {
      watchPrefix = true
      rest = rest.slice(1)
    }
    const find = (plural: string | undefined) =>
      RESOURCES.filter(servedBy(objects)).find((r) => r.group === group && r.version === version && r.plural === plural)
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const def = find(rest[2])
      if (def?.namespaced) return { def, namespace: rest[1], name: rest[3], subresource: rest[4], watchPrefix }
    }
    const def = find(rest[0])
    if (!def) return undefined
    if (rest.length > 3) return undefined
    return { def, name: rest[1], subresource: rest[2], watchPrefix }
  }

  // ---- handlers ----------------------------------------------------------------------------

  type Reply = { code: number; body: any; headers?: Record<string, string> } | 'streaming'

  function handleResource(
    req: IncomingMessage,
    res: ServerResponse,
    r: Route,
    query: Record<string, string>,
    raw: Buffer,
    rec: RecordedRequest,
  ): Reply {
    const body = rec.body
    const { def } = r
    const method = req.method ?? 'GET'
    const accept = req.headers.accept ?? ''
    const wantsTable = /as=Table/.test(accept)
    const dryRun = query.dryRun === 'All'
    if (r.subresource !== undefined) throw new UnhandledRequest()
    if (!def.namespaced && r.namespace !== undefined) throw new UnhandledRequest()

    const parseBody = (yamlAllowed: boolean): any => {
      if (/^application\/vnd\.kubernetes\.protobuf/.test(rec.contentType ?? '')) {
        let obj: any
        try {
          obj = decodeK8sProtobuf(raw)
        } catch (e: any) {
          if (e?.status?.kind === 'Status') throw e
          throw badRequest(`error decoding protobuf: ${(e as Error).message}`)
        }
        rec.protobuf = true
        rec.body = JSON.stringify(obj)
        return obj
      }
      try {
        return yamlAllowed ? parseYaml(body) : JSON.parse(body)
      } catch (e) {
        throw badRequest(`error decoding ${yamlAllowed ? 'YAML' : 'JSON'}: ${(e as Error).message}`)
      }
    }
    const key = (name: string) => objectKey(def.kind, r.namespace, name)
    const asItem = (o: any) => {
      const c = clone(o)
      delete c.kind
      delete c.apiVersion
      return c
    }
    const listBody = (items: any[]) =>
      wantsTable
        ? toTable(def, items, String(rv), query.includeObject)
        : {
            kind: `${def.kind}List`,
            apiVersion: gvString(def),
            metadata: { resourceVersion: String(rv) },
            items: items.map(asItem),
          }

    // A namespaced resource addressed without a namespace only supports cluster-wide list/watch.
    if (def.namespaced && r.namespace === undefined && (r.name !== undefined || method !== 'GET'))
      throw new UnhandledRequest()

    const verb =
      method === 'GET'
        ? query.watch === 'true' || query.watch === '1' || r.watchPrefix
          ? 'watch'
          : r.name === undefined
            ? 'list'
            : 'get'
        : method === 'POST'
          ? 'create'
          : method === 'PUT'
            ? 'update'
            : method === 'PATCH'
              ? 'patch'
              : method === 'DELETE'
                ? r.name === undefined
                  ? 'deletecollection'
                  : 'delete'
                : method.toLowerCase()
    if (!def.verbs.includes(verb))
      throw fail(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')

    // RBAC denials: the request itself is refused as a real authorizer refuses it.
    if (
      def.kind !== 'SelfSubjectAccessReview' &&
      denied(denials, { verb, resource: def.plural, group: def.group, namespace: r.namespace ?? '' })
    )
      throw fail(403, 'Forbidden', defaultFailureMessage(403, method, req.url?.split('?')[0] ?? ''), {
        ...(r.name !== undefined && { name: r.name }),
        group: def.group,
        kind: def.plural,
      })

    if (def.kind === 'SelfSubjectAccessReview') {
      const review = parseBody(false)
      const attributes: Record<string, string> =
        review?.spec?.resourceAttributes ?? review?.spec?.nonResourceAttributes ?? {}
      const allowed = (options.authorize ? options.authorize(attributes) : true) && !denied(denials, attributes)
      return {
        code: 201,
        body: {
          kind: def.kind,
          apiVersion: gvString(def),
          metadata: { creationTimestamp: null },
          spec: review?.spec ?? {},
          status: allowed ? { allowed: true, reason: 'fake-apiserver allows it' } : { allowed: false },
        },
      }
    }

    if (method === 'GET' && (query.watch === 'true' || query.watch === '1' || r.watchPrefix)) {
      startWatch(req, res, r, query)
      return 'streaming'
    }

    if (method === 'GET' && r.name === undefined) return { code: 200, body: listBody(list(def, r.namespace, query)) }

    if (method === 'GET') {
      const obj = objects.get(key(r.name!))
      if (!obj) throw notFound(def.plural, r.name!, def.group)
      return {
        code: 200,
        body: wantsTable ? toTable(def, [obj], obj.metadata.resourceVersion, query.includeObject) : obj,
      }
    }

    if (method === 'POST' && r.name === undefined) {
      const obj = parseBody(/yaml/.test(rec.contentType ?? ''))
      if (!isObj(obj)) throw badRequest('the request body is not an object')
      const headers = fieldValidation(def, obj, query)
      obj.metadata ??= {}
      if (!obj.metadata.name && obj.metadata.generateName)
        obj.metadata.name = `${obj.metadata.generateName}${randomUUID().slice(0, 5)}`
      const nameErr = validateName(def, obj)
      if (nameErr) throw nameErr
      if (def.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== r.namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
      if (r.namespace !== undefined && !namespaceExists(r.namespace)) throw namespaceNotFound(r.namespace)
      if (objects.has(key(obj.metadata.name)))
        throw fail(
          409,
          'AlreadyExists',
          `${def.group ? `${def.plural}.${def.group}` : def.plural} "${obj.metadata.name}" already exists`,
          {
            name: obj.metadata.name,
            ...(def.group ? { group: def.group } : {}),
            kind: def.plural,
          },
        )
      for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields'])
        delete obj.metadata[k]
      prepareNew(def, obj, r.namespace)
      const err = kindChecks(def, obj, undefined)
      if (err) throw err
      setManaged(obj, managerFor(query, rec.userAgent), 'Update', leafPaths(obj), def)
      if (!dryRun) insert(def, obj)
      else obj.metadata.resourceVersion = ''
      return { code: 201, body: obj, headers }
    }

    if (method === 'PUT' && r.name !== undefined) {
      const obj = parseBody(/yaml/.test(rec.contentType ?? ''))
      if (!isObj(obj)) throw badRequest('the request body is not an object')
      const headers = fieldValidation(def, obj, query)
      obj.metadata ??= {}
      if (obj.metadata.name !== r.name)
        throw badRequest(
          `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${r.name})`,
        )
      const existing = objects.get(key(r.name))
      if (!existing) throw notFound(def.plural, r.name, def.group)
      if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== existing.metadata.resourceVersion)
        throw conflict(def, r.name)
      obj.metadata.managedFields = existing.metadata.managedFields
      const err = kindChecks(def, obj, existing)
      if (err) throw err
      setManaged(obj, managerFor(query, rec.userAgent), 'Update', changedPaths(existing, obj), def)
      return { code: 200, body: commitUpdate(def, existing, obj, dryRun).obj, headers }
    }

    if (method === 'PATCH' && r.name !== undefined) return patch(def, r, query, body, rec, dryRun)

    if (method === 'DELETE' && r.name !== undefined) {
      const existing = objects.get(key(r.name))
      if (!existing) throw notFound(def.plural, r.name, def.group)
      // DeleteOptions.preconditions, as the store checks them before deleting.
      const options = body.length ? parseBody(false) : undefined
      const pre = isObj(options) && isObj(options.preconditions) ? options.preconditions : {}
      const qualified = def.group ? `${def.plural}.${def.group}` : def.plural
      const details = { name: r.name, ...(def.group ? { group: def.group } : {}), kind: def.plural }
      for (const [field, label] of [
        ['uid', 'UID'],
        ['resourceVersion', 'ResourceVersion'],
      ] as const)
        if (typeof pre[field] === 'string' && pre[field] !== existing.metadata[field])
          throw fail(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${qualified} "${r.name}": Precondition failed: ${label} in precondition: ${pre[field]}, ${label} in object meta: ${existing.metadata[field]}`,
            details,
          )
      if (!dryRun) remove(def, existing)
      if (def.kind === 'Pod' || def.kind === 'Namespace') {
        const out = clone(existing)
        out.metadata.deletionTimestamp = now()
        if (def.kind === 'Namespace') out.status = { phase: 'Terminating' }
        return { code: 200, body: out }
      }
      return {
        code: 200,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: {
            name: r.name,
            ...(def.group ? { group: def.group } : {}),
            kind: def.plural,
            uid: existing.metadata.uid,
          },
        },
      }
    }

    if (method === 'DELETE' && r.name === undefined) {
      const victims = list(def, r.namespace, query)
      if (!dryRun) for (const v of victims) remove(def, v)
      return {
        code: 200,
        body: {
          kind: `${def.kind}List`,
          apiVersion: gvString(def),
          metadata: { resourceVersion: String(rv) },
          items: victims.map(asItem),
        },
      }
    }

    throw fail(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`)
  }

  function conflict(def: ResourceDef, name: string): HttpError {
    return fail(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${def.group ? `${def.plural}.${def.group}` : def.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, ...(def.group ? { group: def.group } : {}), kind: def.plural },
    )
  }

  function changedPaths(before: any, after: any): Set<string> {
    const a = leafPaths(before)
    const out = new Set<string>()
    for (const p of leafPaths(after)) {
      const path = JSON.parse(p) as string[]
      if (!a.has(p) || !deepEqual(getPath(before, path), getPath(after, path))) out.add(p)
    }
    return out
  }

  function patch(
    def: ResourceDef,
    r: Route,
    query: Record<string, string>,
    body: string,
    rec: RecordedRequest,
    dryRun: boolean,
  ): Reply {
    const name = r.name!
    const k = objectKey(def.kind, r.namespace, name)
    const existing = objects.get(k)
    const type = (rec.contentType ?? '').split(';')[0]!.trim()

    if (type === 'application/apply-patch+yaml') {
      const manager = query.fieldManager
      if (!manager)
        throw invalid(def, name, [
          { field: 'fieldManager', message: 'Required value: is required for apply patch', type: 'FieldValueRequired' },
        ])
      let config: any
      try {
        config = parseYaml(body)
      } catch (e) {
        throw badRequest(`error decoding YAML: ${(e as Error).message}`)
      }
      if (!isObj(config)) throw badRequest('the request body is not an object')
      // Server-side apply always rejects fields the schema does not declare, whatever fieldValidation says.
      const unknown = unknownFields(def, config)
      if (unknown.length > 0)
        throw badRequest(
          `failed to create typed patch object (${r.namespace ? `${r.namespace}/` : ''}${name}; ${gvString(def).includes('/') ? gvString(def) : `/${gvString(def)}`}, Kind=${def.kind}): ${unknown.map((u) => `${u}: field not declared in schema`).join(', ')}`,
        )
      if (config.apiVersion !== gvString(def) || config.kind !== def.kind)
        throw badRequest(
          `the API version in the data (${String(config.apiVersion)}) does not match the expected API version (${gvString(def)})`,
        )
      config.metadata ??= {}
      if (config.metadata.name !== name)
        throw badRequest(
          `the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${name})`,
        )
      if (def.namespaced && config.metadata.namespace !== undefined && config.metadata.namespace !== r.namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
      const force = query.force === 'true'
      const owned = leafPaths(config)

      if (!existing) {
        const nameErr = validateName(def, config)
        if (nameErr) throw nameErr
        if (r.namespace !== undefined && !namespaceExists(r.namespace)) throw namespaceNotFound(r.namespace)
        const obj = clone(config)
        for (const m of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields'])
          delete obj.metadata[m]
        prepareNew(def, obj, r.namespace)
        const err = kindChecks(def, obj, undefined)
        if (err) throw err
        setManaged(obj, manager, 'Apply', owned, def)
        if (!dryRun) insert(def, obj)
        return { code: 201, body: obj }
      }

      // A resourceVersion in the applied configuration is a precondition, as on PUT: the apply
      // result carries it, and the store refuses an update whose version is not the live one.
      if (config.metadata.resourceVersion && config.metadata.resourceVersion !== existing.metadata.resourceVersion)
        throw conflict(def, name)
      const entries: any[] = existing.metadata.managedFields ?? []
      const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply')
      const previouslyOwned = mine ? fromFieldsV1(mine.fieldsV1) : new Set<string>()
      const others = entries.filter((e) => e !== mine).map((e) => ({ entry: e, paths: fromFieldsV1(e.fieldsV1) }))

      // Conflicts: fields another manager owns, that this apply would set to a different value.
      const conflicts: { manager: string; path: string[] }[] = []
      for (const p of owned) {
        const path = JSON.parse(p) as string[]
        if (deepEqual(getPath(existing, path), getPath(config, path))) continue
        for (const o of others) if (o.paths.has(p)) conflicts.push({ manager: o.entry.manager, path })
      }
      if (conflicts.length > 0 && !force) {
        const causes = conflicts.map((c) => ({
          reason: 'FieldManagerConflict',
          message: `conflict with "${c.manager}" using ${gvString(def)}`,
          field: pathToField(c.path),
        }))
        const message =
          conflicts.length === 1
            ? `Apply failed with 1 conflict: conflict with "${conflicts[0]!.manager}" using ${gvString(def)}: ${pathToField(conflicts[0]!.path)}`
            : `Apply failed with ${conflicts.length} conflicts: ${[...new Set(conflicts.map((c) => c.manager))]
                .map(
                  (m) =>
                    `conflicts with "${m}" using ${gvString(def)}:\n${conflicts
                      .filter((c) => c.manager === m)
                      .map((c) => `- ${pathToField(c.path)}`)
                      .join('\n')}`,
                )
                .join('\n')}`
        throw fail(409, 'Conflict', message, { causes })
      }

      const updated = clone(existing)
      // Fields this manager applied before but no longer does, and nobody else owns, are removed.
      for (const p of previouslyOwned) {
        if (owned.has(p) || others.some((o) => o.paths.has(p))) continue
        deletePath(updated, JSON.parse(p) as string[])
      }
      const merged = applyMerge(updated, stripServerFields(config))
      // Ownership: forced conflicts move to this manager.
      const conflictKeys = new Set(conflicts.map((c) => JSON.stringify(c.path)))
      merged.metadata.managedFields = others
        .map(({ entry, paths }) => {
          const kept = [...paths].filter((p) => !conflictKeys.has(p))
          return kept.length === paths.size
            ? entry
            : kept.length
              ? { ...entry, fieldsV1: toFieldsV1(kept.sort()) }
              : undefined
        })
        .filter((e) => e !== undefined)
      if (mine && deepEqual([...previouslyOwned].sort(), [...owned].sort())) merged.metadata.managedFields.push(mine)
      else setManaged(merged, manager, 'Apply', owned, def)
      const err = kindChecks(def, merged, existing)
      if (err) throw err
      return { code: 200, body: commitUpdate(def, existing, merged, dryRun).obj }
    }

    if (!existing) throw notFound(def.plural, name, def.group)
    let patchBody: any
    try {
      patchBody = JSON.parse(body)
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`)
    }
    let updated: any
    if (type === 'application/strategic-merge-patch+json') updated = strategicMerge(existing, patchBody, def.kind)
    else if (type === 'application/merge-patch+json') updated = mergePatch(existing, patchBody)
    else if (type === 'application/json-patch+json') updated = jsonPatch(existing, patchBody)
    else
      throw fail(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      )
    if (!isObj(updated)) throw badRequest('patch did not produce an object')
    const headers = fieldValidation(def, updated, query)
    updated.metadata ??= {}
    if (updated.metadata.resourceVersion && updated.metadata.resourceVersion !== existing.metadata.resourceVersion)
      throw conflict(def, name)
    const err = kindChecks(def, updated, existing)
    if (err) throw err
    setManaged(updated, managerFor(query, rec.userAgent), 'Update', changedPaths(existing, updated), def)
    return { code: 200, body: commitUpdate(def, existing, updated, dryRun).obj, headers }
  }

  function stripServerFields(config: any): any {
    const c = clone(config)
    for (const m of SERVER_META) if (m !== 'name' && m !== 'namespace') delete c.metadata[m]
    delete c.status
    return c
  }

  function startWatch(req: IncomingMessage, res: ServerResponse, r: Route, query: Record<string, string>): void {
    const byLabel = labelMatcher(query.labelSelector)
    const byField = fieldMatcher(query.fieldSelector)
    // Old-style /api/v1/watch/namespaces/ns/pods/NAME watches a single object.
    const name = r.name
    startWatchWith(
      req,
      res,
      r,
      query,
      (o) => (name === undefined || o.metadata?.name === name) && byLabel(o) && byField(o),
    )
  }

  function startWatchWith(
    req: IncomingMessage,
    res: ServerResponse,
    r: Route,
    query: Record<string, string>,
    matches: (o: any) => boolean,
  ): void {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    })
    res.flushHeaders()
    let ended = false
    const watcher: Watcher = {
      def: r.def,
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      matches,
      send: (type, obj) => {
        if (!ended) res.write(`${JSON.stringify({ type, object: obj })}\n`)
      },
      end: () => {
        if (ended) return
        ended = true
        watchers.delete(watcher)
        clearTimeout(timer)
        res.end()
      },
    }
    const existing = list(r.def, r.namespace, {}).filter(matches)
    const from = query.resourceVersion
    if (query.sendInitialEvents === 'true') {
      for (const o of existing) watcher.send('ADDED', o)
      watcher.send('BOOKMARK', {
        kind: r.def.kind,
        apiVersion: gvString(r.def),
        metadata: { resourceVersion: String(rv), annotations: { 'k8s.io/initial-events-end': 'true' } },
      })
    } else if (!from || from === '0') {
      for (const o of existing) watcher.send('ADDED', o)
    } else {
      for (const o of existing) if (Number(o.metadata.resourceVersion) > Number(from)) watcher.send('MODIFIED', o)
    }
    const seconds = Math.min(Number(query.timeoutSeconds) || 30, 30)
    const timer = setTimeout(() => watcher.end(), seconds * 1000)
    watchers.add(watcher)
    res.on('close', () => watcher.end()) // not req 'close': that fires once the request body is read
  }

  function handleDiscovery(
    pathname: string,
    accept: string,
    host: string,
  ): { code: number; body: any; headers?: Record<string, string> } | undefined {
    const wantsAggregated = (options.aggregatedDiscovery ?? true) && /as=APIGroupDiscoveryList/.test(accept)
    const aggregatedVersion = /g=apidiscovery\.k8s\.io;\s*v=v2(?!beta)/.test(accept)
      ? 'v2'
      : /v=v2beta1/.test(accept)
        ? 'v2beta1'
        : undefined
    const served = RESOURCES.filter(servedBy(objects))
    const aggregated = (groups: string[]) => {
      const body = aggregatedDiscovery(groups, served)
      body.apiVersion = `apidiscovery.k8s.io/${aggregatedVersion}`
      return {
        code: 200,
        body,
        headers: {
          'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${aggregatedVersion};as=APIGroupDiscoveryList`,
        },
      }
    }
    const groups = [...new Set(served.map((r) => r.group).filter((g) => g !== ''))]
    switch (pathname) {
      case '/api':
        if (wantsAggregated && aggregatedVersion) return aggregated([''])
        return {
          code: 200,
          body: {
            kind: 'APIVersions',
            versions: ['v1'],
            serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
          },
        }
      case '/apis':
        if (wantsAggregated && aggregatedVersion) return aggregated(groups)
        return {
          code: 200,
          body: {
            kind: 'APIGroupList',
            apiVersion: 'v1',
            groups: groups.map((g) => {
              const versions = [...new Set(served.filter((r) => r.group === g).map((r) => r.version))].map((v) => ({
                groupVersion: `${g}/${v}`,
                version: v,
              }))
              return { name: g, versions, preferredVersion: versions[0] }
            }),
          },
        }
      case '/version':
        return {
          code: 200,
          body: {
            major: '1',
            minor: '33',
            emulationMajor: '1',
            emulationMinor: '33',
            minCompatibilityMajor: '1',
            minCompatibilityMinor: '32',
            gitVersion: 'v1.33.0-fake',
            gitCommit: '0000000000000000000000000000000000000000',
            gitTreeState: 'clean',
            buildDate: '2025-04-23T00:00:00Z',
            goVersion: 'go1.24.2',
            compiler: 'gc',
            platform: 'linux/amd64',
          },
        }
      case '/openapi/v3':
        return {
          code: 200,
          body: {
            paths: Object.fromEntries(
              [...openapiDocs]
                .filter(([p]) => served.some((r) => gvPath(r) === p))
                .map(([p, d]) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` }]),
            ),
          },
        }
      case '/healthz':
      case '/livez':
      case '/readyz':
        return { code: 200, body: 'ok', headers: { 'Content-Type': 'text/plain; charset=utf-8' } }
    }
    const gvMatch = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/?$/.exec(pathname)
    if (gvMatch) {
      const parts = gvMatch[1]!.split('/')
      const [group, version] = parts[0] === 'api' ? ['', parts[1]!] : [parts[1]!, parts[2]!]
      if (!served.some((r) => r.group === group && r.version === version)) return undefined
      return { code: 200, body: legacyResourceList(group, version, served) }
    }
    const groupMatch = /^\/apis\/([^/]+)\/?$/.exec(pathname)
    if (groupMatch && groups.includes(groupMatch[1]!)) {
      const g = groupMatch[1]!
      const versions = [...new Set(served.filter((r) => r.group === g).map((r) => r.version))].map((v) => ({
        groupVersion: `${g}/${v}`,
        version: v,
      }))
      return {
        code: 200,
        body: { kind: 'APIGroup', apiVersion: 'v1', name: g, versions, preferredVersion: versions[0] },
      }
    }
    const openapi = /^\/openapi\/v3\/(.+)$/.exec(pathname)
    if (openapi) {
      const doc = openapiDocs.get(openapi[1]!)
      if (doc)
        return { code: 200, body: doc.body, headers: { 'Content-Type': 'application/json', Etag: `"${doc.hash}"` } }
    }
    return undefined
  }

  // ---- http --------------------------------------------------------------------------------

  const matchesRequest = (m: RequestMatch, method: string, full: string) =>
    (m.method === undefined || m.method.toUpperCase() === method) && full.includes(m.pathIncludes)

  function send(res: ServerResponse, code: number, body: any, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      ...headers,
      'Content-Length': String(Buffer.byteLength(text)),
    })
    res.end(text)
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const method = (req.method ?? 'GET').toUpperCase()
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const query: Record<string, string> = {}
      for (const [k, v] of url.searchParams) query[k] = v
      const auth = req.headers.authorization
      const rec: RecordedRequest = {
        method,
        path: url.pathname,
        query,
        body: Buffer.concat(chunks).toString('utf8'),
        ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
        ...(req.headers['user-agent'] !== undefined ? { userAgent: req.headers['user-agent'] } : {}),
        ...(req.headers.accept !== undefined ? { accept: req.headers.accept } : {}),
        authorized: typeof auth === 'string' && /^Bearer\s+\S/.test(auth),
      }
      requests.push(rec)
      const full = `${url.pathname}${url.search}`
      const handle = () => {
        const drop = drops.find((d) => d.remaining > 0 && matchesRequest(d.match, method, full))
        if (drop) {
          drop.remaining--
          req.socket.destroy()
          return
        }
        const failure = failures.find((f) => f.remaining > 0 && matchesRequest(f.match, method, full))
        if (failure) {
          failure.remaining--
          const reason = failure.reason ?? DEFAULT_REASONS[failure.status] ?? 'Unknown'
          const message = failure.message ?? defaultFailureMessage(failure.status, method, url.pathname)
          send(
            res,
            failure.status,
            statusBody(failure.status, reason, message),
            failure.status === 429 ? { 'Retry-After': '0' } : {},
          )
          return
        }

        try {
          const discovery = handleDiscovery(url.pathname, req.headers.accept ?? '', req.headers.host ?? '127.0.0.1')
          if (discovery) {
            send(res, discovery.code, discovery.body, discovery.headers)
            return
          }
          const r = route(url.pathname)
          if (!r) throw new UnhandledRequest()
          const reply = handleResource(req, res, r, query, Buffer.concat(chunks), rec)
          if (reply !== 'streaming') send(res, reply.code, reply.body, reply.headers)
        } catch (e: any) {
          if (e?.unhandled) {
            unhandled.push(rec)
            send(
              res,
              404,
              statusBody(404, 'NotFound', 'the server could not find the requested resource', {
                causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }],
              }),
            )
          } else if (e && typeof e.code === 'number' && e.status?.kind === 'Status')
            send(res, e.code, e.status, e.headers)
          else
            send(
              res,
              500,
              statusBody(
                500,
                'InternalError',
                `Internal error occurred: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
              ),
            )
        }
        // Whatever the answer (a 404 too), the hook acts before the next request is read.
        const after = afters.find((a) => a.remaining > 0 && matchesRequest(a.match, method, full))
        if (after) {
          after.remaining--
          after.fn()
        }
      }
      const delay = delays.find((d) => d.remaining > 0 && matchesRequest(d.match, method, full))
      if (delay) {
        delay.remaining--
        setTimeout(handle, delay.ms)
      } else handle()
    })
  }
  const server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createServer(handler)
  // TLS sockets: 'secureConnection' would miss sockets that never finish the handshake.
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  function defaultFailureMessage(status: number, method: string, pathname: string): string {
    const r = route(pathname)
    const verb =
      method === 'GET'
        ? r?.name
          ? 'get'
          : 'list'
        : method === 'POST'
          ? 'create'
          : method === 'PUT'
            ? 'update'
            : method === 'PATCH'
              ? 'patch'
              : method === 'DELETE'
                ? r?.name
                  ? 'delete'
                  : 'deletecollection'
                : method.toLowerCase()
    const res = r ? (r.def.group ? `${r.def.plural}.${r.def.group}` : r.def.plural) : ''
    switch (status) {
      case 401:
        return 'Unauthorized'
      case 403:
        if (!r) return `forbidden: User "fake-user" cannot ${verb} path "${pathname}"`
        return `${r.name ? `${res} "${r.name}"` : res} is forbidden: User "fake-user" cannot ${verb} resource "${r.def.plural}" in API group "${r.def.group}"${r.namespace ? ` in the namespace "${r.namespace}"` : ' at the cluster scope'}`
      case 404:
        return r?.name ? `${res} "${r.name}" not found` : 'the server could not find the requested resource'
      case 409:
        return r?.name
          ? `Operation cannot be fulfilled on ${res} "${r.name}": the object has been modified; please apply your changes to the latest version and try again`
          : 'conflict'
      case 429:
        return 'Too many requests, please try again later.'
      case 500:
        return 'Internal error occurred: fake failure'
      case 503:
        return 'the server is currently unable to handle the request'
      default:
        return `fake failure ${status}`
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    unhandled,
    objects,
    failNext(match, status, reason, message, times = 1) {
      failures.push({
        match,
        status,
        ...(reason !== undefined ? { reason } : {}),
        ...(message !== undefined ? { message } : {}),
        remaining: times,
      })
    },
    closeConnectionNext(match, times = 1) {
      drops.push({ match, remaining: times })
    },
    delayNext(match, ms, times = 1) {
      delays.push({ match, ms, remaining: times })
    },
    afterNext(match, fn, times = 1) {
      afters.push({ match, fn, remaining: times })
    },
    denyAccess(rule) {
      denials.push(rule)
    },
    writes() {
      return requests.filter((r) => !['GET', 'HEAD'].includes(r.method) && !r.path.includes('selfsubjectaccessreviews'))
    },
    seed,
    get(kind, namespace, name) {
      return objects.get(objectKey(kind, namespace, name))
    },
    async close() {
      for (const w of [...watchers]) w.end()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const s of sockets) s.destroy()
      })
    },
  }
}

// ---------------------------------------------------------------------------------------------
// The Deployment controller's naming

/**
 * The `pod-template-hash` of a pod template: as the controller computes it, an FNV-1a 32-bit hash
 * of the template, printed in decimal and mapped onto the alphabet of `rand.SafeEncodeString`
 * (here of the template's JSON rather than Go's deep-hash print, so the values differ from a real
 * cluster's, not their form).
 */
export function podTemplateHash(template: unknown): string {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(JSON.stringify(template))) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
  return [...String(h)].map((c) => alphabet[c.charCodeAt(0) % alphabet.length]).join('')
}

/** The ReplicaSets the controller made for a Deployment, newest first. */
export function replicaSetsOf(api: FakeApiServer, namespace: string, deployment: string): any[] {
  return [...api.objects.values()]
    .filter(
      (o) =>
        o.kind === 'ReplicaSet' &&
        o.metadata.namespace === namespace &&
        (o.metadata.ownerReferences ?? []).some((r: any) => r.kind === 'Deployment' && r.name === deployment),
    )
    .sort((a, b) => Number(b.metadata.resourceVersion) - Number(a.metadata.resourceVersion))
}
