// core/images/ is about the images an install runs and whether its nodes can pull them: the
// images a values file names (values-images.ts) or a rendered release runs (rendered-images.ts),
// and what a registry's answers mean for a pod (pull-check.ts); the inventory and the mirror
// mapping are to join them. It is the top of core's folders: it may import cloudforet/,
// credentials/, yaml/ and the top-level core files (fix-command.ts builds its fix lines), and
// none of those imports images/, so it can never be part of a cycle.

// The pure half of "will this image pull?": which manifest media types a runtime accepts, which
// platforms an index offers, what a registry's answers mean for a pod, and one line per image.
// The HTTP lives in src/adapters/registry.ts; this module only reads what it observed.
import { UsageError } from '../errors.js'
import { createSecretCommand, patchCommand, type FixContext } from '../fix-command.js'

/** The manifest media types, as containerd and CRI-O send them in Accept. */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const

/**
 * The Accept header of a manifest request. Without the index types a registry answers a
 * multi-arch tag with a single manifest (or 404), which is not what a node would get.
 */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
].join(', ')

// Docker schema 1 (signed or not): containerd 2 and CRI-O refuse to pull it.
const SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1\+(prettyjws|json)$/

/** The kind of manifest a Content-Type names (parameters such as `; charset` ignored). */
export function manifestKind(contentType: string | undefined): 'index' | 'manifest' | 'schema1' | 'unknown' {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (t === MEDIA_TYPES.ociIndex || t === MEDIA_TYPES.dockerList) return 'index'
  if (t === MEDIA_TYPES.ociManifest || t === MEDIA_TYPES.dockerManifest) return 'manifest'
  if (SCHEMA1.test(t)) return 'schema1'
  return 'unknown'
}

/** An OCI platform: `linux/arm64`, `linux/arm/v7`. */
export interface Platform {
  os: string
  architecture: string
  variant?: string
}

// The names `uname -m` and Debian use, as containerd's platforms.Normalize maps them.
const ARCH_ALIASES: Record<string, [string, string?]> = {
  x86_64: ['amd64'],
  'x86-64': ['amd64'],
  aarch64: ['arm64'],
  armhf: ['arm', 'v7'],
  armel: ['arm', 'v6'],
  i386: ['386'],
}

/** The platform as a runtime compares it: aliases resolved, arm64's implied v8 dropped, lower case. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase()
  let architecture = p.architecture.toLowerCase()
  let variant = p.variant?.toLowerCase()
  const alias = ARCH_ALIASES[architecture]
  if (alias) {
    architecture = alias[0]
    variant = variant || alias[1]
  }
  if (variant && /^\d+$/.test(variant)) variant = `v${variant}`
  if (architecture === 'arm64' && variant === 'v8') variant = undefined
  if (architecture === 'amd64' && variant === 'v1') variant = undefined
  return { os, architecture, ...(variant && { variant }) }
}

/** `linux/arm64/v8` → a platform; a usage error for anything else (a --platform value). */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/')
  if (parts.length < 2 || parts.length > 3 || parts.some((s) => !/^[A-Za-z0-9_.-]+$/.test(s)))
    throw new UsageError(`--platform ${text} is not os/arch[/variant], e.g. linux/amd64 or linux/arm64`)
  return normalizePlatform({ os: parts[0]!, architecture: parts[1]!, ...(parts[2] && { variant: parts[2] }) })
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/')
}

/**
 * Whether an index entry serves a node of `want`: same os and architecture; a wanted variant
 * must match, an unstated one accepts any (a node asking for linux/arm takes what the index has).
 */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want)
  const h = normalizePlatform(have)
  return w.os === h.os && w.architecture === h.architecture && (!w.variant || w.variant === h.variant)
}

/**
 * The entries of an index or manifest list that run somewhere: each child's digest (when given)
 * and platform. Entries without a platform and BuildKit's attestation entries (`unknown/unknown`)
 * run nowhere, so they are left out.
 */
export function indexEntries(body: string): Array<{ digest?: string; platform: Platform }> {
  let doc: unknown
  try {
    doc = JSON.parse(body)
  } catch {
    return []
  }
  const manifests = (doc as { manifests?: unknown }).manifests
  if (!Array.isArray(manifests)) return []
  const out: Array<{ digest?: string; platform: Platform }> = []
  for (const m of manifests) {
    const entry = m as {
      digest?: unknown
      platform?: { os?: unknown; architecture?: unknown; variant?: unknown }
    } | null
    const p = entry?.platform
    if (!p || typeof p.os !== 'string' || typeof p.architecture !== 'string') continue
    if (p.os === 'unknown' || p.architecture === 'unknown') continue
    const platform = normalizePlatform({
      os: p.os,
      architecture: p.architecture,
      ...(typeof p.variant === 'string' && p.variant && { variant: p.variant }),
    })
    out.push({ ...(typeof entry.digest === 'string' && { digest: entry.digest }), platform })
  }
  return out
}

/** The platforms an index or manifest list offers. */
export function indexPlatforms(body: string): Platform[] {
  return indexEntries(body).map((e) => e.platform)
}

/** What the registry said to one manifest check, as the adapter saw it (never a credential). */
export type ManifestProbe =
  /** No HTTP answer: DNS, refused connection, TLS failure, timeout. */
  | { kind: 'unreachable'; reason: string }
  /** The token realm refused the credentials (401/403), or failed otherwise (any other status). */
  | { kind: 'token-refused'; status: number }
  | {
      kind: 'response'
      /** Status of the manifest request (HEAD, then GET for an index or an error body). */
      status: number
      /** The scheme the registry challenged with on a 401 and its `error=` parameter. */
      challenge?: { scheme: string; error?: string }
      contentType?: string
      /** The index body, when the manifest is an index. */
      body?: string
      /** `errors[].code` of an error body (NAME_UNKNOWN, MANIFEST_UNKNOWN, DENIED, …). */
      errorCodes?: string[]
    }

export type PullStatus =
  | 'pulls'
  | 'no-credentials'
  | 'credentials-rejected'
  | 'no-permission'
  | 'not-found'
  | 'no-platform'
  | 'unreachable'
  | 'registry-error'
  | 'invalid-name'

/**
 * Why the kubelet had no credential for a pod and host: the pod names no pull secret, a Secret it
 * names is missing or unreadable, no entry matches the image, the matching entry is empty, or
 * (offline) the Secrets were not read.
 */
export type CredentialGap =
  'pod-names-none' | 'secret-missing' | 'secret-unreadable' | 'no-matching-entry' | 'entry-without-credentials'

/** The answer for one image with one credential: will the pod pull it, and if not why. */
export interface PullAnswer {
  status: PullStatus
  /** The short answer printed per image: `pulls`, `no credentials for harbor.example.com`, … */
  text: string
  /** What the registry said that decided it, when that adds something. */
  detail?: string
  /** For an index: the platforms it offers. */
  platforms?: string[]
  /** For no-credentials: why the pod had none. */
  gap?: CredentialGap
}

export interface AnswerContext {
  host: string
  repository: string
  reference: string
  /** A credential was sent (the kubelet found one for this pod and host). */
  credentialed: boolean
  /** The platforms every node that may run the pod needs. */
  platforms: Platform[]
}

/**
 * What a container runtime would conclude from the registry's answers. The rules follow what
 * registries send: 401 means "who are you" (no or bad credentials), except a Bearer challenge
 * with `error="insufficient_scope"`, which Distribution and Harbor send when the token is
 * valid but grants no pull on the repository; 403 is a refusal of a known user.
 */
export function answerFor(p: ManifestProbe, ctx: AnswerContext): PullAnswer {
  const noCreds: PullAnswer = { status: 'no-credentials', text: `no credentials for ${ctx.host}` }
  if (p.kind === 'unreachable') return { status: 'unreachable', text: 'registry unreachable', detail: p.reason }
  if (p.kind === 'token-refused' && p.status !== 401 && p.status !== 403)
    return { status: 'registry-error', text: `token service error (HTTP ${p.status})` }
  if (p.kind === 'token-refused')
    return ctx.credentialed
      ? { status: 'credentials-rejected', text: 'credentials rejected', detail: `token service answered ${p.status}` }
      : { ...noCreds, detail: `anonymous token refused (${p.status})` }
  const s = p.status
  if (s === 200) {
    const kind = manifestKind(p.contentType)
    if (kind === 'manifest') return { status: 'pulls', text: 'pulls' }
    if (kind === 'schema1')
      return {
        status: 'registry-error',
        text: 'Docker schema 1 manifest',
        detail: 'containerd 2 and CRI-O refuse schema 1 images: push it again with a current client',
      }
    if (kind === 'unknown')
      return {
        status: 'registry-error',
        text: `not an image manifest (${p.contentType || 'no Content-Type'})`,
      }
    const offered = indexPlatforms(p.body ?? '')
    const missing = ctx.platforms.filter((w) => !offered.some((h) => platformMatches(w, h)))
    const platforms = offered.map(formatPlatform)
    if (missing.length)
      return {
        status: 'no-platform',
        text: `no ${missing.map(formatPlatform).join(', ')} variant`,
        detail: `the index has ${platforms.join(', ') || 'no platform'}`,
        platforms,
      }
    return { status: 'pulls', text: 'pulls', platforms }
  }
  if (s === 401) {
    if (!ctx.credentialed) return noCreds
    if (p.challenge?.scheme.toLowerCase() === 'bearer' && p.challenge.error === 'insufficient_scope')
      return {
        status: 'no-permission',
        text: 'no pull permission',
        detail: `the token grants no pull on ${ctx.repository} (some registries answer the same for a repository that does not exist)`,
      }
    return { status: 'credentials-rejected', text: 'credentials rejected' }
  }
  if (s === 403) return ctx.credentialed ? { status: 'no-permission', text: 'no pull permission' } : noCreds
  if (s === 404) {
    const codes = p.errorCodes ?? []
    const detail = codes.includes('NAME_UNKNOWN')
      ? `no repository ${ctx.repository} on ${ctx.host}`
      : codes.includes('MANIFEST_UNKNOWN')
        ? `no ${ctx.reference.startsWith('sha256:') ? 'manifest' : 'tag'} ${ctx.reference} in ${ctx.repository}`
        : undefined
    return { status: 'not-found', text: 'not found (tag or repository)', ...(detail && { detail }) }
  }
  if (s === 429) return { status: 'registry-error', text: 'rate limited (HTTP 429)' }
  return { status: 'registry-error', text: `registry error (HTTP ${s})` }
}

/** How bad an answer is, for picking the line of an image checked with several credentials. */
const RANK: Record<PullStatus, number> = {
  pulls: 0,
  unreachable: 1,
  'registry-error': 2,
  'no-platform': 3,
  'not-found': 4,
  'no-permission': 5,
  'credentials-rejected': 6,
  'no-credentials': 7,
  'invalid-name': 8,
}

/** The statuses that mean a pod will not start with this image (unreachable is unknown, not a pass). */
export function pullFails(status: PullStatus): boolean {
  return status !== 'pulls'
}

/** The registry gave no answer from here: whether the image pulls is not known either way. */
export function pullUnknown(status: PullStatus): boolean {
  return status === 'unreachable'
}

/** Known not to pull: the registry answered, and the answer stops the pod. */
export function pullKnownToFail(status: PullStatus): boolean {
  return pullFails(status) && !pullUnknown(status)
}

/** One place an image is used: a container of a workload in a namespace. */
export interface ImageUse {
  image: string
  /** The service (values key) or workload name shown to the user. */
  workload: string
  namespace: string
  /** The pod's imagePullSecrets names. */
  pullSecrets: string[]
}

/** One image checked with one credential, and the uses that share both. */
export interface CheckedUse {
  use: ImageUse
  /** Where the credential came from, e.g. `my-credential/harbor.example.com`; undefined for none. */
  credential?: string
  answer: PullAnswer
}

/** One line of the report: a distinct image, its worst answer, and who uses it. */
export interface ImageLine {
  image: string
  host: string
  status: PullStatus
  text: string
  detail?: string
  workloads: string[]
  namespaces: string[]
  /** The pods' imagePullSecrets names. */
  pullSecrets: string[]
  /** The credential sources the kubelet would use for it (names only, never the secret). */
  credentials: string[]
  gap?: CredentialGap
  /** Set when the uses disagree: each distinct answer and the namespaces that get it. */
  split?: Array<{ text: string; namespaces: string[] }>
  platforms?: string[]
}

/** Groups checked uses into one line per image: failures first, then in the order met. */
export function groupByImage(checked: CheckedUse[], hostOf: (image: string) => string): ImageLine[] {
  const byImage = new Map<string, CheckedUse[]>()
  for (const c of checked) byImage.set(c.use.image, [...(byImage.get(c.use.image) ?? []), c])
  const lines: ImageLine[] = []
  for (const [image, uses] of byImage) {
    const worst = uses.reduce((a, b) => (RANK[b.answer.status] > RANK[a.answer.status] ? b : a))
    const texts = [...new Set(uses.map((u) => u.answer.text))]
    const line: ImageLine = {
      image,
      host: hostOf(image),
      status: worst.answer.status,
      text: worst.answer.text,
      ...(worst.answer.detail && { detail: worst.answer.detail }),
      ...(worst.answer.gap && { gap: worst.answer.gap }),
      workloads: uniqueSorted(uses.map((u) => u.use.workload)),
      namespaces: uniqueSorted(uses.map((u) => u.use.namespace)),
      pullSecrets: uniqueSorted(uses.flatMap((u) => u.use.pullSecrets)),
      credentials: uniqueSorted(uses.flatMap((u) => (u.credential ? [u.credential] : []))),
      ...(worst.answer.platforms && { platforms: worst.answer.platforms }),
    }
    if (texts.length > 1)
      line.split = texts
        .map((text) => ({
          text,
          namespaces: uniqueSorted(uses.filter((u) => u.answer.text === text).map((u) => u.use.namespace)),
        }))
        .sort(
          (a, b) =>
            RANK[uses.find((u) => u.answer.text === b.text)!.answer.status] -
            RANK[uses.find((u) => u.answer.text === a.text)!.answer.status],
        )
    lines.push(line)
  }
  // Failures first (the ones to act on), each group in the order the images were met (the
  // values' or the chart's order), so the output follows the file and is stable.
  return lines.sort((a, b) => Number(pullFails(b.status)) - Number(pullFails(a.status)))
}

function uniqueSorted(xs: string[]): string[] {
  return [...new Set(xs)].sort(cmp)
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The one thing to do about an image that will not pull, as a command when there is one. The
 * create-secret and patch lines come from the shared fix builder, so they carry the options in
 * force (cluster target, chart version) and, run as printed, do what they say.
 */
export function fixFor(line: ImageLine, ctx: FixContext): string | undefined {
  const secret = line.pullSecrets[0]
  const createSecret = (name: string) =>
    createSecretCommand(ctx, name, { namespaces: line.namespaces, server: line.host })
  switch (line.status) {
    case 'no-credentials':
      return secret ? createSecret(secret) : `${patchCommand(ctx)} && ${createSecret(ctx.secrets?.[0] ?? '<name>')}`
    case 'credentials-rejected':
      return createSecret(secret ?? ctx.secrets?.[0] ?? '<name>')
    case 'no-permission': {
      const account = line.credentials.join(', ') || 'that credential'
      return `give the account of ${account} pull (read) access to ${repositoryOf(line.image, line.host)} on ${line.host}`
    }
    case 'not-found':
      return `push or mirror ${line.image} to ${line.host}, or set the image to one that exists`
    case 'no-platform':
      return `mirror every platform of ${line.image} (skopeo copy --all, or crane copy), not only one`
    case 'unreachable':
      return `check that ${line.host} resolves and answers from here (and --registry-ca for a private CA)`
    case 'invalid-name':
      return `correct the image reference in ${ctx.files[0] ?? 'the values'}`
    default:
      return undefined
  }
}

// The repository as the user wrote it, without the host the sentence already names.
function repositoryOf(image: string, host: string): string {
  const noDigest = image.split('@')[0]!
  const slash = noDigest.lastIndexOf('/')
  const colon = noDigest.lastIndexOf(':')
  const repo = colon > slash ? noDigest.slice(0, colon) : noDigest
  return repo.startsWith(`${host}/`) ? repo.slice(host.length + 1) : repo
}
