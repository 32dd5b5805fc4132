import { isDeepStrictEqual } from 'node:util'
import {
  LineCounter,
  parseAllDocuments,
  isMap,
  isScalar,
  isSeq,
  Scalar,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from 'yaml'
import { chooseChart, type ChartChoice } from './cloudforet/install-model.js'
import type { PullSecretResult } from './cloudforet/image-pull-secrets.js'
import { CfpullError, InternalError, UsageError, ValidationError, YamlSyntaxError, type SourcePos } from './errors.js'
import { lastContent, lineEnd } from './yaml/file-style.js'
import { diffLines } from './yaml/unified-diff.js'
import { codeFrame, parseValues } from './yaml/values.js'

// The manifests a GitOps controller reads: a Flux HelmRelease (spec.values) or an Argo CD
// Application (spec.source.helm.valuesObject or its `values: |` string, or the same per entry of
// spec.sources). The values inside are patched as a values file of their own, by the same patch
// that edits values files, and the result is put back at its indentation: every byte outside the
// inserted lines (and, with --registry, the changed image lines) stays as it was, in every
// document of the file.

export const FLUX_API_VERSIONS = [
  'helm.toolkit.fluxcd.io/v2',
  'helm.toolkit.fluxcd.io/v2beta2',
  'helm.toolkit.fluxcd.io/v2beta1',
] as const
export const ARGO_API_VERSIONS = ['argoproj.io/v1alpha1'] as const

/** The chart whose objects cfpull patches: Cloudforet's. */
export const CHART_NAME = 'spaceone'

// A top-level `apiVersion:` of one of the groups, at column 0: cheap enough to run on every
// values file before deciding to parse it as a stream of documents.
const MANIFEST_HINT =
  /^apiVersion:[ \t]*["']?(?:helm\.toolkit\.fluxcd\.io\/v2(?:beta[12])?|argoproj\.io\/v1alpha1)["']?[ \t]*(?:#.*)?\r?$/m
const KIND_HINT = /^kind:[ \t]*["']?(?:HelmRelease|Application)["']?[ \t]*(?:#.*)?\r?$/m

/** Whether a file is a HelmRelease or Application manifest (else it is a values file). */
export function isGitOpsManifest(text: string): boolean {
  if (!MANIFEST_HINT.test(text) || !KIND_HINT.test(text)) return false
  try {
    return parseManifests(text.replace(/^\uFEFF/, '')).docs.some((d) => objectKind(d) !== undefined)
  } catch {
    return false
  }
}

/** What a values patcher gets: the values' own text, and the chart they are for. */
export type ValuesPatcher = (text: string, chart: ChartChoice) => PullSecretResult

/** Values cfpull cannot edit from this file: a ConfigMap/Secret (valuesFrom) or a file in a repository. */
export interface ExternalValues {
  kind: 'valuesFrom' | 'valueFiles' | '$values'
  /** E.g. `ConfigMap spaceone/spaceone-values, key values.yaml` or `values/prod.yaml in https://…`. */
  what: string
  /** For valuesFrom: the object and key, so a command can read it. */
  object?: { kind: 'ConfigMap' | 'Secret'; name: string; namespace: string; key: string }
  /** For valueFiles and $values: the file as the manifest names it. */
  file?: string
  line: number
}

export interface ManifestTarget {
  kind: 'HelmRelease' | 'Application'
  apiVersion: string
  name: string
  namespace?: string
  /** Where the release's objects live (Flux targetNamespace or the object's; Argo's destination). */
  releaseNamespace?: string
  /** The values' path in the object, e.g. spec.values or spec.sources[1].helm.valuesObject. */
  valuesPath: string
  /** How the values are held: a map, a `values: |` string, or a new map cfpull adds. */
  field: 'map' | 'block-string' | 'new'
  external: ExternalValues[]
  /** Line of the object's `kind:` (1-based). */
  line: number
}

export interface ManifestPatchResult {
  /** The whole file; the input itself when nothing changes. Results are per target, in order. */
  text: string
  changed: boolean
  targets: ManifestTarget[]
  /** The patch of the first target's values, with lines in the file's numbering and text the whole file. */
  result: PullSecretResult
  chart: ChartChoice
  /** Things worth a warning about the manifest itself (an Argo `values` string valuesObject hides, ...). */
  notes: string[]
}

interface ManifestDocs {
  docs: Document.Parsed[]
  lines: LineCounter
}

function parseManifests(text: string): ManifestDocs {
  const lines = new LineCounter()
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false })
  if (!Array.isArray(docs)) return { docs: [], lines }
  return { docs, lines }
}

function objectKind(doc: Document.Parsed): { kind: 'HelmRelease' | 'Application'; apiVersion: string } | undefined {
  const root = doc.contents
  if (!isMap(root)) return undefined
  const apiVersion = scalarAt(root, 'apiVersion')
  const kind = scalarAt(root, 'kind')
  if (kind === 'HelmRelease' && (FLUX_API_VERSIONS as readonly string[]).includes(apiVersion ?? ''))
    return { kind, apiVersion: apiVersion! }
  if (kind === 'Application' && (ARGO_API_VERSIONS as readonly string[]).includes(apiVersion ?? ''))
    return { kind, apiVersion: apiVersion! }
  return undefined
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  // The last of duplicate keys is the one the API server keeps.
  return map.items.filter((p) => isScalar(p.key) && String(p.key.value) === key).at(-1)
}

function mapAt(map: unknown, key: string): YAMLMap | undefined {
  if (!isMap(map)) return undefined
  const v = pairOf(map, key)?.value
  return isMap(v) ? v : undefined
}

function scalarAt(map: unknown, key: string): string | undefined {
  if (!isMap(map)) return undefined
  const v = pairOf(map, key)?.value
  if (!isScalar(v)) return undefined
  const value: unknown = v.value
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined
}

function start(node: unknown): number {
  return (node as { range?: number[] } | null)?.range?.[0] ?? 0
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

function baseName(path: string): string {
  return path.replace(/\/+$/, '').split('/').at(-1) ?? ''
}

// One object of the spaceone chart: where its values are, and what its chart version is.
interface Located {
  doc: number
  target: ManifestTarget
  /** The map that holds the values key (Flux spec, Argo helm), or where helm: goes (the source). */
  parent: YAMLMap
  /** Argo: the source map, when helm: itself is missing. */
  needsHelm: boolean
  valuesKey: string
  pair?: Pair
  version: { exact: string } | { needs: string }
}

function locate(
  doc: Document.Parsed,
  index: number,
  lines: LineCounter,
  file: string,
  text: string,
): Located | undefined {
  const kind = objectKind(doc)
  if (!kind) return undefined
  const root = doc.contents as YAMLMap
  const meta = mapAt(root, 'metadata')
  const name = scalarAt(meta, 'name') ?? '(no name)'
  const namespace = scalarAt(meta, 'namespace')
  const spec = mapAt(root, 'spec')
  const line = lines.linePos(start(pairOf(root, 'kind')?.key)).line
  const base = { kind: kind.kind, apiVersion: kind.apiVersion, name, ...(namespace && { namespace }), line }
  if (!spec) return undefined
  const lineOf = (node: unknown) => lines.linePos(start(node)).line
  if (kind.kind === 'HelmRelease') {
    const chartSpec = mapAt(mapAt(spec, 'chart'), 'spec')
    const chartRef = mapAt(spec, 'chartRef')
    const chart = scalarAt(chartSpec, 'chart')
    // A chartRef names an OCIRepository or HelmChart, not the chart: taken as Cloudforet's when it is named after it.
    const refName = scalarAt(chartRef, 'name')
    if (!(chart && baseName(chart) === CHART_NAME) && !(refName && refName.includes(CHART_NAME))) return undefined
    const target: ManifestTarget = {
      ...base,
      releaseNamespace: scalarAt(spec, 'targetNamespace') ?? namespace,
      valuesPath: 'spec.values',
      field: 'map',
      external: [],
    }
    const from = pairOf(spec, 'valuesFrom')?.value
    if (isSeq(from))
      for (const item of from.items) {
        if (!isMap(item)) continue
        const k = scalarAt(item, 'kind') === 'Secret' ? 'Secret' : 'ConfigMap'
        const n = scalarAt(item, 'name') ?? '?'
        const key = scalarAt(item, 'valuesKey') ?? 'values.yaml'
        const ns = namespace ?? 'default'
        target.external.push({
          kind: 'valuesFrom',
          what: `${k} ${ns}/${n}, key ${key}`,
          object: { kind: k, name: n, namespace: ns, key },
          line: lineOf(item),
        })
      }
    const source = scalarAt(mapAt(chartSpec, 'sourceRef'), 'kind')
    const v = scalarAt(chartSpec, 'version')
    const version = chartRef
      ? { needs: `takes its chart from a chartRef (${scalarAt(chartRef, 'kind') ?? 'source'} ${refName})` }
      : source === 'GitRepository' || source === 'Bucket'
        ? { needs: `builds its chart from a ${source} at a git revision` }
        : versionOf(v, 'spec.chart.spec.version')
    return {
      doc: index,
      target,
      parent: spec,
      needsHelm: false,
      valuesKey: 'values',
      pair: pairOf(spec, 'values'),
      version,
    }
  }
  // Argo CD: spec.source, or the entry of spec.sources that is the spaceone chart.
  let source = mapAt(spec, 'source')
  let path = 'spec.source'
  const sources = pairOf(spec, 'sources')?.value
  const isOurs = (s: unknown) => {
    const chart = scalarAt(s, 'chart')
    const dir = scalarAt(s, 'path')
    return (
      (chart !== undefined && baseName(chart) === CHART_NAME) || (dir !== undefined && baseName(dir) === CHART_NAME)
    )
  }
  if (isSeq(sources)) {
    const i = sources.items.findIndex(isOurs)
    if (i < 0) return undefined
    source = sources.items[i] as YAMLMap
    path = `spec.sources[${i}]`
  } else if (!source || !isOurs(source)) return undefined
  const helm = mapAt(source, 'helm')
  const target: ManifestTarget = {
    ...base,
    releaseNamespace: scalarAt(mapAt(spec, 'destination'), 'namespace'),
    valuesPath: `${path}.helm.valuesObject`,
    field: 'map',
    external: [],
  }
  const files = pairOf(helm ?? source, 'valueFiles')?.value
  if (helm && isSeq(files))
    for (const item of files.items) {
      const f = isScalar(item) ? String(item.value) : ''
      if (!f) continue
      const ref = /^\$([^/]+)\/(.*)$/.exec(f)
      if (ref) {
        const refSource = isSeq(sources)
          ? sources.items.find((s) => isMap(s) && scalarAt(s, 'ref') === ref[1])
          : undefined
        const repo = scalarAt(refSource, 'repoURL')
        target.external.push({
          kind: '$values',
          what: `${ref[2]} in ${repo ?? `the source with ref: ${ref[1]}`}${scalarAt(refSource, 'targetRevision') ? ` at ${scalarAt(refSource, 'targetRevision')}` : ''}`,
          file: ref[2]!,
          line: lineOf(item),
        })
      } else
        target.external.push({
          kind: 'valueFiles',
          what: `${f} in ${scalarAt(source, 'repoURL') ?? 'the chart source'}`,
          file: f,
          line: lineOf(item),
        })
    }
  const chart = scalarAt(source, 'chart')
  const rev = scalarAt(source, 'targetRevision')
  const version = chart
    ? versionOf(rev, `${path}.targetRevision`)
    : { needs: `builds its chart from git (${path}.path) at targetRevision ${rev ?? 'HEAD'}, a git revision` }
  const objPair = helm ? pairOf(helm, 'valuesObject') : undefined
  const strPair = helm ? pairOf(helm, 'values') : undefined
  if (objPair)
    return { doc: index, target, parent: helm!, needsHelm: false, valuesKey: 'valuesObject', pair: objPair, version }
  if (strPair) {
    target.valuesPath = `${path}.helm.values`
    target.field = 'block-string'
    const v = strPair.value
    if (!isScalar(v) || v.type !== Scalar.BLOCK_LITERAL) {
      const pos = posAt(lines, start(v ?? strPair.key))
      const found = isScalar(v)
        ? v.type === Scalar.BLOCK_FOLDED
          ? 'a folded string (>)'
          : v.type === Scalar.PLAIN
            ? 'a plain (flow) string'
            : 'a quoted string'
        : 'not a string'
      throw new ValidationError(
        file,
        pos,
        target.valuesPath,
        found,
        'a literal block string (values: |) or a valuesObject map',
        codeFrame(text, pos),
        'cfpull edits the values inside a `values: |` block exactly; rewrite it as one, or as helm.valuesObject',
      )
    }
    return { doc: index, target, parent: helm!, needsHelm: false, valuesKey: 'values', pair: strPair, version }
  }
  target.field = 'new'
  return { doc: index, target, parent: helm ?? source, needsHelm: !helm, valuesKey: 'valuesObject', version }
}

function versionOf(v: string | undefined, where: string): { exact: string } | { needs: string } {
  if (v === undefined) return { needs: `gives no chart version (${where} is not set, so the latest is taken)` }
  if (EXACT_VERSION.test(v)) return { exact: v.replace(/^v/, '') }
  if (v.trim() === '*') return { needs: `gives the chart version as * (${where})` }
  return { needs: `gives the chart version as a range, ${v} (${where})` }
}

function posAt(lines: LineCounter, offset: number): SourcePos {
  const { line, col } = lines.linePos(offset)
  return { line, col }
}

/**
 * The values the first HelmRelease or Application of the spaceone chart in a manifest gives helm
 * (what doctor reads from such a file), with the object they come from.
 */
export function manifestValues(source: string, file: string): { data: unknown; target: ManifestTarget } {
  const text = source.replace(/^\uFEFF/, '')
  const { docs, lines } = parseManifests(text)
  for (const [i, d] of docs.entries()) {
    if (d.errors.length) continue
    const loc = locate(d, i, lines, file, text)
    if (!loc) continue
    const v = loc.pair?.value
    if (loc.target.field === 'block-string' && isScalar(v))
      return { data: parseValues(typeof v.value === 'string' ? v.value : '', file).data ?? {}, target: loc.target }
    const data: unknown = isMap(v) ? v.toJSON() : {}
    return { data: data ?? {}, target: loc.target }
  }
  throw new ValidationError(
    file,
    { line: 1, col: 1 },
    '(top level)',
    'a manifest without a HelmRelease or Application of the spaceone chart',
    `a HelmRelease or Application of the ${CHART_NAME} chart`,
  )
}

/**
 * The data helm gets from a values file or from a manifest's values, and for a manifest the
 * namespace its release goes to (where pods fall when the values set none).
 */
export function readValuesData(text: string, file: string): { data: unknown; releaseNamespace?: string } {
  if (!isGitOpsManifest(text)) return { data: parseValues(text, file).data }
  const { data, target } = manifestValues(text, file)
  return { data, ...(target.releaseNamespace && { releaseNamespace: target.releaseNamespace }) }
}

/**
 * Patches the values of every HelmRelease and Application of the spaceone chart in a manifest
 * file with `patch`, and puts the result back in place. Throws UsageError (exit 2) when the
 * chart version is not exact and none was given, ValidationError (exit 3) for a values string
 * cfpull cannot edit exactly.
 */
export function patchManifest(
  source: string,
  o: { file: string; chartVersion?: string; chart?: ChartChoice; patch: ValuesPatcher },
): ManifestPatchResult {
  const bom = source.startsWith('\uFEFF')
  const text = bom ? source.slice(1) : source
  const { docs, lines } = parseManifests(text)
  for (const d of docs) {
    const err = d.errors[0]
    if (err) {
      const pos = posAt(lines, err.pos[0])
      throw new YamlSyntaxError(
        o.file,
        pos,
        err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
        codeFrame(text, pos),
        'fix the YAML at this position; kubectl would reject it too',
      )
    }
  }
  const located = docs.map((d, i) => locate(d, i, lines, o.file, text)).filter((l): l is Located => l !== undefined)
  if (!located.length) {
    const found = docs
      .map((d) => objectKind(d))
      .filter((k) => k)
      .map((k) => k!.kind)
    throw new ValidationError(
      o.file,
      { line: 1, col: 1 },
      '(top level)',
      `${found.length} ${[...new Set(found)].join(' and ')} object(s) of other charts`,
      `a HelmRelease or Application of the ${CHART_NAME} chart`,
      '',
      `cfpull patches the ${CHART_NAME} chart's objects only (spec.chart.spec.chart, spec.source.chart or spec.sources[].chart)`,
    )
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const results: { loc: Located; result: PullSecretResult; region: Region; insert: string }[] = []
  let chart: ChartChoice | undefined
  for (const loc of located) {
    const c = chartFor(loc, o)
    chart ??= c
    const region = regionOf(loc, text, lines, eol, o.file)
    let result: PullSecretResult
    try {
      result = o.patch(region.inner, c)
    } catch (err) {
      throw mapError(err, o.file, text, loc.target.valuesPath, region)
    }
    const insert = result.changed ? region.rebuild(result.text) : text.slice(region.from, region.to)
    results.push({ loc, result, region, insert })
  }
  // The objects come in document order, so the regions are in offset order.
  let out = ''
  let pos = 0
  let shift = 0
  const merged: PullSecretResult[] = []
  for (const r of results) {
    out += text.slice(pos, r.region.from) + r.insert
    pos = r.region.to
    merged.push(mapResult(r.result, r.region.firstLine + shift + r.region.lineShift))
    shift += countLines(r.insert) - countLines(text.slice(r.region.from, r.region.to))
  }
  out += text.slice(pos)
  const changed = out !== text
  if (changed) verifyManifest(text, out, results, o.file)
  const first = merged[0]!
  const result: PullSecretResult = {
    ...first,
    text: changed ? (bom ? `\uFEFF${out}` : out) : source,
    changed,
    changes: merged.flatMap((m) => m.changes),
    warnings: merged.flatMap((m) => m.warnings),
  }
  const notes: string[] = []
  for (const r of results) {
    const helm = r.loc.target.kind === 'Application' && r.loc.valuesKey === 'valuesObject' ? r.loc.parent : undefined
    if (helm && r.loc.pair && pairOf(helm, 'values'))
      notes.push(
        `${describeTarget(r.loc.target)}: helm.values is also set, and Argo CD ignores it while helm.valuesObject is there; the patch went into valuesObject`,
      )
  }
  return { text: result.text, changed, targets: results.map((r) => r.loc.target), result, chart: chart!, notes }
}

function countLines(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++
  return n
}

/** `HelmRelease flux-system/spaceone` */
export function describeTarget(t: Pick<ManifestTarget, 'kind' | 'name' | 'namespace'>): string {
  return `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`
}

function chartFor(loc: Located, o: { file: string; chartVersion?: string; chart?: ChartChoice }): ChartChoice {
  const what = describeTarget(loc.target)
  if ('exact' in loc.version) {
    if (o.chartVersion && o.chartVersion.replace(/^v/, '') !== loc.version.exact)
      throw new UsageError(
        `${o.file}:${loc.target.line}: ${what} pins chart ${CHART_NAME} ${loc.version.exact}, but --chart-version says ${o.chartVersion}: drop --chart-version, or change the manifest first`,
      )
    if (o.chart && o.chart.source !== 'default') return o.chart
    return { ...chooseChart({ version: loc.version.exact }), source: 'manifest' }
  }
  if (o.chart && o.chart.source !== 'default') return o.chart
  throw new UsageError(
    `${o.file}:${loc.target.line}: ${what} ${loc.version.needs}: pass --chart-version with the exact ${CHART_NAME} chart version it deploys`,
  )
}

interface Region {
  from: number
  to: number
  /** The values as a values file of their own. */
  inner: string
  indent: number
  /** 1-based line of the region's first line in the input. */
  firstLine: number
  /** Lines the region's output adds before the values (a new `valuesObject:` header). */
  lineShift: number
  rebuild(innerOut: string): string
}

// The values' lines, taken out of the manifest at their indentation, and how the patched lines
// go back: lines the patch kept are the input's own (bytes, comments, odd indentation and all),
// lines it added get the region's indentation.
function regionOf(loc: Located, text: string, lines: LineCounter, eol: string, file: string): Region {
  const { pair } = loc
  const v = pair?.value as YamlNode | null | undefined
  const keyCol = (node: unknown) => lines.linePos(start(node)).col - 1
  if (pair && isMap(v) && !v.flow && v.items.length)
    return linesRegion(text, lines, v, keyCol(v.items[0]!.key), eol, file)
  if (pair && isScalar(v) && v.type === Scalar.BLOCK_LITERAL) return blockRegion(text, lines, pair, v, eol)
  if (pair && v && !(isMap(v) && v.items.length === 0) && !(isScalar(v) && v.value === null)) {
    const pos = posAt(lines, start(v))
    throw new ValidationError(
      file,
      pos,
      loc.target.valuesPath,
      isMap(v) ? 'a flow map ({...})' : 'not a map',
      'a block map of chart values',
      codeFrame(text, pos),
    )
  }
  // No values yet (or `values:` / `{}`): a new block after the parent's last line.
  const unit = unitOf(loc.parent, lines) || 2
  const parentCol = loc.parent.items[0] ? keyCol(loc.parent.items[0].key) : 0
  const header: string[] = []
  let col = parentCol
  if (loc.needsHelm) {
    header.push(`${' '.repeat(col)}helm:`)
    col += unit
  }
  let from: number
  let to: number
  if (pair) {
    // Replace the key's line: `values: {}` or `values:` becomes `values:` and the block.
    const keyStart = start(pair.key)
    from = text.lastIndexOf('\n', keyStart) + 1
    to = lineEnd(text, Math.max(keyStart, (v as { range?: number[] } | null)?.range?.[1] ?? keyStart))
    to = text.startsWith('\r\n', to) ? to + 2 : text[to] === '\n' ? to + 1 : to
    col = keyCol(pair.key)
  } else {
    from = afterLine(text, lastContent(text, loc.parent.range?.[1] ?? text.length))
    to = from
  }
  header.push(`${' '.repeat(col)}${loc.valuesKey}:`)
  const indent = col + unit
  const firstLine = lines.linePos(from).line + (from === text.length && !text.endsWith('\n') ? 1 : 0)
  return {
    from,
    to,
    inner: '',
    indent,
    firstLine,
    lineShift: header.length,
    rebuild(innerOut) {
      const body = splitKeep(innerOut).map((l) => (l.content ? ' '.repeat(indent) + l.content : '') + eol)
      const lead = from === text.length && text.length && !text.endsWith('\n') ? eol : ''
      return lead + header.map((h) => h + eol).join('') + body.join('')
    },
  }
}

function unitOf(map: YAMLMap, lines: LineCounter): number {
  const first = map.items[0]
  if (!first) return 0
  for (const p of map.items)
    if (isMap(p.value) && !p.value.flow && p.value.items[0])
      return lines.linePos(start(p.value.items[0].key)).col - lines.linePos(start(p.key)).col
  return 0
}

// The offset after the line holding `offset` (after its line break, or the end of the text).
function afterLine(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  return nl < 0 ? text.length : nl + 1
}

interface KeptLine {
  content: string
  eol: string
}

function splitKeep(s: string): KeptLine[] {
  const out: KeptLine[] = []
  let pos = 0
  while (pos < s.length) {
    const nl = s.indexOf('\n', pos)
    const end = nl < 0 ? s.length : nl + 1
    const raw = s.slice(pos, end)
    const m = /\r?\n$/.exec(raw)
    out.push({ content: m ? raw.slice(0, m.index) : raw, eol: m ? m[0] : '' })
    pos = end
  }
  return out
}

function linesRegion(text: string, lines: LineCounter, map: YAMLMap, col: number, eol: string, file: string): Region {
  const first = start(map.items[0]!.key)
  const from = first - col
  if (text.slice(from, first).trim() !== '' || (from > 0 && text[from - 1] !== '\n'))
    throw new ValidationError(
      file,
      posAt(lines, first),
      '(values)',
      'a map whose first key shares its line with other text',
      'a block map whose keys start their own lines',
      codeFrame(text, posAt(lines, first)),
    )
  const to = afterLine(text, lastContent(text, map.range?.[1] ?? text.length))
  return shiftedRegion(text, lines, from, to, col, eol, 0)
}

function blockRegion(text: string, lines: LineCounter, pair: Pair, v: Scalar, eol: string): Region {
  const header = start(v)
  const headerText = text.slice(header, lineEnd(text, header))
  const explicit = /^[|>][+-]?([1-9])|^[|>]([1-9])/.exec(headerText)
  const keyCol = lines.linePos(start(pair.key)).col - 1
  const from = afterLine(text, header)
  const end = v.range?.[1] ?? text.length
  const body = text.slice(from, end)
  const firstContent = /^( *)\S/m.exec(body)
  const to = firstContent ? afterLine(text, lastContent(text, end)) : from
  const indent = explicit
    ? keyCol + Number(explicit[1] ?? explicit[2])
    : firstContent
      ? firstContent[1]!.length
      : keyCol + 2
  return shiftedRegion(text, lines, from, Math.max(from, to), indent, eol, 0)
}

function shiftedRegion(
  text: string,
  lines: LineCounter,
  from: number,
  to: number,
  indent: number,
  eol: string,
  lineShift: number,
): Region {
  const orig = splitKeep(text.slice(from, to))
  const pad = ' '.repeat(indent)
  const inner = orig
    .map((l) => (l.content.startsWith(pad) ? l.content.slice(indent) : l.content.trimStart()) + l.eol)
    .join('')
  return {
    from,
    to,
    inner,
    indent,
    firstLine: lines.linePos(from).line,
    lineShift,
    rebuild(innerOut) {
      if (innerOut === inner) return text.slice(from, to)
      const a = splitKeep(inner)
      const b = splitKeep(innerOut)
      const ops = diffLines(
        a.map((l) => l.content),
        b.map((l) => l.content),
      )
      let out = ''
      for (const op of ops) {
        if (op.op === ' ') out += orig[op.ai]!.content + (b[op.bi]!.eol || orig[op.ai]!.eol)
        else if (op.op === '+') out += (op.text ? pad + op.text : '') + (b[op.bi]!.eol || eol)
      }
      // The region ended without a line break (the end of the file): so does its output.
      if (to === text.length && !/\n$/.test(text.slice(from, to)) && out.endsWith(eol) && b.at(-1)?.eol === '')
        out = out.slice(0, -eol.length)
      return out
    },
  }
}

// Lines and columns of a values-level result, in the manifest's numbering.
function mapResult(r: PullSecretResult, firstLine: number): PullSecretResult {
  const at = (line: number) => line + firstLine - 1
  return {
    ...r,
    changes: r.changes.map((c) => ({ ...c, line: at(c.line) })),
    warnings: r.warnings.map((w) => (w.line ? { ...w, line: at(w.line) } : w)),
  }
}

function mapError(err: unknown, file: string, text: string, valuesPath: string, region: Region): unknown {
  if (!(err instanceof CfpullError)) return err
  if (err instanceof YamlSyntaxError || err instanceof ValidationError) {
    const pos = { line: err.pos.line + region.firstLine - 1, col: err.pos.col + region.indent }
    const frame = codeFrame(text, pos)
    if (err instanceof YamlSyntaxError) return new YamlSyntaxError(file, pos, err.reason, frame, err.hint)
    const path = err.yamlPath === '(top level)' ? valuesPath : `${valuesPath}.${err.yamlPath}`
    return new ValidationError(file, pos, path, err.found, err.expected, frame, err.hint)
  }
  return err
}

// The result re-read: every document but the patched objects' values reads as before, and the
// values read as the patch's own data.
function verifyManifest(
  before: string,
  after: string,
  results: { loc: Located; result: PullSecretResult }[],
  file: string,
): void {
  const a = parseManifests(before).docs
  const b = parseManifests(after).docs
  const fail = (why: string) =>
    new InternalError(`${file}: the patched manifest does not read back as intended: ${why}`)
  if (a.length !== b.length || b.some((d) => d.errors.length)) throw fail('its documents changed')
  for (let i = 0; i < a.length; i++) {
    const hit = results.find((r) => r.loc.doc === i)
    const x = a[i]!.toJS({ maxAliasCount: -1 }) as unknown
    const y = b[i]!.toJS({ maxAliasCount: -1 }) as unknown
    if (!hit) {
      if (!isDeepStrictEqual(x, y)) throw fail(`document ${i + 1} changed`)
      continue
    }
    const path = dataPath(hit.loc)
    const got = getData(y, path)
    const values =
      hit.loc.target.field === 'block-string' ? parseValues(typeof got === 'string' ? got : '', file).data : got
    if (!isDeepStrictEqual(values ?? null, hit.result.data ?? null))
      throw fail(`${hit.loc.target.valuesPath} is not the patched values`)
    if (!isDeepStrictEqual(withoutPath(x, path), withoutPath(y, path)))
      throw fail(`${describeTarget(hit.loc.target)} changed outside ${hit.loc.target.valuesPath}`)
  }
}

function dataPath(loc: Located): (string | number)[] {
  return loc.target.valuesPath.split('.').flatMap((p) => {
    const m = /^(\w+)\[(\d+)\]$/.exec(p)
    return m ? [m[1]!, Number(m[2])] : [p]
  })
}

function getData(d: unknown, path: (string | number)[]): unknown {
  let cur = d
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string | number, unknown>)[k]
  }
  return cur
}

function withoutPath(d: unknown, path: (string | number)[]): unknown {
  const copy = structuredClone(d) as Record<string | number, unknown>
  let cur: unknown = copy
  for (const k of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return copy
    cur = (cur as Record<string | number, unknown>)[k]
  }
  if (cur !== null && typeof cur === 'object') {
    const last = path.at(-1)!
    delete (cur as Record<string | number, unknown>)[last]
    // A `helm:` map cfpull created holds nothing else.
    if (Object.keys(cur).length === 0 && path.at(-2) === 'helm') {
      const parent = getData(copy, path.slice(0, -2)) as Record<string, unknown> | undefined
      if (parent) delete parent.helm
    }
  }
  return copy
}
