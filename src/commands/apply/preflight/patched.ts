import { addImagePullSecrets } from '../../../core/cloudforet/image-pull-secrets.js'
import { pluginRouteSatisfied } from '../../../core/cloudforet/install-model.js'
import { patchCommand } from '../../../core/fix-command.js'
import { fixContext, narrowing } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// The values carry the secret everywhere patch would put it.
export const checkPatched: PreflightCheck = ({ opts, facts }) => {
  if (facts.text === undefined || !facts.model) return []
  const chart = facts.chart
  const ctx = fixContext(opts, facts)
  const secrets = facts.model.serviceSecrets
  if (secrets.length === 0)
    return [
      {
        message: `${opts.values} names no imagePullSecrets`,
        fix: patchCommand({ ...ctx, secrets: ['<name>'] }),
      },
    ]
  // Exactly what patch would still do with these names: same model, same targets.
  const check = addImagePullSecrets(facts.text, {
    secrets,
    chart,
    chartSource: facts.chartChoice?.source ?? 'flag',
    file: opts.values,
    verify: false,
    ...narrowing(opts),
  })
  // A plugin route doctor accepts (its own secret, or one under another registry type) is not a gap.
  const routeOk = pluginRouteSatisfied(facts.model)
  const missing = check.changes.filter((c) => c.action !== 'unchanged' && !(routeOk && c.kind === 'plugins'))
  if (!missing.length || opts.allowUnpatched) return []
  return [
    {
      message: `${opts.values} is not fully patched: ${missing.length} place${missing.length === 1 ? '' : 's'} lack ${secrets.join(', ')} (${missing
        .slice(0, 4)
        .map((c) => c.path.join('.'))
        .join(', ')}${missing.length > 4 ? ', …' : ''}); pass --allow-unpatched to go on anyway`,
      fix: patchCommand(ctx),
    },
  ]
}
