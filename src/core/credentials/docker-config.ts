// Which entry of a pull Secret the kubelet would use for an image. This follows the kubelet's
// keyring (pkg/credentialprovider/keyring.go, secrets/secrets.go) as the Kubernetes docs describe
// it for config.json: a key is a URL without scheme; its host must have as many dot-separated
// parts as the image's registry, each matched as a glob (`*.example.com` is one level only), the
// port must be equal, and the key's path must be a prefix of the image's path. When nothing
// matches, an image on Docker Hub still gets the `index.docker.io` entry (what
// `https://index.docker.io/v1/`, kubectl's default server, is stored as).
//
// Credentials are read to know whether an entry has any, and never leave this module: no
// message, result or error carries a username, password or auth string.

import { DEFAULT_REGISTRY, parseImageRef, type ImageRef } from './image-ref.js'

const DEFAULT_REGISTRY_KEY = 'index.docker.io'

/** One entry of a docker config, as the kubelet files it. */
export interface CredentialEntry {
  /** The key exactly as written in the Secret (`https://index.docker.io/v1/`). */
  key: string
  /** What the kubelet matches against: host plus path, no scheme, `/v1/`·`/v2/` dropped (`index.docker.io`). */
  location: string
  /** Whether the entry has a username or password (from `auth` or the separate fields). */
  hasCredentials: boolean
}

/** A docker config the kubelet could not read: then the pod cannot pull at all. The message never quotes the data. */
export class DockerConfigError extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'DockerConfigError'
  }
}

export type DockerConfigFormat = 'dockerconfigjson' | 'dockercfg'

/**
 * Reads the entries of a `.dockerconfigjson` (`{"auths": {…}}`) or legacy `.dockercfg` (the
 * map itself), given as decoded JSON text. Entries whose key the kubelet cannot parse as a URL
 * are left out, as the kubelet leaves them out.
 */
export function readDockerConfig(json: string, format: DockerConfigFormat): CredentialEntry[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    // JSON.parse's own message quotes the text, which holds the password: never pass it on.
    throw new DockerConfigError(`the ${format === 'dockercfg' ? '.dockercfg' : '.dockerconfigjson'} is not JSON`)
  }
  const map = format === 'dockerconfigjson' ? (isObject(parsed) ? parsed.auths : undefined) : parsed
  if (format === 'dockerconfigjson' && isObject(parsed) && parsed.auths === undefined) return []
  if (!isObject(map))
    throw new DockerConfigError(
      format === 'dockercfg' ? 'the .dockercfg is not a JSON object' : 'the .dockerconfigjson has no "auths" object',
    )
  const entries: CredentialEntry[] = []
  for (const [key, value] of Object.entries(map)) {
    if (!isObject(value)) throw new DockerConfigError(`the entry for ${key} is not an object`)
    const location = kubeletLocation(key)
    if (location === null) continue
    entries.push({ key, location, hasCredentials: entryHasCredentials(key, value) })
  }
  return entries
}

/**
 * The entries of a Secret as the kubelet reads them for pulls: `.dockerconfigjson` of a
 * `kubernetes.io/dockerconfigjson` Secret, `.dockercfg` of a `kubernetes.io/dockercfg` one
 * (`data` values in base64, as the API returns them). Any other type gives nothing to pull with.
 */
export function readPullSecret(secret: { type?: string; data?: Record<string, string> }): CredentialEntry[] {
  const [format, field] =
    secret.type === 'kubernetes.io/dockerconfigjson'
      ? (['dockerconfigjson', '.dockerconfigjson'] as const)
      : secret.type === 'kubernetes.io/dockercfg'
        ? (['dockercfg', '.dockercfg'] as const)
        : ([undefined, undefined] as const)
  if (!format)
    throw new DockerConfigError(
      `its type is ${secret.type ?? 'unset'}; the kubelet pulls only with kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`,
    )
  const b64 = secret.data?.[field]
  if (!b64) throw new DockerConfigError(`it has no ${field} data`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))
  } catch {
    throw new DockerConfigError(`its ${field} is not base64 of UTF-8 text`)
  }
  return readDockerConfig(text, format)
}

/** How an entry came to be chosen: by matching the image, or as the Docker Hub fallback. */
export interface CredentialMatch extends CredentialEntry {
  via: 'match' | 'docker-hub-default'
}

/**
 * The entries the kubelet would try, in its order (most specific location first), for pulling
 * `image`. Empty: the kubelet pulls without credentials from this Secret.
 */
export function matchCredentials(entries: readonly CredentialEntry[], image: string | ImageRef): CredentialMatch[] {
  const ref = typeof image === 'string' ? parseImageRef(image) : image
  // The keyring's index is the distinct locations, reverse-sorted so longer paths come first.
  const locations = [...new Set(entries.map((e) => e.location))].sort().reverse()
  const out: CredentialMatch[] = []
  for (const loc of locations)
    if (locationMatches(loc, ref.name))
      for (const e of entries) if (e.location === loc) out.push({ ...e, via: 'match' })
  if (out.length) return out
  if (isDefaultRegistry(ref.name))
    for (const e of entries) if (e.location === DEFAULT_REGISTRY_KEY) out.push({ ...e, via: 'docker-hub-default' })
  return out
}

/** The keys of `entries` the kubelet would use for `image` (no credential in the result). */
export function matchingKeys(entries: readonly CredentialEntry[], image: string | ImageRef): string[] {
  return [...new Set(matchCredentials(entries, image).map((m) => m.key))]
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

function entryHasCredentials(key: string, v: Record<string, unknown>): boolean {
  const str = (x: unknown) => (typeof x === 'string' ? x : '')
  if (str(v.username) || str(v.password)) return true
  const auth = str(v.auth)
  if (!auth) return false
  let decoded: string
  try {
    decoded = atob(auth)
  } catch {
    throw new DockerConfigError(`the auth of the entry for ${key} is not base64`)
  }
  // The kubelet splits user:password at the first ':' and refuses an auth without one.
  if (!decoded.includes(':'))
    throw new DockerConfigError(`the auth of the entry for ${key} is not base64 of user:password`)
  return decoded.length > 1
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}
