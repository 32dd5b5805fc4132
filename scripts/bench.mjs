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
//   6. `cfpull mirror` of a seeded set between two real registries (test/helpers/registry.ts:
//      Distribution with TLS + htpasswd) vs `skopeo sync` of the same images (each round into a
//      fresh path, so both copy everything); then a rerun with everything in place: requests per
//      image at each registry (from their access logs) and blobs uploaded
//
// "Cold" is a run with an empty cache directory (it compiles everything and writes the cache);
// "warm" one with the cache that an earlier run of the same command wrote. Uses what
// `npm run build` made. Prints Markdown; writes bench/results.json.
//
//   node scripts/bench.mjs [--runs 21] [--large-runs 3] [--sizes 1,2,3,4,5] [--corpus DIR] [--skip-corpus] [--skip-large]
//                          [--mirror-runs 7] [--skip-mirror] [--only-mirror]
import { spawn, spawnSync } from 'node:child_process'
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
    'mirror-runs': { type: 'string', default: '7' },
    'skip-mirror': { type: 'boolean', default: false },
    'only-mirror': { type: 'boolean', default: false },
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

// ---------------------------------------------------------------- 6: mirror vs skopeo sync

const mirror = opt['skip-mirror'] ? { skipped: '--skip-mirror' } : await benchMirror()
if (opt['only-mirror']) {
  printMirror(mirror)
  // A pipe is written asynchronously: let it drain before the exit.
  await new Promise((done) => process.stdout.write('', done))
  process.exit(0)
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

printMirror(mirror)

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
  mirror: { ...mirror, targets: { ratio: 1.1, requestsPerImage: 1.2, blobs: 0 } },
}
mkdirSync(join(root, 'bench'), { recursive: true })
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
console.log('\nwrote bench/results.json')

// ---------------------------------------------------------------- 6: the mirror bench

async function benchMirror() {
  const skopeoOk = spawnSync('skopeo', ['--version'], { stdio: 'ignore' }).status === 0
  if (!skopeoOk) return { skipped: 'skopeo is not installed (scripts/setup-system.sh installs it)' }
  if (!existsSync('/usr/bin/docker-registry')) return { skipped: 'docker-registry is not installed' }
  // The test helper that runs real registries, bundled for plain node.
  const { build } = await import('esbuild')
  const helper = join(tmp, 'registry.mjs')
  await build({
    entryPoints: [join(root, 'test', 'helpers', 'registry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: helper,
    logLevel: 'error',
  })
  const { startRegistries } = await import(pathToFileURL(helper).href)
  const SRC_PW = 'bench-src-password'
  const DST_PW = 'bench-dest-password'
  const set = await startRegistries([
    { mode: 'htpasswd', users: { puller: SRC_PW }, accessLog: true },
    { mode: 'htpasswd', users: { robot: DST_PW }, accessLog: true },
  ])
  try {
    const [src, dst] = set.registries
    const platforms = ['linux/amd64', 'linux/arm64']
    // The shapes of the mirror tests: indexes, OCI and Docker media types, nested and library/ names.
    const seeds = [
      ['cloudforet/console', '2.0.dev31', { platforms }],
      ['cloudforet/console-api', '2.0.dev31', {}],
      ['cloudforet/identity', '2.0.dev107', { format: 'oci' }],
      ['cloudforet/inventory', '2.0.dev91', { platforms }],
      ['cloudforet/supervisor', '2.0.dev31', { format: 'oci' }],
      ['cloudforet/plugins/plugin-aws-ec2', '1.2.0', {}],
      ['library/redis', 'latest', {}],
      ['library/mongo', 'latest', { format: 'oci', platforms }],
    ]
    for (const [repo, tag, o] of seeds) await src.seedImage(repo, tag, o)
    const list = join(tmp, 'mirror-list.txt')
    writeFileSync(list, seeds.map(([repo, tag]) => `${src.host}/${repo}:${tag}\n`).join(''))
    // skopeo's side: the same auth file and CA directories cfpull writes for itself.
    const dir = join(tmp, 'skopeo')
    for (const d of ['src-certs', 'dest-certs']) mkdirSync(join(dir, d), { recursive: true })
    writeFileSync(join(dir, 'src-certs', 'ca.crt'), src.caPem)
    writeFileSync(join(dir, 'dest-certs', 'ca.crt'), dst.caPem)
    const b64 = (s) => Buffer.from(s).toString('base64')
    writeFileSync(
      join(dir, 'auth.json'),
      JSON.stringify({
        auths: { [src.host]: { auth: b64(`puller:${SRC_PW}`) }, [dst.host]: { auth: b64(`robot:${DST_PW}`) } },
      }),
      { mode: 0o600 },
    )
    const syncFile = join(dir, 'sync.yaml')
    const images = {}
    for (const [repo, tag] of seeds) (images[repo] ??= []).push(tag)
    writeFileSync(syncFile, JSON.stringify({ [src.host]: { 'cert-dir': join(dir, 'src-certs'), images } }))
    const env = { ...process.env, NO_COLOR: '1', CFPULL_SRC_PASSWORD: SRC_PW, CFPULL_DEST_PASSWORD: DST_PW }
    const cfpullArgs = (path) => [
      BIN,
      'mirror',
      '--to',
      `${dst.host}/${path}`,
      '--images',
      list,
      '--src-username',
      'puller',
      '--dest-username',
      'robot',
      '--src-ca',
      src.caFile,
      '--dest-ca',
      dst.caFile,
      '--quiet',
    ]
    let round = 0
    const sides = [
      {
        name: 'skopeo sync',
        file: 'skopeo',
        args: (path) => [
          'sync',
          '--src',
          'yaml',
          '--dest',
          'docker',
          '--all',
          '--preserve-digests',
          '--authfile',
          join(dir, 'auth.json'),
          '--dest-cert-dir',
          join(dir, 'dest-certs'),
          syncFile,
          `${dst.host}/${path}`,
        ],
      },
      { name: 'cfpull mirror', file: process.execPath, args: cfpullArgs },
    ]
    // Asynchronous: the registries' logs are read by this process, and a blocked event loop
    // would fill their pipes and stall them.
    const timeOnce = async (side) => {
      const path = `round-${round++}`
      const t = performance.now()
      const r = await spawnAsync(side.file, side.args(path), env)
      const ms = performance.now() - t
      if (r.status !== 0) fail(`${side.name} into ${path} exited ${r.status}\n${r.stderr}`)
      return ms
    }
    const runs = Math.max(3, Number.parseInt(opt['mirror-runs'], 10) || 7)
    progress(`6: cfpull mirror vs skopeo sync of ${seeds.length} images (${runs} rounds, interleaved)`)
    // Other work on the machine moves both sides' times (each round is a pair, A B or B A, so the
    // ratio is the median of pairs); the load is printed so a figure can be read against it.
    const loadBefore = loadavg()[0]
    for (const side of sides) await timeOnce(side) // warm: the code cache, the file cache
    const got = sides.map(() => [])
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? [1, 0] : [0, 1]
      for (const k of order) got[k].push(await timeOnce(sides[k]))
    }
    // The rerun: a copy into one more path, then the same command again, counted at both registries.
    const rerunArgs = cfpullArgs('rerun').slice(0, -1).concat('--json')
    const first = await spawnAsync(process.execPath, rerunArgs, env)
    if (first.status !== 0) fail(`cfpull mirror into rerun exited ${first.status}\n${first.stderr}`)
    const settle = () => new Promise((done) => setTimeout(done, 300))
    await settle()
    const [srcBefore, dstBefore] = [src.requests().length, dst.requests().length]
    const r = await spawnAsync(process.execPath, rerunArgs, env)
    await settle()
    const doc = JSON.parse(r.stdout)
    const srcRun = src.requests().slice(srcBefore)
    const dstRun = dst.requests().slice(dstBefore)
    const blobs = dstRun.filter((q) => q.method === 'POST' && q.path.includes('/blobs/uploads/')).length
    return {
      images: seeds.length,
      runs,
      load: [loadBefore, loadavg()[0]].map((l) => +l.toFixed(2)),
      cores: cpus().length,
      skopeoMs: median(got[0]),
      cfpullMs: median(got[1]),
      ratio: median(got[1].map((ms, i) => ms / got[0][i])),
      rerun: {
        exitCode: r.status,
        skipped: doc.counts?.skipped,
        srcRequestsPerImage: srcRun.length / seeds.length,
        destRequestsPerImage: dstRun.length / seeds.length,
        blobsUploaded: blobs,
      },
    }
  } finally {
    await set.stop()
  }
}

function spawnAsync(file, args, env) {
  return new Promise((done, failed) => {
    const child = spawn(file, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', failed)
    child.on('close', (status) => done({ status, stdout, stderr }))
  })
}

function printMirror(m) {
  console.log()
  if (m.skipped) {
    console.log(`6: mirror skipped: ${m.skipped}`)
    return
  }
  const x = (r) => `${r.toFixed(2)}×`
  console.log(
    `6: \`cfpull mirror\` of ${m.images} images against \`skopeo sync\` of the same (${m.runs} interleaved rounds, each into a fresh path; 1-minute load ${m.load.join(' → ')} on ${m.cores} cores)`,
  )
  console.log()
  console.log('| measured | cfpull mirror | baseline | ratio / figure | target | met |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  console.log(
    `| copy everything | ${m.cfpullMs.toFixed(0)} ms | skopeo sync ${m.skopeoMs.toFixed(0)} ms | ${x(m.ratio)} | ≤ 1.1× | ${m.ratio <= 1.1 ? 'yes' : '**no**'} |`,
  )
  const rr = m.rerun
  const worst = Math.max(rr.srcRequestsPerImage, rr.destRequestsPerImage)
  console.log(
    `| rerun, all in place (${rr.skipped}/${m.images} skipped) | source ${rr.srcRequestsPerImage.toFixed(3)}, destination ${rr.destRequestsPerImage.toFixed(3)} requests/image | — | ${rr.blobsUploaded} blobs uploaded | ≤ 1.2 requests/image, 0 blobs | ${worst <= 1.2 && rr.blobsUploaded === 0 && rr.skipped === m.images ? 'yes' : '**no**'} |`,
  )
}

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
