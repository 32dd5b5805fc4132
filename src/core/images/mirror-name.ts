// The one mapping from an image to its name in a mirror. `patch --registry`, `images`, `mirror`
// and `apply` all name mirrored images through this module, so `cfpull images -f patched.yaml
// -o list` prints exactly what `cfpull mirror` pushed. The mapping is the one `skopeo sync`
// uses without `--scoped` (the last path component under the destination), which is also how
// Cloudforet's repository builds a managed plugin's reference: `<url>/<prefix>/<image>`.

import { UsageError } from '../errors.js'
import { ImageRefError, parseImageRef, type ImageRef } from '../credentials/image-ref.js'

/** Where mirrored images go: a registry host (with its port, if any) and a path under it. */
export interface MirrorTarget {
  host: string
  path: string
}

/** Two images that would land on one name in the mirror: the second copy would overwrite the first. */
export class MirrorNameConflictError extends UsageError {
  constructor(
    readonly mirror: string,
    readonly sources: readonly [string, string],
  ) {
    super(
      `${sources[0]} and ${sources[1]} both map to ${mirror}: a mirror keeps only the image name, ` +
        'so one would overwrite the other; keep one of them out of this mirror',
    )
  }
}

// Docker Hub answers under three names; the kubelet reads all three as the same repositories.
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry.hub.docker.com'])

/**
 * Reads `HOST/PATH` (`harbor.example.com/cloudforet`, `localhost:5000/a/b`). A PATH is required:
 * without one the names would be `HOST//image`. Throws UsageError (exit 2) for anything else.
 */
export function parseMirrorTarget(text: string): MirrorTarget {
  const given = text.trim()
  const bad = (why: string) => new UsageError(`${JSON.stringify(text)} is not a mirror HOST/PATH: ${why}`)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given))
    throw bad(`leave out the scheme, as in ${given.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`)
  const trimmed = given.replace(/\/+$/, '')
  const slash = trimmed.indexOf('/')
  const host = slash === -1 ? trimmed : trimmed.slice(0, slash)
  const path = slash === -1 ? '' : trimmed.slice(slash + 1)
  if (!host) throw bad('it has no registry host (e.g. harbor.example.com/cloudforet)')
  if (!path)
    throw bad(`it has no path: give one, as in ${host}/cloudforet (an empty path would name images ${host}//<image>)`)
  // A first part without '.', ':' or "localhost" is a Docker Hub user to the kubelet, so the
  // mirror's names would be pulled from Docker Hub.
  if (!/[.:]/.test(host) && host !== 'localhost' && host.toLowerCase() === host)
    throw bad(`"${host}" is read as a Docker Hub namespace, not a registry: give the full host (with a dot or a :port)`)
  let probe: ImageRef
  try {
    probe = parseImageRef(`${host}/${path}/image`)
  } catch (e) {
    if (e instanceof ImageRefError) throw bad(e.reason)
    throw e
  }
  return { host: probe.registry, path }
}

/** An image read as the kubelet reads it, with Docker Hub's three host names made one. */
export function normalizeImage(source: string): ImageRef {
  const ref = parseImageRef(source)
  if (!DOCKER_HUB_ALIASES.has(ref.registry)) return ref
  // parseImageRef already makes index.docker.io docker.io; registry.hub.docker.com is the name
  // Cloudforet's repository gives Docker Hub in plugin references.
  const path = ref.path.includes('/') ? ref.path : `library/${ref.path}`
  return { ...ref, registry: 'docker.io', path, name: `docker.io/${path}` }
}

/** `docker.io/library/redis:latest`: one spelling per image, for comparing and de-duplicating. */
export function canonicalImage(source: string): string {
  return refString(normalizeImage(source))
}

/**
 * The name of `source` in the mirror: `[host/]ns/…/name[:tag|@digest]` → `HOST/PATH/name[:tag|@digest]`.
 * A missing tag becomes `:latest`; a digest is kept. Throws ImageRefError for a string the
 * kubelet could not pull either.
 */
export function mirrorName(source: string, target: MirrorTarget): string {
  const ref = normalizeImage(source)
  return refString({ ...ref, registry: target.host, path: `${target.path}/${ref.path.split('/').at(-1)!}` })
}

/** The repository `source` lands in, without a tag: for an image whose tag is not known yet. */
export function mirrorRepository(source: string, target: MirrorTarget): string {
  const ref = normalizeImage(source)
  return `${target.host}/${target.path}/${ref.path.split('/').at(-1)!}`
}

/**
 * Each source's mirror name. Throws MirrorNameConflictError when two different images would get
 * one name (`redis` and `bitnami/redis` under one PATH); the same image spelled two ways is fine.
 */
export function mirrorNames(sources: readonly string[], target: MirrorTarget): Map<string, string> {
  const out = new Map<string, string>()
  const owner = new Map<string, { source: string; canonical: string }>()
  for (const source of sources) {
    if (out.has(source)) continue
    const canonical = canonicalImage(source)
    const name = mirrorName(source, target)
    const first = owner.get(name)
    if (first && first.canonical !== canonical) throw new MirrorNameConflictError(name, [first.source, source])
    if (!first) owner.set(name, { source, canonical })
    out.set(source, name)
  }
  return out
}

function refString(ref: Pick<ImageRef, 'registry' | 'path' | 'tag' | 'digest'>): string {
  return `${ref.registry}/${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`
}
