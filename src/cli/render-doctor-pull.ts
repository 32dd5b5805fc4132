import type { DoctorPullOptions, DoctorPullResult } from '../commands/doctor-pull.js'
import { pullFails, pullUnknown } from '../core/images/pull-check.js'
import { count } from '../core/apply-plan.js'
import { commandLine } from '../core/fix-command.js'
import type { Reporter } from './output.js'
import { symbols } from './symbols.js'

/**
 * A progress line for `doctor --pull` on a terminal (not in CI, a pipe or --json): how many of the
 * images have answered. Installs with many images on a slow registry take seconds.
 */
export function pullProgress(report: Reporter, env: Record<string, string | undefined>, isTTY: boolean) {
  const live = isTTY && !env.CI && !report.json && report.level !== 'quiet'
  return (done: number, total: number) => {
    if (!live || total === 0) return
    report.live(done === total ? '' : `checking images with their registries: ${done}/${total}`)
  }
}

const CREDENTIALS: Record<DoctorPullResult['credentials'], string> = {
  flags: 'credentials from --docker-server',
  'docker-config': 'credentials from the docker config',
  cluster: 'credentials from the Secrets in the cluster',
  none: 'no credentials given',
}

/** Prints one line per distinct image (failures first, with the fix), then the summary; returns the exit code. */
export function renderDoctorPull(r: DoctorPullResult, opts: DoctorPullOptions, report: Reporter): number {
  if (report.json) {
    report.printJson({
      command: 'doctor',
      exitCode: r.exitCode,
      ok: r.exitCode === 0,
      check: 'pull',
      values: opts.values,
      sources: r.sources,
      credentials: r.credentials,
      platforms: r.platforms,
      platformSource: r.platformSource,
      images: r.images,
      uncheckedDefaults: r.uncheckedDefaults,
      notes: r.notes,
      checks: r.checks,
      unchecked: r.unchecked,
    })
    return r.exitCode
  }
  const c = report.c
  const n = r.images.length
  const platforms = `platform ${r.platforms.join(', ')}${r.platformSource === 'nodes' ? " (the nodes')" : ''}`
  const checked = `${count(n, 'image')} from ${r.sources.join(' + ')}, ${CREDENTIALS[r.credentials]}, ${platforms}`
  report.info(`${c.bold('cfpull doctor --pull')} ${opts.values}: ${checked}`)
  report.info('')
  const width = Math.min(Math.max(0, ...r.images.filter((l) => !pullUnknown(l.status)).map((l) => l.image.length)), 72)
  // A failing image is the report itself: --quiet keeps it and drops the ones that pull.
  // A registry that gave no answer is one line, whatever number of images it holds.
  for (const u of r.unchecked) {
    const what = `${count(u.images.length, 'image')} (${u.workloads.join(', ')})`
    report.data(`  ${c.yellow('?')} ${u.host}: could not check from here (${u.reason}); ${what}\n`)
  }
  for (const l of r.images) {
    if (pullUnknown(l.status)) continue
    const fails = pullFails(l.status)
    const out = (s: string) => (fails ? report.data(`${s}\n`) : report.info(s))
    const mark = fails ? c.red(symbols.cross) : c.green(symbols.tick)
    out(`  ${mark} ${l.image.padEnd(width)}  ${fails ? c.red(l.text) : l.text}`)
    const who = `${l.workloads.join(', ')} in ${l.namespaces.join(', ')}`
    out(c.dim(`      ${who}${l.credentials.length ? ` · ${l.credentials.join(', ')}` : ''}`))
    if (l.split) out(c.dim(`      ${l.split.map((s) => `${s.text} in ${s.namespaces.join(', ')}`).join('; ')}`))
    if (fails && l.detail) out(`      ${l.detail}`)
    if (l.fix) out(c.dim(`      fix: ${l.fix}`))
  }
  if (r.uncheckedDefaults.length) {
    const k = r.uncheckedDefaults.length
    report.info('')
    const services = `${count(k, 'service')} (${r.uncheckedDefaults.join(', ')}) run${k === 1 ? 's' : ''} a chart default image`
    const render = commandLine(['--chart', 'cloudforet/spaceone', '--chart-version', opts.chartVersion ?? '<version>'])
    report.info(
      `${c.cyan(symbols.info)} ${services}, not checked: add ${render} to render the chart and check every image (or --cluster for the running ones)`,
    )
  }
  for (const note of r.notes) report.warn(note)
  const unknown = r.images.filter((l) => pullUnknown(l.status)).length
  const failing = r.images.filter((l) => pullFails(l.status)).length - unknown
  const hosts = r.unchecked.length
  const notChecked = `${unknown} of ${n} image${n === 1 ? '' : 's'} on ${hosts} ${hosts === 1 ? 'registry' : 'registries'} could not be checked from here`
  const reach = `check that ${hosts === 1 ? 'it resolves' : 'they resolve'} and answer${hosts === 1 ? 's' : ''} from here (and --registry-ca for a private CA)`
  report.info('')
  report.info(
    failing
      ? c.red(`${failing} of ${n} image${n === 1 ? '' : 's'} will not pull${unknown ? `; ${notChecked}` : ''}`)
      : unknown
        ? c.yellow(`nothing is known to fail, but ${notChecked}: ${reach}`)
        : n
          ? c.green(`${symbols.tick} every image pulls (${n})`)
          : c.yellow('no image to check'),
  )
  return r.exitCode
}
