import { main } from '../../src/cli/main.js'
import type { Commands } from '../../src/cli/program.js'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI in-process with captured streams, as `cfpull <args>` would run. */
export async function runCli(args: string[], options: { env?: Record<string, string>; tty?: boolean; commands?: Commands } = {}): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const argv = ['node', 'cfpull', ...args]
  const code = await main(
    argv,
    {
      stdout: { write: (s: string) => (stdout += s), isTTY: options.tty ?? false },
      stderr: { write: (s: string) => (stderr += s), isTTY: options.tty ?? false },
      env: options.env ?? {},
      argv,
    },
    options.commands,
  )
  return { code, stdout, stderr }
}
