/**
 * cfpull as a library: the pure core (text in, text out) and its types and errors.
 * The CLI lives in ./cli and is not part of this API.
 */
export { addImagePullSecrets, checkSecretNames } from './core/cloudforet/image-pull-secrets.js'
export type {
  PullSecretOptions,
  PullSecretResult,
  PullSecretChange,
  PullSecretWarning,
} from './core/cloudforet/image-pull-secrets.js'
export { chartFromValues } from './core/cloudforet/chart-from-values.js'
export {
  chartInfo,
  knownChartVersions,
  pullSecretPath,
  LATEST_CHART_VERSION,
  CONNECTOR_PATH,
} from './core/cloudforet/charts.js'
export type { ChartInfo } from './core/cloudforet/charts.js'
export { decidePlugins, REGISTRY_TYPES } from './core/cloudforet/plugins.js'
export type { PluginMode, PluginMechanism, PluginDecision } from './core/cloudforet/plugins.js'
export { resolveNamespaces, distinctNamespaces } from './core/cloudforet/namespaces.js'
export type { Namespaces } from './core/cloudforet/namespaces.js'
export { parseValues } from './core/yaml/values.js'
export type { ParsedValues } from './core/yaml/values.js'
export { unifiedDiff } from './core/yaml/unified-diff.js'
export { parseMirrorTarget, mirrorName, mirrorNames, MirrorNameConflictError } from './core/images/mirror-name.js'
export type { MirrorTarget } from './core/images/mirror-name.js'
export { chartImages } from './core/cloudforet/chart-images.js'
export type { ChartImage, ChartImages } from './core/cloudforet/chart-images.js'
export * from './core/errors.js'
