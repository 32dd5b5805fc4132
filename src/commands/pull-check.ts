// The pull check shared by `doctor --pull` and apply's preflight: for each place an image is
// used, the credential the kubelet would pick for that pod, then the registry asked as a
// container runtime asks it, each distinct (image, credential) once, at most `concurrency` at a
// time, one registry client (so one token per repository scope) per host and credential.
import { kubectl, kubectlJson, type KubeTarget } from '../adapters/kubectl.js'
import { RegistryClient, probeManifest } from '../adapters/registry.js'
import type { Runner } from '../adapters/run.js'
import { ToolFailedError } from '../core/errors.js'

import { ImageRefError, parseImageRef, type ImageRef } from '../core/credentials/image-ref.js'
import {
  answerFor,
  formatPlatform,
  groupByImage,
  normalizePlatform,
  parsePlatform,
  pullFails,
  type CheckedUse,
  type CredentialGap,
  type ImageLine,
  type ImageUse,
  type Platform,
  type PullAnswer,
} from '../core/images/pull-check.js'
import { mapLimit } from '../core/map-limit.js'
import { candidatesFor, keyringOfSecret, type PullAuth, type SourcedEntry } from '../core/credentials/docker-config.js'

/** What the kubelet finds for a Secret a pod names: its entries, or why it has none. */
export type SecretLookup = { entries: SourcedEntry[] } | { missing: true } | { unreadable: string }

export interface PullCheckInput {
  uses: ImageUse[]
  /** The pull Secret `name` in `namespace`, as the kubelet would read it. */
  secret: (namespace: string, name: string) => SecretLookup
  platforms: Platform[]
}

export interface PullCheckDeps {
  /** Extra CA certificates (PEM) for registries with a private CA. */
  ca?: string[]
  /** Per HTTP request. */
  timeoutMs?: number
  /** Checks in flight at once. Default 8. */
  concurrency?: number
  onProgress?: (done: number, total: number) => void
  env: Record<string, string | undefined>
}

export interface PullCheckResult {
  images: ImageLine[]
  /** Distinct (image, credential) checks made against registries. */
  checks: number
  platforms: string[]
}

interface Check {
  ref: ImageRef
  auth?: PullAuth
  clientKey: string
  answer?: PullAnswer
}

/** Checks every use; one line per distinct image, failures first. */
export async function checkPulls(input: PullCheckInput, deps: PullCheckDeps): Promise<PullCheckResult> {
  const checks = new Map<string, Check>()
  const authIds = new Map<string, number>()
  const authId = (a: PullAuth | undefined) => {
    if (!a) return 'anonymous'
    const k = `${a.username}\u0000${a.password}`
    if (!authIds.has(k)) authIds.set(k, authIds.size)
    return `cred${authIds.get(k)}`
  }
  const planned: Array<{
    use: ImageUse
    invalid?: string
    candidates: Array<{ check: Check; source?: string }>
    why?: string
    gap?: CredentialGap
  }> = []

  for (const use of input.uses) {
    let ref: ImageRef
    try {
      ref = parseImageRef(use.image)
    } catch (err) {
      if (!(err instanceof ImageRefError)) throw err
      planned.push({ use, invalid: err.reason, candidates: [] })
      continue
    }
    const entries: SourcedEntry[] = []
    const notes: string[] = []
    let gap: CredentialGap = use.pullSecrets.length ? 'no-matching-entry' : 'pod-names-none'
    for (const name of use.pullSecrets) {
      const s = input.secret(use.namespace, name)
      if ('entries' in s) entries.push(...s.entries)
      else if ('missing' in s) {
        notes.push(`Secret ${name} does not exist in ${use.namespace}`)
        gap = 'secret-missing'
      } else {
        notes.push(`Secret ${name} in ${use.namespace} ${s.unreadable}`)
        gap = 'secret-unreadable'
      }
    }
    const matching = candidatesFor(entries, ref)
    const found = matching.filter((e) => e.auth)
    if (matching.length && !found.length) {
      gap = 'entry-without-credentials'
      const one = matching.length === 1
      const named = matching.map((e) => `${e.secret} (${e.key})`).join(', ')
      notes.push(`the entr${one ? 'y' : 'ies'} ${named} ha${one ? 's' : 've'} no username or password`)
    }
    const reference = ref.digest ?? ref.tag ?? 'latest'
    const plan = (auth: PullAuth | undefined) => {
      const id = authId(auth)
      const key = `${ref.registry}\u0000${ref.path}\u0000${reference}\u0000${id}`
      let c = checks.get(key)
      if (!c) checks.set(key, (c = { ref, clientKey: `${ref.registry}\u0000${id}`, ...(auth && { auth }) }))
      return c
    }
    const why = use.pullSecrets.length
      ? notes.length
        ? notes.join('; ')
        : `${use.pullSecrets.join(', ')} ${use.pullSecrets.length === 1 ? 'has' : 'have'} no entry that matches ${ref.name}`
      : 'the pod names no imagePullSecrets'
    planned.push({
      use,
      gap,
      candidates: found.length
        ? found.map((e) => ({ check: plan(e.auth), source: `${e.secret} (${e.key})` }))
        : [{ check: plan(undefined) }],
      ...(found.length === 0 && { why }),
    })
  }

  const clients = new Map<string, RegistryClient>()
  const clientFor = (c: Check) => {
    let client = clients.get(c.clientKey)
    if (!client) {
      client = new RegistryClient(c.ref.registry, {
        ...(c.auth && { credentials: c.auth }),
        ...(deps.ca?.length && { ca: deps.ca }),
        ...(deps.timeoutMs && { timeoutMs: deps.timeoutMs }),
        maxConcurrent: deps.concurrency ?? 8,
        env: deps.env,
      })
      clients.set(c.clientKey, client)
    }
    return client
  }
  // A host that did not answer once is not asked again: with forty images on a registry behind a
  // firewall, waiting out forty timeouts tells the user nothing more.
  const down = new Map<string, string>()
  const all = [...checks.values()]
  let done = 0
  deps.onProgress?.(0, all.length)
  await mapLimit(all, deps.concurrency ?? 8, async (c) => {
    const reference = c.ref.digest ?? c.ref.tag ?? 'latest'
    const ctx = {
      host: c.ref.registry,
      repository: c.ref.path,
      reference,
      credentialed: !!c.auth,
      platforms: input.platforms,
    }
    const known = down.get(c.ref.registry)
    const probe = known
      ? { kind: 'unreachable' as const, reason: known }
      : await probeManifest(clientFor(c), c.ref.path, reference)
    if (probe.kind === 'unreachable') down.set(c.ref.registry, probe.reason)
    c.answer = answerFor(probe, ctx)
    deps.onProgress?.(++done, all.length)
  })

  const checked: CheckedUse[] = planned.map((p) => {
    if (p.invalid !== undefined)
      return { use: p.use, answer: { status: 'invalid-name', text: 'invalid image name', detail: p.invalid } }
    // The kubelet tries each matching credential in turn and stops at the first that pulls.
    const first = p.candidates.find((c) => !pullFails(c.check.answer!.status)) ?? p.candidates[0]!
    const answer = { ...first.check.answer! }
    if (p.why && answer.status === 'no-credentials') {
      answer.detail = p.why
      if (p.gap) answer.gap = p.gap
    }
    return { use: p.use, answer, ...(first.source && { credential: first.source }) }
  })
  return {
    images: groupByImage(checked, (image) => {
      try {
        return parseImageRef(image).registry
      } catch {
        return ''
      }
    }),
    checks: all.length,
    platforms: input.platforms.map(formatPlatform),
  }
}

/**
 * Reads every pull Secret the uses name, once per namespace and name, keyed `namespace/name`
 * (absent: the Secret does not exist). The data stays in this process's memory.
 */
export async function readClusterSecrets(
  run: Runner,
  t: KubeTarget,
  uses: readonly ImageUse[],
): Promise<Map<string, SecretLookup>> {
  const pairs = [...new Set(uses.flatMap((u) => u.pullSecrets.map((name) => `${u.namespace}/${name}`)))]
  const out = new Map<string, SecretLookup>()
  await mapLimit(pairs, 4, async (pair) => {
    const [namespace, name] = pair.split('/') as [string, string]
    const step = `read Secret ${name} in ${namespace}`
    const text = await kubectl(
      run,
      t,
      ['get', 'secret', name, '-n', namespace, '--ignore-not-found', '-o', 'json'],
      step,
    )
    if (!text.trim()) return
    let secret: { type?: string; data?: Record<string, string> }
    try {
      secret = JSON.parse(text) as typeof secret
    } catch {
      throw new ToolFailedError('kubectl', undefined, '', step, undefined, 'printed something that is not JSON')
    }
    const entries = keyringOfSecret(secret)
    out.set(
      pair,
      typeof entries === 'string' ? { unreadable: entries } : { entries: entries.map((e) => ({ ...e, secret: name })) },
    )
  })
  return out
}

interface NodeJson {
  status?: { nodeInfo?: { operatingSystem?: string; architecture?: string } }
}

/**
 * The platforms of the cluster's nodes (a pod may land on any of them). Listing nodes needs a
 * cluster-wide permission many users lack: then, and for a cluster without nodes, linux/amd64
 * with a note that says so.
 */
export async function clusterPlatforms(run: Runner, t: KubeTarget): Promise<{ platforms: Platform[]; note?: string }> {
  const fallback = parsePlatform('linux/amd64')
  let nodes: { items?: NodeJson[] }
  try {
    nodes = await kubectlJson<{ items?: NodeJson[] }>(run, t, ['get', 'nodes'], 'list nodes')
  } catch (err) {
    if (!(err instanceof ToolFailedError)) throw err
    return {
      platforms: [fallback],
      note: `cannot list the nodes (${err.message}): checking multi-arch images for linux/amd64 only`,
    }
  }
  const seen = new Map<string, Platform>()
  for (const n of nodes.items ?? []) {
    const info = n.status?.nodeInfo
    if (!info?.architecture) continue
    const p = normalizePlatform({ os: info.operatingSystem || 'linux', architecture: info.architecture })
    seen.set(formatPlatform(p), p)
  }
  if (seen.size === 0)
    return {
      platforms: [fallback],
      note: 'the cluster lists no nodes: checking multi-arch images for linux/amd64 only',
    }
  return { platforms: [...seen.values()] }
}
