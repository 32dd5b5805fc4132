import { describe, expect, it } from 'vitest'
import { addImagePullSecrets } from '../../src/core/cloudforet/image-pull-secrets.js'
import type { ChartChoice } from '../../src/core/cloudforet/install-model.js'
import { chooseChart } from '../../src/core/cloudforet/install-model.js'
import { UsageError, ValidationError } from '../../src/core/errors.js'
import { isGitOpsManifest, patchManifest } from '../../src/core/gitops-manifest.js'

// Manifests in the shapes the Flux and Argo CD docs show, patched for two services so that the
// expected texts stay readable; the whole result is compared, byte for byte.
const patch = (text: string, chart: ChartChoice) =>
  addImagePullSecrets(text, {
    secrets: ['cred'],
    chart: chart.info,
    chartSource: chart.source,
    plugins: 'none',
    services: ['console', 'identity'],
  })
const run = (text: string, o: { chartVersion?: string } = {}) =>
  patchManifest(text, {
    file: 'm.yaml',
    chart: o.chartVersion ? chooseChart({ version: o.chartVersion }) : chooseChart({}),
    ...o,
    patch,
  })
const lines = (...l: string[]) => l.join('\n') + '\n'

const fluxHead = (apiVersion: string, version = '"1.12.12"') =>
  lines(
    `apiVersion: ${apiVersion}`,
    'kind: HelmRelease',
    'metadata:',
    '  name: spaceone',
    '  namespace: spaceone',
    'spec:',
    '  interval: 10m',
    '  chart:',
    '    spec:',
    '      chart: spaceone',
    `      version: ${version}`,
    '      sourceRef:',
    '        kind: HelmRepository',
    '        name: cloudforet',
    '        namespace: flux-system',
  )
const repoDoc = lines(
  '# the chart repository',
  'apiVersion: source.toolkit.fluxcd.io/v1',
  'kind: HelmRepository',
  'metadata: {name: cloudforet, namespace: flux-system}',
  'spec:',
  '  url:   https://cloudforet-io.github.io/charts   # aligned',
)

describe('Flux HelmRelease', () => {
  it('patches spec.values in a multi-document file; every other document and line stays byte for byte', () => {
    const values = lines(
      '  values:',
      '    # the console',
      '    console:',
      '      enabled: true',
      '',
      '    global: {shared_conf: {TOKEN: x}}',
      '  valuesFrom:',
      '    - kind: ConfigMap',
      '      name: spaceone-values',
      '      valuesKey: prod.yaml',
    )
    const input = repoDoc + '---\n' + fluxHead('helm.toolkit.fluxcd.io/v2') + values + '---\n' + repoDoc
    expect(isGitOpsManifest(input)).toBe(true)
    const r = run(input)
    expect(r.text).toBe(
      repoDoc +
        '---\n' +
        fluxHead('helm.toolkit.fluxcd.io/v2') +
        lines(
          '  values:',
          '    # the console',
          '    console:',
          '      imagePullSecrets:',
          '        - name: cred',
          '      enabled: true',
          '',
          '    global: {shared_conf: {TOKEN: x}}',
          '    identity:',
          '      imagePullSecrets:',
          '        - name: cred',
          '  valuesFrom:',
          '    - kind: ConfigMap',
          '      name: spaceone-values',
          '      valuesKey: prod.yaml',
        ) +
        '---\n' +
        repoDoc,
    )
    expect(r.chart).toMatchObject({ source: 'manifest', info: { version: '1.12.12' } })
    expect(r.result.changes.map((c) => [c.path.join('.'), c.action, c.line])).toEqual([
      ['console.imagePullSecrets', 'added', 26],
      ['identity.imagePullSecrets', 'created-section', 32],
    ])
    expect(r.text.split('\n')[25]).toBe('      imagePullSecrets:')
    expect(r.text.split('\n')[31]).toBe('      imagePullSecrets:')
    expect(r.targets).toEqual([
      {
        kind: 'HelmRelease',
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        name: 'spaceone',
        namespace: 'spaceone',
        releaseNamespace: 'spaceone',
        valuesPath: 'spec.values',
        field: 'map',
        external: [
          {
            kind: 'valuesFrom',
            what: 'ConfigMap spaceone/spaceone-values, key prod.yaml',
            object: { kind: 'ConfigMap', name: 'spaceone-values', namespace: 'spaceone', key: 'prod.yaml' },
            line: 30,
          },
        ],
        line: 9,
      },
    ])
    // A second run changes nothing.
    expect(run(r.text).text).toBe(r.text)
    expect(run(r.text).changed).toBe(false)
  })

  it.each(['helm.toolkit.fluxcd.io/v2beta1', 'helm.toolkit.fluxcd.io/v2beta2'])(
    '%s without spec.values: a new values map at the end of spec, CRLF kept',
    (apiVersion) => {
      const input = fluxHead(apiVersion, '1.12.12').replace(/\n/g, '\r\n')
      const r = run(input)
      expect(r.text).toBe(
        input +
          lines(
            '  values:',
            '    console:',
            '      imagePullSecrets:',
            '        - name: cred',
            '    identity:',
            '      imagePullSecrets:',
            '        - name: cred',
          ).replace(/\n/g, '\r\n'),
      )
      expect(r.result.changes.map((c) => c.line)).toEqual([18, 21])
    },
  )

  it.each([
    ['">=1.12.0"', 'gives the chart version as a range, >=1.12.0 (spec.chart.spec.version)'],
    ['"*"', 'gives the chart version as * (spec.chart.spec.version)'],
  ])('version %s needs --chart-version (exit 2); with it, the patch goes ahead', (version, why) => {
    const input = fluxHead('helm.toolkit.fluxcd.io/v2', version)
    expect(() => run(input)).toThrow(
      new UsageError(
        `m.yaml:2: HelmRelease spaceone/spaceone ${why}: pass --chart-version with the exact spaceone chart version it deploys`,
      ),
    )
    expect(run(input, { chartVersion: '1.12.12' }).chart.source).toBe('flag')
  })

  it('a chartRef or a GitRepository source needs --chart-version; a pinned version --chart-version contradicts is exit 2', () => {
    const chartRef = lines(
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: cf, namespace: spaceone}',
      'spec:',
      '  chartRef: {kind: OCIRepository, name: spaceone}',
    )
    expect(() => run(chartRef)).toThrow(
      'm.yaml:2: HelmRelease spaceone/cf takes its chart from a chartRef (OCIRepository spaceone): pass --chart-version',
    )
    const git = fluxHead('helm.toolkit.fluxcd.io/v2').replace('kind: HelmRepository', 'kind: GitRepository')
    expect(() => run(git)).toThrow('builds its chart from a GitRepository at a git revision: pass --chart-version')
    expect(() => run(fluxHead('helm.toolkit.fluxcd.io/v2'), { chartVersion: '1.12.11' })).toThrow(
      new UsageError(
        'm.yaml:2: HelmRelease spaceone/spaceone pins chart spaceone 1.12.12, but --chart-version says 1.12.11: drop --chart-version, or change the manifest first',
      ),
    )
  })

  it('a file whose HelmReleases are all of other charts is exit 3; a values file with apiVersion is not a manifest', () => {
    const other = fluxHead('helm.toolkit.fluxcd.io/v2').replace('chart: spaceone', 'chart: podinfo')
    expect(() => run(other)).toThrow(ValidationError)
    expect(() => run(other)).toThrow(
      'm.yaml:1:1: (top level) is 1 HelmRelease object(s) of other charts; expected a HelmRelease or Application of the spaceone chart',
    )
    expect(isGitOpsManifest(lines('apiVersion: v1', 'kind: HelmRelease', 'console: {}'))).toBe(false)
    expect(isGitOpsManifest(lines('global:', '  apiVersion: argoproj.io/v1alpha1', '  kind: Application'))).toBe(false)
  })
})

const appHead = lines(
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata:',
  '  name: spaceone',
  '  namespace: argocd',
  'spec:',
  '  project: default',
)
const dest = lines('  destination:', '    server: https://kubernetes.default.svc', '    namespace: spaceone')

describe('Argo CD Application', () => {
  it('edits the text inside a `values: |` block exactly, at its indentation', () => {
    const source = lines(
      '  source:',
      '    repoURL: https://cloudforet-io.github.io/charts',
      '    chart: spaceone',
      '    targetRevision: 1.12.12',
      '    helm:',
      '      values: |',
      '        console:',
      '          enabled: true',
      '',
      '        global:',
      '          shared_conf: {}   # kept',
    )
    const r = run(appHead + source + dest)
    expect(r.text).toBe(
      appHead +
        lines(
          '  source:',
          '    repoURL: https://cloudforet-io.github.io/charts',
          '    chart: spaceone',
          '    targetRevision: 1.12.12',
          '    helm:',
          '      values: |',
          '        console:',
          '          imagePullSecrets:',
          '            - name: cred',
          '          enabled: true',
          '',
          '        global:',
          '          shared_conf: {}   # kept',
          '        identity:',
          '          imagePullSecrets:',
          '            - name: cred',
        ) +
        dest,
    )
    expect(r.targets[0]).toMatchObject({
      valuesPath: 'spec.source.helm.values',
      field: 'block-string',
      releaseNamespace: 'spaceone',
    })
    expect(r.result.changes.map((c) => c.line)).toEqual([15, 22])
    expect(run(r.text).changed).toBe(false)
  })

  it('valuesObject wins over a values string (Argo CD reads only it), and is the one patched', () => {
    const source = lines(
      '  source:',
      '    repoURL: https://cloudforet-io.github.io/charts',
      '    chart: spaceone',
      '    targetRevision: 1.12.12',
      '    helm:',
      '      values: |',
      '        console: {}',
      '      valuesObject:',
      '        identity:',
      '          imagePullSecrets: [{name: old}]',
    )
    const r = run(appHead + source + dest)
    expect(r.text).toBe(
      appHead +
        source.replace('[{name: old}]', '[{name: old}, {name: cred}]') +
        lines('        console:', '          imagePullSecrets:', '            - name: cred') +
        dest,
    )
    expect(r.notes).toEqual([
      'Application argocd/spaceone: helm.values is also set, and Argo CD ignores it while helm.valuesObject is there; the patch went into valuesObject',
    ])
  })

  it('spec.sources: the spaceone chart entry gets a new helm.valuesObject; the $values source is named', () => {
    const sources = lines(
      '  sources:',
      '    - repoURL: https://github.com/example/config.git',
      '      targetRevision: main',
      '      ref: values',
      '    - repoURL: https://cloudforet-io.github.io/charts',
      '      chart: spaceone',
      '      targetRevision: 1.12.12',
      '      helm:',
      '        valueFiles:',
      '          - $values/envs/prod/values.yaml',
    )
    const r = run(appHead + sources + dest)
    expect(r.text).toBe(
      appHead +
        sources +
        lines(
          '        valuesObject:',
          '          console:',
          '            imagePullSecrets:',
          '              - name: cred',
          '          identity:',
          '            imagePullSecrets:',
          '              - name: cred',
        ) +
        dest,
    )
    expect(r.targets[0]).toMatchObject({
      valuesPath: 'spec.sources[1].helm.valuesObject',
      field: 'new',
      external: [
        {
          kind: '$values',
          what: 'envs/prod/values.yaml in https://github.com/example/config.git at main',
          file: 'envs/prod/values.yaml',
          line: 17,
        },
      ],
    })
    // No helm: at all: it is created, at the entry's key column.
    const bare = appHead + sources.split('      helm:')[0] + dest
    expect(run(bare).text).toBe(
      appHead +
        sources.split('      helm:')[0] +
        lines(
          '      helm:',
          '        valuesObject:',
          '          console:',
          '            imagePullSecrets:',
          '              - name: cred',
          '          identity:',
          '            imagePullSecrets:',
          '              - name: cred',
        ) +
        dest,
    )
  })

  it('a quoted or plain values string is exit 3; a git targetRevision needs --chart-version', () => {
    const quoted = lines(
      '  source:',
      '    chart: spaceone',
      '    targetRevision: 1.12.12',
      '    helm:',
      '      values: "console: {}"',
    )
    let err: unknown
    try {
      run(appHead + quoted)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).exitCode).toBe(3)
    expect((err as ValidationError).message).toBe(
      'm.yaml:12:15: spec.source.helm.values is a quoted string; expected a literal block string (values: |) or a valuesObject map',
    )
    const git = lines(
      '  source:',
      '    repoURL: https://github.com/cloudforet-io/charts.git',
      '    path: charts/spaceone',
      '    targetRevision: HEAD',
    )
    expect(() => run(appHead + git)).toThrow(
      'm.yaml:2: Application argocd/spaceone builds its chart from git (spec.source.path) at targetRevision HEAD, a git revision: pass --chart-version',
    )
    expect(run(appHead + git, { chartVersion: '1.12.12' }).changed).toBe(true)
  })

  it("an error inside the values names the manifest's line and column and the path from the object", () => {
    const bad = lines(
      '  source:',
      '    chart: spaceone',
      '    targetRevision: 1.12.12',
      '    helm:',
      '      valuesObject:',
      '        console:',
      '          imagePullSecrets: cred',
    )
    expect(() => run(appHead + bad)).toThrow(
      'm.yaml:14:29: spec.source.helm.valuesObject.console.imagePullSecrets is a string',
    )
  })
})
