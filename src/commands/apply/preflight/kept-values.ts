import { helmGetValues, helmGetValuesArgs } from '../../../adapters/helm.js'
import { changedReleaseValues, count, mergeValues } from '../../../core/apply-plan.js'
import { applyCommandLine } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// The file does not silently drop values the deployed release was installed with.
export const checkKeptValues: PreflightCheck = async ({ opts, deps, t, helmBin, step, facts }) => {
  if (!facts.toolsOk || facts.text === undefined || !facts.history?.deployed) return []
  const rev = facts.history.deployed.revision
  step.commands.push([helmBin, ...helmGetValuesArgs(t, opts.namespace, opts.release, rev)])
  facts.releaseValues = await helmGetValues(deps.run, helmBin, t, opts.namespace, opts.release, rev)
  facts.effective = facts.valuesMode === 'reuse' ? mergeValues(facts.releaseValues, facts.data) : facts.data
  if (opts.reuseValues || opts.resetValues) return []
  const changes = changedReleaseValues(facts.releaseValues, facts.data)
  if (changes.length === 0) return []
  const shown = changes.slice(0, 8).map((c) => `${c.path} (${c.kind})`)
  const more = changes.length > 8 ? ', …' : ''
  const dropped = `${count(changes.length, 'value')} that revision ${rev} of ${opts.release} was installed with`
  const moves = changes.some((c) => c.path.endsWith('namespace')) ? 'move pods to other namespaces and ' : ''
  const choice = 'Keep them with --reuse-values (the file merged over them), or take the file alone with --reset-values'
  return [
    {
      message: `${opts.values} drops or changes ${dropped}: ${shown.join(', ')}${more}; helm upgrade with the file alone would ${moves}lose them. ${choice}`,
      fix: applyCommandLine(opts, { reuseValues: true }),
    },
  ]
}
