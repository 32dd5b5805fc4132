// Restarts, in every namespace the release's pods run in: not only -n.
import { kubectlArgv, kubectlJson } from '../../adapters/kubectl.js'
import { INSTANCE_LABEL, count, deploymentGenerations, namedObjects, stuckReleasePods } from '../../core/apply-plan.js'
import { killAfter, seconds } from './duration.js'
import { kube, type RunContext } from './run-context.js'
import type { StepResult } from './types.js'

/** Runs the restart of every namespace of the plan; false when one failed (no later step runs). */
export async function runRestarts(ctx: RunContext): Promise<boolean> {
  const { opts, plan: p, journal } = ctx
  for (const ns of p.restartNamespaces) {
    if (opts.restart === 'none') {
      journal.skipped(`restart ${ns}`, '--restart none')
      continue
    }
    if (!(await journal.step(`restart ${ns}`, (s) => restartNamespace(ctx, ns, s)))) return false
  }
  if (opts.restart === 'delete' || opts.restart === 'rollout')
    ctx.result.notes.push(
      `pods without ${INSTANCE_LABEL} (mongodb in chart 1.12 and 2.x) are not restarted: delete them by hand if they must pull again`,
    )
  return true
}

async function restartNamespace(ctx: RunContext, ns: string, s: StepResult): Promise<void> {
  const { opts, deps, t, plan: p, left } = ctx
  const sel = `${INSTANCE_LABEL}=${opts.release}`
  if (opts.restart === 'delete') {
    const deleted = namedObjects(
      await kube(ctx, s, ['delete', 'pod', '-n', ns, '-l', sel, '-o', 'name'], 'delete pods'),
    )
    if (deleted.length) s.changed = true
    s.detail = `${count(deleted.length, 'pod')} deleted`
  } else if (opts.restart === 'rollout') {
    const restarted = namedObjects(
      await kube(ctx, s, ['rollout', 'restart', 'deployment', '-n', ns, '-l', sel, '-o', 'name'], 'rollout restart'),
    )
    if (restarted.length === 0) {
      s.detail = `no deployment labelled ${sel}: nothing restarted`
      return
    }
    s.changed = true
    await kube(
      ctx,
      s,
      ['rollout', 'status', 'deployment', '-n', ns, '-l', sel, `--timeout=${seconds(left())}`],
      'rollout status',
      killAfter(left()),
    )
    s.detail = `${count(restarted.length, 'deployment')} restarted and ready`
  } else {
    // auto: helm already rolls every Deployment whose pod template changed; wait for those,
    // then only pods still stuck pulling need a push (their template did not change).
    const before = p.generations.get(ns) ?? new Map<string, number>()
    const after = deploymentGenerations(
      await kubectlJson(deps.run, t, ['get', 'deployments', '-n', ns], `${s.name}: list deployments`),
    )
    s.commands.push(kubectlArgv(t, ['get', 'deployments', '-n', ns, '-o', 'json']))
    const mine = p.workloads.filter((w) => w.namespace === ns)
    const rolled = mine
      .filter((w) => w.kind === 'Deployment')
      .filter((w) => (after.get(w.name) ?? 0) > (before.get(w.name) ?? 0))
      .map((w) => w.name)
    for (const name of rolled)
      await kube(
        ctx,
        s,
        ['rollout', 'status', `deployment/${name}`, '-n', ns, `--timeout=${seconds(left())}`],
        `rollout status ${name}`,
        killAfter(left()),
      )
    s.commands.push(kubectlArgv(t, ['get', 'pods', '-n', ns, '-o', 'json']))
    const pods = await kubectlJson(deps.run, t, ['get', 'pods', '-n', ns], `${s.name}: list pods`)
    // A pod is the release's when its owners lead to a workload of the release: pod → ReplicaSet → Deployment.
    s.commands.push(kubectlArgv(t, ['get', 'replicasets', '-n', ns, '-o', 'json']))
    const sets = await kubectlJson(deps.run, t, ['get', 'replicasets', '-n', ns], `${s.name}: list replicasets`)
    const stuck = stuckReleasePods(pods, sets, mine)
    let deleted: string[] = []
    if (stuck.length) {
      deleted = namedObjects(
        await kube(ctx, s, ['delete', 'pod', '-n', ns, ...stuck, '-o', 'name'], 'delete stuck pods'),
      )
      if (deleted.length) s.changed = true
    }
    s.detail = [
      rolled.length
        ? `${count(rolled.length, 'rollout')} by helm finished (${rolled.join(', ')})`
        : 'helm rolled nothing here',
      deleted.length
        ? `${count(deleted.length, 'pod')} stuck pulling deleted (${deleted.map((d) => d.replace(/^pod\//, '')).join(', ')})`
        : 'no pod stuck pulling',
    ].join('; ')
  }
}
