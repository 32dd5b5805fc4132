// skopeo, the copy engine of `cfpull mirror`: one `skopeo sync --src yaml --keep-going` for every
// image a run copies (one process, one TLS and token setup per registry, not one process per
// image). skopeo already handles schema versions, OCI and Docker media types, foreign layers,
// chunked uploads and retries, so cfpull never moves a blob itself.
//
// Credentials never reach skopeo's argv (no --src-creds/--dest-creds) or its environment: they
// are written to a containers-auth.json file, mode 0600, in a private directory (mode 0700) made
// for this run, and passed with --authfile. The CA files go to the same directory, passed with
// --src-cert-dir/--dest-cert-dir. The child's DOCKER_CONFIG points at that directory too, so
// skopeo cannot fall back on the user's ~/.docker/config.json for a registry cfpull was told to
// reach anonymously. The directory is removed by `remove()`, and on process exit whatever happened.
import { mkdtempSync, rmSync } from 'node:fs'
import { constants } from 'node:fs'
import { access, chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { ToolFailedError, ToolNotFoundError } from '../core/errors.js'
import type { Platform } from '../core/images/pull-check.js'
import { toolNotFound, type Runner } from './run.js'

/** One credential for the auth file: `key` is a host, or `host/path` for everything under a path. */
export interface SkopeoCredential {
  key: string
  username: string
  password: string
}

export interface SkopeoWorkspaceInput {
  credentials: SkopeoCredential[]
  /** PEM text of a private CA for the source and the destination registries. */
  srcCa?: string
  destCa?: string
}

/** The private directory of one run: the auth file and the CA directories skopeo reads. */
export interface SkopeoWorkspace {
  dir: string
  authFile: string
  srcCertDir?: string
  destCertDir?: string
  /** Removes the directory (and the credentials in it); safe to call more than once. */
  remove(): Promise<void>
}

/**
 * Makes the private directory and writes the auth file (0600) and the CA files into it. The
 * directory goes on every exit path: `remove()`, or the process's exit as a last resort.
 */
export async function createSkopeoWorkspace(input: SkopeoWorkspaceInput): Promise<SkopeoWorkspace> {
  // mkdtemp creates the directory with mode 0700: no other user can list or open what is in it.
  const dir = mkdtempSync(join(tmpdir(), 'cfpull-skopeo-'))
  const removeNow = () => rmSync(dir, { recursive: true, force: true })
  process.once('exit', removeNow)
  let removed = false
  const workspace: SkopeoWorkspace = {
    dir,
    authFile: join(dir, 'auth.json'),
    remove: async () => {
      if (removed) return
      removed = true
      process.off('exit', removeNow)
      await rm(dir, { recursive: true, force: true })
    },
  }
  try {
    await chmod(dir, 0o700)
    const auths: Record<string, { auth: string }> = {}
    for (const c of input.credentials)
      auths[c.key] = { auth: Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64') }
    // wx: never write through a file someone placed there; 0600 from the first byte.
    await writeFile(workspace.authFile, JSON.stringify({ auths }), { mode: 0o600, flag: 'wx' })
    if (input.srcCa !== undefined) workspace.srcCertDir = await certDir(dir, 'src-certs', input.srcCa)
    if (input.destCa !== undefined) workspace.destCertDir = await certDir(dir, 'dest-certs', input.destCa)
  } catch (err) {
    await workspace.remove()
    throw err
  }
  return workspace
}

async function certDir(dir: string, name: string, pem: string): Promise<string> {
  const path = join(dir, name)
  await mkdir(path, { mode: 0o700 })
  // skopeo (containers/image) trusts every *.crt in the directory, besides the system's CAs.
  await writeFile(join(path, 'ca.crt'), pem, { mode: 0o600, flag: 'wx' })
  return path
}

/**
 * Finds the skopeo binary as the runner would start it (a path, or a name looked up on PATH),
 * without starting it: a missing skopeo is exit 4 with how to install it, before anything is
 * copied. Not `skopeo --version`: a Go process start costs more than every check of a small run.
 */
export async function findSkopeo(bin: string, env: Record<string, string | undefined>): Promise<string> {
  const candidates = bin.includes('/')
    ? [bin]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, bin))
  for (const file of candidates) {
    try {
      await access(file, constants.X_OK)
      if ((await stat(file)).isFile()) return file
    } catch {
      // not there, or not executable: the next one
    }
  }
  throw toolNotFound('skopeo', bin)
}

/** denied: the destination refused the push; auth: credentials asked for or refused. */
export type CopyFailureKind = 'denied' | 'auth' | 'not-found' | 'unreachable' | 'interrupted' | 'other'

// The global flags that make skopeo pick one platform of an index (they go before the subcommand).
function platformArgs(p: Platform | undefined): string[] {
  return p
    ? [
        '--override-os',
        p.os,
        '--override-arch',
        p.architecture,
        ...(p.variant ? ['--override-variant', p.variant] : []),
      ]
    : []
}

export function errorKind(reason: string): CopyFailureKind {
  if (/\bdenied\b/i.test(reason)) return 'denied'
  if (/authentication required|unauthorized|invalid username\/password/i.test(reason)) return 'auth'
  if (/manifest unknown|name unknown|not found/i.test(reason)) return 'not-found'
  if (/connection refused|no such host|i\/o timeout|dial tcp|pinging container registry|EOF/i.test(reason))
    return 'unreachable'
  return 'other'
}

/** One image of a batch: where skopeo reads it (`reference` is a tag or a `sha256:` digest). */
export interface SyncSource {
  host: string
  repository: string
  reference: string
}

export interface SyncRequest {
  sources: SyncSource[]
  /** `HOST/PATH`: skopeo names each image `HOST/PATH/<last path component>`, as mirror-name.ts does. */
  destination: string
  /** Copy only this platform's manifest of an index; without it each index whole, digests preserved. */
  platform?: Platform
}

/** How skopeo prints a source in its log: `docker://host/repository:tag` or `…@sha256:…`. */
export function syncSourceName(s: SyncSource): string {
  return `docker://${s.host}/${s.repository}${s.reference.startsWith('sha256:') ? '@' : ':'}${s.reference}`
}

/**
 * The `--src yaml` file: `{ host: { cert-dir, images: { repository: [tag | digest] } } }`, as JSON
 * (which YAML reads as it is). The source CA goes here, per registry: with a yaml source skopeo
 * 1.9 takes each registry's `cert-dir` from the file and ignores --src-cert-dir.
 */
export function skopeoSyncFile(ws: SkopeoWorkspace, sources: readonly SyncSource[]): string {
  const doc: Record<string, { 'cert-dir'?: string; images: Record<string, string[]> }> = {}
  for (const s of sources) {
    const reg = (doc[s.host] ??= { ...(ws.srcCertDir && { 'cert-dir': ws.srcCertDir }), images: {} })
    const refs = (reg.images[s.repository] ??= [])
    if (!refs.includes(s.reference)) refs.push(s.reference)
  }
  return `${JSON.stringify(doc, null, 2)}\n`
}

/** skopeo's arguments for one batch: never a credential, only the paths of the workspace's files. */
export function skopeoSyncArgs(
  ws: SkopeoWorkspace,
  file: string,
  req: Pick<SyncRequest, 'destination' | 'platform'>,
): string[] {
  return [
    ...platformArgs(req.platform),
    'sync',
    '--src',
    'yaml',
    '--dest',
    'docker',
    // One image that fails does not stop the others; each failure is logged with its source.
    '--keep-going',
    ...(req.platform ? [] : ['--all']),
    '--preserve-digests',
    '--retry-times',
    '2',
    '--authfile',
    ws.authFile,
    ...(ws.destCertDir ? ['--dest-cert-dir', ws.destCertDir] : []),
    file,
    req.destination,
  ]
}

export interface SyncOutcome {
  /** skopeo's exit code; undefined when it was stopped. */
  exitCode?: number
  /** Why skopeo was stopped (an interrupt, a signal); absent when it exited by itself. */
  stopped?: string
  interrupted: boolean
  /** Each image skopeo reported an error for, by {@link syncSourceName}: its reason and kind. */
  failures: Map<string, { reason: string; kind: CopyFailureKind }>
  /** The sources skopeo started copying, in its order. */
  started: string[]
  /** skopeo's last fatal line: the reason for an image that has none of its own. */
  fatal?: string
}

/**
 * Runs one `skopeo sync` for a batch (`name` names its file in the workspace, one per batch). Which images arrived is for the caller to check at
 * the destination; this says what skopeo reported for each. Only a skopeo that cannot be started
 * throws (exit 4).
 */
export async function skopeoSync(
  run: Runner,
  bin: string,
  ws: SkopeoWorkspace,
  req: SyncRequest,
  options: {
    cancelSignal?: AbortSignal
    withhold?: string[]
    name?: string
    /** Each line of skopeo's log that names an image, as it is written. */
    onEvent?: (event: SyncEvent) => void
  } = {},
): Promise<SyncOutcome> {
  const file = join(ws.dir, `${options.name ?? 'sync'}.yaml`)
  await writeFile(file, skopeoSyncFile(ws, req.sources), { mode: 0o600 })
  let stderr: string
  let exitCode: number | undefined
  let stopped: string | undefined
  try {
    const r = await run(bin, skopeoSyncArgs(ws, file, req), {
      env: { DOCKER_CONFIG: ws.dir },
      ...(options.cancelSignal && { cancelSignal: options.cancelSignal }),
      ...(options.withhold && { withhold: options.withhold }),
      ...(options.onEvent && { onStderrLine: (line: string) => notify(line, options.onEvent!) }),
    })
    stderr = r.stderr
    exitCode = r.exitCode
  } catch (err) {
    if (err instanceof ToolNotFoundError) throw toolNotFound('skopeo', bin)
    if (!(err instanceof ToolFailedError)) throw err
    stderr = err.stderr ?? ''
    stopped = options.cancelSignal?.aborted ? 'stopped by an interrupt' : `skopeo ${err.stopped ?? 'was stopped'}`
  }
  return {
    ...parseSyncLog(stderr),
    ...(exitCode !== undefined && { exitCode }),
    ...(stopped && { stopped }),
    interrupted: !!options.cancelSignal?.aborted,
  }
}

/**
 * One line of skopeo sync's log that says something about an image: it `started` copying it (so
 * the one before it in the same sync is over), or the copy `failed`; or the sync is `fatal`.
 */
export type SyncEvent =
  | { kind: 'started'; source: string }
  | { kind: 'failed'; source: string; reason: string; failure: CopyFailureKind }
  | { kind: 'fatal'; reason: string }

/** Reads one line of skopeo sync's log (logfmt on stderr); undefined for the lines about nothing in particular. */
export function syncEvent(line: string): SyncEvent | undefined {
  const msg = field(line, 'msg')
  if (msg === undefined) return undefined
  if (msg.startsWith('Copying image ref ')) {
    const from = field(line, 'from')
    return from ? { kind: 'started', source: from } : undefined
  }
  if (/level=error/.test(line)) {
    const ref = /^Error copying ref "(.+)"$/.exec(msg)?.[1]
    const reason = (field(line, 'error') ?? msg).trim()
    return ref ? { kind: 'failed', source: ref, reason, failure: errorKind(reason) } : undefined
  }
  if (/level=fatal/.test(line)) return { kind: 'fatal', reason: msg.trim() }
  return undefined
}

function notify(line: string, onEvent: (event: SyncEvent) => void): void {
  const event = syncEvent(line)
  if (event) onEvent(event)
}

/** Reads skopeo sync's log: the images it started, the error of each one that failed, the fatal line. */
export function parseSyncLog(stderr: string): Pick<SyncOutcome, 'failures' | 'started' | 'fatal'> {
  const failures: SyncOutcome['failures'] = new Map()
  const started: string[] = []
  let fatal: string | undefined
  for (const line of stderr.split('\n')) {
    const e = syncEvent(line)
    if (e?.kind === 'started') started.push(e.source)
    else if (e?.kind === 'failed') failures.set(e.source, { reason: e.reason, kind: e.failure })
    else if (e?.kind === 'fatal') fatal = e.reason
  }
  return { failures, started, ...(fatal !== undefined && { fatal }) }
}

// A logfmt field: key="quoted \"value\"" or key=bare.
function field(line: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|(\\S+))`).exec(line)
  if (!m) return undefined
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]
}
