import { randomBytes } from 'node:crypto'
import { chmod, lstat, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { FileError } from '../core/errors.js'

/** Reads a UTF-8 text file as is (a BOM stays in the string, so it is written back). */
export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new FileError(file, describeFsError(err, 'read'), { cause: err })
  }
}

export interface WriteOptions {
  /** The content the file had when read: refuse if someone changed it since. */
  expected?: string
}

/**
 * Replaces a file in one step: the text goes to a temp file in the same directory, is
 * flushed, takes the old file's mode, and is renamed over it. A reader sees the old file or
 * the new one, never a part. A symlink is written through: its target changes, the link stays.
 */
export async function writeTextAtomic(file: string, text: string, options: WriteOptions = {}): Promise<void> {
  const target = await resolveTarget(file)
  const mode = await stat(target).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  )
  const tmp = join(dirname(target), `.${basename(target)}.cfpull-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  let handle
  try {
    handle = await open(tmp, 'wx', mode ?? 0o644)
    await handle.writeFile(text, 'utf8')
    await handle.sync()
    await handle.close()
    handle = undefined
    if (mode !== undefined) await chmod(tmp, mode)
    if (options.expected !== undefined) {
      const now = await readFile(target, 'utf8').catch(() => undefined)
      if (now !== options.expected) throw new FileError(file, 'changed on disk since cfpull read it; nothing was written: run cfpull again')
    }
    await rename(tmp, target)
  } catch (err) {
    await handle?.close().catch(() => undefined)
    await unlink(tmp).catch(() => undefined)
    if (err instanceof FileError) throw err
    throw new FileError(file, describeFsError(err, 'write'), { cause: err })
  }
}

async function resolveTarget(file: string): Promise<string> {
  try {
    if ((await lstat(file)).isSymbolicLink()) return await realpath(file)
  } catch {
    // A new output file: write it where it was named.
  }
  return file
}

function describeFsError(err: unknown, verb: 'read' | 'write'): string {
  const code = (err as NodeJS.ErrnoException)?.code
  switch (code) {
    case 'ENOENT':
      return verb === 'read' ? 'no such file' : 'its directory does not exist'
    case 'EACCES':
    case 'EPERM':
      return `permission denied (cannot ${verb} it${verb === 'write' ? ' or create a file beside it' : ''})`
    case 'EISDIR':
      return 'is a directory, not a values file'
    case 'ENOSPC':
      return 'no space left on the device; the file was left as it was'
    case 'EROFS':
      return 'is on a read-only file system'
    default:
      return `cannot ${verb} it (${code ?? (err as Error)?.message ?? String(err)})`
  }
}
