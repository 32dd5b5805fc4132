// The pure half of `cfpull mirror`: the list of images to copy (an explicit `--images` file or the
// inventory), each source's name in the mirror (only through mirror-name.ts, so `patch --registry`
// writes exactly the names mirror pushes), which platform of an index is copied, how many bytes an
// image holds, and what the records of a run mean for its exit code.
import { CfpullError, ExitCode, type ErrorType, type ExitCodeValue } from '../errors.js'
import { ImageRefError } from '../credentials/image-ref.js'
import { mirrorNames, normalizeImage, type MirrorTarget } from './mirror-name.js'
import { indexEntries, platformMatches, type Platform } from './pull-check.js'

/** A line of an `--images` file that is not an image reference (exit 3, naming file:line:col). */
export class ImageListError extends CfpullError {
  override get type(): ErrorType {
    return 'FileError'
  }

  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly reason: string,
  ) {
    super(
      `${file}:${line}:${col}: ${reason}; write one image reference per line (as \`cfpull images -o list\` prints them)`,
      ExitCode.InvalidInput,
    )
  }
}

/** One image to mirror, as the list or the inventory gives it. */
export interface MirrorSource {
  image: string
  /** The services that run it (from the inventory), named when its source is missing. */
  uses?: string[]
  /** Plugins: which tag was chosen, and why. */
  tagReason?: string
}

/**
 * Reads an `--images` file: one reference per line, as `cfpull images -o list` prints them; blank
 * lines and `#` comments (whole-line or after the reference) are ignored, and so is a repeat.
 */
export function parseImageList(text: string, file: string): MirrorSource[] {
  const out: MirrorSource[] = []
  const seen = new Set<string>()
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/)
  lines.forEach((raw, i) => {
    const hash = raw.search(/(^|\s)#/)
    const content = hash === -1 ? raw : raw.slice(0, hash)
    const image = content.trim()
    if (!image) return
    const col = raw.indexOf(image) + 1
    if (/\s/.test(image))
      throw new ImageListError(file, i + 1, col, `${JSON.stringify(image)} holds more than one word`)
    try {
      normalizeImage(image)
    } catch (err) {
      if (err instanceof ImageRefError) throw new ImageListError(file, i + 1, col, err.message)
      throw err
    }
    if (seen.has(image)) return
    seen.add(image)
    out.push({ image })
  })
  return out
}

/** One image of the plan: where it is read from and the name it gets in the mirror. */
export interface MirrorEntry extends MirrorSource {
  /** Registry host, repository and reference (tag or digest) of the source, as it is pulled. */
  from: { host: string; repository: string; reference: string }
  destination: string
  to: { host: string; repository: string; reference: string }
  /** The source is already under the target: reported, never copied onto itself. */
  alreadyThere: boolean
}

/**
 * The plan: each source with its mirror name. Throws MirrorNameConflictError (exit 2) when two
 * images would land on one name; a source already under the target is kept as it is.
 */
export function planMirror(sources: readonly MirrorSource[], target: MirrorTarget): MirrorEntry[] {
  const under = (s: MirrorSource) => {
    const ref = normalizeImage(s.image)
    return ref.registry === target.host && ref.path.startsWith(`${target.path}/`)
  }
  const names = mirrorNames(
    sources.filter((s) => !under(s)).map((s) => s.image),
    target,
  )
  return sources.map((s) => {
    const ref = normalizeImage(s.image)
    const reference = ref.digest ?? ref.tag ?? 'latest'
    const alreadyThere = under(s)
    const destination = alreadyThere ? `${ref.registry}/${ref.path}${refSuffix(ref)}` : names.get(s.image)!
    const dest = normalizeImage(destination)
    return {
      ...s,
      from: { host: ref.registry, repository: ref.path, reference },
      destination,
      to: { host: dest.registry, repository: dest.path, reference: dest.digest ?? dest.tag ?? 'latest' },
      alreadyThere,
    }
  })
}

function refSuffix(ref: { tag?: string; digest?: string }): string {
  return `${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`
}

/** The reference skopeo reads an image from (`docker.io/library/redis:latest`). */
export function sourceReference(e: MirrorEntry): string {
  const ref = normalizeImage(e.image)
  return `${ref.registry}/${ref.path}${refSuffix(ref)}`
}

/** The children of an index that run somewhere (attestations left out), in its order. */
export function indexChildren(body: string): Array<{ digest: string; platform: Platform }> {
  return indexEntries(body).flatMap((e) => (e.digest ? [{ digest: e.digest, platform: e.platform }] : []))
}

/** The child of an index that serves `want`, as a runtime on that platform would pick it. */
export function platformChild(body: string, want: Platform): { digest: string; platform: Platform } | undefined {
  return indexChildren(body).find((c) => platformMatches(want, c.platform))
}

/** The bytes an image manifest refers to: its config and its layers (0 for anything else). */
export function manifestBytes(body: string): number {
  try {
    const m = JSON.parse(body) as { config?: { size?: unknown }; layers?: Array<{ size?: unknown }> }
    const size = (x: { size?: unknown } | undefined) => (typeof x?.size === 'number' ? x.size : 0)
    return size(m.config) + (m.layers ?? []).reduce((sum, l) => sum + size(l), 0)
  } catch {
    return 0
  }
}

export type MirrorStatus = 'copied' | 'skipped' | 'failed' | 'planned'

/** One image's outcome: the `--json` record and a line of the table. */
export interface MirrorRecord {
  source: string
  destination: string
  /**
   * The platforms copied (an index's, or the one `--platform` asked for); [] for a single
   * manifest; null when not read (an index found in place is asked only for its digest).
   */
  platforms: string[] | null
  /** The digest at the destination (or, planned, the source's); null when unknown. */
  digest: string | null
  status: MirrorStatus
  reason: string
  /** What the copied manifests refer to (config and layers); null when not read. */
  bytes: number | null
  /** Plugins: the tag chosen and why. */
  tagReason?: string
}

/**
 * 0 when every image is in place and proven (or, with --dry-run, every check passed); 6 when
 * some image is not; 130 after an interrupt. Credentials refused stop earlier, with 5.
 */
export function mirrorExitCode(records: readonly MirrorRecord[], interrupted: boolean): ExitCodeValue {
  if (interrupted) return ExitCode.Interrupted
  return records.some((r) => r.status === 'failed') ? ExitCode.Findings : ExitCode.Ok
}

/** How many of each status, for the summary line. */
export function countStatuses(records: readonly MirrorRecord[]): Record<MirrorStatus, number> {
  const counts: Record<MirrorStatus, number> = { copied: 0, skipped: 0, failed: 0, planned: 0 }
  for (const r of records) counts[r.status]++
  return counts
}
