import { readText } from '../adapters/files.js'
import {
  applyServerSide,
  createNamespace,
  namespaceExists,
  resourceVersion,
  type KubeTarget,
} from '../adapters/kubectl.js'
import { redactingRunner, type Runner } from '../adapters/run.js'
import { chartInfo } from '../core/charts.js'
import { CfpullError, ExitCode, UsageError, type ExitCodeValue } from '../core/errors.js'
import { resolveNamespaces, type Namespaces } from '../core/namespaces.js'
import {
  DEFAULT_DOCKER_SERVER,
  authFromDockerConfig,
  buildDockerConfigSecret,
  checkRegistryAuth,
  manifestsToJson,
  manifestsToYaml,
  redact,
  secretForms,
  type RegistryAuth,
} from '../core/registry-secret.js'
import { parseValues } from '../core/values.js'

export interface CreateSecretOptions {
  name: string
  server?: string
  username?: string
  email?: string
  passwordStdin: boolean
  /** --docker-password: accepted, with a warning, because argv is visible to other users. */
  password?: string
  fromDockerConfig?: string
  namespaces: string[]
  values?: string
  chartVersion?: string
  createNamespace: boolean
  dryRun: boolean
  output?: 'yaml' | 'json'
  kubeconfig?: string
  context?: string
  /** How many namespaces are worked on at once. */
  concurrency?: number
}

export interface CreateSecretDeps {
  run: Runner
  readStdin: () => Promise<string>
  env: Record<string, string | undefined>
  /** Called as soon as the namespaces are known, before acting (the CLI prints them). */
  onPlan?: (plan: { namespaces: string[]; passwordSource: PasswordSource; notes: string[] }) => void
}

export type PasswordSource = 'stdin' | 'env' | 'flag' | 'docker-config'
export type NamespaceAction = 'created' | 'configured' | 'unchanged' | 'failed'

export interface NamespaceResult {
  namespace: string
  action: NamespaceAction
  namespaceCreated?: boolean
  error?: unknown
}

export interface CreateSecretResult {
  name: string
  server: string
  namespaces: string[]
  passwordSource: PasswordSource
  /** With --dry-run: the manifests, in the format asked for. */
  manifests?: string
  results: NamespaceResult[]
  notes: string[]
  exitCode: ExitCodeValue
}

const PASSWORD_ENV = 'CFPULL_REGISTRY_PASSWORD'

/**
 * `cfpull create-secret`: the registry Secret in every namespace that needs it, created or
 * updated with server-side apply, the password only ever on kubectl's stdin.
 */
export async function createSecret(opts: CreateSecretOptions, deps: CreateSecretDeps): Promise<CreateSecretResult> {
  const server = opts.server ?? DEFAULT_DOCKER_SERVER
  const { auth, source } = await resolveAuth(opts, server, deps)
  checkRegistryAuth(opts.name, auth)
  const notes: string[] = []
  const namespaces = await targetNamespaces(opts, notes)
  deps.onPlan?.({ namespaces, passwordSource: source, notes })

  const manifests = namespaces.map((ns) => buildDockerConfigSecret(opts.name, ns, auth))
  const base = { name: opts.name, server, namespaces, passwordSource: source, notes }
  if (opts.dryRun) {
    return {
      ...base,
      manifests: opts.output === 'json' ? manifestsToJson(manifests) : manifestsToYaml(manifests),
      results: [],
      exitCode: ExitCode.Ok,
    }
  }

  const secrets = secretForms(auth)
  const run = redactingRunner(deps.run, (s) => redact(s, secrets))
  const target: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    ...(deps.env.CFPULL_KUBECTL && { bin: deps.env.CFPULL_KUBECTL }),
  }
  const results = await mapBounded(manifests, opts.concurrency ?? 4, async (manifest): Promise<NamespaceResult> => {
    const namespace = manifest.metadata.namespace
    try {
      let namespaceCreated = false
      if (opts.createNamespace && !(await namespaceExists(run, target, namespace))) {
        await createNamespace(run, target, namespace)
        namespaceCreated = true
      }
      const before = await resourceVersion(run, target, 'secret', opts.name, namespace)
      const after = await applyServerSide(run, target, namespace, JSON.stringify(manifest))
      const action: NamespaceAction = before === null ? 'created' : before === after ? 'unchanged' : 'configured'
      return { namespace, action, ...(namespaceCreated && { namespaceCreated }) }
    } catch (error) {
      return { namespace, action: 'failed', error }
    }
  })
  const failed = results.filter((r) => r.action === 'failed')
  const exitCode =
    failed.length === 0
      ? ExitCode.Ok
      : failed.some((r) => !(r.error instanceof CfpullError))
        ? ExitCode.Failure
        : ExitCode.ToolFailed
  return { ...base, results, exitCode }
}

async function resolveAuth(
  opts: CreateSecretOptions,
  server: string,
  deps: CreateSecretDeps,
): Promise<{ auth: RegistryAuth; source: PasswordSource }> {
  const email = opts.email ? { email: opts.email } : {}
  // The order is the contract: stdin, then the environment, then the flag, then a docker config.
  if (opts.passwordStdin) {
    const input = await deps.readStdin()
    return {
      auth: { server, username: need(opts.username), password: input.replace(/\r?\n$/, ''), ...email },
      source: 'stdin',
    }
  }
  const fromEnv = deps.env[PASSWORD_ENV]
  if (fromEnv) return { auth: { server, username: need(opts.username), password: fromEnv, ...email }, source: 'env' }
  if (opts.password !== undefined)
    return { auth: { server, username: need(opts.username), password: opts.password, ...email }, source: 'flag' }
  if (opts.fromDockerConfig) {
    const found = authFromDockerConfig(await readText(opts.fromDockerConfig), server, opts.fromDockerConfig)
    if (opts.username && opts.username !== found.username)
      throw new UsageError(
        `--docker-username ${opts.username} does not match the user ${found.username} stored for ${server} in ${opts.fromDockerConfig}`,
      )
    return {
      auth: {
        server,
        username: found.username,
        password: found.password,
        ...(opts.email ? email : found.email ? { email: found.email } : {}),
      },
      source: 'docker-config',
    }
  }
  throw new UsageError(
    `no registry password: pipe it to --password-stdin, set ${PASSWORD_ENV}, or pass --from-docker-config ~/.docker/config.json`,
  )
}

function need(username: string | undefined): string {
  if (!username) throw new UsageError('--docker-username is required')
  return username
}

async function targetNamespaces(opts: CreateSecretOptions, notes: string[]): Promise<string[]> {
  const out = [...opts.namespaces]
  if (opts.values) {
    const chart = chartInfo(opts.chartVersion)
    const ns: Namespaces = resolveNamespaces(parseValues(await readText(opts.values), opts.values).data, chart)
    for (const [role, value] of [
      ['core', ns.core],
      ['supervisor', ns.supervisor],
      ['plugins', ns.plugins],
    ] as const) {
      if (value) out.push(value)
      else
        notes.push(
          `${opts.values} does not set the ${role} namespace and chart ${chart.version} has no default: those pods go to the Helm release namespace; add it with -n`,
        )
    }
  }
  const unique = [...new Set(out)]
  if (unique.length === 0)
    throw new UsageError('no namespace: pass -n <namespace> (repeatable) or --values values.yaml')
  for (const ns of unique)
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63)
      throw new UsageError(`namespace "${ns}" is not a valid Kubernetes namespace name (DNS-1123 label)`)
  return unique
}

/** Runs `fn` over items with at most `limit` at once; results keep the items' order. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
