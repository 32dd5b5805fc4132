import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs/promises'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildSync } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { readText, writeTextAtomic, type FsOps } from '../../src/adapters/files.js'
import { FileError } from '../../src/core/errors.js'
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
    const err = await attempt(file, fs, ORIGINAL)
    expect((err as FileError).message).toBe(
      `${file}: changed on disk since cfpull read it; it was left as it is and cfpull's result was written to ${file}.cfpull-new: compare them, then run cfpull again`,
    )
    expect(readFileSync(file, 'utf8')).toBe('someone: else\n')
    expect(readFileSync(`${file}.cfpull-new`, 'utf8')).toBe(PATCHED)
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
