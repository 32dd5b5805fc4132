import { type Command, InvalidArgumentError, Option } from 'commander'
import { configureOutput, outputFormatOption } from '../output-format.js'
import { LATEST_CHART_VERSION } from '../../core/cloudforet/charts.js'
import type { InventoryOptions } from '../../commands/images.js'
import { globalFlags, kubeTarget, releaseNamespace, type ParsedOptions, type ProgramContext } from './options.js'

/** What `images -o` prints. */
export const IMAGES_OUTPUTS = ['table', 'list', 'json', 'yaml', 'skopeo-sync'] as const
export type ImagesOutput = (typeof IMAGES_OUTPUTS)[number]

const PLUGIN_IMAGES_HELP =
  'plugin images to list: the managed catalog of the repository version, the plugins running now (--cluster), both, or none (default managed; all with --cluster)'

const HELP_AFTER = `
Exit codes: 0 listed, 2 bad flags (or two images that map to one --registry name), 3 bad input, 4 helm or kubectl failed.

Examples:
  $ cfpull images --chart-version 2.0.0-dev35                          # what a default install runs
  $ cfpull images -f values.yaml                                       # what THIS install runs
  $ cfpull images -f values.yaml --chart cloudforet/spaceone           # helm template: the ground truth
  $ cfpull images -f values.yaml --cluster -n spaceone                 # also what runs now, plugins included
  $ cfpull images -f values.yaml --plugin-tags 2 -o skopeo-sync > images.yaml
  $ cfpull images -f values.yaml --registry harbor.example.com/cloudforet -o json`

/** `cfpull images`: its flags, and their mapping to InventoryOptions. */
export function addImagesCommand(program: Command, { report, exit, commands }: ProgramContext): void {
  inventoryFlags(
    globalFlags(
      program
        .command('images')
        .description('list every image an install runs: services, sidecars, mongodb and redis, and the plugins'),
    ),
  )
    .option('--registry-ca <file>', "with --plugin-tags: PEM of a private CA the plugins' registry uses")
    .option(
      '--registry <HOST/PATH>',
      'also give each image its name in this mirror (as patch --registry and mirror name them)',
    )
    .addOption(outputFormatOption(IMAGES_OUTPUTS))
    .addHelpText('after', HELP_AFTER)
    .action(async (o: ParsedOptions) => {
      const output = ((await configureOutput(o, report)) ?? 'table') as ImagesOutput
      const ns = await releaseNamespace(o, commands, { cluster: !!o.cluster, fallback: 'spaceone' })
      const opts = inventoryOptions({ ...o, namespace: ns.namespace })
      const result = await commands.images(opts)
      const { renderImages } = await import('../render-images.js')
      exit.code = renderImages(result, output, report, ns)
    })
}

/** The flags that choose the images an install runs: `images` and `mirror` take the same ones. */
export function inventoryFlags(cmd: Command, pluginTagsDefault?: string): Command {
  return cmd
    .option('-f, --values <file>', 'the values file (without one: a default install of the chart version)')
    .option(
      '--chart-version <version>',
      `chart version (default: with --cluster the deployed one, else ${LATEST_CHART_VERSION})`,
    )
    .option('--chart <chart>', 'render this chart with helm template and list what it runs (every container)')
    .option('--cluster', 'also list what runs in the cluster now, plugin Deployments included', false)
    .option(
      '-n, --namespace <ns>',
      "the Helm release namespace, where pods go when the values set none (default: with --cluster the kubeconfig context's, when it sets one; else spaceone)",
    )
    .option('--release <name>', 'Helm release name', 'cloudforet')
    .option('--context <name>', 'kubeconfig context')
    .option('--kubeconfig <file>', 'kubeconfig file')
    .addOption(new Option('--plugin-images <which>', PLUGIN_IMAGES_HELP).choices(['none', 'managed', 'cluster', 'all']))
    .option(
      '--plugin-tags <n>',
      `read each managed plugin's tags from its registry and list the newest N versions${pluginTagsDefault ? ` (default ${pluginTagsDefault})` : ''}`,
      positiveInteger,
    )
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a whole number, 1 or more')
  return Number(value)
}

/** The mapping `cfpull mirror` shares: the flags that choose the images. */
export function inventoryOptions(o: ParsedOptions): InventoryOptions {
  return {
    cluster: !!o.cluster,
    namespace: (o.namespace as string | undefined) ?? 'spaceone',
    release: o.release as string,
    ...(o.values !== undefined && { values: o.values as string }),
    ...(o.chartVersion !== undefined && { chartVersion: o.chartVersion as string }),
    ...(o.chart !== undefined && { chart: o.chart as string }),
    ...(o.pluginImages !== undefined && { pluginImages: o.pluginImages as InventoryOptions['pluginImages'] }),
    ...(o.pluginTags !== undefined && { pluginTags: o.pluginTags as number }),
    ...(o.registry !== undefined && { registry: o.registry as string }),
    ...(o.registryCa !== undefined && { registryCa: o.registryCa as string }),
    ...kubeTarget(o),
  }
}
