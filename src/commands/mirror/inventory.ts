// mirror's images when no --images list is given: the inventory `cfpull images` lists for the same
// flags (gatherInventory, not a copy of it), with the plugin tags read from the source with the
// source's credentials. A plugin whose tag list cannot be read, or holds no version, becomes a
// failed record naming the plugin; a 401 on a tag list is refused credentials (exit 5).
import type { RegistryClient } from '../../adapters/registry.js'
import type { Runner } from '../../adapters/run.js'
import { copyableImages } from '../../core/images/inventory-output.js'
import type { InventoryImage } from '../../core/images/inventory.js'
import { mirrorRepository, type MirrorTarget } from '../../core/images/mirror-name.js'
import type { MirrorRecord, MirrorSource } from '../../core/images/mirror-plan.js'
import { isVersionTag, pluginTagReason } from '../../core/images/plugin-tags.js'
import { RegistryRejectedError } from '../create-secret/login.js'
import { gatherInventory, type InventoryOptions, type PluginTagRead } from '../images.js'

export interface MirrorInventory {
  sources: MirrorSource[]
  /** Plugins that cannot be copied: no tag list, no version tag, a tag that is not a version. */
  failed: MirrorRecord[]
  notes: string[]
}

// The inventory's own words for what mirror reports as a failed record instead.
const TAG_WARNINGS = [
  /^could not read the tags of /,
  /: none of its \d+ tags is a version/,
  /managed plugins have no known tag/,
]

export async function mirrorInventory(
  opts: InventoryOptions,
  target: MirrorTarget,
  deps: {
    run: Runner
    env: Record<string, string | undefined>
    timeoutMs?: number
    tagClient: (host: string) => RegistryClient
    credentialed: (host: string) => boolean
  },
): Promise<MirrorInventory> {
  const pluginImages = opts.pluginImages ?? (opts.cluster ? 'all' : 'managed')
  // A mirror needs the tags: the newest version of each managed plugin unless told otherwise.
  const pluginTags = opts.pluginTags ?? (pluginImages === 'managed' || pluginImages === 'all' ? 1 : undefined)
  const { registry: _registry, registryCa: _ca, ...rest } = opts
  const result = await gatherInventory(
    { ...rest, ...(pluginTags !== undefined && { pluginTags }) },
    { run: deps.run, env: deps.env, tagClient: deps.tagClient, ...(deps.timeoutMs && { timeoutMs: deps.timeoutMs }) },
  )
  const reads = result.pluginTagReads ?? []
  const refused = reads.filter((r) => r.status === 401)
  if (refused.length) {
    const first = refused[0]!
    const host = first.base.slice(0, first.base.indexOf('/'))
    const others = refused.length > 1 ? ` (and ${refused.length - 1} other plugin${refused.length > 2 ? 's' : ''})` : ''
    throw new RegistryRejectedError(
      `could not list tags of ${first.base}: ${statusText(first)}${others}; nothing was pushed`,
      deps.credentialed(host)
        ? `the source ${host} rejected the credentials: check --src-username and its password source`
        : `the source ${host} asks for credentials: pass --src-username with --src-password-stdin, --src-from-docker-config or CFPULL_SRC_PASSWORD, and --src-registry ${host}`,
    )
  }
  const byBase = new Map(reads.map((r) => [r.base, r]))
  const sources: MirrorSource[] = []
  const failed: MirrorRecord[] = []
  const fail = (i: InventoryImage, reason: string) =>
    failed.push({
      source: i.reference,
      destination: `${mirrorRepository(i.reference, target)}${i.tag === null ? '' : `:${i.tag}`}`,
      platforms: null,
      digest: null,
      status: 'failed',
      reason: `${reason}${users(i)}`,
      bytes: null,
    })
  const untagged = result.inventory.images.filter((i) => i.kind === 'plugin' && i.tag === null && i.digest === null)
  for (const i of [...copyableImages(result.inventory), ...untagged]) {
    const uses = [...new Set(i.uses.map((u) => u.service))]
    if (i.kind !== 'plugin') {
      sources.push({ image: i.reference, uses })
      continue
    }
    const read = byBase.get(i.reference)
    if (i.tag === null && i.digest === null) {
      if (read?.tags)
        fail(
          i,
          `none of its ${read.tags.length} tags at the source is a version (${read.tags.join(', ') || 'no tag'}), and a tag that is not a version is never pushed into a plugin repository`,
        )
      else if (read) fail(i, `could not list tags of ${i.reference}: ${statusText(read)}`)
      else fail(i, 'no tag is known: pass --plugin-tags N, or --cluster for the tags running now')
      continue
    }
    if (i.tag !== null && !isVersionTag(i.tag)) {
      fail(
        i,
        `not copied: its tag ${i.tag} is not a version, and a plugin repository holds versions only (Cloudforet's Harbor connector sorts them with StrictVersion, which fails on any other tag)`,
      )
      continue
    }
    const base = i.reference.slice(0, i.reference.lastIndexOf(':'))
    const tags = byBase.get(base)?.tags
    const tagReason =
      i.tagSource === 'cluster'
        ? 'in use: a running plugin Deployment has this tag (--cluster)'
        : tags && i.tag !== null
          ? pluginTagReason(i.tag, tags)
          : 'the tag the inventory gives'
    sources.push({ image: i.reference, uses, tagReason })
  }
  const notes = result.inventory.warnings.filter((w) => !TAG_WARNINGS.some((re) => re.test(w)))
  return { sources, failed, notes }
}

function users(i: InventoryImage): string {
  const names = [...new Set(i.uses.map((u) => u.service))]
  return names.length ? ` (needed by ${names.join(', ')})` : ''
}

// `401 UNAUTHORIZED (127.0.0.1:5000 answered 401)`, or the network error.
function statusText(r: PluginTagRead): string {
  if (r.status === undefined) return r.reason ?? 'no answer'
  return `${r.status}${r.codes?.length ? ` ${r.codes.join(', ')}` : ''}`
}
