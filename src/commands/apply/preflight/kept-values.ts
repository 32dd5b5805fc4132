import { helmGetValues, helmGetValuesArgs, helmUserValues } from '../../../adapters/helm.js'
import { changedReleaseValues, count, mergeValues } from '../../../core/apply-plan.js'
import { ToolFailedError } from '../../../core/errors.js'
import { applyCommandLine } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// The values the upgrade supplies (the file, then the -f files and --set values after `--`) do
// not silently drop values the deployed release was installed with.
export const checkKeptValues: PreflightCheck = async ({ opts, deps, t, helmBin, step, facts }) => {
  if (!facts.toolsOk || facts.text === undefined || !facts.history?.deployed) return []
  const rev = facts.history.deployed.revision
  step.commands.push([helmBin, ...helmGetValuesArgs(t, opts.namespace, opts.release, rev)])
  facts.releaseValues = await helmGetValues(deps.run, helmBin, t, opts.namespace, opts.release, rev)
  // What follows `--` is merged by helm itself (files in order, then the --set kinds), so the
  // merge is exactly the upgrade's; without it the file alone is what helm gets.
  let supplied: unknown = facts.data
  if (facts.passthrough.values.length) {
    let merged
    try {
      merged = await helmUserValues(deps.run, helmBin, ['-f', opts.values, ...facts.passthrough.values])
    } catch (err) {
      if (!(err instanceof ToolFailedError)) throw err
      const lastLine = err.stderr.trim().split('\n').pop() ?? ''
      return [{ message: `helm cannot read the values after --, so helm upgrade could not either: ${lastLine}` }]
    }
    step.commands.push(merged.argv)
    supplied = merged.values
  }
  facts.effective = facts.valuesMode === 'reuse' ? mergeValues(facts.releaseValues, supplied) : supplied
  if (opts.reuseValues || opts.resetValues) return []
  const changes = changedReleaseValues(facts.releaseValues, supplied)
  if (changes.length === 0) return []
  const shown = changes.slice(0, 8).map((c) => `${c.path} (${c.kind})`)
  const more = changes.length > 8 ? ', …' : ''
  const dropped = `${count(changes.length, 'value')} that revision ${rev} of ${opts.release} was installed with`
  const moves = changes.some((c) => c.path.endsWith('namespace')) ? 'move pods to other namespaces and ' : ''
  const choice = 'Keep them with --reuse-values (the file merged over them), or take the file alone with --reset-values'
  return [
    {
      message: `${opts.values}${facts.passthrough.values.length ? ' with the values after --' : ''} drops or changes ${dropped}: ${shown.join(', ')}${more}; helm upgrade with ${facts.passthrough.values.length ? 'these values' : 'the file'} alone would ${moves}lose them. ${choice}`,
      fix: applyCommandLine(opts, { reuseValues: true }),
    },
  ]
}
