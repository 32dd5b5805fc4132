// mirror: every image of the install copied into the private registry, under the names `patch
// --registry` writes, and proven to pull from there. This folder holds the command's parts: the
// credentials of both sides (credentials.ts, through create-secret's password sources) and this
// file, which runs three phases (the third beside the second):
//   1. check: one manifest request per image at each registry (the destination's digest, the
//      source's); an image already there with the source's digest is skipped, and that answer is
//      its proof. Credentials refused on either side stop here, before anything is pushed (exit 5).
//   2. copy: `skopeo sync --keep-going` of the images that need copying, one process per
//      --concurrency batch (one connection setup per registry, not one per image); a failure
//      does not stop the others. skopeo's log is read as it is written: it names the image
//      being copied (the progress line), and when skopeo moves on from an image that one's
//   3. proof starts at once, beside the copies still running: the image asked of the mirror
//      as a node would ask (doctor --pull's check), with the destination credentials, for each
//      platform asked for; its digest must be the source's, and an index's platform manifests
//      must be there too (their sizes are the bytes shown). An image that is not there failed,
//      with skopeo's line for it as the reason.
import { readText } from '../../adapters/files.js'
import { RegistryClient, fetchManifest, probeManifest, registryEndpoint } from '../../adapters/registry.js'
import { redactingRunner, toolBinary, warmRunner } from '../../adapters/run.js'
import {
  createSkopeoWorkspace,
  findSkopeo,
  skopeoSync,
  syncSourceName,
  type CopyFailureKind,
  type SyncEvent,
  type SyncOutcome,
} from '../../adapters/skopeo.js'
import { ExitCode, UsageError } from '../../core/errors.js'
import { redact, type RegistryAuth } from '../../core/credentials/registry-secret.js'
import { parseMirrorTarget } from '../../core/images/mirror-name.js'
import {
  indexChildren,
  manifestBytes,
  mirrorExitCode,
  parseImageList,
  planMirror,
  platformChild,
  type MirrorEntry,
  type MirrorRecord,
  type MirrorSource,
} from '../../core/images/mirror-plan.js'
import {
  answerFor,
  formatPlatform,
  manifestKind,
  parsePlatform,
  type Platform,
  type PullAnswer,
} from '../../core/images/pull-check.js'
import { mapLimit } from '../../core/map-limit.js'
import { RegistryRejectedError } from '../create-secret/login.js'
import { checkStdinUse, resolveMirrorCredentials, type MirrorCredentials } from './credentials.js'
import { mirrorInventory } from './inventory.js'
import type { MirrorDeps, MirrorOptions, MirrorResult } from './types.js'

/** What phase 1 decided for one image. */
interface Checked {
  entry: MirrorEntry
  action: 'skip' | 'copy' | 'fail' | 'there'
  reason: string
  /** The digest the destination must end up with: the source's (or its platform child's). */
  want?: string
  /** Those of the copy; null until known (an index asked for with HEAD: its proof fills them in). */
  platforms: string[] | null
  /** How long its copy takes next to a single manifest's (the manifests it copies). */
  weight?: number
}

interface Clients {
  dest: RegistryClient
  destCredentialed: boolean
  source: (host: string) => RegistryClient
  credentialed: (host: string) => boolean
}

/**
 * `cfpull mirror`: copies each image to `--to` with skopeo (skipping what is there already, with
 * the same digest), then proves each copy pulls. Throws for usage errors (2), bad input (3), a
 * missing skopeo (4) and refused credentials (5, nothing pushed); everything else is a record.
 */
export async function mirror(opts: MirrorOptions, deps: MirrorDeps): Promise<MirrorResult> {
  const notes: string[] = []
  const target = parseMirrorTarget(opts.to)
  const platform = opts.platform !== undefined ? parsePlatform(opts.platform) : undefined
  const concurrency = opts.concurrency ?? 4
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError(`--concurrency ${concurrency} is not a whole number of at least 1`)
  checkStdinUse(opts)
  const bin = toolBinary('skopeo', deps.env)
  let sources: MirrorSource[] = []
  let failedEarly: MirrorRecord[] = []
  let srcServer: string
  if (opts.images !== undefined) {
    const listName = opts.images === '-' ? '<stdin>' : opts.images
    const listText = opts.images === '-' ? await deps.readStdin() : await readText(opts.images)
    sources = parseImageList(listText, listName)
    const hosts = [
      ...new Set(
        planMirror(sources, target)
          .filter((e) => !e.alreadyThere)
          .map((e) => e.from.host),
      ),
    ]
    srcServer = opts.src.server ?? (hosts.length === 1 ? hosts[0]! : 'docker.io')
  } else srcServer = opts.src.server ?? 'docker.io'
  const creds = await resolveMirrorCredentials(opts, srcServer, target.host, deps, notes)
  // The checks and proofs are one small read each: more of them in flight than copies (a copy
  // moves layers), so a run's checks take one or two round trips, not total/concurrency.
  const reads = Math.max(8, concurrency * 2)
  const clients = makeClients(creds, srcServer, target.host, reads, opts.timeoutMs, deps.env)
  // Every password form is withheld from skopeo's environment and redacted from its output.
  const run = redactingRunner(deps.run, (s) => redact(s, creds.secrets), creds.secrets)
  // A missing skopeo is exit 4 with the install command, not 40 failed copies.
  if (!opts.dryRun) await findSkopeo(bin, deps.env)
  if (opts.images === undefined) {
    // The plugins' tag lists are read with the source credentials, so those are for
    // --src-registry, else Docker Hub (where Cloudforet's images are).
    const inv = await mirrorInventory(
      opts.inventory ?? { cluster: false, namespace: 'spaceone', release: 'cloudforet' },
      target,
      {
        run,
        env: deps.env,
        ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }),
        tagClient: clients.source,
        credentialed: clients.credentialed,
      },
    )
    sources = inv.sources
    failedEarly = inv.failed
    notes.push(...inv.notes)
  }
  const entries = planMirror(sources, target)
  const hosts = [...new Set(entries.filter((e) => !e.alreadyThere).map((e) => e.from.host))]
  if (creds.src && !hosts.some((h) => sameHost(h, srcServer)))
    notes.push(`the source credentials are for ${srcServer}, which none of the images comes from`)

  for (const r of failedEarly) deps.onRecord?.(r)
  const total = entries.length
  let done = 0
  let bytes = 0
  const progress = (phase: 'check' | 'copy' | 'proof', current?: string) =>
    deps.onProgress?.({ phase, done, total, bytes, ...(current && { current }) })

  // The private directory for skopeo and execa are made ready while the checks wait on the
  // registries, not after them. From here on an interrupt is ours to handle: it must not end the
  // process with the credentials' directory still on disk.
  const abort = new AbortController()
  let interrupted = false
  const unsubscribe = opts.dryRun
    ? undefined
    : deps.signals?.(() => {
        interrupted = true
        abort.abort()
      })
  const workspace = opts.dryRun
    ? undefined
    : createSkopeoWorkspace({
        credentials: [
          ...(creds.src ? [{ key: registryEndpoint(srcServer).host, ...userPass(creds.src) }] : []),
          // Keyed by HOST/PATH: skopeo picks the longest match, so these credentials are used for
          // the mirror's repositories even when the source is another path on the same host.
          ...(creds.dest ? [{ key: `${target.host}/${target.path}`, ...userPass(creds.dest) }] : []),
        ],
        ...(creds.srcCa !== undefined && { srcCa: creds.srcCa }),
        ...(creds.destCa !== undefined && { destCa: creds.destCa }),
      })
  workspace?.catch(() => {})
  // After the first requests are on their way (the checks start below), so it does not hold them up.
  if (!opts.dryRun) setImmediate(warmRunner)
  const records = new Map<MirrorEntry, MirrorRecord>()
  // Phases 1 to 3; whatever ends them, the cleanup below runs.
  const copyAndProve = async (): Promise<void> => {
    // Phase 1: where each image stands. Read-only, at both registries.
    progress('check')
    const checked = await mapLimit(entries, reads, async (entry) => {
      const c = await check(entry, clients, platform)
      done++
      progress('check', entry.image)
      return c
    })
    const refused = checked.filter((c) => c.action === 'fail' && c.reason.startsWith(REFUSED))
    if (refused.length) {
      const first = refused[0]!.reason.slice(REFUSED.length)
      throw new RegistryRejectedError(
        `${first}; nothing was pushed`,
        'check the user and password (--src-username/--dest-username and their password sources); robot accounts need their full name, e.g. robot$project+ci',
      )
    }

    const record = (c: Checked, r: Partial<MirrorRecord> & Pick<MirrorRecord, 'status' | 'reason'>) => {
      const full: MirrorRecord = {
        source: c.entry.image,
        destination: c.entry.destination,
        platforms: c.platforms,
        digest: c.want ?? null,
        bytes: null,
        ...(c.entry.tagReason !== undefined && { tagReason: c.entry.tagReason }),
        ...r,
      }
      records.set(c.entry, full)
      deps.onRecord?.(full)
      return full
    }
    for (const c of checked) {
      if (c.action === 'there') record(c, { status: 'skipped', reason: c.reason, digest: null })
      else if (c.action === 'skip') record(c, { status: 'skipped', reason: c.reason })
      else if (c.action === 'fail') record(c, { status: 'failed', reason: c.reason })
      else if (opts.dryRun) record(c, { status: 'planned', reason: c.reason })
    }

    const toCopy = opts.dryRun ? [] : checked.filter((c) => c.action === 'copy')
    done = checked.length - toCopy.length
    if (interrupted) {
      for (const c of toCopy)
        record(c, { status: 'failed', reason: 'interrupted before its copy started: nothing of it was pushed' })
      return
    }
    if (toCopy.length) {
      const ws = (await workspace)!
      // skopeo sync copies one image after the other: --concurrency batches run side by side, each
      // one skopeo process, so at most that many images move at once. The run lasts as long as its
      // longest batch, so an index (a manifest per platform) weighs as much as its platforms.
      const batches = dealBatches(toCopy, concurrency, (c) => c.weight ?? 1)
      const current = new Map<number, string>()
      const prove = async (c: Checked, failure: SyncFailure | undefined, outcome: Promise<SyncOutcome>) => {
        const r = await proof(c, failure, outcome, clients.dest, target.host, !!creds.dest, () => interrupted)
        bytes += r.bytes ?? 0
        record(c, r)
        done++
        progress(current.size ? 'copy' : 'proof', [...current.values()].at(-1))
      }
      progress('copy')
      const proofs: Promise<void>[] = []
      await Promise.all(
        batches.map(async (batch, i) => {
          const bySource = new Map(batch.map((c) => [syncSourceName(c.entry.from), c]))
          const failures = new Map<string, SyncFailure>()
          const proven = new Set<Checked>()
          let last: Checked | undefined
          let ended!: (o: SyncOutcome) => void
          const outcome = new Promise<SyncOutcome>((resolve) => (ended = resolve))
          // Each image is proven as soon as skopeo moves on from it (its copy is over, whatever
          // came of it), while the rest of the batch is still copying: only the last one waits.
          const settle = (c: Checked) => {
            if (proven.has(c)) return
            proven.add(c)
            proofs.push(prove(c, failures.get(syncSourceName(c.entry.from)), outcome))
          }
          const onEvent = (e: SyncEvent) => {
            if (e.kind === 'failed') failures.set(e.source, { reason: e.reason, kind: e.failure })
            if (e.kind !== 'started') return
            const c = bySource.get(e.source)
            if (last && last !== c) settle(last)
            last = c
            if (!c) return
            current.set(i, c.entry.image)
            progress('copy', c.entry.image)
          }
          const result = skopeoSync(
            run,
            bin,
            ws,
            {
              sources: batch.map((c) => c.entry.from),
              destination: `${target.host}/${target.path}`,
              ...(platform && { platform }),
            },
            { cancelSignal: abort.signal, name: `sync-${i}`, onEvent },
          )
          // A skopeo that cannot be started rejects: no proof waits on it then.
          result.then(ended, () => {})
          const o = await result
          current.delete(i)
          for (const c of batch) settle(c)
          return o
        }),
      )
      await Promise.all(proofs)
    }
  }
  try {
    await copyAndProve()
  } finally {
    unsubscribe?.()
    await (await workspace?.catch(() => undefined))?.remove()
  }

  deps.onProgress?.({ phase: 'done', done: total, total, bytes })
  const ordered = [...entries.map((e) => records.get(e)!), ...failedEarly]
  return {
    to: `${target.host}/${target.path}`,
    dryRun: opts.dryRun,
    ...(platform && { platform: formatPlatform(platform) }),
    records: ordered,
    notes,
    interrupted,
    exitCode: interrupted ? ExitCode.Interrupted : mirrorExitCode(ordered, false),
  }
}

const REFUSED = 'refused: '

/**
 * Deals items into at most `n` batches so the heaviest batch is as light as it can be made simply:
 * heaviest item first, each to the lightest batch so far (ties: the earlier batch). Each batch
 * keeps the items' own order.
 */
export function dealBatches<T>(items: readonly T[], n: number, weight: (item: T) => number): T[][] {
  const batches = Array.from({ length: Math.min(n, items.length) }, () => ({ load: 0, items: [] as number[] }))
  const order = items.map((_, i) => i).sort((a, b) => weight(items[b]!) - weight(items[a]!) || a - b)
  for (const i of order) {
    const lightest = batches.reduce((best, b) => (b.load < best.load ? b : best))
    lightest.load += weight(items[i]!)
    lightest.items.push(i)
  }
  return batches.map((b) => b.items.sort((x, y) => x - y).map((i) => items[i]!))
}

type SyncFailure = { reason: string; kind: CopyFailureKind }

/**
 * The proof of one copied image: its manifest asked of the mirror as a node asks for it, with the
 * destination credentials. In place when the digest pulled back is the source's and it pulls, for
 * each platform asked for. An image that is not there failed: skopeo's line for it says why, else
 * how its sync ended (waited for only then).
 */
async function proof(
  c: Checked,
  failure: SyncFailure | undefined,
  outcome: Promise<SyncOutcome>,
  dest: RegistryClient,
  destHost: string,
  credentialed: boolean,
  interrupted: () => boolean,
): Promise<Pick<MirrorRecord, 'status' | 'reason' | 'bytes'>> {
  const { repository, reference } = c.entry.to
  const got = await fetchManifest(dest, repository, reference, 'GET')
  // The bytes of the copy, read back from the mirror: a manifest's config and layers; an index's
  // children (those of each platform asked for), each of which must be there too.
  let bytes: number | null = null
  if (got.digest === c.want && got.body !== undefined) {
    if (manifestKind(got.probe.kind === 'response' ? got.probe.contentType : undefined) !== 'index')
      bytes = manifestBytes(got.body)
    else {
      const children = indexChildren(got.body)
      c.platforms ??= children.map((ch) => formatPlatform(ch.platform))
      const wanted = children.filter((ch) => c.platforms!.includes(formatPlatform(ch.platform)))
      const parts = await mapLimit(wanted, 4, async (ch) => {
        const child = await fetchManifest(dest, repository, ch.digest, 'GET')
        return {
          platform: formatPlatform(ch.platform),
          bytes: child.body === undefined ? null : manifestBytes(child.body),
        }
      })
      const missing = parts.filter((x) => x.bytes === null).map((x) => x.platform)
      if (missing.length)
        return {
          status: 'failed',
          reason: `copied, but the mirror does not serve its ${missing.join(', ')} manifest${missing.length === 1 ? '' : 's'}`,
          bytes: null,
        }
      bytes = parts.reduce((sum, x) => sum + x.bytes!, 0)
    }
  }
  const answer = answerFor(got.probe, {
    host: destHost,
    repository: c.entry.to.repository,
    reference: c.entry.to.reference,
    credentialed,
    platforms: c.platforms ? c.platforms.map(parsePlatform) : [],
  })
  if (got.digest === c.want && answer.status === 'pulls')
    return {
      status: 'copied',
      reason: interrupted() ? 'copied before the interrupt; pulls from the mirror' : 'copied; pulls from the mirror',
      bytes,
    }
  if (got.digest === c.want)
    return { status: 'failed', reason: `copied, but it does not pull: ${describe(answer)}`, bytes: null }
  const sync = await outcome
  const why = failure ?? sync.failures.get(syncSourceName(c.entry.from))
  if (got.digest && !why && !sync.stopped)
    return {
      status: 'failed',
      reason: `copied, but the mirror serves ${got.digest}, not the source's ${c.want ?? 'digest'}`,
      bytes: null,
    }
  return { status: 'failed', reason: notCopied(c, why, sync), bytes: null }
}

/** Why an image of the batch is not at the destination: skopeo's line for it, else how skopeo ended. */
function notCopied(c: Checked, failure: { reason: string; kind: string } | undefined, sync: SyncOutcome): string {
  if (sync.interrupted && !failure)
    return 'interrupted before or during its copy: it has no manifest at the destination, so nothing of it can be pulled'
  if (failure?.kind === 'denied')
    return `the destination refused the push to ${c.entry.to.repository}: ${failure.reason}`
  if (failure) return `skopeo sync failed: ${failure.reason}`
  if (sync.stopped) return `not copied: ${sync.stopped}`
  if (sync.fatal) return `skopeo sync failed: ${sync.fatal}`
  return `skopeo sync ended (exit ${sync.exitCode ?? '?'}) without it at the destination`
}

function userPass(a: RegistryAuth): { username: string; password: string } {
  return { username: a.username, password: a.password }
}

function sameHost(a: string, b: string): boolean {
  return registryEndpoint(a).host === registryEndpoint(b).host
}

function makeClients(
  creds: MirrorCredentials,
  srcServer: string,
  destHost: string,
  concurrency: number,
  timeoutMs: number | undefined,
  env: Record<string, string | undefined>,
): Clients {
  const common = { maxConcurrent: concurrency, env, ...(timeoutMs && { timeoutMs }) }
  const dest = new RegistryClient(destHost, {
    ...common,
    ...(creds.dest && { credentials: userPass(creds.dest) }),
    ...(creds.destCa !== undefined && { ca: [creds.destCa] }),
  })
  const sources = new Map<string, RegistryClient>()
  const credentialed = (host: string) => !!creds.src && sameHost(host, srcServer)
  return {
    dest,
    destCredentialed: !!creds.dest,
    credentialed,
    source: (host) => {
      let c = sources.get(host)
      if (!c)
        sources.set(
          host,
          (c = new RegistryClient(host, {
            ...common,
            ...(credentialed(host) && { credentials: userPass(creds.src!) }),
            ...(creds.srcCa !== undefined && { ca: [creds.srcCa] }),
          })),
        )
      return c
    },
  }
}

/** A registry's answer in a few words, with what decided it. */
function describe(a: PullAnswer): string {
  return a.detail ? `${a.text} (${a.detail})` : a.text
}

/**
 * Phase 1 for one image: the destination's manifest (HEAD) and the source's (HEAD, or GET when
 * one platform of an index is wanted), side by side. One request at each registry when the image
 * is in place. HEAD, not GET, at the source: Docker Hub counts a GET of a manifest as a pull.
 */
async function check(entry: MirrorEntry, clients: Clients, platform: Platform | undefined): Promise<Checked> {
  const base = { entry, platforms: null }
  if (entry.alreadyThere)
    return { ...base, action: 'there', reason: `already under the mirror's path: not copied onto itself` }
  const { to, from } = entry
  const method = platform ? 'GET' : 'HEAD'
  // Both asked at once: neither answer changes what is asked of the other registry (read-only).
  const [dest, src] = await Promise.all([
    fetchManifest(clients.dest, to.repository, to.reference, 'HEAD'),
    fetchManifest(clients.source(from.host), from.repository, from.reference, method),
  ])
  const destAnswer = answerFor(dest.probe, {
    host: to.host,
    repository: to.repository,
    reference: to.reference,
    credentialed: clients.destCredentialed,
    platforms: [],
  })
  if (destAnswer.status === 'credentials-rejected' || destAnswer.status === 'no-credentials')
    return {
      ...base,
      action: 'fail',
      reason: `${REFUSED}the destination ${to.host} ${destAnswer.status === 'no-credentials' ? 'asks for credentials (pass --dest-username with a password source)' : 'rejected the credentials'}`,
    }
  if (destAnswer.status === 'unreachable')
    return { ...base, action: 'fail', reason: `the destination ${to.host} is unreachable: ${destAnswer.detail ?? ''}` }

  const srcCtx = {
    host: from.host,
    repository: from.repository,
    reference: from.reference,
    credentialed: clients.credentialed(from.host),
    platforms: [],
  }
  const srcAnswer = answerFor(src.probe, srcCtx)
  if (srcAnswer.status === 'credentials-rejected' || srcAnswer.status === 'no-credentials')
    return {
      ...base,
      action: 'fail',
      reason: `${REFUSED}the source ${from.host} ${srcAnswer.status === 'no-credentials' ? 'asks for credentials (pass --src-username with a password source)' : 'rejected the credentials'}`,
    }
  if (srcAnswer.status !== 'pulls' || !src.digest) {
    let answer = srcAnswer
    // A HEAD has no error body: ask again as doctor --pull does, to tell a missing tag from a missing repository.
    if (srcAnswer.status === 'not-found')
      answer = answerFor(await probeManifest(clients.source(from.host), from.repository, from.reference), srcCtx)
    const users = entry.uses?.length ? ` (needed by ${entry.uses.join(', ')})` : ''
    const what = answer.status === 'not-found' ? `not at the source: ${answer.detail ?? answer.text}` : describe(answer)
    return { ...base, action: 'fail', reason: `${what}${users}` }
  }
  const isIndex = manifestKind(src.probe.kind === 'response' ? src.probe.contentType : undefined) === 'index'
  let want = src.digest
  let platforms: string[] | null = null
  if (platform && isIndex) {
    const child = platformChild(src.body ?? '', platform)
    if (!child) {
      const offered = indexChildren(src.body ?? '').map((c) => formatPlatform(c.platform))
      return {
        ...base,
        action: 'fail',
        reason: `the source index has no ${formatPlatform(platform)} variant (it has ${offered.join(', ') || 'no platform'})`,
      }
    }
    want = child.digest
    platforms = [formatPlatform(platform)]
  } else if (!isIndex) platforms = []
  else if (src.body !== undefined) platforms = indexChildren(src.body).map((ch) => formatPlatform(ch.platform))
  // What the copy costs next to a single manifest: each platform of an index is one (two when the
  // HEAD did not say how many: the usual amd64 and arm64).
  const weight = isIndex && !platform ? (platforms?.length ?? 2) : 1
  const c = { ...base, want, platforms, weight }
  if (dest.digest === want) return { ...c, action: 'skip', reason: 'already at the destination with the same digest' }
  const destAt = dest.digest ? `the destination holds ${dest.digest}` : 'not at the destination'
  if (destAnswer.status === 'no-permission')
    return { ...c, action: 'copy', reason: `${destAt} (these credentials may not read it)` }
  return { ...c, action: 'copy', reason: destAt }
}
