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
const fs = require('node:fs')
const path = require('node:path')
const Module = require('node:module')

const bundle = path.join(__dirname, '..', 'dist', 'cli.cjs')
const MAGIC = 'cfpull-v8-cache 1\n'
const useCache = !process.env.CFPULL_NO_CACHE || process.env.CFPULL_NO_CACHE === '0'

if (typeof Module.enableCompileCache === 'function') {
  const dir = useCache && cacheDir()
  if (dir) Module.enableCompileCache(path.join(dir, 'node-compile-cache'))
  start(require(bundle))
} else {
  loadWithV8Cache()
}

function start(cli, afterRun) {
  cli.main().then((code) => {
    process.exitCode = code
    if (afterRun) afterRun()
  })
}

function loadWithV8Cache() {
  const vm = require('node:vm')
  const bytes = fs.readFileSync(bundle)
  const source = bytes.toString('utf8')
  const dir = useCache && cacheDir()
  const file = dir && path.join(dir, cacheName(bytes))
  const cachedData = file ? readOwnFile(file) : undefined
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
    if (file && !kinds.includes(kind)) writeCache(dir, file, script, [...kinds, kind])
  })
}

// V8 11.3's (every Node 20's) default; Node >= 22.1 does not come here.
const DEFAULT_INTERRUPT_BUDGET = 66 * 1024

function setInterruptBudget(bytes) {
  require('node:v8').setFlagsFromString(`--interrupt-budget=${bytes}`)
}

// ---------------------------------------------------------------- the cache directory

/** The user's cache directory for cfpull, created 0700; undefined when it is not the user's own. */
function cacheDir() {
  try {
    const env = process.env
    const home = require('node:os').homedir()
    const base =
      env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
        ? env.XDG_CACHE_HOME
        : process.platform === 'darwin'
          ? path.join(home, 'Library', 'Caches')
          : process.platform === 'win32'
            ? env.LOCALAPPDATA || path.join(home, 'AppData', 'Local')
            : path.join(home, '.cache')
    const dir = path.join(base, 'cfpull')
    let st = lstat(dir)
    if (!st) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
      st = lstat(dir)
    }
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

// On Windows there is no uid; the directory is under the user's profile.
function owned(st) {
  return typeof process.getuid !== 'function' || st.uid === process.getuid()
}

// ---------------------------------------------------------------- the Node 20 cache file

// The key: what the bundle is (a hash of its bytes: 0.4 ms) and what compiled it.
function cacheName(bytes) {
  const sha = sha256(bytes).slice(0, 32)
  const v8 = process.versions.v8.replace(/[^\w.-]/g, '_')
  return `cli-${sha}-node${process.versions.node}-v8-${v8}-${process.arch}.bin`
}

function sha256(bytes) {
  return require('node:crypto').createHash('sha256').update(bytes).digest('hex')
}

/**
 * The V8 data of a cache file we own, as a Buffer with the run kinds it covers in `.kinds`; undefined when it is missing, not a regular file, not ours, or not in our format.
 */
function readOwnFile(file) {
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
    const end = buf.indexOf(10, MAGIC.length)
    if (end < 0 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined
    const [sum, ...kinds] = buf.toString('latin1', MAGIC.length, end).split(' ')
    const data = buf.subarray(end + 1)
    if (sum !== sha256(data)) return undefined
    data.kinds = kinds.filter(Boolean)
    return data
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** The subcommand (or -V/-h alone): what decides which code a run compiles. */
function runKind(args) {
  const first = args.find((a) => !a.startsWith('-'))
  const kind = first && /^[a-z][a-z-]{0,30}$/.test(first) ? first : '-'
  return args.includes('-h') || args.includes('--help') ? `${kind}+help` : kind
}

// After the run, so that the functions it compiled lazily are in the cache. Written to a temp file
// (0600) and renamed over the old one, so a reader sees a whole cache or none; other keys' files
// (an older bundle, another Node) and stale temp files are removed. Any failure just leaves no cache.
function writeCache(dir, file, script, kinds) {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    const data = script.createCachedData()
    const header = `${MAGIC}${[sha256(data), ...new Set(kinds)].slice(0, 33).join(' ')}\n`
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(header, 'latin1'), data]), { flag: 'wx', mode: 0o600 })
    fs.renameSync(tmp, file)
    // A temp file is another run's write in progress, unless it is old (that run was killed).
    for (const name of fs.readdirSync(dir)) {
      const other = path.join(dir, name)
      if (!name.startsWith('cli-') || other === file) continue
      if (name.endsWith('.tmp') && Date.now() - (lstat(other)?.mtimeMs ?? 0) < 600_000) continue
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
