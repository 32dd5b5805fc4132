/**
 * cfpull as a library: the pure core (text in, text out) and its types and errors.
 * The CLI lives in ./cli and is not part of this API.
 */
export { addImagePullSecrets, checkSecretNames } from './core/image-pull-secrets.js'
export type {
  PullSecretOptions,
  PullSecretResult,
  PullSecretChange,
  PullSecretWarning,
} from './core/image-pull-secrets.js'
export { chartFromValues } from './core/chart-from-values.js'
export { chartInfo, knownChartVersions, pullSecretPath, LATEST_CHART_VERSION, CONNECTOR_PATH } from './core/charts.js'
export type { ChartInfo } from './core/charts.js'
export { decidePlugins, REGISTRY_TYPES } from './core/plugins.js'
export type { PluginMode, PluginMechanism, PluginDecision } from './core/plugins.js'
export { resolveNamespaces, distinctNamespaces } from './core/namespaces.js'
export type { Namespaces } from './core/namespaces.js'
export { parseValues } from './core/values.js'
export type { ParsedValues } from './core/values.js'
export { unifiedDiff } from './core/unified-diff.js'
export * from './core/errors.js'
