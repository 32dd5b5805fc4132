// Which plugin tags to mirror: a plugin's tag is chosen when Cloudforet installs it (the caller's,
// or the first of the registry's list), so a mirror carries the newest N by version. Tags are
// ordered as PEP 440 orders versions, since the repository's Harbor connector sorts with Python's
// StrictVersion and Cloudforet's tags follow Python's scheme (`2.0.dev31` comes before `2.0`). A
// tag that is not a version (`latest`) is never chosen: StrictVersion cannot sort it.

interface Version {
  release: number[]
  pre?: [number, number]
  post?: number
  dev?: number
}

const PRE_RANK: Readonly<Record<string, number>> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 }
const VERSION_RE =
  /^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?$/i

/** A tag read as a PEP 440 version, or undefined when it is not one. */
export function parseVersionTag(tag: string): Version | undefined {
  const m = VERSION_RE.exec(tag)
  if (!m) return undefined
  return {
    release: m[1]!.split('.').map(Number),
    ...(m[2] !== undefined && { pre: [PRE_RANK[m[2].toLowerCase()]!, Number(m[3] || 0)] as [number, number] }),
    ...(m[4] !== undefined && { post: Number(m[5] || 0) }),
    ...(m[6] !== undefined && { dev: Number(m[7] || 0) }),
  }
}

/** PEP 440 order: `1.0.dev1` < `1.0a1` < `1.0rc1` < `1.0` < `1.0.post1` < `1.1`. */
export function compareVersionTags(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0)
    if (d) return d
  }
  // A dev release with no pre or post part sorts before every pre-release of its version.
  const pre = (v: Version): [number, number] =>
    v.pre ?? (v.dev !== undefined && v.post === undefined ? [-1, 0] : [Infinity, 0])
  const [pa, pb] = [pre(a), pre(b)]
  if (pa[0] !== pb[0]) return pa[0] - pb[0]
  if (pa[1] !== pb[1]) return pa[1] - pb[1]
  const post = (v: Version) => v.post ?? -1
  if (post(a) !== post(b)) return post(a) - post(b)
  const dev = (v: Version) => v.dev ?? Infinity
  return dev(a) === dev(b) ? 0 : dev(a) - dev(b)
}

/** The newest `n` tags that are versions, newest first; the rest (`latest`, `stable`) are left out. */
export function newestVersionTags(tags: readonly string[], n: number): string[] {
  return tags
    .flatMap((tag) => {
      const v = parseVersionTag(tag)
      return v ? [{ tag, v }] : []
    })
    .sort((x, y) => compareVersionTags(y.v, x.v) || (x.tag < y.tag ? -1 : 1))
    .slice(0, n)
    .map((x) => x.tag)
}

/** Whether a tag may go into a plugin repository: only versions (StrictVersion must sort the list). */
export function isVersionTag(tag: string): boolean {
  return parseVersionTag(tag) !== undefined
}

/**
 * Why `--plugin-tags` chose `tag` from the source's list, for mirror's report: its rank among the
 * versions, and the tags left out because they are not versions.
 */
export function pluginTagReason(tag: string, tags: readonly string[]): string {
  const versions = newestVersionTags(tags, tags.length)
  const rank = versions.indexOf(tag) + 1
  const nth =
    rank === 1
      ? 'newest'
      : `${rank}${rank % 10 === 2 && rank % 100 !== 12 ? 'nd' : rank % 10 === 3 && rank % 100 !== 13 ? 'rd' : 'th'} newest`
  const others = tags.filter((t) => !isVersionTag(t))
  const left = others.length ? `; not versions, so never mirrored: ${others.join(', ')}` : ''
  return `--plugin-tags: the ${nth} of ${versions.length} version tag${versions.length === 1 ? '' : 's'} at the source (PEP 440 order)${left}`
}
