import { main } from '../../src/cli/main.js'
import { makeCommands, type Commands } from '../../src/cli/lazy-commands.js'
import type { Runner } from '../../src/adapters/run.js'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI in-process with captured streams, as `cfpull <args>` would run. */
export async function runCli(
  args: string[],
  options: {
    env?: Record<string, string>
    tty?: boolean
    commands?: Commands
    /** What stdin holds; bytes for input that is not UTF-8 text. */
    stdin?: string | Uint8Array
    run?: Runner
  } = {},
): Promise<CliRun> {
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
    options.commands ??
      makeCommands({
        env: options.env ?? {},
        readStdin: async () => Buffer.from(options.stdin ?? '').toString('utf8'),
        readStdinBytes: async () => Buffer.from(options.stdin ?? ''),
        ...(options.run && { run: options.run }),
      }),
  )
  return { code, stdout, stderr }
}
