// A client for one container registry, speaking the Docker Registry HTTP API v2 as docker and
// containerd do: `GET /v2/` learns how the registry authenticates (its `WWW-Authenticate`
// challenge); `Basic` means credentials go on every request; `Bearer realm=…,service=…` means a
// token is fetched from the realm (with the credentials as Basic auth, the `service` and the
// `scope` wanted) and sent as `Authorization: Bearer`. Tokens are cached per scope until they
// expire. Only this file talks to registries; create-secret's login check and doctor's image
// checks share it.
//
// Credentials stay in this process's memory: they go into Authorization headers of HTTPS requests
// to the registry host and its token realm, nowhere else, and never into an error message.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls'
import { MANIFEST_ACCEPT, manifestKind, type ManifestProbe } from '../core/images/pull-check.js'

export interface RegistryCredentials {
  username: string
  password: string
}

export interface RegistryClientOptions {
  credentials?: RegistryCredentials
  /**
   * Extra CA certificates (PEM) to trust, e.g. from `--registry-ca`. Node's own roots and
   * NODE_EXTRA_CA_CERTS stay trusted. Without it Node's defaults apply (NODE_EXTRA_CA_CERTS included).
   */
  ca?: string[]
  /** Per HTTP request. Default 10 s. */
  timeoutMs?: number
  /** HTTP requests in flight at once for this client. Default 4. */
  maxConcurrent?: number
  /** Where NODE_EXTRA_CA_CERTS is read from when `ca` is given. Default process.env. */
  env?: Record<string, string | undefined>
}

export interface RegistryResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  /** The URL that answered (after redirects). */
  url: string
}

export interface RequestOptions {
  /** Token scope for Bearer registries, e.g. `repository:spaceone/console:pull`. */
  scope?: string
  /** Accept header values, e.g. manifest media types. */
  accept?: string[]
  headers?: Record<string, string>
}

export interface Challenge {
  scheme: 'basic' | 'bearer' | 'other'
  params: Record<string, string>
}

/** What the login check found. `unverified` never means the credentials are wrong. */
export type LoginCheck =
  | { result: 'accepted'; scheme: 'basic' | 'bearer' }
  /** `GET /v2/` answered 200 without credentials: the registry does not ask for them there. */
  | { result: 'no-auth' }
  | { result: 'rejected'; status: number; by: 'registry' | 'token service'; detail: string }
  | { result: 'unverified'; reason: 'unreachable' | 'tls' | 'timeout' | 'unexpected'; detail: string }

/** The request could not be made or answered: network, TLS, timeout. `detail` holds no credentials. */
export class RegistryUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: 'unreachable' | 'tls' | 'timeout',
    readonly detail: string,
  ) {
    super(`${url}: ${detail}`)
    this.name = 'RegistryUnreachableError'
  }
}

/** The token service refused the credentials (401/403) or answered something unusable. */
export class RegistryTokenError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${url}: token service answered ${status}${detail ? `: ${detail}` : ''}`)
    this.name = 'RegistryTokenError'
  }
}

/** Hosts that are Docker Hub: their API lives at registry-1.docker.io. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'])

/**
 * Where the v2 API of a `--docker-server` value lives: scheme, host[:port]; paths such as `/v1/`
 * are dropped (the v2 API is always at `/v2/`). Docker Hub's names map to registry-1.docker.io.
 * `http://` is kept when written; anything else is HTTPS.
 */
export function registryEndpoint(server: string): { host: string; baseUrl: string } {
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/]+)/i.exec(server.trim())
  const scheme = m?.[1]?.toLowerCase() === 'http' ? 'http' : 'https'
  let host = (m?.[2] ?? server).toLowerCase()
  if (DOCKER_HUB.has(host)) host = 'registry-1.docker.io'
  return { host, baseUrl: `${scheme}://${host}` }
}

/** `*.dkr.ecr.<region>.amazonaws.com` (and the .com.cn partition): tokens from `aws ecr get-login-password`. */
export function isEcrHost(server: string): boolean {
  return /\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(registryEndpoint(server).host)
}

/** Parses a WWW-Authenticate header; the Bearer challenge wins when several are offered. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined
  const challenges: Challenge[] = []
  const re = /\s*([A-Za-z][\w-]*)(?:\s+|$)((?:\s*,?\s*[\w-]+=(?:"(?:[^"\\]|\\.)*"|[^,\s]*))*)/g
  for (let m = re.exec(header); m && m[0] !== ''; m = re.exec(header)) {
    const scheme = m[1]!.toLowerCase()
    const params: Record<string, string> = {}
    const pr = /([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g
    for (let p = pr.exec(m[2] ?? ''); p; p = pr.exec(m[2] ?? ''))
      params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '')
    challenges.push({ scheme: scheme === 'basic' ? 'basic' : scheme === 'bearer' ? 'bearer' : 'other', params })
  }
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic') ?? challenges[0]
}

interface CachedToken {
  token: string
  expiresAt: number
}

const MAX_BODY = 8 * 1024 * 1024

/** One registry host: its challenge, its tokens (per scope) and a bound on requests in flight. */
export class RegistryClient {
  readonly host: string
  readonly baseUrl: string
  private readonly credentials: RegistryCredentials | undefined
  private readonly ca: string[] | undefined
  /**
   * With a private CA: one TLS context and one pool of kept-alive connections for this client.
   * A context made from ~140 PEM roots costs ~25 ms of CPU, and `ca` on each request made one
   * per new connection (mirror's checks and proofs open dozens). See {@link trustContext}.
   */
  private agent: HttpsAgent | undefined
  private readonly timeoutMs: number
  private readonly limit: number
  private inFlight = 0
  /** The most HTTP requests this client had in flight at once (never above maxConcurrent). */
  peakInFlight = 0
  private readonly waiting: (() => void)[] = []
  private challenge: Promise<Challenge | null> | undefined
  private readonly tokens = new Map<string, Promise<CachedToken>>()

  constructor(server: string, options: RegistryClientOptions = {}) {
    const { host, baseUrl } = registryEndpoint(server)
    this.host = host
    this.baseUrl = baseUrl
    this.credentials = options.credentials
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.limit = Math.max(1, options.maxConcurrent ?? 4)
    if (options.ca?.length) {
      // Trusted on top of Node's roots (trustContext); NODE_EXTRA_CA_CERTS as this env names it.
      const env = options.env ?? process.env
      const extra = env.NODE_EXTRA_CA_CERTS ? [readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8')] : []
      this.ca = [...extra, ...options.ca]
    }
  }

  /** `GET /v2/` without credentials: the status and the challenge the registry answers with. */
  async ping(): Promise<{ status: number; challenge: Challenge | undefined }> {
    const res = await this.send('GET', `${this.baseUrl}/v2/`, {})
    return {
      status: res.status,
      challenge: res.status === 401 ? parseChallenge(header(res, 'www-authenticate')) : undefined,
    }
  }

  /**
   * Logs in as `docker login` does: Basic against `/v2/`, or a token from the Bearer realm (no
   * scope) and then `/v2/` with it. Never throws for network trouble: that is `unverified`.
   */
  async checkLogin(): Promise<LoginCheck> {
    try {
      const ping = await this.ping()
      if (ping.status === 200) return { result: 'no-auth' }
      if (ping.status !== 401 || !ping.challenge || ping.challenge.scheme === 'other') {
        const noChallenge = ping.status === 401 ? ' with no Basic or Bearer challenge' : ''
        return {
          result: 'unverified',
          reason: 'unexpected',
          detail: `GET ${this.baseUrl}/v2/ answered ${ping.status}${noChallenge}, not what a registry answers`,
        }
      }
      this.challenge = Promise.resolve(ping.challenge)
      if (!this.credentials) return { result: 'rejected', status: 401, by: 'registry', detail: 'no credentials' }
      let authorization: string
      if (ping.challenge.scheme === 'basic') authorization = this.basic()
      else {
        try {
          authorization = `Bearer ${(await this.token(ping.challenge, '')).token}`
        } catch (err) {
          if (err instanceof RegistryTokenError && (err.status === 401 || err.status === 403))
            return { result: 'rejected', status: err.status, by: 'token service', detail: err.message }
          if (err instanceof RegistryTokenError)
            return { result: 'unverified', reason: 'unexpected', detail: err.message }
          throw err
        }
      }
      const res = await this.send('GET', `${this.baseUrl}/v2/`, { authorization })
      if (res.status === 200) return { result: 'accepted', scheme: ping.challenge.scheme }
      if (res.status === 401 || res.status === 403)
        return {
          result: 'rejected',
          status: res.status,
          by: 'registry',
          detail: `GET ${this.baseUrl}/v2/ answered ${res.status}`,
        }
      return { result: 'unverified', reason: 'unexpected', detail: `GET ${this.baseUrl}/v2/ answered ${res.status}` }
    } catch (err) {
      if (err instanceof RegistryUnreachableError)
        return { result: 'unverified', reason: err.reason, detail: err.message }
      throw err
    }
  }

  /**
   * An authorized request to `path` (e.g. `/v2/<name>/manifests/<ref>`), with a token for `scope`
   * when the registry uses Bearer auth. A 401 after a cached token is retried once with a new one.
   * Throws RegistryUnreachableError or RegistryTokenError; any HTTP status is returned.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<RegistryResponse> {
    const headers: Record<string, string> = { ...options.headers }
    if (options.accept?.length) headers.accept = options.accept.join(', ')
    const url = `${this.baseUrl}${path}`
    for (let attempt = 0; ; attempt++) {
      const challenge = await this.getChallenge()
      const auth = await this.authorization(challenge, options.scope ?? '')
      const res = await this.send(method, url, auth ? { ...headers, authorization: auth } : headers)
      if (res.status === 401 && attempt === 0 && challenge?.scheme === 'bearer') {
        const fresh = parseChallenge(header(res, 'www-authenticate'))
        // insufficient_scope means the token is valid but does not allow this: asking again changes nothing.
        if (fresh?.params.error !== 'insufficient_scope') {
          this.tokens.delete(options.scope ?? '')
          continue
        }
      }
      return res
    }
  }

  private getChallenge(): Promise<Challenge | null> {
    this.challenge ??= this.ping().then(
      (p) => p.challenge ?? null,
      (err: unknown) => {
        this.challenge = undefined
        throw err
      },
    )
    return this.challenge
  }

  private async authorization(challenge: Challenge | null, scope: string): Promise<string | undefined> {
    if (!challenge) return undefined
    if (challenge.scheme === 'basic') return this.credentials ? this.basic() : undefined
    if (challenge.scheme === 'bearer') return `Bearer ${(await this.token(challenge, scope)).token}`
    return undefined
  }

  private basic(): string {
    const { username, password } = this.credentials!
    return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`
  }

  private token(challenge: Challenge, scope: string): Promise<CachedToken> {
    const cached = this.tokens.get(scope)
    if (cached) {
      const valid = cached.then((t) => (t.expiresAt > Date.now() ? t : undefined))
      return valid.then((t) => t ?? this.fetchToken(challenge, scope))
    }
    return this.fetchToken(challenge, scope)
  }

  private fetchToken(challenge: Challenge, scope: string): Promise<CachedToken> {
    const p = (async () => {
      const realm = challenge.params.realm
      if (!realm) throw new RegistryTokenError(this.baseUrl, 0, 'the Bearer challenge names no realm')
      const url = new URL(realm)
      if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
      if (scope) url.searchParams.set('scope', scope)
      if (this.credentials) url.searchParams.set('account', this.credentials.username)
      url.searchParams.set('client_id', 'cfpull')
      const res = await this.send('GET', url.toString(), this.credentials ? { authorization: this.basic() } : {})
      const where = `${url.origin}${url.pathname}`
      if (res.status !== 200) throw new RegistryTokenError(where, res.status, errorText(res))
      let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown }
      try {
        body = JSON.parse(res.body.toString('utf8')) as typeof body
      } catch {
        throw new RegistryTokenError(where, res.status, 'the answer is not JSON')
      }
      const token = typeof body.token === 'string' ? body.token : body.access_token
      if (typeof token !== 'string' || !token)
        throw new RegistryTokenError(where, res.status, 'the answer holds no token')
      // The spec's default lifetime is 60 s; keep a margin so a token never expires in flight.
      const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60
      return { token, expiresAt: Date.now() + Math.max(lifetime - 10, 1) * 1000 }
    })()
    this.tokens.set(scope, p)
    p.catch(() => this.tokens.delete(scope))
    return p
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.limit) {
      this.inFlight++
      this.peakInFlight = Math.max(this.peakInFlight, this.inFlight)
      return
    }
    // The releasing request hands its slot over, so inFlight stays as it is.
    await new Promise<void>((resume) => this.waiting.push(resume))
  }

  private release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.inFlight--
  }

  /** One HTTP exchange, following redirects (without Authorization once the host changes). */
  private async send(
    method: string,
    url: string,
    headers: OutgoingHttpHeaders,
    redirects = 0,
  ): Promise<RegistryResponse> {
    await this.acquire()
    let res: RegistryResponse
    try {
      res = await this.exchange(method, url, { 'user-agent': 'cfpull', ...headers })
    } finally {
      this.release()
    }
    const location = header(res, 'location')
    if ([301, 302, 303, 307, 308].includes(res.status) && location && (method === 'GET' || method === 'HEAD')) {
      if (redirects >= 5) return res
      const next = new URL(location, url)
      const sameHost = next.host === new URL(url).host
      const { authorization: _dropped, ...rest } = headers
      return this.send(method, next.toString(), sameHost ? headers : rest, redirects + 1)
    }
    return res
  }

  private httpsAgent(ca: string[]): HttpsAgent {
    // The agent is this client's own, so no connection verified against another CA is reused.
    this.agent ??= new HttpsAgent({ keepAlive: true, secureContext: trustContext(ca) })
    return this.agent
  }

  private exchange(method: string, url: string, headers: OutgoingHttpHeaders): Promise<RegistryResponse> {
    const target = new URL(url)
    const request = target.protocol === 'http:' ? httpRequest : httpsRequest
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        { method, headers, ...(this.ca && target.protocol === 'https:' && { agent: this.httpsAgent(this.ca) }) },
        (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size <= MAX_BODY) chunks.push(c)
          })
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url }),
          )
          res.on('error', (err) => reject(unreachable(target, err)))
        },
      )
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs / 1000}s`), { code: 'ETIMEDOUT' })),
      )
      req.on('error', (err) => reject(unreachable(target, err)))
      req.end()
    })
  }
}

/**
 * A TLS context that trusts Node's roots (NODE_EXTRA_CA_CERTS included) and `extra`. Passing `ca`
 * to createSecureContext replaces the roots, so they would have to be passed again as ~140 PEM
 * texts, parsed on every context (50–80 ms of CPU, twice per mirror run). The native context's
 * addCACert copies the roots Node parsed once per process and adds to that copy (the way win-ca
 * and mac-ca extend the store); where a Node lacks it, the PEM list is the fallback.
 */
function trustContext(extra: string[]): SecureContext {
  const ctx = createSecureContext()
  const native = (ctx as { context?: { addCACert?: (pem: string) => void } }).context
  if (typeof native?.addCACert !== 'function') return createSecureContext({ ca: [...rootCertificates, ...extra] })
  for (const pem of extra) native.addCACert(pem)
  return ctx
}

function header(res: RegistryResponse, name: string): string | undefined {
  const v = res.headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

/** A registry's error body (`{"errors":[{"code","message"}]}`), or the start of any other text. */
function errorText(res: RegistryResponse): string {
  const text = res.body.toString('utf8')
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[]; details?: unknown }
    const first = parsed.errors?.[0]
    if (first) return [first.code, first.message].filter((x) => typeof x === 'string').join(': ')
  } catch {
    // not JSON: fall through
  }
  return text.trim().split('\n')[0]?.slice(0, 200) ?? ''
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
  'EPROTO',
])

function unreachable(url: URL, err: Error): RegistryUnreachableError {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  const where = `${url.origin}${url.pathname}`
  if (code === 'ETIMEDOUT') return new RegistryUnreachableError(where, 'timeout', err.message)
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(err.message))
    return new RegistryUnreachableError(where, 'tls', `TLS: ${err.message}${code ? ` (${code})` : ''}`)
  return new RegistryUnreachableError(where, 'unreachable', `${code ? `${code}: ` : ''}${err.message}`)
}

/**
 * Asks for a manifest as a container runtime does before it pulls: `HEAD
 * /v2/<repository>/manifests/<reference>` with the index and manifest media types in Accept and a
 * token for `repository:<repository>:pull`. An index is then fetched with GET (a HEAD has no body
 * and the platforms are in it), and so is a 404, whose error body (and the repository's tag list)
 * tells a missing tag from a missing repository. Network trouble and a refused token are answers too, never exceptions.
 */
export async function probeManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
): Promise<ManifestProbe> {
  const path = `/v2/${repository}/manifests/${reference}`
  const options = { scope: `repository:${repository}:pull`, accept: MANIFEST_ACCEPT.split(', ') }
  try {
    const head = await client.request('HEAD', path, options)
    const type = contentType(head)
    const needBody = head.status === 404 || (head.status === 200 && (manifestKind(type) === 'index' || !type))
    const res = needBody ? await client.request('GET', path, options) : head
    const probe = probeOf(res)
    if (res.status === 200 && manifestKind(probe.contentType) === 'index') probe.body = res.body.toString('utf8')
    // Distribution answers MANIFEST_UNKNOWN for a repository that does not exist too; its tag
    // list tells the two apart (NAME_UNKNOWN), which decides what the user must mirror.
    if (res.status === 404 && !probe.errorCodes?.includes('NAME_UNKNOWN')) {
      const tags = await client.request('GET', `/v2/${repository}/tags/list?n=1`, { scope: options.scope })
      const codes = tags.status === 404 ? errorCodes(tags) : []
      if (codes.includes('NAME_UNKNOWN')) probe.errorCodes = codes
      else if (tags.status === 200) probe.errorCodes = ['MANIFEST_UNKNOWN']
    }
    return probe
  } catch (err) {
    if (err instanceof RegistryUnreachableError) return { kind: 'unreachable', reason: err.detail }
    if (err instanceof RegistryTokenError) return { kind: 'token-refused', status: err.status }
    throw err
  }
}

/** What a manifest answer says, as the pull check reads it: status, type, challenge, error codes. */
function probeOf(res: RegistryResponse): ManifestProbe & { kind: 'response' } {
  const probe: ManifestProbe & { kind: 'response' } = { kind: 'response', status: res.status }
  const ct = contentType(res)
  if (ct) probe.contentType = ct
  if (res.status === 401) {
    const c = parseChallenge(header(res, 'www-authenticate'))
    if (c) probe.challenge = { scheme: c.scheme, ...(c.params.error && { error: c.params.error }) }
  }
  if (res.status >= 400) {
    const codes = errorCodes(res)
    if (codes.length) probe.errorCodes = codes
  }
  return probe
}

function contentType(res: RegistryResponse): string | undefined {
  return header(res, 'content-type')
}

function errorCodes(res: RegistryResponse): string[] {
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as { errors?: Array<{ code?: unknown }> }
    return (parsed.errors ?? []).flatMap((e) => (typeof e.code === 'string' ? [e.code] : []))
  } catch {
    return []
  }
}

/** One manifest request's answer, with the manifest's digest and (for GET) its body. */
export interface ManifestFetch {
  probe: ManifestProbe
  /** `sha256:…`: Docker-Content-Digest, or (a GET without it) the hash of the body. */
  digest?: string
  /** GET only: the manifest or index, as the registry serves it. */
  body?: string
}

/**
 * One request for a manifest, nothing more: `HEAD` to learn whether it is there and its digest
 * (what a rerun of `mirror` asks per image), `GET` when its content is needed (an index's
 * platforms, the sizes of the layers). Network trouble and a refused token are answers too.
 */
export async function fetchManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  method: 'HEAD' | 'GET',
): Promise<ManifestFetch> {
  const options = { scope: `repository:${repository}:pull`, accept: MANIFEST_ACCEPT.split(', ') }
  try {
    const res = await client.request(method, `/v2/${repository}/manifests/${reference}`, options)
    const probe = probeOf(res)
    if (res.status !== 200) return { probe }
    const body = method === 'GET' ? res.body.toString('utf8') : undefined
    if (body !== undefined && manifestKind(probe.contentType) === 'index') probe.body = body
    const headerDigest = header(res, 'docker-content-digest')
    const digest =
      headerDigest ?? (method === 'GET' ? `sha256:${createHash('sha256').update(res.body).digest('hex')}` : undefined)
    return { probe, ...(digest && { digest }), ...(body !== undefined && { body }) }
  } catch (err) {
    if (err instanceof RegistryUnreachableError) return { probe: { kind: 'unreachable', reason: err.detail } }
    if (err instanceof RegistryTokenError) return { probe: { kind: 'token-refused', status: err.status } }
    throw err
  }
}
