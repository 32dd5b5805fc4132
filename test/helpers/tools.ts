import { accessSync, constants } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export type ToolName = 'helm' | 'kubectl'

const binDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache', 'tools', 'bin')

/**
 * Absolute path of the pinned tool fetched by scripts/fetch-tools.mjs.
 * Deliberately never looks at PATH: a different helm/kubectl version there would make tests
 * pass or fail for reasons unrelated to cfpull.
 */
export function toolPath(name: ToolName): string {
  const path = join(binDir, name)
  try {
    accessSync(path, constants.X_OK)
  } catch {
    throw new Error(`pinned ${name} not found at ${path}: run \`npm run tools\` (scripts/fetch-tools.mjs)`)
  }
  return path
}
