// Between the preflight and helm upgrade, others can act: a writer edits the values file, a `git
// pull` changes the local chart, another `helm upgrade` or `rollback` moves the release on. Any of
// them makes what the preflight checked stale, so just before helm starts, cfpull looks again.
import { helmHistory, helmHistoryArgs } from '../../adapters/helm.js'
import { changedInputs } from './preflight/index.js'
import type { RunContext } from './run-context.js'
import type { StepResult } from './types.js'

/** The read of the release's latest revision (binary first); --dry-run lists it too. */
export function releaseReadArgv(ctx: Pick<RunContext, 'opts' | 't' | 'helmBin'>): string[] {
  return [ctx.helmBin, ...helmHistoryArgs(ctx.t, ctx.opts.namespace, ctx.opts.release, 1)]
}

/** What moved since the preflight read it, one phrase each; empty when nothing did. */
export async function sincePreflight(ctx: RunContext, s: StepResult): Promise<string[]> {
  const changed = await changedInputs(ctx.inputs)
  const read = ctx.releaseRead
  if (!read) return changed
  const { opts, deps, helmBin, t } = ctx
  s.commands.push(releaseReadArgv(ctx))
  const latest = (await helmHistory(deps.run, helmBin, t, opts.namespace, opts.release, 1))?.at(-1)
  const release = `release ${opts.release}`
  if (!latest) changed.push(`${release} is gone since the preflight read its revision ${read.revision}`)
  else if (latest.revision !== read.revision || latest.status !== read.status)
    changed.push(
      `${release} is at revision ${latest.revision} (${latest.status}, chart ${latest.chart}), where the preflight read revision ${read.revision} (${read.status}): another helm operation ran in between`,
    )
  return changed
}
