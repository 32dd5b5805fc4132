import { defaultDockerConfigPath, helperGet, readDockerConfigText } from '../../adapters/docker-credentials.js'
import { readText } from '../../adapters/files.js'
import {
  applyServerSide,
  createNamespace,
  deleteSecret,
  getSecret,
  namespaceExists,
  type ExistingSecret,
  type KubeTarget,
} from '../../adapters/kubectl.js'
import { isEcrHost, RegistryClient, registryEndpoint, type LoginCheck } from '../../adapters/registry.js'
import { redactingRunner, type Runner } from '../../adapters/run.js'
import {
  CfpullError,
  ExitCode,
  NoClusterError,
  UsageError,
  type ExitCodeValue,
  type Finding,
} from '../../core/errors.js'
import { buildInstallModel, chooseChart } from '../../core/cloudforet/install-model.js'
import {
  DEFAULT_DOCKER_SERVER,
  DockerConfigError,
  buildDockerConfigSecret,
  checkRegistryAuth,
  existingSecretForms,
  dockerConfigRegistries,
  manifestsToJson,
  manifestsToYaml,
  mergeDockerConfigJson,
  parseDockerConfig,
  planDockerCredentials,
  readExistingDockerConfig,
  redact,
  registryKey,
  secretForms,
  secretFromDockerConfigJson,
  type RegistryAuth,
  type SecretManifest,
} from '../../core/credentials/registry-secret.js'
import { parseValues } from '../../core/yaml/values.js'
import { mapLimit } from '../../core/map-limit.js'

export interface CreateSecretOptions {
  name: string
  /** --docker-server as given; without it: the one registry of --from-docker-config, else Docker Hub. */
  server?: string
  username?: string
  email?: string
  passwordStdin: boolean
  /** --docker-password: accepted, with a warning, because argv is visible to other users. */
  password?: string
  /** --from-docker-config [FILE]; `true` means Docker's default file. */
  fromDockerConfig?: string | true
  namespaces: string[]
  values?: string
  chartVersion?: string
  createNamespace: boolean
  dryRun: boolean
  output?: 'yaml' | 'json'
  /** Write only the new entry, dropping the Secret's other registries. */
  replaceAll?: boolean
  /** Delete and recreate a Secret of another type. */
  replace?: boolean
  /** Log in to the registry before writing. Undefined: on, except with --dry-run. */
  verify?: boolean
  /** A CA certificate file (PEM) for the registry, trusted besides the system's. */
  registryCa?: string
  kubeconfig?: string
  context?: string
  /** How many namespaces are worked on at once. */
  concurrency?: number
}

export interface CreateSecretDeps {
  run: Runner
  readStdin: () => Promise<string>
  env: Record<string, string | undefined>
  /**
   * Present when stdin is a terminal: shows the question and reads one line with echo off.
   * --password-stdin uses it instead of readStdin.
   */
  prompt?: (question: string) => Promise<string>
  /** Called as soon as the namespaces are known, before acting (the CLI prints them). */
  onPlan?: (plan: { namespaces: string[]; passwordSource: PasswordSource; notes: string[] }) => void
}

export type PasswordSource = 'stdin' | 'env' | 'flag' | 'docker-config'
export type NamespaceAction = 'created' | 'configured' | 'unchanged' | 'replaced' | 'failed'

export interface NamespaceResult {
  namespace: string
  action: NamespaceAction
  namespaceCreated?: boolean
  /** The registries the Secret holds credentials for after this run (hosts only). */
  registries?: string[]
  /** `replaced`: the type the deleted Secret had. */
  previousType?: string
  error?: unknown
}

export type LoginReport = LoginCheck | { result: 'skipped' }

export interface CreateSecretResult {
  name: string
  server: string
  namespaces: string[]
  passwordSource: PasswordSource
  /** With --dry-run: the manifests, in the format asked for. */
  manifests?: string
  results: NamespaceResult[]
  /** The registry login check (`skipped` with --no-verify, or with --dry-run unless --verify). */
  login: LoginReport
  /** What the read-only checks found; non-empty means nothing was written (exit 3). */
  findings: Finding[]
  /** Warnings: source conflicts, an unverifiable login, registries dropped. */
  notes: string[]
  /** Facts worth saying (the login check passed, a Secret was replaced, ECR token lifetime). */
  info: string[]
  exitCode: ExitCodeValue
}

/** The registry answered 401/403 to these credentials (exit 5); nothing was written. */
export class RegistryRejectedError extends CfpullError {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message, ExitCode.CheckFailed)
  }
}

const PASSWORD_ENV = 'CFPULL_REGISTRY_PASSWORD'
const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson'

const SOURCE_NAMES: Record<PasswordSource, string> = {
  stdin: '--password-stdin',
  flag: '--docker-password',
  'docker-config': '--from-docker-config',
  env: `$${PASSWORD_ENV}`,
}

/**
 * `cfpull create-secret`: the registry Secret in every namespace that needs it, merged into the
 * Secret already there (other registries kept), checked against the registry first, written with
 * server-side apply, the password only ever on kubectl's stdin.
 */
export async function createSecret(opts: CreateSecretOptions, deps: CreateSecretDeps): Promise<CreateSecretResult> {
  const notes: string[] = []
  const info: string[] = []
  const { auth, source, prompted } = await resolveAuth(opts, deps, notes)
  checkRegistryAuth(opts.name, auth)
  const server = auth.server
  const namespaces = await targetNamespaces(opts, notes)
  deps.onPlan?.({ namespaces, passwordSource: source, notes })

  const secrets = secretForms(auth)
  // Every child (kubectl, its exec credential plugins) runs without any variable holding a secret form.
  const write = redactingRunner(deps.run, (s) => redact(s, secrets), secrets)
  const read = redactingRunner(deps.run, (s) => s, secrets)
  const target: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    ...(deps.env.CFPULL_KUBECTL && { bin: deps.env.CFPULL_KUBECTL }),
  }
  const base = { name: opts.name, server, namespaces, passwordSource: source, notes, info }
  const concurrency = opts.concurrency ?? 4

  let states: NamespaceState[] = []
  if (!opts.dryRun) {
    states = await mapLimit(namespaces, concurrency, async (namespace) => ({
      namespace,
      exists: await namespaceExists(write, target, namespace),
      secret: await getSecret(read, target, opts.name, namespace),
    }))
    // Other registries' credentials are now in memory too: keep them out of every output and child.
    for (const st of states) secrets.push(...existingSecretForms(st.secret?.data['.dockerconfigjson']))
    const findings = preflight(states, opts)
    if (findings.length)
      return { ...base, results: [], login: { result: 'skipped' }, findings, exitCode: ExitCode.InvalidInput }
  }

  // Typed at a terminal and about to create the Secret: ask once more, as `passwd` does.
  if (prompted && deps.prompt && states.every((s) => s.secret === null)) {
    const again = await deps.prompt('Password again: ')
    if (again !== auth.password) throw new UsageError('the two passwords differ; nothing was changed')
  }

  const verify = opts.verify ?? !opts.dryRun
  const login: LoginReport = verify ? await checkLogin(auth, opts, deps, notes, info) : { result: 'skipped' }
  if (isEcrHost(server)) info.push(ecrNote(opts, server))

  if (opts.dryRun) {
    const manifests = namespaces.map((ns) => buildDockerConfigSecret(opts.name, ns, auth))
    info.push(
      `--dry-run reads nothing from the cluster: each manifest holds only ${registryKey(server)}, so applying it replaces the other registries an existing Secret holds`,
    )
    return {
      ...base,
      manifests: opts.output === 'json' ? manifestsToJson(manifests) : manifestsToYaml(manifests),
      results: [],
      login,
      findings: [],
      exitCode: ExitCode.Ok,
    }
  }

  const results = await mapLimit(states, concurrency, (state) => writeOne(state, auth, opts, write, target, secrets))
  // No cluster is one error, not the same one per namespace (none of them could be reached).
  const noCluster = results.find((r) => r.error instanceof NoClusterError)
  if (noCluster) throw noCluster.error
  const replaced = results.filter((r) => r.action === 'replaced')
  if (replaced.length)
    info.push(
      `deleted and recreated Secret ${opts.name} in ${replaced.map((r) => `${r.namespace} (was ${r.previousType})`).join(', ')}: running pods are unaffected; pods pull with the new Secret when they next start`,
    )
  const failed = results.filter((r) => r.action === 'failed')
  const exitCode =
    failed.length === 0
      ? ExitCode.Ok
      : failed.some((r) => !(r.error instanceof CfpullError))
        ? ExitCode.Failure
        : ExitCode.ToolFailed
  return { ...base, results, login, findings: [], exitCode }
}

interface NamespaceState {
  namespace: string
  exists: boolean
  secret: ExistingSecret | null
}

/** Everything that would make a write fail or lose something, found before anything is written. */
function preflight(states: NamespaceState[], opts: CreateSecretOptions): Finding[] {
  const findings: Finding[] = []
  for (const { namespace, exists, secret } of states) {
    if (!exists && !opts.createNamespace) {
      findings.push({
        message: `namespace ${namespace} does not exist`,
        fix: `add --create-namespace, or run: kubectl${opts.kubeconfig ? ` --kubeconfig ${opts.kubeconfig}` : ''}${opts.context ? ` --context ${opts.context}` : ''} create namespace ${namespace}`,
      })
      continue
    }
    if (!secret) continue
    if (secret.type !== DOCKERCONFIGJSON) {
      if (!opts.replace)
        findings.push({
          message: `Secret ${opts.name} in namespace ${namespace} has type ${secret.type}, not ${DOCKERCONFIGJSON}, and a Secret's type cannot be changed`,
          fix: `add --replace to delete it and create it as ${DOCKERCONFIGJSON} (running pods are unaffected until they restart), or choose another --name`,
        })
      continue
    }
    const existing = readExistingDockerConfig(secret.data['.dockerconfigjson'])
    if ('problem' in existing && !opts.replaceAll)
      findings.push({
        message: `Secret ${opts.name} in namespace ${namespace} ${existing.problem}, so its registries cannot be kept`,
        fix: 'add --replace-all to overwrite it with only the new registry',
      })
  }
  return findings
}

async function writeOne(
  state: NamespaceState,
  auth: RegistryAuth,
  opts: CreateSecretOptions,
  run: Runner,
  target: KubeTarget,
  secrets: string[],
): Promise<NamespaceResult> {
  const { namespace, secret } = state
  let deleted: string | undefined
  try {
    let namespaceCreated = false
    if (!state.exists) {
      await createNamespace(run, target, namespace)
      namespaceCreated = true
    }
    const wrongType = secret !== null && secret.type !== DOCKERCONFIGJSON
    const existing =
      secret && !wrongType && !opts.replaceAll ? readExistingDockerConfig(secret.data['.dockerconfigjson']) : undefined
    const merged = mergeDockerConfigJson(existing && !('problem' in existing) ? existing : undefined, auth)
    const manifest: SecretManifest = secretFromDockerConfigJson(opts.name, namespace, merged.json)
    secrets.push(manifest.data['.dockerconfigjson'])
    if (wrongType) {
      await deleteSecret(run, target, opts.name, namespace)
      deleted = secret.type
    }
    const after = await applyServerSide(run, target, namespace, JSON.stringify(manifest))
    const action: NamespaceAction = deleted
      ? 'replaced'
      : secret === null
        ? 'created'
        : secret.resourceVersion === after
          ? 'unchanged'
          : 'configured'
    return {
      namespace,
      action,
      registries: merged.registries,
      ...(namespaceCreated && { namespaceCreated }),
      ...(deleted && { previousType: deleted }),
    }
  } catch (error) {
    if (deleted && error instanceof CfpullError)
      return {
        namespace,
        action: 'failed',
        error: new CfpullError(
          `the old Secret ${opts.name} (type ${deleted}) was deleted, but creating the new one failed: ${error.message}; run the same command again`,
          error.exitCode,
        ),
      }
    return { namespace, action: 'failed', error }
  }
}

async function checkLogin(
  auth: RegistryAuth,
  opts: CreateSecretOptions,
  deps: CreateSecretDeps,
  notes: string[],
  info: string[],
): Promise<LoginCheck> {
  const ca = opts.registryCa ? [await readText(opts.registryCa)] : undefined
  const client = new RegistryClient(auth.server, {
    credentials: { username: auth.username, password: auth.password },
    ...(ca && { ca }),
    env: deps.env,
  })
  const check = await client.checkLogin()
  const host = client.host
  switch (check.result) {
    case 'accepted':
      info.push(
        `${host} accepted the credentials of ${auth.username} (${check.scheme === 'basic' ? 'Basic auth' : 'Bearer token'})`,
      )
      break
    case 'no-auth':
      notes.push(
        `${host} answers without asking for credentials, so they could not be checked; the Secret is written anyway`,
      )
      break
    case 'rejected':
      throw new RegistryRejectedError(
        `the registry rejected these credentials: ${check.by === 'token service' ? `the token service of ${host}` : host} answered ${check.status} for user ${auth.username}; nothing was changed`,
        'check --docker-username and the password (robot accounts need their full name, e.g. robot$project+ci); --no-verify skips this check',
      )
    case 'unverified':
      notes.push(
        `could not check the credentials with ${host} (${check.detail}); the Secret is written anyway${
          check.reason === 'tls'
            ? ': if the registry uses a private CA, pass --registry-ca FILE (or set NODE_EXTRA_CA_CERTS)'
            : ''
        }; --no-verify skips this check`,
      )
      break
  }
  return check
}

function ecrNote(opts: CreateSecretOptions, server: string): string {
  const region = /\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws/.exec(registryEndpoint(server).host)?.[1] ?? '<region>'
  const ns = opts.values ? ` --values ${opts.values}` : opts.namespaces.map((n) => ` -n ${n}`).join('')
  return `ECR passwords are tokens that expire after 12 hours: refresh the Secret before then (e.g. from a CronJob or CI schedule) with: aws ecr get-login-password --region ${region} | cfpull create-secret --name ${opts.name} --docker-server ${server} --docker-username AWS --password-stdin${ns}`
}

/**
 * Where the password comes from. Explicit flags win over the environment: --password-stdin,
 * then --docker-password, then --from-docker-config, then $CFPULL_REGISTRY_PASSWORD; every source
 * that lost is a warning naming the winner.
 */
async function resolveAuth(
  opts: CreateSecretOptions,
  deps: CreateSecretDeps,
  notes: string[],
): Promise<{ auth: RegistryAuth; source: PasswordSource; prompted: boolean }> {
  const given: PasswordSource[] = []
  if (opts.passwordStdin) given.push('stdin')
  if (opts.password !== undefined) given.push('flag')
  if (opts.fromDockerConfig !== undefined) given.push('docker-config')
  if (deps.env[PASSWORD_ENV]) given.push('env')
  const source = given[0]
  if (!source)
    throw new UsageError(
      `no registry password: pipe it to --password-stdin, set ${PASSWORD_ENV}, or pass --from-docker-config [~/.docker/config.json]`,
    )
  for (const lost of given.slice(1))
    notes.push(`${SOURCE_NAMES[lost]} ignored: the password came from ${SOURCE_NAMES[source]}, which wins over it`)

  const email = opts.email ? { email: opts.email } : {}
  if (source === 'docker-config') return { ...(await fromDockerConfig(opts, deps, notes)), source, prompted: false }
  const server = opts.server ?? DEFAULT_DOCKER_SERVER
  const username = need(opts.username)
  if (source === 'stdin') {
    if (deps.prompt) {
      const password = await deps.prompt('Password: ')
      return { auth: { server, username, password, ...email }, source, prompted: true }
    }
    const input = await deps.readStdin()
    return { auth: { server, username, password: input.replace(/\r?\n$/, ''), ...email }, source, prompted: false }
  }
  const password = source === 'flag' ? opts.password! : deps.env[PASSWORD_ENV]!
  return { auth: { server, username, password, ...email }, source, prompted: false }
}

/** Credentials as `docker pull` would find them: credHelpers[host], then credsStore, then auths. */
async function fromDockerConfig(
  opts: CreateSecretOptions,
  deps: CreateSecretDeps,
  notes: string[],
): Promise<{ auth: RegistryAuth }> {
  const file =
    opts.fromDockerConfig === true || opts.fromDockerConfig === undefined
      ? defaultDockerConfigPath(deps.env)
      : opts.fromDockerConfig
  const config = parseDockerConfig(await readDockerConfigText(file), file)
  let server = opts.server
  if (!server) {
    const registries = dockerConfigRegistries(config)
    if (registries.length === 0)
      throw new DockerConfigError(file, 'holds credentials for no registry', 'run docker login first')
    if (registries.length > 1)
      throw new UsageError(
        `${file} holds credentials for ${registries.length} registries (${registries.join(', ')}): pass --docker-server with the one this Secret is for`,
      )
    server = registries[0]!
  }
  const plan = planDockerCredentials(config, server)
  let found: { username: string; password: string } | undefined
  if (plan.helper) {
    const bin = `docker-credential-${plan.helper.name}`
    for (const url of plan.helperServerUrls) {
      const answer = await helperGet(deps.run, plan.helper.name, url)
      if (!answer.found) continue
      if (answer.identityToken)
        throw new DockerConfigError(
          file,
          `${bin} holds an identity token for ${server}, not a password; the kubelet cannot log in with it`,
          'create a token or robot account with a password for the registry and pass it with --password-stdin',
        )
      found = { username: answer.username, password: answer.secret }
      break
    }
    if (found && plan.inline)
      notes.push(
        `${file}: the auths entry for ${server} also holds a password; ${bin} (from ${plan.helper.from}) wins over it, as in Docker`,
      )
    if (!found && plan.inline) {
      notes.push(`${bin} (from ${plan.helper.from}) has no credentials for ${server}; using the auths entry in ${file}`)
      found = plan.inline
    }
    if (!found)
      throw new DockerConfigError(
        file,
        `${bin} (from ${plan.helper.from}) has no credentials for ${server} (asked for ${plan.helperServerUrls.join(', ')})`,
        `run docker login ${server}, or pass the password with --password-stdin`,
      )
  } else if (plan.inline) found = plan.inline
  else if (plan.identityToken)
    throw new DockerConfigError(
      file,
      `the auths entry for ${server} holds an identity token, not a password; the kubelet cannot log in with it`,
      'pass a password or access token with --password-stdin',
    )
  else if (plan.authsKey)
    throw new DockerConfigError(
      file,
      `the auths entry for ${server} has no username and password`,
      'run docker login again, or pass --password-stdin',
    )
  else
    throw new DockerConfigError(
      file,
      `has no credentials for ${server} (it has: ${dockerConfigRegistries(config).join(', ') || 'none'})`,
      `run docker login ${server}, or pass --docker-server with one of those`,
    )
  if (opts.username && opts.username !== found.username)
    throw new UsageError(
      `--docker-username ${opts.username} does not match the user ${found.username} stored for ${server} in ${file}`,
    )
  const email = opts.email ?? plan.email
  return { auth: { server, username: found.username, password: found.password, ...(email && { email }) } }
}

function need(username: string | undefined): string {
  if (!username) throw new UsageError('--docker-username is required')
  return username
}

async function targetNamespaces(opts: CreateSecretOptions, notes: string[]): Promise<string[]> {
  const out = [...opts.namespaces]
  if (opts.values) {
    // The install model says where this name is pulled: services in core and supervisor, the
    // plugin route's secret in the plugin namespace only. A name the file does not use yet goes everywhere.
    const chart = chooseChart({ ...(opts.chartVersion && { version: opts.chartVersion }) })
    const model = buildInstallModel(parseValues(await readText(opts.values), opts.values).data, chart)
    const need = model.needs.find((n) => n.name === opts.name)
    const ns = model.namespaces
    const roles = [
      ['core', ns.core],
      ['supervisor', ns.supervisor],
      ['plugins', ns.plugins],
    ] as const
    for (const [role, value] of roles) {
      if (need && !need.namespaces.includes(value)) continue
      if (value) out.push(value)
      else
        notes.push(
          `${opts.values} does not set the ${role} namespace and chart ${chart.info.version} has no default: those pods go to the Helm release namespace; add it with -n`,
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
