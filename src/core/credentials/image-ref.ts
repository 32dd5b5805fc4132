// Image references read the way the kubelet reads them before it asks the keyring for
// credentials: distribution/reference's ParseNormalizedNamed (what containerd and the kubelet's
// parsers.ParseImageName use), then "latest" when neither tag nor digest is given.

/** An image reference, normalized as the kubelet pulls it. */
export interface ImageRef {
  /** As written in the pod spec. */
  original: string
  /** The registry host, with its port when one is given (`docker.io`, `harbor.example.com`, `localhost:5000`). */
  registry: string
  /** The repository path inside the registry (`library/nginx`, `cloudforet/console`). */
  path: string
  /** `registry/path`: the string the kubelet matches credentials against. */
  name: string
  /** The tag, `latest` when the reference gives neither a tag nor a digest. */
  tag?: string
  /** `sha256:…` when the reference pins a digest. */
  digest?: string
}

/** A string that is not an image reference the kubelet could pull; `reason` says why. */
export class ImageRefError extends Error {
  constructor(
    readonly image: string,
    readonly reason: string,
  ) {
    super(`${JSON.stringify(image)} is not an image reference: ${reason}`)
    this.name = 'ImageRefError'
  }
}

export const DEFAULT_REGISTRY = 'docker.io'
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io'
const OFFICIAL_REPO_PREFIX = 'library/'

// The grammar of distribution/reference (reference/regexp.go), anchored piece by piece.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]'
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?$`)
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/
const TAG_RE = /^[\w][\w.-]{0,127}$/
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/
const IDENTIFIER_RE = /^[a-f0-9]{64}$/
const NAME_TOTAL_LENGTH_MAX = 255

/**
 * Parses an image reference as the kubelet does: no registry means Docker Hub (`docker.io`),
 * a one-part Docker Hub path gets `library/`, `index.docker.io` is `docker.io`, the first part
 * is a registry only when it has a `.` or `:`, is `localhost`, or has upper case letters.
 * Throws ImageRefError for what the kubelet would refuse (InvalidImageName).
 */
export function parseImageRef(image: string): ImageRef {
  if (image === '') throw new ImageRefError(image, 'it is empty')
  if (IDENTIFIER_RE.test(image))
    throw new ImageRefError(image, 'a 64-character hexadecimal string is an image ID, not a repository name')

  let rest = image
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST_RE.test(digest)) throw new ImageRefError(image, `"${digest}" is not a digest like sha256:<hex>`)
  }
  // A tag is after the last ':' that follows the last '/' (a ':' before it is the registry port).
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG_RE.test(tag)) throw new ImageRefError(image, `"${tag}" is not a valid tag`)
  }

  const { registry, path } = splitDomain(rest)
  if (!DOMAIN_RE.test(registry)) throw new ImageRefError(image, `"${registry}" is not a registry host`)
  const bad = path.split('/').find((c) => !PATH_COMPONENT_RE.test(c))
  if (bad !== undefined)
    throw new ImageRefError(
      image,
      bad === '' ? 'the repository path has an empty part' : `"${bad}" must be lower case letters, digits and . _ -`,
    )
  const name = `${registry}/${path}`
  if (name.length > NAME_TOTAL_LENGTH_MAX)
    throw new ImageRefError(image, `the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`)
  return {
    original: image,
    registry,
    path,
    name,
    ...(tag !== undefined ? { tag } : digest === undefined ? { tag: 'latest' } : {}),
    ...(digest !== undefined && { digest }),
  }
}

/** The registry host an image is pulled from (`cloudforet/console:1` → `docker.io`), or null when it cannot be parsed. */
export function registryHostOf(image: string): string | null {
  try {
    return parseImageRef(image).registry
  } catch {
    return null
  }
}

// reference/normalize.go splitDockerDomain.
function splitDomain(name: string): { registry: string; path: string } {
  const i = name.indexOf('/')
  let registry: string
  let path: string
  const first = i === -1 ? '' : name.slice(0, i)
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    registry = DEFAULT_REGISTRY
    path = name
  } else {
    registry = first
    path = name.slice(i + 1)
  }
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY
  if (registry === DEFAULT_REGISTRY && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path
  return { registry, path }
}
