import { NoClusterError, ToolFailedError, ToolNotFoundError } from '../core/errors.js'
import { toolBinary, toolNotFound, type Runner } from './run.js'

/** Which cluster to talk to; passed to every kubectl call. */
export interface KubeTarget {
  kubeconfig?: string
  context?: string
  /** Binary to run (CFPULL_KUBECTL or `kubectl`). */
  bin?: string
}

function base(t: KubeTarget): string[] {
  return [...(t.kubeconfig ? ['--kubeconfig', t.kubeconfig] : []), ...(t.context ? ['--context', t.context] : [])]
}

/** The full argv (binary first) of a kubectl call, as it runs and as --dry-run prints it. */
export function kubectlArgv(t: KubeTarget, args: string[]): string[] {
  return [t.bin ?? toolBinary('kubectl'), ...base(t), ...args]
}

/** Runs kubectl; a non-zero exit becomes a ToolFailedError naming the step, with a hint. */
export async function kubectl(
  run: Runner,
  t: KubeTarget,
  args: string[],
  step: string,
  input?: string,
  timeout?: number,
): Promise<string> {
  const [file, ...argv] = kubectlArgv(t, args)
  let r
  try {
    r = await run(file!, argv, { ...(input !== undefined && { input }), ...(timeout && { timeout }) })
  } catch (err) {
    if (err instanceof ToolFailedError) throw err.inStep(step, hintFor(err.stderr))
    // A CFPULL_KUBECTL path with another name still gets kubectl's install hint.
    if (err instanceof ToolNotFoundError) throw toolNotFound('kubectl', file!)
    throw err
  }
  if (r.exitCode !== 0) {
    if (await noClusterConfigured(run, t, r.stderr)) throw new NoClusterError()
    throw new ToolFailedError('kubectl', r.exitCode, r.stderr, step, hintFor(r.stderr))
  }
  return r.stdout
}

/**
 * True when a failed kubectl or helm call had no cluster to talk to. With no kubeconfig (or one
 * without a current context) both fall back to http://localhost:8080; the failure says so, and
 * `kubectl config view --minify` (local, no cluster needed) confirms that no context is set, so
 * a kubeconfig that really names localhost:8080 keeps its own error.
 */
export async function noClusterConfigured(run: Runner, t: KubeTarget, stderr: string): Promise<boolean> {
  if (!/localhost:8080/.test(stderr)) return false
  const [file, ...argv] = kubectlArgv(t, ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])
  try {
    const r = await run(file!, argv)
    return r.exitCode !== 0 || r.stdout.trim() === ''
  } catch {
    return false
  }
}

/** Runs a kubectl read with `-o json` and parses it; output that is not JSON is the tool's failure, not cfpull's. */
export async function kubectlJson<T>(run: Runner, t: KubeTarget, args: string[], step: string): Promise<T> {
  const out = await kubectl(run, t, [...args, '-o', 'json'], step)
  try {
    return JSON.parse(out) as T
  } catch {
    throw new ToolFailedError(
      'kubectl',
      undefined,
      '',
      step,
      undefined,
      `printed something that is not JSON: ${JSON.stringify(out.slice(0, 60))}`,
    )
  }
}

/**
 * Creates or updates an object with server-side apply, the manifest on stdin: idempotent,
 * nothing secret on argv, and no last-applied-configuration annotation (which client-side
 * apply would fill with the whole object, secret data included). Returns the new resourceVersion.
 */
export async function applyServerSide(
  run: Runner,
  t: KubeTarget,
  namespace: string,
  manifest: string,
  fieldManager = 'cfpull',
): Promise<string> {
  const out = await kubectl(
    run,
    t,
    [
      'apply',
      '--server-side',
      `--field-manager=${fieldManager}`,
      '--force-conflicts',
      '-n',
      namespace,
      '-f',
      '-',
      '-o',
      'jsonpath={.metadata.resourceVersion}',
    ],
    `apply in namespace ${namespace}`,
    manifest,
  )
  return out.trim()
}

/** The resourceVersion of an object, or null when it does not exist (nothing else is read). */
export async function resourceVersion(
  run: Runner,
  t: KubeTarget,
  kind: string,
  name: string,
  namespace: string,
): Promise<string | null> {
  const out = await kubectl(
    run,
    t,
    ['get', kind, name, '-n', namespace, '--ignore-not-found', '-o', 'jsonpath={.metadata.resourceVersion}'],
    `get ${kind} ${name} in namespace ${namespace}`,
  )
  return out.trim() || null
}

export async function namespaceExists(run: Runner, t: KubeTarget, namespace: string): Promise<boolean> {
  const out = await kubectl(
    run,
    t,
    ['get', 'namespace', namespace, '--ignore-not-found', '-o', 'name'],
    `get namespace ${namespace}`,
  )
  return out.trim() !== ''
}

export async function createNamespace(run: Runner, t: KubeTarget, namespace: string): Promise<void> {
  await kubectl(run, t, ['create', 'namespace', namespace], `create namespace ${namespace}`)
}

/** The type of a Secret, or null when it does not exist (its data is never read). */
export async function secretType(run: Runner, t: KubeTarget, name: string, namespace: string): Promise<string | null> {
  const out = await kubectl(
    run,
    t,
    ['get', 'secret', name, '-n', namespace, '--ignore-not-found', '-o', 'jsonpath={.type}'],
    `get secret ${name} in namespace ${namespace}`,
  )
  return out === '' ? null : out.trim()
}

// kubectl's messages are terse; these say what usually fixes each.
function hintFor(stderr: string): string | undefined {
  if (/Unauthorized|You must be logged in/i.test(stderr))
    return 'kubectl is not authenticated to this cluster: check --kubeconfig / --context, or log in again'
  if (/forbidden/i.test(stderr))
    return 'your cluster user lacks permission for this: ask for RBAC rights on secrets (get, patch, create) in that namespace'
  if (/namespaces? "[^"]+" not found/.test(stderr))
    return 'the namespace does not exist: create it, or pass --create-namespace'
  if (/connection refused|no such host|i\/o timeout|Unable to connect/i.test(stderr))
    return 'kubectl cannot reach the API server: check the cluster address in your kubeconfig and the network'
  return undefined
}

/**
 * A Secret's type and data, read in memory for the preflight's credential check, or null when
 * it does not exist. The caller must not print, log or return the data.
 */
export async function readSecret(
  run: Runner,
  t: KubeTarget,
  name: string,
  namespace: string,
): Promise<{ type?: string; data?: Record<string, string> } | null> {
  const step = `get secret ${name} in namespace ${namespace}`
  const out = await kubectl(run, t, ['get', 'secret', name, '-n', namespace, '--ignore-not-found', '-o', 'json'], step)
  if (out.trim() === '') return null
  try {
    const s = JSON.parse(out) as { type?: string; data?: Record<string, string> }
    return { ...(s.type !== undefined && { type: s.type }), ...(s.data && { data: s.data }) }
  } catch {
    // Never quote the output: it is the Secret.
    throw new ToolFailedError('kubectl', undefined, '', step, undefined, 'printed something that is not JSON')
  }
}

/** What create-secret needs of an existing Secret: its type and data, read into memory only. */
export interface ExistingSecret {
  type: string
  data: Record<string, string>
  resourceVersion: string
  /** Its metadata marks: a GitOps controller's label or annotation says it manages the Secret. */
  labels: Record<string, string>
  annotations: Record<string, string>
}

/**
 * Reads a Secret (data included) or returns null when there is none. Call with a runner that
 * does not redact: the data is parsed here and never printed.
 */
export async function getSecret(
  run: Runner,
  t: KubeTarget,
  name: string,
  namespace: string,
): Promise<ExistingSecret | null> {
  const step = `get secret ${name} in namespace ${namespace}`
  const out = await kubectl(run, t, ['get', 'secret', name, '-n', namespace, '--ignore-not-found', '-o', 'json'], step)
  if (out.trim() === '') return null
  let obj: {
    type?: unknown
    data?: unknown
    metadata?: { resourceVersion?: unknown; labels?: unknown; annotations?: unknown }
  }
  try {
    obj = JSON.parse(out) as typeof obj
  } catch {
    // Never quote the output: it is the Secret.
    throw new ToolFailedError('kubectl', undefined, '', step, undefined, 'printed something that is not JSON')
  }
  const data: Record<string, string> = {}
  if (obj.data && typeof obj.data === 'object')
    for (const [k, v] of Object.entries(obj.data as Record<string, unknown>)) if (typeof v === 'string') data[k] = v
  return {
    type: typeof obj.type === 'string' ? obj.type : 'Opaque',
    data,
    resourceVersion: typeof obj.metadata?.resourceVersion === 'string' ? obj.metadata.resourceVersion : '',
    labels: stringMap(obj.metadata?.labels),
    annotations: stringMap(obj.metadata?.annotations),
  }
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x
  return out
}

/**
 * Creates an object from the manifest on stdin (POST): refused with AlreadyExists when someone
 * else created it since it was read as missing, which server-side apply would overwrite instead.
 * Returns the new resourceVersion.
 */
export async function createFromManifest(
  run: Runner,
  t: KubeTarget,
  namespace: string,
  manifest: string,
): Promise<string> {
  const out = await kubectl(
    run,
    t,
    ['create', '--field-manager=cfpull', '-n', namespace, '-f', '-', '-o', 'jsonpath={.metadata.resourceVersion}'],
    `create in namespace ${namespace}`,
    manifest,
  )
  return out.trim()
}

/**
 * Deletes a Secret only while it still has this resourceVersion (DeleteOptions.preconditions,
 * which `kubectl delete` has no flag for, so the request goes as --raw with the options on stdin).
 */
export async function deleteSecretAtVersion(
  run: Runner,
  t: KubeTarget,
  name: string,
  namespace: string,
  resourceVersion: string,
): Promise<void> {
  const options = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion } }
  await kubectl(
    run,
    t,
    ['delete', '--raw', `/api/v1/namespaces/${namespace}/secrets/${name}`, '-f', '-'],
    `delete secret ${name} in namespace ${namespace}`,
    JSON.stringify(options),
  )
}

/**
 * A write the API server refused because the object is not as it was read: a resourceVersion
 * precondition that no longer holds (409 Conflict), or a create of an object that now exists.
 */
export function isWriteConflict(err: unknown): boolean {
  return (
    err instanceof ToolFailedError &&
    /the object has been modified|Precondition failed: ResourceVersion|\(AlreadyExists\)/.test(err.stderr)
  )
}

/** Deletes a Secret (and waits until it is gone). */
export async function deleteSecret(run: Runner, t: KubeTarget, name: string, namespace: string): Promise<void> {
  await kubectl(run, t, ['delete', 'secret', name, '-n', namespace], `delete secret ${name} in namespace ${namespace}`)
}

/** The kubeconfig context kubectl would use, and the namespace it sets when it sets one. */
export interface KubeContext {
  context: string
  namespace?: string
}

/** The argv (without the binary) of the local kubeconfig read behind {@link kubeContext}. */
export function kubeContextArgs(t: KubeTarget): string[] {
  return kubectlArgv(t, [
    'config',
    'view',
    '--minify',
    '-o',
    'jsonpath={.current-context}{"\\n"}{.contexts[0].context.namespace}',
  ]).slice(1)
}

/**
 * The context --context/--kubeconfig (or KUBECONFIG and the current context) select, and its
 * namespace: what kubectl itself takes when -n is not given. Reads only the kubeconfig
 * (`config view --minify`), never the cluster; null when there is no current context.
 */
export async function kubeContext(run: Runner, t: KubeTarget): Promise<KubeContext | null> {
  const file = kubectlArgv(t, [])[0]!
  let r
  try {
    r = await run(file, kubeContextArgs(t))
  } catch (err) {
    if (err instanceof ToolNotFoundError) throw toolNotFound('kubectl', file)
    throw err
  }
  if (r.exitCode !== 0) {
    if (/current-context must exist/.test(r.stderr)) return null
    throw new ToolFailedError('kubectl', r.exitCode, r.stderr, "kubectl config view (the context's namespace)")
  }
  const [context = '', namespace = ''] = r.stdout.split('\n')
  return context ? { context, ...(namespace && { namespace }) } : null
}
