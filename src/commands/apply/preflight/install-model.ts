import { restartNamespaces } from '../../../core/apply-plan.js'
import { LATEST_CHART_VERSION, knownChartVersions } from '../../../core/cloudforet/charts.js'
import { buildInstallModel, chooseChart, secretPlacements } from '../../../core/cloudforet/install-model.js'
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
  facts.chartChoice = known ? chooseChart(opts.version ? { version } : { fromRelease: version }) : chooseChart({})
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
  return []
}
