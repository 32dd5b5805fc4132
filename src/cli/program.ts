import { Command, type Option } from 'commander'
import { addApplyCommand } from './commands/apply.js'
import { addChartsCommand } from './commands/charts.js'
import { addCompletionCommand } from './commands/completion.js'
import { addCreateSecretCommand } from './commands/create-secret.js'
import { addDoctorCommand } from './commands/doctor.js'
import { addImagesCommand } from './commands/images.js'
import { addMirrorCommand } from './commands/mirror.js'
import type { ExitBox, ProgramContext } from './commands/options.js'
import { addPatchCommand } from './commands/patch.js'
import { addVersionCommand } from './commands/version.js'
import type { Commands } from './lazy-commands.js'
import type { Reporter } from './output.js'
// Each command's module defines its flags; its action imports the command and its renderer, so a
// run loads only the subcommand it runs.

/** Builds the commander program; actions set `exit.code` and print through `report`. */
export function buildProgram(
  report: Reporter,
  exit: ExitBox,
  commands: Commands,
  version = '0.0.0',
  ambient: ProgramContext['ambient'] = {
    env: {},
    stderrIsTTY: false,
    argv: [],
  },
): Command {
  const program = new Command('cfpull')
    .description('Get private container images pulling in a Cloudforet (SpaceONE) Kubernetes install.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // apply has its own --version (the chart's): the program's -V/--version only counts before a command.
    .enablePositionalOptions()
    .configureHelp({ sortSubcommands: false })
    // Set before any subcommand is added: commander copies these settings into each subcommand.
    .configureOutput({
      writeOut: (s) => report.data(s),
      writeErr: (s) => report.errorDetail(s.replace(/\n$/, '')),
      outputError: (s, write) => write(report.cErr.red(s)),
    })

  // In this order in --help and in the completion scripts.
  const context: ProgramContext = { report, exit, commands, ambient }
  for (const add of [
    addPatchCommand,
    addCreateSecretCommand,
    addApplyCommand,
    addDoctorCommand,
    addImagesCommand,
    addMirrorCommand,
    addChartsCommand,
    addCompletionCommand,
  ])
    add(program, context)
  addVersionCommand(program, context, version)
  checkRequiredAfterUnknown(program)
  return program
}

/**
 * commander checks required options before unknown ones, so `--secrte x` would read "required
 * option '--secret' not specified" instead of "unknown option '--secrte' (Did you mean
 * --secret?)". The required options are checked here instead, in a preAction hook: commander
 * runs that after its unknown-option check, and the message stays commander's own.
 */
function checkRequiredAfterUnknown(program: Command): void {
  const required = new Map<Command, Option[]>()
  for (const cmd of program.commands) {
    const options = cmd.options.filter((o) => o.mandatory)
    for (const o of options) o.makeOptionMandatory(false)
    if (options.length) required.set(cmd, options)
  }
  program.hook('preAction', (_program, cmd) => {
    for (const o of required.get(cmd) ?? [])
      if (cmd.getOptionValue(o.attributeName()) === undefined)
        cmd.error(`error: required option '${o.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
        })
  })
}
