// core/credentials/ is registry credentials as Kubernetes and the kubelet see them, apart from any
// chart: it exists so that create-secret, doctor, apply and the pull check build, read and match
// pull Secrets one way, holding usernames and passwords in memory only and out of every
// message and result meant for display. registry-secret.ts builds and merges the
// `kubernetes.io/dockerconfigjson` Secret (and reads a local config.json), this file decodes the
// docker configs that pull Secrets hold and matches their keys as the kubelet does, and
// image-ref.ts reads image references as the kubelet resolves them before it asks for
// credentials. It knows nothing of Cloudforet or the image inventory: it imports only its own
// files, ../errors.ts and ../yaml/ (the Secret-name rule), so that cloudforet/, images/ and the
// top level can build on it.
//
// One decoder of docker configs, two policies. The kubelet reads a Secret's `.dockerconfigjson`
// (`{"auths": {…}}`) or legacy `.dockercfg` (the map itself) into a keyring: a key is a URL
// without scheme; its host must have as many dot-separated parts as the image's registry, each
// matched as a glob (`*.example.com` is one level only), the port must be equal, and the key's
// path must be a prefix of the image's path. When nothing matches, an image on Docker Hub still
// gets the `index.docker.io` entry (what `https://index.docker.io/v1/`, kubectl's default server,
// is stored as). This follows pkg/credentialprovider/keyring.go and secrets/secrets.go.
// - Strict (`readPullSecret`, `readDockerConfig`): a config the kubelet could not read throws a
//   DockerConfigError, because then the pod cannot pull at all; the entries say only whether they
//   have credentials. Used to match keys against images.
// - Lenient (`keyringOfSecret`, `keyringOfDockerConfig`): a bad entry is skipped, an unreadable
//   Secret is a reason to show; the entries carry the credentials for the registry client.

import { DEFAULT_REGISTRY, parseImageRef, type ImageRef } from './image-ref.js'

const DEFAULT_REGISTRY_KEY = 'index.docker.io'

/** A username and password, as an entry authenticates with them (never printed). */
export interface PullAuth {
  username: string
  password: string
}

/** What every entry of a docker config is, whichever policy read it. */
export interface ConfigEntry {
  /** The key exactly as written in the Secret (`https://index.docker.io/v1/`). */
  key: string
  /** What the kubelet matches against: host plus path, no scheme, `/v1/`·`/v2/` dropped (`index.docker.io`). */
  location: string
}

/** One entry of a docker config, as the kubelet files it (strict policy: no credential in it). */
export interface CredentialEntry extends ConfigEntry {
  /** Whether the entry has a username or password (from `auth` or the separate fields). */
  hasCredentials: boolean
}

/** One config entry with what it authenticates with (lenient policy; never printed). */
export interface KeyringEntry extends ConfigEntry {
  /** Undefined when the entry has no username or password: the kubelet then sends none. */
  auth?: PullAuth
}

/** A keyring entry tagged with the Secret it came from, for the report. */
export interface SourcedEntry extends KeyringEntry {
  secret: string
}

/** A docker config the kubelet could not read: then the pod cannot pull at all. The message never quotes the data. */
export class DockerConfigError extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'DockerConfigError'
  }
}

export type DockerConfigFormat = 'dockerconfigjson' | 'dockercfg'

type PullSecret = { type?: string; data?: Record<string, string> }

// ---- the shared decoder -------------------------------------------------------------------

/** Why a Secret gives no docker config text; each policy words it for its own readers. */
type SecretProblem = { kind: 'type'; type: string | undefined } | { kind: 'no-data' | 'not-utf8'; field: string }

/** A Secret's docker config text: type → data field, base64 → UTF-8. */
function secretText(secret: PullSecret): { format: DockerConfigFormat; field: string; text: string } | SecretProblem {
  const format =
    secret.type === 'kubernetes.io/dockerconfigjson'
      ? 'dockerconfigjson'
      : secret.type === 'kubernetes.io/dockercfg'
        ? 'dockercfg'
        : undefined
  if (!format) return { kind: 'type', type: secret.type }
  const field = fieldOf(format)
  const b64 = secret.data?.[field]
  if (!b64) return { kind: 'no-data', field }
  try {
    return { format, field, text: new TextDecoder('utf-8', { fatal: true }).decode(bytesOfBase64(b64)) }
  } catch {
    return { kind: 'not-utf8', field }
  }
}

/** One entry as decoded, before a policy judges it. */
type DecodedEntry =
  | { key: string; notObject: true }
  | {
      key: string
      notObject?: false
      location: string
      /** The `username` and `password` fields. */
      fields: PullAuth
      /** The `auth` field: absent, its bytes (user:password), or why the kubelet refuses it. */
      auth: AuthField
    }

type AuthField = { bytes: Uint8Array } | undefined | 'not-base64' | 'not-user-password'

const COLON = 0x3a

/**
 * The entries of a docker config text, in key order: `not-json`, or `not-object` when there is
 * no map of entries (a `.dockerconfigjson` object without `auths` is an empty map). Keys the
 * kubelet cannot parse as a URL are left out, after an entry that is not an object is reported.
 */
function decodeConfig(json: string, format: DockerConfigFormat): DecodedEntry[] | 'not-json' | 'not-object' {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    // JSON.parse's own message quotes the text, which holds the password: never pass it on.
    return 'not-json'
  }
  if (format === 'dockerconfigjson' && isObject(parsed) && parsed.auths === undefined) return []
  const map = format === 'dockerconfigjson' ? (isObject(parsed) ? parsed.auths : undefined) : parsed
  if (!isObject(map)) return 'not-object'
  const out: DecodedEntry[] = []
  for (const [key, value] of Object.entries(map)) {
    if (!isObject(value)) {
      out.push({ key, notObject: true })
      continue
    }
    const location = kubeletLocation(key)
    if (location === null) continue
    const str = (x: unknown) => (typeof x === 'string' ? x : '')
    out.push({
      key,
      location,
      fields: { username: str(value.username), password: str(value.password) },
      auth: decodeAuth(str(value.auth)),
    })
  }
  return out
}

// The kubelet's DockerConfigEntry: `auth` is base64 of user:password, split at the first ':'.
function decodeAuth(auth: string): AuthField {
  if (!auth) return undefined
  let bytes: Uint8Array
  try {
    bytes = bytesOfBase64(auth)
  } catch {
    return 'not-base64'
  }
  return bytes.includes(COLON) ? { bytes } : 'not-user-password'
}

// ---- strict: the kubelet's refusals are errors --------------------------------------------

/**
 * Reads the entries of a `.dockerconfigjson` (`{"auths": {…}}`) or legacy `.dockercfg` (the
 * map itself), given as decoded JSON text. Entries whose key the kubelet cannot parse as a URL
 * are left out, as the kubelet leaves them out.
 */
export function readDockerConfig(json: string, format: DockerConfigFormat): CredentialEntry[] {
  const decoded = decodeConfig(json, format)
  if (decoded === 'not-json') throw new DockerConfigError(`the ${fieldOf(format)} is not JSON`)
  if (decoded === 'not-object')
    throw new DockerConfigError(
      format === 'dockercfg' ? 'the .dockercfg is not a JSON object' : 'the .dockerconfigjson has no "auths" object',
    )
  return decoded.map((e) => {
    if (e.notObject) throw new DockerConfigError(`the entry for ${e.key} is not an object`)
    return { key: e.key, location: e.location, hasCredentials: hasCredentials(e) }
  })
}

/**
 * The entries of a Secret as the kubelet reads them for pulls: `.dockerconfigjson` of a
 * `kubernetes.io/dockerconfigjson` Secret, `.dockercfg` of a `kubernetes.io/dockercfg` one
 * (`data` values in base64, as the API returns them). Any other type gives nothing to pull with.
 */
export function readPullSecret(secret: PullSecret): CredentialEntry[] {
  const read = secretText(secret)
  if ('text' in read) return readDockerConfig(read.text, read.format)
  switch (read.kind) {
    case 'type':
      throw new DockerConfigError(
        `its type is ${read.type ?? 'unset'}; the kubelet pulls only with kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`,
      )
    case 'no-data':
      throw new DockerConfigError(`it has no ${read.field} data`)
    case 'not-utf8':
      throw new DockerConfigError(`its ${read.field} is not base64 of UTF-8 text`)
  }
}

// The separate fields count first; only without them is `auth` read, and then it must be valid.
function hasCredentials(e: Extract<DecodedEntry, { location: string }>): boolean {
  if (e.fields.username || e.fields.password) return true
  if (e.auth === 'not-base64') throw new DockerConfigError(`the auth of the entry for ${e.key} is not base64`)
  // The kubelet splits user:password at the first ':' and refuses an auth without one.
  if (e.auth === 'not-user-password')
    throw new DockerConfigError(`the auth of the entry for ${e.key} is not base64 of user:password`)
  // More than the ':' itself: a username or a password.
  return !!e.auth && e.auth.bytes.length > 1
}

// ---- lenient: the registry client's keyring -----------------------------------------------

/**
 * The entries of a docker config (`{"auths": {...}}`, or the bare map of a legacy `.dockercfg`),
 * with their credentials; keys the kubelet cannot read are left out. Null when it is not JSON.
 */
export function keyringOfDockerConfig(
  json: string,
  format: DockerConfigFormat = 'dockerconfigjson',
): KeyringEntry[] | null {
  const decoded = decodeConfig(json, format)
  if (decoded === 'not-json') return null
  if (decoded === 'not-object') return []
  const out: KeyringEntry[] = []
  for (const e of decoded) {
    if (e.notObject) continue
    // `auth`, when present, wins over the fields; one the kubelet cannot split gives no credentials.
    const auth = e.auth === undefined ? e.fields : typeof e.auth === 'string' ? undefined : splitAuth(e.auth.bytes)
    const usable = auth && (auth.username || auth.password) ? auth : undefined
    out.push({ key: e.key, location: e.location, ...(usable && { auth: usable }) })
  }
  return out
}

/**
 * A pull Secret from the API (`type`, base64 `data`) as the kubelet reads it for pulls, or the
 * reason it gives nothing to pull with.
 */
export function keyringOfSecret(secret: PullSecret): KeyringEntry[] | string {
  const read = secretText(secret)
  if ('text' in read)
    // Never the parser's message: it would quote the text, credentials included.
    return keyringOfDockerConfig(read.text, read.format) ?? `has a ${read.field} that is not JSON`
  switch (read.kind) {
    case 'type':
      return `has type ${read.type ?? 'unset'}, which the kubelet does not pull with`
    case 'no-data':
      return `has no ${read.field}`
    case 'not-utf8':
      return `has a ${read.field} that is not base64 of UTF-8`
  }
}

function splitAuth(bytes: Uint8Array): PullAuth {
  const decoded = new TextDecoder().decode(bytes)
  const i = decoded.indexOf(':')
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) }
}

/** One entry from flags (`--docker-server`, `--docker-username`, the password). */
export function keyringEntry(server: string, auth: PullAuth): KeyringEntry[] {
  const location = kubeletLocation(server)
  return location === null ? [] : [{ key: server, location, auth }]
}

// ---- matching an image against the entries ------------------------------------------------

/** How an entry came to be chosen: by matching the image, or as the Docker Hub fallback. */
export interface CredentialMatch extends CredentialEntry {
  via: 'match' | 'docker-hub-default'
}

/**
 * The entries the kubelet would try, in its order (most specific location first), for pulling
 * `image`. Empty: the kubelet pulls without credentials from this Secret.
 */
export function matchCredentials(entries: readonly CredentialEntry[], image: string | ImageRef): CredentialMatch[] {
  return kubeletOrder(entries, image).map(({ entry, via }) => ({ ...entry, via }))
}

/** The keys of `entries` the kubelet would use for `image` (no credential in the result). */
export function matchingKeys(entries: readonly CredentialEntry[], image: string | ImageRef): string[] {
  return [...new Set(matchCredentials(entries, image).map((m) => m.key))]
}

/** The entries the kubelet would try for `ref`, in its order. */
export function candidatesFor(entries: readonly SourcedEntry[], ref: ImageRef): SourcedEntry[] {
  return kubeletOrder(entries, ref).map((m) => m.entry)
}

function kubeletOrder<E extends ConfigEntry>(
  entries: readonly E[],
  image: string | ImageRef,
): { entry: E; via: CredentialMatch['via'] }[] {
  const ref = typeof image === 'string' ? parseImageRef(image) : image
  // The keyring's index is the distinct locations, reverse-sorted so longer paths come first.
  const locations = [...new Set(entries.map((e) => e.location))].sort().reverse()
  const out: { entry: E; via: CredentialMatch['via'] }[] = []
  for (const loc of locations)
    if (locationMatches(loc, ref.name))
      for (const entry of entries) if (entry.location === loc) out.push({ entry, via: 'match' })
  if (out.length) return out
  if (isDefaultRegistry(ref.name))
    for (const entry of entries)
      if (entry.location === DEFAULT_REGISTRY_KEY) out.push({ entry, via: 'docker-hub-default' })
  return out
}

/**
 * A config key as the kubelet files it (BasicDockerKeyring.Add): scheme dropped, `/v1/`·`/v2/`
 * dropped, path kept. Null when Go's url.Parse would reject it (then the kubelet ignores it).
 */
export function kubeletLocation(key: string): string | null {
  const u = parseSchemeless(key.replace(/^https?:\/\//, ''))
  if (!u) return null
  let path = u.path
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3)
  return path && path !== '/' ? u.host + path : u.host
}

/** Does the location (a key, maybe with `*` globs) match a schemeless `registry/path`? (URLsMatchStr) */
export function locationMatches(glob: string, target: string): boolean {
  const g = parseSchemeless(glob)
  const t = parseSchemeless(target)
  if (!g || !t) return false
  const [gParts, gPort] = splitHost(g.host)
  const [tParts, tPort] = splitHost(t.host)
  if (gPort !== tPort || gParts.length !== tParts.length) return false
  if (!t.path.startsWith(g.path)) return false
  return gParts.every((p, i) => globMatch(p, tParts[i]!))
}

// isDefaultRegistryMatch: an image name that is on Docker Hub.
function isDefaultRegistry(name: string): boolean {
  const i = name.indexOf('/')
  const first = i === -1 ? name : name.slice(0, i)
  if (first === '') return false
  if (i === -1) return true
  if (first === DEFAULT_REGISTRY || first === 'index.docker.io') return true
  return !/[.:]/.test(first) && first !== 'localhost'
}

// url.Parse("https://" + s) reduced to what the keyring reads: host (userinfo dropped) and path.
function parseSchemeless(s: string): { host: string; path: string } | null {
  const noFragment = s.replace(/[?#].*$/s, '')
  const slash = noFragment.indexOf('/')
  let authority = slash === -1 ? noFragment : noFragment.slice(0, slash)
  const rawPath = slash === -1 ? '' : noFragment.slice(slash)
  authority = authority.slice(authority.lastIndexOf('@') + 1)
  // Go refuses control characters, spaces and a bad port; a glob `*` in the host is fine.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what Go's url.Parse refuses
  if (/[\s\x00-\x1f\x7f]/.test(s)) return null
  if (/:(?![0-9]*$)/.test(authority.replace(/^\[[^\]]*\]/, ''))) return null
  let path: string
  try {
    path = decodeURIComponent(rawPath)
  } catch {
    return null
  }
  return { host: authority, path }
}

// net.SplitHostPort, falling back to the whole host and no port as SplitURL does.
function splitHost(host: string): [string[], string] {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):([0-9]*)$/.exec(host)
  if (m) return [(m[1] ?? m[2]!).split('.'), m[3]!]
  return [host.split('.'), '']
}

// Go's filepath.Match for one dot-free host part: * ? [class] and \ escapes; a bad pattern never matches.
function globMatch(pattern: string, s: string): boolean {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '\\') {
      if (i + 1 >= pattern.length) return false
      re += escapeRe(pattern[++i]!)
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end === -1) return false
      let body = pattern.slice(i + 1, end)
      const negate = body.startsWith('^')
      if (negate) body = body.slice(1)
      if (body === '') return false
      re += `[${negate ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`
      i = end
    } else re += escapeRe(c)
  }
  try {
    return new RegExp(`${re}$`).test(s)
  } catch {
    return false
  }
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

function fieldOf(format: DockerConfigFormat): '.dockerconfigjson' | '.dockercfg' {
  return format === 'dockercfg' ? '.dockercfg' : '.dockerconfigjson'
}

// atob gives Latin-1 characters, one a byte: the bytes, for a UTF-8 decode. Throws on bad base64.
function bytesOfBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}
