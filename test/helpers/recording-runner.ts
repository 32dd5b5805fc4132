import { execaRunner, type Runner } from '../../src/adapters/run.js'

export interface RecordedCall {
  file: string
  args: string[]
  input?: string
}

/**
 * The real runner, recording every call so tests can check what reached argv and stdin;
 * `after` runs once a call has returned (a concurrent writer, say).
 */
export function recordingRunner(after?: (call: RecordedCall) => void): { run: Runner; calls: RecordedCall[] } {
  const calls: RecordedCall[] = []
  const run: Runner = async (file, args, opts = {}) => {
    const call = { file, args: [...args], ...(opts.input !== undefined && { input: opts.input }) }
    calls.push(call)
    const r = await execaRunner(file, args, opts)
    after?.(call)
    return r
  }
  return { run, calls }
}
