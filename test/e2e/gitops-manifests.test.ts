// Flux HelmRelease and Argo CD Application manifests, in the shapes their docs show, patched by
// cfpull patch; the values part of each result is then rendered with the chart fixture by the
// pinned real helm, and every workload must carry the secret.
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { diffLines } from '../../src/core/yaml/unified-diff.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

const chartDir = resolve(import.meta.dirname, '../fixtures/chart')
const chartValues = join(chartDir, 'values.yaml')
const lines = (...l: string[]) => l.join('\n') + '\n'

const helmRelease = lines(
  'apiVersion: source.toolkit.fluxcd.io/v1',
  'kind: HelmRepository',
  'metadata:',
  '  name: cloudforet',
  '  namespace: flux-system',
  'spec:',
  '  interval: 1h',
  '  url: https://cloudforet-io.github.io/charts',
  '---',
  'apiVersion: helm.toolkit.fluxcd.io/v2',
  'kind: HelmRelease',
  'metadata:',
  '  name: spaceone',
  '  namespace: spaceone',
  'spec:',
  '  interval: 10m',
  '  chart:',
  '    spec:',
  '      chart: spaceone',
  "      version: '1.12.12'",
  '      sourceRef:',
  '        kind: HelmRepository',
  '        name: cloudforet',
  '        namespace: flux-system',
  '  valuesFrom:',
  '    - kind: Secret',
  '      name: spaceone-secrets',
  '      valuesKey: secrets.yaml',
  '  values:',
  '    console:',
  '      enabled: true',
  '    mongodb:',
  '      enabled: true',
)
const applicationString = lines(
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata:',
  '  name: spaceone',
  '  namespace: argocd',
  'spec:',
  '  project: default',
  '  source:',
  '    repoURL: https://cloudforet-io.github.io/charts',
  '    chart: spaceone',
  '    targetRevision: 1.12.12',
  '    helm:',
  '      releaseName: spaceone',
  '      values: |',
  '        # shared settings',
  '        global:',
  '          shared_conf: {}',
  '',
  '        identity:',
  '          enabled: true',
  '  destination:',
  '    server: https://kubernetes.default.svc',
  '    namespace: spaceone',
  '  syncPolicy:',
  '    automated: {prune: true, selfHeal: true}',
)
const applicationSources = lines(
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata:',
  '  name: spaceone',
  '  namespace: argocd',
  'spec:',
  '  project: default',
  '  sources:',
  '    - repoURL: https://cloudforet-io.github.io/charts',
  '      chart: spaceone',
  '      targetRevision: 1.12.12',
  '      helm:',
  '        valueFiles:',
  '          - $values/envs/prod/values.yaml',
  '        valuesObject:',
  '          repository:',
  '            enabled: true',
  '    - repoURL: https://github.com/example/config.git',
  '      targetRevision: main',
  '      ref: values',
  '  destination:',
  '    server: https://kubernetes.default.svc',
  '    namespace: spaceone',
)

type Obj = { kind: string; spec: Record<string, any> }

// The values helm would get from each object, as a values file.
function valuesOf(text: string): string {
  const docs = parseAllDocuments(text) as unknown as { toJS(): Obj }[]
  const obj = docs.map((d) => d.toJS()).find((o) => o.kind === 'HelmRelease' || o.kind === 'Application')!
  if (obj.kind === 'HelmRelease') return JSON.stringify(obj.spec.values)
  const source = obj.spec.source ?? obj.spec.sources[0]
  return source.helm.valuesObject ? JSON.stringify(source.helm.valuesObject) : source.helm.values
}

async function renderedPullSecrets(dir: string, values: string): Promise<Record<string, unknown>> {
  const file = join(dir, 'rendered-values.yaml')
  writeFileSync(file, values)
  const r = await execa(toolPath('helm'), ['template', 'spaceone', chartDir, '-f', file], {
    env: { HELM_CACHE_HOME: join(dir, 'hc'), HELM_CONFIG_HOME: join(dir, 'hg'), HELM_DATA_HOME: join(dir, 'hd') },
  })
  const out: Record<string, unknown> = {}
  for (const d of parseAllDocuments(r.stdout) as unknown as { toJS(): any }[]) {
    const o = d.toJS()
    if (o?.kind === 'Deployment') out[o.metadata.name] = o.spec.template.spec.imagePullSecrets
  }
  return out
}

describe('cfpull patch on GitOps manifests', () => {
  it('HelmRelease, Application with values: | and with spec.sources: patched, re-read, rendered by helm with the secret', async () => {
    const dir = tempDir()
    const files = {
      'helmrelease.yaml': helmRelease,
      'application.yaml': applicationString,
      'app-sources.yaml': applicationSources,
    }
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
    const paths = Object.keys(files).map((f) => join(dir, f))
    const r = await runCli(['patch', ...paths, '--secret', 'cred', '--chart-values', chartValues, '--quiet'])
    expect([r.code, r.stdout]).toEqual([0, ''])
    expect(r.stderr).toBe(
      [
        `warning: ${paths[0]}:26: HelmRelease spaceone/spaceone also takes values from Secret spaceone/spaceone-secrets, key secrets.yaml (valuesFrom), which cfpull cannot read from this file: the patch was decided from the values in the file alone; patch that key too`,
        `  fix: kubectl get secret spaceone-secrets -n spaceone -o 'jsonpath={.data.secrets\\.yaml}' | base64 -d | cfpull patch - --secret cred --chart-values ${chartValues}`,
        `warning: ${paths[2]}:14: Application argocd/spaceone also reads envs/prod/values.yaml in https://github.com/example/config.git at main (a $values reference), which cfpull cannot read from this file: the patch was decided from the values in the file alone; patch that file in its repository`,
        `  fix: cfpull patch envs/prod/values.yaml --secret cred --chart-values ${chartValues}`,
        '',
      ].join('\n'),
    )
    for (const [name, before] of Object.entries(files)) {
      const after = readFileSync(join(dir, name), 'utf8')
      // Only inserted lines: every input line is still there, in order.
      const ops = diffLines(before.split('\n'), after.split('\n'))
      expect(
        ops.filter((o) => o.op === '-'),
        name,
      ).toEqual([])
      expect(ops.filter((o) => o.op === '+').length, name).toBeGreaterThanOrEqual(15)
      const secrets = await renderedPullSecrets(dir, valuesOf(after))
      expect(Object.keys(secrets).length, name).toBeGreaterThanOrEqual(4)
      for (const [deploy, list] of Object.entries(secrets))
        expect(list, `${name}: ${deploy}`).toEqual([{ name: 'cred' }])
    }
    // The HelmRepository document above the HelmRelease is byte for byte the same.
    expect(readFileSync(paths[0]!, 'utf8').split('---\n')[0]).toBe(helmRelease.split('---\n')[0])
    // A second run changes nothing.
    const again = await runCli([
      'patch',
      ...paths,
      '--secret',
      'cred',
      '--chart-values',
      chartValues,
      '--check',
      '--json',
    ])
    expect(again.code).toBe(0)
    expect((JSON.parse(again.stdout) as { files: { status: string }[] }).files.map((f) => f.status)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ])
  })

  it('the chart version comes from the manifest, or --chart-version is asked for (exit 2); --check names the fix', async () => {
    const dir = tempDir()
    const file = join(dir, 'helmrelease.yaml')
    writeFileSync(file, helmRelease.replace("'1.12.12'", "'>=1.12.0'"))
    const r = await runCli(['patch', file, '--secret', 'cred'])
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      `error: ${file}:11: HelmRelease spaceone/spaceone gives the chart version as a range, >=1.12.0 (spec.chart.spec.version): pass --chart-version with the exact spaceone chart version it deploys\n`,
    ])
    writeFileSync(file, helmRelease)
    const check = await runCli(['patch', file, '--secret', 'cred', '--check', '--quiet'])
    expect(check.code).toBe(5)
    const json = await runCli(['patch', file, '--secret', 'cred', '--check', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({
      chart: { version: '1.12.12', source: 'manifest' },
      fix: `cfpull patch ${file} --secret cred`,
    })
    expect(readFileSync(file, 'utf8')).toBe(helmRelease)
  })

  it("the valuesFrom key's patch: the printed pipeline's cfpull part patches the key's values on stdin", async () => {
    const r = await runCli(
      ['patch', '-', '--secret', 'cred', '--chart-values', chartValues, '--services', 'console', '--plugins', 'none'],
      {
        stdin: 'console:\n  enabled: true\n',
      },
    )
    expect([r.code, r.stdout]).toEqual([0, 'console:\n  imagePullSecrets:\n    - name: cred\n  enabled: true\n'])
    expect(parse(r.stdout)).toEqual({ console: { imagePullSecrets: [{ name: 'cred' }], enabled: true } })
  })
})
