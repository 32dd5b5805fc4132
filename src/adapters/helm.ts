import { mkdtemp, rm, stat, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HelmRevision, ValuesMode } from '../core/apply-plan.js'
import { NoClusterError, ToolFailedError } from '../core/errors.js'
import { noClusterConfigured, type KubeTarget } from './kubectl.js'
import { toolBinary, type Runner } from './run.js'

/** The error for a helm call against the cluster that failed: no cluster configured, or the tool's own. */
async function helmFailed(
  run: Runner,
  t: KubeTarget,
  r: { exitCode: number; stderr: string },
  step: string,
): Promise<Error> {
  if (await noClusterConfigured(run, t, r.stderr)) return new NoClusterError()
  return new ToolFailedError('helm', r.exitCode, r.stderr, step, helmRepoHint(r.stderr))
}

/** helm's names for the cluster flags kubectl calls --context / --kubeconfig. */
export function helmTargetArgs(t: KubeTarget): string[] {
  return [...(t.kubeconfig ? ['--kubeconfig', t.kubeconfig] : []), ...(t.context ? ['--kube-context', t.context] : [])]
}

export interface HelmRelease {
  name: string
  namespace: string
  revision: string
  status: string
  /** e.g. `spaceone-1.12.16` */
  chart: string
  app_version?: string
}

/** The argv of `helm list` for one release (helm 4 lists every status by default and has no --all). */
export function helmListArgs(t: KubeTarget, namespace: string, release: string): string[] {
  return [
    'list',
    '-n',
    namespace,
    '-o',
    'json',
    '--filter',
    `^${release.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
    ...helmTargetArgs(t),
  ]
}

/** The release as `helm list -o json` reports it, or null when there is none of that name. */
export async function helmRelease(
  run: Runner,
  bin: string | undefined,
  t: KubeTarget,
  namespace: string,
  release: string,
): Promise<HelmRelease | null> {
  const r = await run(bin ?? toolBinary('helm'), helmListArgs(t, namespace, release))
  if (r.exitCode !== 0) throw await helmFailed(run, t, r, `helm list in namespace ${namespace}`)
  let list: HelmRelease[]
  try {
    list = JSON.parse(r.stdout || '[]') as HelmRelease[]
  } catch {
    throw new ToolFailedError(
      'helm',
      undefined,
      '',
      `helm list in namespace ${namespace}`,
      undefined,
      `printed something that is not JSON: ${JSON.stringify(r.stdout.slice(0, 60))}`,
    )
  }
  return list.find((x) => x.name === release) ?? null
}

export type { ValuesMode }

/** The argv of `helm upgrade`, for running and for --dry-run printing alike. */
export function helmUpgradeArgs(
  o: {
    release: string
    chart: string
    namespace: string
    valuesFile: string
    /** Absent for a local chart, whose version is its Chart.yaml's (helm ignores --version there). */
    version?: string
    /** reuse: the file merged over the deployed release's values; reset: the file alone (and chart defaults). */
    values: ValuesMode
    timeout?: string
    extra: string[]
  },
  t: KubeTarget,
): string[] {
  return [
    'upgrade',
    o.release,
    o.chart,
    '-n',
    o.namespace,
    '-f',
    o.valuesFile,
    ...(o.version ? ['--version', o.version] : []),
    // Always explicit: with neither flag helm reuses the old values when the file happens to be empty.
    o.values === 'reuse' ? '--reset-then-reuse-values' : '--reset-values',
    ...(o.timeout ? ['--timeout', o.timeout] : []),
    ...helmTargetArgs(t),
    ...o.extra,
  ]
}

/** The argv of `helm history` (JSON). */
export function helmHistoryArgs(t: KubeTarget, namespace: string, release: string, max = 256): string[] {
  return ['history', release, '-n', namespace, '-o', 'json', '--max', String(max), ...helmTargetArgs(t)]
}

/**
 * The release's revisions (`helm history -o json`, the last `max`), or null when there is no
 * release of that name.
 */
export async function helmHistory(
  run: Runner,
  bin: string,
  t: KubeTarget,
  namespace: string,
  release: string,
  max?: number,
): Promise<HelmRevision[] | null> {
  const r = await run(bin, helmHistoryArgs(t, namespace, release, max))
  if (r.exitCode !== 0) {
    if (/release: not found/.test(r.stderr)) return null
    throw await helmFailed(run, t, r, `helm history in namespace ${namespace}`)
  }
  return parseJson<HelmRevision[]>(r.stdout, `helm history in namespace ${namespace}`) ?? []
}

/** The argv of `helm get values` (the user-supplied values of one revision, JSON). */
export function helmGetValuesArgs(t: KubeTarget, namespace: string, release: string, revision: number): string[] {
  return ['get', 'values', release, '-n', namespace, '--revision', String(revision), '-o', 'json', ...helmTargetArgs(t)]
}

/** The values a revision was installed or upgraded with (`-f`, `--set`, …), without chart defaults. */
export async function helmGetValues(
  run: Runner,
  bin: string,
  t: KubeTarget,
  namespace: string,
  release: string,
  revision: number,
): Promise<Record<string, unknown>> {
  const step = `helm get values of ${release} revision ${revision}`
  const r = await run(bin, helmGetValuesArgs(t, namespace, release, revision))
  if (r.exitCode !== 0) throw await helmFailed(run, t, r, step)
  const v = parseJson<unknown>(r.stdout, step)
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
}

/**
 * The argv of `helm template` rendering what the upgrade will install: same chart, version,
 * namespace and values. `releaseValuesOnStdin`: the release's values come first on stdin
 * (`-f -`), then the file, as --reset-then-reuse-values merges them.
 */
export function helmTemplateArgs(o: {
  release: string
  chart: string
  namespace: string
  valuesFile: string
  version?: string
  /** The release's values come first on stdin (`-f -`), then the file, as --reset-then-reuse-values merges them. */
  releaseValuesOnStdin?: boolean
  /** The arguments after `--` that shape the render (core/helm-passthrough.ts sorted them), verbatim. */
  extra?: string[]
}): string[] {
  return [
    'template',
    o.release,
    o.chart,
    '-n',
    o.namespace,
    ...(o.version ? ['--version', o.version] : []),
    ...(o.releaseValuesOnStdin ? ['-f', '-'] : []),
    '-f',
    o.valuesFile,
    ...(o.extra ?? []),
  ]
}

/** Renders the chart with `helm template` (no cluster needed) and returns the manifests. */
export async function helmTemplate(run: Runner, bin: string, args: string[], step: string): Promise<string> {
  let r
  try {
    r = await run(bin, args)
  } catch (err) {
    throw err instanceof ToolFailedError ? err.inStep(step) : err
  }
  if (r.exitCode !== 0) throw new ToolFailedError('helm', r.exitCode, r.stderr, step, helmRepoHint(r.stderr))
  return r.stdout
}

/** Where the spaceone chart is published (cloudforet-io/charts, gh-pages). */
export const CLOUDFORET_CHARTS_URL = 'https://cloudforet-io.github.io/charts'

/**
 * What to run when helm has no repository of the name a chart reference starts with
 * (`Error: repo cloudforet not found`): for `cloudforet`, the two commands Cloudforet's install
 * guide gives; for another name, cfpull cannot know its URL, so it says what is missing.
 */
export function helmRepoHint(stderr: string): string | undefined {
  const name = /\bError: repo (\S+) not found/.exec(stderr)?.[1]
  if (name === undefined) return undefined
  if (name !== 'cloudforet')
    return `helm has no repository named ${name}: add it with helm repo add ${name} and its URL, then run helm repo update`
  return [
    'helm has no repository named cloudforet; add it, then run the command again:',
    `helm repo add cloudforet ${CLOUDFORET_CHARTS_URL}`,
    'helm repo update',
  ].join('\n')
}

/** The state helm has for a release now (`helm status -o json`), or null when it has none. */
export async function helmStatus(
  run: Runner,
  bin: string,
  t: KubeTarget,
  namespace: string,
  release: string,
): Promise<{ revision: number; status: string; description?: string } | null> {
  const r = await run(bin, ['status', release, '-n', namespace, '-o', 'json', ...helmTargetArgs(t)])
  if (r.exitCode !== 0) {
    if (/release: not found/.test(r.stderr)) return null
    throw await helmFailed(run, t, r, `helm status of ${release}`)
  }
  const s = parseJson<{ version?: number; info?: { status?: string; description?: string } }>(
    r.stdout,
    `helm status of ${release}`,
  )
  return {
    revision: s?.version ?? 0,
    status: s?.info?.status ?? 'unknown',
    ...(s?.info?.description && { description: s.info.description }),
  }
}

function parseJson<T>(stdout: string, step: string): T | null {
  try {
    return JSON.parse(stdout || 'null') as T | null
  } catch {
    throw new ToolFailedError(
      'helm',
      undefined,
      '',
      step,
      undefined,
      `printed something that is not JSON: ${JSON.stringify(stdout.slice(0, 60))}`,
    )
  }
}

/** Two fresh files for the output of a helm upgrade that must be able to outlive cfpull. */
export async function helmUpgradeLogFiles(): Promise<{
  stdoutFile: string
  stderrFile: string
  remove: () => Promise<void>
}> {
  const dir = await mkdtemp(join(tmpdir(), 'cfpull-helm-upgrade-'))
  return {
    stdoutFile: join(dir, 'stdout.log'),
    stderrFile: join(dir, 'stderr.log'),
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/** The argv of `helm get values --all`: the values the release runs with, chart defaults included, as YAML. */
export function helmGetAllValuesArgs(t: KubeTarget, namespace: string, release: string): string[] {
  return ['get', 'values', release, '-n', namespace, '--all', '-o', 'yaml', ...helmTargetArgs(t)]
}

/**
 * The values the release runs with (`helm get values --all -o yaml`), or null when there is no
 * release of that name. They hold passwords: the caller must never print them, nor helm's output.
 */
export async function helmGetAllValues(
  run: Runner,
  bin: string,
  t: KubeTarget,
  namespace: string,
  release: string,
): Promise<string | null> {
  const r = await run(bin, helmGetAllValuesArgs(t, namespace, release))
  if (r.exitCode !== 0) {
    if (/release: not found/.test(r.stderr)) return null
    throw await helmFailed(run, t, r, `helm get values of ${release} in namespace ${namespace}`)
  }
  return r.stdout
}

/** True when helm takes `chart` as a path on this machine (helm looks there first when no --repo is given). */
export async function chartExistsLocally(chart: string): Promise<boolean> {
  try {
    await stat(chart)
    return true
  } catch {
    return false
  }
}

/** The argv of `helm show chart` (the Chart.yaml of a local chart directory or package). */
export function helmShowChartArgs(chart: string): string[] {
  return ['show', 'chart', chart]
}

/** The Chart.yaml helm reads from a local chart (directory or .tgz). */
export async function helmShowChart(run: Runner, bin: string, chart: string): Promise<string> {
  const step = `helm show chart ${chart}`
  const r = await run(bin, helmShowChartArgs(chart))
  if (r.exitCode !== 0) throw new ToolFailedError('helm', r.exitCode, r.stderr, step)
  return r.stdout
}

/**
 * The user-supplied values helm computes from `-f` files and `--set`-style arguments, merged as
 * helm merges them (files in order, then --set-json, --set, --set-string, --set-file,
 * --set-literal): rendered by real helm through an empty chart that prints `.Values`. With
 * `base`, that comes first (as `-f -`), as --reset-then-reuse-values puts the release's values.
 */
export async function helmUserValues(
  run: Runner,
  bin: string,
  valueArgs: string[],
  base?: unknown,
): Promise<{ values: Record<string, unknown>; argv: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cfpull-values-'))
  try {
    await mkdir(join(dir, 'templates'))
    await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: cfpull-values\nversion: 0.0.0\n')
    await writeFile(join(dir, 'templates', 'values.json'), '{{ toJson .Values }}\n')
    const argv = ['template', 'cfpull-values', dir, ...(base === undefined ? [] : ['-f', '-']), ...valueArgs]
    const r = await run(bin, argv, base === undefined ? {} : { input: JSON.stringify(base) })
    if (r.exitCode !== 0) throw new ToolFailedError('helm', r.exitCode, r.stderr, 'helm: merge the values')
    const json = r.stdout.slice(r.stdout.indexOf('{'))
    const v = parseJson<unknown>(json.trim(), 'helm: merge the values')
    return {
      values: v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {},
      argv: [bin, ...argv],
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The argv of `helm list` across every namespace, for one release name. */
export function helmListAllArgs(t: KubeTarget, release: string): string[] {
  return [
    'list',
    '--all-namespaces',
    '-o',
    'json',
    '--filter',
    `^${release.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
    ...helmTargetArgs(t),
  ]
}

/** The releases of that name in every namespace (`helm list -A`). */
export async function helmReleasesEverywhere(
  run: Runner,
  bin: string,
  t: KubeTarget,
  release: string,
): Promise<HelmRelease[]> {
  const r = await run(bin, helmListAllArgs(t, release))
  if (r.exitCode !== 0) throw await helmFailed(run, t, r, 'helm list --all-namespaces')
  return (parseJson<HelmRelease[]>(r.stdout, 'helm list --all-namespaces') ?? []).filter((x) => x.name === release)
}
