import { type Command, Option } from 'commander'
import { LATEST_CHART_VERSION } from '../../core/cloudforet/charts.js'
import { REGISTRY_TYPES } from '../../core/cloudforet/plugins.js'
import type { PatchOptions } from '../../commands/patch.js'
import { globalFlags, list, type ParsedOptions, type ProgramContext } from './options.js'

const PLUGIN_REGISTRY_HELP =
  "REGISTRY_INFO entry for the plugin secret (default: the managed plugins' type, MANAGED_REGISTRY_TYPE or DOCKER_HUB)"

const HELP_AFTER = `
Chart version: default ${LATEST_CHART_VERSION} (the newest cfpull knows; \`cfpull charts\` lists them all).

Examples:
  $ cfpull patch values.yaml --secret my-credential
  $ cfpull patch values.yaml --secret my-credential --dry-run
  $ cfpull patch envs/*.yaml --secret my-credential --check      # CI: exit 5 if not patched
  $ cfpull patch values.yaml --secret my-credential --chart-version 1.12.16 --only-present
  $ cfpull patch values.yaml --registry harbor.example.com/cloudforet --secret my-credential   # pull from a mirror
  $ cfpull patch clusters/prod/spaceone-helmrelease.yaml --secret my-credential   # Flux: spec.values
  $ cfpull patch argocd/spaceone-application.yaml --secret my-credential          # Argo CD: helm.valuesObject / values: |`

/** `cfpull patch`: its flags, and their mapping to PatchOptions. */
export function addPatchCommand(program: Command, { report, exit, commands, ambient }: ProgramContext): void {
  globalFlags(
    program
      .command('patch')
      .description(
        'add imagePullSecrets to every service of the chart, and to the plugins, in values files or in the Flux HelmRelease / Argo CD Application manifests that hold them; with --registry, pull every image from a mirror',
      )
      .argument(
        '<values...>',
        'values files or HelmRelease/Application manifests to patch (in place, unless -o/--stdout/--dry-run/--check)',
      ),
  )
    .addOption(
      // CFPULL_SECRET: for hooks and pipelines that run cfpull without a place for arguments.
      // Required unless --registry is given (checked by the command, with the same words as commander's).
      new Option('-s, --secret <name>', 'registry Secret name; repeat or comma-separate for several')
        .env('CFPULL_SECRET')
        .argParser(list),
    )
    .option(
      '--registry <host/path>',
      'mirror to pull every image from: image names, sidecars, mongodb, redis and the managed plugins (implies --plugin-registry HARBOR --managed-registry)',
    )
    .option(
      '--replace-registry',
      'with --registry: also move images that are on another registry (neither Docker Hub nor the mirror)',
      false,
    )
    .option('--chart-version <version>', `spaceone chart version whose services to cover`, undefined)
    .option(
      '--chart-values <file>',
      "derive services and defaults from a chart's default values (helm show values cloudforet/spaceone)",
    )
    .addOption(
      new Option('--plugins <mode>', 'how plugin pods get the secret: auto picks by supervisor image version')
        .choices(['auto', 'connector', 'registry', 'none'])
        .default('auto'),
    )
    .addOption(new Option('--plugin-registry <type>', PLUGIN_REGISTRY_HELP).choices([...REGISTRY_TYPES]))
    .option(
      '--managed-registry',
      'also set MANAGED_REGISTRY_TYPE to --plugin-registry, so the managed plugins use it',
      false,
    )
    .option('--replace-plugin-secret', "replace the plugin route's secret when it names another Secret", false)
    .option('--only-present', 'patch only service sections already in the file (do not add missing ones)', false)
    .option('--services <list>', 'patch only these services (comma-separated)', list)
    .option('--exclude <list>', 'leave these services alone (comma-separated)', list)
    .option(
      '-o, --output <file>',
      'write the result to this FILE instead of in place (a file, not a format as in doctor -o: the report is --json)',
    )
    .option('--stdout', 'print the patched file on stdout; write nothing', false)
    .option('--dry-run', 'print a diff of what would change; write nothing', false)
    .option('--check', `exit 5 if any file needs changes (a CI gate); write nothing`, false)
    .option('--summary <file>', 'append a Markdown report to this file (e.g. $GITHUB_STEP_SUMMARY)')
    .addHelpText('after', HELP_AFTER)
    .action(async (files: string[], o: ParsedOptions) => {
      report.configure(o)
      const opts = patchOptions(files, o)
      // `-`, a FIFO or /dev/stdin is read once, like yq reads it: the result goes to stdout.
      if (files.length === 1 && !opts.output && !opts.dryRun && !opts.check) {
        const { isStreamInput } = await import('../../adapters/files.js')
        if (await isStreamInput(files[0]!)) opts.stdout = true
      }
      const { patchProgress, renderPatch } = await import('../render-patch.js')
      const result = await commands.patch(opts, patchProgress(report, ambient.env, ambient.stderrIsTTY))
      exit.code = renderPatch(result, opts, report)
      if (o.summary) {
        const [{ appendText }, { patchSummaryMarkdown }] = await Promise.all([
          import('../../adapters/files.js'),
          import('../render-patch.js'),
        ])
        await appendText(o.summary as string, patchSummaryMarkdown(result, opts))
      }
    })
}

function patchOptions(files: string[], o: ParsedOptions): PatchOptions {
  return {
    files,
    secrets: (o.secret as string[] | undefined) ?? [],
    plugins: o.plugins as PatchOptions['plugins'],
    onlyPresent: !!o.onlyPresent,
    stdout: !!o.stdout,
    dryRun: !!o.dryRun,
    check: !!o.check,
    ...(o.chartVersion !== undefined && { chartVersion: o.chartVersion as string }),
    ...(o.chartValues !== undefined && { chartValues: o.chartValues as string }),
    ...(o.pluginRegistry !== undefined && { pluginRegistry: o.pluginRegistry as string }),
    ...(o.managedRegistry === true && { managedRegistry: true }),
    ...(o.replacePluginSecret === true && { replacePluginSecret: true }),
    ...(o.registry !== undefined && { registry: o.registry as string }),
    ...(o.replaceRegistry === true && { replaceRegistry: true }),
    ...(o.services !== undefined && { services: o.services as string[] }),
    ...(o.exclude !== undefined && { exclude: o.exclude as string[] }),
    ...(o.output !== undefined && { output: o.output as string }),
  }
}
