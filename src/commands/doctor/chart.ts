import { readText } from '../../adapters/files.js'
import { helmRelease } from '../../adapters/helm.js'
import type { KubeTarget } from '../../adapters/kubectl.js'
import { toolBinary } from '../../adapters/run.js'
import { chartVersionOf } from '../../core/apply-plan.js'
import { chartFromValues } from '../../core/cloudforet/chart-from-values.js'
import { knownChartVersions } from '../../core/cloudforet/charts.js'
import { chooseChart, type ChartChoice } from '../../core/cloudforet/install-model.js'
import type { Diagnosis } from '../../core/diagnose.js'
import { CfpullError, NoClusterError } from '../../core/errors.js'
import type { DoctorDeps, DoctorOptions } from './types.js'

/** The chart: the flag, else (with --cluster) the deployed release's, else the default. */
export async function doctorChart(opts: DoctorOptions, deps: DoctorDeps, findings: Diagnosis[]): Promise<ChartChoice> {
  if (opts.chartValues)
    return chooseChart({
      valuesInfo: chartFromValues(await readText(opts.chartValues), opts.chartValues),
      valuesFile: opts.chartValues,
    })
  if (opts.chartVersion || !opts.cluster)
    return chooseChart({ ...(opts.chartVersion && { version: opts.chartVersion }) })
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
  try {
    const rel = await helmRelease(deps.run, toolBinary('helm', deps.env), t, opts.namespace, opts.release)
    const version = rel && chartVersionOf(rel.chart)
    if (version && knownChartVersions().includes(version.replace(/^v/, '')))
      return chooseChart({ fromRelease: version })
    if (version) {
      const unknown = `release ${opts.release} in ${opts.namespace} runs chart ${rel.chart}, a version cfpull does not know`
      findings.push({
        severity: 'warning',
        code: 'chart-unknown',
        message: `${unknown}: checking against the default chart; pass --chart-values with its \`helm show values\``,
      })
    }
  } catch (err) {
    if (!(err instanceof CfpullError)) throw err
    // No cluster is said once, as the cluster part's error (kubectl finds none either).
    if (err instanceof NoClusterError) return chooseChart({})
    findings.push({
      severity: 'warning',
      code: 'chart-unread',
      message: `cannot read the deployed chart version (${err.message}): checking against the default chart; pass --chart-version`,
    })
  }
  return chooseChart({})
}
