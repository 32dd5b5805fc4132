// The record of what apply did, step by step: what each step ran, how it ended, and whether it
// changed the cluster. The report (human and --json) is printed from it alone, so every sentence
// about what changed comes from what was recorded here.
import type { ApplyDeps, StepResult } from './types.js'

export class Journal {
  readonly steps: StepResult[] = []
  /** The units of the steps, as far as they got. */
  readonly units: UnitRecord[] = []

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

/** One write of a unit: what it changes, and the call that does it (idempotent, so it can run again). */
export interface UnitWrite {
  what: string
  /** Runs the write; `timeoutMs` bounds it after an interrupt. True when it changed something. */
  run: (timeoutMs?: number) => Promise<boolean>
  done: boolean
}

/**
 * A cluster change that must not stop half-way (a plugin's Deployment and its Service): its
 * writes, which of them are done, and the one command that completes it.
 */
export interface UnitRecord {
  step: string
  name: string
  writes: Array<{ what: string; done: boolean }>
  status: 'done' | 'half-done' | 'not started'
  /** The command that completes the unit (printed unless it is done). */
  complete: string
}

/** How long the first interrupt gives the current unit to finish its writes. */
export const FINISH_UNIT_MS = 10_000

/**
 * Signals during units: the first asks to stop after the current unit (bounded by
 * FINISH_UNIT_MS), the second to stop at once.
 */
export class Interrupt {
  signal?: string
  firstAt?: number
  stopNow = false
  readonly second: Promise<'second'>
  private resolveSecond!: () => void

  constructor() {
    this.second = new Promise((resolve) => (this.resolveSecond = () => resolve('second')))
  }

  onSignal(signal: string): 'first' | 'again' {
    if (this.signal === undefined) {
      this.signal = signal
      this.firstAt = performance.now()
      return 'first'
    }
    this.stopNow = true
    this.resolveSecond()
    return 'again'
  }

  /** What is left of the time to finish the unit, once interrupted; undefined before. */
  budget(): number | undefined {
    return this.firstAt === undefined ? undefined : FINISH_UNIT_MS - (performance.now() - this.firstAt)
  }
}

export interface UnitOutcome {
  record: UnitRecord
  changed: boolean
  /** The error that stopped a write (not an interrupt). */
  error?: Error
}

/**
 * Runs the writes of one unit in order. After a first interrupt the rest still run (a write the
 * signal cut off runs once more: each is idempotent), within FINISH_UNIT_MS; a second interrupt,
 * or the time running out, leaves it half-done, and the record says so with the command that
 * completes it.
 */
export async function runUnit(
  step: string,
  name: string,
  writes: UnitWrite[],
  complete: string,
  interrupt: Interrupt,
): Promise<UnitOutcome> {
  let changed = false
  // Once a write was sent, the unit may be half-done even if no write is known to be done.
  let started = false
  const record = (): UnitRecord => ({
    step,
    name,
    writes: writes.map((w) => ({ what: w.what, done: w.done })),
    status: writes.every((w) => w.done) ? 'done' : started ? 'half-done' : 'not started',
    complete,
  })
  for (const w of writes) {
    for (let attempt = 0; !w.done; attempt++) {
      const budget = interrupt.budget()
      if (interrupt.stopNow || (budget !== undefined && budget <= 0)) return { record: record(), changed }
      try {
        started = true
        const r = await Promise.race([w.run(budget), interrupt.second])
        if (r === 'second') return { record: record(), changed }
        changed ||= r
        w.done = true
      } catch (err) {
        // The terminal's SIGINT reaches kubectl too, and its exit may be seen before the signal.
        if (interrupt.signal === undefined && /killed by SIG(INT|TERM)/.test(String(err)))
          await new Promise((resolve) => setTimeout(resolve, 250))
        // The write the signal cut off runs once more.
        if (interrupt.signal === undefined || attempt > 0)
          return { record: record(), changed, error: err instanceof Error ? err : new Error(String(err)) }
      }
    }
  }
  return { record: record(), changed }
}
