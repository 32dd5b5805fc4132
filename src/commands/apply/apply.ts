import { readText } from '../../adapters/files.js'
import {
  helmGetValues,
  helmGetValuesArgs,
  helmHistory,
  helmHistoryArgs,
  helmStatus,
  helmTemplateArgs,
  helmUpgradeArgs,
  helmUpgradeLogFiles,
  type ValuesMode,
} from '../../adapters/helm.js'
import { kubectl, kubectlArgv, kubectlJson, readSecret, type KubeTarget } from '../../adapters/kubectl.js'
import { toolBinary, type RunResult, type Runner } from '../../adapters/run.js'
import {
  INSTANCE_LABEL,
  PLUGIN_LABEL,
  changedReleaseValues,
  chartVersionOf,
  count,
  deploymentGenerations,
  mergeValues,
  namedObjects,
  planFromHistory,
  pluginDeployments,
  restartNamespaces,
  shellLine,
  stuckReleasePods,
  type HistoryPlan,
} from '../../core/apply-plan.js'
import { LATEST_CHART_VERSION, chartInfo, knownChartVersions, type ChartInfo } from '../../core/cloudforet/charts.js'
import {
  CfpullError,
  ExitCode,
  PreflightError,
  ToolFailedError,
  UsageError,
  type ExitCodeValue,
  type Finding,
} from '../../core/errors.js'
import { createSecretCommand, patchCommand, type FixContext } from '../../core/fix-command.js'
import { addImagePullSecrets } from '../../core/cloudforet/image-pull-secrets.js'
import {
  buildInstallModel,
  chooseChart,
  pluginRouteSatisfied,
  secretPlacements,
  type ChartChoice,
  type InstallModel,
} from '../../core/cloudforet/install-model.js'
import { ImageRefError, parseImageRef } from '../../core/credentials/image-ref.js'
import {
  DockerConfigError,
  keyringOfSecret,
  matchingKeys,
  readPullSecret,
  type CredentialEntry,
} from '../../core/credentials/docker-config.js'
import { fixFor, pullFails, type CredentialGap, type ImageUse } from '../../core/images/pull-check.js'
import { renderedImages, type RenderedImages, type RenderedWorkload } from '../../core/images/rendered-images.js'
import { parseValues } from '../../core/yaml/values.js'
import { checkPulls, clusterPlatforms, type SecretLookup } from '../pull-check.js'

export type RestartMode = 'auto' | 'delete' | 'rollout' | 'none'

export interface ApplyOptions {
  namespace: string
  values: string
  release: string
  chart: string
  version?: string
  restart: RestartMode
  recreatePlugins: boolean
  /** Merge the file over the deployed release's values (helm --reset-then-reuse-values). */
  reuseValues?: boolean
  /** Take the file alone even when it drops values the release has (helm --reset-values). */
  resetValues?: boolean
  /** Helm-style duration: 90s, 10m, 1h. */
  timeout: string
  dryRun: boolean
  allowUnpatched: boolean
  /** Ask the registry for every image of the upgrade (default true; --no-pull-check). */
  pullCheck?: boolean
  /** PEM of a private CA the registries use. */
  registryCa?: string
  /** Narrowing, as patch and doctor take it: the services that must carry the secret. */
  onlyPresent?: boolean
  services?: string[]
  exclude?: string[]
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
  /** Something the user must know now, not at the end (an interrupt while helm runs). */
  onNotice?: (message: string) => void
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe. Without it, signals do what they do by default. */
  signals?: (handler: (signal: string) => void) => () => void
  /** Pause between polls (the wait for the supervisor); tests keep the default. */
  sleep?: (ms: number) => Promise<void>
}

export interface StepResult {
  name: string
  status: 'running' | 'ok' | 'failed' | 'skipped' | 'warning' | 'planned' | 'interrupted'
  /** The argv of the tool call(s) this step ran (or, with --dry-run, would run). */
  commands: string[][]
  durationMs: number
  detail?: string
  error?: unknown
  /** True once the step changed something in the cluster (the report never hides that). */
  changed?: boolean
}

export interface ApplyResult {
  release: string
  namespace: string
  chartVersion?: string
  /** The deployed revision the upgrade starts from. */
  deployedRevision?: number
  findings: Finding[]
  /** Facts worth a line (e.g. "keeping chart spaceone-1.12.16"). */
  notes: string[]
  warnings: string[]
  steps: StepResult[]
  /** Set when a signal arrived after the cluster-changing part began; `helmState` is what helm status said after. */
  interrupted?: { signal: string; helmState?: string; stoppedWaiting: boolean }
  exitCode: ExitCodeValue
}

/** The longest delay a Node timer holds (2^31-1 ms, ~24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * `cfpull apply`: a read-only preflight proves the upgrade leaves every pod able to pull and
 * loses nothing the release has; only then `helm upgrade` pinned to the deployed chart version,
 * restarts of only what needs it, and plugins recreated whole.
 */
export async function apply(opts: ApplyOptions, deps: ApplyDeps): Promise<ApplyResult> {
  if (opts.reuseValues && opts.resetValues) throw new UsageError('--reuse-values and --reset-values exclude each other')
  const timeoutMs = parseDuration(opts.timeout)
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    bin: toolBinary('kubectl', deps.env),
  }
  const helmBin = toolBinary('helm', deps.env)
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
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
  if (timeoutMs > MAX_TIMER_MS) {
    const ownWaits = `its own waits stop after ${formatDuration(MAX_TIMER_MS)}`
    warnings.push(
      `--timeout ${opts.timeout} is longer than cfpull can time: ${ownWaits} (helm and kubectl still get --timeout ${opts.timeout})`,
    )
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
    return s.status !== 'failed' && s.status !== 'interrupted'
  }

  // A kubectl call that is recorded on the step, so --json and the summary show what ran.
  const kube = (s: StepResult, args: string[], what: string, timeout?: number) => {
    s.commands.push(kubectlArgv(t, args))
    return kubectl(deps.run, t, args, `${s.name}: ${what}`, undefined, timeout)
  }

  // 1. Preflight: read-only, and every problem at once.
  let plan: Plan | undefined
  const preflightOk = await step('preflight', async (s) => {
    const ctx: PreflightContext = { opts, deps, t, helmBin, step: s, result, facts: initialFacts(opts) }
    for (const check of PREFLIGHT_CHECKS) result.findings.push(...(await check(ctx)))
    if (result.findings.length) throw new PreflightError(result.findings)
    plan = planOf(ctx.facts)
    const p = plan
    s.detail = [
      opts.version
        ? `chart ${p.chartName}-${p.version}`
        : `keeping chart ${p.chartName}-${p.version} (revision ${p.deployedRevision}, deployed; --version to change)`,
      p.valuesMode === 'reuse' ? `values: the release's, with ${opts.values} over them` : undefined,
      `secrets ${p.secretNames.join(', ')} in ${p.secretNamespaces.join(', ')}`,
      `credentials cover ${count(p.imageCount, 'image')}`,
      p.pulls === undefined ? undefined : `the registries have all ${count(p.pulls, 'image')}`,
    ]
      .filter(Boolean)
      .join('; ')
  })
  // The gate: nothing below runs unless the preflight found nothing at all.
  if (!preflightOk || !plan || result.findings.length) return finish(result)
  const p: Plan = plan

  const upgradeArgv = [
    helmBin,
    ...helmUpgradeArgs(
      {
        release: opts.release,
        chart: opts.chart,
        namespace: opts.namespace,
        valuesFile: opts.values,
        version: p.version,
        values: p.valuesMode,
        timeout: opts.timeout,
        extra: opts.helmArgs,
      },
      t,
    ),
  ]
  const sel = `${INSTANCE_LABEL}=${opts.release}`

  if (opts.dryRun) {
    const planned = (name: string, commands: string[][], detail?: string) =>
      steps.push({ name, status: 'planned', commands, durationMs: 0, ...(detail && { detail }) })
    planned('helm upgrade', [upgradeArgv])
    for (const ns of p.restartNamespaces) {
      if (opts.restart === 'none') planned(`restart ${ns}`, [], 'skipped (--restart none)')
      else if (opts.restart === 'delete')
        planned(`restart ${ns}`, [kubectlArgv(t, ['delete', 'pod', '-n', ns, '-l', sel, '-o', 'name'])])
      else if (opts.restart === 'rollout')
        planned(`restart ${ns}`, [
          kubectlArgv(t, ['rollout', 'restart', 'deployment', '-n', ns, '-l', sel, '-o', 'name']),
          kubectlArgv(t, [
            'rollout',
            'status',
            'deployment',
            '-n',
            ns,
            '-l',
            sel,
            `--timeout=<what is left of ${opts.timeout}>`,
          ]),
        ])
      else
        planned(
          `restart ${ns}`,
          [
            kubectlArgv(t, [
              'rollout',
              'status',
              'deployment/<each one helm changed>',
              '-n',
              ns,
              `--timeout=<what is left of ${opts.timeout}>`,
            ]),
            kubectlArgv(t, ['get', 'pods', '-n', ns, '-o', 'json']),
            kubectlArgv(t, [
              'delete',
              'pod',
              '-n',
              ns,
              '<each pod still in ImagePullBackOff/ErrImagePull>',
              '-o',
              'name',
            ]),
          ],
          'wait for the rollouts helm starts, then delete only pods still stuck pulling',
        )
    }
    const lacking = p.pluginSecrets.join(', ') || 'the secret'
    planned(
      `plugins ${p.pluginNamespace}`,
      [
        kubectlArgv(t, ['get', 'deployment', '-n', p.pluginNamespace, '-l', PLUGIN_LABEL, '-o', 'json']),
        ...(opts.recreatePlugins
          ? [
              kubectlArgv(t, [
                'delete',
                'deploy,svc',
                '-n',
                p.pluginNamespace,
                '-l',
                'plugin_id=<each stale plugin>',
                '-o',
                'name',
              ]),
            ]
          : []),
      ],
      opts.recreatePlugins
        ? `then delete Deployment and Service of each plugin whose pod template lacks ${lacking}, and wait for the supervisor to recreate them`
        : 'report those whose pod template lacks the secret',
    )
    return finish(result)
  }

  // 2. helm upgrade, pinned. helm runs in its own process group and is never killed by cfpull:
  // a helm stopped half-way leaves a failed or pending revision, which is the outage.
  const started = performance.now()
  const left = () => Math.max(1000, timeoutMs - (performance.now() - started))
  const upgraded = await step('helm upgrade', async (s) => {
    s.commands.push(upgradeArgv)
    const [file, ...args] = upgradeArgv
    const logs = await helmUpgradeLogFiles()
    let detach: (() => void) | undefined
    let stopWaiting: (() => void) | undefined
    const stop = new Promise<'stopped'>((resolve) => (stopWaiting = () => resolve('stopped')))
    let signals = 0
    const unsubscribe = deps.signals?.((signal) => {
      signals++
      if (signals === 1) {
        result.interrupted = { signal, stoppedWaiting: false }
        const running = 'helm upgrade is still running and will finish or fail on its own'
        const why = 'stopping it half-way would leave the release failed'
        deps.onNotice?.(
          `${signal}: ${running} (${why}); waiting for it, then cfpull stops. ${signal} again stops the waiting, not helm.`,
        )
      } else stopWaiting?.()
    })
    try {
      const running = deps.run(file!, args, {
        keepRunning: { stdoutFile: logs.stdoutFile, stderrFile: logs.stderrFile, onStart: (d) => (detach = d) },
      })
      // Once helm is done its output has been read; while it may still run, its files stay.
      void running.then(logs.remove, logs.remove).catch(() => undefined)
      // From here on the release may change, however helm ends.
      s.changed = true
      let r: RunResult | 'stopped'
      try {
        r = await Promise.race([running, stop])
      } catch (err) {
        throw err instanceof ToolFailedError ? err.inStep('helm upgrade') : err
      }
      if (r === 'stopped') {
        detach?.()
        running.catch(() => undefined)
        result.interrupted!.stoppedWaiting = true
        s.status = 'interrupted'
        s.detail = `cfpull stopped waiting; helm upgrade goes on by itself (its output: ${logs.stdoutFile}, ${logs.stderrFile})`
        return
      }
      if (r.exitCode !== 0) throw new ToolFailedError('helm', r.exitCode, r.stderr, 'helm upgrade', helmHint(r.stderr))
      s.detail = `${opts.release} upgraded with chart ${p.chartName}-${p.version}`
      if (result.interrupted) s.status = 'interrupted'
    } finally {
      unsubscribe?.()
    }
  })
  if (result.interrupted) {
    const st = await helmStatus(deps.run, helmBin, t, opts.namespace, opts.release).catch(() => null)
    result.interrupted.helmState = st ? `revision ${st.revision}, ${st.status}` : 'unknown (helm status failed)'
    return finish(result)
  }
  if (!upgraded) return finish(result)

  // 3. Restarts, in every namespace the release's pods run in: not only -n.
  for (const ns of p.restartNamespaces) {
    if (opts.restart === 'none') {
      steps.push({ name: `restart ${ns}`, status: 'skipped', commands: [], durationMs: 0, detail: '--restart none' })
      continue
    }
    const ok = await step(`restart ${ns}`, async (s) => {
      if (opts.restart === 'delete') {
        const deleted = namedObjects(await kube(s, ['delete', 'pod', '-n', ns, '-l', sel, '-o', 'name'], 'delete pods'))
        if (deleted.length) s.changed = true
        s.detail = `${count(deleted.length, 'pod')} deleted`
      } else if (opts.restart === 'rollout') {
        const restarted = namedObjects(
          await kube(s, ['rollout', 'restart', 'deployment', '-n', ns, '-l', sel, '-o', 'name'], 'rollout restart'),
        )
        if (restarted.length === 0) {
          s.detail = `no deployment labelled ${sel}: nothing restarted`
          return
        }
        s.changed = true
        await kube(
          s,
          ['rollout', 'status', 'deployment', '-n', ns, '-l', sel, `--timeout=${seconds(left())}`],
          'rollout status',
          killAfter(left()),
        )
        s.detail = `${count(restarted.length, 'deployment')} restarted and ready`
      } else {
        // auto: helm already rolls every Deployment whose pod template changed; wait for those,
        // then only pods still stuck pulling need a push (their template did not change).
        const before = p.generations.get(ns) ?? new Map<string, number>()
        const after = deploymentGenerations(
          await kubectlJson(deps.run, t, ['get', 'deployments', '-n', ns], `${s.name}: list deployments`),
        )
        s.commands.push(kubectlArgv(t, ['get', 'deployments', '-n', ns, '-o', 'json']))
        const mine = p.workloads.filter((w) => w.namespace === ns)
        const rolled = mine
          .filter((w) => w.kind === 'Deployment')
          .filter((w) => (after.get(w.name) ?? 0) > (before.get(w.name) ?? 0))
          .map((w) => w.name)
        for (const name of rolled)
          await kube(
            s,
            ['rollout', 'status', `deployment/${name}`, '-n', ns, `--timeout=${seconds(left())}`],
            `rollout status ${name}`,
            killAfter(left()),
          )
        s.commands.push(kubectlArgv(t, ['get', 'pods', '-n', ns, '-o', 'json']))
        const stuck = stuckReleasePods(
          await kubectlJson(deps.run, t, ['get', 'pods', '-n', ns], `${s.name}: list pods`),
          opts.release,
          mine,
        )
        let deleted: string[] = []
        if (stuck.length) {
          deleted = namedObjects(
            await kube(s, ['delete', 'pod', '-n', ns, ...stuck, '-o', 'name'], 'delete stuck pods'),
          )
          if (deleted.length) s.changed = true
        }
        s.detail = [
          rolled.length
            ? `${count(rolled.length, 'rollout')} by helm finished (${rolled.join(', ')})`
            : 'helm rolled nothing here',
          deleted.length
            ? `${count(deleted.length, 'pod')} stuck pulling deleted (${deleted.map((d) => d.replace(/^pod\//, '')).join(', ')})`
            : 'no pod stuck pulling',
        ].join('; ')
      }
    })
    if (!ok) return finish(result)
  }
  if (opts.restart === 'delete' || opts.restart === 'rollout')
    result.notes.push(
      `pods without ${INSTANCE_LABEL} (mongodb in chart 1.12 and 2.x) are not restarted: delete them by hand if they must pull again`,
    )

  // 4. Plugins: the supervisor reuses an installed plugin (it decides that from the Service), so
  // ones made before the secret keep pulling without it until both objects are gone.
  await step(`plugins ${p.pluginNamespace}`, async (s) => {
    if (p.pluginSecrets.length === 0) {
      s.status = 'skipped'
      s.detail = 'no plugin pull secret in the values'
      return
    }
    const pns = p.pluginNamespace
    const args = ['get', 'deployment', '-n', pns, '-l', PLUGIN_LABEL]
    s.commands.push(kubectlArgv(t, [...args, '-o', 'json']))
    const list = pluginDeployments(await kubectlJson(deps.run, t, args, `${s.name}: list plugin deployments`))
    const stale = list.filter((d) => !p.pluginSecrets.every((n) => d.pullSecrets.includes(n)))
    const secrets = p.pluginSecrets.join(', ')
    if (stale.length === 0) {
      s.detail = `${count(list.length, 'plugin deployment')}, all with ${secrets}`
      return
    }
    if (!opts.recreatePlugins) {
      s.status = 'warning'
      s.detail = `${stale.length} of ${count(list.length, 'plugin deployment')} lack ${secrets}: ${stale.map((d) => d.name).join(', ')}`
      const created = `plugin deployments ${stale.map((d) => d.name).join(', ')} in ${pns} were created without ${secrets}`
      const recreate =
        "run again with --recreate-plugins to delete each one's Deployment and Service so it recreates them with the secret"
      warnings.push(`${created} and the supervisor reuses installed plugins: ${recreate}`)
      return
    }
    const ids = [...new Set(stale.map((d) => d.pluginId ?? d.name))]
    const done = new Set<string>()
    for (const d of stale) {
      const id = d.pluginId ?? d.name
      if (done.has(id)) continue
      done.add(id)
      // Without a plugin_id label, the supervisor's naming (Deployment and Service share the name) is all there is.
      const target = d.pluginId
        ? ['deploy,svc', '-l', `plugin_id=${d.pluginId}`]
        : [`deployment/${d.name}`, `service/${d.name}`]
      const out = await kube(
        s,
        ['delete', '-n', pns, ...target, '--ignore-not-found', '-o', 'name'],
        `delete plugin ${id}`,
      )
      if (namedObjects(out).length) s.changed = true
    }
    // The supervisor recreates a plugin when it next installs it; wait for that, bounded.
    const deadline = performance.now() + Math.min(left(), MAX_TIMER_MS)
    const pending = new Set(ids)
    const recreated: string[] = []
    for (;;) {
      for (const id of [...pending]) {
        const objs = (
          await kubectlJson<{ items?: Array<{ kind?: string }> }>(
            deps.run,
            t,
            ['get', 'deploy,svc', '-n', pns, '-l', `plugin_id=${id}`],
            `${s.name}: look for the recreated ${id}`,
          )
        ).items
        const deploys = pluginDeployments({ items: (objs ?? []).filter((o) => o.kind === 'Deployment') })
        const hasService = (objs ?? []).some((o) => o.kind === 'Service')
        if (hasService && deploys.some((d) => p.pluginSecrets.every((n) => d.pullSecrets.includes(n)))) {
          pending.delete(id)
          recreated.push(id)
        }
      }
      if (pending.size === 0 || performance.now() >= deadline) break
      await sleep(1000)
    }
    s.commands.push(kubectlArgv(t, ['get', 'deploy,svc', '-n', pns, '-l', 'plugin_id=<id>', '-o', 'json']))
    s.detail = `deleted the Deployment and Service of ${ids.join(', ')}; ${
      recreated.length ? `the supervisor recreated ${recreated.join(', ')} with ${secrets}` : 'none recreated yet'
    }`
    if (pending.size) {
      s.status = 'warning'
      const within = formatDuration(Math.min(timeoutMs, MAX_TIMER_MS))
      const doctorLine = shellLine([
        'cfpull',
        'doctor',
        '--cluster',
        '-n',
        opts.namespace,
        '-f',
        opts.values,
        ...targetFlags(opts),
      ])
      const notYet = `the supervisor has not recreated ${[...pending].join(', ')} in ${pns} within ${within}`
      warnings.push(`${notYet}: it installs a plugin again the next time it is used (check with ${doctorLine})`)
    }
  })
  return finish(result)
}

// ---------------------------------------------------------------------------------------------
// Preflight: a list of separate read-only checks, each returning its findings. A check reads
// what earlier ones found from `facts` and skips itself when its inputs are missing (their
// absence is already a finding), so adding a check is adding a function to the list.

export interface PreflightContext {
  opts: ApplyOptions
  deps: ApplyDeps
  t: KubeTarget
  helmBin: string
  /** The preflight step: every tool call is recorded on it. */
  step: StepResult
  result: ApplyResult
  facts: Facts
}

export interface Facts {
  toolsOk: boolean
  text?: string
  data?: unknown
  releaseExists?: boolean
  history?: HistoryPlan
  version?: string
  chartName: string
  chart: ChartInfo
  releaseValues?: Record<string, unknown>
  valuesMode: ValuesMode
  /** The values helm will use: the file, or the release's with the file over them. */
  effective?: unknown
  /** The install model of the values helm will use (core/install-model.ts): the one every command reads. */
  model?: InstallModel
  chartChoice?: ChartChoice
  secretNames: string[]
  secretNamespaces: string[]
  /** Each (secret, namespace) the model needs: service secrets in core and supervisor, the plugin secret in plugins. */
  placements: Array<{ name: string; namespace: string }>
  restartNamespaces: string[]
  pluginNamespace: string
  pluginSecrets: string[]
  rendered?: RenderedImages
  /** `${namespace}/${name}` → the Secret's entries (kept in memory only), null when absent or unreadable. */
  secrets: Map<string, CredentialEntry[] | null>
  /** The same Secrets as the pull check reads them, credentials included (memory only, never printed). */
  keyrings: Map<string, SecretLookup>
  /** Distinct images the registries were asked for; undefined when the pull check did not run. */
  pulls?: number
  imageCount: number
  generations: Map<string, Map<string, number>>
}

export type PreflightCheck = (ctx: PreflightContext) => Promise<Finding[]> | Finding[]

function initialFacts(opts: ApplyOptions): Facts {
  const chart = chartInfo(LATEST_CHART_VERSION)
  return {
    toolsOk: false,
    chartName: opts.chart.split('/').pop()!,
    chart,
    valuesMode: opts.reuseValues ? 'reuse' : 'reset',
    secretNames: [],
    secretNamespaces: [],
    placements: [],
    restartNamespaces: [opts.namespace],
    pluginNamespace: chart.pluginNamespace,
    pluginSecrets: [],
    secrets: new Map(),
    keyrings: new Map(),
    imageCount: 0,
    generations: new Map(),
  }
}

const checkTools: PreflightCheck = async ({ deps, t, helmBin, facts }) => {
  const tools = await Promise.all([
    probe(deps.run, t.bin!, ['version', '--client', '-o', 'json'], 'kubectl', 'CFPULL_KUBECTL'),
    probe(deps.run, helmBin, ['version', '--short'], 'helm', 'CFPULL_HELM'),
  ])
  facts.toolsOk = tools.every((f) => !f)
  return tools.filter((f): f is Finding => !!f)
}

const checkValuesFile: PreflightCheck = async ({ opts, facts }) => {
  try {
    facts.text = await readText(opts.values)
    facts.data = parseValues(facts.text, opts.values).data
    return []
  } catch (err) {
    facts.text = undefined
    return [{ message: (err as Error).message }]
  }
}

const checkRelease: PreflightCheck = async ({ opts, deps, t, helmBin, step, result, facts }) => {
  if (!facts.toolsOk) return []
  step.commands.push([helmBin, ...helmHistoryArgs(t, opts.namespace, opts.release)])
  const history = await helmHistory(deps.run, helmBin, t, opts.namespace, opts.release)
  if (!history || history.length === 0)
    return [
      {
        message: `release ${opts.release} not found in namespace ${opts.namespace}: cfpull apply upgrades an existing release and never installs one`,
        fix: shellLine([
          'helm',
          'install',
          opts.release,
          opts.chart,
          '-n',
          opts.namespace,
          '-f',
          opts.values,
          ...helmTargetFlags(opts),
        ]),
      },
    ]
  facts.releaseExists = true
  const h = planFromHistory(history)
  facts.history = h
  const findings: Finding[] = []
  if (h.pending) {
    const refuses = 'helm refuses to upgrade while an operation is in progress (or was cut off)'
    const deployed = h.deployed ? `; revision ${h.deployed.revision} is the deployed one` : ''
    findings.push({
      message: `release ${opts.release} is ${h.pending.status} at revision ${h.pending.revision}: ${refuses}${deployed}`,
      ...(h.deployed && {
        fix: shellLine([
          'helm',
          'rollback',
          opts.release,
          String(h.deployed.revision),
          '-n',
          opts.namespace,
          ...helmTargetFlags(opts),
        ]),
      }),
    })
  }
  if (!h.deployed) {
    const latest = `latest: ${h.latest!.revision}, ${h.latest!.status}`
    findings.push({
      message: `release ${opts.release} has no deployed revision (${latest}): there is no working state to upgrade from`,
    })
    return findings
  }
  result.deployedRevision = h.deployed.revision
  if (h.latest && h.latest.revision !== h.deployed.revision && h.latest.status === 'failed') {
    const failed = `revision ${h.latest.revision} of ${opts.release} (the latest, chart ${h.latest.chart}) is failed`
    result.warnings.push(
      `${failed}: starting from revision ${h.deployed.revision}, the deployed one (chart ${h.deployed.chart})`,
    )
  }
  facts.chartName = h.deployed.chart.replace(/-v?\d[^-]*(?:-[0-9A-Za-z.]+)*$/, '') || facts.chartName
  if (opts.version) facts.version = opts.version
  else {
    const v = chartVersionOf(h.deployed.chart)
    if (v) facts.version = v
    else findings.push({ message: `cannot read the chart version from "${h.deployed.chart}": pass --version` })
  }
  return findings
}

const checkKeptValues: PreflightCheck = async ({ opts, deps, t, helmBin, step, facts }) => {
  if (!facts.toolsOk || facts.text === undefined || !facts.history?.deployed) return []
  const rev = facts.history.deployed.revision
  step.commands.push([helmBin, ...helmGetValuesArgs(t, opts.namespace, opts.release, rev)])
  facts.releaseValues = await helmGetValues(deps.run, helmBin, t, opts.namespace, opts.release, rev)
  facts.effective = facts.valuesMode === 'reuse' ? mergeValues(facts.releaseValues, facts.data) : facts.data
  if (opts.reuseValues || opts.resetValues) return []
  const changes = changedReleaseValues(facts.releaseValues, facts.data)
  if (changes.length === 0) return []
  const shown = changes.slice(0, 8).map((c) => `${c.path} (${c.kind})`)
  const more = changes.length > 8 ? ', …' : ''
  const dropped = `${count(changes.length, 'value')} that revision ${rev} of ${opts.release} was installed with`
  const moves = changes.some((c) => c.path.endsWith('namespace')) ? 'move pods to other namespaces and ' : ''
  const choice = 'Keep them with --reuse-values (the file merged over them), or take the file alone with --reset-values'
  return [
    {
      message: `${opts.values} drops or changes ${dropped}: ${shown.join(', ')}${more}; helm upgrade with the file alone would ${moves}lose them. ${choice}`,
      fix: commandLine(opts, ['--reuse-values']),
    },
  ]
}

// The install model of the values helm will use, against the chart version the upgrade pins.
const derivePlan: PreflightCheck = ({ opts, result, facts }) => {
  const version = facts.version
  const known = version && knownChartVersions().includes(version.replace(/^v/, ''))
  if (version) result.chartVersion = version
  if (version && !known)
    result.warnings.push(
      `chart version ${version} is not one cfpull knows: checking services against ${LATEST_CHART_VERSION}`,
    )
  facts.chartChoice = known ? chooseChart(opts.version ? { version } : { fromRelease: version }) : chooseChart({})
  facts.chart = facts.chartChoice.info
  facts.pluginNamespace = facts.chart.pluginNamespace
  if (facts.text === undefined) return []
  const model = buildInstallModel(facts.effective ?? facts.data, facts.chartChoice, narrowing(opts))
  facts.model = model
  facts.placements = secretPlacements(model, opts.namespace)
  facts.secretNames = model.needs.map((n) => n.name)
  facts.secretNamespaces = [...new Set(facts.placements.map((p) => p.namespace))]
  facts.restartNamespaces = restartNamespaces(model.namespaces, opts.namespace)
  facts.pluginNamespace = model.namespaces.plugins
  facts.pluginSecrets = model.plugins.configured
  return []
}

function narrowing(opts: ApplyOptions): { onlyPresent?: boolean; services?: string[]; exclude?: string[] } {
  return {
    ...(opts.onlyPresent && { onlyPresent: true }),
    ...(opts.services && { services: opts.services }),
    ...(opts.exclude && { exclude: opts.exclude }),
  }
}

/** The options in force, for the patch and create-secret commands the preflight prints. */
function fixContext(opts: ApplyOptions, facts: Facts): FixContext {
  const chart = facts.chartChoice ?? chooseChart({})
  return {
    files: [opts.values],
    chart: { version: chart.info.version, source: chart.source },
    releaseNamespace: opts.namespace,
    release: opts.release,
    ...(facts.model && { secrets: facts.model.serviceSecrets }),
    ...narrowing(opts),
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
}

const checkPatched: PreflightCheck = ({ opts, facts }) => {
  if (facts.text === undefined || !facts.model) return []
  const chart = facts.chart
  const ctx = fixContext(opts, facts)
  const secrets = facts.model.serviceSecrets
  if (secrets.length === 0)
    return [
      {
        message: `${opts.values} names no imagePullSecrets`,
        fix: patchCommand({ ...ctx, secrets: ['<name>'] }),
      },
    ]
  // Exactly what patch would still do with these names: same model, same targets.
  const check = addImagePullSecrets(facts.text, {
    secrets,
    chart,
    chartSource: facts.chartChoice?.source ?? 'flag',
    file: opts.values,
    verify: false,
    ...narrowing(opts),
  })
  // A plugin route doctor accepts (its own secret, or one under another registry type) is not a gap.
  const routeOk = pluginRouteSatisfied(facts.model)
  const missing = check.changes.filter((c) => c.action !== 'unchanged' && !(routeOk && c.kind === 'plugins'))
  if (!missing.length || opts.allowUnpatched) return []
  return [
    {
      message: `${opts.values} is not fully patched: ${missing.length} place${missing.length === 1 ? '' : 's'} lack ${secrets.join(', ')} (${missing
        .slice(0, 4)
        .map((c) => c.path.join('.'))
        .join(', ')}${missing.length > 4 ? ', …' : ''}); pass --allow-unpatched to go on anyway`,
      fix: patchCommand(ctx),
    },
  ]
}

// What the upgrade will really run: the chart rendered with the same version and values.
const checkRender: PreflightCheck = async ({ opts, deps, helmBin, step, facts }) => {
  if (!facts.toolsOk || facts.text === undefined || !facts.version || !facts.releaseExists) return []
  const reuse = facts.valuesMode === 'reuse'
  const argv = helmTemplateArgs({
    release: opts.release,
    chart: opts.chart,
    namespace: opts.namespace,
    valuesFile: opts.values,
    version: facts.version,
    releaseValuesOnStdin: reuse,
    extra: opts.helmArgs,
  })
  step.commands.push([helmBin, ...argv])
  const r = await deps.run(helmBin, argv, reuse ? { input: JSON.stringify(facts.releaseValues ?? {}) } : {})
  if (r.exitCode !== 0) {
    const lastLine = r.stderr.trim().split('\n').pop() ?? ''
    return [
      {
        message: `helm template of ${opts.chart} ${facts.version} with these values fails, so helm upgrade would too: ${lastLine}`,
      },
    ]
  }
  facts.rendered = renderedImages(r.stdout, opts.namespace)
  const findings: Finding[] = facts.rendered.unreadable.map((u) => ({
    message: `helm template printed a document cfpull cannot read (${u.source ?? `document ${u.index + 1}`}: ${u.reason}): its images cannot be checked`,
  }))
  // Every namespace a rendered pod runs in is one the restarts must reach.
  for (const w of facts.rendered.workloads)
    if (!facts.restartNamespaces.includes(w.namespace)) facts.restartNamespaces.push(w.namespace)
  return findings
}

const checkSecrets: PreflightCheck = async ({ opts, deps, t, step, facts }) => {
  if (!facts.toolsOk || facts.secretNames.length === 0) return []
  // Every pair the install model needs (plugins included) and every pair a rendered pod names.
  const pairs = new Map<string, { name: string; ns: string }>()
  for (const { name, namespace: ns } of facts.placements) pairs.set(`${ns}/${name}`, { name, ns })
  for (const w of facts.rendered?.workloads ?? [])
    for (const name of w.imagePullSecrets) pairs.set(`${w.namespace}/${name}`, { name, ns: w.namespace })
  const read = await Promise.all(
    [...pairs.values()].map(async ({ name, ns }) => {
      step.commands.push(kubectlArgv(t, ['get', 'secret', name, '-n', ns, '--ignore-not-found', '-o', 'json']))
      return { name, ns, secret: await readSecret(deps.run, t, name, ns) }
    }),
  )
  const findings: Finding[] = []
  const names = [...new Set(read.map((x) => x.name))]
  for (const name of names) {
    const missingIn = read.filter((x) => x.name === name && !x.secret).map((x) => x.ns)
    if (missingIn.length)
      findings.push({
        message: `Secret ${name} is missing in namespace${missingIn.length === 1 ? '' : 's'} ${missingIn.join(', ')}`,
        fix: facts.model?.needs.some((n) => n.name === name)
          ? createSecretCommand(fixContext(opts, facts), name, { values: opts.values, model: facts.model })
          : createSecretCommand(fixContext(opts, facts), name, { namespaces: missingIn }),
      })
  }
  for (const { name, ns, secret } of read) {
    if (!secret) {
      facts.secrets.set(`${ns}/${name}`, null)
      continue
    }
    const keyring = keyringOfSecret(secret)
    facts.keyrings.set(
      `${ns}/${name}`,
      typeof keyring === 'string' ? { unreadable: keyring } : { entries: keyring.map((e) => ({ ...e, secret: name })) },
    )
    try {
      facts.secrets.set(`${ns}/${name}`, readPullSecret(secret))
    } catch (err) {
      if (!(err instanceof DockerConfigError)) throw err
      facts.secrets.set(`${ns}/${name}`, null)
      const wrongType = !['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg'].includes(secret.type ?? '')
      findings.push({
        message: wrongType
          ? `Secret ${name} in namespace ${ns} has type ${secret.type ?? 'unset'}, not kubernetes.io/dockerconfigjson: pods cannot pull with it`
          : `Secret ${name} in namespace ${ns} cannot be read by the kubelet: ${err.message}`,
        fix: createSecretCommand(fixContext(opts, facts), name, { namespaces: [ns], replace: wrongType }),
      })
    }
  }
  return findings
}

// Every rendered image, against the entries of the Secrets its pod pulls with, by the kubelet's rules.
const checkCredentials: PreflightCheck = ({ opts, facts }) => {
  if (!facts.rendered) return []
  const findings: Finding[] = []
  const uncovered = new Map<
    string,
    { host: string; ns: string; secrets: string[]; keys: string[]; images: Set<string> }
  >()
  let checked = 0
  for (const w of facts.rendered.workloads) {
    // A pod without pull secrets pulls anonymously (or with its service account's): nothing of ours to prove.
    if (w.imagePullSecrets.length === 0) continue
    const entries = w.imagePullSecrets.map((n) => facts.secrets.get(`${w.namespace}/${n}`))
    // A missing or unreadable Secret is already a finding of its own.
    if (entries.some((e) => !e)) continue
    const all = entries.flatMap((e) => e!)
    for (const c of w.containers) {
      let ref
      try {
        ref = parseImageRef(c.image)
      } catch (err) {
        if (!(err instanceof ImageRefError)) throw err
        findings.push({ message: `${describe(w)} container ${c.name}: ${err.message}, so the kubelet cannot pull it` })
        continue
      }
      checked++
      if (matchingKeys(all, ref).length) continue
      const key = `${w.namespace}|${ref.registry}|${w.imagePullSecrets.join(',')}`
      const u = uncovered.get(key) ?? {
        host: ref.registry,
        ns: w.namespace,
        secrets: w.imagePullSecrets,
        keys: [...new Set(all.map((e) => e.key))],
        images: new Set<string>(),
      }
      u.images.add(c.image)
      uncovered.set(key, u)
    }
  }
  for (const u of uncovered.values()) {
    const images = [...u.images]
    const examples = `${images.slice(0, 3).join(', ')}${images.length > 3 ? ', …' : ''}`
    const pulled = `${count(images.length, 'image')} of the upgraded release come${images.length === 1 ? 's' : ''} from (${examples})`
    const create = `cfpull create-secret --name ${u.secrets[0]} -n ${u.ns} --docker-server ${u.host}`
    const entries = `the Secret has entries for ${u.keys.join(', ') || 'no registry'}`
    findings.push({
      message: `no entry of Secret ${u.secrets.join(', ')} in namespace ${u.ns} covers ${u.host}, where ${pulled}; ${entries}`,
      fix: `${create} --docker-username <user> --password-stdin${suffix(targetFlags(opts))}`,
    })
  }
  facts.imageCount = checked
  return findings
}

// Not a check: the Deployment generations before the upgrade, so `--restart auto` knows which
// rollouts helm started.
const readGenerations: PreflightCheck = async ({ opts, deps, t, step, facts }) => {
  if (!facts.toolsOk || opts.dryRun || opts.restart !== 'auto' || !facts.rendered) return []
  for (const ns of facts.restartNamespaces) {
    step.commands.push(kubectlArgv(t, ['get', 'deployments', '-n', ns, '-o', 'json']))
    facts.generations.set(
      ns,
      deploymentGenerations(
        await kubectlJson(deps.run, t, ['get', 'deployments', '-n', ns], `list deployments in ${ns}`),
      ),
    )
  }
  return []
}

// Every rendered image asked of its registry, as the node's runtime will ask it, with the
// credential the kubelet will pick: a missing tag, a rotated password or a missing platform stop
// the upgrade here instead of in ImagePullBackOff. Credential gaps the checks above already
// report (a missing Secret, no entry for the host) are not reported twice.
const checkPull: PreflightCheck = async ({ opts, deps, t, step, result, facts }) => {
  if (opts.pullCheck === false || !facts.rendered || !facts.toolsOk) return []
  const uses: ImageUse[] = facts.rendered.workloads.flatMap((w) =>
    [...new Set(w.containers.map((c) => c.image))].map((image) => ({
      image,
      workload: w.name,
      namespace: w.namespace,
      pullSecrets: w.imagePullSecrets,
    })),
  )
  if (uses.length === 0) return []
  const findings: Finding[] = []
  step.commands.push(kubectlArgv(t, ['get', 'nodes', '-o', 'json']))
  const { platforms, note } = await clusterPlatforms(deps.run, t)
  if (note) result.warnings.push(note)
  const r = await checkPulls(
    {
      uses,
      secret: (ns, name) => facts.keyrings.get(`${ns}/${name}`) ?? { missing: true },
      platforms,
    },
    { env: deps.env, ...(opts.registryCa && { ca: [await readText(opts.registryCa)] }) },
  )
  const reported: CredentialGap[] = ['secret-missing', 'secret-unreadable', 'no-matching-entry']
  if (opts.allowUnpatched) reported.push('pod-names-none')
  for (const l of r.images) {
    if (!pullFails(l.status) || (l.gap && reported.includes(l.gap))) continue
    const where = `${l.workloads.join(', ')} in ${l.namespaces.join(', ')}`
    const detail = l.detail ? ` (${l.detail})` : ''
    findings.push(
      l.status === 'unreachable'
        ? {
            message: `${l.image} cannot be checked: registry unreachable from here${detail}; ${where} pull it. ${skipIfOnlyHere(l.host)}`,
            fix: commandLine(opts, ['--no-pull-check']),
          }
        : {
            message: `${l.image} will not pull: ${l.text}${detail}; used by ${where}`,
            ...(fixFor(l, fixContext(opts, facts)) && { fix: fixFor(l, fixContext(opts, facts))! }),
          },
    )
  }
  facts.pulls = r.images.length
  return findings
}

/** The preflight, in order. */
export const PREFLIGHT_CHECKS: PreflightCheck[] = [
  checkTools,
  checkValuesFile,
  checkRelease,
  checkKeptValues,
  derivePlan,
  checkPatched,
  checkRender,
  checkSecrets,
  checkCredentials,
  checkPull,
  readGenerations,
]

interface Plan {
  chartName: string
  version: string
  deployedRevision: number
  valuesMode: ValuesMode
  secretNames: string[]
  secretNamespaces: string[]
  restartNamespaces: string[]
  pluginNamespace: string
  pluginSecrets: string[]
  workloads: RenderedWorkload[]
  imageCount: number
  pulls?: number
  generations: Map<string, Map<string, number>>
}

function planOf(f: Facts): Plan {
  return {
    chartName: f.chartName,
    version: f.version ?? '',
    deployedRevision: f.history?.deployed?.revision ?? 0,
    valuesMode: f.valuesMode,
    secretNames: f.secretNames,
    secretNamespaces: f.secretNamespaces,
    restartNamespaces: f.restartNamespaces,
    pluginNamespace: f.pluginNamespace,
    pluginSecrets: f.pluginSecrets,
    workloads: f.rendered?.workloads ?? [],
    imageCount: f.imageCount,
    ...(f.pulls !== undefined && { pulls: f.pulls }),
    generations: f.generations,
  }
}

/** --context/--kubeconfig as given, for the commands cfpull prints: they must reach the same cluster. */
function targetFlags(opts: ApplyOptions): string[] {
  return [
    ...(opts.context ? ['--context', opts.context] : []),
    ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []),
  ]
}

function helmTargetFlags(opts: ApplyOptions): string[] {
  return [
    ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []),
    ...(opts.context ? ['--kube-context', opts.context] : []),
  ]
}

// The pull check asks from where cfpull runs; the kubelet pulls from the nodes.
function skipIfOnlyHere(host: string): string {
  return `If only this runner cannot reach ${host} (the nodes can), skip the check`
}

function suffix(args: string[]): string {
  return args.length ? ` ${shellLine(args)}` : ''
}

function describe(w: RenderedWorkload): string {
  return `${w.kind} ${w.name} in ${w.namespace}`
}

/** The `cfpull apply` command line of these options plus `extra`: what a fix line prints, runnable as is. */
function commandLine(opts: ApplyOptions, extra: string[]): string {
  const argv = ['cfpull', 'apply', '-n', opts.namespace, '-f', opts.values]
  if (opts.release !== 'cloudforet') argv.push('--release', opts.release)
  if (opts.chart !== 'cloudforet/spaceone') argv.push('--chart', opts.chart)
  if (opts.version) argv.push('--version', opts.version)
  if (opts.restart !== 'auto') argv.push('--restart', opts.restart)
  if (opts.recreatePlugins) argv.push('--recreate-plugins')
  if (opts.timeout !== '10m') argv.push('--timeout', opts.timeout)
  if (opts.allowUnpatched) argv.push('--allow-unpatched')
  if (opts.onlyPresent) argv.push('--only-present')
  if (opts.services) argv.push('--services', opts.services.join(','))
  if (opts.exclude) argv.push('--exclude', opts.exclude.join(','))
  if (opts.dryRun) argv.push('--dry-run')
  if (opts.context) argv.push('--context', opts.context)
  if (opts.kubeconfig) argv.push('--kubeconfig', opts.kubeconfig)
  if (opts.registryCa) argv.push('--registry-ca', opts.registryCa)
  argv.push(...extra)
  if (opts.helmArgs.length) argv.push('--', ...opts.helmArgs)
  return shellLine(argv)
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
      return {
        message: `${tool} (${bin}) does not run: ${r.stderr.trim().split('\n').pop() ?? ''}`,
        exitCode: ExitCode.ToolFailed,
      }
    return undefined
  } catch (err) {
    if (err instanceof CfpullError)
      return { message: `${err.message}: install ${tool} or point ${envVar} at it`, exitCode: ExitCode.ToolFailed }
    throw err
  }
}

function helmHint(stderr: string): string | undefined {
  if (/another operation \(install\/upgrade\/rollback\) is in progress/.test(stderr))
    return 'a pending revision blocks the release: roll back to the deployed revision with helm rollback RELEASE REVISION -n NS'
  return undefined
}

function finish(result: ApplyResult): ApplyResult {
  const failed = result.steps.find((s) => s.status === 'failed')
  if (result.interrupted) result.exitCode = ExitCode.Interrupted
  else if (failed) result.exitCode = failed.error instanceof CfpullError ? failed.error.exitCode : ExitCode.Failure
  return result
}

// kubectl gets the --timeout itself; cfpull kills it only if it overruns that, and never later than a timer holds.
function killAfter(timeoutMs: number): number {
  return Math.min(MAX_TIMER_MS, timeoutMs + Math.min(30_000, Math.max(2_000, timeoutMs / 10)))
}

function seconds(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`
}

/** `90s`, `10m`, `24d20h31m` (for messages). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ]
  return (
    parts
      .filter(([n]) => n > 0)
      .map(([n, u]) => `${n}${u}`)
      .join('') || '0s'
  )
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
