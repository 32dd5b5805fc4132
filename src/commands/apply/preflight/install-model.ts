import { chartVersionOf, restartNamespaces } from '../../../core/apply-plan.js'
import { LATEST_CHART_VERSION, knownChartVersions } from '../../../core/cloudforet/charts.js'
import { chartImages } from '../../../core/cloudforet/chart-images.js'
import { buildInstallModel, chooseChart, secretPlacements } from '../../../core/cloudforet/install-model.js'
import { managedPluginRoute } from '../../../core/cloudforet/plugin-images.js'
import { narrowing } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// The install model of the values helm will use, against the chart version the upgrade pins.
export const deriveInstallModel: PreflightCheck = ({ opts, result, facts }) => {
  const isKnown = (v: string | undefined) => !!v && knownChartVersions().includes(v.replace(/^v/, ''))
  const version = facts.version
  if (version) result.chartVersion = version
  // A local chart whose own version cfpull does not know (a fork, a checkout) is read as the
  // Cloudforet chart the deployed revision runs, when cfpull knows that one: the report names both.
  const deployed = facts.history?.deployed && chartVersionOf(facts.history.deployed.chart)
  const standIn = !!facts.localChart && !isKnown(version) && isKnown(deployed ?? undefined)
  const modelVersion = standIn ? deployed! : version
  const known = isKnown(modelVersion)
  if (version && !known)
    result.warnings.push(
      `chart version ${version} is not one cfpull knows: checking services against ${LATEST_CHART_VERSION}`,
    )
  if (standIn)
    result.warnings.push(
      `chart version ${version} (the local chart's) is not one cfpull knows: checking services against ${modelVersion}, the deployed revision's`,
    )
  const byFlag = !!facts.pinned || (!!facts.localChart && !standIn)
  facts.chartChoice = known
    ? chooseChart(byFlag ? { version: modelVersion! } : { fromRelease: modelVersion! })
    : chooseChart({})
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
