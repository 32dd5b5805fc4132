import { execaRunner, type Runner } from '../../src/adapters/run.js'

export interface RecordedCall {
  file: string
  args: string[]
  input?: string
}

/** The real runner, recording every call so tests can check what reached argv and stdin. */
export function recordingRunner(): { run: Runner; calls: RecordedCall[] } {
  const calls: RecordedCall[] = []
  const run: Runner = async (file, args, opts = {}) => {
    calls.push({ file, args: [...args], ...(opts.input !== undefined && { input: opts.input }) })
    return execaRunner(file, args, opts)
  }
  return { run, calls }
}
