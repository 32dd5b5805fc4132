import { chartImages, type ChartImage } from './chart-images.js'
import type { ChartInfo } from './charts.js'
import { dataAt } from '../yaml/data-path.js'

// Where each image of a Cloudforet install is set in the values, and whether it runs. The
// chart has no global registry option: every sub-chart's template writes its own
// `{{ .Values.<…>.image.name }}:{{ .Values.<…>.version }}` (mongodb and redis: the name alone),
// and some old templates hard-code an image that no value reaches.

/** One image a pod of the install can run, with where the values set it. */
export interface ImageSlot {
  service: string
  /** `main`, `sidecar:<x>` or `init:<x>`, as in the image table. */
  role: string
  /** Where the values set its name; undefined when no value reaches it (a template literal, or a path cfpull does not know). */
  namePath?: string[]
  /** Where its tag goes; undefined when the name carries the whole reference (mongodb, redis). */
  versionPath?: string[]
  /** The chart's default reference, as the template writes it; null when the table does not know it. */
  chartDefault: string | null
  /** Whether it runs with these values: the service is enabled and the slot's own toggle is on. */
  on: boolean
  /** Why no value reaches it, when none does. */
  unreachable?: 'template' | 'unknown-path'
}

// mongodb and redis are local sub-charts whose template reads `image: {{ .Values.image.name }}`.
const NAME_ONLY = new Set(['mongodb', 'redis'])

/** Whether `svc` runs: `<svc>.enabled` in the values, else the chart's default. */
function serviceOn(data: unknown, service: string, main: ChartImage | undefined): boolean {
  // The umbrella's hook (`spaceone`) follows the top-level `enabled`.
  const enabled = dataAt(data, service === 'spaceone' ? ['enabled'] : [service, 'enabled'])
  if (typeof enabled === 'boolean') return enabled
  return main?.default !== false
}

/** `<svc>.rest` in the values, else whether the chart's default render had the REST sidecar. */
function restOn(data: unknown, service: string, row: ChartImage): boolean {
  const rest = dataAt(data, [service, 'rest'])
  if (typeof rest === 'boolean') return rest
  return row.default === true
}

/**
 * The image slots of a chart version with these values, from the generated image table.
 * Returns undefined for a chart the table does not know (one read from --chart-values).
 */
export function imageSlots(data: unknown, chart: ChartInfo): ImageSlot[] | undefined {
  let images: ChartImage[]
  try {
    images = chartImages(chart.version).images
  } catch {
    return undefined
  }
  const mains = new Map(images.filter((i) => i.role === 'main').map((i) => [i.service, i]))
  return images.map((row): ImageSlot => {
    const { service, role } = row
    const enabled = serviceOn(data, service, mains.get(service))
    const base = { service, role, chartDefault: row.image }
    if (row.src === 'template') {
      // A literal in a template: the REST services' old nginx sidecars follow `rest` like rest_web.
      const on = enabled && (/-nginx$/.test(role) ? restOn(data, service, row) : row.default !== false)
      return { ...base, on, unreachable: 'template' }
    }
    if (role === 'main') {
      // The umbrella's own hook image (`spaceone`) is the top-level `image`.
      if (service === 'spaceone')
        return { ...base, namePath: ['image', 'name'], versionPath: ['image', 'version'], on: enabled }
      const namePath = [service, 'image', 'name']
      return NAME_ONLY.has(service)
        ? { ...base, namePath, on: enabled }
        : { ...base, namePath, versionPath: [service, 'image', 'version'], on: enabled }
    }
    const sidecar = /^sidecar:(.+)$/.exec(role)?.[1]
    if (sidecar) {
      const at = sidecar === 'nginx_proxy' ? [service, 'nginx_proxy'] : [service, 'sidecar', sidecar]
      const on = enabled && (sidecar === 'rest_web' ? restOn(data, service, row) : row.default !== false)
      return { ...base, namePath: [...at, 'image', 'name'], versionPath: [...at, 'image', 'version'], on }
    }
    return { ...base, on: enabled && row.default !== false, unreachable: 'unknown-path' }
  })
}

/** The name and tag a chart default reference splits into (`mongo` → mongo, no tag). */
export function splitDefault(ref: string): { name: string; tag?: string } {
  const slash = ref.lastIndexOf('/')
  const colon = ref.lastIndexOf(':')
  return colon > slash ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { name: ref }
}
