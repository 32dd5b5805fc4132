import { UsageError } from './errors.js'
import { secretNameProblem } from './schema.js'

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

/** Replaces every secret form in a text (e.g. a tool's stderr) with ***. */
export function redact(text: string, secrets: string[]): string {
  let out = text
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join('***')
  return out
}

/**
 * Reads credentials for a server from a docker config.json (e.g. after `docker login`):
 * `auths[server].auth` (base64 user:pass) or username/password. Docker Hub has several names.
 */
export function authFromDockerConfig(
  text: string,
  server: string,
  file: string,
): { username: string; password: string; email?: string } {
  let config: {
    auths?: Record<string, { auth?: string; username?: string; password?: string; email?: string }>
    credsStore?: string
    credHelpers?: Record<string, string>
  }
  try {
    config = JSON.parse(text) as typeof config
  } catch {
    throw new UsageError(`${file} is not a docker config.json (not JSON)`)
  }
  const auths = config.auths ?? {}
  const key = candidates(server).find((k) => auths[k])
  const entry = key ? auths[key]! : undefined
  if (!entry) {
    const helper = config.credHelpers?.[hostOf(server)] ?? config.credsStore
    if (helper)
      throw new UsageError(
        `${file} keeps the ${server} password in the credential helper "docker-credential-${helper}", which cfpull does not call: use --password-stdin`,
      )
    throw new UsageError(
      `${file} has no auths entry for ${server} (it has: ${Object.keys(auths).join(', ') || 'none'})`,
    )
  }
  let { username, password } = entry
  if ((!username || !password) && entry.auth) {
    const decoded = fromBase64(entry.auth)
    const i = decoded.indexOf(':')
    if (i > 0) [username, password] = [decoded.slice(0, i), decoded.slice(i + 1)]
  }
  if (!username || !password)
    throw new UsageError(`${file}: the auths entry for ${server} has no username and password`)
  return { username, password, ...(entry.email && { email: entry.email }) }
}

function candidates(server: string): string[] {
  const host = hostOf(server)
  const hub = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io']
  if (hub.includes(server) || hub.includes(host)) return [server, ...hub]
  return [server, host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`]
}

function hostOf(server: string): string {
  return server.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '')
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
