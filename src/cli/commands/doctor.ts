import type { Command } from 'commander'
import { LATEST_CHART_VERSION } from '../../core/cloudforet/charts.js'
import { UsageError } from '../../core/errors.js'
import { configureOutput, outputFormatOption } from '../output-format.js'
import type { DoctorOptions } from '../../commands/doctor/doctor.js'
import type { DoctorPullOptions } from '../../commands/doctor-pull.js'
import {
  globalFlags,
  kubeTarget,
  releaseNamespace,
  repeatable,
  serviceScope,
  serviceScopeFlags,
  type NamespaceFrom,
  type ParsedOptions,
  type ProgramContext,
} from './options.js'

const CHART_VERSION_HELP = `chart version whose services and defaults apply (default: with --cluster the deployed one, else ${LATEST_CHART_VERSION})`
const VALUES_HELP =
  "the values file (default: values.yaml; with --cluster and no -f, the release's own values, read with helm get values --all)"
const NAMESPACE_HELP =
  "the Helm release namespace, where pods go when the values set none (default: with --cluster the kubeconfig context's, when it sets one; else spaceone)"
const PLATFORM_HELP =
  'with --pull: a platform every multi-arch image must have; repeatable (default linux/amd64, or the nodes with --cluster)'

// Each example is one shell line: its parts are joined with a space.
const EXAMPLE_PULL = [
  'cfpull doctor -f values.yaml --pull',
  '--docker-server harbor.example.com --docker-username robot --password-stdin',
].join(' ')
const EXAMPLE_PULL_CHART = [
  'cfpull doctor -f values.yaml --pull',
  '--chart cloudforet/spaceone --chart-version 2.0.0-dev35 --from-docker-config',
].join(' ')

const HELP_AFTER = `
Exit codes: 0 nothing wrong, 6 problems that stop images from pulling, 3 bad input, 4 kubectl failed.

Examples:
  $ cfpull doctor -f values.yaml
  $ cfpull doctor -f values.yaml --cluster -n spaceone
  $ cfpull doctor -f values.yaml --cluster --json | jq '.findings[] | select(.severity=="error")'
  $ cfpull doctor -f values.yaml -o yaml
  $ ${EXAMPLE_PULL}
  $ ${EXAMPLE_PULL_CHART}
  $ cfpull doctor -f values.yaml --pull --cluster -n spaceone`

// The flags that only mean something to the registry check.
const PULL_ONLY_FLAGS = ['chart', 'platform', 'dockerServer', 'dockerUsername', 'fromDockerConfig', 'registryCa']

/** `cfpull doctor` (and `doctor --pull`): its flags, and their mapping to DoctorOptions or DoctorPullOptions. */
export function addDoctorCommand(program: Command, { report, exit, commands, ambient }: ProgramContext): void {
  const cmd = globalFlags(
    program
      .command('doctor')
      .description('say exactly why an install cannot pull: from the values, and with --cluster from the cluster'),
  )
    .option('-f, --values <file>', VALUES_HELP)
    .option('-s, --secret <name>', 'the pull secret to check for (default: every name the values use)')
    .option('--chart-version <version>', CHART_VERSION_HELP)
    .option('--chart-values <file>', "derive services and defaults from a chart's default values (helm show values)")
  serviceScopeFlags(cmd)
    .option('--cluster', 'also ask the cluster: secrets per namespace, failing pulls, stale deployments', false)
    .option('-n, --namespace <ns>', NAMESPACE_HELP)
    .option('--release <name>', 'Helm release name', 'cloudforet')
    .option('--context <name>', 'kubeconfig context')
    .option('--kubeconfig <file>', 'kubeconfig file')
    .option('--pull', 'ask the registry for every image, with the credential each pod would use', false)
    .option('--chart <chart>', 'with --pull: render this chart (helm template) to check every image, defaults included')
    .option('--platform <os/arch>', PLATFORM_HELP, repeatable)
    .option('--docker-server <server>', 'with --pull: the registry the credentials are for')
    .option('--docker-username <user>', 'with --pull: registry user')
    .option('--password-stdin', 'with --pull: read the registry password from stdin', false)
    .option(
      '--from-docker-config [file]',
      'with --pull: credentials from a docker config.json (default ~/.docker/config.json)',
    )
    .option('--registry-ca <file>', 'with --pull: PEM of a private CA the registries use')
    .addOption(outputFormatOption(['json', 'yaml']))
    .addHelpText('after', HELP_AFTER)
    .action(async (o: ParsedOptions) => {
      await configureOutput(o, report)
      const ns = await releaseNamespace(o, commands, { cluster: !!o.cluster, fallback: 'spaceone' })
      o = { ...o, namespace: ns.namespace, namespaceFrom: ns.from }
      if (o.pull) {
        const pullOpts = doctorPullOptions({ ...o, values: o.values ?? 'values.yaml' })
        const { pullProgress, renderDoctorPull } = await import('../render-doctor-pull.js')
        const onProgress = pullProgress(report, ambient.env, ambient.stderrIsTTY)
        exit.code = renderDoctorPull(await commands.doctorPull(pullOpts, onProgress), pullOpts, report)
        return
      }
      for (const flag of PULL_ONLY_FLAGS)
        if (o[flag] !== undefined)
          throw new UsageError(`--${flag.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} needs --pull`)
      const opts = doctorOptions(o)
      if (opts.secret) {
        const { checkSecretNames } = await import('../../core/cloudforet/image-pull-secrets.js')
        checkSecretNames([opts.secret])
      }
      const result = await commands.doctor(opts)
      const { renderDoctor } = await import('../render-doctor.js')
      exit.code = renderDoctor(result, opts, report)
    })
}

// What both checks read: the values file, and the release when --cluster asks the cluster too.
function valuesAndRelease(o: ParsedOptions): { values: string; cluster: boolean; namespace: string; release: string } {
  return {
    values: (o.values as string | undefined) ?? 'values.yaml',
    cluster: !!o.cluster,
    namespace: o.namespace as string,
    release: o.release as string,
  }
}

function doctorPullOptions(o: ParsedOptions): DoctorPullOptions {
  return {
    ...valuesAndRelease(o),
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
    ...kubeTarget(o),
  }
}

function doctorOptions(o: ParsedOptions): DoctorOptions {
  return {
    ...valuesAndRelease(o),
    // Without -f, --cluster reads what the release really runs with, not a ./values.yaml that may be stale.
    ...(o.cluster === true && o.values === undefined && { valuesFromRelease: true }),
    namespaceFrom: o.namespaceFrom as NamespaceFrom,
    ...(o.secret !== undefined && { secret: o.secret as string }),
    ...(o.chartVersion !== undefined && { chartVersion: o.chartVersion as string }),
    ...(o.chartValues !== undefined && { chartValues: o.chartValues as string }),
    ...serviceScope(o),
    ...kubeTarget(o),
  }
}
