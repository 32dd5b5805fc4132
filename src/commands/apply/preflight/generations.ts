import { kubectlArgv, kubectlJson } from '../../../adapters/kubectl.js'
import { deploymentGenerations } from '../../../core/apply-plan.js'
import type { PreflightCheck } from './context.js'

// Not a check: the Deployment generations before the upgrade, so `--restart auto` knows which
// rollouts helm started.
export const readGenerations: PreflightCheck = async ({ opts, deps, t, step, facts }) => {
  if (!facts.toolsOk || opts.dryRun || opts.restart !== 'auto' || !facts.rendered) return []
  for (const ns of facts.restartNamespaces) {
    step.commands.push(kubectlArgv(t, ['get', 'deployments', '-n', ns, '-o', 'json']))
    facts.generations.set(
      ns,
      deploymentGenerations(
        await kubectlJson(deps.run, t, ['get', 'deployments', '-n', ns], `list deployments in ${ns}`),
      ),
    )
  }
  return []
}
