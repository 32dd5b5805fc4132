// The record of what apply did, step by step: what each step ran, how it ended, and whether it
// changed the cluster. The report (human and --json) is printed from it alone, so every sentence
// about what changed comes from what was recorded here.
import type { ApplyDeps, StepResult } from './types.js'

export class Journal {
  readonly steps: StepResult[] = []

  constructor(private readonly onStep?: ApplyDeps['onStep']) {}

  /** Runs one step: a thrown error fails it. True when it neither failed nor was interrupted. */
  async step(name: string, body: (s: StepResult) => Promise<void>): Promise<boolean> {
    const s: StepResult = { name, status: 'running', commands: [], durationMs: 0 }
    this.steps.push(s)
    this.onStep?.({ phase: 'start', step: s })
    const started = performance.now()
    try {
      await body(s)
      if (s.status === 'running') s.status = 'ok'
    } catch (error) {
      s.status = 'failed'
      s.error = error
    }
    s.durationMs = Math.round(performance.now() - started)
    this.onStep?.({ phase: 'end', step: s })
    return s.status !== 'failed' && s.status !== 'interrupted'
  }

  /** A step --dry-run would run. */
  planned(name: string, commands: string[][], detail?: string): void {
    this.steps.push({ name, status: 'planned', commands, durationMs: 0, ...(detail && { detail }) })
  }

  /** A step that did not run, and why. */
  skipped(name: string, detail: string): void {
    this.steps.push({ name, status: 'skipped', commands: [], durationMs: 0, detail })
  }
}
