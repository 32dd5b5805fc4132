import { kubectl, kubectlArgv, type KubeTarget } from '../../adapters/kubectl.js'
import type { ApplyPlan, HelmRevision } from '../../core/apply-plan.js'
import type { Journal } from './journal.js'
import type { RecordedInput } from './preflight/index.js'
import type { ApplyDeps, ApplyOptions, ApplyResult, StepResult } from './types.js'

/** What the cluster-changing steps share: the options, the plan the preflight proved, the journal. */
export interface RunContext {
  opts: ApplyOptions
  deps: ApplyDeps
  t: KubeTarget
  helmBin: string
  plan: ApplyPlan
  /** The files and local chart helm upgrade reads, as the preflight read them. */
  inputs: RecordedInput[]
  /** The release's latest revision as the preflight read it. */
  releaseRead?: HelmRevision
  journal: Journal
  result: ApplyResult
  timeoutMs: number
  /** What is left of --timeout since helm upgrade started (at least 1 s). */
  left: () => number
  sleep: (ms: number) => Promise<void>
}

/** A kubectl call recorded on the step, so --json and the summary show what ran. */
export function kube(ctx: RunContext, s: StepResult, args: string[], what: string, timeout?: number): Promise<string> {
  s.commands.push(kubectlArgv(ctx.t, args))
  return kubectl(ctx.deps.run, ctx.t, args, `${s.name}: ${what}`, undefined, timeout)
}
