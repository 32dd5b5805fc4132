import { createHash } from 'node:crypto'
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import Module from 'node:module'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'

// bin/cfpull.js compiles dist/cli.cjs with a V8 code cache (Node 20). The cache may change how
// fast the CLI starts, never what it does: every case runs without a cache, with an empty one
// (the run writes it), and with the cache that run wrote, and all three must agree to the byte.
const repo = join(import.meta.dirname, '../..')
const example = readFileSync(join(repo, 'examples/values.yaml'), 'utf8')
// Node >= 22.1 has its own compile cache, which bin/cfpull.js uses instead.
const usesV8Cache = !('enableCompileCache' in Module)

interface Outcome {
  exitCode: number | undefined
  stdout: string
  stderr: string
  file: string | undefined
}

/** Runs the CLI in `work` (values.yaml reset to the example first), `cache` as $XDG_CACHE_HOME or 'off'. */
async function run(work: string, args: string[], cache: string, bin = join(repo, 'bin/cfpull.js')) {
  const values = join(work, 'values.yaml')
  writeFileSync(values, example)
  const env: Record<string, string> = { NO_COLOR: '1', HOME: work }
  if (cache === 'off') env.CFPULL_NO_CACHE = '1'
  else env.XDG_CACHE_HOME = cache
  const r = await execa(process.execPath, [bin, ...args], { reject: false, cwd: work, env, extendEnv: false })
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, file: readFileSync(values, 'utf8') } as Outcome
}

/** The one cache file in `cache`/cfpull, with what identifies this version of it. */
function cacheFileIn(cache: string) {
  const dir = join(cache, 'cfpull')
  const names = readdirSync(dir)
  expect(names).toHaveLength(1)
  const path = join(dir, names[0]!)
  const st = lstatSync(path)
  return { path, name: names[0]!, ino: st.ino, mtimeMs: st.mtimeMs, mode: st.mode & 0o777, uid: st.uid, st }
}

// The CLI cases of test/e2e/bin.test.ts, and what else a user sees: each error kind, --json
// (error type names survive the bundle), help, completion, doctor offline.
const CASES: string[][] = [
  ['--version'],
  ['--help'],
  ['patch', '--help'],
  ['patch', 'values.yaml', '--secret', 'Bad Name'],
  ['patch', 'values.yaml', '--secret', 'my-credential', '--dry-run'],
  ['patch', 'values.yaml', '--secret', 'my-credential', '--json'],
  ['patch', 'values.yaml', '--secret', 'my-credential'],
  ['patch', 'values.yaml', '--secret', 'my-credential', '--check'],
  ['patch', 'values.yaml', '--secret', 'my-credential', '--stdout'],
  ['patch', 'missing.yaml', '--secret', 'my-credential', '--json'],
  ['patch', join(repo, 'test/fixtures/invalid/bad-indent.yaml'), '--secret', 'x', '--check'],
  ['patch', join(repo, 'test/fixtures/invalid/section-list.yaml'), '--secret', 'x', '--json'],
  ['doctor', '-f', 'values.yaml'],
  ['doctor', '-f', 'values.yaml', '--json'],
  ['completion', 'bash'],
  ['no-such-command'],
]

describe('the code cache', () => {
  it.each(CASES.map((args) => [args.join(' '), args]))(
    'cfpull %s: the same with no cache, a cold one and a warm one',
    async (_, args) => {
      const work = tempDir()
      const cache = join(work, 'cache')
      const off = await run(work, args, 'off')
      expect(existsSync(cache)).toBe(false)
      const cold = await run(work, args, cache)
      // `--version` alone is answered before the bundle loads: no cache to make or use.
      const fast = args.join(' ') === '--version'
      const written = usesV8Cache && !fast ? cacheFileIn(cache) : undefined
      const warm = await run(work, args, cache)
      expect(cold).toEqual(off)
      expect(warm).toEqual(off)
      if (fast) {
        expect(existsSync(cache)).toBe(false)
      } else if (written) {
        // The warm run was served by the cache: V8 accepted it, so it was not rewritten.
        const after = cacheFileIn(cache)
        expect([after.ino, after.mtimeMs]).toEqual([written.ino, written.mtimeMs])
      } else {
        // Node >= 22.1: Node's own compile cache, in cfpull's directory.
        expect(readdirSync(join(cache, 'cfpull'))).toEqual(['node-compile-cache'])
      }
    },
  )
})

describe('the bundle', () => {
  // --json names the error type from the class (new.target.name); a bundler renames a class
  // whose name another module also uses, so the build keeps cfpull's own names (keepNames).
  it('keeps the error type names', async () => {
    const work = tempDir()
    const types: string[] = []
    for (const args of [
      ['patch', 'missing.yaml', '--secret', 'x', '--json'],
      ['patch', join(repo, 'test/fixtures/invalid/bad-indent.yaml'), '--secret', 'x', '--json'],
      ['patch', join(repo, 'test/fixtures/invalid/section-list.yaml'), '--secret', 'x', '--json'],
    ]) {
      const doc = JSON.parse((await run(work, args, 'off')).stdout) as { files: Array<{ error: { type: string } }> }
      types.push(doc.files[0]!.error.type)
    }
    expect(types).toEqual(['FileError', 'YamlSyntaxError', 'ValidationError'])
  })
})

describe('without a usable cache directory', () => {
  // A service account's $HOME that does not exist, or an XDG_CACHE_HOME under a missing directory:
  // cfpull runs without a cache, does the same, and creates nothing.
  it.each([
    ['HOME=<missing>', (missing: string) => ({ HOME: missing })],
    ['XDG_CACHE_HOME=<missing>/cache', (missing: string) => ({ HOME: '/', XDG_CACHE_HOME: join(missing, 'cache') })],
  ])('%s: the same output, and nothing created', async (_, envFor) => {
    const work = tempDir()
    const missing = join(work, 'nonexistent')
    for (const args of [['--version'], ['charts'], ['patch', 'values.yaml', '--secret', 'my-credential', '--check']]) {
      const off = await run(work, args, 'off')
      const r = await execa(process.execPath, [join(repo, 'bin/cfpull.js'), ...args], {
        reject: false,
        cwd: work,
        env: { NO_COLOR: '1', ...envFor(missing) },
        extendEnv: false,
      })
      expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({
        exitCode: off.exitCode,
        stdout: off.stdout,
        stderr: off.stderr,
      })
    }
    expect(existsSync(missing)).toBe(false)
  })
})

describe.runIf(usesV8Cache)('the V8 code cache (Node 20)', () => {
  it('lives in $XDG_CACHE_HOME/cfpull (0700), one file 0600 named by bundle path and bytes, Node, V8 and arch', async () => {
    const work = tempDir()
    const cache = join(work, 'cache')
    await run(work, ['charts'], cache)
    expect(statSync(join(cache, 'cfpull')).mode & 0o777).toBe(0o700)
    const f = cacheFileIn(cache)
    expect(f.mode).toBe(0o600)
    expect(f.uid).toBe(process.getuid!())
    const bundle = join(repo, 'dist/cli.cjs')
    const sha = (x: Buffer | string) => createHash('sha256').update(x).digest('hex')
    expect(f.name).toBe(
      `cli-${sha(bundle).slice(0, 16)}-${sha(readFileSync(bundle)).slice(0, 32)}-node${process.versions.node}-v8-${process.versions.v8}-${process.arch}.bin`,
    )
    // The header: format, the sha256 of the V8 data after it and the kinds of run it has served,
    // the bundle's path.
    const bytes = readFileSync(f.path)
    const [magic, header, path] = bytes.toString('latin1').split('\n', 3)
    expect([magic, path]).toEqual(['cfpull-v8-cache 2', encodeURIComponent(bundle)])
    const data = bytes.subarray(magic!.length + header!.length + path!.length + 3)
    expect(header).toBe(`${sha(data)} charts`)
    // Under CFPULL_NO_CACHE nothing is written.
    await run(work, ['charts'], 'off')
    expect(readdirSync(work).sort()).toEqual(['cache', 'values.yaml'])
  })

  it('grows to cover each kind of run, then stays: charts first does not leave patch uncached', async () => {
    const work = tempDir()
    const cache = join(work, 'cache')
    const patch = ['patch', 'values.yaml', '--secret', 'my-credential', '--check']
    await run(work, ['charts'], cache)
    const a = cacheFileIn(cache)
    await run(work, patch, cache)
    const b = cacheFileIn(cache)
    expect(b.ino).not.toBe(a.ino)
    // It holds what patch compiled on top of what --version had.
    expect(b.st.size).toBeGreaterThan(a.st.size)
    expect(readFileSync(b.path, 'latin1').split('\n')[1]!.split(' ').slice(1)).toEqual(['charts', 'patch'])
    await run(work, patch, cache)
    await run(work, ['charts'], cache)
    expect(cacheFileIn(cache).ino).toBe(b.ino)
  })

  it('a damaged cache (its checksum does not match) is ignored and rewritten', async () => {
    const work = tempDir()
    const cache = join(work, 'cache')
    const args = ['patch', 'values.yaml', '--secret', 'my-credential', '--dry-run']
    const off = await run(work, args, 'off')
    await run(work, args, cache)
    const f = cacheFileIn(cache)
    const bytes = readFileSync(f.path)
    const header = bytes.indexOf(10, bytes.indexOf(10, bytes.indexOf(10) + 1) + 1) + 1
    for (let i = header + 64; i < bytes.length; i += 97) bytes[i] = bytes[i]! ^ 0xff
    writeFileSync(f.path, bytes)
    expect(await run(work, args, cache)).toEqual(off)
    const rewritten = cacheFileIn(cache)
    expect(rewritten.ino).not.toBe(f.ino)
    expect(readFileSync(rewritten.path).equals(bytes)).toBe(false)
    // and the new one is accepted
    expect(await run(work, args, cache)).toEqual(off)
    expect(cacheFileIn(cache).ino).toBe(rewritten.ino)
  })

  it('a file not in the cache format, or readable by others, is ignored and rewritten', async () => {
    const work = tempDir()
    const cache = join(work, 'cache')
    const off = await run(work, ['--help'], 'off')
    await run(work, ['--help'], cache)
    const f = cacheFileIn(cache)
    writeFileSync(f.path, 'not a cache')
    expect(await run(work, ['--help'], cache)).toEqual(off)
    expect(readFileSync(cacheFileIn(cache).path, 'latin1')).toMatch(/^cfpull-v8-cache 2\n[0-9a-f]{64} -\+help\n/)
    const open = cacheFileIn(cache)
    chmodSync(open.path, 0o644)
    expect(await run(work, ['--help'], cache)).toEqual(off)
    const again = cacheFileIn(cache)
    expect([again.ino === open.ino, again.mode]).toEqual([false, 0o600])
  })

  it('a symlink in place of the cache file is not followed, and is replaced by a file of our own', async () => {
    const work = tempDir()
    const cache = join(work, 'cache')
    const off = await run(work, ['charts'], 'off')
    await run(work, ['charts'], cache)
    const f = cacheFileIn(cache)
    const elsewhere = join(work, 'elsewhere.bin')
    copyFileSync(f.path, elsewhere)
    chmodSync(elsewhere, 0o600)
    const before = readFileSync(elsewhere)
    rmSync(f.path)
    symlinkSync(elsewhere, f.path)
    expect(await run(work, ['charts'], cache)).toEqual(off)
    const now = cacheFileIn(cache)
    expect(now.st.isFile()).toBe(true)
    expect(readFileSync(elsewhere).equals(before)).toBe(true)
  })

  it('a cache directory others may write to is not used at all', async () => {
    const work = tempDir()
    const cache = join(work, 'cache')
    mkdirSync(join(cache, 'cfpull'), { recursive: true })
    chmodSync(join(cache, 'cfpull'), 0o777)
    expect(await run(work, ['charts'], cache)).toEqual(await run(work, ['charts'], 'off'))
    expect(readdirSync(join(cache, 'cfpull'))).toEqual([])
  })

  // Making a file another user owns takes root; CI runs as root (README "Development").
  it.runIf(process.getuid?.() === 0)('a cache file or directory another user owns is not trusted', async () => {
    const work = tempDir()
    const cache = join(work, 'cache')
    const args = ['patch', 'values.yaml', '--secret', 'my-credential', '--dry-run']
    const off = await run(work, args, 'off')
    await run(work, args, cache)
    const f = cacheFileIn(cache)
    chownSync(f.path, 65534, 65534)
    expect(await run(work, args, cache)).toEqual(off)
    const mine = cacheFileIn(cache)
    expect([mine.uid, mine.ino === f.ino]).toEqual([0, false])
    chownSync(join(cache, 'cfpull'), 65534, 65534)
    expect(await run(work, args, cache)).toEqual(off)
    expect(cacheFileIn(cache).ino).toBe(mine.ino)
  })

  it('a changed bundle gets a new cache, the old file is removed, and a cache V8 rejects is rewritten', async () => {
    const work = tempDir()
    const copy = join(work, 'pkg')
    for (const f of ['bin/cfpull.js', 'bin/package.json', 'dist/cli.cjs']) cpSync(join(repo, f), join(copy, f))
    const bin = join(copy, 'bin/cfpull.js')
    const cache = join(work, 'cache')
    const off = await run(work, ['charts'], 'off', bin)
    await run(work, ['charts'], cache, bin)
    const first = cacheFileIn(cache)
    const old = readFileSync(first.path)
    appendFileSync(join(copy, 'dist/cli.cjs'), '// changed\n')
    expect(await run(work, ['charts'], cache, bin)).toEqual(off)
    const second = cacheFileIn(cache)
    expect(second.name).not.toBe(first.name)
    // The old bundle's cache under the new key: its checksum holds, but V8 sees that it was made
    // for other source, rejects it, and the run that found it writes a good one.
    writeFileSync(second.path, old, { mode: 0o600 })
    const planted = cacheFileIn(cache)
    expect(await run(work, ['charts'], cache, bin)).toEqual(off)
    const third = cacheFileIn(cache)
    expect(third.ino).not.toBe(planted.ino)
    expect(readFileSync(third.path).equals(old)).toBe(false)
    await run(work, ['charts'], cache, bin)
    expect(cacheFileIn(cache).ino).toBe(third.ino)
  })

  // V8 keeps the filename a script was first compiled under in its code cache, whatever filename
  // a later compile gives: two installs sharing one cache would show each other's files in traces.
  it("two installs of the same bundle keep their own caches: each stack trace names the install's own files", async () => {
    const work = tempDir()
    const cache = join(work, 'cache')
    const copies = ['one', 'two'].map((name) => {
      const copy = join(work, name)
      for (const f of ['package.json', 'bin/cfpull.js', 'bin/package.json', 'dist/cli.cjs'])
        cpSync(join(repo, f), join(copy, f))
      return copy
    })
    const args = ['patch', 'missing.yaml', '--secret', 'x', '--verbose']
    // one, two, one, two: the second round is served by caches, each from its own install.
    for (const copy of [...copies, ...copies]) {
      const r = await run(work, args, cache, join(copy, 'bin/cfpull.js'))
      const frames = r.stderr.split('\n').filter((l) => /^\s+at .*cli\.cjs:\d+:\d+\)?$/.test(l))
      expect(frames.length).toBeGreaterThan(2)
      expect(frames.filter((l) => !l.includes(`${join(copy, 'dist/cli.cjs')}:`))).toEqual([])
    }
    expect(readdirSync(join(cache, 'cfpull'))).toHaveLength(2)
    // An install that is gone loses its cache at the next write of another one.
    rmSync(copies[0]!, { recursive: true })
    await run(work, ['charts'], cache, join(copies[1]!, 'bin/cfpull.js'))
    const left = readdirSync(join(cache, 'cfpull'))
    expect(left).toHaveLength(1)
    expect(readFileSync(join(cache, 'cfpull', left[0]!), 'latin1').split('\n')[2]).toBe(
      encodeURIComponent(join(copies[1]!, 'dist/cli.cjs')),
    )
  })
})
