import { type Command, Option } from 'commander'
import { UsageError } from '../../core/errors.js'
import type { ApplyOptions, RestartMode } from '../../commands/apply/apply.js'
import {
  globalFlags,
  kubeTarget,
  releaseNamespace,
  serviceScope,
  serviceScopeFlags,
  type ParsedOptions,
  type ProgramContext,
} from './options.js'

const DESCRIPTION = [
  'prove the upgrade leaves every pod pulling, helm upgrade pinned to the deployed chart,',
  'restart only what needs it, recreate stale plugins',
].join(' ')

// One clause per --restart mode, in the order of the choices.
const RESTART_HELP = [
  'how pods pick up the secret: auto (wait for the rollouts helm starts, then delete only pods stuck pulling),',
  'delete (every release pod at once, the documented step), rollout (rollout restart + status), none',
].join(' ')

const HELP_AFTER = `
Examples:
  $ cfpull apply -n spaceone -f values.yaml --dry-run
  $ cfpull apply -n spaceone -f values.yaml --recreate-plugins
  $ cfpull apply -n spaceone -f values.yaml --reuse-values     # keep earlier --set values
  $ cfpull apply -n spaceone -f values.yaml --version 1.12.16 -- --atomic`

/** `cfpull apply`: its flags, the checks between them, and their mapping to ApplyOptions. */
export function addApplyCommand(program: Command, { report, exit, commands, ambient }: ProgramContext): void {
  const cmd = globalFlags(
    program
      .command('apply')
      .description(DESCRIPTION)
      .argument('[helm-args...]', 'extra arguments for helm upgrade, after --'),
  )
    .option(
      '-n, --namespace <ns>',
      "namespace of the Helm release (default: the kubeconfig context's, when it sets one; else exit 2)",
    )
    .option('-f, --values <file>', 'the patched values file', 'values.yaml')
    .option('--release <name>', 'Helm release name', 'cloudforet')
    .option('--chart <chart>', 'chart reference', 'cloudforet/spaceone')
    .option(
      '--version <version>',
      'chart version (default: the deployed one, so an upgrade never moves the chart by accident)',
    )
    .addOption(
      new Option('--restart <mode>', RESTART_HELP).choices(['auto', 'delete', 'rollout', 'none']).default('auto'),
    )
    .option(
      '--recreate-plugins',
      'delete the Deployment and Service of each plugin that lacks the secret, and wait for the supervisor to recreate them',
      false,
    )
    .option(
      '--reuse-values',
      "keep the release's values, with the file merged over them (helm --reset-then-reuse-values)",
      false,
    )
    .option(
      '--reset-values',
      "take the file alone, even where it drops the release's values (helm --reset-values)",
      false,
    )
    .option('--timeout <duration>', 'bound for helm upgrade, the rollouts and the wait for plugins', '10m')
    .option('--allow-unpatched', 'go on when the values are not fully patched', false)
    .option(
      '--force-gitops-owner',
      'upgrade a release Flux owns anyway (helm-controller will upgrade it again with the HelmRelease values); never under Argo CD',
      false,
    )
    .option(
      '--no-pull-check',
      'skip asking the registries for every image of the upgrade (for runners that cannot reach them)',
    )
    .option('--registry-ca <file>', 'PEM of a private CA the registries use (for the pull check)')
  serviceScopeFlags(cmd)
    .option('--dry-run', 'run the preflight, print the commands that would run, and stop', false)
    .option('--context <name>', 'kubeconfig context (helm: --kube-context)')
    .option('--kubeconfig <file>', 'kubeconfig file')
    .addHelpText('after', HELP_AFTER)
    .action(async (helmArgs: string[], o: ParsedOptions) => {
      report.configure(o)
      // Extra helm arguments only after `--`: a stray word must not reach helm by accident.
      if (helmArgs.length && !ambient.argv.includes('--'))
        throw new UsageError(`unexpected argument ${helmArgs[0]}: helm arguments go after --`)
      // As kubectl: -n, else the kubeconfig context's namespace; never a guess (exit 2 without either).
      const ns = await releaseNamespace(o, commands, { cluster: true })
      if (ns.from !== '-n') report.info(`namespace ${ns.namespace} (from ${ns.from})`)
      const opts = applyOptions(helmArgs, { ...o, namespace: ns.namespace })
      if (opts.reuseValues && opts.resetValues)
        throw new UsageError('--reuse-values and --reset-values exclude each other')
      const [{ parseDuration }, { applyProgress, renderApply }] = await Promise.all([
        import('../../commands/apply/apply.js'),
        import('../render-apply.js'),
      ])
      parseDuration(opts.timeout)
      const result = await commands.apply(opts, applyProgress(report, ambient.env, ambient.stderrIsTTY), (m) =>
        // The document on stdout is for the end; a notice the user must see now goes to stderr even then.
        report.json ? report.errorDetail(`warning: ${m}`) : report.warn(m),
      )
      exit.code = renderApply(result, opts, report, ns.from)
    })
}

function applyOptions(helmArgs: string[], o: ParsedOptions): ApplyOptions {
  return {
    namespace: o.namespace as string,
    values: o.values as string,
    release: o.release as string,
    chart: o.chart as string,
    restart: o.restart as RestartMode,
    recreatePlugins: !!o.recreatePlugins,
    timeout: o.timeout as string,
    dryRun: !!o.dryRun,
    allowUnpatched: !!o.allowUnpatched,
    ...(o.forceGitopsOwner === true && { forceGitopsOwner: true }),
    ...serviceScope(o),
    reuseValues: !!o.reuseValues,
    resetValues: !!o.resetValues,
    pullCheck: o.pullCheck !== false,
    helmArgs,
    ...(o.registryCa !== undefined && { registryCa: o.registryCa as string }),
    ...(o.version !== undefined && { version: o.version as string }),
    ...kubeTarget(o),
  }
}
