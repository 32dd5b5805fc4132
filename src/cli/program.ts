import { Argument, Command, InvalidArgumentError, Option } from 'commander'
import { UsageError } from '../core/errors.js'
import { LATEST_CHART_VERSION } from '../core/cloudforet/charts.js'
import { REGISTRY_TYPES } from '../core/cloudforet/plugins.js'
import type { ApplyDeps, ApplyOptions, ApplyResult, RestartMode } from '../commands/apply.js'
import type { CreateSecretDeps, CreateSecretOptions, CreateSecretResult } from '../commands/create-secret.js'
import type { DoctorOptions, DoctorResult } from '../commands/doctor.js'
import type { DoctorPullDeps, DoctorPullOptions, DoctorPullResult } from '../commands/doctor-pull.js'
import type { PatchDeps, PatchOptions, PatchRunResult } from '../commands/patch.js'
import type { Runner } from '../adapters/run.js'
import type { Reporter } from './output.js'
// Each command's renderer is imported by its action: a run loads only the subcommand it runs.

/** The command functions the program calls; tests pass their own to check the flag mapping. */
export interface Commands {
  patch(opts: PatchOptions, onProgress?: PatchDeps['onProgress']): Promise<PatchRunResult>
  createSecret(opts: CreateSecretOptions, onPlan: CreateSecretDeps['onPlan']): Promise<CreateSecretResult>
  apply(opts: ApplyOptions, onStep: ApplyDeps['onStep'], onNotice?: ApplyDeps['onNotice']): Promise<ApplyResult>
  doctor(opts: DoctorOptions): Promise<DoctorResult>
  doctorPull(opts: DoctorPullOptions, onProgress: DoctorPullDeps['onProgress']): Promise<DoctorPullResult>
}

/** What the commands get from the process: kept as parameters so tests can supply their own. */
export interface Ambient {
  env: Record<string, string | undefined>
  readStdin: () => Promise<string>
  /** All of stdin as bytes (for `patch -`, which checks them as a file's); default: readStdin's text. */
  readStdinBytes?: () => Promise<Uint8Array>
  /** The tool runner; default: execa, loaded on first use. */
  run?: Runner
  /** SIGINT/SIGTERM, for apply's wait on a running helm upgrade; main() passes the process's. */
  signals?: ApplyDeps['signals']
  /** When stdin is a terminal: asks a question and reads a line with echo off (passwords). */
  prompt?: (question: string) => Promise<string>
}

/** The real commands, each loaded only when it runs (patch never loads execa). */
export function makeCommands(ambient: Ambient): Commands {
  return {
    patch: async (opts, onProgress) =>
      (await import('../commands/patch.js')).patch(opts, {
        ...(onProgress && { onProgress }),
        readStdin: ambient.readStdinBytes ?? (async () => Buffer.from(await ambient.readStdin(), 'utf8')),
      }),
    createSecret: async (opts, onPlan) => {
      const [{ createSecret }, { execaRunner }] = await Promise.all([
        import('../commands/create-secret.js'),
        import('../adapters/run.js'),
      ])
      return createSecret(opts, {
        run: ambient.run ?? execaRunner,
        readStdin: ambient.readStdin,
        env: ambient.env,
        ...(ambient.prompt && { prompt: ambient.prompt }),
        ...(onPlan && { onPlan }),
      })
    },
    apply: async (opts, onStep, onNotice) => {
      const [{ apply }, { execaRunner }] = await Promise.all([
        import('../commands/apply.js'),
        import('../adapters/run.js'),
      ])
      return apply(opts, {
        run: ambient.run ?? execaRunner,
        env: ambient.env,
        ...(onStep && { onStep }),
        ...(onNotice && { onNotice }),
        ...(ambient.signals && { signals: ambient.signals }),
      })
    },
    doctor: async (opts) => {
      const [{ doctor }, { execaRunner }] = await Promise.all([
        import('../commands/doctor.js'),
        import('../adapters/run.js'),
      ])
      return doctor(opts, { run: ambient.run ?? execaRunner, env: ambient.env })
    },
    doctorPull: async (opts, onProgress) => {
      const [{ doctorPull }, { execaRunner }] = await Promise.all([
        import('../commands/doctor-pull.js'),
        import('../adapters/run.js'),
      ])
      return doctorPull(opts, {
        run: ambient.run ?? execaRunner,
        env: ambient.env,
        readStdin: ambient.readStdin,
        ...(onProgress && { onProgress }),
      })
    },
  }
}

/** The exit code an action asks for; main() returns it. */
export interface ExitBox {
  code: number
}

// Repeated and comma-separated names, each once, in the order first given; an empty one
// (`a,,b`, a trailing comma) is a mistake to report, not to skip.
function list(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((s) => s.trim())
  if (items.some((s) => s === ''))
    throw new InvalidArgumentError(
      items.every((s) => s === '') ? 'expected one or more comma-separated names' : 'a name in the list is empty',
    )
  return [...new Set([...previous, ...items])]
}

function globalFlags(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout and nothing else')
    .option('-q, --quiet', 'print only errors and warnings')
    .option('-v, --verbose', 'print more detail (and stack traces on errors)')
    .option('--no-color', 'never use colour (NO_COLOR=1 does the same)')
}

/** Builds the commander program; actions set `exit.code` and print through `report`. */
export function buildProgram(
  report: Reporter,
  exit: ExitBox,
  commands: Commands,
  version = '0.0.0',
  ambient: { env: Record<string, string | undefined>; stderrIsTTY: boolean; argv: string[] } = {
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

  const patchCmd = globalFlags(
    program
      .command('patch')
      .description('add imagePullSecrets to every service of the chart, and to the plugins, in values files')
      .argument('<values...>', 'values files to patch (in place, unless -o/--stdout/--dry-run/--check)'),
  )
    .addOption(
      // CFPULL_SECRET: for hooks and pipelines that run cfpull without a place for arguments.
      new Option('-s, --secret <name>', 'registry Secret name; repeat or comma-separate for several')
        .env('CFPULL_SECRET')
        .argParser(list)
        .makeOptionMandatory(),
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
    .addOption(
      new Option(
        '--plugin-registry <type>',
        "REGISTRY_INFO entry for the plugin secret (default: the managed plugins' type, MANAGED_REGISTRY_TYPE or DOCKER_HUB)",
      ).choices([...REGISTRY_TYPES]),
    )
    .option(
      '--managed-registry',
      'also set MANAGED_REGISTRY_TYPE to --plugin-registry, so the managed plugins use it',
      false,
    )
    .option('--replace-plugin-secret', "replace the plugin route's secret when it names another Secret", false)
    .option('--only-present', 'patch only service sections already in the file (do not add missing ones)', false)
    .option('--services <list>', 'patch only these services (comma-separated)', list)
    .option('--exclude <list>', 'leave these services alone (comma-separated)', list)
    .option('-o, --output <file>', 'write the result to this file instead of in place')
    .option('--stdout', 'print the patched file on stdout; write nothing', false)
    .option('--dry-run', 'print a diff of what would change; write nothing', false)
    .option('--check', `exit 5 if any file needs changes (a CI gate); write nothing`, false)
    .option('--summary <file>', 'append a Markdown report to this file (e.g. $GITHUB_STEP_SUMMARY)')
    .addHelpText(
      'after',
      `
Chart version: default ${LATEST_CHART_VERSION} (the newest cfpull knows; \`cfpull charts\` lists them all).

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
        ...(o.managedRegistry === true && { managedRegistry: true }),
        ...(o.replacePluginSecret === true && { replacePluginSecret: true }),
        ...(o.services !== undefined && { services: o.services as string[] }),
        ...(o.exclude !== undefined && { exclude: o.exclude as string[] }),
        ...(o.output !== undefined && { output: o.output as string }),
      }
      // `-`, a FIFO or /dev/stdin is read once, like yq reads it: the result goes to stdout.
      if (files.length === 1 && !opts.output && !opts.dryRun && !opts.check) {
        const { isStreamInput } = await import('../adapters/files.js')
        if (await isStreamInput(files[0]!)) opts.stdout = true
      }
      const { patchProgress, renderPatch } = await import('./render-patch.js')
      const result = await commands.patch(opts, patchProgress(report, ambient.env, ambient.stderrIsTTY))
      exit.code = renderPatch(result, opts, report)
      if (o.summary) {
        const [{ appendText }, { patchSummaryMarkdown }] = await Promise.all([
          import('../adapters/files.js'),
          import('./render-patch.js'),
        ])
        await appendText(o.summary as string, patchSummaryMarkdown(result, opts))
      }
    })
  void patchCmd

  globalFlags(
    program
      .command('create-secret')
      .description(
        'create or update the registry Secret in every namespace that needs it (server-side apply; the password never on argv)',
      ),
  )
    .requiredOption('--name <name>', 'Secret name (the same as patch --secret)')
    .option(
      '--docker-server <server>',
      'registry host or URL (default: the one registry of --from-docker-config, else https://index.docker.io/v1/)',
    )
    .option('--docker-username <user>', 'registry user')
    .option('--docker-email <email>', 'email stored with the credentials (optional)')
    .option(
      '--password-stdin',
      'read the password from stdin (one trailing newline is dropped; on a terminal: a prompt, echo off)',
      false,
    )
    .option(
      '--docker-password <password>',
      'the password on the command line (visible to other users: prefer --password-stdin)',
    )
    .option(
      '--from-docker-config [file]',
      'take the credentials from a docker config.json as docker does: credHelpers, credsStore, auths (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)',
    )
    .option('--replace-all', 'write only this registry, dropping the other registries the Secret holds', false)
    .option('--replace', 'delete and recreate a Secret of another type (running pods are unaffected)', false)
    .option('--verify', 'log in to the registry before writing (the default, except with --dry-run)')
    .option('--no-verify', 'do not log in to the registry first')
    .option('--registry-ca <file>', "CA certificate (PEM) of the registry's TLS certificate, for --verify")
    .option(
      '-n, --namespace <ns>',
      'a namespace to create the Secret in; repeatable',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--values <file>', 'also every namespace this values file puts pods in (core, supervisor, plugins)')
    .option('--chart-version <version>', 'chart version whose default namespaces apply where the values set none')
    .option('--create-namespace', 'create namespaces that do not exist', false)
    .option('--dry-run', 'print the Secret manifests instead of applying them', false)
    .addOption(new Option('-o, --output <format>', 'manifest format for --dry-run').choices(['yaml', 'json']))
    .option('--context <name>', 'kubeconfig context to use')
    .option('--kubeconfig <file>', 'kubeconfig file to use')
    .addHelpText(
      'after',
      `
The password comes from --password-stdin, else --docker-password, else --from-docker-config,
else $CFPULL_REGISTRY_PASSWORD (a source that loses is a warning). It is checked by logging in to
the registry, then goes to kubectl on stdin only; no child process gets it in its environment.
An existing Secret keeps its other registries (--replace-all drops them).

Examples:
  $ echo "$REGISTRY_PASSWORD" | cfpull create-secret --name my-credential --docker-server harbor.example.com --docker-username robot --password-stdin --values values.yaml
  $ cfpull create-secret --name my-credential --from-docker-config ~/.docker/config.json --docker-server harbor.example.com -n cloudforet -n cloudforet-plugin
  $ CFPULL_REGISTRY_PASSWORD=… cfpull create-secret --name my-credential --docker-username robot --values values.yaml --dry-run -o yaml > secrets.yaml`,
    )
    .action(async (o: Record<string, unknown>) => {
      report.configure(o)
      if (o.json && o.output) throw new UsageError('--json prints the report; -o prints manifests: choose one')
      if (o.output !== undefined && !o.dryRun)
        throw new UsageError(`-o ${o.output as string} prints manifests and writes nothing: add --dry-run`)
      const opts: CreateSecretOptions = {
        name: o.name as string,
        passwordStdin: !!o.passwordStdin,
        namespaces: (o.namespace as string[] | undefined) ?? [],
        createNamespace: !!o.createNamespace,
        dryRun: !!o.dryRun,
        replaceAll: !!o.replaceAll,
        replace: !!o.replace,
        ...(o.dockerServer !== undefined && { server: o.dockerServer as string }),
        ...(o.verify !== undefined && { verify: !!o.verify }),
        ...(o.registryCa !== undefined && { registryCa: o.registryCa as string }),
        ...(o.dockerUsername !== undefined && { username: o.dockerUsername as string }),
        ...(o.dockerEmail !== undefined && { email: o.dockerEmail as string }),
        ...(o.dockerPassword !== undefined && { password: o.dockerPassword as string }),
        ...(o.fromDockerConfig !== undefined && { fromDockerConfig: o.fromDockerConfig as string | true }),
        ...(o.values !== undefined && { values: o.values as string }),
        ...(o.chartVersion !== undefined && { chartVersion: o.chartVersion as string }),
        ...(o.output !== undefined && { output: o.output as 'yaml' | 'json' }),
        ...(o.context !== undefined && { context: o.context as string }),
        ...(o.kubeconfig !== undefined && { kubeconfig: o.kubeconfig as string }),
      }
      const { renderCreateSecret } = await import('./render-create-secret.js')
      let planned = 0
      const result = await commands.createSecret(opts, (plan) => {
        planned = plan.notes.length
        renderCreateSecret.plan(plan, opts, report)
      })
      exit.code = renderCreateSecret.result(result, opts, report, planned)
    })

  globalFlags(
    program
      .command('apply')
      .description(
        'prove the upgrade leaves every pod pulling, helm upgrade pinned to the deployed chart, restart only what needs it, recreate stale plugins',
      )
      .argument('[helm-args...]', 'extra arguments for helm upgrade, after --'),
  )
    .requiredOption('-n, --namespace <ns>', 'namespace of the Helm release')
    .option('-f, --values <file>', 'the patched values file', 'values.yaml')
    .option('--release <name>', 'Helm release name', 'cloudforet')
    .option('--chart <chart>', 'chart reference', 'cloudforet/spaceone')
    .option(
      '--version <version>',
      'chart version (default: the deployed one, so an upgrade never moves the chart by accident)',
    )
    .addOption(
      new Option(
        '--restart <mode>',
        'how pods pick up the secret: auto (wait for the rollouts helm starts, then delete only pods stuck pulling), delete (every release pod at once, the documented step), rollout (rollout restart + status), none',
      )
        .choices(['auto', 'delete', 'rollout', 'none'])
        .default('auto'),
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
      '--no-pull-check',
      'skip asking the registries for every image of the upgrade (for runners that cannot reach them)',
    )
    .option('--registry-ca <file>', 'PEM of a private CA the registries use (for the pull check)')
    .option(
      '--only-present',
      'require the secret only in service sections the file has (as patch --only-present)',
      false,
    )
    .option('--services <list>', 'require the secret only in these services (as patch --services)', list)
    .option('--exclude <list>', 'do not require the secret in these services (as patch --exclude)', list)
    .option('--dry-run', 'run the preflight, print the commands that would run, and stop', false)
    .option('--context <name>', 'kubeconfig context (helm: --kube-context)')
    .option('--kubeconfig <file>', 'kubeconfig file')
    .addHelpText(
      'after',
      `
Examples:
  $ cfpull apply -n spaceone -f values.yaml --dry-run
  $ cfpull apply -n spaceone -f values.yaml --recreate-plugins
  $ cfpull apply -n spaceone -f values.yaml --reuse-values     # keep earlier --set values
  $ cfpull apply -n spaceone -f values.yaml --version 1.12.16 -- --atomic`,
    )
    .action(async (helmArgs: string[], o: Record<string, unknown>) => {
      report.configure(o)
      // Extra helm arguments only after `--`: a stray word must not reach helm by accident.
      if (helmArgs.length && !ambient.argv.includes('--'))
        throw new UsageError(`unexpected argument ${helmArgs[0]}: helm arguments go after --`)
      const opts: ApplyOptions = {
        namespace: o.namespace as string,
        values: o.values as string,
        release: o.release as string,
        chart: o.chart as string,
        restart: o.restart as RestartMode,
        recreatePlugins: !!o.recreatePlugins,
        timeout: o.timeout as string,
        dryRun: !!o.dryRun,
        allowUnpatched: !!o.allowUnpatched,
        ...(o.onlyPresent === true && { onlyPresent: true }),
        ...(o.services !== undefined && { services: o.services as string[] }),
        ...(o.exclude !== undefined && { exclude: o.exclude as string[] }),
        reuseValues: !!o.reuseValues,
        resetValues: !!o.resetValues,
        pullCheck: o.pullCheck !== false,
        helmArgs,
        ...(o.registryCa !== undefined && { registryCa: o.registryCa as string }),
        ...(o.version !== undefined && { version: o.version as string }),
        ...(o.context !== undefined && { context: o.context as string }),
        ...(o.kubeconfig !== undefined && { kubeconfig: o.kubeconfig as string }),
      }
      if (opts.reuseValues && opts.resetValues)
        throw new UsageError('--reuse-values and --reset-values exclude each other')
      const [{ parseDuration }, { applyProgress, renderApply }] = await Promise.all([
        import('../commands/apply.js'),
        import('./render-apply.js'),
      ])
      parseDuration(opts.timeout)
      const result = await commands.apply(opts, applyProgress(report, ambient.env, ambient.stderrIsTTY), (m) =>
        // The document on stdout is for the end; a notice the user must see now goes to stderr even then.
        report.json ? report.errorDetail(`warning: ${m}`) : report.warn(m),
      )
      exit.code = renderApply(result, opts, report)
    })

  globalFlags(
    program
      .command('doctor')
      .description('say exactly why an install cannot pull: from the values, and with --cluster from the cluster'),
  )
    .option('-f, --values <file>', 'the values file', 'values.yaml')
    .option('--secret <name>', 'the pull secret to check for (default: every name the values use)')
    .option(
      '--chart-version <version>',
      `chart version whose services and defaults apply (default: with --cluster the deployed one, else ${LATEST_CHART_VERSION})`,
    )
    .option('--chart-values <file>', "derive services and defaults from a chart's default values (helm show values)")
    .option(
      '--only-present',
      'require the secret only in service sections the file has (as patch --only-present)',
      false,
    )
    .option('--services <list>', 'require the secret only in these services (as patch --services)', list)
    .option('--exclude <list>', 'do not require the secret in these services (as patch --exclude)', list)
    .option('--cluster', 'also ask the cluster: secrets per namespace, failing pulls, stale deployments', false)
    .option('-n, --namespace <ns>', 'the Helm release namespace (where pods go when the values set none)', 'spaceone')
    .option('--release <name>', 'Helm release name', 'cloudforet')
    .option('--context <name>', 'kubeconfig context')
    .option('--kubeconfig <file>', 'kubeconfig file')
    .option('--pull', 'ask the registry for every image, with the credential each pod would use', false)
    .option('--chart <chart>', 'with --pull: render this chart (helm template) to check every image, defaults included')
    .option(
      '--platform <os/arch>',
      'with --pull: a platform every multi-arch image must have; repeatable (default linux/amd64, or the nodes with --cluster)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--docker-server <server>', 'with --pull: the registry the credentials are for')
    .option('--docker-username <user>', 'with --pull: registry user')
    .option('--password-stdin', 'with --pull: read the registry password from stdin', false)
    .option(
      '--from-docker-config [file]',
      'with --pull: credentials from a docker config.json (default ~/.docker/config.json)',
    )
    .option('--registry-ca <file>', 'with --pull: PEM of a private CA the registries use')
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing wrong, 6 problems that stop images from pulling, 3 bad input, 4 kubectl failed.

Examples:
  $ cfpull doctor -f values.yaml
  $ cfpull doctor -f values.yaml --cluster -n spaceone
  $ cfpull doctor -f values.yaml --cluster --json | jq '.findings[] | select(.severity=="error")'
  $ cfpull doctor -f values.yaml --pull --docker-server harbor.example.com --docker-username robot --password-stdin
  $ cfpull doctor -f values.yaml --pull --chart cloudforet/spaceone --chart-version 2.0.0-dev35 --from-docker-config
  $ cfpull doctor -f values.yaml --pull --cluster -n spaceone`,
    )
    .action(async (o: Record<string, unknown>) => {
      report.configure(o)
      if (o.pull) {
        const pullOpts: DoctorPullOptions = {
          values: o.values as string,
          cluster: !!o.cluster,
          namespace: o.namespace as string,
          release: o.release as string,
          passwordStdin: !!o.passwordStdin,
          ...(o.chart !== undefined && { chart: o.chart as string }),
          ...(o.chartVersion !== undefined && { chartVersion: o.chartVersion as string }),
          ...(o.secret !== undefined && { secret: o.secret as string }),
          ...(o.platform !== undefined && { platforms: o.platform as string[] }),
          ...(o.dockerServer !== undefined && { server: o.dockerServer as string }),
          ...(o.dockerUsername !== undefined && { username: o.dockerUsername as string }),
          ...(o.fromDockerConfig !== undefined && {
            fromDockerConfig: o.fromDockerConfig === true ? '' : (o.fromDockerConfig as string),
          }),
          ...(o.registryCa !== undefined && { registryCa: o.registryCa as string }),
          ...(o.context !== undefined && { context: o.context as string }),
          ...(o.kubeconfig !== undefined && { kubeconfig: o.kubeconfig as string }),
        }
        const { pullProgress, renderDoctorPull } = await import('./render-doctor-pull.js')
        const onProgress = pullProgress(report, ambient.env, ambient.stderrIsTTY)
        exit.code = renderDoctorPull(await commands.doctorPull(pullOpts, onProgress), pullOpts, report)
        return
      }
      for (const flag of ['chart', 'platform', 'dockerServer', 'dockerUsername', 'fromDockerConfig', 'registryCa'])
        if (o[flag] !== undefined)
          throw new UsageError(`--${flag.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} needs --pull`)
      const opts: DoctorOptions = {
        values: o.values as string,
        cluster: !!o.cluster,
        namespace: o.namespace as string,
        release: o.release as string,
        ...(o.secret !== undefined && { secret: o.secret as string }),
        ...(o.chartVersion !== undefined && { chartVersion: o.chartVersion as string }),
        ...(o.chartValues !== undefined && { chartValues: o.chartValues as string }),
        ...(o.onlyPresent === true && { onlyPresent: true }),
        ...(o.services !== undefined && { services: o.services as string[] }),
        ...(o.exclude !== undefined && { exclude: o.exclude as string[] }),
        ...(o.context !== undefined && { context: o.context as string }),
        ...(o.kubeconfig !== undefined && { kubeconfig: o.kubeconfig as string }),
      }
      if (opts.secret) {
        const { checkSecretNames } = await import('../core/cloudforet/image-pull-secrets.js')
        checkSecretNames([opts.secret])
      }
      const result = await commands.doctor(opts)
      const { renderDoctor } = await import('./render-doctor.js')
      exit.code = renderDoctor(result, opts, report)
    })

  globalFlags(
    program
      .command('charts')
      .description('list the spaceone chart versions cfpull knows (for --chart-version), oldest first'),
  ).action(async (o: Record<string, unknown>) => {
    report.configure(o)
    const { chartCatalog } = await import('../core/cloudforet/charts.js')
    const rows = chartCatalog()
    if (report.json) report.printJson({ command: 'charts', exitCode: 0, ok: true, charts: rows })
    else {
      const width = Math.max(...rows.map((r) => r.version.length))
      for (const r of rows) report.data(`${r.version.padEnd(width)}  ${r.date}  ${r.supervisorImage ?? '-'}\n`)
    }
  })

  program
    .command('completion')
    .description('print a shell completion script for cfpull')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
Examples:
  $ eval "$(cfpull completion bash)"                                   # in ~/.bashrc
  $ cfpull completion zsh > "\${fpath[1]}/_cfpull"
  $ cfpull completion fish > ~/.config/fish/completions/cfpull.fish`,
    )
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { completionScript } = await import('./completion.js')
      report.data(completionScript(shell, program))
    })
  return program
}
