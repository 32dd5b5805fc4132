import { pullSecretPath, type ChartInfo } from '../cloudforet/charts.js'
import { dataAt } from '../yaml/data-path.js'
import type { Namespaces } from '../cloudforet/namespaces.js'
import type { ImageUse } from './pull-check.js'

export interface ValuesImages {
  /** Images the values name (`<svc>.image.name` + `version`), one use per service. */
  uses: ImageUse[]
  /** Enabled services whose image (or its tag) is the chart's default, so not checked offline. */
  chartDefaults: string[]
}

/**
 * The images a values file names, without rendering the chart: Cloudforet's templates build
 * `{{ .Values.image.name }}:{{ .Values.image.version }}`, so a service is checkable offline only
 * when the file sets both. Everything else runs the chart's default image, which only
 * `helm template` knows.
 */
export function imagesFromValues(
  data: unknown,
  chart: ChartInfo,
  ns: Namespaces,
  releaseNamespace: string,
): ValuesImages {
  const uses: ImageUse[] = []
  const chartDefaults: string[] = []
  const str = (x: unknown) =>
    typeof x === 'string' && x ? x : typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined
  for (const service of chart.services) {
    if (dataAt(data, [service, 'enabled']) === false) continue
    const name = str(dataAt(data, [service, 'image', 'name']))
    const version = str(dataAt(data, [service, 'image', 'version']))
    if (!name || !version) {
      chartDefaults.push(service)
      continue
    }
    const list = dataAt(data, pullSecretPath(service))
    const pullSecrets = Array.isArray(list)
      ? list.flatMap((x) => {
          const n = dataAt(x, ['name'])
          return typeof n === 'string' && n ? [n] : []
        })
      : []
    uses.push({
      image: `${name}:${version}`,
      workload: service,
      namespace: (service === 'supervisor' ? ns.supervisor : ns.core) ?? releaseNamespace,
      pullSecrets,
    })
  }
  return { uses, chartDefaults }
}
