import { CfpullError, ExitCode, UsageError } from '../errors.js'
import { secretNameProblem } from '../yaml/schema.js'

/** Registry credentials as `kubectl create secret docker-registry` takes them. */
export interface RegistryAuth {
  server: string
  username: string
  password: string
  email?: string
}

/** A Secret manifest in the exact shape (and key order) kubectl prints it. */
export interface SecretManifest {
  kind: 'Secret'
  apiVersion: 'v1'
  metadata: { name: string; namespace: string; creationTimestamp: null }
  data: { '.dockerconfigjson': string }
  type: 'kubernetes.io/dockerconfigjson'
}

/** kubectl's default registry when --docker-server is not given. */
export const DEFAULT_DOCKER_SERVER = 'https://index.docker.io/v1/'

/** Checks what kubectl does not (the API server or the kubelet would fail later); throws a usage error. */
export function checkRegistryAuth(name: string, auth: RegistryAuth): void {
  const problem = secretNameProblem(name)
  if (problem) throw new UsageError(`secret name "${name}" ${problem}`)
  if (!auth.server || /\s/.test(auth.server))
    throw new UsageError('--docker-server must be a registry host or URL with no whitespace')
  if (!auth.username) throw new UsageError('--docker-username must not be empty')
  // The registry's auth field is base64("user:pass"): a ':' in the user would split it wrongly.
  if (auth.username.includes(':'))
    throw new UsageError('--docker-username must not contain ":" (the registry reads auth as user:password)')
  if (!auth.password) throw new UsageError('the registry password is empty')
}

/**
 * The `.dockerconfigjson` content, byte for byte as kubectl builds it with Go's json.Marshal:
 * compact, keys in the order username, password, email, auth; email left out when empty;
 * and <, >, &, U+2028, U+2029 escaped as \u00XX, which Go does and JSON.stringify does not.
 */
export function dockerConfigJson(auth: RegistryAuth): string {
  const entry: Record<string, string> = { username: auth.username, password: auth.password }
  if (auth.email) entry.email = auth.email
  entry.auth = base64(`${auth.username}:${auth.password}`)
  return goJson({ auths: { [auth.server]: entry } })
}

/** The Secret kubectl would create for these credentials in one namespace. */
export function buildDockerConfigSecret(name: string, namespace: string, auth: RegistryAuth): SecretManifest {
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name, namespace, creationTimestamp: null },
    data: { '.dockerconfigjson': base64(dockerConfigJson(auth)) },
    type: 'kubernetes.io/dockerconfigjson',
  }
}

/** Manifests as `kubectl … -o json` prints them: one object, or a v1 List for several. */
export function manifestsToJson(manifests: SecretManifest[]): string {
  if (manifests.length === 1) return `${JSON.stringify(manifests[0], null, 4)}\n`
  return `${JSON.stringify({ apiVersion: 'v1', items: manifests, kind: 'List', metadata: { resourceVersion: '' } }, null, 4)}\n`
}

/** Manifests as `kubectl … -o yaml` prints them (sorted keys), one YAML document each. */
export function manifestsToYaml(manifests: SecretManifest[]): string {
  return manifests
    .map((m) =>
      [
        'apiVersion: v1',
        'data:',
        `  .dockerconfigjson: ${m.data['.dockerconfigjson']}`,
        'kind: Secret',
        'metadata:',
        '  creationTimestamp: null',
        `  name: ${m.metadata.name}`,
        `  namespace: ${m.metadata.namespace}`,
        `type: ${m.type}`,
        '',
      ].join('\n'),
    )
    .join('---\n')
}

/** The strings that must never be printed: the password, and the encodings that carry it. */
export function secretForms(auth: RegistryAuth): string[] {
  const forms = [
    auth.password,
    base64(auth.password),
    base64(`${auth.username}:${auth.password}`),
    base64(dockerConfigJson(auth)),
    JSON.stringify(auth.password).slice(1, -1),
  ]
  return [...new Set(forms.filter((f) => f.length >= 1))]
}

/**
 * The secret forms inside a Secret's existing `.dockerconfigjson` (other registries' passwords,
 * auth fields, tokens, and the data itself): never printed either.
 */
export function existingSecretForms(secret: { type: string; data: Record<string, string> } | null): string[] {
  const base64Data = secret?.data[secret.type === DOCKERCFG ? '.dockercfg' : '.dockerconfigjson']
  if (!secret || !base64Data) return []
  const forms = [base64Data, fromBase64(base64Data)]
  const existing = readExistingSecret(secret)
  if (!('problem' in existing))
    for (const entry of Object.values(existing.auths)) {
      if (!isObject(entry)) continue
      for (const key of ['password', 'auth', 'identitytoken', 'registrytoken'])
        if (typeof entry[key] === 'string' && entry[key]) {
          forms.push(entry[key], base64(entry[key]), JSON.stringify(entry[key]).slice(1, -1))
          if (key === 'auth') forms.push(fromBase64(entry[key]))
        }
    }
  return [...new Set(forms.filter((f) => f.length >= 4))]
}

/** Replaces every secret form in a text (e.g. a tool's stderr) with ***. */
export function redact(text: string, secrets: string[]): string {
  let out = text
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join('***')
  return out
}

/** A docker config.json as Docker reads it (only the parts that hold or point at credentials). */
export interface DockerConfig {
  auths: Record<string, DockerAuthEntry>
  credsStore?: string
  credHelpers: Record<string, string>
}

export interface DockerAuthEntry {
  auth?: string
  username?: string
  password?: string
  email?: string
  identitytoken?: string
}

/** A docker config file that is not JSON, or not shaped like one (exit 3, with file:line:col). */
export class DockerConfigError extends CfpullError {
  constructor(
    readonly file: string,
    message: string,
    readonly hint?: string,
  ) {
    super(`${file}: ${message}`, ExitCode.InvalidInput)
  }
}

/** Parses a docker config.json; a syntax error names file:line:col. */
export function parseDockerConfig(text: string, file: string): DockerConfig {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    // V8's message may quote part of the text (credentials included): keep only the position.
    const m = /position (\d+)/.exec(err instanceof Error ? err.message : '')
    const at = m ? lineCol(text, Number(m[1])) : undefined
    throw new DockerConfigError(
      at ? `${file}:${at.line}:${at.col}` : file,
      text.trim() === '' ? 'is empty, not a docker config.json' : 'is not valid JSON',
      'fix the file, or log in again with `docker login` to rewrite it',
    )
  }
  if (!isObject(raw)) throw new DockerConfigError(file, 'is not a docker config (expected a JSON object)')
  const auths = isObject(raw.auths) ? raw.auths : {}
  const out: DockerConfig = { auths: {}, credHelpers: {} }
  for (const [key, entry] of Object.entries(auths)) {
    if (!isObject(entry)) continue
    const e: DockerAuthEntry = {}
    for (const f of ['auth', 'username', 'password', 'email', 'identitytoken'] as const)
      if (typeof entry[f] === 'string' && entry[f]) e[f] = entry[f]
    out.auths[key] = e
  }
  if (typeof raw.credsStore === 'string' && raw.credsStore) out.credsStore = raw.credsStore
  if (isObject(raw.credHelpers))
    for (const [host, helper] of Object.entries(raw.credHelpers))
      if (typeof helper === 'string' && helper) out.credHelpers[host] = helper
  return out
}

/**
 * The registry a docker config key or `--docker-server` value names, as the kubelet matches it:
 * host[:port][/path] without scheme and trailing slash; every Docker Hub name is `docker.io`.
 */
export function registryKey(server: string): string {
  const bare = server
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/+$/, '')
  const slash = bare.indexOf('/')
  const host = (slash < 0 ? bare : bare.slice(0, slash)).toLowerCase()
  const path = slash < 0 ? '' : bare.slice(slash)
  if (HUB_HOSTS.includes(host)) return 'docker.io'
  return path === '/v1' || path === '/v2' ? host : `${host}${path}`
}

const HUB_HOSTS = ['index.docker.io', 'docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']

/** The registries a docker config holds credentials for (auths and credHelpers), one per registry. */
export function dockerConfigRegistries(config: DockerConfig): string[] {
  const seen = new Map<string, string>()
  for (const key of [...Object.keys(config.auths), ...Object.keys(config.credHelpers)])
    if (!seen.has(registryKey(key))) seen.set(registryKey(key), key)
  return [...seen.values()]
}

/** Where Docker would look for this server's credentials: a helper, or the auths entry. */
export interface DockerCredentialPlan {
  /** The helper to call (`docker-credential-<helper> get`), from credHelpers[host] or credsStore. */
  helper?: { name: string; from: 'credHelpers' | 'credsStore' }
  /** The server URLs to ask the helper for, in order (the exact auths key first). */
  helperServerUrls: string[]
  /** The auths key for this server, when there is one. */
  authsKey?: string
  /** Inline credentials in that auths entry, when it has them. */
  inline?: { username: string; password: string }
  email?: string
  /** The auths entry holds an identity token (OAuth refresh token), which the kubelet cannot use. */
  identityToken?: boolean
}

/** Plans the lookup Docker does: credHelpers[host], then credsStore, then auths. */
export function planDockerCredentials(config: DockerConfig, server: string): DockerCredentialPlan {
  const key = registryKey(server)
  const authsKey = Object.keys(config.auths).find((k) => registryKey(k) === key)
  const helperKey = Object.keys(config.credHelpers).find((k) => registryKey(k) === key)
  const entry = authsKey ? config.auths[authsKey] : undefined
  const plan: DockerCredentialPlan = { helperServerUrls: [] }
  if (helperKey) plan.helper = { name: config.credHelpers[helperKey]!, from: 'credHelpers' }
  else if (config.credsStore) plan.helper = { name: config.credsStore, from: 'credsStore' }
  const hub = key === 'docker.io'
  plan.helperServerUrls = [
    ...new Set([
      ...(authsKey ? [authsKey] : []),
      ...(helperKey ? [helperKey] : []),
      ...(hub ? ['https://index.docker.io/v1/'] : [key, `https://${key}`]),
      server,
    ]),
  ]
  if (authsKey) plan.authsKey = authsKey
  if (entry) {
    let { username, password } = entry
    if ((!username || !password) && entry.auth) {
      const decoded = fromBase64(entry.auth)
      const i = decoded.indexOf(':')
      if (i > 0) [username, password] = [decoded.slice(0, i), decoded.slice(i + 1)]
    }
    if (username && password) plan.inline = { username, password }
    if (entry.email) plan.email = entry.email
    if (entry.identitytoken) plan.identityToken = true
  }
  return plan
}

/** A `.dockerconfigjson` already in a Secret, read in memory to merge into. */
export interface ExistingDockerConfig {
  /** Everything, as parsed (other top-level keys are kept). */
  config: Record<string, unknown>
  auths: Record<string, unknown>
}

/** Parses an existing Secret's `.dockerconfigjson` (base64); a problem is returned, not thrown. */
export function readExistingDockerConfig(base64Data: string | undefined): ExistingDockerConfig | { problem: string } {
  const parsed = parseField(base64Data, '.dockerconfigjson')
  if ('problem' in parsed) return parsed
  const auths = parsed.object.auths === undefined ? {} : parsed.object.auths
  if (!isObject(auths)) return { problem: 'holds a .dockerconfigjson whose "auths" is not an object' }
  return { config: parsed.object, auths }
}

const DOCKERCFG = 'kubernetes.io/dockercfg'

/**
 * The registries of a pull Secret, read in memory to merge into: a `.dockerconfigjson`, or the
 * legacy `.dockercfg`, which is the `auths` map itself (so converting it loses nothing).
 */
export function readExistingSecret(secret: {
  type: string
  data: Record<string, string>
}): ExistingDockerConfig | { problem: string } {
  if (secret.type !== DOCKERCFG) return readExistingDockerConfig(secret.data['.dockerconfigjson'])
  const parsed = parseField(secret.data['.dockercfg'], '.dockercfg')
  return 'problem' in parsed ? parsed : { config: { auths: parsed.object }, auths: parsed.object }
}

/** A Secret data field (base64) as a JSON object, or what is wrong with it. */
function parseField(
  base64Data: string | undefined,
  field: string,
): { object: Record<string, unknown> } | { problem: string } {
  if (base64Data === undefined) return { problem: `has no ${field} key` }
  let parsed: unknown
  try {
    parsed = JSON.parse(fromBase64(base64Data))
  } catch {
    return { problem: `holds a ${field} that is not JSON` }
  }
  return isObject(parsed) ? { object: parsed } : { problem: `holds a ${field} that is not a JSON object` }
}

/**
 * Two configs as one: `later`'s entries (and top-level keys) win over `earlier`'s for the same
 * registry. Used when a Secret that cfpull deleted to change its type is then found recreated by
 * someone else: what both held is kept.
 */
export function combineDockerConfigs(earlier: ExistingDockerConfig, later: ExistingDockerConfig): ExistingDockerConfig {
  const auths: Record<string, unknown> = {}
  const laterKeys = new Set(Object.keys(later.auths).map(registryKey))
  for (const [k, v] of Object.entries(earlier.auths)) if (!laterKeys.has(registryKey(k))) auths[k] = v
  Object.assign(auths, later.auths)
  return { config: { ...earlier.config, ...later.config, auths }, auths }
}

/** The registries (as registryKey spells them) of `before` that `after` no longer holds. */
export function droppedRegistries(before: ExistingDockerConfig, after: string[]): string[] {
  const kept = new Set(after)
  return [...new Set(Object.keys(before.auths).map(registryKey))].filter((r) => !kept.has(r))
}

/**
 * The `.dockerconfigjson` with these credentials merged in: every entry for the same registry
 * (any spelling of it) is replaced, every other entry is kept as it was. Keys are sorted as Go's
 * json.Marshal sorts map keys, so the result is what kubectl would write for the same entries.
 */
export function mergeDockerConfigJson(
  existing: ExistingDockerConfig | undefined,
  auth: RegistryAuth,
): { json: string; registries: string[]; replaced: string[] } {
  const fresh = JSON.parse(dockerConfigJson(auth)) as { auths: Record<string, unknown> }
  const key = registryKey(auth.server)
  const auths: Record<string, unknown> = {}
  const replaced: string[] = []
  for (const [k, v] of Object.entries(existing?.auths ?? {})) {
    if (registryKey(k) === key) replaced.push(k)
    else auths[k] = v
  }
  Object.assign(auths, fresh.auths)
  const sorted = Object.fromEntries(
    Object.keys(auths)
      .sort()
      .map((k) => [k, auths[k]]),
  )
  const config = { ...(existing?.config ?? {}), auths: sorted }
  const ordered = Object.fromEntries(
    Object.keys(config)
      .sort()
      .map((k) => [k, (config as Record<string, unknown>)[k]]),
  )
  return { json: goJson(ordered), registries: Object.keys(sorted).map(registryKey), replaced }
}

/** A dockerconfigjson Secret holding exactly this `.dockerconfigjson` text. */
export function secretFromDockerConfigJson(name: string, namespace: string, json: string): SecretManifest {
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name, namespace, creationTimestamp: null },
    data: { '.dockerconfigjson': base64(json) },
    type: 'kubernetes.io/dockerconfigjson',
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, col: offset - before.lastIndexOf('\n') }
}

// btoa/atob work on Latin-1 strings; go through UTF-8 bytes so non-ASCII passwords match kubectl.
function base64(s: string): string {
  let bin = ''
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b)
  return btoa(bin)
}

function fromBase64(s: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)))
  } catch {
    return ''
  }
}

function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
