import { type Command, InvalidArgumentError } from 'commander'
import { UsageError } from '../../core/errors.js'
import type { MirrorOptions, SideOptions } from '../../commands/mirror/types.js'
import { inventoryFlags, inventoryOptions } from './images.js'
import { globalFlags, releaseNamespace, type ParsedOptions, type ProgramContext } from './options.js'

const DESCRIPTION =
  'copy every image into your registry with skopeo, under the names patch --registry writes, and prove each one pulls'

// Each example is one shell line: its parts are joined with a space.
const EXAMPLE_CHART = [
  'cfpull mirror --to harbor.example.com/cloudforet --chart-version 2.0.0-dev35',
  '--dest-username robot --dest-password-stdin',
].join(' ')
const EXAMPLE_PLUGINS =
  'cfpull mirror --to harbor.example.com/cloudforet -f values.yaml --plugin-images managed --plugin-tags 2 --dry-run'
const EXAMPLE_LIST = [
  'cfpull images -f values.yaml -o list > list.txt &&',
  'cfpull mirror --to harbor.example.com/cloudforet --images list.txt --dest-username robot --dest-password-stdin',
].join(' ')
const EXAMPLE_PLATFORM = 'cfpull mirror --to harbor.example.com/cloudforet -f values.yaml --platform linux/amd64 --json'

const HELP_AFTER = `
The images are those \`cfpull images\` lists for the same flags (-f, --chart-version, --chart, --cluster,
--plugin-images, --plugin-tags), or the list given with --images. Plugin tags: those running (--cluster)
and the newest N versions at the source (PEP 440 order); a tag that is not a version is never pushed.

Credentials, for the source (anonymous by default) and the destination, come from --*-password-stdin,
--*-from-docker-config or $CFPULL_SRC_PASSWORD / $CFPULL_DEST_PASSWORD, as create-secret reads them.
skopeo gets them in a 0600 auth file in a private directory, removed on every exit; never on its
argv or in its environment. An image already at the destination with the source's digest is skipped.

Exit codes: 0 every image in place and proven, 6 some image is not (the others are done),
5 credentials refused (nothing pushed), 4 skopeo missing, 2 usage, 130 interrupted.

Examples:
  $ ${EXAMPLE_CHART}
  $ ${EXAMPLE_PLUGINS}
  $ ${EXAMPLE_PLATFORM}
  $ ${EXAMPLE_LIST}`

function positiveInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1')
  return n
}

/** `cfpull mirror`: its flags and their mapping to MirrorOptions. */
export function addMirrorCommand(program: Command, { report, exit, commands, ambient }: ProgramContext): void {
  const cmd = inventoryFlags(
    globalFlags(program.command('mirror').description(DESCRIPTION))
      .requiredOption('--to <host/path>', 'the mirror: registry host and path, as patch --registry takes it')
      .option(
        '--images <file>',
        'copy this list instead of the inventory: one reference per line (as images -o list prints), - for stdin',
      ),
    '1',
  )
    .option('--platform <os/arch>', 'copy only this variant of each multi-arch image (default: every platform)')
    .option('--concurrency <n>', 'images copied at once', positiveInt, 4)
    .option('--dry-run', 'print the plan (source → destination) after read-only checks; push nothing', false)
  for (const side of ['src', 'dest'] as const) {
    const which = side === 'src' ? 'source' : 'destination'
    cmd
      .option(`--${side}-username <user>`, `${which} registry user`)
      .option(`--${side}-password-stdin`, `read the ${which} password from stdin (a prompt on a terminal)`, false)
      .option(`--${side}-from-docker-config [file]`, `${which} credentials from a docker config.json`)
      .option(`--${side}-ca <file>`, `PEM of a private CA the ${which} registry uses`)
  }
  cmd
    .option(
      '--src-registry <host>',
      'the source registry the source credentials are for (default: the one source host, else docker.io)',
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (o: ParsedOptions) => {
      report.configure(o)
      // As images does: with --cluster, the kubeconfig context's namespace when -n is not given.
      const ns =
        o.images === undefined
          ? await releaseNamespace(o, commands, { cluster: !!o.cluster, fallback: 'spaceone' })
          : undefined
      const opts = mirrorOptions(ns ? { ...o, namespace: ns.namespace } : o)
      const { mirrorProgress, renderMirror } = await import('../render-mirror.js')
      const onProgress = mirrorProgress(report, ambient.env, ambient.stderrIsTTY)
      exit.code = renderMirror(await commands.mirror(opts, onProgress), report)
    })
}

function side(o: ParsedOptions, prefix: 'src' | 'dest'): SideOptions {
  const get = (k: string) => o[`${prefix}${k}`]
  return {
    passwordStdin: !!get('PasswordStdin'),
    ...(get('Username') !== undefined && { username: get('Username') as string }),
    ...(get('FromDockerConfig') !== undefined && { fromDockerConfig: get('FromDockerConfig') as string | true }),
    ...(get('Ca') !== undefined && { ca: get('Ca') as string }),
    ...(prefix === 'src' && o.srcRegistry !== undefined && { server: o.srcRegistry as string }),
  }
}

// The flags that choose the inventory; given with --images they would be ignored, so they are refused.
const INVENTORY_FLAGS: Array<[string, string]> = [
  ['values', '-f/--values'],
  ['chartVersion', '--chart-version'],
  ['chart', '--chart'],
  ['cluster', '--cluster'],
  ['pluginImages', '--plugin-images'],
  ['pluginTags', '--plugin-tags'],
  ['context', '--context'],
  ['kubeconfig', '--kubeconfig'],
]

function mirrorOptions(o: ParsedOptions): MirrorOptions {
  const inventoryGiven = INVENTORY_FLAGS.filter(([k]) => o[k] !== undefined && o[k] !== false).map(([, f]) => f)
  if (o.images !== undefined && inventoryGiven.length)
    throw new UsageError(
      `--images gives the list to copy, and ${inventoryGiven.join(', ')} choose the inventory instead: use one or the other`,
    )
  return {
    ...(o.images === undefined && { inventory: inventoryOptions(o) }),
    to: o.to as string,
    dryRun: !!o.dryRun,
    concurrency: o.concurrency as number,
    src: side(o, 'src'),
    dest: side(o, 'dest'),
    ...(o.images !== undefined && { images: o.images as string }),
    ...(o.platform !== undefined && { platform: o.platform as string }),
  }
}
