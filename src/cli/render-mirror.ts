import type { MirrorProgress, MirrorResult } from '../commands/mirror/types.js'
import { countStatuses, type MirrorRecord } from '../core/images/mirror-plan.js'
import { count } from '../core/apply-plan.js'
import type { Reporter } from './output.js'
import { symbols } from './symbols.js'

/** `1.4 MB`: decimal units, as registries and skopeo print sizes. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let v = n
  let u = -1
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`
}

const PHASES: Record<MirrorProgress['phase'], string> = {
  check: 'checking',
  copy: 'copying',
  proof: 'proving',
  done: '',
}

/**
 * The progress line on a terminal: images done out of the total, the bytes copied, the current
 * image. Quiet in CI, in a pipe, with --json and with --quiet.
 */
export function mirrorProgress(report: Reporter, env: Record<string, string | undefined>, isTTY: boolean) {
  const live = isTTY && !env.CI && !report.json && report.level !== 'quiet'
  return (p: MirrorProgress) => {
    if (!live || p.total === 0) return
    const bytes = p.bytes ? ` · ${formatBytes(p.bytes)}` : ''
    const current = p.current ? ` · ${p.current}` : ''
    report.live(p.phase === 'done' ? '' : `${PHASES[p.phase]} ${p.done}/${p.total}${bytes}${current}`)
  }
}

/** The table (one image per line, failures kept under --quiet), the summary; returns the exit code. */
export function renderMirror(r: MirrorResult, report: Reporter): number {
  const counts = countStatuses(r.records)
  if (report.json) {
    report.printJson({
      command: 'mirror',
      exitCode: r.exitCode,
      ok: r.exitCode === 0,
      to: r.to,
      dryRun: r.dryRun,
      platform: r.platform ?? null,
      interrupted: r.interrupted,
      counts,
      images: r.records,
      notes: r.notes,
    })
    return r.exitCode
  }
  const c = report.c
  const mode = r.dryRun ? ' (dry run: nothing is pushed)' : ''
  const platform = r.platform ? `, platform ${r.platform}` : ', every platform'
  report.info(`${c.bold('cfpull mirror')} → ${r.to}: ${count(r.records.length, 'image')}${platform}${mode}`)
  report.info('')
  const width = Math.min(Math.max(0, ...r.records.map((x) => x.source.length)), 60)
  for (const x of r.records) line(x, width, report)
  for (const note of r.notes) report.warn(note)
  report.info('')
  const parts = (['copied', 'skipped', 'planned', 'failed'] as const)
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${s}`)
  const bytes = r.records.reduce((sum, x) => sum + (x.status === 'copied' ? (x.bytes ?? 0) : 0), 0)
  const moved = bytes ? ` (${formatBytes(bytes)})` : ''
  const summary = `${parts.join(', ') || 'no image'}${moved}`
  if (r.interrupted)
    report.error(`interrupted: ${summary}; a partly copied image has no manifest, so nothing half-copied can be pulled`)
  else if (counts.failed)
    report.info(c.red(`${symbols.cross} ${summary}: run the same command again once the cause is fixed`))
  else report.info(c.green(`${symbols.tick} ${summary}`))
  return r.exitCode
}

function line(x: MirrorRecord, width: number, report: Reporter): void {
  const c = report.c
  const failed = x.status === 'failed'
  // A failure is the report itself: --quiet keeps it and drops the rest.
  const out = (s: string) => (failed ? report.data(`${s}\n`) : report.info(s))
  const mark = failed ? c.red(symbols.cross) : x.status === 'planned' ? c.cyan(symbols.info) : c.green(symbols.tick)
  const status = failed ? c.red(x.status.padEnd(7)) : x.status.padEnd(7)
  out(`  ${mark} ${status} ${x.source.padEnd(width)} → ${x.destination}`)
  const facts = [
    x.platforms?.length ? x.platforms.join(', ') : undefined,
    x.bytes ? formatBytes(x.bytes) : undefined,
    x.tagReason,
  ].filter(Boolean)
  out(c.dim(`      ${x.reason}${facts.length ? ` · ${facts.join(' · ')}` : ''}`))
}
