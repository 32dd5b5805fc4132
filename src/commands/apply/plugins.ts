// Plugins: the supervisor reuses an installed plugin (it decides that from the Service), so ones
// made before the secret keep pulling without it until both objects are gone.
import { kubectlArgv, kubectlJson } from '../../adapters/kubectl.js'
import { PLUGIN_LABEL, count, namedObjects, pluginDeployments, shellLine } from '../../core/apply-plan.js'
import { MAX_TIMER_MS, formatDuration } from './duration.js'
import { targetFlags } from './fix-lines.js'
import { kube, type RunContext } from './run-context.js'
import type { StepResult } from './types.js'

export async function runPlugins(ctx: RunContext): Promise<void> {
  await ctx.journal.step(`plugins ${ctx.plan.pluginNamespace}`, (s) => recreatePlugins(ctx, s))
}

async function recreatePlugins(ctx: RunContext, s: StepResult): Promise<void> {
  const { opts, deps, t, plan: p, result, left } = ctx
  if (p.pluginSecrets.length === 0) {
    s.status = 'skipped'
    s.detail = 'no plugin pull secret in the values'
    return
  }
  const pns = p.pluginNamespace
  const args = ['get', 'deployment', '-n', pns, '-l', PLUGIN_LABEL]
  s.commands.push(kubectlArgv(t, [...args, '-o', 'json']))
  const list = pluginDeployments(await kubectlJson(deps.run, t, args, `${s.name}: list plugin deployments`))
  const stale = list.filter((d) => !p.pluginSecrets.every((n) => d.pullSecrets.includes(n)))
  const secrets = p.pluginSecrets.join(', ')
  if (stale.length === 0) {
    s.detail = `${count(list.length, 'plugin deployment')}, all with ${secrets}`
    return
  }
  if (!opts.recreatePlugins) {
    s.status = 'warning'
    s.detail = `${stale.length} of ${count(list.length, 'plugin deployment')} lack ${secrets}: ${stale.map((d) => d.name).join(', ')}`
    const created = `plugin deployments ${stale.map((d) => d.name).join(', ')} in ${pns} were created without ${secrets}`
    const recreate =
      "run again with --recreate-plugins to delete each one's Deployment and Service so it recreates them with the secret"
    result.warnings.push(`${created} and the supervisor reuses installed plugins: ${recreate}`)
    return
  }
  const ids = [...new Set(stale.map((d) => d.pluginId ?? d.name))]
  const done = new Set<string>()
  for (const d of stale) {
    const id = d.pluginId ?? d.name
    if (done.has(id)) continue
    done.add(id)
    // Without a plugin_id label, the supervisor's naming (Deployment and Service share the name) is all there is.
    const target = d.pluginId
      ? ['deploy,svc', '-l', `plugin_id=${d.pluginId}`]
      : [`deployment/${d.name}`, `service/${d.name}`]
    const out = await kube(
      ctx,
      s,
      ['delete', '-n', pns, ...target, '--ignore-not-found', '-o', 'name'],
      `delete plugin ${id}`,
    )
    if (namedObjects(out).length) s.changed = true
  }
  // The supervisor recreates a plugin when it next installs it; wait for that, bounded.
  const deadline = performance.now() + Math.min(left(), MAX_TIMER_MS)
  const pending = new Set(ids)
  const recreated: string[] = []
  for (;;) {
    for (const id of [...pending]) {
      const objs = (
        await kubectlJson<{ items?: Array<{ kind?: string }> }>(
          deps.run,
          t,
          ['get', 'deploy,svc', '-n', pns, '-l', `plugin_id=${id}`],
          `${s.name}: look for the recreated ${id}`,
        )
      ).items
      const deploys = pluginDeployments({ items: (objs ?? []).filter((o) => o.kind === 'Deployment') })
      const hasService = (objs ?? []).some((o) => o.kind === 'Service')
      if (hasService && deploys.some((d) => p.pluginSecrets.every((n) => d.pullSecrets.includes(n)))) {
        pending.delete(id)
        recreated.push(id)
      }
    }
    if (pending.size === 0 || performance.now() >= deadline) break
    await ctx.sleep(1000)
  }
  s.commands.push(kubectlArgv(t, ['get', 'deploy,svc', '-n', pns, '-l', 'plugin_id=<id>', '-o', 'json']))
  s.detail = `deleted the Deployment and Service of ${ids.join(', ')}; ${
    recreated.length ? `the supervisor recreated ${recreated.join(', ')} with ${secrets}` : 'none recreated yet'
  }`
  if (pending.size) {
    s.status = 'warning'
    const within = formatDuration(Math.min(ctx.timeoutMs, MAX_TIMER_MS))
    const doctorLine = shellLine([
      'cfpull',
      'doctor',
      '--cluster',
      '-n',
      opts.namespace,
      '-f',
      opts.values,
      ...targetFlags(opts),
    ])
    const notYet = `the supervisor has not recreated ${[...pending].join(', ')} in ${pns} within ${within}`
    result.warnings.push(`${notYet}: it installs a plugin again the next time it is used (check with ${doctorLine})`)
  }
}
