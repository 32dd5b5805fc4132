import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs/promises'
import { chmodSync, chownSync, existsSync, linkSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildSync } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { readText, writeTextAtomic, type FsOps } from '../../src/adapters/files.js'
import { FileError } from '../../src/core/errors.js'
import { nodeAsNobody } from '../helpers/as-nobody.js'
import type { CliRun } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

const ORIGINAL = 'console:\n  enabled: true\n'
const PATCHED = 'console:\n  imagePullSecrets:\n    - name: x\n  enabled: true\n'

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code })
}

// The real fs, with one operation failing the way a full disk or a locked file would.
function failing(op: keyof FsOps, code: string, when: (...args: unknown[]) => boolean = () => true): FsOps {
  return new Proxy(fs, {
    get(target, prop) {
      const real = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop as string]!
      if (prop === 'open' && op === 'writeFile') {
        // A disk that fills up midway: part of the temp file is written, then ENOSPC.
        return async (...args: unknown[]) => {
          const handle = (await real(...args)) as fs.FileHandle
          const partialWrite = async (data: string) => {
            await handle.writeFile(data.slice(0, 5))
            throw errno(code)
          }
          return { writeFile: partialWrite, sync: () => handle.sync(), close: () => handle.close() }
        }
      }
      if (prop !== op) return real
      return async (...args: unknown[]) => {
        if (when(...args)) throw errno(code)
        return real(...args)
      }
    },
  })
}

async function attempt(file: string, fsOps: FsOps, expected?: string): Promise<unknown> {
  try {
    await writeTextAtomic(file, PATCHED, { fs: fsOps, ...(expected !== undefined && { expected }) })
    return undefined
  } catch (err) {
    return err
  }
}

// A write refused because another writer changed the file: theirs stays, cfpull's goes beside it.
async function expectBothKept(file: string): Promise<void> {
  const err = await attempt(file, fs, ORIGINAL)
  expect((err as FileError).message).toBe(
    `${file}: changed on disk since cfpull read it; it was left as it is and cfpull's result was written to ${file}.cfpull-new: compare them, then run cfpull again`,
  )
  expect(readFileSync(file, 'utf8')).toBe('someone: else\n')
  expect(readFileSync(`${file}.cfpull-new`, 'utf8')).toBe(PATCHED)
}

describe('writeTextAtomic under faults: the original is byte-identical or fully replaced', () => {
  it.each([
    [
      'permission denied creating the temp file (directory not writable)',
      'open',
      'EACCES',
      'permission denied (cannot write it or create a file beside it); the file was left as it was',
    ],
    [
      'permission denied replacing the file',
      'rename',
      'EPERM',
      'permission denied (cannot write it or create a file beside it); the file was left as it was',
    ],
    ['disk full while writing', 'writeFile', 'ENOSPC', 'no space left on the device; the file was left as it was'],
    ['read-only file system', 'open', 'EROFS', 'is on a read-only file system; the file was left as it was'],
  ] as const)('%s', async (_, op, code, message) => {
    const dir = tempDir()
    const file = join(dir, 'values.yaml')
    writeFileSync(file, ORIGINAL)
    const err = await attempt(file, failing(op, code))
    expect(err).toBeInstanceOf(FileError)
    expect((err as FileError).message).toBe(`${file}: ${message}`)
    expect((err as FileError).exitCode).toBe(3)
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL)
    expect(readdirSync(dir)).toEqual(['values.yaml'])
  })

  it('refuses when the file changed since it was read, keeping both versions', async () => {
    const dir = tempDir()
    const file = join(dir, 'values.yaml')
    writeFileSync(file, 'someone: else\n')
    await expectBothKept(file)
  })

  it('a process killed between the temp file and the rename leaves the original intact, and the next run cleans up', async () => {
    const dir = tempDir()
    const file = join(dir, 'values.yaml')
    writeFileSync(file, ORIGINAL)
    // A real crash: a child writes through an fs whose rename kills the process with SIGKILL.
    // dist/ ships only bundles, so the child gets this module compiled on its own.
    const files = join(tempDir(), 'files.mjs')
    buildSync({
      entryPoints: [join(import.meta.dirname, '../../src/adapters/files.ts')],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: files,
      logLevel: 'error',
    })
    const script = `
      import * as fs from 'node:fs/promises'
      import { writeTextAtomic } from ${JSON.stringify(pathToFileURL(files).href)}
      const crashing = { ...fs, rename: async () => process.kill(process.pid, 'SIGKILL') }
      await writeTextAtomic(${JSON.stringify(file)}, ${JSON.stringify(PATCHED)}, { fs: crashing })
    `
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(child.signal).toBe('SIGKILL')
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL)
    const leftovers = readdirSync(dir).filter((n) => n.endsWith('.tmp'))
    expect(leftovers).toHaveLength(1)
    expect(readFileSync(join(dir, leftovers[0]!), 'utf8')).toBe(PATCHED)
    await writeTextAtomic(file, PATCHED, { expected: ORIGINAL })
    expect(readFileSync(file, 'utf8')).toBe(PATCHED)
    expect(readdirSync(dir)).toEqual(['values.yaml'])
  })

  it('leaves a temp file of a live writer alone', async () => {
    const dir = tempDir()
    const file = join(dir, 'values.yaml')
    writeFileSync(file, ORIGINAL)
    const live = join(dir, `.values.yaml.cfpull-${process.ppid}-abcd1234.tmp`)
    writeFileSync(live, 'in progress')
    await writeTextAtomic(file, PATCHED)
    expect(existsSync(live)).toBe(true)
  })

  it('reports unreadable files as input errors', async () => {
    const dir = tempDir()
    await expect(readText(join(dir, 'missing.yaml'))).rejects.toThrow(`${join(dir, 'missing.yaml')}: no such file`)
    await expect(readText(dir)).rejects.toThrow(`${dir}: is a directory, not a values file`)
    await expect(readText(join(dir, 'x'), failing('readFile', 'EACCES'))).rejects.toThrow(
      'permission denied (cannot read it)',
    )
  })
})

// files.ts on its own, for a child process: dist/ ships only bundles.
function bundledFiles(): string {
  const dir = tempDir()
  chmodSync(dir, 0o755)
  const out = join(dir, 'files.mjs')
  buildSync({
    entryPoints: [join(import.meta.dirname, '../../src/adapters/files.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: out,
    logLevel: 'error',
  })
  return out
}

// writeTextAtomic run as nobody (uid and gid 65534, no other groups).
function writeAsNobody(file: string, text: string): CliRun {
  const script = `
    import { writeTextAtomic } from ${JSON.stringify(pathToFileURL(bundledFiles()).href)}
    try {
      console.log(JSON.stringify(await writeTextAtomic(${JSON.stringify(file)}, ${JSON.stringify(text)})))
    } catch (err) {
      console.log(JSON.stringify({ error: err.message, exitCode: err.exitCode }))
    }
  `
  return nodeAsNobody(['--input-type=module', '-e', script])
}

describe('writeTextAtomic keeps what the file was: its links, owner, group and mode', () => {
  it('a file with another hard link is written in place: both names read the new text, one inode', async () => {
    const dir = tempDir()
    const file = join(dir, 'values.yaml')
    const other = join(dir, 'values-link.yaml')
    writeFileSync(file, ORIGINAL)
    chmodSync(file, 0o640)
    linkSync(file, other)
    const ino = statSync(file).ino
    const r = await writeTextAtomic(file, PATCHED, { expected: ORIGINAL })
    expect(r).toEqual({ inPlace: { reason: 'hard-links', links: 2, uid: 0, gid: 0 } })
    expect(readFileSync(other, 'utf8')).toBe(PATCHED)
    expect(readFileSync(file, 'utf8')).toBe(PATCHED)
    expect(statSync(file)).toMatchObject({ ino, nlink: 2, mode: 0o100640 })
    expect(readdirSync(dir).sort()).toEqual(['values-link.yaml', 'values.yaml'])
  })

  it('in place also refuses a file changed since it was read, and puts the result beside it', async () => {
    const dir = tempDir()
    const file = join(dir, 'values.yaml')
    writeFileSync(file, 'someone: else\n')
    linkSync(file, join(dir, 'other.yaml'))
    await expectBothKept(file)
  })

  it('a write that fails midway in place puts the old bytes back', async () => {
    const dir = tempDir()
    const file = join(dir, 'values.yaml')
    writeFileSync(file, ORIGINAL)
    linkSync(file, join(dir, 'other.yaml'))
    // The disk fills up after the truncate: the first write of the new text fails.
    let writes = 0
    const full = new Proxy(fs, {
      get(target, prop) {
        if (prop !== 'open') return (target as unknown as Record<string, unknown>)[prop as string]
        return async (...args: Parameters<typeof fs.open>) => {
          const handle = await fs.open(...args)
          return new Proxy(handle, {
            get(h, p) {
              const v = (h as unknown as Record<string | symbol, unknown>)[p]
              if (p === 'write')
                return async (...a: unknown[]) => {
                  if (writes++ === 0) throw errno('ENOSPC')
                  return (v as (...x: unknown[]) => unknown).apply(h, a)
                }
              return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(h) : v
            },
          })
        }
      },
    }) as FsOps
    const err = await attempt(file, full)
    expect((err as FileError).message).toBe(`${file}: no space left on the device; the file was left as it was`)
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL)
  })

  it("as root, a new file takes the old one's owner and group, and replaces it atomically (a new inode)", async () => {
    const dir = tempDir()
    const file = join(dir, 'values.yaml')
    writeFileSync(file, ORIGINAL)
    chownSync(file, 65534, 1234)
    chmodSync(file, 0o664)
    const ino = statSync(file).ino
    expect(await writeTextAtomic(file, PATCHED)).toEqual({})
    expect(readFileSync(file, 'utf8')).toBe(PATCHED)
    const st = statSync(file)
    expect({ uid: st.uid, gid: st.gid, mode: st.mode }).toEqual({ uid: 65534, gid: 1234, mode: 0o100664 })
    expect(st.ino).not.toBe(ino)
  })

  it('as another user, a group-writable file of someone else is written in place: owner and group stay', () => {
    const dir = tempDir()
    chmodSync(dir, 0o777)
    const file = join(dir, 'values.yaml')
    writeFileSync(file, ORIGINAL)
    chownSync(file, 0, 65534)
    chmodSync(file, 0o664)
    const ino = statSync(file).ino
    const r = writeAsNobody(file, PATCHED)
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({ inPlace: { reason: 'owner', links: 1, uid: 0, gid: 65534 } })
    const st = statSync(file)
    expect({ text: readFileSync(file, 'utf8'), uid: st.uid, gid: st.gid, ino: st.ino }).toEqual({
      text: PATCHED,
      uid: 0,
      gid: 65534,
      ino,
    })
    expect(readdirSync(dir)).toEqual(['values.yaml'])
  })

  it("as another user, the user's own file is replaced atomically and keeps its owner and group", () => {
    const dir = tempDir()
    chmodSync(dir, 0o777)
    const file = join(dir, 'values.yaml')
    writeFileSync(file, ORIGINAL)
    chownSync(file, 65534, 65534)
    chmodSync(file, 0o600)
    const ino = statSync(file).ino
    const r = writeAsNobody(file, PATCHED)
    expect(JSON.parse(r.stdout)).toEqual({})
    const st = statSync(file)
    expect({ uid: st.uid, gid: st.gid, mode: st.mode }).toEqual({ uid: 65534, gid: 65534, mode: 0o100600 })
    expect(st.ino).not.toBe(ino)
    expect(readFileSync(file, 'utf8')).toBe(PATCHED)
  })

  it('refuses a file the user may not write, in a directory they may: bytes, owner and mode untouched, exit 3', () => {
    const dir = tempDir()
    chmodSync(dir, 0o777)
    const mine = join(dir, 'mine.yaml')
    const theirs = join(dir, 'theirs.yaml')
    for (const [f, uid] of [
      [mine, 65534],
      [theirs, 0],
    ] as const) {
      writeFileSync(f, ORIGINAL)
      chownSync(f, uid, uid)
      chmodSync(f, 0o444)
    }
    expect(JSON.parse(writeAsNobody(mine, PATCHED).stdout)).toEqual({
      error: `${mine}: is read-only (mode 0444), so cfpull left it as it was: make it writable with chmod u+w ${mine} and run again, or write the result elsewhere with -o FILE`,
      exitCode: 3,
    })
    expect(JSON.parse(writeAsNobody(theirs, PATCHED).stdout)).toEqual({
      error: `${theirs}: you may not write it (mode 0444, owner 0, group 0), so cfpull left it as it was: ask its owner for write access, or write the result elsewhere with -o FILE`,
      exitCode: 3,
    })
    for (const f of [mine, theirs]) {
      expect(readFileSync(f, 'utf8')).toBe(ORIGINAL)
      expect(statSync(f).mode).toBe(0o100444)
    }
    expect(statSync(mine).uid).toBe(65534)
    expect(readdirSync(dir).sort()).toEqual(['mine.yaml', 'theirs.yaml'])
  })
})
