import type { PatchFileResult, PatchOptions, PatchProgress, PatchRunResult } from '../commands/patch.js'
import { ExitCode } from '../core/errors.js'
import type { PullSecretChange, PullSecretWarning } from '../core/cloudforet/image-pull-secrets.js'
import type { RegistryRewritePlan } from '../core/images/registry-rewrite.js'
import { namespacesFor } from '../core/cloudforet/install-model.js'
import { distinctNamespaces } from '../core/cloudforet/namespaces.js'
import { unifiedDiff } from '../core/yaml/unified-diff.js'
import { describeError, errorJson, printError } from './errors.js'
import type { Reporter } from './output.js'
import { symbols } from './symbols.js'

/** Prints a patch run the way the flags ask; returns the exit code. */
export function renderPatch(run: PatchRunResult, opts: PatchOptions, report: Reporter): number {
  if (report.json) {
    report.printJson(patchJson(run))
    return run.exitCode
  }
  // With --stdout the patched file owns stdout, so the human summary moves to stderr.
  const say = (line: string) => (opts.stdout ? report.note(line) : report.info(line))
  const c = opts.stdout ? report.cErr : report.c
  for (const f of run.files) {
    if (f.status === 'error') {
      printError(f.error, report)
      continue
    }
    const r = f.result!
    for (const w of r.warnings) {
      report.warn(`${f.file}${w.line ? `:${w.line}` : ''}: ${wouldWording(w, f)}`)
      for (const line of w.detail ?? []) report.errorDetail(`  ${line}`)
      if (w.fix) report.errorDetail(`  fix: ${w.fix}`)
    }
    if (opts.stdout) report.data(r.text)
    if (opts.dryRun && r.changed)
      report.data(
        colorDiff(
          unifiedDiff(f.before!, r.text, `a/${f.file.replace(/^\//, '')}`, `b/${f.file.replace(/^\//, '')}`),
          report,
        ),
      )
    const counts = changeSummary(f)
    // --quiet silences the report, but a red --check gate must still say which file and why,
    // in the words of the full report.
    if (opts.check && r.changed && report.level === 'quiet')
      report.errorDetail(
        `${f.file}: needs ${opts.registry || !opts.secrets.length ? 'changes' : opts.secrets.join(', ')}: ${counts}`,
      )
    if (opts.check && !r.changed && f.registry?.foreign.length && report.level === 'quiet')
      report.errorDetail(
        `${f.file}: ${f.registry.foreign.length} image(s) on another registry (neither Docker Hub nor the mirror)`,
      )
    const foreign = f.registry?.foreign.length ?? 0
    const verb = opts.check
      ? r.changed
        ? 'needs changes'
        : foreign
          ? `${foreign} image${foreign === 1 ? '' : 's'} not on ${opts.registry}`
          : 'up to date'
      : !r.changed
        ? 'up to date'
        : f.writtenTo
          ? `patched${f.writtenTo !== f.file ? ` → ${f.writtenTo}` : ''}`
          : 'would change'
    // A green tick is for a file that is right now: one that would change is not, yet. Under
    // --check an image left on another registry fails the file too.
    const failing = r.changed || (opts.check && foreign > 0)
    const mark = !failing
      ? c.dim(symbols.tick)
      : opts.check
        ? c.yellow(symbols.cross)
        : f.writtenTo
          ? c.green(symbols.tick)
          : c.yellow(symbols.pending)
    say(`${mark} ${c.bold(f.file)}: ${verb}${r.changed ? ` (${counts})` : ''}`)
    if (f.writtenInPlace) say(`  ${c.cyan('written in place')}: ${describeInPlace(f.writtenInPlace)}`)
    if (report.level === 'verbose' || (r.changed && report.level === 'normal'))
      for (const ch of [...r.changes].sort((a, b) => a.line - b.line))
        if (ch.action !== 'unchanged' || report.level === 'verbose') say(c.dim(`    ${describeChange(ch)}`))
    const chart = r.model.chart
    if (chart.source === 'evidence')
      say(`  ${c.cyan('chart')}: ${chart.info.version}, the one ${chart.evidence} points to (no --chart-version given)`)
    if (opts.secrets.length)
      say(
        `  ${c.cyan('plugins')}: ${r.plugins.mechanism}${r.plugins.registryType ? ` (${r.plugins.registryType})` : ''}: ${r.plugins.reason}`,
      )
    if (f.registry) say(`  ${c.cyan('plugin images')}: ${describePluginRoute(f.registry)}`)
  }
  summarize(run, opts, report, say)
  return run.exitCode
}

function describeInPlace(w: NonNullable<PatchFileResult['writtenInPlace']>): string {
  return w.reason === 'hard-links'
    ? `it has ${w.links} hard links, and a new file would leave the others with the old text; not atomic, so a crash midway can leave it part-written`
    : `a new file could not be given its owner and group (${w.uid}:${w.gid}); not atomic, so a crash midway can leave it part-written`
}

function describePluginRoute(plan: RegistryRewritePlan): string {
  const p = plan.plugins
  const mirror = `${plan.target.host}/${plan.target.path}`
  if (!p.redirected) return `stay where they are: ${p.route.reason}`
  const url = p.route.confKey === 'REGISTRY_INFO' ? `REGISTRY_INFO.${p.type}.url` : `REGISTRY_URL_MAP.${p.type}`
  return `${mirror}/<plugin> (${p.type}; ${p.route.reason}, so its ${url} is the mirror host)`
}

function summarize(run: PatchRunResult, opts: PatchOptions, report: Reporter, say: (l: string) => void): void {
  const ok = run.files.filter((f) => f.result)
  if (ok.length === 0) return
  const c = opts.stdout ? report.cErr : report.c
  const changed = ok.filter((f) => f.result!.changed).length
  if (run.files.length > 1) {
    const errors = run.files.length - ok.length
    const one = changed === 1
    const verb = opts.check ? `need${one ? 's' : ''} changes` : opts.dryRun || opts.stdout ? 'would change' : 'changed'
    say(
      `${run.files.length} files: ${changed} ${verb}, ${ok.length - changed} up to date${errors ? `, ${errors} failed` : ''}`,
    )
  }
  if (opts.secrets.length === 0) {
    // --registry alone: the mirror's images are pulled with whatever the pods already have.
    say(
      `${c.cyan(symbols.info)} No --secret: no pod is given a pull secret for ${opts.registry?.split('/')[0]}; unless it allows anonymous pulls, run again with --secret <name>.`,
    )
    if (run.fix) say(`  fix: ${run.fix}`)
    return
  }
  const namespaces = [
    ...new Set(ok.flatMap((f) => opts.secrets.flatMap((name) => namespacesFor(f.after!, name, '<release namespace>')))),
  ]
  const secrets = `Secret${opts.secrets.length > 1 ? 's' : ''} ${opts.secrets.join(', ')}`
  const where = `namespace${namespaces.length > 1 ? 's' : ''} ${namespaces.join(', ')}`
  say(`${c.cyan(symbols.info)} The ${secrets} must exist in ${where}.`)
  // Input read from stdin or a pipe has no file a command could name (patch.ts leaves it out).
  if (run.fix) say(`  fix: ${run.fix}`)
  else if (!(opts.check && changed)) for (const line of run.next) say(`  next: ${line}`)
}

// Core words a replacement as done; when nothing was written (--check, --dry-run, --stdout) it
// is what would happen.
function wouldWording(w: PullSecretWarning, f: PatchFileResult): string {
  if (w.code !== 'replaced' || f.writtenTo) return w.message
  return w.message.replace(/; now (?=[^;]*$)/, '; would now be ')
}

interface Counts {
  patched: number
  added: number
  plugins: number
  images: number
  pluginRegistry: number
  unchanged: number
}

function countChanges(changes: PullSecretChange[]): Counts {
  const n: Counts = { patched: 0, added: 0, plugins: 0, images: 0, pluginRegistry: 0, unchanged: 0 }
  for (const ch of changes) {
    if (ch.action === 'unchanged') n.unchanged++
    else if (ch.kind === 'image') n.images++
    else if (ch.kind === 'plugin-registry') n.pluginRegistry++
    else if (ch.kind === 'plugins') n.plugins++
    else if (ch.action === 'created-section') n.added++
    else n.patched++
  }
  return n
}

/**
 * What a file's patch does (or would do: --check, --dry-run, --stdout), in the one wording the
 * report, --quiet, the Markdown summary, --json and the Action's annotations all use:
 * "14 sections to patch, 9 to add, the plugin route to set, 24 images to move, 0 already up to date".
 */
export function changeSummary(f: PatchFileResult): string {
  const n = countChanges(f.result!.changes)
  const done = !!f.writtenTo
  // Counts of sections, the first of them with its noun; nothing said of what is zero.
  const sections = [
    [n.patched, done ? 'patched' : 'to patch'],
    [n.added, done ? 'added' : 'to add'],
  ] as const
  const parts = sections
    .filter(([count]) => count > 0)
    .map(([count, verb], i) => (i === 0 ? `${count} section${count === 1 ? '' : 's'} ${verb}` : `${count} ${verb}`))
  if (n.plugins) parts.push(`the plugin route ${done ? 'set' : 'to set'}`)
  if (n.images) parts.push(`${n.images} image${n.images === 1 ? '' : 's'} ${done ? 'moved' : 'to move'}`)
  if (n.pluginRegistry) parts.push(`the plugin registry ${done ? 'set' : 'to set'}`)
  if (n.unchanged) parts.push(`${n.unchanged} already up to date`)
  return parts.join(', ')
}

function describeChange(ch: PullSecretChange): string {
  const what = ch.path.join('.')
  // An image or registry value: one string set, changed or already in place.
  if (ch.kind === 'image' || ch.kind === 'plugin-registry') {
    if (ch.action === 'replaced') return `~ ${what}: ${ch.previous} → ${ch.names[0]} line ${ch.line}`
    if (ch.action === 'unchanged') return `= ${what}: ${ch.names[0]} (unchanged) line ${ch.line}`
    return `+ ${what}: ${ch.names[0]} line ${ch.line}`
  }
  switch (ch.action) {
    case 'created-section':
      return `+ ${what} (new section) line ${ch.line}`
    case 'added':
      return `+ ${what}: ${ch.names.join(', ')} line ${ch.line}`
    case 'appended':
      return `+ ${what}: appended ${ch.names.join(', ')} line ${ch.line}`
    case 'set':
      return `+ ${what}: ${ch.names[0]} line ${ch.line}`
    case 'replaced':
      return `~ ${what}: ${ch.previous} → ${ch.names[0]} line ${ch.line}`
    default:
      return `= ${what}: ${ch.names.join(', ')} (unchanged) line ${ch.line}`
  }
}

function colorDiff(diff: string, report: Reporter): string {
  const c = report.c
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---')
        ? c.bold(l)
        : l.startsWith('+')
          ? c.green(l)
          : l.startsWith('-')
            ? c.red(l)
            : l.startsWith('@@')
              ? c.cyan(l)
              : l,
    )
    .join('\n')
}

/**
 * A Markdown report of a patch run, for CI job summaries ($GITHUB_STEP_SUMMARY): one row per
 * file with what is (or would be) patched, the plugin route and the namespaces that need the Secret.
 */
export function patchSummaryMarkdown(run: PatchRunResult, opts: PatchOptions): string {
  const verb = opts.check || opts.dryRun || opts.stdout ? 'would patch' : 'patched'
  const rows = run.files.map((f) => {
    if (!f.result) return `| \`${f.file}\` | ✖ error | ${describeError(f.error).replace(/\|/g, '\\|')} | | |`
    const r = f.result
    const n = countChanges(r.changes)
    const status = !r.changed
      ? '✔ up to date'
      : opts.check
        ? '✖ needs changes'
        : f.writtenTo
          ? `✔ ${verb}`
          : `~ ${verb}`
    const what = r.changed ? changeSummary(f) : `${n.unchanged} targets already in place`
    const plugins = `${r.plugins.mechanism}${r.plugins.path ? ` (\`${r.plugins.path.join('.')}\`)` : ''}`
    return `| \`${f.file}\` | ${status} | ${what} | ${plugins} | ${distinctNamespaces(r.namespaces, '(release namespace)').join(', ')} |`
  })
  return [
    `### cfpull patch: ${[opts.secrets.join(', '), opts.registry && `--registry ${opts.registry}`].filter(Boolean).join(' ')}`,
    '',
    '| file | status | changes | plugins | namespaces needing the Secret |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '',
  ].join('\n')
}

function registryJson(plan: RegistryRewritePlan): unknown {
  const p = plan.plugins
  return {
    host: plan.target.host,
    path: plan.target.path,
    otherRegistry: plan.foreign.map((x) => ({
      service: x.service,
      role: x.role,
      image: x.image,
      registry: x.registry,
      path: x.path.join('.'),
      line: x.line ?? null,
    })),
    notRedirectable: plan.unreachable.map((u) => ({ service: u.service, role: u.role, image: u.image, why: u.why })),
    plugins: {
      redirected: p.redirected,
      type: p.type,
      repositoryVersion: p.route.version ?? null,
      repositoryVersionSource: p.route.source,
      urlKey: p.route.confKey,
      reason: p.route.reason,
      tokenMissing: p.tokenMissing,
    },
  }
}

/** The --json document of a patch run: per file, per target, what happened. */
export function patchJson(run: PatchRunResult): unknown {
  const files = run.files.map((f: PatchFileResult) => {
    if (!f.result) return { file: f.file, status: f.status, exitCode: f.exitCode, error: errorJson(f.error) }
    const r = f.result
    return {
      file: f.file,
      status: f.status,
      exitCode: f.exitCode,
      written: !!f.writtenTo,
      ...(f.writtenTo && { writtenTo: f.writtenTo }),
      ...(f.writtenInPlace && { writtenInPlace: f.writtenInPlace.reason }),
      plugins: {
        mechanism: r.plugins.mechanism,
        reason: r.plugins.reason,
        supervisorVersion: r.plugins.supervisorVersion ?? null,
        registryType: r.plugins.registryType ?? null,
        managedType: r.plugins.managedType ?? null,
        registryUrl: r.plugins.registryUrl ?? null,
        path: r.plugins.path?.join('.') ?? null,
      },
      ...(r.model.chart.source === 'evidence' && {
        chart: { version: r.model.chart.info.version, source: 'evidence', evidence: r.model.chart.evidence },
      }),
      namespaces: { ...r.namespaces, all: distinctNamespaces(r.namespaces) },
      needs: f.after?.needs ?? [],
      ...(f.fix && { fix: f.fix }),
      ...(r.changed && { changeSummary: changeSummary(f) }),
      targets: r.changes.map((ch) => ({
        kind: ch.kind,
        ...(ch.service && { service: ch.service }),
        path: ch.path.join('.'),
        action: ch.action,
        names: ch.names,
        line: ch.line,
        ...(ch.role && { role: ch.role }),
        ...(ch.previous !== undefined && { previous: ch.previous }),
        ...(ch.inherited && { inherited: ch.inherited }),
      })),
      ...(f.registry && { registry: registryJson(f.registry) }),
      warnings: r.warnings.map(({ notice: _n, ...w }) => w),
    }
  })
  const ok = run.files.filter((f) => f.result)
  return {
    command: 'patch',
    exitCode: run.exitCode,
    ok: run.exitCode === ExitCode.Ok,
    chart: { version: run.chart.version, source: run.chartChoice.source, services: run.chart.services },
    files,
    ...(run.fix && { fix: run.fix }),
    next: run.next,
    summary: {
      files: run.files.length,
      changed: ok.filter((f) => f.result!.changed).length,
      unchanged: ok.filter((f) => !f.result!.changed).length,
      errors: run.files.length - ok.length,
    },
  }
}

/**
 * A progress line on a terminal for a file that takes long: shown from the start for a file of
 * 2 MB or more, else once a file has taken a second; redrawn when the result is being checked
 * and cleared when the file is done. Patching runs without a break, so the line changes only
 * between its steps; nothing in CI, a pipe, under --quiet or --json.
 */
export function patchProgress(report: Reporter, env: Record<string, string | undefined>, isTTY: boolean) {
  const live = isTTY && !env.CI && !report.json && report.level !== 'quiet'
  let started = 0
  let shown = false
  return (event: PatchProgress): void => {
    if (!live) return
    const size = `${(event.bytes / 1e6).toFixed(1)} MB`
    if (event.phase === 'start') {
      started = Date.now()
      shown = event.bytes >= 2e6
      if (shown) report.live(`${report.cErr.cyan('…')} ${event.file} (${size}): reading and patching`)
    } else if (event.phase === 'checking') {
      shown ||= Date.now() - started >= 1000
      if (shown) report.live(`${report.cErr.cyan('…')} ${event.file} (${size}): checking the result`)
    } else if (shown) {
      report.live('')
      shown = false
    }
  }
}
