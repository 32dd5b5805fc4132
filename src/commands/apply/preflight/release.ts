import { helmHistory, helmHistoryArgs, helmListAllArgs, helmReleasesEverywhere } from '../../../adapters/helm.js'
import { chartVersionOf, planFromHistory } from '../../../core/apply-plan.js'
import type { Finding } from '../../../core/errors.js'
import { CfpullError } from '../../../core/errors.js'
import { helmCommand } from '../../../core/fix-command.js'
import { applyCommandLine, helmRollbackLine } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// The release exists, has a deployed revision to start from and nothing pending; the chart version the upgrade pins.
export const checkRelease: PreflightCheck = async ({ opts, deps, t, helmBin, step, result, facts }) => {
  // Argo CD keeps no Helm release: "not found" and its `helm install` fix would be wrong there.
  if (!facts.toolsOk || facts.gitOpsOwner?.controller === 'argocd') return []
  step.commands.push([helmBin, ...helmHistoryArgs(t, opts.namespace, opts.release)])
  const history = await helmHistory(deps.run, helmBin, t, opts.namespace, opts.release)
  if (!history || history.length === 0) {
    // Installing would make a second release when the first one lives in another namespace.
    step.commands.push([helmBin, ...helmListAllArgs(t, opts.release)])
    let elsewhere: string[] | undefined
    try {
      elsewhere = (await helmReleasesEverywhere(deps.run, helmBin, t, opts.release)).map((r) => r.namespace)
    } catch (err) {
      if (!(err instanceof CfpullError)) throw err
    }
    const notFound = `release ${opts.release} not found in namespace ${opts.namespace}`
    if (elsewhere?.length)
      return [
        {
          message: `${notFound}; helm list -A finds it in namespace${elsewhere.length === 1 ? '' : 's'} ${elsewhere.join(', ')}: upgrade it where it is, with -n ${elsewhere.length === 1 ? elsewhere[0] : 'the one you mean'}`,
          // One place to point at; of several, the user knows which one this values file is for.
          ...(elsewhere.length === 1 && { fix: applyCommandLine(opts, { namespace: elsewhere[0]! }) }),
        },
      ]
    const unknown = elsewhere ? '' : ' (helm list -A could not be run, so other namespaces were not checked)'
    return [
      {
        message: `${notFound}${unknown}: cfpull apply upgrades an existing release and never installs one`,
        fix: helmCommand(opts, opts.namespace, ['install', opts.release, opts.chart, '-f', opts.values]),
      },
    ]
  }
  facts.releaseExists = true
  const h = planFromHistory(history)
  facts.history = h
  const findings: Finding[] = []
  if (h.pending) {
    const refuses = 'helm refuses to upgrade while an operation is in progress (or was cut off)'
    const deployed = h.deployed ? `; revision ${h.deployed.revision} is the deployed one` : ''
    findings.push({
      message: `release ${opts.release} is ${h.pending.status} at revision ${h.pending.revision}: ${refuses}${deployed}`,
      ...(h.deployed && {
        fix: helmRollbackLine(opts, h.deployed.revision),
      }),
    })
  }
  if (!h.deployed) {
    const latest = `latest: ${h.latest!.revision}, ${h.latest!.status}`
    findings.push({
      message: `release ${opts.release} has no deployed revision (${latest}): there is no working state to upgrade from`,
    })
    return findings
  }
  result.deployedRevision = h.deployed.revision
  if (h.latest && h.latest.revision !== h.deployed.revision && h.latest.status === 'failed') {
    const failed = `revision ${h.latest.revision} of ${opts.release} (the latest, chart ${h.latest.chart}) is failed`
    result.warnings.push(
      `${failed}: starting from revision ${h.deployed.revision}, the deployed one (chart ${h.deployed.chart})`,
    )
  }
  // A local chart is named and pinned by its own Chart.yaml (chart.ts); one cfpull cannot name is not pinned at all.
  if (facts.chartUnknown) return findings
  if (facts.localChart) {
    facts.chartName = facts.localChart.name
    facts.version = facts.localChart.version
    return findings
  }
  facts.chartName = h.deployed.chart.replace(/-v?\d[^-]*(?:-[0-9A-Za-z.]+)*$/, '') || facts.chartName
  if (facts.pinned) facts.version = facts.pinned
  else {
    const v = chartVersionOf(h.deployed.chart)
    if (v) facts.version = v
    else findings.push({ message: `cannot read the chart version from "${h.deployed.chart}": pass --version` })
  }
  return findings
}
