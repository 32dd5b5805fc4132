import { CONNECTOR_PATH, type ChartInfo } from './charts.js'
import { dataAt } from '../yaml/data-path.js'

/** Where Cloudforet's pods run, and so where the registry Secret must exist. */
export interface Namespaces {
  /** Core services: global.namespace; null = the Helm release namespace (`helm -n`). */
  core: string | null
  /** The supervisor: global.supervisor_namespace; null = the Helm release namespace. */
  supervisor: string | null
  /** Plugin pods: supervisor.application_scheduler.CONNECTORS.KubernetesConnector.namespace. */
  plugins: string
}

/** Resolves the namespaces from the values (the file's value, else the chart default). */
export function resolveNamespaces(data: unknown, chart: ChartInfo): Namespaces {
  const str = (x: unknown) => (typeof x === 'string' && x ? x : undefined)
  return {
    core: str(dataAt(data, ['global', 'namespace'])) ?? chart.namespace,
    supervisor: str(dataAt(data, ['global', 'supervisor_namespace'])) ?? chart.supervisorNamespace,
    plugins: str(dataAt(data, [...CONNECTOR_PATH, 'namespace'])) ?? chart.pluginNamespace,
  }
}

/** The distinct namespaces, in core, supervisor, plugins order; `release` stands in for null. */
export function distinctNamespaces(ns: Namespaces, release?: string): string[] {
  const all = [ns.core ?? release, ns.supervisor ?? release, ns.plugins].filter((x): x is string => !!x)
  return [...new Set(all)]
}
