import type { ApplyOptions, ApplyResult, StepResult } from '../commands/apply/apply.js'
import type { NamespaceFrom } from './commands/options.js'
import { PreflightError } from '../core/errors.js'
import { shellLine } from '../core/apply-plan.js'
import { applyCommandLine, helmStatusLine } from '../commands/apply/fix-lines.js'
import { errorJson, printError } from './errors.js'
import type { Reporter } from './output.js'
import { symbols } from './symbols.js'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/**
 * Live step lines for `cfpull apply`. On a TTY outside CI a spinner runs on stderr while a step
 * works; elsewhere (pipes, CI=true, --json) there is no cursor control, only finished lines.
 */
export function applyProgress(report: Reporter, env: Record<string, string | undefined>, isTTY: boolean) {
  const live = isTTY && !env.CI && !report.json && report.level !== 'quiet'
  let timer: ReturnType<typeof setInterval> | undefined
  return (event: { phase: 'start' | 'end'; step: StepResult }) => {
    const s = event.step
    if (event.phase === 'start') {
      if (!live) return
      let i = 0
      const started = Date.now()
      timer = setInterval(
        () => report.live(`${FRAMES[i++ % FRAMES.length]} ${s.name} ${((Date.now() - started) / 1000).toFixed(0)}s`),
        100,
      )
      return
    }
    if (timer) clearInterval(timer)
    timer = undefined
    if (live) report.live('')
    report.info(stepLine(s, report))
  }
}

function stepLine(s: StepResult, report: Reporter): string {
  const c = report.c
  const mark = {
    ok: c.green(symbols.tick),
    failed: c.red(symbols.cross),
    warning: c.yellow(symbols.warn),
    skipped: c.dim('-'),
    planned: c.cyan('→'),
    running: '…',
    interrupted: c.yellow('!'),
  }[s.status]
  const secs = s.status === 'planned' || s.status === 'skipped' ? '' : c.dim(` (${(s.durationMs / 1000).toFixed(1)}s)`)
  return `${mark} ${s.name}${secs}${s.detail ? `: ${s.detail}` : ''}`
}

function changedSteps(r: ApplyResult): string[] {
  return r.steps.filter((s) => s.changed).map((s) => s.name)
}

/** Prints the outcome of `cfpull apply`; returns the exit code. */
export function renderApply(
  r: ApplyResult,
  opts: ApplyOptions,
  report: Reporter,
  namespaceFrom: NamespaceFrom = '-n',
): number {
  if (report.json) {
    const stopped = r.steps.find((s) => s.status === 'failed')
    report.printJson({
      command: 'apply',
      exitCode: r.exitCode,
      ok: r.exitCode === 0,
      dryRun: opts.dryRun,
      release: r.release,
      namespace: r.namespace,
      namespaceFrom,
      chartVersion: r.chartVersion ?? null,
      deployedRevision: r.deployedRevision ?? null,
      changed: changedSteps(r),
      interrupted: r.interrupted ?? null,
      units: r.units,
      findings: r.findings.map(({ toolNotFound: _t, ...f }) => f),
      notes: r.notes,
      warnings: r.warnings,
      steps: r.steps.map((s) => ({
        name: s.name,
        status: s.status,
        durationMs: s.durationMs,
        commands: s.commands,
        ...(s.detail && { detail: s.detail }),
        ...(s.changed && { changed: true }),
        ...(s.error !== undefined && { error: errorJson(s.error) }),
      })),
      // The error that stopped the run, where every command's document has it.
      ...(stopped?.error !== undefined && { error: errorJson(stopped.error) }),
    })
    // As for an error main() catches: stderr still gets the line a CI log shows.
    if (stopped?.error !== undefined) printError(stopped.error, report)
    return r.exitCode
  }
  for (const w of r.warnings) report.warn(w)
  const failed = r.steps.find((s) => s.status === 'failed')
  if (failed?.error instanceof PreflightError || (failed?.name === 'preflight' && r.findings.length)) {
    if (failed.error instanceof PreflightError) report.error(failed.error.message)
    else {
      // A missing tool stopped it: that error (and its hint), then everything the preflight found.
      printError(failed.error, report)
      const n = r.findings.length
      report.errorDetail(`preflight found ${n} problem${n === 1 ? '' : 's'}; nothing was changed`)
    }
    for (const f of r.findings) {
      report.errorDetail(`  ${report.cErr.red(symbols.cross)} ${f.message}`)
      if (f.fix) report.errorDetail(`    fix: ${f.fix}`)
    }
  } else if (failed) {
    printError(failed.error, report)
    // A failure after the cluster changed must not read like one before it.
    const before = changedSteps(r).filter((n) => n !== failed.name)
    const parts: string[] = []
    if (before.length) parts.push(`changed before it: ${before.join(', ')}`)
    else if (!failed.changed) parts.push('nothing in the cluster was changed')
    if (failed.changed)
      parts.push(
        failed.name === 'helm upgrade'
          ? `helm upgrade ran and failed, so the release may be partly changed: ${helmStatusLine(opts)}`
          : `${failed.name} failed part-way, after changing something`,
      )
    parts.push('no step after it ran')
    report.errorDetail(`  ${parts.join('; ')}`)
  }
  if (r.interrupted?.step === 'helm upgrade') {
    const i = r.interrupted
    report.error(
      i.stoppedWaiting
        ? `interrupted by ${i.signal}: cfpull stopped waiting, helm upgrade goes on by itself; helm status now: ${i.helmState ?? 'unknown'}`
        : `interrupted by ${i.signal}: helm upgrade was left to finish; helm status: ${i.helmState ?? 'unknown'}`,
    )
    report.errorDetail(
      `  the restarts and the plugin step did not run; check with: ${helmStatusLine(opts)}, then run cfpull apply again: ${applyCommandLine(opts)}`,
    )
  } else if (r.interrupted) {
    const i = r.interrupted
    report.error(
      `interrupted by ${i.signal} during ${i.step}: ${
        i.stoppedWaiting
          ? 'cfpull stopped at once on the second signal'
          : r.units.some((u) => u.step === i.step && u.status === 'half-done')
            ? 'what was under way did not finish in the time it had, so cfpull stopped and left it half-done'
            : 'cfpull finished what was under way, then stopped'
      }`,
    )
    const before = changedSteps(r).filter((n) => n !== i.step)
    report.errorDetail(`  changed before it: ${before.join(', ') || 'nothing'}`)
    for (const u of r.units.filter((x) => x.step === i.step)) {
      const done = u.writes.filter((w) => w.done).map((w) => w.what)
      const left = u.writes.filter((w) => !w.done).map((w) => w.what)
      if (u.status === 'done') report.errorDetail(`  done: ${u.name}: deleted ${done.join(' and ')}`)
      else if (u.status === 'half-done')
        report.errorDetail(
          `  half-done: ${u.name}: ${done.length ? `deleted ${done.join(' and ')}, ` : ''}${left.join(' and ')} may remain; complete it with: ${u.complete}`,
        )
      else report.errorDetail(`  not started: ${u.name}: ${u.complete}`)
    }
  }
  if (opts.dryRun && r.exitCode === 0) {
    report.info('Would run, in order:')
    for (const s of r.steps)
      for (const cmd of s.commands) if (s.name !== 'preflight') report.info(`  ${shellLine(cmd)}`)
  } else if (r.exitCode === 0) {
    for (const n of r.notes) report.info(`${report.c.cyan(symbols.info)} ${n}`)
    const total = r.steps.reduce((n, s) => n + s.durationMs, 0)
    report.info(
      `${report.c.green(symbols.tick)} ${r.release} upgraded${r.chartVersion ? ` (chart ${r.chartVersion})` : ''} in ${(total / 1000).toFixed(1)}s`,
    )
  }
  return r.exitCode
}
