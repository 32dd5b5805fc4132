import { restartNamespaces } from '../../../core/apply-plan.js'
import { LATEST_CHART_VERSION, knownChartVersions } from '../../../core/cloudforet/charts.js'
import { chartImages } from '../../../core/cloudforet/chart-images.js'
import { buildInstallModel, chooseChart, secretPlacements } from '../../../core/cloudforet/install-model.js'
import { managedPluginRoute } from '../../../core/cloudforet/plugin-images.js'
import { narrowing } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// The install model of the values helm will use, against the chart version the upgrade pins.
export const deriveInstallModel: PreflightCheck = ({ opts, result, facts }) => {
  const version = facts.version
  const known = version && knownChartVersions().includes(version.replace(/^v/, ''))
  if (version) result.chartVersion = version
  if (version && !known)
    result.warnings.push(
      `chart version ${version} is not one cfpull knows: checking services against ${LATEST_CHART_VERSION}`,
    )
  facts.chartChoice = known ? chooseChart(facts.pinned ? { version } : { fromRelease: version }) : chooseChart({})
  facts.chart = facts.chartChoice.info
  facts.pluginNamespace = facts.chart.pluginNamespace
  if (facts.text === undefined) return []
  const model = buildInstallModel(facts.effective ?? facts.data, facts.chartChoice, narrowing(opts))
  facts.model = model
  facts.placements = secretPlacements(model, opts.namespace)
  facts.secretNames = model.needs.map((n) => n.name)
  facts.secretNamespaces = [...new Set(facts.placements.map((p) => p.namespace))]
  facts.restartNamespaces = restartNamespaces(model.namespaces, opts.namespace)
  facts.pluginNamespace = model.namespaces.plugins
  facts.pluginSecrets = model.plugins.configured
  // The repository version decides the managed plugins' references: the values' image, else the
  // known chart's default (an unknown chart's default is not guessed).
  const chartRepository = known ? chartImages(facts.chart.version).repositoryImage : null
  const route = managedPluginRoute(facts.effective ?? facts.data, chartRepository).route
  if (route) facts.pluginRoute = route
  return []
}
