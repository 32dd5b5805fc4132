// helm upgrade, pinned. helm runs in its own process group and is never killed by cfpull: a helm
// stopped half-way leaves a failed or pending revision, which is the outage.
import { helmRepoHint, helmStatus, helmUpgradeArgs, helmUpgradeLogFiles } from '../../adapters/helm.js'
import type { RunResult } from '../../adapters/run.js'
import { describeChart } from '../../core/apply-plan.js'
import { ConflictError, ToolFailedError } from '../../core/errors.js'
import { helmRollbackLine } from './fix-lines.js'
import type { RunContext } from './run-context.js'
import { sincePreflight } from './unchanged.js'

/** The argv of the upgrade the plan describes (binary first). */
export function upgradeArgv(ctx: Pick<RunContext, 'opts' | 'plan' | 't' | 'helmBin'>): string[] {
  const { opts, plan: p } = ctx
  return [
    ctx.helmBin,
    ...helmUpgradeArgs(
      {
        release: opts.release,
        chart: opts.chart,
        namespace: opts.namespace,
        valuesFile: opts.values,
        // A local chart is installed as it is (helm ignores --version there): no pin to pretend.
        ...(p.localChart === undefined && { version: p.version }),
        values: p.valuesMode,
        timeout: opts.timeout,
        extra: p.helmArgs ?? [],
      },
      ctx.t,
    ),
  ]
}

/** Runs the upgrade as a journal step; false when it failed or a signal arrived. */
export async function runUpgrade(ctx: RunContext, argv: string[]): Promise<boolean> {
  const { opts, deps, plan: p, result } = ctx
  const upgraded = await ctx.journal.step('helm upgrade', async (s) => {
    // The last look before helm's own: what it installs must be what the preflight checked.
    const moved = await sincePreflight(ctx, s)
    if (moved.length) throw new ConflictError(stale(moved))
    s.commands.push(argv)
    const [file, ...args] = argv
    const logs = await helmUpgradeLogFiles()
    let detach: (() => void) | undefined
    let stopWaiting: (() => void) | undefined
    const stop = new Promise<'stopped'>((resolve) => (stopWaiting = () => resolve('stopped')))
    let signals = 0
    const unsubscribe = deps.signals?.((signal) => {
      signals++
      if (signals === 1) {
        result.interrupted = { signal, step: 'helm upgrade', stoppedWaiting: false }
        const running = 'helm upgrade is still running and will finish or fail on its own'
        const why = 'stopping it half-way would leave the release failed'
        deps.onNotice?.(
          `${signal}: ${running} (${why}); waiting for it, then cfpull stops. ${signal} again stops the waiting, not helm.`,
        )
      } else stopWaiting?.()
    })
    try {
      const running = deps.run(file!, args, {
        keepRunning: { stdoutFile: logs.stdoutFile, stderrFile: logs.stderrFile, onStart: (d) => (detach = d) },
      })
      // Once helm is done its output has been read; while it may still run, its files stay.
      void running.then(logs.remove, logs.remove).catch(() => undefined)
      // From here on the release may change, however helm ends.
      s.changed = true
      let r: RunResult | 'stopped'
      try {
        r = await Promise.race([running, stop])
      } catch (err) {
        throw err instanceof ToolFailedError ? err.inStep('helm upgrade') : err
      }
      if (r === 'stopped') {
        detach?.()
        running.catch(() => undefined)
        result.interrupted!.stoppedWaiting = true
        s.status = 'interrupted'
        s.detail = `cfpull stopped waiting; helm upgrade goes on by itself (its output: ${logs.stdoutFile}, ${logs.stderrFile})`
        return
      }
      if (r.exitCode !== 0)
        throw new ToolFailedError('helm', r.exitCode, r.stderr, 'helm upgrade', helmHint(ctx, r.stderr))
      s.detail = `${opts.release} upgraded with ${describeChart(p)}`
      if (result.interrupted) s.status = 'interrupted'
    } finally {
      unsubscribe?.()
    }
  })
  if (result.interrupted) {
    const st = await helmStatus(deps.run, ctx.helmBin, ctx.t, opts.namespace, opts.release).catch(() => null)
    result.interrupted.helmState = st ? `revision ${st.revision}, ${st.status}` : 'unknown (helm status failed)'
    return false
  }
  return upgraded
}

function stale(moved: string[]): string {
  const list = moved.length === 1 ? moved[0]! : `${moved.slice(0, -1).join('; ')}; and ${moved.at(-1)!}`
  return `${list}: what the preflight checked no longer holds, so helm upgrade did not run. Run cfpull apply again to check what is there now`
}

function helmHint(ctx: RunContext, stderr: string): string | undefined {
  if (/another operation \(install\/upgrade\/rollback\) is in progress/.test(stderr))
    return `a pending revision blocks the release: roll back to the deployed revision with ${helmRollbackLine(ctx.opts, ctx.plan.deployedRevision)}`
  // The chart reference names a repository helm does not have (`Error: repo cloudforet not found`).
  return helmRepoHint(stderr)
}
