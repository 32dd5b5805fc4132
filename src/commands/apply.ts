import { readText } from '../adapters/files.js'
import { helmListArgs, helmRelease, helmUpgradeArgs } from '../adapters/helm.js'
import { kubectl, kubectlArgv, kubectlJson, secretType, type KubeTarget } from '../adapters/kubectl.js'
import { toolBinary, type Runner } from '../adapters/run.js'
import {
  INSTANCE_LABEL,
  PLUGIN_LABEL,
  chartVersionOf,
  pluginDeployments,
  pluginSecretNames,
  restartNamespaces,
  secretNamesInValues,
  secretNamespaces,
} from '../core/apply-plan.js'
import { LATEST_CHART_VERSION, chartInfo, knownChartVersions, type ChartInfo } from '../core/charts.js'
import {
  CfpullError,
  ExitCode,
  PreflightError,
  ToolFailedError,
  UsageError,
  type ExitCodeValue,
  type Finding,
} from '../core/errors.js'
import { addImagePullSecrets } from '../core/image-pull-secrets.js'
import { resolveNamespaces } from '../core/namespaces.js'
import { decidePlugins } from '../core/plugins.js'
import { parseValues } from '../core/values.js'

export type RestartMode = 'delete' | 'rollout' | 'none'

export interface ApplyOptions {
  namespace: string
  values: string
  release: string
  chart: string
  version?: string
  restart: RestartMode
  recreatePlugins: boolean
  /** Helm-style duration: 90s, 10m, 1h. */
  timeout: string
  dryRun: boolean
  allowUnpatched: boolean
  context?: string
  kubeconfig?: string
  /** Passed to helm upgrade after cfpull's own arguments (what follows `--`). */
  helmArgs: string[]
}

export interface ApplyDeps {
  run: Runner
  env: Record<string, string | undefined>
  /** Live progress: a step starts, a step ends (the CLI draws lines or a spinner). */
  onStep?: (event: { phase: 'start' | 'end'; step: StepResult }) => void
}

export interface StepResult {
  name: string
  status: 'running' | 'ok' | 'failed' | 'skipped' | 'warning' | 'planned'
  /** The argv of the tool call(s) this step ran (or, with --dry-run, would run). */
  commands: string[][]
  durationMs: number
  detail?: string
  error?: unknown
}

export interface ApplyResult {
  release: string
  namespace: string
  chartVersion?: string
  findings: Finding[]
  /** Facts worth a line (e.g. "keeping chart spaceone-1.12.16"). */
  notes: string[]
  warnings: string[]
  steps: StepResult[]
  exitCode: ExitCodeValue
}

/**
 * `cfpull apply`: checks that the upgrade can leave every pod pulling (preflight), then
 * `helm upgrade` pinned to the deployed chart version, restarts the release's pods in every
 * namespace it runs in, and deals with plugin Deployments the supervisor would otherwise reuse.
 */
export async function apply(opts: ApplyOptions, deps: ApplyDeps): Promise<ApplyResult> {
  const timeoutMs = parseDuration(opts.timeout)
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    bin: toolBinary('kubectl', deps.env),
  }
  const helmBin = toolBinary('helm', deps.env)
  const steps: StepResult[] = []
  const warnings: string[] = []
  const result: ApplyResult = {
    release: opts.release,
    namespace: opts.namespace,
    findings: [],
    notes: [],
    warnings,
    steps,
    exitCode: ExitCode.Ok,
  }

  const step = async (name: string, body: (s: StepResult) => Promise<void>): Promise<boolean> => {
    const s: StepResult = { name, status: 'running', commands: [], durationMs: 0 }
    steps.push(s)
    deps.onStep?.({ phase: 'start', step: s })
    const started = performance.now()
    try {
      await body(s)
      if (s.status === 'running') s.status = 'ok'
    } catch (error) {
      s.status = 'failed'
      s.error = error
    }
    s.durationMs = Math.round(performance.now() - started)
    deps.onStep?.({ phase: 'end', step: s })
    return s.status !== 'failed'
  }

  // A kubectl call that is recorded on the step, so --json and the summary show what ran.
  const kube = (s: StepResult, args: string[], what: string, timeout?: number) => {
    s.commands.push(kubectlArgv(t, args))
    return kubectl(deps.run, t, args, `${s.name}: ${what}`, undefined, timeout)
  }

  // 1. Preflight: read-only, and every problem at once.
  let plan: Plan | undefined
  await step('preflight', async (s) => {
    plan = await preflight(opts, deps, t, helmBin, s, result)
    if (result.findings.length) throw new PreflightError(result.findings)
    s.detail = `${opts.version ? 'chart' : 'keeping chart'} ${plan.chartName}-${plan.version}${opts.version ? '' : ' (deployed; --version to change)'}; secrets ${plan.secretNames.join(', ')} in ${plan.secretNamespaces.join(', ')}`
  })
  if (!plan) return finish(result)
  const p = plan

  const upgradeArgv = [
    helmBin,
    ...helmUpgradeArgs(
      {
        release: opts.release,
        chart: opts.chart,
        namespace: opts.namespace,
        valuesFile: opts.values,
        version: p.version,
        timeout: opts.timeout,
        extra: opts.helmArgs,
      },
      t,
    ),
  ]
  const restartArgv = (ns: string): string[][] => {
    const sel = `${INSTANCE_LABEL}=${opts.release}`
    if (opts.restart === 'delete') return [kubectlArgv(t, ['delete', 'pod', '-n', ns, '-l', sel])]
    if (opts.restart === 'rollout')
      return [
        kubectlArgv(t, ['rollout', 'restart', 'deployment', '-n', ns, '-l', sel]),
        kubectlArgv(t, ['rollout', 'status', 'deployment', '-n', ns, '-l', sel, `--timeout=${opts.timeout}`]),
      ]
    return []
  }

  if (opts.dryRun) {
    const planned = (name: string, commands: string[][], detail?: string) =>
      steps.push({ name, status: 'planned', commands, durationMs: 0, ...(detail && { detail }) })
    planned('helm upgrade', [upgradeArgv])
    for (const ns of p.restartNamespaces)
      planned(`restart ${ns}`, restartArgv(ns), opts.restart === 'none' ? 'skipped (--restart none)' : undefined)
    planned(
      `plugins ${p.pluginNamespace}`,
      [kubectlArgv(t, ['get', 'deployment', '-n', p.pluginNamespace, '-l', PLUGIN_LABEL, '-o', 'json'])],
      opts.recreatePlugins
        ? `then delete those whose pod template lacks ${p.pluginSecrets.join(', ')}`
        : 'report those whose pod template lacks the secret',
    )
    return finish(result)
  }

  // 2. helm upgrade, pinned to the chart version found (or given).
  const upgraded = await step('helm upgrade', async (s) => {
    s.commands.push(upgradeArgv)
    const [file, ...args] = upgradeArgv
    let r
    try {
      r = await deps.run(file!, args, { timeout: killAfter(timeoutMs) })
    } catch (err) {
      throw err instanceof ToolFailedError ? err.inStep('helm upgrade') : err
    }
    if (r.exitCode !== 0) throw new ToolFailedError('helm', r.exitCode, r.stderr, 'helm upgrade')
    s.detail = `${opts.release} upgraded with chart ${p.chartName}-${p.version}`
  })
  if (!upgraded) return finish(result)

  // 3. Restarts, in every namespace the release's pods run in: not only -n.
  for (const ns of p.restartNamespaces) {
    if (opts.restart === 'none') {
      steps.push({ name: `restart ${ns}`, status: 'skipped', commands: [], durationMs: 0, detail: '--restart none' })
      continue
    }
    const ok = await step(`restart ${ns}`, async (s) => {
      const sel = `${INSTANCE_LABEL}=${opts.release}`
      if (opts.restart === 'delete') {
        const out = await kube(s, ['delete', 'pod', '-n', ns, '-l', sel], 'delete pods')
        s.detail = `${countLines(out)} pod${countLines(out) === 1 ? '' : 's'} deleted`
      } else {
        const out = await kube(s, ['rollout', 'restart', 'deployment', '-n', ns, '-l', sel], 'rollout restart')
        await kube(
          s,
          ['rollout', 'status', 'deployment', '-n', ns, '-l', sel, `--timeout=${opts.timeout}`],
          'rollout status',
          killAfter(timeoutMs),
        )
        s.detail = `${countLines(out)} deployment${countLines(out) === 1 ? '' : 's'} restarted and ready`
      }
    })
    if (!ok) return finish(result)
  }
  if (opts.restart !== 'none')
    result.notes.push(
      `pods without ${INSTANCE_LABEL} (mongodb in chart 1.12 and 2.x) are not restarted: delete them by hand if they must pull again`,
    )

  // 4. Plugins: the supervisor reuses existing Deployments, so ones made before the secret keep pulling without it.
  await step(`plugins ${p.pluginNamespace}`, async (s) => {
    if (p.pluginSecrets.length === 0) {
      s.status = 'skipped'
      s.detail = 'no plugin pull secret in the values'
      return
    }
    const args = ['get', 'deployment', '-n', p.pluginNamespace, '-l', PLUGIN_LABEL]
    s.commands.push(kubectlArgv(t, [...args, '-o', 'json']))
    const list = pluginDeployments(await kubectlJson(deps.run, t, args, `${s.name}: list plugin deployments`))
    const stale = list.filter((d) => !p.pluginSecrets.every((n) => d.pullSecrets.includes(n)))
    if (stale.length === 0) {
      s.detail = `${list.length} plugin deployment${list.length === 1 ? '' : 's'}, all with ${p.pluginSecrets.join(', ')}`
      return
    }
    if (!opts.recreatePlugins) {
      s.status = 'warning'
      s.detail = `${stale.length} of ${list.length} plugin deployments lack ${p.pluginSecrets.join(', ')}: ${stale.map((d) => d.name).join(', ')}`
      warnings.push(
        `plugin deployments ${stale.map((d) => d.name).join(', ')} in ${p.pluginNamespace} were created without ${p.pluginSecrets.join(', ')} and the supervisor reuses existing deployments: run again with --recreate-plugins to delete them so it recreates them with the secret`,
      )
      return
    }
    for (const d of stale)
      await kube(s, ['delete', 'deployment', d.name, '-n', p.pluginNamespace], `delete plugin deployment ${d.name}`)
    s.detail = `deleted ${stale.map((d) => d.name).join(', ')}; the supervisor recreates them with ${p.pluginSecrets.join(', ')}`
  })
  return finish(result)
}

interface Plan {
  chartName: string
  version: string
  chart: ChartInfo
  secretNames: string[]
  secretNamespaces: string[]
  restartNamespaces: string[]
  pluginNamespace: string
  pluginSecrets: string[]
}

async function preflight(
  opts: ApplyOptions,
  deps: ApplyDeps,
  t: KubeTarget,
  helmBin: string,
  s: StepResult,
  result: ApplyResult,
): Promise<Plan> {
  const findings = result.findings
  const tools = await Promise.all([
    probe(deps.run, t.bin!, ['version', '--client', '-o', 'json'], 'kubectl', 'CFPULL_KUBECTL'),
    probe(deps.run, helmBin, ['version', '--short'], 'helm', 'CFPULL_HELM'),
  ])
  for (const f of tools) if (f) findings.push(f)
  const toolsOk = tools.every((f) => !f)

  let text: string | undefined
  let data: unknown
  try {
    text = await readText(opts.values)
    data = parseValues(text, opts.values).data
  } catch (err) {
    findings.push({ message: (err as Error).message })
  }

  let version = opts.version
  let chartName = opts.chart.split('/').pop()!
  if (toolsOk) {
    s.commands.push([helmBin, ...helmListArgs(t, opts.namespace, opts.release)])
    const rel = await helmRelease(deps.run, helmBin, t, opts.namespace, opts.release)
    if (!rel)
      findings.push({
        message: `release ${opts.release} not found in namespace ${opts.namespace}: cfpull apply upgrades an existing release and never installs one`,
        fix: `helm install ${opts.release} ${opts.chart} -n ${opts.namespace} -f ${opts.values}`,
      })
    else {
      chartName = rel.chart.replace(/-v?\d[^-]*(?:-[0-9A-Za-z.]+)*$/, '') || chartName
      if (!version) {
        version = chartVersionOf(rel.chart) ?? undefined
        if (!version) findings.push({ message: `cannot read the chart version from "${rel.chart}": pass --version` })
      }
    }
  }
  if (version) result.chartVersion = version
  const known = version && knownChartVersions().includes(version.replace(/^v/, ''))
  if (version && !known)
    result.warnings.push(
      `chart version ${version} is not one cfpull knows: checking services against ${LATEST_CHART_VERSION}`,
    )
  const chart = chartInfo(known ? version : LATEST_CHART_VERSION)

  let secretNames: string[] = []
  let nsList: string[] = []
  let restartNs: string[] = [opts.namespace]
  let pluginNamespace = chart.pluginNamespace
  let pluginSecrets: string[] = []
  if (text !== undefined) {
    const plugins = decidePlugins(data, chart, 'auto')
    const ns = resolveNamespaces(data, chart)
    secretNames = secretNamesInValues(data, chart, plugins)
    nsList = secretNamespaces(ns, opts.namespace)
    restartNs = restartNamespaces(ns, opts.namespace)
    pluginNamespace = ns.plugins
    pluginSecrets = pluginSecretNames(data, plugins)
    if (secretNames.length === 0) {
      findings.push({
        message: `${opts.values} names no imagePullSecrets`,
        fix: `cfpull patch ${opts.values} --secret <name> --chart-version ${chart.version}`,
      })
    } else {
      const check = addImagePullSecrets(text, { secrets: secretNames, chart, file: opts.values })
      const missing = check.changes.filter((c) => c.action !== 'unchanged')
      if (missing.length && !opts.allowUnpatched)
        findings.push({
          message: `${opts.values} is not fully patched: ${missing.length} place${missing.length === 1 ? '' : 's'} lack ${secretNames.join(', ')} (${missing
            .slice(0, 4)
            .map((c) => c.path.join('.'))
            .join(', ')}${missing.length > 4 ? ', …' : ''}); pass --allow-unpatched to go on anyway`,
          fix: `cfpull patch ${opts.values} --secret ${secretNames.join(',')} --chart-version ${chart.version}`,
        })
    }
    if (toolsOk && secretNames.length) {
      const checks = nsList.flatMap((n) => secretNames.map((name) => ({ n, name })))
      const types = await Promise.all(
        checks.map(async ({ n, name }) => {
          s.commands.push(
            kubectlArgv(t, ['get', 'secret', name, '-n', n, '--ignore-not-found', '-o', 'jsonpath={.type}']),
          )
          return { n, name, type: await secretType(deps.run, t, name, n) }
        }),
      )
      for (const name of secretNames) {
        const missingIn = types.filter((x) => x.name === name && x.type === null).map((x) => x.n)
        const wrong = types.filter(
          (x) => x.name === name && x.type !== null && x.type !== 'kubernetes.io/dockerconfigjson',
        )
        if (missingIn.length)
          findings.push({
            message: `Secret ${name} is missing in namespace${missingIn.length === 1 ? '' : 's'} ${missingIn.join(', ')}`,
            fix: `cfpull create-secret --name ${name} --values ${opts.values}${opts.namespace && !nsList.includes(opts.namespace) ? ` -n ${opts.namespace}` : ''} --docker-server <registry> --docker-username <user> --password-stdin`,
          })
        for (const w of wrong)
          findings.push({
            message: `Secret ${name} in namespace ${w.n} has type ${w.type}, not kubernetes.io/dockerconfigjson: pods cannot pull with it`,
            fix: `cfpull create-secret --name ${name} -n ${w.n} --docker-server <registry> --docker-username <user> --password-stdin`,
          })
      }
    }
  }
  return {
    chartName,
    version: version ?? '',
    chart,
    secretNames,
    secretNamespaces: nsList,
    restartNamespaces: restartNs,
    pluginNamespace,
    pluginSecrets,
  }
}

// A tool that cannot start is a finding (reported with the rest), not a crash.
async function probe(
  run: Runner,
  bin: string,
  args: string[],
  tool: string,
  envVar: string,
): Promise<Finding | undefined> {
  try {
    const r = await run(bin, args)
    if (r.exitCode !== 0)
      return { message: `${tool} (${bin}) does not run: ${r.stderr.trim().split('\n').pop() ?? ''}` }
    return undefined
  } catch (err) {
    if (err instanceof CfpullError) return { message: `${err.message}: install ${tool} or point ${envVar} at it` }
    throw err
  }
}

function finish(result: ApplyResult): ApplyResult {
  const failed = result.steps.find((s) => s.status === 'failed')
  if (failed) result.exitCode = failed.error instanceof CfpullError ? failed.error.exitCode : ExitCode.Failure
  return result
}

function countLines(s: string): number {
  return s.split('\n').filter((l) => l.trim()).length
}

// helm and kubectl get the --timeout themselves; cfpull kills them only if they overrun it.
function killAfter(timeoutMs: number): number {
  return timeoutMs + Math.min(30_000, Math.max(2_000, timeoutMs / 10))
}

/** Parses a Helm/Go duration such as 90s, 10m, 1h30m into milliseconds. */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g
  let total = 0
  let consumed = ''
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']
    consumed += m[0]
  }
  if (!s || consumed !== s || total <= 0) throw new UsageError(`--timeout ${s} is not a duration like 90s, 10m or 1h`)
  return total
}
