import type { ChartInfo } from '../cloudforet/charts.js'
import { imageSlots, splitDefault } from '../cloudforet/image-slots.js'
import type { InstallModel } from '../cloudforet/install-model.js'
import { HARBOR_CONNECTOR_PATH, repositoryRoute } from '../cloudforet/plugin-registry.js'
import { effectiveRegistryUrl, managedRegistryType } from '../cloudforet/plugins.js'
import { parseImageRef } from '../credentials/image-ref.js'
import type { Diagnosis } from '../diagnose.js'
import { patchCommand, type FixContext } from '../fix-command.js'
import { dataAt } from '../yaml/data-path.js'

// Doctor's view of where an install's images come from: each image the values (or the chart's
// defaults) make a pod run, grouped by registry host, with the pull secrets of its pods. It is
// what shows that a mirror is half done (some images still on Docker Hub) or that the mirror's
// images are pulled without a secret.

export interface HostImage {
  image: string
  service: string
  role: string
  /** Where the reference came from: the file, or the chart's default. */
  source: 'values' | 'chart'
  pullSecrets: string[]
}

export interface ImageHost {
  /** As the kubelet reads it; Docker Hub is docker.io. */
  host: string
  images: HostImage[]
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry.hub.docker.com'])

function tagOf(x: unknown): string | undefined {
  if (typeof x === 'string' && x) return x
  return typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined
}

/** The images the install runs, by host; undefined for a chart without an image table. */
export function imageHosts(data: unknown, chart: ChartInfo, model: InstallModel): ImageHost[] | undefined {
  const slots = imageSlots(data, chart)
  if (!slots) return undefined
  const secrets = new Map(model.services.map((s) => [s.service, s.pullSecrets]))
  const hosts = new Map<string, HostImage[]>()
  for (const slot of slots) {
    if (!slot.on) continue
    const given = slot.namePath ? dataAt(data, slot.namePath) : undefined
    const fallback = slot.chartDefault ? splitDefault(slot.chartDefault) : undefined
    const name = typeof given === 'string' && given ? given : fallback?.name
    if (!name) continue
    const tag = slot.versionPath ? (tagOf(dataAt(data, slot.versionPath)) ?? fallback?.tag) : undefined
    const image = slot.namePath
      ? slot.versionPath && tag !== undefined
        ? `${name}:${tag}`
        : name
      : (slot.chartDefault ?? name)
    let host: string
    try {
      host = parseImageRef(image).registry
    } catch {
      continue
    }
    const list = hosts.get(host) ?? []
    list.push({
      image,
      service: slot.service,
      role: slot.role,
      source: typeof given === 'string' && given ? 'values' : 'chart',
      pullSecrets: secrets.get(slot.service) ?? [],
    })
    hosts.set(host, list)
  }
  // The mirror (the host most images come from) first, Docker Hub last.
  return [...hosts]
    .map(([host, images]) => ({ host, images }))
    .sort(
      (a, b) => Number(DOCKER_HUB.has(a.host)) - Number(DOCKER_HUB.has(b.host)) || b.images.length - a.images.length,
    )
}

function some(names: string[], max = 4): string {
  const distinct = [...new Set(names)]
  return distinct.length > max
    ? `${distinct.slice(0, max).join(', ')} and ${distinct.length - max} more`
    : distinct.join(', ')
}

/** `3 images`: distinct references (one nginx:stable sidecar in five services is one image). */
function count(images: HostImage[]): string {
  const n = new Set(images.map((i) => i.image)).size
  return `${n} image${n === 1 ? '' : 's'}`
}

/** An image as shown under its host: without the host (and Docker Hub's library/). */
function short(image: string): string {
  const ref = parseImageRef(image)
  const path = ref.registry === 'docker.io' ? ref.path.replace(/^library\//, '') : ref.path
  return `${path}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`
}

/** `HOST/PATH` of the mirror the file's images name: the path most of them sit under. */
function mirrorOf(host: ImageHost): string {
  const paths = new Map<string, number>()
  for (const i of host.images) {
    const path = parseImageRef(i.image).path.split('/').slice(0, -1).join('/')
    if (path) paths.set(path, (paths.get(path) ?? 0) + 1)
  }
  const path = [...paths].sort((a, b) => b[1] - a[1])[0]?.[0]
  return path ? `${host.host}/${path}` : host.host
}

/**
 * Findings about image hosts: one line per host (its images and whether their pods have a pull
 * secret), and, once some images come from a mirror, the images and plugins still on Docker Hub
 * and what the managed plugins' registry route lacks.
 */
export function imageHostFindings(
  data: unknown,
  chart: ChartInfo,
  model: InstallModel,
  ctx: FixContext,
): { hosts: ImageHost[] | undefined; findings: Diagnosis[] } {
  const hosts = imageHosts(data, chart, model)
  const findings: Diagnosis[] = []
  if (!hosts) return { hosts, findings }
  for (const h of hosts) {
    const without = h.images.filter((i) => i.pullSecrets.length === 0).map((i) => i.service)
    const named = [...new Set(h.images.flatMap((i) => i.pullSecrets))]
    const secrets = without.length
      ? `${named.length ? `pulled with ${named.join(', ')}, except by ` : 'pulled with no pull secret by '}${some(without)}`
      : `pulled with ${named.join(', ')}`
    findings.push({
      severity: 'info',
      code: 'image-host',
      message: `${DOCKER_HUB.has(h.host) ? 'Docker Hub (docker.io)' : h.host}: ${count(h.images)} (${some(h.images.map((i) => short(i.image)))}), ${secrets}`,
    })
  }
  const route = repositoryRoute(data, chart)
  const managed = managedRegistryType(data).type
  const url = effectiveRegistryUrl(data, managed)
  // The managed plugins' registry, whatever the core images do.
  if (managed === 'HARBOR') {
    const base = dataAt(data, [...HARBOR_CONNECTOR_PATH, 'base_url'])
    const token = dataAt(data, [...HARBOR_CONNECTOR_PATH, 'token'])
    if (typeof base !== 'string' || !base)
      findings.push({
        severity: 'info',
        code: 'harbor-base-url',
        message: `the managed plugins are HARBOR, but ${[...HARBOR_CONNECTOR_PATH, 'base_url'].join('.')} is not set: the repository cannot list their versions, so a plugin in AUTO upgrade mode finds no version to install (set it to https://${url ? url.split('/')[0] : '<registry host>'}; patch --registry sets it with the rest of the route)`,
      })
    else if (typeof token !== 'string' || !token)
      findings.push({
        severity: 'info',
        code: 'harbor-token',
        message: `could not check that the repository can list the managed plugins' versions at ${base}: ${[...HARBOR_CONNECTOR_PATH, 'token'].join('.')} is not in this file (cfpull never writes it; it may come from another values file or --set-file)`,
      })
  }
  const mirror = hosts.find((h) => !DOCKER_HUB.has(h.host))
  const hub = hosts.find((h) => DOCKER_HUB.has(h.host))
  if (!mirror) return { hosts, findings }
  const fix = patchCommand({ ...ctx, registry: mirrorOf(mirror) })
  if (hub) {
    const n = new Set(hub.images.map((i) => i.image)).size
    findings.push({
      severity: 'warning',
      code: 'images-on-docker-hub',
      message: `${n} image${n === 1 ? '' : 's'} still come${n === 1 ? 's' : ''} from Docker Hub (${some(
        hub.images.map((i) => `${i.service} ${short(i.image)}`),
        3,
      )}) while ${count(mirror.images)} come from ${mirror.host}`,
      fix,
    })
  }
  if (route.confKey && managed === 'DOCKER_HUB')
    findings.push({
      severity: 'warning',
      code: 'plugins-on-docker-hub',
      message: `the core images come from ${mirror.host}, but the managed plugins still pull from Docker Hub (MANAGED_REGISTRY_TYPE is DOCKER_HUB)`,
      fix,
    })
  return { hosts, findings }
}
