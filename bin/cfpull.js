#!/usr/bin/env node
'use strict'
// Loads the CLI bundle (dist/cli.cjs) with a code cache, so V8 does not compile the same 700 KB
// on every run (README "Performance"). CommonJS (bin/package.json): an ESM entry costs ~3 ms more.
//   Node >= 22.1: Node's own compile cache (module.enableCompileCache) in cfpull's cache directory.
//   Node 20: vm.Script with V8 cachedData, made after a run (so it holds the functions that run
//   used, not only the top level), in $XDG_CACHE_HOME/cfpull or the OS equivalent, keyed by the
//   bundle's sha256 and Node, V8 and arch. A file that is not ours, not a regular
//   file, or that V8 rejects is ignored and replaced. CFPULL_NO_CACHE=1 turns all of it off.
// The cache changes how fast the bundle compiles, never what it does: test/e2e/code-cache.test.ts.
// `cfpull --version` (or `cfpull version`) alone is answered from package.json before any of that (the bundle reads the
// same version, inlined by the build): a version check in a script should cost no more than node.
const fs = require('node:fs')
const path = require('node:path')

// A Node 20 cache file: MAGIC, a line with the data's sha256 and the run kinds it has served, a
// line with the bundle's path (URI-encoded), then V8's data.
const MAGIC = 'cfpull-v8-cache 2\n'
// V8 11.3's (every Node 20's) default; Node >= 22.1 does not use it.
const DEFAULT_INTERRUPT_BUDGET = 66 * 1024

const args = process.argv.slice(2)
const version =
  args.length === 1 && (args[0] === '--version' || args[0] === '-V' || args[0] === 'version') && packageVersion()
if (version) {
  process.stdout.write(`${version}\n`)
} else {
  load()
}

/** The version in the package's package.json; undefined (the bundle answers then) when it cannot be read. */
function packageVersion() {
  try {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'))
    return typeof version === 'string' && /^\d+\.\d+\.\d+\S*$/.test(version) ? version : undefined
  } catch {
    return undefined
  }
}

function load() {
  const Module = require('node:module')
  const bundle = path.join(__dirname, '..', 'dist', 'cli.cjs')
  const useCache = !process.env.CFPULL_NO_CACHE || process.env.CFPULL_NO_CACHE === '0'
  if (typeof Module.enableCompileCache === 'function') {
    // Node's compile cache is keyed by the file's path (and checks its content) itself.
    const dir = useCache && cacheDir()
    if (dir) Module.enableCompileCache(path.join(dir, 'node-compile-cache'))
    start(require(bundle))
  } else {
    loadWithV8Cache(Module, bundle, useCache)
  }
}

function start(cli, afterRun) {
  cli.main().then((code) => {
    process.exitCode = code
    if (afterRun) afterRun()
  })
}

function loadWithV8Cache(Module, bundle, useCache) {
  const vm = require('node:vm')
  const bytes = fs.readFileSync(bundle)
  const source = bytes.toString('utf8')
  const dir = useCache && cacheDir()
  const file = dir && path.join(dir, cacheName(bundle, bytes))
  const cachedData = file ? readOwnFile(file, bundle) : undefined
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cachedData && { cachedData }),
  })
  const module = { exports: {} }
  script
    .runInThisContext()
    .call(module.exports, module.exports, Module.createRequire(bundle), module, bundle, path.dirname(bundle))
  // A cache V8 accepted is kept while the runs it serves are of kinds it has seen (the
  // subcommand): one made by `--version` alone would leave `patch` compiling lazily for ever.
  const kind = runKind(process.argv.slice(2))
  const kinds = cachedData && !script.cachedDataRejected ? cachedData.kinds : []
  // A run that does work spends its short life in the interpreter and in tiering-up compiles that
  // never pay back: a larger interrupt budget keeps it interpreting. Set after the cache was
  // checked and put back before one is made: V8 hashes the flags that differ from their defaults
  // into a cache and rejects one made under other flags (test/e2e/code-cache.test.ts would see
  // every warm run rewrite its cache if the default below were not V8's).
  const tune = kind !== '-' && !kind.endsWith('+help')
  if (tune) setInterruptBudget(1_000_000)
  start(module.exports, () => {
    if (tune) setInterruptBudget(DEFAULT_INTERRUPT_BUDGET)
    if (file && !kinds.includes(kind)) writeCache(dir, file, bundle, script, [...kinds, kind])
  })
}

function setInterruptBudget(bytes) {
  require('node:v8').setFlagsFromString(`--interrupt-budget=${bytes}`)
}

// ---------------------------------------------------------------- the cache directory

/**
 * The user's cache directory for cfpull, created 0700; undefined when it is not the user's own, or
 * when the directory it belongs under does not exist: a $HOME that is not there (a service account,
 * `HOME=/nonexistent`) means running without a cache, never creating that home.
 */
function cacheDir() {
  try {
    const env = process.env
    const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : undefined
    const [anchor, ...below] = xdg
      ? [path.dirname(xdg), path.basename(xdg), 'cfpull']
      : process.platform === 'win32' && env.LOCALAPPDATA
        ? [env.LOCALAPPDATA, 'cfpull']
        : [
            require('node:os').homedir(),
            ...(process.platform === 'darwin'
              ? ['Library', 'Caches']
              : process.platform === 'win32'
                ? ['AppData', 'Local']
                : ['.cache']),
            'cfpull',
          ]
    if (!anchor || !fs.statSync(anchor).isDirectory()) return undefined
    let dir = anchor
    for (const name of below) {
      dir = path.join(dir, name)
      if (!fs.existsSync(dir)) fs.mkdirSync(dir, { mode: 0o700 })
    }
    const st = lstat(dir)
    return st && st.isDirectory() && owned(st) && (st.mode & 0o022) === 0 ? dir : undefined
  } catch {
    return undefined
  }
}

function lstat(p) {
  try {
    return fs.lstatSync(p)
  } catch {
    return undefined
  }
}

/** The first 8 KiB of a file (a cache file's header), not following a symlink; empty when unreadable. */
function readStart(file) {
  let fd
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0))
    const buf = Buffer.alloc(8192)
    return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0))
  } catch {
    return Buffer.alloc(0)
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

// On Windows there is no uid; the directory is under the user's profile.
function owned(st) {
  return typeof process.getuid !== 'function' || st.uid === process.getuid()
}

// ---------------------------------------------------------------- the Node 20 cache file

// The key: where the bundle is, what it is (a hash of its bytes: 0.4 ms) and what compiled it.
// The path is part of it because V8 keeps the filename a script was first compiled under in its
// cache: two installs with the same bundle sharing one would show each other's paths in stack traces.
function cacheName(bundle, bytes) {
  const sha = sha256(bytes).slice(0, 32)
  const v8 = process.versions.v8.replace(/[^\w.-]/g, '_')
  return `${cachePrefix(bundle)}${sha}-node${process.versions.node}-v8-${v8}-${process.arch}.bin`
}

/** What every cache file of the bundle at this path starts with. */
function cachePrefix(bundle) {
  return `cli-${sha256(Buffer.from(bundle)).slice(0, 16)}-`
}

function sha256(bytes) {
  return require('node:crypto').createHash('sha256').update(bytes).digest('hex')
}

/**
 * The V8 data of a cache file we own, for the bundle at `bundle`, as a Buffer with the run kinds it covers in `.kinds`; undefined when it is missing, not a regular file, not ours, or not in our format.
 */
function readOwnFile(file, bundle) {
  let fd
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0))
    const st = fs.fstatSync(fd)
    if (!st.isFile() || !owned(st) || (st.mode & 0o077) !== 0 || st.size > 64 << 20) return undefined
    const buf = Buffer.allocUnsafe(st.size)
    let n = 0
    while (n < st.size) {
      const r = fs.readSync(fd, buf, n, st.size - n, n)
      if (r === 0) return undefined
      n += r
    }
    // V8 checks versions and flags but not the bytes (a release build skips its checksum), and
    // a damaged cache can crash it: the header holds the data's sha256, checked here.
    const header = readHeader(buf)
    if (!header || header.bundle !== bundle) return undefined
    const data = buf.subarray(header.length)
    if (header.sum !== sha256(data)) return undefined
    data.kinds = header.kinds
    return data
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** The header fields of a cache file's first bytes, and its length; undefined when not in our format. */
function readHeader(buf) {
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined
  const first = buf.indexOf(10, MAGIC.length)
  const second = first < 0 ? -1 : buf.indexOf(10, first + 1)
  if (second < 0) return undefined
  const [sum, ...kinds] = buf.toString('latin1', MAGIC.length, first).split(' ')
  return {
    sum,
    kinds: kinds.filter(Boolean),
    bundle: decodeURIComponent(buf.toString('latin1', first + 1, second)),
    length: second + 1,
  }
}

/** The subcommand (or -V/-h alone): what decides which code a run compiles. */
function runKind(args) {
  const first = args.find((a) => !a.startsWith('-'))
  const kind = first && /^[a-z][a-z-]{0,30}$/.test(first) ? first : '-'
  return args.includes('-h') || args.includes('--help') ? `${kind}+help` : kind
}

// After the run, so that the functions it compiled lazily are in the cache. Written to a temp file
// (0600) and renamed over the old one, so a reader sees a whole cache or none. Removed: this
// bundle path's other files (an older bundle, another Node), files of bundles that are gone (an
// uninstalled copy), files not in this format, and stale temp files; another install's cache stays.
// Any failure just leaves no cache.
function writeCache(dir, file, bundle, script, kinds) {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    const data = script.createCachedData()
    const header = `${MAGIC}${[sha256(data), ...new Set(kinds)].slice(0, 33).join(' ')}\n${encodeURIComponent(bundle)}\n`
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(header, 'latin1'), data]), { flag: 'wx', mode: 0o600 })
    fs.renameSync(tmp, file)
    const mine = cachePrefix(bundle)
    for (const name of fs.readdirSync(dir)) {
      const other = path.join(dir, name)
      if (!name.startsWith('cli-') || other === file) continue
      // A temp file is another run's write in progress, unless it is old (that run was killed).
      if (name.endsWith('.tmp')) {
        if (Date.now() - (lstat(other)?.mtimeMs ?? 0) < 600_000) continue
      } else if (!name.startsWith(mine)) {
        const owner = readHeader(readStart(other))?.bundle
        if (owner && cachePrefix(owner) === name.slice(0, mine.length) && fs.existsSync(owner)) continue
      }
      fs.rmSync(other, { force: true })
    }
  } catch {
    try {
      fs.rmSync(tmp, { force: true })
    } catch {
      // nothing to clean
    }
  }
}
