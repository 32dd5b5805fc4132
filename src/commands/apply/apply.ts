import { isStreamInput } from '../../adapters/files.js'
import type { KubeTarget } from '../../adapters/kubectl.js'
import { toolBinary } from '../../adapters/run.js'
import { buildApplyPlan, describePlan, type ApplyPlan, type HelmRevision } from '../../core/apply-plan.js'
import { CfpullError, ExitCode, PreflightError, UsageError } from '../../core/errors.js'
import { planSteps } from './dry-run.js'
import { MAX_TIMER_MS, formatDuration, parseDuration } from './duration.js'
import { Journal } from './journal.js'
import { runPlugins } from './plugins.js'
import {
  PREFLIGHT_CHECKS,
  initialFacts,
  readPassthrough,
  type Facts,
  type PreflightContext,
  type RecordedInput,
} from './preflight/index.js'
import { runRestarts } from './restart.js'
import type { RunContext } from './run-context.js'
import type { ApplyDeps, ApplyOptions, ApplyResult } from './types.js'
import { runUpgrade, upgradeArgv } from './upgrade.js'

export type { ApplyDeps, ApplyOptions, ApplyResult, RestartMode, StepResult } from './types.js'
export type { Facts, PreflightCheck, PreflightContext } from './preflight/index.js'
export { PREFLIGHT_CHECKS } from './preflight/index.js'
export { MAX_TIMER_MS, formatDuration, parseDuration } from './duration.js'

/**
 * `cfpull apply`: a read-only preflight proves the upgrade leaves every pod able to pull and
 * loses nothing the release has; only then `helm upgrade` pinned to the deployed chart version,
 * restarts of only what needs it, and plugins recreated whole.
 */
export async function apply(opts: ApplyOptions, deps: ApplyDeps): Promise<ApplyResult> {
  if (opts.reuseValues && opts.resetValues) throw new UsageError('--reuse-values and --reset-values exclude each other')
  const timeoutMs = parseDuration(opts.timeout)
  // What follows `--` is sorted before anything runs: an argument cfpull cannot account for stops here.
  const passthrough = readPassthrough(opts)
  await refuseStreams([opts.values, ...passthrough.passthrough.files])
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    bin: toolBinary('kubectl', deps.env),
  }
  const helmBin = toolBinary('helm', deps.env)
  const journal = new Journal(deps.onStep)
  const result: ApplyResult = {
    release: opts.release,
    namespace: opts.namespace,
    findings: [],
    notes: [],
    warnings: [],
    steps: journal.steps,
    units: journal.units,
    exitCode: ExitCode.Ok,
  }
  if (timeoutMs > MAX_TIMER_MS) {
    const ownWaits = `its own waits stop after ${formatDuration(MAX_TIMER_MS)}`
    result.warnings.push(
      `--timeout ${opts.timeout} is longer than cfpull can time: ${ownWaits} (helm and kubectl still get --timeout ${opts.timeout})`,
    )
  }

  // 1. Preflight: read-only, and every problem at once.
  let plan: ApplyPlan | undefined
  let inputs: RecordedInput[] = []
  let releaseRead: HelmRevision | undefined
  const preflightOk = await journal.step('preflight', async (s) => {
    const ctx: PreflightContext = { opts, deps, t, helmBin, step: s, result, facts: initialFacts(opts, passthrough) }
    for (const check of PREFLIGHT_CHECKS) result.findings.push(...(await check(ctx)))
    // A missing tool is ToolNotFoundError in every command (README's errors table); the other
    // findings are still in the result and printed with it.
    const missing = result.findings.find((f) => f.toolNotFound)?.toolNotFound
    if (missing) throw missing
    if (result.findings.length) throw new PreflightError(result.findings)
    plan = planOf(ctx.facts)
    inputs = ctx.facts.inputs
    releaseRead = ctx.facts.history?.latest
    s.detail = describePlan(plan, { pinnedByFlag: !!ctx.facts.pinned, valuesFile: opts.values })
  })
  // The gate: nothing below runs unless the preflight found nothing at all.
  if (!preflightOk || !plan || result.findings.length) return finish(result)

  const started = performance.now()
  const ctx: RunContext = {
    opts,
    deps,
    t,
    helmBin,
    plan,
    inputs,
    ...(releaseRead && { releaseRead }),
    journal,
    result,
    timeoutMs,
    left: () => Math.max(1000, timeoutMs - (performance.now() - started)),
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
  }
  const argv = upgradeArgv(ctx)
  if (opts.dryRun) {
    planSteps(ctx, argv)
    return finish(result)
  }
  // 2. helm upgrade, 3. restarts, 4. plugins: each only when the one before it finished.
  if (!(await runUpgrade(ctx, argv))) return finish(result)
  if (!(await runRestarts(ctx))) return finish(result)
  await runPlugins(ctx)
  return finish(result)
}

// helm reads each values file twice (the preflight's helm template, then helm upgrade) and cfpull
// reads it around them; a pipe gives its bytes to the first reader only.
async function refuseStreams(files: string[]): Promise<void> {
  for (const file of files)
    if (await isStreamInput(file))
      throw new UsageError(
        `${file === '-' ? '- (stdin)' : file} is not a file but a stream (a pipe, a device or stdin), which gives its bytes to one reader only: the preflight's helm template and helm upgrade each read the values, so write them to a file and pass that`,
      )
}

function planOf(f: Facts): ApplyPlan {
  return buildApplyPlan({
    chartName: f.chartName,
    ...(f.version !== undefined && { version: f.version }),
    ...(f.history?.deployed && { deployedRevision: f.history.deployed.revision }),
    valuesMode: f.valuesMode,
    secretNames: f.secretNames,
    secretNamespaces: f.secretNamespaces,
    restartNamespaces: f.restartNamespaces,
    pluginNamespace: f.pluginNamespace,
    pluginSecrets: f.pluginSecrets,
    ...(f.pluginRoute && { pluginRoute: f.pluginRoute }),
    workloads: f.rendered?.workloads ?? [],
    imageCount: f.imageCount,
    ...(f.pulls !== undefined && { pulls: f.pulls }),
    generations: f.generations,
    ...(f.localChart && { localChart: f.localChart.path }),
    ...(f.history?.deployed && { deployedChart: f.history.deployed.chart }),
    helmArgs: f.passthrough.upgrade,
  })
}

function finish(result: ApplyResult): ApplyResult {
  const failed = result.steps.find((s) => s.status === 'failed')
  if (result.interrupted) result.exitCode = ExitCode.Interrupted
  else if (failed) result.exitCode = failed.error instanceof CfpullError ? failed.error.exitCode : ExitCode.Failure
  return result
}
