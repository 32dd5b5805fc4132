import { readText } from '../../adapters/files.js'
import { diagnoseValues, type Diagnosis } from '../../core/diagnose.js'
import { CfpullError, ExitCode, UsageError } from '../../core/errors.js'
import { isGitOpsManifest, readValuesData } from '../../core/gitops-manifest.js'
import { hideReleaseValues } from '../../core/hide-values.js'
import { imageHostFindings } from '../../core/images/image-hosts.js'
import { doctorChart } from './chart.js'
import { inspectCluster } from './cluster.js'
import { doctorFixContext } from './fix-lines.js'
import { releaseValues } from './release-values.js'
import type { DoctorDeps, DoctorOptions, DoctorResult } from './types.js'

export type { DoctorOptions, DoctorResult, FailingPod, SecretState } from './types.js'

/**
 * `cfpull doctor`: says why an install cannot pull. Offline from the values; with --cluster,
 * also from what kubectl reads (secrets are read only for their registry hosts).
 */
export async function doctor(opts: DoctorOptions, deps: DoctorDeps): Promise<DoctorResult> {
  if (opts.chartVersion && opts.chartValues)
    throw new UsageError('--chart-version and --chart-values cannot be combined')
  const pre: Diagnosis[] = []
  const chart = await doctorChart(opts, deps, pre)
  const fromRelease = opts.valuesFromRelease === true
  const text = fromRelease ? await releaseValues(opts, deps) : await readText(opts.values)
  // A HelmRelease or Application: its values are what helm gets, and the fixes patch the manifest itself.
  const manifest = !fromRelease && isGitOpsManifest(text)
  const ctx = { ...doctorFixContext(opts, chart), ...(manifest && { manifest: opts.values }) }
  const { data } = readValuesData(text, opts.values)
  const values = diagnoseValues(data, chart, ctx)
  // The chart the model took (the values' own evidence when none was given), as the other findings use.
  const taken = values.model.chart
  const images = imageHostFindings(data, taken.info, values.model, {
    ...ctx,
    chart: { ...ctx.chart, version: taken.info.version, source: taken.source },
  })
  const findings = [...pre, ...values.findings, ...images.findings]
  const result: DoctorResult = {
    values,
    ...(images.hosts && { imageHosts: images.hosts }),
    findings,
    exitCode: ExitCode.Ok,
  }
  if (opts.cluster) {
    // The offline part stands on its own: when the cluster cannot be asked, it is still the
    // report, with the cluster's error after it (and its exit code: the diagnosis is partial).
    const cluster: Diagnosis[] = []
    try {
      result.cluster = await inspectCluster(opts, deps, values, cluster, ctx)
      findings.push(...cluster)
    } catch (err) {
      if (!(err instanceof CfpullError) || err instanceof UsageError) throw err
      result.clusterError = err
    }
  }
  // A release's values can hold passwords: a finding that quotes one of them shows it hidden.
  if (fromRelease) result.findings = hideReleaseValues(result.findings, data)
  result.exitCode = result.clusterError
    ? result.clusterError.exitCode
    : findings.some((f) => f.severity === 'error')
      ? ExitCode.Findings
      : ExitCode.Ok
  return result
}
