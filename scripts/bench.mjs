#!/usr/bin/env node
// npm run bench: how fast cfpull starts, and what it costs on large and many files (README
// "Performance"). Every figure is a ratio to a baseline measured in this same run, interleaved
// with it (A B A B …, the order alternating), so that both sides see the same machine load:
//
//   1. `cfpull patch --check examples/values.yaml` vs `node -e 0`: warm and cold code cache
//   2. `cfpull --version` vs `node -e 0`: warm and cold code cache
//   3. peak RSS of 1 (warm) vs `node -e 0`
//   4. generated files of 1–5 MB in two shapes (bigConfigs, manySections: scripts/shapes.mjs):
//      `patch --check` and a write (`patch -o`) vs a bare process that reads the file and runs
//      the yaml library's own parseDocument on it (the floor while yaml is the engine); time and
//      peak RSS
//   5. `patch --check` of every parseable corpus file in one process vs the bare parseDocument of
//      the same files in one process: time per MB
//
// "Cold" is a run with an empty cache directory (it compiles everything and writes the cache);
// "warm" one with the cache that an earlier run of the same command wrote. Uses what
// `npm run build` made. Prints Markdown; writes bench/results.json.
//
//   node scripts/bench.mjs [--runs 21] [--large-runs 3] [--sizes 1,2,3,4,5] [--corpus DIR] [--skip-corpus] [--skip-large]
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { bigConfigs, manySections } from './shapes.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '21' },
    'large-runs': { type: 'string', default: '3' },
    sizes: { type: 'string', default: '1,2,3,4,5' },
    corpus: { type: 'string', default: process.env.CFPULL_CORPUS || join('..', 'shared', 'fixtures', 'cloudforet') },
    'skip-corpus': { type: 'boolean', default: false },
    'skip-large': { type: 'boolean', default: false },
  },
})
const RUNS = Math.max(3, Number.parseInt(opt.runs, 10) || 21)
const LARGE_RUNS = Math.max(1, Number.parseInt(opt['large-runs'], 10) || 3)
const SIZES = opt.sizes
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
const CORPUS = resolve(root, opt.corpus)
const SECRET = 'my-credential'
const BIN = join(root, 'bin', 'cfpull.js')
const EXAMPLE = join(root, 'examples', 'values.yaml')
const YAML = join(root, 'node_modules', 'yaml')

for (const f of ['bin/cfpull.js', 'dist/cli.cjs', 'dist/index.js'])
  if (!existsSync(join(root, f))) fail(`${f} is missing: run \`npm ci\` (or \`npm run build\`) first`)

const tmp = mkdtempSync(join(tmpdir(), 'cfpull-bench-'))
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }))
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href)
const services = lib.chartInfo().services

// ---------------------------------------------------------------- measuring processes

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

// Peak RSS: GNU time's %M when /usr/bin/time is GNU time, else a preload that reports the
// process's own process.resourceUsage().maxRSS at exit (it runs in the measured process).
const rssFile = join(tmp, 'rss')
const preload = join(tmp, 'rss.cjs')
writeFileSync(
  preload,
  `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)))\n`,
)
const gnuTime = (() => {
  if (!existsSync('/usr/bin/time')) return false
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, '-e', '0'], { stdio: 'ignore' })
  return r.status === 0 && /^\d+\s*$/.test(safeRead(rssFile))
})()
const RSS_METHOD = gnuTime
  ? 'GNU time %M (/usr/bin/time)'
  : 'process.resourceUsage().maxRSS, read at exit by a --require preload'

/**
 * Runs `node ...c.args` once (after c.before(), untimed); returns wall ms and peak RSS KiB.
 * Checks the exit code. Wall time includes GNU time's own exec, on both sides of every ratio.
 */
function run(c) {
  c.before?.()
  rmSync(rssFile, { force: true })
  const env = { ...process.env, NO_COLOR: '1', ...c.env }
  const t = performance.now()
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, ...c.args], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
        env,
        maxBuffer: 64 << 20,
      })
    : spawnSync(process.execPath, ['--require', preload, ...c.args], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
        env,
        maxBuffer: 64 << 20,
      })
  const ms = performance.now() - t
  const ok = c.ok ?? [0]
  if (!ok.includes(r.status))
    fail(
      `${c.name}: node ${c.args.slice(0, 6).join(' ')} … exited ${r.status ?? r.signal}, expected ${ok}\n${r.stderr}`,
    )
  const kib = Number.parseInt(safeRead(rssFile).trim().split('\n').at(-1), 10)
  if (!(kib > 0)) fail(`no peak RSS figure from ${RSS_METHOD}`)
  return { ms, kib }
}

/**
 * Interleaves `runs` rounds of the commands (the order alternating). Per command: the median
 * time and peak RSS, and the medians of the per-round ratios to the first command (the
 * baseline), so that a burst of load on the machine hits both sides of a ratio alike.
 */
function compare(commands, runs) {
  for (const c of commands) run(c) // the file cache, and each warm cache, made before timing
  const got = commands.map(() => [])
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? [...commands.keys()].reverse() : [...commands.keys()]
    for (const k of order) got[k].push(run(commands[k]))
  }
  return got.map((g) => ({
    ms: median(g.map((x) => x.ms)),
    kib: median(g.map((x) => x.kib)),
    ratio: median(g.map((x, i) => x.ms / got[0][i].ms)),
    rssRatio: median(g.map((x, i) => x.kib / got[0][i].kib)),
  }))
}

// ---------------------------------------------------------------- 1–3: start-up

const cacheDir = (name) => {
  const d = join(tmp, name)
  mkdirSync(d, { recursive: true })
  return d
}
const warm = (name, args, ok) => ({ name, args, ok, env: { XDG_CACHE_HOME: cacheDir(`warm-${name}`) } })
const cold = (name, args, ok) => {
  const d = join(tmp, `cold-${name}`)
  return { name, args, ok, env: { XDG_CACHE_HOME: d }, before: () => rmSync(d, { recursive: true, force: true }) }
}
const patchArgs = [BIN, 'patch', '--check', EXAMPLE, '--secret', SECRET]
const versionArgs = [BIN, '--version']

progress(`1–3: whole-process runs against node -e 0 (${RUNS} rounds, interleaved)`)
const [base, patchWarm, patchCold, versionWarm, versionCold] = compare(
  [
    { name: 'node -e 0', args: ['-e', '0'] },
    warm('patch', patchArgs, [5]),
    cold('patch', patchArgs, [5]),
    warm('version', versionArgs),
    cold('version', versionArgs),
  ],
  RUNS,
)

// ---------------------------------------------------------------- 4: large files

const floorScript = join(tmp, 'floor.cjs')
// The same parse options as cfpull (YAML 1.1, duplicate keys allowed: what Helm reads).
writeFileSync(
  floorScript,
  `const { parseDocument } = require(${JSON.stringify(YAML)})
const fs = require('node:fs')
for (const f of process.argv.slice(2)) {
  const doc = parseDocument(fs.readFileSync(f, 'utf8'), { version: '1.1', uniqueKeys: false })
  if (doc.errors.length) process.exit(9)
}
`,
)

const large = []
if (!opt['skip-large']) {
  const warmLarge = { XDG_CACHE_HOME: cacheDir('warm-large') }
  for (const [shape, make] of [
    ['bigConfigs', bigConfigs],
    ['manySections', manySections],
  ])
    for (const mb of SIZES) {
      const file = join(tmp, `${shape}-${mb}.yaml`)
      const text = make(mb * 1024 * 1024, services)
      writeFileSync(file, text)
      const out = join(tmp, 'out.yaml')
      progress(`4: ${shape} ${mb} MB (${LARGE_RUNS} rounds of floor, --check, -o)`)
      const [floor, check, write] = compare(
        [
          { name: 'floor', args: [floorScript, file] },
          { name: 'check', args: [BIN, 'patch', '--check', '-q', file, '--secret', SECRET], ok: [5], env: warmLarge },
          {
            name: 'write',
            args: [BIN, 'patch', '-q', file, '--secret', SECRET, '-o', out],
            env: warmLarge,
            before: () => rmSync(out, { force: true }),
          },
        ],
        LARGE_RUNS,
      )
      large.push({ shape, mb, bytes: Buffer.byteLength(text), floor, check, write })
    }
}

// ---------------------------------------------------------------- 5: the corpus in one process

let corpus
if (opt['skip-corpus']) corpus = { skipped: '--skip-corpus' }
else if (!existsSync(CORPUS)) corpus = { skipped: `no corpus at ${CORPUS} (set CFPULL_CORPUS or pass --corpus DIR)` }
else {
  const chart = lib.chartInfo()
  const all = listYaml(CORPUS)
  // Parseable: the patch does not throw (the same defaults as the CLI: latest chart, plugins auto).
  const files = all.filter((file) => {
    try {
      lib.addImagePullSecrets(readFileSync(file, 'utf8'), { secrets: [SECRET], chart, file, verify: false })
      return true
    } catch {
      return false
    }
  })
  if (files.length === 0) corpus = { skipped: `no parseable values file in ${CORPUS}` }
  else {
    const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0)
    const runs = Math.max(5, Math.ceil(RUNS / 3))
    progress(`5: ${files.length} corpus files in one process vs parseDocument of the same (${runs} rounds)`)
    const [floor, cfpull] = compare(
      [
        { name: 'corpus floor', args: [floorScript, ...files] },
        {
          name: 'corpus',
          args: [BIN, 'patch', '--check', '--quiet', '--secret', SECRET, ...files],
          ok: [0, 3, 5],
          env: { XDG_CACHE_HOME: cacheDir('warm-corpus') },
        },
      ],
      runs,
    )
    const mib = bytes / 1024 / 1024
    corpus = {
      dir: relative(root, CORPUS) || '.',
      files: files.length,
      skippedFiles: all.length - files.length,
      bytes,
      runs,
      floorMs: floor.ms,
      cfpullMs: cfpull.ms,
      floorMsPerMiB: floor.ms / mib,
      cfpullMsPerMiB: cfpull.ms / mib,
      ratio: cfpull.ratio,
    }
  }
}

// ---------------------------------------------------------------- report

const x = (r) => `${r.toFixed(2)}×`
const ms = (t) => `${t.toFixed(t < 10 ? 1 : 0)} ms`
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`
const yes = (ok) => (ok ? 'yes' : '**no**')
const e0 = `\`node -e 0\` ${ms(base.ms)}`

const rows = [
  [
    '1',
    '`cfpull patch --check examples/values.yaml`, warm cache',
    ms(patchWarm.ms),
    e0,
    x(patchWarm.ratio),
    '≤ 1.5× (stretch 1.3×)',
    yes(patchWarm.ratio <= 1.5) + (patchWarm.ratio <= 1.3 ? ' (stretch too)' : ''),
  ],
  ['1', 'the same, cold cache', ms(patchCold.ms), e0, x(patchCold.ratio), '≤ 2.2×', yes(patchCold.ratio <= 2.2)],
  [
    '2',
    '`cfpull --version`, warm cache',
    ms(versionWarm.ms),
    e0,
    x(versionWarm.ratio),
    '≤ 1.2×',
    yes(versionWarm.ratio <= 1.2),
  ],
  ['2', 'the same, cold cache', ms(versionCold.ms), e0, x(versionCold.ratio), '—', '—'],
  ['3', 'peak RSS of 1 (warm)', mib(patchWarm.kib), `\`node -e 0\` ${mib(base.kib)}`, x(patchWarm.rssRatio), '—', '—'],
  corpus.skipped
    ? ['5', 'corpus in one process', '—', '—', '—', '≤ 1.5×', `skipped: ${corpus.skipped}`]
    : [
        '5',
        `\`cfpull patch --check\` of ${corpus.files} corpus files, one process, per MiB`,
        `${ms(corpus.cfpullMsPerMiB)}/MiB`,
        `parseDocument ${ms(corpus.floorMsPerMiB)}/MiB`,
        x(corpus.ratio),
        '≤ 1.5×',
        yes(corpus.ratio <= 1.5),
      ],
]
const table = (head, body) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')

const env = {
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpu: cpus()[0]?.model ?? '?',
  cores: cpus().length,
  loadavg: loadavg().map((l) => +l.toFixed(2)),
}
console.log()
console.log(`cfpull bench: Node ${env.node}, ${env.platform}, ${env.cores} × ${env.cpu}, load ${env.loadavg.join(' ')}`)
console.log(
  `medians of ${RUNS} interleaved rounds (4: ${LARGE_RUNS}; 5: ${corpus.runs ?? '—'}); a ratio is the median of each round's ratio to the baseline beside it; peak RSS: ${RSS_METHOD}`,
)
console.log()
console.log(table(['#', 'measured', 'median', 'baseline', 'ratio', 'target', 'met'], rows))
if (large.length) {
  console.log()
  console.log(
    '4: against a bare `parseDocument` of the same file (targets: --check ≤ 1.3× time, a write ≤ 2.0× time, both ≤ 1.3× peak RSS)',
  )
  console.log()
  console.log(
    table(
      ['shape', 'size', 'floor', '--check time', '--check RSS', 'write time', 'write RSS', 'met'],
      large.map((l) => [
        l.shape,
        `${(l.bytes / 1024 / 1024).toFixed(1)} MiB`,
        `${ms(l.floor.ms)}, ${mib(l.floor.kib)}`,
        x(l.check.ratio),
        x(l.check.rssRatio),
        x(l.write.ratio),
        x(l.write.rssRatio),
        yes(l.check.ratio <= 1.3 && l.write.ratio <= 2 && l.check.rssRatio <= 1.3 && l.write.rssRatio <= 1.3),
      ]),
    ),
  )
}
if (!corpus.skipped)
  console.log(
    `\n5: ${corpus.files} parseable files (${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB; ${corpus.skippedFiles} that the patch rejects left out) of ${corpus.dir}: cfpull ${ms(corpus.cfpullMs)}, parseDocument ${ms(corpus.floorMs)}.`,
  )

const results = {
  date: new Date().toISOString(),
  env,
  runs: RUNS,
  largeRuns: LARGE_RUNS,
  rssMethod: RSS_METHOD,
  baseline: { nodeE0Ms: base.ms, nodeE0RssKiB: base.kib },
  patchCheck: {
    warm: { ms: patchWarm.ms, ratio: patchWarm.ratio, rssKiB: patchWarm.kib, rssRatio: patchWarm.rssRatio },
    cold: { ms: patchCold.ms, ratio: patchCold.ratio },
    targets: { warm: 1.5, stretch: 1.3, cold: 2.2 },
  },
  version: {
    warm: { ms: versionWarm.ms, ratio: versionWarm.ratio },
    cold: { ms: versionCold.ms, ratio: versionCold.ratio },
    target: 1.2,
  },
  large: large.map((l) => ({
    shape: l.shape,
    mib: l.mb,
    bytes: l.bytes,
    floor: { ms: l.floor.ms, kib: l.floor.kib },
    check: { ms: l.check.ms, ratio: l.check.ratio, kib: l.check.kib, rssRatio: l.check.rssRatio },
    write: { ms: l.write.ms, ratio: l.write.ratio, kib: l.write.kib, rssRatio: l.write.rssRatio },
  })),
  largeTargets: { check: 1.3, write: 2, rss: 1.3 },
  corpus: { ...corpus, target: 1.5 },
}
mkdirSync(join(root, 'bench'), { recursive: true })
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
console.log('\nwrote bench/results.json')

// ---------------------------------------------------------------- helpers

function listYaml(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? listYaml(join(dir, e.name)) : e.isFile() && /\.ya?ml$/i.test(e.name) ? [join(dir, e.name)] : [],
    )
    .sort()
}

function safeRead(file) {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function progress(message) {
  process.stderr.write(`bench: ${message}\n`)
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(1)
}
