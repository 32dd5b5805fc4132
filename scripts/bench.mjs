#!/usr/bin/env node
// npm run bench: how fast cfpull starts and how its cost grows (README "Performance").
//
//   1. whole process: `cfpull patch --check examples/values.yaml` vs `node -e 0` (time and peak RSS)
//   2. whole process: `cfpull --version` vs `node -e 0`
//   3. one process patching --check every parseable corpus file vs one process patching one file
//   4. in process: addImagePullSecrets on generated files of 500 … 4,000 service sections
//
// Every figure is a median over runs taken in this invocation, the subject interleaved with its
// baseline so that both see the same machine load. Prints Markdown; writes bench/results.json.
// Uses what `npm run build` made: bin/cfpull.js (the CLI bundle) and dist/index.js (the library).
//
//   node scripts/bench.mjs [--runs 21] [--corpus DIR] [--skip-corpus]
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '21' },
    corpus: { type: 'string', default: process.env.CFPULL_CORPUS || join('..', 'shared', 'fixtures', 'cloudforet') },
    'skip-corpus': { type: 'boolean', default: false },
  },
})
const RUNS = Math.max(3, Number.parseInt(opt.runs, 10) || 21)
const CORPUS = resolve(root, opt.corpus)
const SECRET = 'my-credential'
const BIN = join(root, 'bin', 'cfpull.js')
const EXAMPLE = join(root, 'examples', 'values.yaml')
const SIZES = [500, 1000, 2000, 4000]

for (const f of ['bin/cfpull.js', 'dist/cli.cjs', 'dist/index.js'])
  if (!existsSync(join(root, f))) fail(`${f} is missing: run \`npm ci\` (or \`npm run build\`) first`)

const tmp = mkdtempSync(join(tmpdir(), 'cfpull-bench-'))
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }))

// ---------------------------------------------------------------- measuring processes

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Runs `node ...args` once; returns wall time in ms. Checks the exit code. */
function run(args, ok = [0]) {
  const t = performance.now()
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 64 << 20,
  })
  const ms = performance.now() - t
  if (!ok.includes(r.status))
    fail(
      `node ${args.slice(0, 6).join(' ')}${args.length > 6 ? ' …' : ''} exited ${r.status ?? r.signal}, expected ${ok.join(' or ')}\n${r.stderr}`,
    )
  return ms
}

/**
 * Interleaves `runs` runs of each command (order alternating). Returns, per command, the median
 * time in ms and the median of its per-round ratios to the first command (the baseline): a
 * burst of load on the machine then hits both sides of a ratio alike.
 */
function compare(commands, runs = RUNS) {
  for (const c of commands) run(c.args, c.ok) // warm the file cache
  const times = commands.map(() => [])
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? [...commands.keys()].reverse() : [...commands.keys()]
    for (const k of order) times[k].push(run(commands[k].args, commands[k].ok))
  }
  return times.map((t) => ({ ms: median(t), ratio: median(t.map((x, i) => x / times[0][i])) }))
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

/** Peak RSS in KiB of one run of `node ...args`. */
function peakRss(args, ok = [0]) {
  rmSync(rssFile, { force: true })
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, ...args], {
        cwd: root,
        stdio: 'ignore',
        env: { ...process.env, NO_COLOR: '1' },
      })
    : spawnSync(process.execPath, ['--require', preload, ...args], {
        cwd: root,
        stdio: 'ignore',
        env: { ...process.env, NO_COLOR: '1' },
      })
  if (!ok.includes(r.status)) fail(`peak RSS run of node ${args.join(' ')} exited ${r.status}`)
  // GNU time puts "Command exited with non-zero status N" before the figure.
  const kib = Number.parseInt(safeRead(rssFile).trim().split('\n').at(-1), 10)
  if (!(kib > 0)) fail(`no peak RSS figure from ${RSS_METHOD}`)
  return kib
}

function compareRss(commands, runs = Math.min(RUNS, 9)) {
  const rss = commands.map(() => [])
  for (let i = 0; i < runs; i++) for (const [k, c] of commands.entries()) rss[k].push(peakRss(c.args, c.ok))
  return rss.map(median)
}

// ---------------------------------------------------------------- figures 1 and 2

const base = { args: ['-e', '0'] }
const patchExample = { args: [BIN, 'patch', '--check', EXAMPLE, '--secret', SECRET], ok: [5] }
const version = { args: [BIN, '--version'] }

progress(`1, 2: whole-process runs against node -e 0 (${RUNS} runs each, interleaved)`)
const [{ ms: tBase }, { ms: tPatch, ratio: rPatch }, { ms: tVersion, ratio: rVersion }] = compare([
  base,
  patchExample,
  version,
])
progress('1: peak RSS')
const [rssBase, rssPatch] = compareRss([base, patchExample])

// ---------------------------------------------------------------- figure 3

let corpus
if (opt['skip-corpus']) corpus = { skipped: '--skip-corpus' }
else if (!existsSync(CORPUS)) corpus = { skipped: `no corpus at ${CORPUS} (set CFPULL_CORPUS or pass --corpus DIR)` }
else {
  const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href)
  const chart = lib.chartInfo()
  const all = listYaml(CORPUS)
  // Parseable: the patch does not throw (the same defaults as the CLI: latest chart, plugins auto).
  const files = all.filter((file) => {
    try {
      lib.addImagePullSecrets(readFileSync(file, 'utf8'), { secrets: [SECRET], chart, file })
      return true
    } catch {
      return false
    }
  })
  if (files.length === 0) corpus = { skipped: `no parseable values file in ${CORPUS}` }
  else {
    // The single file: the parseable file of median size.
    const bySize = files.map((f) => [f, readFileSync(f).length]).sort((a, b) => a[1] - b[1])
    const [one, oneBytes] = bySize[(bySize.length - 1) >> 1]
    const runs = Math.max(5, Math.ceil(RUNS / 3))
    progress(`3: ${files.length} corpus files in one process vs one file (${runs} runs each)`)
    const flags = ['patch', '--check', '--quiet', '--secret', SECRET]
    const [{ ms: tOne }, { ms: tAll, ratio }] = compare(
      [
        { args: [BIN, ...flags, one], ok: [0, 5] },
        { args: [BIN, ...flags, ...files], ok: [0, 5] },
      ],
      runs,
    )
    corpus = {
      dir: relative(root, CORPUS) || '.',
      files: files.length,
      skippedFiles: all.length - files.length,
      bytes: bySize.reduce((n, [, b]) => n + b, 0),
      oneFile: relative(CORPUS, one),
      oneFileBytes: oneBytes,
      runs,
      oneMs: tOne,
      allMs: tAll,
      ratio,
    }
  }
}

// ---------------------------------------------------------------- figure 4

progress(`4: in-process edits on ${SIZES.join(', ')} generated service sections`)
const { addImagePullSecrets, chartInfo } = await import(pathToFileURL(join(root, 'dist', 'index.js')).href)
const chart = chartInfo()
const edit = ({ text, names }) => {
  const t = performance.now()
  const r = addImagePullSecrets(text, { secrets: [SECRET], chart, services: names, plugins: 'none' })
  const ms = performance.now() - t
  if (!r.changed || r.changes.length !== names.length)
    fail(`the generated file of ${names.length} sections was not patched as expected`)
  return ms
}
const small = synthetic(SIZES[0])
for (let i = 0; i < 5; i++) edit(small) // let the JIT settle before the first figure
const editRuns = Math.max(5, Math.ceil(RUNS / 3))
const scaling = SIZES.map((sections) => {
  const file = synthetic(sections)
  const ms = median(Array.from({ length: editRuns }, () => edit(file)))
  return { sections, bytes: file.text.length, ms, usPerSection: (ms * 1000) / sections }
})
const perSection0 = scaling[0].usPerSection
for (const s of scaling) s.vsFirst = s.usPerSection / perSection0
const at2000 = scaling.find((s) => s.sections === 2000)
const spread = Math.max(...scaling.map((s) => Math.abs(s.vsFirst - 1)))

/**
 * A values file of `n` service sections in the style of the Cloudforet examples: a comment
 * before each section, a few keys, an inline comment, a comment inside, a nested map, `{}`.
 */
function synthetic(n) {
  const names = []
  const lines = ['# Generated by scripts/bench.mjs', 'global:', '  namespace: cloudforet', '']
  for (let i = 0; i < n; i++) {
    const name = `svc-${String(i).padStart(4, '0')}`
    names.push(name)
    lines.push(
      `# ${name}: one micro-service`,
      `${name}:`,
      '  enabled: true  # turn off to skip',
      '  image:',
      `    name: cloudforet/${name}`,
      '    version: 2.0.0',
      '  # scale',
      '  replicas: 1',
      '  resources: {}',
      '',
    )
  }
  return { text: lines.join('\n'), names }
}

// ---------------------------------------------------------------- report

const x = (r) => `${r.toFixed(2)}×`
const ms = (t) => `${t.toFixed(t < 10 ? 1 : 0)} ms`
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`
const yes = (ok) => (ok ? 'yes' : '**no**')
const rRss = rssPatch / rssBase

const rows = [
  [
    '1',
    '`cfpull patch --check examples/values.yaml`',
    ms(tPatch),
    `\`node -e 0\` ${ms(tBase)}`,
    x(rPatch),
    '≤ 1.5× (stretch 1.3×)',
    yes(rPatch <= 1.5) + (rPatch <= 1.3 ? ' (stretch too)' : ''),
  ],
  ['1', 'peak RSS of the same', mib(rssPatch), `\`node -e 0\` ${mib(rssBase)}`, x(rRss), '≤ 1.5×', yes(rRss <= 1.5)],
  ['2', '`cfpull --version`', ms(tVersion), `\`node -e 0\` ${ms(tBase)}`, x(rVersion), '≤ 1.3×', yes(rVersion <= 1.3)],
  corpus.skipped
    ? ['3', 'corpus in one process', '—', '—', '—', '≤ 3×', `skipped: ${corpus.skipped}`]
    : [
        '3',
        `\`cfpull patch --check\` of ${corpus.files} corpus files, one process`,
        ms(corpus.allMs),
        `one file ${ms(corpus.oneMs)}`,
        x(corpus.ratio),
        '≤ 3×',
        yes(corpus.ratio <= 3),
      ],
  ['4', 'one edit, 2,000 service sections (in process)', ms(at2000.ms), '—', '—', '≤ 150 ms', yes(at2000.ms <= 150)],
  [
    '4',
    'µs per section, 500 → 4,000 sections',
    scaling.map((s) => s.usPerSection.toFixed(0)).join(' → '),
    `500: ${perSection0.toFixed(0)} µs`,
    `±${(spread * 100).toFixed(0)}%`,
    'within ±30%',
    yes(spread <= 0.3),
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
  `medians of ${RUNS} interleaved runs (figure 3: ${corpus.runs ?? '—'}; figure 4: ${editRuns} per size); a ratio is the median of the`,
)
console.log(
  `ratios of each run to the baseline run next to it; peak RSS: ${RSS_METHOD}, median of ${Math.min(RUNS, 9)} runs`,
)
console.log()
console.log(table(['#', 'measured', 'median', 'baseline', 'ratio', 'target', 'met'], rows))
console.log()
console.log(
  table(
    ['sections', 'file size', 'ms per edit', 'µs per section', 'vs 500'],
    scaling.map((s) => [
      s.sections.toLocaleString('en'),
      `${(s.bytes / 1024).toFixed(0)} KiB`,
      s.ms.toFixed(1),
      s.usPerSection.toFixed(0),
      x(s.vsFirst),
    ]),
  ),
)
if (!corpus.skipped)
  console.log(
    `\nFigure 3: ${corpus.files} parseable files (${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB; ${corpus.skippedFiles} that the patch rejects left out) of ${corpus.dir}; the one file is ${corpus.oneFile} (${corpus.oneFileBytes} bytes, the median size).`,
  )

const results = {
  date: new Date().toISOString(),
  env,
  runs: RUNS,
  rssMethod: RSS_METHOD,
  baseline: { nodeE0Ms: tBase, nodeE0RssKiB: rssBase },
  patchCheckExample: { ms: tPatch, ratio: rPatch, rssKiB: rssPatch, rssRatio: rRss, target: 1.5, stretch: 1.3 },
  version: { ms: tVersion, ratio: rVersion, target: 1.3 },
  corpus: { ...corpus, target: 3 },
  scaling: {
    runsPerSize: editRuns,
    sizes: scaling,
    at2000Ms: at2000.ms,
    targetMs: 150,
    perSectionSpread: spread,
    spreadTarget: 0.3,
  },
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
