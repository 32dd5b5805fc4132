import type { Runner } from '../../adapters/run.js'
import type { ExitCodeValue, Finding } from '../../core/errors.js'
import type { ApplyInvocation } from '../../core/fix-command.js'
import type { UnitRecord } from './journal.js'

// The run's options are the invocation every printed apply line repeats: one shape, kept in core
// so that the fix-line builder's table of flags must name each option.
export type ApplyOptions = ApplyInvocation
export type RestartMode = ApplyInvocation['restart']

export interface ApplyDeps {
  run: Runner
  env: Record<string, string | undefined>
  /** Live progress: a step starts, a step ends (the CLI draws lines or a spinner). */
  onStep?: (event: { phase: 'start' | 'end'; step: StepResult }) => void
  /** Something the user must know now, not at the end (an interrupt while helm runs). */
  onNotice?: (message: string) => void
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe. Without it, signals do what they do by default. */
  signals?: (handler: (signal: string) => void) => () => void
  /** Pause between polls (the wait for the supervisor); tests keep the default. */
  sleep?: (ms: number) => Promise<void>
}

export interface StepResult {
  name: string
  status: 'running' | 'ok' | 'failed' | 'skipped' | 'warning' | 'planned' | 'interrupted'
  /** The argv of the tool call(s) this step ran (or, with --dry-run, would run). */
  commands: string[][]
  durationMs: number
  detail?: string
  error?: unknown
  /** True once the step changed something in the cluster (the report never hides that). */
  changed?: boolean
}

export interface ApplyResult {
  release: string
  namespace: string
  chartVersion?: string
  /** The deployed revision the upgrade starts from. */
  deployedRevision?: number
  findings: Finding[]
  /** Facts worth a line (e.g. "keeping chart spaceone-1.12.16"). */
  notes: string[]
  warnings: string[]
  steps: StepResult[]
  /** The units (a plugin's Deployment and Service) the steps changed, or left half-done. */
  units: UnitRecord[]
  /**
   * Set when a signal arrived after the cluster-changing part began: in which step, whether a
   * second one stopped the waiting, and (for helm upgrade) what helm status said after.
   */
  interrupted?: { signal: string; step: string; helmState?: string; stoppedWaiting: boolean }
  exitCode: ExitCodeValue
}
