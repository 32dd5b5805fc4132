import type { DoctorOptions, DoctorResult } from '../commands/doctor/doctor.js'
import type { Severity } from '../core/diagnose.js'
import { errorJson, printError } from './errors.js'
import { enabledByDefault } from '../core/cloudforet/service-defaults.js'
import type { Reporter } from './output.js'
import { symbols } from './symbols.js'

const ORDER: Severity[] = ['error', 'warning', 'info']
const TITLES: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Info' }

/** Prints the doctor report: services table, plugin route, then findings grouped by severity. */
export function renderDoctor(r: DoctorResult, opts: DoctorOptions, report: Reporter): number {
  if (report.json) {
    report.printJson({
      command: 'doctor',
      exitCode: r.exitCode,
      ok: r.exitCode === 0,
      // A release's values are never in the document: only where they came from.
      values: opts.valuesFromRelease ? null : opts.values,
      valuesFrom: opts.valuesFromRelease ? 'release' : 'file',
      release: opts.release,
      namespace: opts.namespace,
      namespaceFrom: opts.namespaceFrom ?? '-n',
      chart: r.values.chart,
      chartSource: r.values.chartSource,
      ...(r.values.chartEvidence && { chartEvidence: r.values.chartEvidence }),
      secrets: r.values.secrets,
      pluginSecrets: r.values.pluginSecrets,
      services: r.values.services,
      plugins: {
        mechanism: r.values.plugins.mechanism,
        reason: r.values.plugins.reason,
        supervisorVersion: r.values.plugins.supervisorVersion ?? null,
        registryType: r.values.plugins.registryType ?? null,
        managedType: r.values.plugins.managedType ?? null,
        registryUrl: r.values.plugins.registryUrl ?? null,
        path: r.values.plugins.path?.join('.') ?? null,
        configured: r.values.plugins.configured,
        registrySecrets: r.values.plugins.registrySecrets,
      },
      namespaces: r.values.namespaces,
      needs: r.values.needs,
      ...(r.imageHosts && { imageHosts: r.imageHosts }),
      ...(r.cluster && { cluster: r.cluster }),
      findings: r.findings,
      ...(r.clusterError && { error: errorJson(r.clusterError) }),
    })
    if (r.clusterError) printError(r.clusterError, report)
    return r.exitCode
  }
  const c = report.c
  const v = r.values
  const source = {
    flag: '--chart-version',
    release: 'the deployed release',
    'chart-values': '--chart-values',
    evidence: r.values.chartEvidence ?? 'the values',
    manifest: 'the manifest',
    default: 'the default',
  }[v.chartSource]
  const read = opts.valuesFromRelease ? `the values of release ${opts.release} (helm get values --all)` : opts.values
  const from = opts.namespaceFrom && opts.namespaceFrom !== 'default' ? opts.namespaceFrom : 'the default'
  const cluster = opts.cluster
    ? ` + cluster: release ${opts.release} in namespace ${opts.namespace} (from ${from})`
    : ''
  report.info(`${c.bold('cfpull doctor')} ${read} (chart ${v.chart}, from ${source})${cluster}`)
  report.info('')
  const width = Math.max(...v.services.map((s) => s.service.length), 7)
  // Unset in the file: what the chart's default is, when cfpull knows it for this version.
  const enabledOf = (s: (typeof v.services)[number]): string => {
    if (s.enabled !== null) return s.enabled ? 'yes' : 'no'
    const d = enabledByDefault(v.chart, s.service)
    return d === null ? 'default' : `${d ? 'yes' : 'no'} (default)`
  }
  const enabledWidth = Math.max(...v.services.map((s) => enabledOf(s).length), 7)
  report.info(c.bold(`  ${'service'.padEnd(width)}  in file  ${'enabled'.padEnd(enabledWidth)}  pull secrets`))
  for (const s of v.services) {
    const secrets = s.pullSecrets.length ? s.pullSecrets.join(', ') : c.red('none')
    const inFile = (s.inFile ? 'yes' : 'no').padEnd(7)
    const shown = s.skipped ? c.dim(`${secrets} (${s.skipped})`) : secrets
    report.info(`  ${s.service.padEnd(width)}  ${inFile}  ${enabledOf(s).padEnd(enabledWidth)}  ${shown}`)
  }
  report.info('')
  const plugins = v.plugins
  const registry = plugins.registryType ? ` (${plugins.registryType}, url ${plugins.registryUrl || 'empty'})` : ''
  const configured = plugins.configured.join(', ') || (plugins.mechanism === 'none' ? 'n/a' : c.red('none'))
  report.info(`${c.bold('plugins')}: ${plugins.mechanism}${registry}: ${plugins.reason}; configured: ${configured}`)
  const { core, supervisor } = v.namespaces
  const release = '<release namespace>'
  report.info(
    `${c.bold('namespaces')}: core ${core ?? release}, supervisor ${supervisor ?? release}, plugins ${v.namespaces.plugins}`,
  )
  // Errors and warnings are the report itself: --quiet keeps them and drops the rest.
  const line = (l: string) => report.data(`${l}\n`)
  for (const severity of ORDER) {
    const group = r.findings.filter((f) => f.severity === severity)
    if (group.length === 0 || (severity === 'info' && report.level === 'quiet')) continue
    const mark =
      severity === 'error'
        ? c.red(symbols.cross)
        : severity === 'warning'
          ? c.yellow(symbols.warn)
          : c.cyan(symbols.info)
    report.info('')
    line(c.bold(`${TITLES[severity]} (${group.length})`))
    for (const f of group) {
      line(`  ${mark} ${f.message}`)
      if (f.fix) line(c.dim(`    fix: ${f.fix}`))
    }
  }
  const errors = r.findings.filter((f) => f.severity === 'error').length
  const warnings = r.findings.filter((f) => f.severity === 'warning').length
  report.info('')
  if (r.clusterError) {
    // Only the values were read: say so rather than "nothing stops images from pulling".
    report.info(
      c.yellow(
        `${errors ? `${errors} problem${errors === 1 ? '' : 's'} in the values will stop images from pulling; ` : ''}the cluster was not asked (see the error)`,
      ),
    )
    printError(r.clusterError, report)
    return r.exitCode
  }
  report.info(
    errors
      ? c.red(`${errors} problem${errors === 1 ? '' : 's'} will stop images from pulling`)
      : warnings
        ? c.green(
            `${symbols.tick} nothing certain stops images from pulling; read the ${warnings} warning${warnings === 1 ? '' : 's'} above`,
          )
        : c.green(`${symbols.tick} nothing stops images from pulling`),
  )
  return r.exitCode
}
