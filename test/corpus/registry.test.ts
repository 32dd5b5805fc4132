/**
 * `patch --registry HOST/PATH --secret` over every values file of the Cloudforet corpus, for two
 * chart versions, checked independently of cfpull's own self-check:
 *
 *   1. a file the secret-only patch refuses is refused the same way (corpus.test.ts checks those
 *      refusals); a file it patches is patched here too;
 *   2. exact edit: every output line is an input line, an inserted line, or an input line whose
 *      one value became the reported new value at the reported line (a flow map may instead grow);
 *   3. the output data is the input data plus exactly the reported changes, and a second run
 *      changes nothing;
 *   4. every image name the output sets is on HOST/PATH, except those reported as left on another
 *      private registry; when the plugins are redirected, the route names the mirror.
 *
 * Corpus: $CFPULL_CORPUS (relative paths from the repo root), default ../shared/fixtures/cloudforet.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { chartInfo } from '../../src/core/cloudforet/charts.js'
import { addImagePullSecrets, type PullSecretResult } from '../../src/core/cloudforet/image-pull-secrets.js'
import { CfpullError } from '../../src/core/errors.js'
import { parseMirrorTarget } from '../../src/core/images/mirror-name.js'
import { planRegistryRewrite, type RegistryRewritePlan } from '../../src/core/images/registry-rewrite.js'
import { diffLines, hunksOf, isSubsequence } from './line-diff.js'

const REPO_ROOT = resolve(import.meta.dirname, '..', '..')
const CORPUS = resolve(REPO_ROOT, process.env.CFPULL_CORPUS || join('..', 'shared', 'fixtures', 'cloudforet'))
const SECRET = 'my-credential'
const REGISTRY = 'harbor.example.com/cloudforet'
const HOST = 'harbor.example.com'
const CHART_VERSIONS = ['2.0.0-dev35', '1.12.16'] as const

function listYaml(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name)
    if (e.isDirectory()) return listYaml(full)
    return e.isFile() && /\.ya?ml$/i.test(e.name) ? [relative(CORPUS, full).split(sep).join('/')] : []
  })
}
const FILES = existsSync(CORPUS) ? listYaml(CORPUS).sort() : []

type Patched = PullSecretResult & { plan: RegistryRewritePlan }

function patch(text: string, version: string, file: string): Patched {
  const chart = chartInfo(version)
  const target = parseMirrorTarget(REGISTRY)
  let plan: RegistryRewritePlan | undefined
  const result = addImagePullSecrets(text, {
    secrets: [SECRET],
    chart,
    file,
    registry: REGISTRY,
    more: ({ values, model, planned }) =>
      (plan = planRegistryRewrite(values, chart, model, planned, { target, pluginType: 'HARBOR' })),
  })
  return { ...result, plan: plan! }
}

const PARSE = { version: '1.1', uniqueKeys: false } as const
function load(text: string): unknown {
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), PARSE)
  if (doc.errors.length) throw new Error(`does not parse: ${doc.errors[0]!.message.split('\n')[0]}`)
  return doc.toJS({ maxAliasCount: -1 })
}

const isMap = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/** The input data with the reported changes applied from their paths alone: lists of {name} for imagePullSecrets, a string anywhere else. */
function applyChanges(data: unknown, changes: PullSecretResult['changes']): unknown {
  const root: Record<string, unknown> = isMap(data) ? data : {}
  for (const c of changes) {
    if (c.action === 'unchanged') continue
    let d = root
    for (const key of c.path.slice(0, -1)) {
      if (!isMap(d[key])) d[key] = {}
      d = d[key] as Record<string, unknown>
    }
    const leaf = c.path.at(-1)!
    if (leaf === 'imagePullSecrets') {
      const existing = c.action === 'appended' && Array.isArray(d[leaf]) ? (d[leaf] as unknown[]) : []
      d[leaf] = [...existing, ...c.names.map((name) => ({ name }))]
    } else d[leaf] = c.names[0]
  }
  return root
}

function linesOf(text: string): string[] {
  const lines = text === '' ? [] : text.replace(/^\uFEFF/, '').split('\n')
  if (text.endsWith('\n')) lines.pop()
  return lines
}

/** An old line whose one value token became `now`'s: same text around it, the old token a scalar. */
function valueSwapped(old: string, now: string, from: string, to: string): boolean {
  for (const [a, b] of [
    [from, to],
    [JSON.stringify(from), JSON.stringify(to)],
    [`'${from}'`, `'${to}'`],
    [from, JSON.stringify(to)],
  ] as const) {
    const at = old.indexOf(a)
    if (at >= 0 && old.slice(0, at) + b + old.slice(at + a.length) === now) return true
  }
  return false
}

function registryOf(image: string): string {
  const first = image.split('/')[0]!
  return image.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? first : 'docker.io'
}

interface Tally {
  files: number
  patched: number
  refused: number
  rewrittenLines: number
  insertedLines: number
  imagesMoved: number
  otherRegistry: number
  pluginsRedirected: number
}
const tallies = new Map(
  CHART_VERSIONS.map((v) => [
    v,
    {
      files: 0,
      patched: 0,
      refused: 0,
      rewrittenLines: 0,
      insertedLines: 0,
      imagesMoved: 0,
      otherRegistry: 0,
      pluginsRedirected: 0,
    },
  ]),
)
let failures = 0

function check(rel: string, version: (typeof CHART_VERSIONS)[number], tally: Tally): string[] {
  const text = readFileSync(join(CORPUS, rel), 'utf8')
  tally.files++
  let plain: unknown
  try {
    addImagePullSecrets(text, { secrets: [SECRET], chart: chartInfo(version), file: rel, verify: false })
  } catch (err) {
    plain = err
  }
  let r: Patched
  try {
    r = patch(text, version, rel)
  } catch (err) {
    if (!(err instanceof CfpullError)) return [`threw a non-cfpull error: ${(err as Error).stack}`]
    tally.refused++
    if (plain instanceof CfpullError && plain.message === err.message) return []
    return [
      `--registry refused a file the secret patch ${plain ? `refuses otherwise (${(plain as Error).message})` : 'patches'}: ${err.message}`,
    ]
  }
  if (plain) return [`--registry patched a file the secret patch refuses: ${(plain as Error).message}`]

  const problems: string[] = []
  const real = r.changes.filter((c) => c.action !== 'unchanged')
  // (2) exact edit
  const before = linesOf(text)
  const after = linesOf(r.text)
  const swaps = new Map(
    real.filter((c) => c.previous !== undefined).map((c) => [c.line - 1, { from: c.previous!, to: c.names[0]! }]),
  )
  const edited = new Set(real.map((c) => c.line - 1))
  for (const { dels, ins } of hunksOf(diffLines(before, after))) {
    let from = 0
    for (const a of dels) {
      const old = before[a]!
      const j = ins.findIndex((b, k) => {
        if (k < from) return false
        const now = after[b]!
        const swap = swaps.get(b)
        return (swap && valueSwapped(old, now, swap.from, swap.to)) || (edited.has(b) && isSubsequence(old, now))
      })
      if (j < 0) {
        problems.push(`input line ${a + 1} changed beyond a reported value: ${JSON.stringify(old)}`)
        continue
      }
      from = j + 1
      tally.rewrittenLines++
    }
    tally.insertedLines += ins.length - dels.length
  }
  // (3) data, and a second run
  try {
    const want = applyChanges(load(text), r.changes)
    if (!isDeepStrictEqual(load(r.text), want)) problems.push('output data is not input data + the reported changes')
    const again = patch(r.text, version, rel)
    if (again.changed) problems.push('a second run changed it again')
  } catch (err) {
    problems.push(`re-reading the output: ${(err as Error).message}`)
  }
  // (4) every image name set is on the mirror, unless reported as left where it is
  const data = load(r.text) as Record<string, unknown>
  const left = new Set(r.plan.foreign.map((f) => f.path.join('.')))
  for (const [service, section] of Object.entries(data ?? {})) {
    if (!isMap(section)) continue
    const names: Array<[string, unknown]> = [[`${service}.image.name`, (section.image as { name?: unknown })?.name]]
    const nginx = section.nginx_proxy as { image?: { name?: unknown } } | undefined
    if (isMap(nginx)) names.push([`${service}.nginx_proxy.image.name`, nginx.image?.name])
    if (isMap(section.sidecar))
      for (const [x, s] of Object.entries(section.sidecar))
        if (isMap(s) && isMap(s.image)) names.push([`${service}.sidecar.${x}.image.name`, s.image.name])
    for (const [path, name] of names) {
      if (typeof name !== 'string' || !name || left.has(path)) continue
      if (!chartInfo(version).services.includes(service)) continue
      if (registryOf(name) !== HOST) problems.push(`${path} is ${name}, not on ${HOST}, and not reported as left`)
    }
  }
  const p = r.plan.plugins
  if (p.redirected) {
    const grpc = (data.repository as { application_grpc?: Record<string, unknown> })?.application_grpc ?? {}
    const url =
      p.route.confKey === 'REGISTRY_INFO'
        ? (grpc.REGISTRY_INFO as { HARBOR?: { url?: unknown } })?.HARBOR?.url
        : (grpc.REGISTRY_URL_MAP as { HARBOR?: unknown })?.HARBOR
    if (url !== HOST || grpc.MANAGED_REGISTRY_TYPE !== 'HARBOR' || grpc.MANAGED_PLUGIN_IMAGE_PREFIX !== 'cloudforet')
      problems.push(
        `plugins reported redirected, but the route reads ${JSON.stringify({ url, ...grpc })?.slice(0, 300)}`,
      )
    tally.pluginsRedirected++
  }
  if (!problems.length) {
    tally.patched++
    tally.imagesMoved += real.filter((c) => c.kind === 'image').length
    tally.otherRegistry += r.plan.foreign.length
  }
  return problems
}

it('the corpus directory is present', () => {
  expect(existsSync(CORPUS), `missing corpus ${CORPUS} (set CFPULL_CORPUS); this suite fails rather than skips`).toBe(
    true,
  )
  expect(FILES.length).toBeGreaterThan(0)
})

for (const version of FILES.length ? CHART_VERSIONS : []) {
  describe(`--registry, chart ${version}`, () => {
    it.each(FILES)('%s', (rel) => {
      const problems = check(rel, version, tallies.get(version)!)
      if (problems.length) failures++
      expect(problems, `${rel} [chart ${version}]`).toEqual([])
    })
  })
}

afterAll(() => {
  const rows = Object.keys(tallies.get(CHART_VERSIONS[0])!) as Array<keyof Tally>
  console.log(
    [
      `cfpull corpus run with --registry ${REGISTRY} --secret ${SECRET}: ${FILES.length} files`,
      `${''.padEnd(20)}${CHART_VERSIONS.map((v) => v.padStart(14)).join('')}`,
      ...rows.map(
        (k) => `${k.padEnd(20)}${CHART_VERSIONS.map((v) => String(tallies.get(v)![k]).padStart(14)).join('')}`,
      ),
      `failures: ${failures}`,
    ].join('\n'),
  )
})
