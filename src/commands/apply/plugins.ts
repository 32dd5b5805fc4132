// Plugins: the supervisor reuses an installed plugin (it decides that from the Service), so ones
// made before the secret keep pulling without it until both objects are gone. Each plugin
// version is its own Deployment and Service; only a stale pair is deleted, by name, as one unit.
import { kubectlArgv, kubectlJson } from '../../adapters/kubectl.js'
import {
  PLUGIN_LABEL,
  count,
  expectedPluginImage,
  namedObjects,
  pluginLabel,
  pluginObjects,
  pluginPairs,
  staleReasons,
  type PluginObject,
  type PluginPair,
} from '../../core/apply-plan.js'
import { kubectlCommand } from '../../core/fix-command.js'
import { MAX_TIMER_MS, formatDuration } from './duration.js'
import { doctorClusterLine } from './fix-lines.js'
import { FINISH_UNIT_MS, Interrupt, runUnit, type UnitWrite } from './journal.js'
import { kube, type RunContext } from './run-context.js'
import type { StepResult } from './types.js'

export async function runPlugins(ctx: RunContext): Promise<void> {
  await ctx.journal.step(`plugins ${ctx.plan.pluginNamespace}`, (s) => recreatePlugins(ctx, s))
}

/** The argv that lists a namespace's plugins (Deployments and Services, by the supervisor's label). */
export function pluginListArgs(namespace: string): string[] {
  return ['get', 'deployment,service', '-n', namespace, '-l', PLUGIN_LABEL]
}

async function listPlugins(ctx: RunContext, s: StepResult, what: string) {
  const args = pluginListArgs(ctx.plan.pluginNamespace)
  s.commands.push(kubectlArgv(ctx.t, [...args, '-o', 'json']))
  return pluginPairs(pluginObjects(await kubectlJson(ctx.deps.run, ctx.t, args, `${s.name}: ${what}`)))
}

async function recreatePlugins(ctx: RunContext, s: StepResult): Promise<void> {
  const { opts, plan: p, result } = ctx
  if (p.pluginSecrets.length === 0) {
    s.status = 'skipped'
    s.detail = 'no plugin pull secret in the values'
    return
  }
  const pns = p.pluginNamespace
  const { pairs, orphans } = await listPlugins(ctx, s, 'list plugins')
  const reasons = (pair: PluginPair) =>
    staleReasons(pair, p.pluginSecrets, expectedPluginImage(p.pluginRoute, pair.deployment))
  const stale = pairs.filter((pair) => reasons(pair).length)
  const secrets = p.pluginSecrets.join(', ')
  if (!opts.recreatePlugins) for (const o of orphans) result.warnings.push(orphanWarning(ctx, o))
  if (stale.length === 0 && (orphans.length === 0 || !opts.recreatePlugins)) {
    if (orphans.length) s.status = 'warning'
    s.detail = `${count(pairs.length, 'plugin deployment')}, all with ${secrets}${
      orphans.length ? `; ${count(orphans.length, 'plugin Service')} without a Deployment` : ''
    }`
    return
  }
  if (!opts.recreatePlugins) {
    const names = stale.map((x) => x.deployment.name).join(', ')
    s.status = 'warning'
    const recreate =
      "run again with --recreate-plugins to delete each one's Deployment and Service so it recreates them with the secret"
    if (stale.every((x) => reasons(x).every((r) => r.startsWith('lacks ')))) {
      s.detail = `${stale.length} of ${count(pairs.length, 'plugin deployment')} lack ${secrets}: ${names}`
      const created = `plugin deployments ${names} in ${pns} were created without ${secrets}`
      result.warnings.push(`${created} and the supervisor reuses installed plugins: ${recreate}`)
    } else {
      const each = stale.map((x) => `${x.deployment.name} (${reasons(x).join('; ')})`).join(', ')
      s.detail = `${stale.length} of ${count(pairs.length, 'plugin deployment')} are not what the values now make: ${each}`
      result.warnings.push(
        `plugin deployments in ${pns} are not what the values now make (${each}) and the supervisor reuses installed plugins: ${recreate}`,
      )
    }
    return
  }

  // Each stale pair (and each orphaned Service) is one unit; an interrupt finishes the current one.
  const interrupt = new Interrupt()
  const unsubscribe = ctx.deps.signals?.((signal) => {
    if (interrupt.onSignal(signal) === 'first') {
      result.interrupted = { signal, step: s.name, stoppedWaiting: false }
      const finishing = `finishing the plugin being deleted (its Deployment and Service, at most ${formatDuration(FINISH_UNIT_MS)})`
      ctx.deps.onNotice?.(`${signal}: ${finishing}, then cfpull stops. ${signal} again stops at once.`)
    } else if (result.interrupted) result.interrupted.stoppedWaiting = true
  })
  const targets: Array<{ label: string; objects: PluginObject[] }> = [
    ...stale.map((pair) => ({ label: pluginLabel(pair.deployment), objects: objectsOf(pair) })),
    ...orphans.map((o) => ({ label: pluginLabel(o), objects: [o] })),
  ]
  const deleted: string[] = []
  try {
    for (const target of targets) {
      const complete = completeCommand(ctx, target.objects)
      if (interrupt.signal !== undefined) {
        ctx.journal.units.push({
          step: s.name,
          name: target.label,
          writes: target.objects.map((o) => ({ what: `${o.kind} ${o.name}`, done: false })),
          status: 'not started',
          complete,
        })
        continue
      }
      const writes: UnitWrite[] = target.objects.map((o) => ({
        what: `${o.kind} ${o.name}`,
        done: false,
        run: async (timeoutMs) => {
          const args = ['delete', o.kind.toLowerCase(), o.name, '-n', pns, '--ignore-not-found', '-o', 'name']
          return namedObjects(await kube(ctx, s, args, `delete ${o.kind} ${o.name}`, timeoutMs)).length > 0
        },
      }))
      const outcome = await runUnit(s.name, target.label, writes, complete, interrupt)
      ctx.journal.units.push(outcome.record)
      if (outcome.changed) s.changed = true
      // After an interrupt, a write that ran out of the time to finish leaves its unit half-done (the
      // record says so, with the command that completes it) and the rest not started: the report
      // of the interrupt, not an error that would hide both.
      if (outcome.error !== undefined && interrupt.signal === undefined) throw outcome.error
      if (outcome.record.status === 'done') deleted.push(target.label)
    }
  } finally {
    unsubscribe?.()
  }
  const what = `deleted the Deployment and Service of ${deleted.join(', ') || 'none'}`
  if (interrupt.signal !== undefined) {
    s.status = 'interrupted'
    s.detail = `${what}; stopped by ${interrupt.signal}`
    return
  }
  await waitForSupervisor(ctx, s, stale, what)
}

// The supervisor recreates a plugin when it next installs it; wait for that, bounded.
async function waitForSupervisor(ctx: RunContext, s: StepResult, stale: PluginPair[], what: string): Promise<void> {
  const { opts, plan: p, result } = ctx
  const deadline = performance.now() + Math.min(ctx.left(), MAX_TIMER_MS)
  const key = (o: PluginObject) => `${o.labels.plugin_id ?? o.name}\0${o.labels.version ?? ''}`
  const pending = new Map(stale.map((pair) => [key(pair.deployment), pluginLabel(pair.deployment)]))
  const recreated: string[] = []
  for (;;) {
    const { pairs } = await listPlugins(ctx, s, 'look for the recreated plugins')
    for (const pair of pairs) {
      const k = key(pair.deployment)
      const expected = expectedPluginImage(p.pluginRoute, pair.deployment)
      if (pending.has(k) && pair.service && staleReasons(pair, p.pluginSecrets, expected).length === 0) {
        recreated.push(pending.get(k)!)
        pending.delete(k)
      }
    }
    if (pending.size === 0 || performance.now() >= deadline) break
    await ctx.sleep(1000)
  }
  const secrets = p.pluginSecrets.join(', ')
  s.detail = `${what}; ${recreated.length ? `the supervisor recreated ${recreated.join(', ')} with ${secrets}` : 'none recreated yet'}`
  if (pending.size) {
    s.status = 'warning'
    const within = formatDuration(Math.min(ctx.timeoutMs, MAX_TIMER_MS))
    const doctorLine = doctorClusterLine(opts)
    const notYet = `the supervisor has not recreated ${[...pending.values()].join(', ')} in ${p.pluginNamespace} within ${within}`
    result.warnings.push(`${notYet}: it installs a plugin again the next time it is used (check with ${doctorLine})`)
  }
}

// The Deployment first: were the Service deleted first, the supervisor could install the plugin
// again next to the old Deployment, which would then pull without the secret forever.
function objectsOf(pair: PluginPair): PluginObject[] {
  return [pair.deployment, ...(pair.service ? [pair.service] : [])]
}

function completeCommand(ctx: RunContext, objects: PluginObject[]): string {
  return kubectlCommand(ctx.opts, [
    'delete',
    '-n',
    ctx.plan.pluginNamespace,
    ...objects.map((o) => `${o.kind.toLowerCase()}/${o.name}`),
    '--ignore-not-found',
  ])
}

function orphanWarning(ctx: RunContext, o: PluginObject): string {
  const counted = `the supervisor counts ${pluginLabel(o)} as installed and never makes it again`
  const fix = kubectlCommand(ctx.opts, ['delete', 'service', o.name, '-n', o.namespace])
  return `plugin Service ${o.name} in ${o.namespace} has no Deployment: ${counted}; delete the Service (${fix}) or run again with --recreate-plugins`
}
