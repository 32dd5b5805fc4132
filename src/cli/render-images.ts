import type { ImagesResult } from '../commands/images.js'
import { ExitCode, type ExitCodeValue } from '../core/errors.js'
import { skopeoSyncCommand } from '../core/fix-command.js'
import type { InventoryImage, InventoryUse } from '../core/images/inventory.js'
import { copyableImages, inMirror, inventoryList, skopeoSyncYaml } from '../core/images/inventory-output.js'
import type { ImagesOutput } from './commands/images.js'
import type { NamespaceFrom } from './commands/options.js'
import type { Reporter } from './output.js'

const SYNC_FILE = 'images.yaml'

/** Prints the inventory in the format asked for; warnings go to stderr (and into the JSON document). */
export function renderImages(
  r: ImagesResult,
  output: ImagesOutput,
  report: Reporter,
  ns?: { namespace: string; from: NamespaceFrom },
): ExitCodeValue {
  const inv = r.inventory
  // -o json and -o yaml: the one document, in the notation output-format.ts configured.
  if (output === 'json' || output === 'yaml') {
    report.printJson({ ...imagesDocument(r), ...(ns && { namespace: ns.namespace, namespaceFrom: ns.from }) })
    return ExitCode.Ok
  }
  for (const w of inv.warnings) report.warn(w)
  // A namespace kubectl's habit chose, not the user: said once, beside the data.
  if (ns?.from.startsWith('kubeconfig')) report.note(`namespace ${ns.namespace} (from ${ns.from})`)
  if (output === 'list') report.data(inventoryList(inv))
  else if (output === 'skopeo-sync') {
    const target = r.target
    const onItself = target ? copyableImages(inv).filter((i) => inMirror(i, target)) : []
    for (const i of onItself)
      report.warn(`${i.reference} is already in ${target!.host}/${target!.path}: skopeo would copy it onto itself`)
    const header = [
      `cfpull images: chart ${r.chart.version}${r.values ? `, ${r.values}` : ', default values'}; ${copyableImages(inv).length} images.`,
      `Save this as ${SYNC_FILE}, then copy the images into your registry with:`,
      `  ${skopeoSyncCommand(SYNC_FILE, target)}`,
    ]
    report.data(skopeoSyncYaml({ ...inv, images: inv.images.filter((i) => !onItself.includes(i)) }, header))
  } else report.data(imagesTable(r))
  return ExitCode.Ok
}

/** The `--json` / `-o json` document (and `-o yaml`). */
export function imagesDocument(r: ImagesResult): Record<string, unknown> {
  return {
    command: 'images',
    exitCode: 0,
    ok: true,
    chart: r.chart,
    values: r.values ?? null,
    registry: r.target ? `${r.target.host}/${r.target.path}` : null,
    pluginImages: r.pluginImages,
    images: r.inventory.images.map((i) => ({
      reference: i.reference,
      registry: i.registry,
      path: i.path,
      tag: i.tag,
      digest: i.digest,
      ...(r.target && { mirror: i.mirror ?? null }),
      uses: i.uses,
      source: i.sources,
      default: i.default,
      kind: i.kind,
      redirectable: i.redirectable,
      ...(i.kind === 'plugin' && { tagSource: i.tagSource ?? null }),
    })),
    plugins: r.inventory.plugins,
    warnings: r.inventory.warnings,
  }
}

function useText(u: InventoryUse): string {
  if (u.role === 'main' || u.role === 'plugin') return u.service
  return `${u.service} (${u.role.replace(/^sidecar:/, '')})`
}

// One line per image: the reference, where it came from, the mirror name with --registry, and
// what uses it. The last column is not padded.
function imagesTable(r: ImagesResult): string {
  const inv = r.inventory
  const ref = (i: InventoryImage) =>
    i.tag === null && i.digest === null ? `${i.reference}:<install time>` : i.reference
  const rows = inv.images.map((i) => [
    ref(i),
    i.sources.join(','),
    ...(r.target ? [i.mirror ?? ''] : []),
    i.uses.map(useText).join(', '),
  ])
  const head = ['IMAGE', 'SOURCE', ...(r.target ? ['MIRROR'] : []), 'USED BY']
  const all = [head, ...rows]
  const widths = head.map((_, c) => Math.max(...all.map((row) => row[c]!.length)))
  const lines = all.map((row) =>
    row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '),
  )
  const services = inv.images.filter((i) => i.kind === 'service').length
  const plugins = inv.images.filter((i) => i.kind === 'plugin')
  const p = inv.plugins
  const catalog = p.catalog
    ? `; managed plugins of repository ${p.repositoryImage}: ${p.catalog.count} from ${p.catalog.url}/${p.catalog.prefix} (${p.catalog.type})`
    : ''
  const summary = `${services} service images and ${plugins.length} plugin images (chart ${r.chart.version}${catalog})`
  return `${lines.join('\n')}\n\n${summary}\n`
}
