import { createRequire } from 'node:module'
import { type Command, CommanderError } from 'commander'
import { exitCodeOf, errorJson, printError } from './errors.js'
import { documentFormatOf, yamlPrinter } from './output-format.js'
import { Reporter, loadColors, type OutputStreams } from './output.js'
import { makeCommands, type Commands } from './lazy-commands.js'
import { buildProgram } from './program.js'
import { terminalPrompt } from './prompt.js'

// Inlined by the CLI bundle (scripts/build.mjs); tsc output and tests read package.json instead.
declare const __CFPULL_VERSION__: string | undefined

function packageVersion(): string {
  if (typeof __CFPULL_VERSION__ === 'string') return __CFPULL_VERSION__
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version
}

/**
 * The process boundary: argv in, exit code out. The only place that turns errors into exit
 * codes; bin/cfpull.js sets process.exitCode from it (no process.exit, so piped output is not cut).
 */
export async function main(
  argv: string[] = process.argv,
  io: OutputStreams = { stdout: process.stdout, stderr: process.stderr, env: process.env, argv: process.argv },
  commands: Commands = makeCommands({
    env: io.env,
    readStdin: readProcessStdin,
    readStdinBytes: readProcessStdinBytes,
    signals: processSignals,
    ...(process.stdin.isTTY && { prompt: terminalPrompt() }),
  }),
): Promise<number> {
  if (io.stdout === process.stdout) ignoreClosedPipe()
  const report = new Reporter({ ...io, argv }, await loadColors({ ...io, argv }))
  const exit = { code: 0 }
  const program = buildProgram(report, exit, commands, packageVersion(), {
    env: io.env,
    stderrIsTTY: !!io.stderr.isTTY,
    argv,
  })
  try {
    await program.parseAsync(argv)
    return exit.code
  } catch (err) {
    const helpOrVersion = err instanceof CommanderError && err.exitCode === 0
    // Under --json the error is data too, in the envelope every command's document has (a
    // usage error commander found before any action ran included); stderr still gets the one
    // line a CI log shows.
    const preParse = documentFormatOf(argv, program)
    if (!helpOrVersion && !report.json && preParse === 'yaml') {
      report.configure({ json: true })
      report.useDocumentPrinter(await yamlPrinter())
    }
    if (!helpOrVersion && (report.json || preParse))
      report.printJson({
        command: commandOf(argv, program),
        exitCode: exitCodeOf(err),
        ok: false,
        error: errorJson(err),
      })
    if (err instanceof CommanderError) return exitCodeOf(err)
    printError(err, report)
    return exitCodeOf(err)
  }
}

// The program takes no option with a value, so the first word that is not an option is the command.
function commandOf(argv: string[], program: Command): string | null {
  const word = argv.slice(2).find((a) => !a.startsWith('-'))
  return word !== undefined && program.commands.some((c) => c.name() === word) ? word : null
}

// `cfpull patch … --dry-run | head` closes stdout early: that is the reader's choice, not an
// error, so stop quietly the way Unix tools do instead of crashing on EPIPE.
function ignoreClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    process.exitCode ??= 0
    process.stdout.destroy()
  })
}

// While a handler is subscribed, SIGINT/SIGTERM no longer end the process: apply decides.
function processSignals(handler: (signal: string) => void): () => void {
  const on = (signal: NodeJS.Signals) => handler(signal)
  process.on('SIGINT', on)
  process.on('SIGTERM', on)
  return () => {
    process.off('SIGINT', on)
    process.off('SIGTERM', on)
  }
}

async function readProcessStdin(): Promise<string> {
  return (await readProcessStdinBytes()).toString('utf8')
}

async function readProcessStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
