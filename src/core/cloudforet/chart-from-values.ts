import { CONNECTOR_PATH, NON_SERVICE_KEYS, SUPERVISOR_CHART_PLUGIN_NAMESPACE, type ChartInfo } from './charts.js'
import { dataAt } from '../yaml/data-path.js'
import { parseValues } from '../yaml/values.js'

/**
 * Chart facts read from a chart's own default values (e.g. `helm show values cloudforet/spaceone`),
 * for chart versions cfpull does not know: every top-level map that is not a known non-service key.
 */
export function chartFromValues(text: string, file: string): ChartInfo {
  const { data } = parseValues(text, file)
  const top = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {}
  const services = Object.keys(top).filter(
    (k) => !NON_SERVICE_KEYS.has(k) && (top[k] === null || (typeof top[k] === 'object' && !Array.isArray(top[k]))),
  )
  const str = (x: unknown) => (typeof x === 'string' && x ? x : null)
  const image = dataAt(top, ['supervisor', 'image'])
  const name = str(dataAt(image, ['name']))
  const tag = dataAt(image, ['version']) ?? dataAt(image, ['tag'])
  return {
    version: file,
    services,
    namespace: str(dataAt(top, ['global', 'namespace'])),
    supervisorNamespace: str(dataAt(top, ['global', 'supervisor_namespace'])),
    pluginNamespace: str(dataAt(top, [...CONNECTOR_PATH, 'namespace'])) ?? SUPERVISOR_CHART_PLUGIN_NAMESPACE,
    supervisorImage: name && (typeof tag === 'string' || typeof tag === 'number') ? `${name}:${String(tag)}` : null,
  }
}
