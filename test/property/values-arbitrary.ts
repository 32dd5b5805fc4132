/**
 * A fast-check arbitrary for Cloudforet values files, generated as TEXT.
 *
 * It builds a small model (sections, entries, comments, anchors, …) and renders it line by
 * line, so fast-check shrinks the model and the counterexample stays readable. Rendering
 * text rather than serialising data with `yaml` is the point: the layouts people write by
 * hand (mixed indent steps, comments in odd columns, flow empties, CRLF, a BOM) are what
 * the splicer has to survive, and a serialiser would never produce most of them.
 */
import fc from 'fast-check'

/** Top-level keys, weighted towards services the chart versions under test all deploy. */
export const COMMON_SERVICES = [
  'console',
  'identity',
  'secret',
  'repository',
  'supervisor',
  'mongodb',
  'inventory',
  'config',
] as const
export const OTHER_SERVICES = [
  'console-api',
  'plugin',
  'monitoring',
  'statistics',
  'cost-analysis',
  'notification',
  'board',
  'file-manager',
  'dashboard',
  'console-api-v2',
  'redis',
  'vault',
  'consul',
  'search',
  'spacectl',
  'marketplace-assets',
] as const
export const NON_SERVICES = ['global', 'enabled', 'image', 'resources'] as const
const OTHER_TOP = ['defaults', 'x-common', 'extra'] as const

// ---------------------------------------------------------------------------------------
// Model

/** An inline comment after a value: none, `# text` after one or more spaces, or only trailing spaces. */
export type Trail = null | { text: string; gap: string } | { spaces: string }

export interface NameTok {
  name: string
  style: 'plain' | 'dq' | 'sq'
}

export type IpsItem =
  { t: 'name'; name: NameTok; extra: boolean; trail: Trail } | { t: 'comment'; text: string } | { t: 'nameless' }

/** Every shape an existing imagePullSecrets value takes in the wild, valid or not. */
export type Ips =
  | { s: 'block'; indented: boolean; unit: number; items: IpsItem[]; trail: Trail }
  | { s: 'flow'; items: NameTok[]; spaced: boolean; trailingComma: boolean; trail: Trail }
  | { s: 'flow-multi'; items: NameTok[] }
  | { s: 'empty'; text: string; trail: Trail }
  | { s: 'null'; token: string; trail: Trail }
  | { s: 'string'; name: NameTok }
  | { s: 'strings'; names: NameTok[]; flow: boolean }
  | { s: 'map'; name: NameTok }
  | { s: 'nameless'; flow: boolean }

export type SeqItem =
  { t: 'scalar'; value: string } | { t: 'map'; pairs: Array<[string, string]> } | { t: 'comment'; text: string }

export type Entry =
  | { t: 'kv'; key: string; value: string; anchor: boolean; trail: Trail }
  | { t: 'multi'; key: string; words: [string, string] }
  | { t: 'block-scalar'; key: string; header: string; lines: string[] }
  | { t: 'map'; key: string; anchor: boolean; unit: number; trail: Trail; body: Entry[] }
  | { t: 'null'; key: string; token: string; anchor: boolean; trail: Trail }
  | { t: 'flow'; key: string; text: string; anchor: boolean; trail: Trail }
  | { t: 'seq'; key: string; anchor: boolean; indented: boolean; unit: number; items: SeqItem[]; trail: Trail }
  | { t: 'ips'; key: string; ips: Ips }
  | { t: 'merge'; ref: number; trail: Trail }
  | { t: 'alias'; key: string; ref: number; trail: Trail }
  | { t: 'comment'; text: string; shift: -1 | 0 | 1 }
  | { t: 'blank'; spaces: string }

export type SectionBody =
  | { t: 'block'; unit: number; entries: Entry[] }
  | { t: 'null'; token: string }
  | { t: 'flow'; text: string }
  | { t: 'flow-multi'; pairs: Array<[string, string]> }
  | { t: 'alias'; ref: number }
  | { t: 'scalar'; text: string }
  | { t: 'list'; items: string[] }

/** Comment and blank lines between sections, in the column they were written. */
export type Extra = { t: 'comment'; text: string; col: number } | { t: 'blank'; spaces: string }

export interface Section {
  key: string
  keyStyle: 'plain' | 'dq' | 'sq'
  spaceBeforeColon: boolean
  anchor: boolean
  trail: Trail
  body: SectionBody
  after: Extra[]
}

export type Corruption = { kind: (typeof CORRUPTIONS)[number]; at: number }
const CORRUPTIONS = [
  'tab',
  'unclosed-flow',
  'placeholder',
  'undefined-alias',
  'second-doc',
  'unclosed-quote',
  'indent-plus',
  'indent-minus',
  'compact-nested',
  'top-list',
  'top-scalar',
  'dedent-item',
] as const

export interface FileModel {
  bom: boolean
  crlf: boolean
  finalNewline: boolean
  docStart: string
  docEnd: boolean
  head: Extra[]
  root:
    { t: 'block'; sections: Section[] } | { t: 'flow'; pairs: Array<[string, string]> } | { t: 'null'; token: string }
  tail: Extra[]
  corruption: Corruption | null
}

export interface GeneratedValues {
  text: string
  model: FileModel
}

// ---------------------------------------------------------------------------------------
// Pools

/** Secret names: valid DNS-1123 names, several of which YAML 1.1 reads as non-strings unless quoted. */
export const SECRET_POOL = [
  'my-credential',
  'regcred',
  'old-cred',
  'x',
  'a.b',
  'yes',
  'no',
  'on',
  '123',
  '0644',
  'null',
  'true',
  '1e3',
  'y',
  '1.0',
  '0x1f',
] as const

const EXISTING_NAMES = ['my-credential', 'regcred', 'old-cred', 'x', 'yes', '123', 'a.b', 'legacy'] as const

const PLAIN_VALUES = [
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  '~',
  'null',
  'Null',
  '0644',
  '0o644',
  '0x1F',
  '1e3',
  '12:30',
  '1_000',
  '2024-01-01',
  '.5',
  '-1',
  '3.14',
  '.inf',
  '.NaN',
  'spaceone',
  'cloudforet/console:1.12.0',
  'http://example.com/a?b=c',
  'a b c',
  'foo-bar',
  'latest',
  'IfNotPresent',
  'imagePullSecrets',
  'name',
] as const
const QUOTED_VALUES = [
  `'it''s'`,
  '"yes"',
  '"0644"',
  '""',
  "''",
  '"with: colon"',
  '"a # not a comment"',
  '"*not-alias"',
  "'&not-anchor'",
  '"tab\\there"',
  '"ünïcode ✓"',
  '!!str 0644',
  '"multi\\nline"',
  "'- name: fake'",
] as const
const KEYS = [
  'enabled',
  'replicas',
  'name',
  'image',
  'tag',
  'version',
  'port',
  'host',
  'url',
  'database',
  'config',
  'env',
  'labels',
  'annotations',
  '"quoted key"',
  "'single'",
  'yes',
  'on',
  '"1"',
  '2',
  'with-dash',
  'dotted.key',
  'KEY_UPPER',
  'image_pull_secrets',
  'namespace',
  'global',
  'endpoint',
  'imagePullSecrets',
] as const
const COMMENTS = [
  'note',
  'TODO: set later',
  'imagePullSecrets: [old]',
  '- name: fake',
  'key: value',
  '',
  '#',
  'ünïcode ✓',
  '{ not: flow }',
  '---',
] as const
const FLOW_MAPS = ['{}', '{ }', '{a: 1}', '{a: 1, b: "x"}', '{enabled: true,}', '{ name: yes }', '{k: [1, 2]}'] as const
const FLOW_SEQS = ['[]', '[ ]', '[a, b]', '["x", 2]', '[{a: 1}]', '[1,]'] as const
const WORDS = ['alpha', 'beta', 'gamma', 'delta'] as const
const UNITS = [2, 2, 2, 4, 4, 1, 3] as const

// ---------------------------------------------------------------------------------------
// Arbitraries

const unit = fc.constantFrom(...UNITS)
/** true about once in `n + 1` draws. */
const rarely = (n: number) =>
  fc.oneof(
    { withCrossShrink: true },
    { weight: n, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  )
const keyArb = fc.constantFrom(...KEYS)
const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PLAIN_VALUES) },
  { weight: 1, arbitrary: fc.constantFrom(...QUOTED_VALUES) },
)
const commentText = fc.constantFrom(...COMMENTS)

const trailArb: fc.Arbitrary<Trail> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.record({ text: commentText, gap: fc.constantFrom(' ', '  ', '   ', '\t') }) },
  { weight: 1, arbitrary: fc.record({ spaces: fc.constantFrom(' ', '  ') }) },
)

const nameTok = (pool: readonly string[]): fc.Arbitrary<NameTok> =>
  fc.record({ name: fc.constantFrom(...pool), style: fc.constantFrom<NameTok['style']>('plain', 'plain', 'dq', 'sq') })

const ipsItem: fc.Arbitrary<IpsItem> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('name' as const),
      name: nameTok(EXISTING_NAMES),
      extra: fc.constant(false),
      trail: trailArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('name' as const),
      name: nameTok(EXISTING_NAMES),
      extra: fc.constant(true),
      trail: trailArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('comment' as const), text: commentText }) },
  { weight: 1, arbitrary: fc.constant({ t: 'nameless' as const }) },
)

/** Existing imagePullSecrets values: mostly the shapes Helm accepts, a few it does not. */
export const ipsArb: fc.Arbitrary<Ips> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      s: fc.constant('block' as const),
      indented: fc.boolean(),
      unit,
      items: fc.array(ipsItem, { minLength: 1, maxLength: 3 }),
      trail: trailArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      s: fc.constant('flow' as const),
      items: fc.array(nameTok(EXISTING_NAMES), { minLength: 1, maxLength: 2 }),
      spaced: fc.boolean(),
      trailingComma: fc.boolean(),
      trail: trailArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      s: fc.constant('flow-multi' as const),
      items: fc.array(nameTok(EXISTING_NAMES), { minLength: 1, maxLength: 2 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      s: fc.constant('empty' as const),
      text: fc.constantFrom('[]', '[ ]', '[  ]'),
      trail: trailArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      s: fc.constant('null' as const),
      token: fc.constantFrom('', '~', 'null', 'Null'),
      trail: trailArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ s: fc.constant('string' as const), name: nameTok(EXISTING_NAMES) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      s: fc.constant('strings' as const),
      names: fc.array(nameTok(EXISTING_NAMES), { minLength: 1, maxLength: 2 }),
      flow: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ s: fc.constant('map' as const), name: nameTok(EXISTING_NAMES) }) },
  { weight: 1, arbitrary: fc.record({ s: fc.constant('nameless' as const), flow: fc.boolean() }) },
)
const ipsKey = fc.constantFrom('imagePullSecrets', 'imagePullSecrets', 'imagePullSecrets', '"imagePullSecrets"')

const seqItem: fc.Arbitrary<SeqItem> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('scalar' as const), value: valueArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('map' as const),
      pairs: fc.array(fc.tuple(keyArb, valueArb), { minLength: 1, maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('comment' as const), text: commentText }) },
)

const leafEntry: fc.Arbitrary<Entry> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant('kv' as const),
      key: keyArb,
      value: valueArb,
      anchor: rarely(5),
      trail: trailArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('multi' as const),
      key: keyArb,
      words: fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...WORDS)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('block-scalar' as const),
      key: keyArb,
      header: fc.constantFrom('|', '>', '|-', '>+'),
      lines: fc.array(fc.constantFrom('line one', '', 'key: not a key', '# not a comment'), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('null' as const),
      key: keyArb,
      token: fc.constantFrom('', '~', 'null'),
      anchor: rarely(3),
      trail: trailArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('flow' as const),
      key: keyArb,
      text: fc.constantFrom(...FLOW_MAPS, ...FLOW_SEQS),
      anchor: rarely(3),
      trail: trailArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('seq' as const),
      key: keyArb,
      anchor: rarely(3),
      indented: fc.boolean(),
      unit,
      items: fc.array(seqItem, { minLength: 1, maxLength: 3 }),
      trail: trailArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('alias' as const), key: keyArb, ref: fc.nat(7), trail: trailArb }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('merge' as const), ref: fc.nat(7), trail: trailArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('comment' as const),
      text: commentText,
      shift: fc.constantFrom<-1 | 0 | 1>(-1, 0, 0, 1),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('blank' as const), spaces: fc.constantFrom('', '', '  ') }) },
)

// Maps nest at most three levels below a section, each with its own indent step (mixed indentation).
function entriesArb(depth: number): fc.Arbitrary<Entry[]> {
  const nested: fc.Arbitrary<Entry>[] = []
  if (depth > 0)
    nested.push(
      fc.record({
        t: fc.constant('map' as const),
        key: keyArb,
        anchor: rarely(3),
        unit,
        trail: trailArb,
        body: entriesArb(depth - 1),
      }),
    )
  const entry = nested.length
    ? fc.oneof({ weight: 6, arbitrary: leafEntry }, { weight: 2, arbitrary: nested[0]! })
    : leafEntry
  return fc.array(entry, { maxLength: depth === 2 ? 3 : 2 })
}

// Section entries: the generic mix plus, often, an imagePullSecrets in some shape.
const sectionEntries: fc.Arbitrary<Entry[]> = fc
  .tuple(
    entriesArb(2),
    fc.option(fc.record({ key: ipsKey, ips: ipsArb }), { freq: 2 }),
    fc.nat(8),
    fc.option(fc.tuple(ipsKey, ipsArb, unit), { freq: 8 }),
    fc.option(fc.record({ key: ipsKey, ips: ipsArb }), { freq: 12 }),
  )
  .map(([entries, ips, at, underGlobal, duplicate]) => {
    const out = [...entries]
    if (ips) out.splice(at % (out.length + 1), 0, { t: 'ips', ...ips })
    // HashiCorp's charts take global.imagePullSecrets (vault, consul in umbrella ≤ 1.11).
    if (underGlobal)
      out.push({
        t: 'map',
        key: 'global',
        anchor: false,
        unit: underGlobal[2],
        trail: null,
        body: [{ t: 'ips', key: underGlobal[0], ips: underGlobal[1] }],
      })
    if (duplicate) out.push({ t: 'ips', ...duplicate })
    return out
  })

const extraArb: fc.Arbitrary<Extra> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('comment' as const),
      text: commentText,
      col: fc.constantFrom(0, 0, 2, 4, 1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('blank' as const), spaces: fc.constantFrom('', '', ' ') }) },
)
const extrasArb = fc.array(extraArb, { maxLength: 1 })

const sectionBody: fc.Arbitrary<SectionBody> = fc.oneof(
  { weight: 14, arbitrary: fc.record({ t: fc.constant('block' as const), unit, entries: sectionEntries }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('null' as const), token: fc.constantFrom('', '', '~', 'null') }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('flow' as const),
      text: fc.constantFrom(
        ...FLOW_MAPS,
        '{imagePullSecrets: [{name: regcred}]}',
        '{imagePullSecrets: []}',
        '{imagePullSecrets: ~}',
        '{enabled: true, imagePullSecrets: [ ]}',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('flow-multi' as const),
      pairs: fc.array(fc.tuple(keyArb, valueArb), { maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('alias' as const), ref: fc.nat(7) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('scalar' as const),
      text: fc.constantFrom('true', '"off"', '1', 'disabled'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('list' as const),
      items: fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 2 }),
    }),
  },
)

const sectionKey = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...COMMON_SERVICES) },
  { weight: 3, arbitrary: fc.constantFrom(...OTHER_SERVICES) },
  { weight: 2, arbitrary: fc.constantFrom(...NON_SERVICES) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHER_TOP) },
)

const sectionHead = fc.record({
  keyStyle: fc.constantFrom<Section['keyStyle']>('plain', 'plain', 'plain', 'plain', 'plain', 'dq', 'sq'),
  spaceBeforeColon: rarely(12),
  anchor: rarely(4),
  trail: trailArb,
  after: extrasArb,
})

const sectionArb: fc.Arbitrary<Section> = fc
  .record({ key: sectionKey, head: sectionHead, body: sectionBody })
  .map(({ key, head, body }) => ({ key, ...head, body }))

const block = (key: string, u: number, body: Entry[], anchor = false, trail: Trail = null): Entry => ({
  t: 'map',
  key,
  anchor,
  unit: u,
  trail,
  body,
})

/** supervisor with image.version and application_scheduler.CONNECTORS.KubernetesConnector (the 1.x plugin path). */
const supervisorArb: fc.Arbitrary<Section> = fc
  .record({
    head: sectionHead,
    units: fc.array(unit, { minLength: 5, maxLength: 5 }),
    version: fc.option(fc.constantFrom('1.12.0', '1.10.4.2', '1.9.7', '2.0.dev19', '"2.0.0"', 'latest', '1.11'), {
      freq: 2,
    }),
    shape: fc.constantFrom('block', 'block', 'block', 'null', 'flow-empty', 'missing'),
    namespace: fc.option(fc.constantFrom('spaceone-plugin', 'root-supervisor', '"123"', '123', '~'), { freq: 2 }),
    ips: fc.option(fc.record({ key: ipsKey, ips: ipsArb }), { freq: 2 }),
    extra: entriesArb(0),
  })
  .map(({ head, units, version, shape, namespace, ips, extra }) => {
    const [u0, u1, u2, u3, u4] = units as [number, number, number, number, number]
    const kcBody: Entry[] = []
    if (namespace !== null) kcBody.push({ t: 'kv', key: 'namespace', value: namespace, anchor: false, trail: null })
    if (ips) kcBody.push({ t: 'ips', ...ips })
    const kc: Entry =
      shape === 'null'
        ? { t: 'null', key: 'KubernetesConnector', token: '', anchor: false, trail: null }
        : shape === 'flow-empty'
          ? { t: 'flow', key: 'KubernetesConnector', text: '{}', anchor: false, trail: null }
          : block('KubernetesConnector', u4, kcBody)
    const entries: Entry[] = []
    if (version !== null)
      entries.push(
        block('image', u1, [
          { t: 'kv', key: 'name', value: 'cloudforet/supervisor', anchor: false, trail: null },
          { t: 'kv', key: 'version', value: version, anchor: false, trail: null },
        ]),
      )
    if (shape !== 'missing') entries.push(block('application_scheduler', u2, [block('CONNECTORS', u3, [kc])]))
    entries.push(...extra)
    return { key: 'supervisor', ...head, body: { t: 'block', unit: u0, entries } }
  })

/** repository with application_grpc.REGISTRY_INFO (the 2.x plugin path). */
const repositoryArb: fc.Arbitrary<Section> = fc
  .record({
    head: sectionHead,
    units: fc.array(unit, { minLength: 4, maxLength: 4 }),
    defaultRegistry: fc.option(fc.constantFrom('HARBOR', 'DOCKER_HUB', '~', 'GITHUB'), { freq: 2 }),
    registries: fc.uniqueArray(
      fc.record({
        type: fc.constantFrom('DOCKER_HUB', 'HARBOR', 'GITHUB'),
        secret: fc.option(
          fc.constantFrom('old-cred', '"old-cred"', 'my-credential', '~', '', '123', '[a]', '"yes"', 'yes', '{}'),
          { freq: 3 },
        ),
        flow: rarely(4),
      }),
      { selector: (r) => r.type, maxLength: 2 },
    ),
    infoShape: fc.constantFrom('block', 'block', 'block', 'null', 'flow-empty'),
    extra: entriesArb(0),
  })
  .map(({ head, units, defaultRegistry, registries, infoShape, extra }) => {
    const [u0, u1, u2, u3] = units as [number, number, number, number]
    const regs: Entry[] = registries.map((r) => {
      if (r.flow)
        return {
          t: 'flow',
          key: r.type,
          text: `{url: ${r.type.toLowerCase()}.example.com${r.secret !== null && r.secret !== '' ? `, image_pull_secrets: ${r.secret}` : ''}}`,
          anchor: false,
          trail: null,
        }
      const body: Entry[] = [
        { t: 'kv', key: 'url', value: `${r.type.toLowerCase()}.example.com`, anchor: false, trail: null },
      ]
      if (r.secret === '') body.push({ t: 'null', key: 'image_pull_secrets', token: '', anchor: false, trail: null })
      else if (r.secret !== null)
        body.push({ t: 'kv', key: 'image_pull_secrets', value: r.secret, anchor: false, trail: null })
      return block(r.type, u3, body)
    })
    const info: Entry =
      infoShape === 'null'
        ? { t: 'null', key: 'REGISTRY_INFO', token: '', anchor: false, trail: null }
        : infoShape === 'flow-empty'
          ? { t: 'flow', key: 'REGISTRY_INFO', text: '{}', anchor: false, trail: null }
          : block('REGISTRY_INFO', u2, regs)
    const grpc: Entry[] = []
    if (defaultRegistry !== null)
      grpc.push({ t: 'kv', key: 'DEFAULT_REGISTRY', value: defaultRegistry, anchor: false, trail: null })
    grpc.push(info)
    return {
      key: 'repository',
      ...head,
      body: { t: 'block', unit: u0, entries: [block('application_grpc', u1, grpc), ...extra] },
    }
  })

const corruptionArb: fc.Arbitrary<Corruption> = fc.record({ kind: fc.constantFrom(...CORRUPTIONS), at: fc.nat(40) })

const rootArb: fc.Arbitrary<FileModel['root']> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc
      .tuple(
        fc.array(sectionArb, { maxLength: 3 }),
        fc.option(supervisorArb, { freq: 4 }),
        fc.option(repositoryArb, { freq: 4 }),
        fc.nat(6),
        fc.nat(6),
      )
      .map(([sections, sup, repo, i, j]) => {
        const out = [...sections]
        if (sup) out.splice(i % (out.length + 1), 0, sup)
        if (repo) out.splice(j % (out.length + 1), 0, repo)
        return { t: 'block' as const, sections: out }
      }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('flow' as const),
      pairs: fc.array(fc.tuple(sectionKey, fc.constantFrom('{}', '{enabled: true}', '~', '{imagePullSecrets: []}')), {
        maxLength: 3,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('null' as const), token: fc.constantFrom('', '~', 'null') }) },
)

export const fileModelArb: fc.Arbitrary<FileModel> = fc.record({
  bom: rarely(4),
  crlf: rarely(3),
  finalNewline: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  docStart: fc.constantFrom('', '', '', '', '', '', '---', '--- # values'),
  docEnd: rarely(40),
  head: extrasArb,
  root: rootArb,
  tail: extrasArb,
  corruption: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: corruptionArb }),
})

/** Values-file text plus the model it was rendered from (the model is what gets shrunk). */
export const valuesFileArb: fc.Arbitrary<GeneratedValues> = fileModelArb.map((model) => ({
  text: renderFile(model),
  model,
}))

// ---------------------------------------------------------------------------------------
// Rendering

interface Ctx {
  anchors: Array<{ name: string; map: boolean }>
  next: number
}

const sp = (n: number) => ' '.repeat(Math.max(0, n))

function trail(t: Trail): string {
  if (t === null) return ''
  if ('spaces' in t) return t.spaces
  return `${t.gap}#${t.text ? ` ${t.text}` : ''}`
}

function nameText(n: NameTok): string {
  if (n.style === 'dq') return JSON.stringify(n.name)
  if (n.style === 'sq') return `'${n.name}'`
  return n.name
}

function anchorOf(ctx: Ctx, on: boolean): { text: string; commit: (map: boolean) => void } {
  if (!on) return { text: '', commit: () => undefined }
  const name = `a${++ctx.next}`
  // Registered only once the node is complete, so an alias never points into its own anchor.
  let done = false
  return { text: `&${name}`, commit: (map) => void (done || ((done = true), ctx.anchors.push({ name, map }))) }
}

function ref(ctx: Ctx, n: number, mapsOnly: boolean): string | undefined {
  const pool = mapsOnly ? ctx.anchors.filter((a) => a.map) : ctx.anchors
  return pool.length ? pool[n % pool.length]!.name : undefined
}

const withAnchor = (a: string, rest: string) => [a, rest].filter(Boolean).join(' ')

function renderIps(key: string, ips: Ips, col: number): string[] {
  const pad = sp(col)
  switch (ips.s) {
    case 'block': {
      const dash = col + (ips.indented ? ips.unit : 0)
      const out = [`${pad}${key}:${trail(ips.trail)}`]
      for (const item of ips.items) {
        if (item.t === 'comment') out.push(`${sp(dash)}#${item.text ? ` ${item.text}` : ''}`)
        else if (item.t === 'nameless') out.push(`${sp(dash)}- foo: bar`)
        else {
          out.push(`${sp(dash)}- name: ${nameText(item.name)}${trail(item.trail)}`)
          if (item.extra) out.push(`${sp(dash + 2)}namespace: other`)
        }
      }
      return out
    }
    case 'flow': {
      const inner = ips.items.map((n) => `{name: ${nameText(n)}}`).join(', ') + (ips.trailingComma ? ',' : '')
      return [`${pad}${key}: ${ips.spaced ? `[ ${inner} ]` : `[${inner}]`}${trail(ips.trail)}`]
    }
    case 'flow-multi':
      return [`${pad}${key}: [`, ...ips.items.map((n) => `${sp(col + 2)}{name: ${nameText(n)}},`), `${sp(col + 1)}]`]
    case 'empty':
      return [`${pad}${key}: ${ips.text}${trail(ips.trail)}`]
    case 'null':
      return [`${pad}${key}:${ips.token ? ` ${ips.token}` : ''}${trail(ips.trail)}`]
    case 'string':
      return [`${pad}${key}: ${nameText(ips.name)}`]
    case 'strings':
      return ips.flow
        ? [`${pad}${key}: [${ips.names.map(nameText).join(', ')}]`]
        : [`${pad}${key}:`, ...ips.names.map((n) => `${sp(col + 2)}- ${nameText(n)}`)]
    case 'map':
      return [`${pad}${key}:`, `${sp(col + 2)}name: ${nameText(ips.name)}`]
    case 'nameless':
      return ips.flow ? [`${pad}${key}: [{}]`] : [`${pad}${key}:`, `${sp(col + 2)}- secret: x`]
  }
}

function renderEntries(entries: Entry[], col: number, ctx: Ctx): string[] {
  return entries.flatMap((e) => renderEntry(e, col, ctx))
}

function renderEntry(e: Entry, col: number, ctx: Ctx): string[] {
  const pad = sp(col)
  switch (e.t) {
    case 'kv': {
      const a = anchorOf(ctx, e.anchor)
      a.commit(false)
      return [`${pad}${e.key}: ${withAnchor(a.text, e.value)}${trail(e.trail)}`]
    }
    case 'multi':
      return [`${pad}${e.key}: ${e.words[0]}`, `${sp(col + 2)}${e.words[1]}`]
    case 'block-scalar':
      return [`${pad}${e.key}: ${e.header}`, ...e.lines.map((l) => (l ? `${sp(col + 2)}${l}` : ''))]
    case 'map': {
      const a = anchorOf(ctx, e.anchor)
      const body = renderEntries(e.body, col + e.unit, ctx)
      const hasContent = body.some((l) => l.trim() && !l.trim().startsWith('#'))
      a.commit(hasContent)
      return [`${pad}${e.key}:${a.text ? ` ${a.text}` : ''}${trail(e.trail)}`, ...body]
    }
    case 'null': {
      const a = anchorOf(ctx, e.anchor)
      a.commit(false)
      const rest = withAnchor(a.text, e.token)
      return [`${pad}${e.key}:${rest ? ` ${rest}` : ''}${trail(e.trail)}`]
    }
    case 'flow': {
      const a = anchorOf(ctx, e.anchor)
      a.commit(e.text.startsWith('{'))
      return [`${pad}${e.key}: ${withAnchor(a.text, e.text)}${trail(e.trail)}`]
    }
    case 'seq': {
      const a = anchorOf(ctx, e.anchor)
      a.commit(false)
      const dash = col + (e.indented ? e.unit : 0)
      const out = [`${pad}${e.key}:${a.text ? ` ${a.text}` : ''}${trail(e.trail)}`]
      for (const item of e.items) {
        if (item.t === 'scalar') out.push(`${sp(dash)}- ${item.value}`)
        else if (item.t === 'comment') out.push(`${sp(dash)}#${item.text ? ` ${item.text}` : ''}`)
        else
          item.pairs.forEach(([k, v], i) =>
            out.push(`${sp(i === 0 ? dash : dash + 2)}${i === 0 ? '- ' : ''}${k}: ${v}`),
          )
      }
      return out
    }
    case 'ips':
      return renderIps(e.key, e.ips, col)
    case 'merge': {
      const name = ref(ctx, e.ref, true)
      return name ? [`${pad}<<: *${name}${trail(e.trail)}`] : []
    }
    case 'alias': {
      const name = ref(ctx, e.ref, false)
      return [`${pad}${e.key}: ${name ? `*${name}` : 'x'}${trail(e.trail)}`]
    }
    case 'comment':
      return [`${sp(e.shift < 0 ? 0 : col + e.shift * 2)}#${e.text ? ` ${e.text}` : ''}`]
    case 'blank':
      return [e.spaces]
  }
}

function renderExtra(x: Extra): string {
  return x.t === 'blank' ? x.spaces : `${sp(x.col)}#${x.text ? ` ${x.text}` : ''}`
}

function sectionKeyText(s: Section): string {
  const k = s.keyStyle === 'dq' ? JSON.stringify(s.key) : s.keyStyle === 'sq' ? `'${s.key}'` : s.key
  return `${k}${s.spaceBeforeColon ? ' ' : ''}:`
}

function renderSection(s: Section, ctx: Ctx): string[] {
  const key = sectionKeyText(s)
  const a = anchorOf(ctx, s.anchor)
  const tr = trail(s.trail)
  const b = s.body
  let lines: string[]
  switch (b.t) {
    case 'block': {
      const body = renderEntries(b.entries, b.unit, ctx)
      a.commit(body.some((l) => l.trim() && !l.trim().startsWith('#')))
      lines = [`${key}${a.text ? ` ${a.text}` : ''}${tr}`, ...body]
      break
    }
    case 'null':
      a.commit(false)
      lines = [`${key}${withAnchor(a.text, b.token) ? ` ${withAnchor(a.text, b.token)}` : ''}${tr}`]
      break
    case 'flow':
      a.commit(true)
      lines = [`${key} ${withAnchor(a.text, b.text)}${tr}`]
      break
    case 'flow-multi':
      a.commit(true)
      lines = [`${key} ${withAnchor(a.text, '{')}`, ...b.pairs.map(([k, v]) => `  ${k}: ${v},`), ' }']
      break
    case 'alias': {
      const name = ref(ctx, b.ref, false)
      lines = [`${key} ${name ? `*${name}` : '{}'}${tr}`]
      break
    }
    case 'scalar':
      a.commit(false)
      lines = [`${key} ${withAnchor(a.text, b.text)}${tr}`]
      break
    case 'list':
      a.commit(false)
      lines = [`${key}${a.text ? ` ${a.text}` : ''}${tr}`, ...b.items.map((i) => `  - ${i}`)]
      break
  }
  return [...lines, ...s.after.map(renderExtra)]
}

function corrupt(lines: string[], c: Corruption): string[] {
  const out = [...lines]
  const at = c.at % (out.length + 1)
  const line = out[at] ?? ''
  const indent = /^ */.exec(line)![0]
  switch (c.kind) {
    case 'tab':
      out.splice(at, 1, `\t${line.trimStart() || 'key: v'}`)
      break
    case 'unclosed-flow':
      out.splice(at, 0, `${indent}endpoints: [a, b`)
      break
    case 'placeholder':
      out.splice(at, 0, `${indent}endpoint: {placeholder}.svc.cluster.local`)
      break
    case 'undefined-alias':
      out.splice(at, 0, `${indent}password: **********`)
      break
    case 'second-doc':
      out.splice(Math.max(1, at), 0, '---', 'other: doc')
      break
    case 'unclosed-quote':
      out.splice(at, 0, `${indent}token: "abc`)
      break
    case 'indent-plus':
      out.splice(at, 1, ` ${line}`)
      break
    case 'indent-minus':
      out.splice(at, 1, line.replace(/^ /, ''))
      break
    case 'compact-nested':
      out.splice(at, 0, `${indent}key: a: b`)
      break
    case 'top-list':
      return ['- console', '- identity', ...out.filter((l) => l.trim().startsWith('#'))]
    case 'top-scalar':
      return ['just a string', ...out.filter((l) => l.trim().startsWith('#'))]
    case 'dedent-item':
      out.splice(at, 0, `${indent.slice(1)}- stray`)
      break
  }
  return out
}

/** Renders a model to the exact bytes of a values file. */
export function renderFile(m: FileModel): string {
  const ctx: Ctx = { anchors: [], next: 0 }
  let lines: string[] = []
  if (m.docStart) lines.push(m.docStart)
  lines.push(...m.head.map(renderExtra))
  const r = m.root
  if (r.t === 'block') for (const s of r.sections) lines.push(...renderSection(s, ctx))
  else if (r.t === 'flow') lines.push(`{${r.pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`)
  else if (r.token) lines.push(r.token)
  lines.push(...m.tail.map(renderExtra))
  if (m.docEnd) lines.push('...')
  if (m.corruption) lines = corrupt(lines, m.corruption)
  const eol = m.crlf ? '\r\n' : '\n'
  let text = lines.join(eol)
  if (m.finalNewline && lines.length > 0) text += eol
  return (m.bom ? '\uFEFF' : '') + text
}
