// Real container registries for tests: Debian's `docker-registry` (CNCF Distribution 2.8) on
// 127.0.0.1 with an ephemeral port and a self-signed certificate (openssl, SAN 127.0.0.1 and
// localhost), in one of two auth modes:
//
// - `htpasswd`: Basic auth against an htpasswd file written with apache2-utils' `htpasswd -B`.
// - `token`: `auth: token` as in Distribution's docs/spec/auth/{token,jwt}.md. The registry answers
//   401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`; the realm is a small issuer here
//   that checks Basic credentials and returns a JWT (RS256, `kid` = the libtrust fingerprint of the
//   signing key, which the registry trusts through `rootcertbundle`). It grants, per user and
//   repository, what the policy says (the intersection with what was asked, never an error), so
//   tests can model "this user may not pull that repository".
//
// Images are seeded through the registry's own HTTP API (blob upload POST + PUT, manifest PUT),
// so what a test reads back is what the registry stored. Nothing is faked on the registry side.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash, createPrivateKey, randomBytes, randomUUID, sign, X509Certificate } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:https'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

export type RegistryAuthMode = 'htpasswd' | 'token'

/** Actions a token may carry for one repository. */
export type Action = 'pull' | 'push' | 'delete' | '*'

/**
 * Token mode: what a user may do in a repository. `user` is null for an anonymous request.
 * The issuer intersects the answer with the actions asked for, as the spec says.
 */
export type GrantPolicy = (user: string | null, repository: string) => Action[]

/** Every authenticated user may pull and push everything; anonymous requests get nothing. */
export const allowAuthenticated: GrantPolicy = (user) => (user === null ? [] : ['pull', 'push'])

export interface TokenRequestRecord {
  /** The authenticated user, null when no Authorization was sent. */
  user: string | null
  /** True when credentials were sent and did not match (answered 401). */
  rejected: boolean
  service: string | undefined
  account: string | undefined
  scopes: string[]
  granted: { type: string; name: string; actions: string[] }[]
}

export interface SeededImage {
  repository: string
  tag: string
  /** Digest of the manifest (or of the index when platforms were given). */
  digest: string
  mediaType: string
}

export interface SeedOptions {
  /** `docker` (schema 2, the default) or `oci` media types. */
  format?: 'docker' | 'oci'
  /** When given, an index / manifest list with one image per platform (e.g. `linux/amd64`). */
  platforms?: string[]
}

export interface TestRegistry {
  mode: RegistryAuthMode
  /** `https://127.0.0.1:PORT` */
  url: string
  /** `127.0.0.1:PORT`, what goes into `--docker-server` and image references. */
  host: string
  /** PEM of the self-signed certificate the registry (and token issuer) serve. */
  caPem: string
  /** The same PEM as a file, for `--registry-ca` or NODE_EXTRA_CA_CERTS. */
  caFile: string
  /** The users the registry (or its issuer) accepts, name → password. */
  users: Record<string, string>
  /** Token mode: the issuer's realm URL and the service name the registry announces. */
  realm?: string
  service?: string
  /** Token mode: every request the issuer answered, in order (passwords are never kept). */
  tokenRequests: TokenRequestRecord[]
  /** Token mode: replaces the grant policy (for later requests). */
  setPolicy(policy: GrantPolicy): void
  /** Pushes an image through the registry's HTTP API and returns its digest. */
  seedImage(repository: string, tag: string, options?: SeedOptions): Promise<SeededImage>
  /** The registry's log so far (stderr), for failure messages. */
  log(): string
  /** With `accessLog`: every HTTP request the registry answered so far, in order, from its access log. */
  requests(): AccessLogEntry[]
  /** The registry process's id (a test's wrapper may stop it from outside). */
  pid(): number
  /** Stops the registry process and keeps its data: a registry that went down. */
  halt(): Promise<void>
  /** Starts a halted registry again, on the same port with the same data. */
  resume(): Promise<void>
  stop(): Promise<void>
}

/** One line of Distribution's access log (Apache combined format). */
export interface AccessLogEntry {
  method: string
  /** The request path and query, e.g. `/v2/cf/console/blobs/uploads/`. */
  path: string
  status: number
  userAgent: string
}

export interface StartRegistryOptions {
  mode: RegistryAuthMode
  /** name → password. Default `{ alice: <random> }`. */
  users?: Record<string, string>
  /** Token mode only. Default {@link allowAuthenticated}. */
  policy?: GrantPolicy
  /** Write the access log (one line per request) so {@link TestRegistry.requests} can count requests. */
  accessLog?: boolean
}

const REGISTRY_BIN = '/usr/bin/docker-registry'
const ISSUER = 'cfpull-test-issuer'
const SERVICE = 'cfpull-test-registry'
const SEEDER = 'cfpull-seeder'

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Starts a registry (and, in token mode, its issuer) and waits until it answers. */
export async function startRegistry(options: StartRegistryOptions): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'cfpull-registry-'))
  const users = options.users ?? { alice: randomBytes(12).toString('base64url') }
  const seederPassword = randomBytes(12).toString('base64url')
  const { certFile, keyFile, certPem, keyPem } = selfSigned(dir, 'tls', ['IP:127.0.0.1', 'DNS:localhost'])
  const tokenRequests: TokenRequestRecord[] = []
  let policy = options.policy ?? allowAuthenticated
  let issuer: Server | undefined
  let realm: string | undefined
  let signingKeyPem = ''
  let signingKid = ''

  const authConfig: string[] = []
  if (options.mode === 'htpasswd') {
    const htpasswd = join(dir, 'htpasswd')
    writeFileSync(htpasswd, '')
    for (const [user, password] of Object.entries({ ...users, [SEEDER]: seederPassword }))
      // -i reads the password from stdin, so it is not on htpasswd's argv either.
      execFileSync('htpasswd', ['-B', '-i', htpasswd, user], { input: password, stdio: ['pipe', 'ignore', 'pipe'] })
    authConfig.push('auth:', '  htpasswd:', '    realm: cfpull-test', `    path: ${htpasswd}`)
  } else {
    const signing = selfSigned(dir, 'signing', [`DNS:${ISSUER}`])
    signingKeyPem = signing.keyPem
    signingKid = libtrustKeyId(signing.certPem)
    issuer = createServer({ cert: certPem, key: keyPem }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1')
      if (url.pathname !== '/token') {
        res.writeHead(404).end()
        return
      }
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean))
      const record: TokenRequestRecord = {
        user: null,
        rejected: false,
        service: url.searchParams.get('service') ?? undefined,
        account: url.searchParams.get('account') ?? undefined,
        scopes,
        granted: [],
      }
      tokenRequests.push(record)
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')
      if (basic) {
        const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
        const i = decoded.indexOf(':')
        const [user, password] = [decoded.slice(0, i), decoded.slice(i + 1)]
        const known = user === SEEDER ? seederPassword : users[user]
        if (i < 0 || known === undefined || known !== password) {
          record.rejected = true
          res.writeHead(401, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication failed' }] }))
          return
        }
        record.user = user
      }
      for (const scope of scopes) {
        const parts = scope.split(':')
        if (parts.length < 3 || parts[0] !== 'repository') continue
        const actions = parts.pop()!.split(',')
        const name = parts.slice(1).join(':')
        const allowed = record.user === SEEDER ? ['*'] : policy(record.user, name)
        const granted = actions.filter((a) => allowed.includes('*') || allowed.includes(a as Action))
        record.granted.push({ type: 'repository', name, actions: granted })
      }
      const token = mintToken(signingKeyPem, signingKid, record.user ?? '', record.granted)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }))
    })
    await new Promise<void>((done) => issuer!.listen(0, '127.0.0.1', done))
    realm = `https://127.0.0.1:${(issuer.address() as AddressInfo).port}/token`
    authConfig.push(
      'auth:',
      '  token:',
      `    realm: ${realm}`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${signing.certFile}`,
    )
  }

  const config = join(dir, 'config.yml')
  const writeConfig = (addr: string) =>
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  accesslog:',
        `    disabled: ${!options.accessLog}`,
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: ${addr}`,
        `  secret: ${randomBytes(16).toString('hex')}`,
        '  tls:',
        `    certificate: ${certFile}`,
        `    key: ${keyFile}`,
        ...authConfig,
        '',
      ].join('\n'),
    )
  writeConfig('127.0.0.1:0')

  let log = ''
  // Starts the registry process and resolves with the port it listens on.
  const launch = async (): Promise<{ child: ChildProcess; port: number }> => {
    const child = spawn(REGISTRY_BIN, ['serve', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    })
    running.add(child)
    const from = log.length
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`docker-registry did not start within 15s:\n${log}`)), 15000)
      const onData = (chunk: Buffer) => {
        log += chunk.toString()
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log.slice(from))
        if (m) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      child.once('error', (err) => {
        clearTimeout(timer)
        reject(new Error(`cannot start ${REGISTRY_BIN} (is the docker-registry package installed?): ${err.message}`))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`docker-registry exited with ${code ?? signal} before listening:\n${log}`))
      })
    })
    child.removeAllListeners('exit')
    return { child, port }
  }
  let { child, port } = await launch()
  const halt = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      await exited
    }
    running.delete(child)
  }
  const url = `https://127.0.0.1:${port}`

  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, certPem)

  // How the seeder authenticates: Basic on htpasswd, a directly minted push token on token auth.
  const seedAuth = (repository: string): string =>
    options.mode === 'htpasswd'
      ? `Basic ${Buffer.from(`${SEEDER}:${seederPassword}`).toString('base64')}`
      : `Bearer ${mintToken(signingKeyPem, signingKid, SEEDER, [{ type: 'repository', name: repository, actions: ['pull', 'push'] }])}`

  const registry: TestRegistry = {
    mode: options.mode,
    url,
    host: `127.0.0.1:${port}`,
    caPem: certPem,
    caFile,
    users,
    ...(realm && { realm, service: SERVICE }),
    tokenRequests,
    setPolicy: (p) => {
      policy = p
    },
    seedImage: (repository, tag, seed = {}) => seedImage(url, certPem, seedAuth(repository), repository, tag, seed),
    log: () => log,
    requests: () => accessLog(log),
    pid: () => child.pid!,
    halt,
    resume: async () => {
      await halt()
      // The same port, so the references a test holds stay valid.
      writeConfig(`127.0.0.1:${port}`)
      ;({ child, port } = await launch())
    },
    stop: async () => {
      await halt()
      if (issuer) {
        issuer.closeAllConnections()
        await new Promise((done) => issuer.close(done))
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return registry
}

// 127.0.0.1 - - [05/Dec/2026:13:03:07 +0000] "GET /v2/ HTTP/1.1" 401 87 "" "skopeo/1.9.3"
const ACCESS_LINE = /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ "[^"]*" "([^"]*)"/

function accessLog(log: string): AccessLogEntry[] {
  const out: AccessLogEntry[] = []
  for (const line of log.split('\n')) {
    const m = ACCESS_LINE.exec(line)
    if (m) out.push({ method: m[1]!, path: m[2]!, status: Number(m[3]), userAgent: m[4]! })
  }
  return out
}

/** Registries started together for one test file, one CA bundle that trusts them all, one stop. */
export interface RegistrySet {
  registries: TestRegistry[]
  /** A PEM file with every registry's certificate, for `--registry-ca`. */
  caBundle: string
  /** Stops every registry (one stopped already is fine) and removes the bundle. */
  stop(): Promise<void>
}

/** Starts one registry per options, in parallel; call from beforeAll and stop in afterAll. */
export async function startRegistries(options: StartRegistryOptions[]): Promise<RegistrySet> {
  const registries = await Promise.all(options.map((o) => startRegistry(o)))
  // Outside a test (beforeAll), tempDir's cleanup cannot register: stop() removes this dir.
  const dir = mkdtempSync(join(tmpdir(), 'cfpull-ca-'))
  const caBundle = join(dir, 'ca.pem')
  writeFileSync(caBundle, registries.map((r) => r.caPem).join(''))
  return {
    registries,
    caBundle,
    stop: async () => {
      await Promise.all(registries.map((r) => r.stop()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago): a registry that is down. */
export async function closedPort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const port = (server.address() as AddressInfo).port
  await new Promise((done) => server.close(done))
  return port
}

/** A self-signed certificate with the given subjectAltNames, made with openssl. */
export function selfSigned(
  dir: string,
  name: string,
  altNames: string[],
): { certFile: string; keyFile: string; certPem: string; keyPem: string } {
  mkdirSync(dir, { recursive: true })
  const certFile = join(dir, `${name}.crt`)
  const keyFile = join(dir, `${name}.key`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${name === 'tls' ? 'localhost' : name}`,
      '-addext',
      `subjectAltName=${altNames.join(',')}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') }
}

/**
 * libtrust's key ID, which Distribution 2.8 matches a token's `kid` against: SHA-256 of the DER
 * SubjectPublicKeyInfo, first 240 bits, base32, in 12 groups of 4 joined by ':'.
 */
function libtrustKeyId(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' })
  const b32 = base32(createHash('sha256').update(der).digest().subarray(0, 30))
  return b32.match(/.{4}/g)!.join(':')
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out
}

function mintToken(
  keyPem: string,
  kid: string,
  subject: string,
  access: { type: string; name: string; actions: string[] }[],
): string {
  const now = Math.floor(Date.now() / 1000)
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const header = enc({ typ: 'JWT', alg: 'RS256', kid })
  const claims = enc({
    iss: ISSUER,
    sub: subject,
    aud: SERVICE,
    exp: now + 300,
    nbf: now - 10,
    iat: now,
    jti: randomUUID(),
    access,
  })
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), createPrivateKey(keyPem))
  return `${header}.${claims}.${signature.toString('base64url')}`
}

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

function httpsRequest(
  url: string,
  ca: string,
  method: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, ca, headers: { ...headers, ...(body && { 'content-length': String(body.length) }) } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

async function pushBlob(base: string, ca: string, auth: string, repository: string, blob: Buffer): Promise<string> {
  const digest = sha256(blob)
  const start = await httpsRequest(`${base}/v2/${repository}/blobs/uploads/`, ca, 'POST', { authorization: auth })
  if (start.status !== 202) throw new Error(`blob upload start answered ${start.status}: ${start.body.toString()}`)
  const location = new URL(String(start.headers.location), base)
  location.searchParams.set('digest', digest)
  const put = await httpsRequest(
    location.toString(),
    ca,
    'PUT',
    { authorization: auth, 'content-type': 'application/octet-stream' },
    blob,
  )
  if (put.status !== 201) throw new Error(`blob upload answered ${put.status}: ${put.body.toString()}`)
  return digest
}

async function pushManifest(
  base: string,
  ca: string,
  auth: string,
  repository: string,
  reference: string,
  mediaType: string,
  manifest: Buffer,
): Promise<string> {
  const put = await httpsRequest(
    `${base}/v2/${repository}/manifests/${reference}`,
    ca,
    'PUT',
    { authorization: auth, 'content-type': mediaType },
    manifest,
  )
  if (put.status !== 201) throw new Error(`manifest PUT answered ${put.status}: ${put.body.toString()}`)
  return sha256(manifest)
}

const MEDIA = {
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
}

async function seedImage(
  base: string,
  ca: string,
  auth: string,
  repository: string,
  tag: string,
  options: SeedOptions,
): Promise<SeededImage> {
  const media = MEDIA[options.format ?? 'docker']
  // reference undefined: pushed by its own digest (the children of an index).
  const pushOne = async (platform: string, reference?: string) => {
    const [os, architecture] = platform.split('/') as [string, string]
    // A one-file tar (512-byte header + padded content), gzipped: a real, tiny layer.
    const content = Buffer.from(`${repository}:${tag} ${platform}\n`)
    const header = Buffer.alloc(512)
    header.write('hello.txt', 0)
    header.write('0000644\0', 100)
    header.write('0000000\0', 108)
    header.write('0000000\0', 116)
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124)
    header.write('00000000000\0', 136)
    header.write('        ', 148)
    header.write('0', 156)
    header.write('ustar\0', 257)
    header.write('00', 263)
    let sum = 0
    for (const b of header) sum += b
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
    const tar = Buffer.concat([header, content, Buffer.alloc(512 - content.length), Buffer.alloc(1024)])
    const layer = gzipSync(tar)
    const layerDigest = await pushBlob(base, ca, auth, repository, layer)
    const config = Buffer.from(
      JSON.stringify({ architecture, os, rootfs: { type: 'layers', diff_ids: [sha256(tar)] }, config: {} }),
    )
    const configDigest = await pushBlob(base, ca, auth, repository, config)
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: media.manifest,
        config: { mediaType: media.config, size: config.length, digest: configDigest },
        layers: [{ mediaType: media.layer, size: layer.length, digest: layerDigest }],
      }),
    )
    const digest = await pushManifest(
      base,
      ca,
      auth,
      repository,
      reference ?? sha256(manifest),
      media.manifest,
      manifest,
    )
    return { digest, size: manifest.length, os, architecture }
  }

  if (!options.platforms) {
    const one = await pushOne('linux/amd64', tag)
    return { repository, tag, digest: one.digest, mediaType: media.manifest }
  }
  const children = []
  for (const platform of options.platforms) children.push(await pushOne(platform))
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: media.index,
      manifests: children.map((c) => ({
        mediaType: media.manifest,
        size: c.size,
        digest: c.digest,
        platform: { architecture: c.architecture, os: c.os },
      })),
    }),
  )
  const digest = await pushManifest(base, ca, auth, repository, tag, media.index, index)
  return { repository, tag, digest, mediaType: media.index }
}
