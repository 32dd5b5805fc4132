import { type Command, Option } from 'commander'
import { UsageError } from '../../core/errors.js'
import type { CreateSecretOptions } from '../../commands/create-secret/types.js'
import { globalFlags, kubeTarget, repeatable, type ParsedOptions, type ProgramContext } from './options.js'

const DESCRIPTION =
  'create or update the registry Secret in every namespace that needs it (server-side apply; the password never on argv)'

const FROM_DOCKER_CONFIG_HELP = [
  'take the credentials from a docker config.json as docker does: credHelpers, credsStore, auths',
  '(default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)',
].join(' ')

// Each example is one shell line: its parts are joined with a space.
const EXAMPLE_STDIN = [
  'echo "$REGISTRY_PASSWORD" | cfpull create-secret --name my-credential',
  '--docker-server harbor.example.com --docker-username robot --password-stdin --values values.yaml',
].join(' ')
const EXAMPLE_DOCKER_CONFIG = [
  'cfpull create-secret --name my-credential --from-docker-config ~/.docker/config.json',
  '--docker-server harbor.example.com -n cloudforet -n cloudforet-plugin',
].join(' ')
const EXAMPLE_DRY_RUN = [
  'CFPULL_REGISTRY_PASSWORD=… cfpull create-secret --name my-credential --docker-username robot',
  '--values values.yaml --dry-run -o yaml > secrets.yaml',
].join(' ')

const HELP_AFTER = `
The password comes from --password-stdin, else --docker-password, else --from-docker-config,
else $CFPULL_REGISTRY_PASSWORD (a source that loses is a warning). It is checked by logging in to
the registry, then goes to kubectl on stdin only; no child process gets it in its environment.
An existing Secret keeps its other registries (--replace-all drops them).

Examples:
  $ ${EXAMPLE_STDIN}
  $ ${EXAMPLE_DOCKER_CONFIG}
  $ ${EXAMPLE_DRY_RUN}`

/** `cfpull create-secret`: its flags, the checks between them, and their mapping to CreateSecretOptions. */
export function addCreateSecretCommand(program: Command, { report, exit, commands }: ProgramContext): void {
  globalFlags(program.command('create-secret').description(DESCRIPTION))
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
    .option('--from-docker-config [file]', FROM_DOCKER_CONFIG_HELP)
    .option('--replace-all', 'write only this registry, dropping the other registries the Secret holds', false)
    .option('--replace', 'delete and recreate a Secret of another type (running pods are unaffected)', false)
    .option('--verify', 'log in to the registry before writing (the default, except with --dry-run)')
    .option('--no-verify', 'do not log in to the registry first')
    .option('--registry-ca <file>', "CA certificate (PEM) of the registry's TLS certificate, for --verify")
    .option('-n, --namespace <ns>', 'a namespace to create the Secret in; repeatable', repeatable)
    .option('-f, --values <file>', 'also every namespace this values file puts pods in (core, supervisor, plugins)')
    .option('--chart-version <version>', 'chart version whose default namespaces apply where the values set none')
    .option('--create-namespace', 'create namespaces that do not exist', false)
    .option('--dry-run', 'print the Secret manifests instead of applying them', false)
    .addOption(new Option('-o, --output <format>', 'manifest format for --dry-run').choices(['yaml', 'json']))
    .option('--context <name>', 'kubeconfig context to use')
    .option('--kubeconfig <file>', 'kubeconfig file to use')
    .addHelpText('after', HELP_AFTER)
    .action(async (o: ParsedOptions) => {
      report.configure(o)
      if (o.json && o.output) throw new UsageError('--json prints the report; -o prints manifests: choose one')
      if (o.output !== undefined && !o.dryRun)
        throw new UsageError(`-o ${o.output as string} prints manifests and writes nothing: add --dry-run`)
      const opts = createSecretOptions(o)
      const { renderCreateSecret } = await import('../render-create-secret.js')
      let planned = 0
      const result = await commands.createSecret(opts, (plan) => {
        planned = plan.notes.length
        renderCreateSecret.plan(plan, opts, report)
      })
      exit.code = renderCreateSecret.result(result, opts, report, planned)
    })
}

function createSecretOptions(o: ParsedOptions): CreateSecretOptions {
  return {
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
    ...kubeTarget(o),
  }
}
