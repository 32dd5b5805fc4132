import { randomBytes } from 'node:crypto'
import { constants as fsConstants, readFileSync } from 'node:fs'
import * as nodeFs from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { FileError } from '../core/errors.js'
import { shellQuote } from '../core/fix-command.js'

/** The file operations the atomic write uses; tests pass one that fails where they want. */
export type FsOps = Pick<
  typeof nodeFs,
  | 'open'
  | 'rename'
  | 'unlink'
  | 'chmod'
  | 'readFile'
  | 'writeFile'
  | 'appendFile'
  | 'stat'
  | 'lstat'
  | 'realpath'
  | 'readdir'
  | 'access'
  | 'chown'
>

/**
 * Reads a UTF-8 text file as is (a BOM stays in the string, so it is written back). Bytes that
 * are not UTF-8, or a NUL, mean a binary file: one line says so instead of a frame of noise.
 */
export async function readText(file: string, fs: FsOps = nodeFs): Promise<string> {
  let bytes: Uint8Array
  try {
    bytes = await fs.readFile(file)
  } catch (err) {
    throw new FileError(file, describeFsError(err, 'read'), { cause: err })
  }
  return decodeText(file, bytes)
}

/**
 * readText for the values files of `patch`: one read(2) and no trip through the event loop and
 * libuv's thread pool, which for a small file costs more than the read (README "Performance").
 */
export function readTextSync(file: string): string {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(file)
  } catch (err) {
    throw new FileError(file, describeFsError(err, 'read'), { cause: err })
  }
  return decodeText(file, bytes)
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** UTF-8 bytes to text; a FileError when they are not text. */
export function decodeText(file: string, bytes: Uint8Array): string {
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch (err) {
    throw new FileError(file, 'not a UTF-8 text file', { cause: err })
  }
  if (text.includes('\0')) throw new FileError(file, 'not a UTF-8 text file')
  return text
}

/**
 * True when the input is a stream rather than a file that can be replaced: `-` (stdin), a
 * FIFO, a character device or a socket (also through a link such as /dev/stdin or <(…)).
 * Such input is read once and the result goes to stdout, never written back.
 */
export async function isStreamInput(file: string, fs: Pick<FsOps, 'stat'> = nodeFs): Promise<boolean> {
  if (file === '-') return true
  try {
    const s = await fs.stat(file)
    return s.isFIFO() || s.isCharacterDevice() || s.isSocket()
  } catch {
    return false
  }
}

/** Appends text to a file, creating it (for reports such as $GITHUB_STEP_SUMMARY). */
export async function appendText(file: string, text: string, fs: Pick<FsOps, 'appendFile'> = nodeFs): Promise<void> {
  try {
    await fs.appendFile(file, text, 'utf8')
  } catch (err) {
    throw new FileError(file, describeFsError(err, 'write'), { cause: err })
  }
}

export interface WriteOptions {
  /** The content the file had when read: refuse if someone changed it since. */
  expected?: string
  fs?: FsOps
  /** The effective user id (process.geteuid()); a parameter so tests can take another user's view. */
  euid?: number
}

/**
 * Why a file was rewritten in place rather than replaced: it has other hard links (a new file
 * would leave them with the old text), or a new file could not be given its owner and group.
 */
export type InPlaceReason = 'hard-links' | 'owner'

export interface WriteResult {
  inPlace?: { reason: InPlaceReason; links: number; uid: number; gid: number }
}

/**
 * Replaces a file in one step: the text goes to a temp file in the same directory, is
 * flushed, takes the old file's mode, owner and group, and is renamed over it. A reader sees
 * the old file or the new one, never a part. A symlink is written through: its target
 * changes, the link stays. Two cases cannot be replaced without losing something the user
 * had, and are rewritten in place instead (truncate, write, fsync the same inode): a file with
 * other hard links, and one whose owner and group a new file of this user cannot have (a
 * group-writable file of someone else). A file the user may not write is refused untouched:
 * replacing it would succeed wherever the directory is writable, which is not permission.
 */
export async function writeTextAtomic(file: string, text: string, options: WriteOptions = {}): Promise<WriteResult> {
  const fs = options.fs ?? nodeFs
  const target = await resolveTarget(fs, file)
  const st = await fs.stat(target).catch(() => undefined)
  if (st) await refuseUnwritable(fs, file, target, st, options.euid ?? process.geteuid?.())
  const owner = st && { links: Number(st.nlink), uid: Number(st.uid), gid: Number(st.gid) }
  if (owner && owner.links > 1) {
    await writeInPlace(fs, file, target, text, options.expected)
    return { inPlace: { reason: 'hard-links', ...owner } }
  }
  await removeStaleTemps(fs, target)
  const mode = st ? Number(st.mode) & 0o7777 : undefined
  const tmp = join(dirname(target), `${tempPrefix(target)}${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  let handle: nodeFs.FileHandle | undefined
  let created = false
  try {
    handle = await fs.open(tmp, 'wx', mode ?? 0o644)
    created = true
    await handle.writeFile(text, 'utf8')
    await handle.sync()
    await handle.close()
    handle = undefined
    if (owner && !(await chownLike(fs, tmp, owner))) {
      await fs.unlink(tmp)
      created = false
      await writeInPlace(fs, file, target, text, options.expected)
      return { inPlace: { reason: 'owner', ...owner } }
    }
    // After chown, which may clear set-id bits.
    if (mode !== undefined) await fs.chmod(tmp, mode)
    if (options.expected !== undefined) {
      const now = await fs.readFile(target, 'utf8').catch(() => undefined)
      if (now !== options.expected) {
        // Someone else wrote the file meanwhile: theirs stays in place, ours goes beside it.
        const aside = `${target}.cfpull-new`
        await fs.rename(tmp, aside)
        created = false
        throw changedOnDisk(file, aside)
      }
    }
    await fs.rename(tmp, target)
    created = false
    return {}
  } catch (err) {
    await handle?.close().catch(() => undefined)
    if (created) await fs.unlink(tmp).catch(() => undefined)
    if (err instanceof FileError) throw err
    throw new FileError(file, describeFsError(err, 'write'), { cause: err })
  }
}

function changedOnDisk(file: string, aside: string): FileError {
  return new FileError(
    file,
    `changed on disk since cfpull read it; it was left as it is and cfpull's result was written to ${aside}: compare them, then run cfpull again`,
  )
}

// access(2) answers for the real user, which for cfpull is the effective one (no set-id).
async function refuseUnwritable(
  fs: FsOps,
  file: string,
  target: string,
  st: { mode: number | bigint; uid: number | bigint; gid: number | bigint },
  euid: number | undefined,
): Promise<void> {
  try {
    await fs.access(target, fsConstants.W_OK)
    return
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EACCES' && code !== 'EPERM') throw new FileError(file, describeFsError(err, 'write'), { cause: err })
  }
  const mode = (Number(st.mode) & 0o7777).toString(8).padStart(4, '0')
  const mine = euid !== undefined && Number(st.uid) === euid
  throw new FileError(
    file,
    mine
      ? `is read-only (mode ${mode}), so cfpull left it as it was: make it writable with chmod u+w ${shellQuote(file)} and run again, or write the result elsewhere with -o FILE`
      : `you may not write it (mode ${mode}, owner ${Number(st.uid)}, group ${Number(st.gid)}), so cfpull left it as it was: ask its owner for write access, or write the result elsewhere with -o FILE`,
  )
}

// The temp file takes the original's owner and group. Root always can; another user only when
// the original is theirs and of a group they are in. False when that is not allowed.
async function chownLike(fs: FsOps, tmp: string, owner: { uid: number; gid: number }): Promise<boolean> {
  try {
    await fs.chown(tmp, owner.uid, owner.gid)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EPERM' || code === 'EACCES') return false
    throw err
  }
}

/**
 * Rewrites the file's own inode: every hard link, the owner, group and mode stay. Not atomic,
 * so the old bytes are kept in memory and put back if the write fails, and only if that fails
 * too are they saved beside the file, which the message names.
 */
async function writeInPlace(fs: FsOps, file: string, target: string, text: string, expected?: string): Promise<void> {
  let handle: nodeFs.FileHandle | undefined
  let old: Buffer | undefined
  try {
    handle = await fs.open(target, 'r+')
    old = await handle.readFile()
    if (expected !== undefined && old.toString('utf8') !== expected) {
      const aside = `${target}.cfpull-new`
      await fs.writeFile(aside, text, { encoding: 'utf8', flag: 'w' })
      throw changedOnDisk(file, aside)
    }
    await handle.truncate(0)
    await handle.write(Buffer.from(text, 'utf8'), 0, undefined, 0)
    await handle.sync()
    await handle.close()
    handle = undefined
  } catch (err) {
    if (err instanceof FileError) {
      await handle?.close().catch(() => undefined)
      throw err
    }
    let restored = old === undefined
    if (handle && old !== undefined) {
      restored = await handle
        .truncate(0)
        .then(() => handle!.write(old!, 0, undefined, 0))
        .then(() => handle!.sync())
        .then(
          () => true,
          () => false,
        )
    }
    await handle?.close().catch(() => undefined)
    if (restored) throw new FileError(file, describeFsError(err, 'write'), { cause: err })
    const saved = `${target}.cfpull-old`
    const kept = await fs.writeFile(saved, old!, { flag: 'wx' }).then(
      () => true,
      () => false,
    )
    throw new FileError(
      file,
      `${describeFsError(err, 'write').replace(/; the file was left as it was$/, '')}; writing it in place failed midway and its old content ${kept ? `is in ${saved}` : 'could not be saved'}`,
      { cause: err },
    )
  }
}

function tempPrefix(target: string): string {
  return `.${basename(target)}.cfpull-`
}

// A process killed between writing its temp file and renaming it leaves the temp behind; the
// next run removes those whose writer is gone (never one a live cfpull is still writing).
async function removeStaleTemps(fs: FsOps, target: string): Promise<void> {
  const prefix = tempPrefix(target)
  const entries = await fs.readdir(dirname(target)).catch(() => [] as string[])
  for (const name of entries) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1])
    if (pid === process.pid || (pid && isAlive(pid))) continue
    await fs.unlink(join(dirname(target), name)).catch(() => undefined)
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function resolveTarget(fs: FsOps, file: string): Promise<string> {
  try {
    if ((await fs.lstat(file)).isSymbolicLink()) return await fs.realpath(file)
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
      return verb === 'read'
        ? 'permission denied (cannot read it)'
        : 'permission denied (cannot write it or create a file beside it); the file was left as it was'
    case 'EISDIR':
      return 'is a directory, not a values file'
    case 'ELOOP':
      return 'is a symbolic link that loops (it points, through other links, back at itself)'
    case 'ENOTDIR':
      return 'no such file (a part of the path is not a directory)'
    case 'ENOSPC':
      return 'no space left on the device; the file was left as it was'
    case 'EROFS':
      return 'is on a read-only file system; the file was left as it was'
    default:
      return `cannot ${verb} it (${code ?? (err as Error)?.message ?? String(err)})`
  }
}
