import { chartInfo } from './charts.js'
import { IMAGE_ROWS, IMAGE_VERSIONS, type ImageSrc } from './image-table.js'

/** One image a service of the chart can run, as the chart's templates and values give it. */
export interface ChartImage {
  /** The top-level values key (`console`, `mongodb`), or `spaceone` for the umbrella's own hook. */
  service: string
  /** `main`, `sidecar:<x>` or `init:<x>` (see cloudforet-images.json's `fields`). */
  role: string
  /** As the template writes it, tag and all (`mongo` has none); null when it could not be resolved. */
  image: string | null
  /** In the chart's default render; false = behind a toggle that is off by default; null = unknown. */
  default: boolean | null
  /** Where the reference comes from: the umbrella's values, the sub-chart's, or a template literal. */
  src: ImageSrc
  note?: string
}

export interface ChartImages {
  version: string
  /** 'ok' when the assembled chart rendered; else helm's error, and `default` is unknown (null). */
  render: string
  images: ChartImage[]
  /** The repository service's default image, which decides the managed plugins. */
  repositoryImage: string | null
  /** Why that repository version has no managed plugin list, when it has none. */
  pluginListNote: string | null
}

/** The images of a published chart version; an unknown version is the same usage error as chartInfo's. */
export function chartImages(version: string): ChartImages {
  const { version: known } = chartInfo(version)
  const row = IMAGE_VERSIONS.find((r) => r[0] === known)
  if (!row) throw new Error(`image table has no row for chart ${known}: run npm run gen:images`)
  const [, render, repositoryImage, , pluginListNote, ids] = row
  const images = ids
    .split(' ')
    .filter(Boolean)
    .map((i): ChartImage => {
      const [service, role, image, isDefault, src, note] = IMAGE_ROWS[Number(i)]!
      return { service, role, image, default: isDefault, src, ...(note !== null && { note }) }
    })
  return { version: known, render, images, repositoryImage, pluginListNote }
}

/** Where the values name an image: `<path>.name`, plus `<path>.version` unless the chart reads the name alone. */
export interface ImageValuesPath {
  path: string[]
  /** mongodb and redis read `image.name` only: no version key, so an untagged name is `:latest`. */
  nameOnly: boolean
}

// The roles whose image the values set (cloudforet-images.json's roles), by where they live.
const ROLE_PATHS: Readonly<Record<string, (service: string) => string[]>> = {
  main: (s) => [s, 'image'],
  'sidecar:rest_web': (s) => [s, 'sidecar', 'rest_web', 'image'],
  'sidecar:nginx_proxy': (s) => [s, 'nginx_proxy', 'image'],
  'sidecar:redis': (s) => [s, 'sidecar', 'redis', 'image'],
}
const NAME_ONLY_SERVICES = new Set(['mongodb', 'redis'])

/**
 * The values path of an image of the chart, or null when no value reaches it: an image written
 * into a template (old charts' vault, busybox, per-service nginx), which a mirror cannot redirect.
 */
export function imageValuesPath(image: Pick<ChartImage, 'service' | 'role' | 'src'>): ImageValuesPath | null {
  if (image.src === 'template') return null
  const path = ROLE_PATHS[image.role]?.(image.service)
  if (!path) return null
  return { path, nameOnly: image.role === 'main' && NAME_ONLY_SERVICES.has(image.service) }
}
