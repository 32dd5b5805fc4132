import { Command, InvalidArgumentError, Option } from 'commander'
import { LATEST_CHART_VERSION } from '../core/charts.js'
import { REGISTRY_TYPES } from '../core/plugins.js'
import type { PatchOptions, PatchRunResult } from '../commands/patch.js'
import type { Reporter } from './output.js'
import { renderPatch } from './render-patch.js'

/** The command functions the program calls; tests pass their own to check the flag mapping. */
export interface Commands {
  patch(opts: PatchOptions): Promise<PatchRunResult>
}

export const defaultCommands: Commands = {
  patch: async (opts) => (await import('../commands/patch.js')).patch(opts),
}

/** The exit code an action asks for; main() returns it. */
export interface ExitBox {
  code: number
}

function list(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean)
  if (items.length === 0) throw new InvalidArgumentError('expected one or more comma-separated names')
  return [...previous, ...items]
}

function globalFlags(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout and nothing else')
    .option('-q, --quiet', 'print only errors and warnings')
    .option('-v, --verbose', 'print more detail (and stack traces on errors)')
    .option('--no-color', 'never use colour (NO_COLOR=1 does the same)')
}

/** Builds the commander program; actions set `exit.code` and print through `report`. */
export function buildProgram(report: Reporter, exit: ExitBox, commands: Commands = defaultCommands, version = '0.0.0'): Command {
  const program = new Command('cfpull')
    .description('Get private container images pulling in a Cloudforet (SpaceONE) Kubernetes install.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureHelp({ sortSubcommands: false })
    // Set before any subcommand is added: commander copies these settings into each subcommand.
    .configureOutput({
      writeOut: (s) => report.data(s),
      writeErr: (s) => report.errorDetail(s.replace(/\n$/, '')),
      outputError: (s, write) => write(report.cErr.red(s)),
    })

  const patchCmd = globalFlags(
    program
      .command('patch')
      .description('add imagePullSecrets to every service of the chart, and to the plugins, in values files')
      .argument('<values...>', 'values files to patch (in place, unless -o/--stdout/--dry-run/--check)'),
  )
    .requiredOption('-s, --secret <name>', 'registry Secret name; repeat or comma-separate for several', list)
    .option('--chart-version <version>', `spaceone chart version whose services to cover`, undefined)
    .option('--chart-values <file>', 'derive services and defaults from a chart\'s default values (helm show values cloudforet/spaceone)')
    .addOption(new Option('--plugins <mode>', 'how plugin pods get the secret: auto picks by supervisor image version').choices(['auto', 'connector', 'registry', 'none']).default('auto'))
    .addOption(new Option('--plugin-registry <type>', 'REGISTRY_INFO entry for registry mode (default: DEFAULT_REGISTRY in the values)').choices([...REGISTRY_TYPES]))
    .option('--only-present', 'patch only service sections already in the file (do not add missing ones)', false)
    .option('--services <list>', 'patch only these services (comma-separated)', list)
    .option('--exclude <list>', 'leave these services alone (comma-separated)', list)
    .option('-o, --output <file>', 'write the result to this file instead of in place')
    .option('--stdout', 'print the patched file on stdout; write nothing', false)
    .option('--dry-run', 'print a diff of what would change; write nothing', false)
    .option('--check', `exit 5 if any file needs changes (a CI gate); write nothing`, false)
    .addHelpText(
      'after',
      `
Chart version: default ${LATEST_CHART_VERSION} (the newest cfpull knows).

Examples:
  $ cfpull patch values.yaml --secret my-credential
  $ cfpull patch values.yaml --secret my-credential --dry-run
  $ cfpull patch envs/*.yaml --secret my-credential --check      # CI: exit 5 if not patched
  $ cfpull patch values.yaml --secret my-credential --chart-version 1.12.16 --only-present`,
    )
    .action(async (files: string[], o: Record<string, unknown>) => {
      report.configure(o)
      const opts: PatchOptions = {
        files,
        secrets: o.secret as string[],
        plugins: o.plugins as PatchOptions['plugins'],
        onlyPresent: !!o.onlyPresent,
        stdout: !!o.stdout,
        dryRun: !!o.dryRun,
        check: !!o.check,
        ...(o.chartVersion !== undefined && { chartVersion: o.chartVersion as string }),
        ...(o.chartValues !== undefined && { chartValues: o.chartValues as string }),
        ...(o.pluginRegistry !== undefined && { pluginRegistry: o.pluginRegistry as string }),
        ...(o.services !== undefined && { services: o.services as string[] }),
        ...(o.exclude !== undefined && { exclude: o.exclude as string[] }),
        ...(o.output !== undefined && { output: o.output as string }),
      }
      const result = await commands.patch(opts)
      exit.code = renderPatch(result, opts, report)
    })
  void patchCmd
  return program
}
