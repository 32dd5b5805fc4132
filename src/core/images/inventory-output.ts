// The inventory as text a tool reads: one reference per line (`-o list`, which `cfpull mirror
// --images` reads back), and the YAML `skopeo sync --src yaml` takes. Only images whose tag or
// digest is known are in them: a plugin's tag is chosen when Cloudforet installs it, and an
// empty tag list would make skopeo copy every tag of the repository.

import { stringify } from 'yaml'
import type { Inventory, InventoryImage } from './inventory.js'
import type { MirrorTarget } from './mirror-name.js'

/** The images a copy can name exactly: a tag or a digest is known. */
export function copyableImages(inventory: Inventory): InventoryImage[] {
  return inventory.images.filter((i) => i.tag !== null || i.digest !== null)
}

/** `-o list`: one reference per line. */
export function inventoryList(inventory: Inventory): string {
  return copyableImages(inventory)
    .map((i) => `${i.reference}\n`)
    .join('')
}

/**
 * `-o skopeo-sync`: `<registry>: { images: { <path>: [tag | digest, …] } }`, registries and paths
 * in order. skopeo gives each image the name `<destination>/<last path component>`, as
 * mirror-name.ts does. `header` is the comment printed first (the command that copies them).
 */
export function skopeoSyncYaml(inventory: Inventory, header: string[]): string {
  const doc: Record<string, { images: Record<string, string[]> }> = {}
  for (const i of copyableImages(inventory)) {
    const images = (doc[i.registry] ??= { images: {} }).images
    // A reference with both pins is pulled by its digest; the tag would be a second, moving copy.
    const pin = i.digest ?? i.tag!
    const list = (images[i.path] ??= [])
    if (!list.includes(pin)) list.push(pin)
  }
  const sorted = Object.fromEntries(
    Object.keys(doc)
      .sort()
      .map((r) => [
        r,
        { images: Object.fromEntries(Object.entries(doc[r]!.images).sort(([a], [b]) => (a < b ? -1 : 1))) },
      ]),
  )
  const body = Object.keys(sorted).length ? stringify(sorted, { lineWidth: 0 }) : '{}\n'
  return `${header.map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}`
}

/** Whether an image already sits under the mirror's HOST/PATH (copying it would copy it onto itself). */
export function inMirror(image: InventoryImage, target: MirrorTarget): boolean {
  return image.registry === target.host && image.path.startsWith(`${target.path}/`)
}
