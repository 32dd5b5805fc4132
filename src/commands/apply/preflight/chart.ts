import { chartExistsLocally, helmShowChart, helmShowChartArgs } from '../../../adapters/helm.js'
import { CfpullError, type Finding } from '../../../core/errors.js'
import { chartMetadata, chartSource } from '../../../core/helm-passthrough.js'
import type { PreflightCheck } from './context.js'
import { recordInput } from './inputs.js'

// The chart helm upgrade will install is one cfpull can name and render. A local chart (a path
// that exists, with no --repo) is installed as it is: helm ignores --version there, so its own
// Chart.yaml is the pin, and a --version that disagrees with it would be a false promise. Runs
// before the release check, which pins any other chart to the deployed version.
export const checkChart: PreflightCheck = async (ctx) => {
  const findings = await locate(ctx)
  // A chart cfpull cannot name gets no version: nothing is rendered against a guess.
  if (findings.length) ctx.facts.chartUnknown = true
  return findings
}

async function locate({ opts, deps, helmBin, step, facts }: Parameters<PreflightCheck>[0]): Promise<Finding[]> {
  // Argo CD keeps no release to upgrade: its finding says so, and the chart does not matter.
  if (!facts.toolsOk || facts.gitOpsOwner?.controller === 'argocd') return []
  const existsLocally = await chartExistsLocally(opts.chart)
  const source = chartSource(opts.chart, {
    ...(facts.passthrough.repo && { repo: facts.passthrough.repo }),
    existsLocally,
  })
  if (source === 'url')
    return [
      {
        message: `--chart ${opts.chart} is one package at a URL: helm ignores --version there, so cfpull can neither pin nor check what it installs. Download it (helm pull) and pass the file, or name the chart in its repository (--chart NAME -- --repo URL)`,
      },
    ]
  if (source !== 'local') return []
  // Before helm reads it: the upgrade reads it again, and a change in between stops it (inputs.ts).
  facts.inputs.push(await recordInput(`the local chart ${opts.chart}`, opts.chart))
  step.commands.push([helmBin, ...helmShowChartArgs(opts.chart)])
  let text: string
  try {
    text = await helmShowChart(deps.run, helmBin, opts.chart)
  } catch (err) {
    if (!(err instanceof CfpullError)) throw err
    return [{ message: `cannot read the Chart.yaml of the local chart ${opts.chart}: ${err.message}` }]
  }
  const meta = chartMetadata(text)
  if (!meta)
    return [
      {
        message: `the Chart.yaml of the local chart ${opts.chart} has no name and version: cfpull cannot tell what helm would install`,
      },
    ]
  if (facts.pinned && facts.pinned.replace(/^v/, '') !== meta.version.replace(/^v/, ''))
    return [
      {
        message: `--version ${facts.pinned} does not apply to a local chart: helm ignores it for ${opts.chart}, whose Chart.yaml says ${meta.name}-${meta.version}. Drop --version, or point --chart at the chart of that version`,
      },
    ]
  // The release check takes it as the pin once the release is found.
  facts.localChart = { path: opts.chart, ...meta }
  return []
}
