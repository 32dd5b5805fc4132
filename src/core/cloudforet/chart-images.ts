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
