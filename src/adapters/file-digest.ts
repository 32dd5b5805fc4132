// What a file or a chart directory holds, as one digest: apply takes it while the preflight reads
// its inputs and again just before helm upgrade, so an input that changed in between is seen.
import { createHash, type Hash } from 'node:crypto'
import { readFile, readdir, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * `sha256:…` of a file's bytes, or of a directory's tree (each entry's relative name, kind and
 * bytes, in name order); null when nothing is there. Links are followed, as helm's chart loader
 * follows them; `.git` is left out, as helm's default `.helmignore` leaves it out, so a fetch in
 * the chart's repository is not a change of the chart.
 */
export async function fileDigest(path: string): Promise<string | null> {
  let isDir: boolean
  try {
    isDir = (await stat(path)).isDirectory()
  } catch (err) {
    if (isAbsent(err)) return null
    throw err
  }
  const hash = createHash('sha256')
  if (isDir) await hashTree(hash, path, '', new Set())
  else hash.update(await readFile(path))
  return `sha256:${hash.digest('hex')}`
}

/** The digest fileDigest gives a file that holds `text` (UTF-8), for text already read. */
export function textDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`
}

async function hashTree(hash: Hash, dir: string, rel: string, seen: Set<string>): Promise<void> {
  // A link back to a directory above would walk forever; helm's loader stops there too.
  const real = await realpath(dir)
  if (seen.has(real)) return
  seen.add(real)
  const names = (await readdir(dir)).filter((n) => n !== '.git').sort()
  for (const name of names) {
    const path = join(dir, name)
    const relPath = rel ? `${rel}/${name}` : name
    let isDir: boolean
    try {
      isDir = (await stat(path)).isDirectory()
    } catch (err) {
      // A dangling link: its absence is part of the tree.
      if (!isAbsent(err)) throw err
      hash.update(`missing\0${relPath}\0`)
      continue
    }
    if (isDir) {
      hash.update(`dir\0${relPath}\0`)
      await hashTree(hash, path, relPath, seen)
    } else {
      const bytes = await readFile(path)
      hash.update(`file\0${relPath}\0${bytes.length}\0`)
      hash.update(bytes)
    }
  }
  seen.delete(real)
}

const isAbsent = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException)?.code ?? '')
