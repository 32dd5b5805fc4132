import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chartInfo } from '../../../src/core/cloudforet/charts.js'
import { addImagePullSecrets } from '../../../src/core/cloudforet/image-pull-secrets.js'
import type { PluginMode } from '../../../src/core/cloudforet/plugins.js'
import { parseMirrorTarget } from '../../../src/core/images/mirror-name.js'
import { planRegistryRewrite } from '../../../src/core/images/registry-rewrite.js'
import { insertionProblems } from '../../property/text-checks.js'

const root = join(import.meta.dirname, '../../fixtures/values')

interface CaseOptions {
  /** The exact exit-3 error expected instead of an output (cases cfpull must refuse). */
  refuse?: string
  secrets?: string[]
  chartVersion?: string
  services?: string[]
  exclude?: string[]
  plugins?: PluginMode
  pluginRegistry?: string
  managedRegistry?: boolean
  replacePluginSecret?: boolean
  onlyPresent?: boolean
  /** patch --registry HOST/PATH (implies --plugin-registry HARBOR --managed-registry unless a type is given). */
  registry?: string
  replaceRegistry?: boolean
}

// The scalar keys patch --registry may change: image names and the managed plugins' registry.
const REGISTRY_KEYS = [
  'name',
  'url',
  'HARBOR',
  'AWS_PRIVATE_ECR',
  'GCP_PRIVATE_GCR',
  'MANAGED_PLUGIN_IMAGE_PREFIX',
  'MANAGED_REGISTRY_TYPE',
  'base_url',
  'image_pull_secrets',
]

function caseOf(name: string): CaseOptions {
  return JSON.parse(readFileSync(join(root, name, 'case.json'), 'utf8')) as CaseOptions
}

function run(name: string, text: string) {
  const o = caseOf(name)
  const chart = chartInfo(o.chartVersion)
  const target = o.registry ? parseMirrorTarget(o.registry) : undefined
  const pluginRegistry = o.pluginRegistry ?? (target ? 'HARBOR' : undefined)
  return addImagePullSecrets(text, {
    secrets: o.secrets ?? ['my-credential'],
    chart,
    file: `${name}/input.yaml`,
    ...(o.services && { services: o.services }),
    ...(o.exclude && { exclude: o.exclude }),
    ...(o.plugins && { plugins: o.plugins }),
    ...(pluginRegistry && { pluginRegistry }),
    ...((o.managedRegistry || target) && { managedRegistry: true }),
    ...(o.replacePluginSecret && { replacePluginSecret: true }),
    ...(o.onlyPresent && { onlyPresent: o.onlyPresent }),
    ...(target && {
      registry: o.registry,
      more: ({ values, model, planned }) =>
        planRegistryRewrite(values, chart, model, planned, {
          target,
          pluginType: pluginRegistry!,
          ...(o.replaceRegistry && { replaceRegistry: true }),
          ...(o.plugins === 'none' && { skipPlugins: true }),
        }),
    }),
  })
}

describe('addImagePullSecrets on fixture pairs', () => {
  for (const name of readdirSync(root).sort()) {
    it(name, async () => {
      const input = readFileSync(join(root, name, 'input.yaml'), 'utf8')
      const refuse = (JSON.parse(readFileSync(join(root, name, 'case.json'), 'utf8')) as CaseOptions).refuse
      if (refuse) {
        expect(() => run(name, input)).toThrow(expect.objectContaining({ message: refuse, exitCode: 3 }))
        return
      }
      const result = run(name, input)
      await expect(result.text).toMatchFileSnapshot(join(root, name, 'expected.yaml'))
      const report = {
        changes: result.changes.map(
          (c) =>
            `${c.action} ${c.path.join('.')} [${c.names.join(', ')}] line ${c.line}${c.previous ? ` (was ${c.previous})` : ''}${c.inherited ? ` (inherited ${c.inherited.join(', ')})` : ''}${c.role ? ` (${c.service} ${c.role})` : ''}`,
        ),
        warnings: result.warnings.map((w) => `${w.code}${w.line ? ` line ${w.line}` : ''}: ${w.message}`),
        plugins: `${result.plugins.mechanism}${result.plugins.path ? ` at ${result.plugins.path.join('.')}` : ''}`,
        namespaces: result.namespaces,
      }
      await expect(`${JSON.stringify(report, null, 2)}\n`).toMatchFileSnapshot(join(root, name, 'report.json'))

      // The promises that hold for every input, whatever the snapshot says.
      const registry = !!caseOf(name).registry
      const lines = insertionProblems(input, result.text, {
        scalarValues: result.changes.flatMap((c) => c.names),
        ...(registry && { scalarKeys: REGISTRY_KEYS }),
      })
      expect(lines.problems).toEqual([])
      expect(lines.rewrites).toBeLessThanOrEqual(result.changes.filter((c) => c.action !== 'unchanged').length)
      expect(result.text.startsWith('\uFEFF')).toBe(input.startsWith('\uFEFF'))
      expect(result.text.includes('\r\n')).toBe(input.includes('\r\n'))
      if (input.includes('\r\n')) expect(result.text.replace(/\r\n/g, '')).not.toContain('\n')
      // A file cfpull writes from nothing ends with a newline; any other keeps what it had.
      expect(/\n$/.test(result.text)).toBe(input === '' || /\n$/.test(input))
      expect(result.changed).toBe(result.text !== input)
      const again = run(name, result.text)
      expect(again.changed).toBe(false)
      expect(again.text).toBe(result.text)
      const outLines = result.text.split(/\r?\n/)
      for (const c of result.changes)
        expect(outLines[c.line - 1], `line of ${c.path.join('.')}`).toMatch(
          registry
            ? new RegExp(`imagePullSecrets|image_pull_secrets|- name: |\\{name: |(${REGISTRY_KEYS.join('|')})["']?:`)
            : /imagePullSecrets|image_pull_secrets|MANAGED_REGISTRY_TYPE|- name: |\{name: /,
        )
    })
  }
})

describe('addImagePullSecrets on invalid input', () => {
  const dir = join(import.meta.dirname, '../../fixtures/invalid')
  const cases: Array<[file: string, message: string]> = [
    [
      'unresolved-alias.yaml',
      'unresolved-alias.yaml:4:13: ********** is an alias to an anchor that is not defined before it',
    ],
    ['bad-indent.yaml', 'bad-indent.yaml:2:12: Nested mappings are not allowed in compact mappings'],
    ['placeholder.yaml', 'placeholder.yaml:2:26: Unexpected scalar at node end'],
    [
      'pull-secrets-string.yaml',
      'pull-secrets-string.yaml:2:21: console.imagePullSecrets is a string ("my-credential"); expected a list of {name: <secret>} maps, e.g. [{name: my-credential}]',
    ],
    [
      'pull-secrets-strings.yaml',
      'pull-secrets-strings.yaml:4:5: console.imagePullSecrets is a list of strings; expected a list of {name: <secret>} maps, e.g. [{name: my-credential}]',
    ],
    [
      'pull-secrets-map.yaml',
      'pull-secrets-map.yaml:3:5: console.imagePullSecrets is a map; expected a list of {name: <secret>} maps, e.g. [{name: my-credential}]',
    ],
    [
      'pull-secrets-no-name.yaml',
      'pull-secrets-no-name.yaml:3:5: console.imagePullSecrets is a list whose item 1 is not a {name: <secret>} map; expected a list of {name: <secret>} maps, e.g. [{name: my-credential}]',
    ],
    [
      'section-scalar.yaml',
      "section-scalar.yaml:1:10: console is a boolean (true); expected a map of the service's values (or empty)",
    ],
    [
      'section-list.yaml',
      "section-list.yaml:2:3: console is a list of strings; expected a map of the service's values (or empty)",
    ],
    [
      'connector-namespace-number.yaml',
      'connector-namespace-number.yaml:5:9: supervisor.application_scheduler.CONNECTORS.KubernetesConnector is a map; expected a map whose namespace is a string',
    ],
    ['two-documents.yaml', 'two-documents.yaml:3:1: a second YAML document starts here; a values file is one document'],
    ['unclosed-flow.yaml', 'unclosed-flow.yaml:3:8: the flow sequence that opens here with [ is never closed with ]'],
    [
      'section-alias.yaml',
      'section-alias.yaml:3:10: console is an alias (*b); expected a map written out in place: cfpull does not edit through aliases, because that would change every place the anchor is used',
    ],
    [
      'top-level-list.yaml',
      'top-level-list.yaml:1:1: (top level) is a list of strings; expected a map of chart values',
    ],
    ['tab-indent.yaml', 'tab-indent.yaml:2:1: Tabs are not allowed as indentation'],
  ]
  it.each(cases)('%s', (file, message) => {
    const text = readFileSync(join(dir, file), 'utf8')
    let error: unknown
    try {
      addImagePullSecrets(text, {
        secrets: ['my-credential'],
        chart: chartInfo('1.12.16'),
        file,
        services: ['console', 'identity'],
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe(message)
    expect((error as { exitCode: number }).exitCode).toBe(3)
  })

  it('gives a code frame and a hint for YAML errors', () => {
    const text = readFileSync(join(dir, 'placeholder.yaml'), 'utf8')
    try {
      addImagePullSecrets(text, { secrets: ['x'], chart: chartInfo(), file: 'placeholder.yaml' })
      expect.unreachable()
    } catch (err) {
      const e = err as { frame: string; hint: string }
      expect(e.frame).toBe(
        [
          '  1 | console:',
          '> 2 |   endpoint: {placeholder}.svc.cluster.local',
          '    |                          ^',
          '  3 | ',
        ].join('\n'),
      )
      expect(e.hint).toBe('a value that starts with { is read as a flow map: quote it, e.g. key: "{placeholder}.svc"')
    }
  })

  it('rejects secret names Kubernetes would reject, before reading the text', () => {
    for (const bad of ['My_Cred', '', '-x', 'a'.repeat(254)]) {
      expect(() => addImagePullSecrets('not: [valid', { secrets: [bad], chart: chartInfo() })).toThrow(
        /secret name|no secret name/,
      )
    }
    expect(existsSync(dir)).toBe(true)
  })
})
