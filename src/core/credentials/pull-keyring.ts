// The credentials a pod pulls with, as the kubelet assembles them: every entry of every Secret
// the pod names, in one keyring, tried most specific location first (kubelet-credentials.ts
// decides which entries match). This module holds the usernames and passwords in memory for the
// registry client; nothing it returns for display (`source`) carries one.
import { kubeletLocation, matchCredentials, type CredentialEntry } from './docker-config.js'
import type { ImageRef } from './image-ref.js'

export interface PullAuth {
  username: string
  password: string
}

/** One config entry with what it authenticates with (never printed). */
export interface KeyringEntry {
  /** The key exactly as written (`harbor.example.com`, `https://index.docker.io/v1/`). */
  key: string
  location: string
  /** Undefined when the entry has no username or password: the kubelet then sends none. */
  auth?: PullAuth
}

/**
 * The entries of a docker config (`{"auths": {...}}`, or the bare map of a legacy `.dockercfg`),
 * with their credentials; keys the kubelet cannot read are left out. Null when it is not JSON.
 */
export function keyringOfDockerConfig(
  json: string,
  format: 'dockerconfigjson' | 'dockercfg' = 'dockerconfigjson',
): KeyringEntry[] | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return null
  }
  const map = format === 'dockercfg' ? parsed : isObject(parsed) ? parsed.auths : undefined
  const auths = isObject(map) ? map : {}
  const out: KeyringEntry[] = []
  for (const [key, v] of Object.entries(auths)) {
    const location = kubeletLocation(key)
    if (location === null || !isObject(v)) continue
    const auth = authOf(v)
    out.push({ key, location, ...(auth && { auth }) })
  }
  return out
}

/** One entry from flags (`--docker-server`, `--docker-username`, the password). */
export function keyringEntry(server: string, auth: PullAuth): KeyringEntry[] {
  const location = kubeletLocation(server)
  return location === null ? [] : [{ key: server, location, auth }]
}

/** A keyring entry tagged with the Secret it came from, for the report. */
export interface SourcedEntry extends KeyringEntry {
  secret: string
}

/** The entries the kubelet would try for `ref`, in its order. */
export function candidatesFor(entries: readonly SourcedEntry[], ref: ImageRef): SourcedEntry[] {
  // matchCredentials works on keys and locations only; an index as the key maps its answer back.
  const indexed: CredentialEntry[] = entries.map((e, i) => ({
    key: String(i),
    location: e.location,
    hasCredentials: !!e.auth,
  }))
  return matchCredentials(indexed, ref).map((m) => entries[Number(m.key)]!)
}

// The kubelet's DockerConfigEntry: `auth` (base64 user:password), when present, wins over the fields.
function authOf(v: Record<string, unknown>): PullAuth | undefined {
  const str = (x: unknown) => (typeof x === 'string' ? x : '')
  let username = str(v.username)
  let password = str(v.password)
  const auth = str(v.auth)
  if (auth) {
    let decoded: string
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(auth), (c) => c.charCodeAt(0)))
    } catch {
      return undefined
    }
    const i = decoded.indexOf(':')
    if (i < 0) return undefined
    username = decoded.slice(0, i)
    password = decoded.slice(i + 1)
  }
  return username || password ? { username, password } : undefined
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/**
 * A pull Secret from the API (`type`, base64 `data`) as the kubelet reads it for pulls, or the
 * reason it gives nothing to pull with.
 */
export function keyringOfSecret(secret: { type?: string; data?: Record<string, string> }): KeyringEntry[] | string {
  const format =
    secret.type === 'kubernetes.io/dockerconfigjson'
      ? 'dockerconfigjson'
      : secret.type === 'kubernetes.io/dockercfg'
        ? 'dockercfg'
        : undefined
  if (!format) return `has type ${secret.type ?? 'unset'}, which the kubelet does not pull with`
  const field = format === 'dockercfg' ? '.dockercfg' : '.dockerconfigjson'
  const b64 = secret.data?.[field]
  if (!b64) return `has no ${field}`
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))
  } catch {
    return `has a ${field} that is not base64 of UTF-8`
  }
  // Never the parser's message: it would quote the text, credentials included.
  return keyringOfDockerConfig(text, format) ?? `has a ${field} that is not JSON`
}
