import { readText } from '../adapters/files.js'
import { helmGetAllValues, helmRelease } from '../adapters/helm.js'
import { kubectl, kubectlJson, type KubeTarget } from '../adapters/kubectl.js'
import { toolBinary, type Runner } from '../adapters/run.js'
import {
  INSTANCE_LABEL,
  PLUGIN_LABEL,
  chartVersionOf,
  count,
  pluginDeployments,
  pluginLabel,
  pluginObjects,
  pluginPairs,
  staleReasons,
} from '../core/apply-plan.js'
import { chartFromValues } from '../core/cloudforet/chart-from-values.js'
import { knownChartVersions } from '../core/cloudforet/charts.js'
import {
  PULL_SECRET_TYPES,
  diagnoseValues,
  registryHostsOfDockerConfig,
  registryOfImage,
  type Diagnosis,
  type ValuesDiagnosis,
} from '../core/diagnose.js'
import {
  CfpullError,
  ExitCode,
  NoClusterError,
  ToolFailedError,
  UsageError,
  type ExitCodeValue,
} from '../core/errors.js'
import {
  applyCommand,
  createSecretCommand,
  deletePluginsCommand,
  kubectlCommand,
  manifestPatchCommand,
  patchCommand,
  type FixContext,
} from '../core/fix-command.js'
import { describeOwner, ownerEvidence } from '../core/gitops.js'
import { isGitOpsManifest, readValuesData } from '../core/gitops-manifest.js'
import { observeGitOpsOwner } from './gitops-owner.js'
import { chooseChart, secretPlacements, type ChartChoice } from '../core/cloudforet/install-model.js'
import { imageHostFindings, type ImageHost } from '../core/images/image-hosts.js'

export interface DoctorOptions {
  values: string
  secret?: string
  chartVersion?: string
  /** A chart's default values (helm show values) for a version cfpull does not know. */
  chartValues?: string
  onlyPresent?: boolean
  services?: string[]
  exclude?: string[]
  cluster: boolean
  /** The Helm release namespace: where pods go when the values set no namespace. */
  namespace: string
  /** Where the namespace came from, for the report: `-n`, `kubeconfig context X` or `default`. */
  namespaceFrom?: string
  /**
   * With --cluster and no -f: the values the release runs with (helm get values --all) instead
   * of a file. They hold passwords: nothing of them is printed, nor put in --json.
   */
  valuesFromRelease?: boolean
  release: string
  context?: string
  kubeconfig?: string
}

export interface SecretState {
  namespace: string
  name: string
  present: boolean
  type?: string
  /** Registry hosts it has credentials for (never the credentials). */
  registries: string[]
}

export interface FailingPod {
  namespace: string
  pod: string
  image: string
  reason: string
  pullSecrets: string[]
  event?: string
}

export interface DoctorResult {
  values: ValuesDiagnosis
  /** The images the values make pods run, by registry host (for a chart cfpull has an image table for). */
  imageHosts?: ImageHost[]
  cluster?: { secrets: SecretState[]; failingPods: FailingPod[]; imageRegistries: Record<string, string[]> }
  findings: Diagnosis[]
  /** With --cluster: why the cluster could not be asked (the offline part is complete). */
  clusterError?: CfpullError
  exitCode: ExitCodeValue
}

interface K8sList<T> {
  items?: T[]
}
interface PodJson {
  metadata?: { name?: string }
  spec?: {
    imagePullSecrets?: Array<{ name?: string }>
    containers?: Array<{ name?: string; image?: string }>
    initContainers?: Array<{ name?: string; image?: string }>
  }
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] }
}
interface ContainerStatus {
  name?: string
  image?: string
  state?: { waiting?: { reason?: string; message?: string } }
}
interface EventJson {
  involvedObject?: { kind?: string; name?: string }
  reason?: string
  message?: string
  lastTimestamp?: string
}

const PULL_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull'])

// Why a Secret of another type cannot be fixed where it is.
const TYPE_IS_FIXED = `the kubelet reads pull credentials only from ${PULL_SECRET_TYPES.join(' or ')}, and a Secret's type cannot be changed in place`
// Why patching the values does not reach plugins already installed.
const SUPERVISOR_REUSES = 'the supervisor reuses an installed plugin (it goes by the Service) as it is'

/**
 * `cfpull doctor`: says why an install cannot pull. Offline from the values; with --cluster,
 * also from what kubectl reads (secrets are read only for their registry hosts).
 */
export async function doctor(
  opts: DoctorOptions,
  deps: { run: Runner; env: Record<string, string | undefined> },
): Promise<DoctorResult> {
  if (opts.chartVersion && opts.chartValues)
    throw new UsageError('--chart-version and --chart-values cannot be combined')
  const pre: Diagnosis[] = []
  const chart = await doctorChart(opts, deps, pre)
  const fromRelease = opts.valuesFromRelease === true
  const text = fromRelease ? await releaseValues(opts, deps) : await readText(opts.values)
  // A HelmRelease or Application: its values are what helm gets, and the fixes patch the manifest itself.
  const manifest = !fromRelease && isGitOpsManifest(text)
  const ctx = { ...fixContext(opts, chart), ...(manifest && { manifest: opts.values }) }
  const { data } = readValuesData(text, opts.values)
  const values = diagnoseValues(data, chart, ctx)
  // The chart the model took (the values' own evidence when none was given), as the other findings use.
  const taken = values.model.chart
  const images = imageHostFindings(data, taken.info, values.model, {
    ...ctx,
    chart: { ...ctx.chart, version: taken.info.version, source: taken.source },
  })
  const findings = [...pre, ...values.findings, ...images.findings]
  const result: DoctorResult = {
    values,
    ...(images.hosts && { imageHosts: images.hosts }),
    findings,
    exitCode: ExitCode.Ok,
  }
  if (opts.cluster) {
    // The offline part stands on its own: when the cluster cannot be asked, it is still the
    // report, with the cluster's error after it (and its exit code: the diagnosis is partial).
    const cluster: Diagnosis[] = []
    try {
      result.cluster = await inspectCluster(opts, deps, values, cluster, ctx)
      findings.push(...cluster)
    } catch (err) {
      if (!(err instanceof CfpullError) || err instanceof UsageError) throw err
      result.clusterError = err
    }
  }
  // A release's values can hold passwords: a finding that quotes one of them shows it hidden.
  if (fromRelease) result.findings = hideReleaseValues(result.findings, data)
  result.exitCode = result.clusterError
    ? result.clusterError.exitCode
    : findings.some((f) => f.severity === 'error')
      ? ExitCode.Findings
      : ExitCode.Ok
  return result
}

// The values file a fix names: read from the release there is none, so the user fills it in.
const RELEASE_VALUES_FILE = '<values file>'

function valuesFileOf(opts: DoctorOptions): string {
  return opts.valuesFromRelease ? RELEASE_VALUES_FILE : opts.values
}

/** The release's values (helm get values --all), as YAML text; never printed. */
async function releaseValues(
  opts: DoctorOptions,
  deps: { run: Runner; env: Record<string, string | undefined> },
): Promise<string> {
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
  const text = await helmGetAllValues(deps.run, toolBinary('helm', deps.env), t, opts.namespace, opts.release)
  if (text === null)
    throw new UsageError(
      `no release ${opts.release} in namespace ${opts.namespace} to read the values of: pass -f <values file>, or the release's --release and -n`,
    )
  return text
}

// Keys whose values are credentials in Cloudforet's values (TOKEN, rootPassword, secret_key, auth…);
// the pull secrets' names (imagePullSecrets, image_pull_secrets) are what doctor is about.
const SENSITIVE_KEY = /pass|secret|token|key|credential|auth/i
const PULL_SECRETS_KEY = /pull_?secrets?$/i

/**
 * Findings with every value of the release that they quote hidden: each string value in the
 * JSON quotes the findings use for a value found, and anywhere the value of a key that names a
 * credential. Secret names and namespaces the findings are about are kept (they are not quoted).
 */
function hideReleaseValues(findings: Diagnosis[], data: unknown): Diagnosis[] {
  const hidden: string[] = []
  const walk = (v: unknown, sensitive: boolean): void => {
    if (typeof v === 'string') {
      hidden.push(JSON.stringify(v))
      if (sensitive && v.length >= 4) hidden.push(v)
    } else if (Array.isArray(v)) for (const x of v) walk(x, sensitive)
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, sensitive || (SENSITIVE_KEY.test(k) && !PULL_SECRETS_KEY.test(k)))
  }
  walk(data, false)
  // Longest first, so a value inside another is not left half-hidden.
  hidden.sort((a, b) => b.length - a.length)
  const hide = (text: string) => hidden.reduce((t, h) => t.split(h).join('<hidden>'), text)
  return findings.map((f) => ({ ...f, message: hide(f.message), ...(f.fix !== undefined && { fix: hide(f.fix) }) }))
}

/** The options in force, for every fix doctor prints. */
function fixContext(opts: DoctorOptions, chart: ChartChoice): FixContext {
  return {
    files: [valuesFileOf(opts)],
    chart: {
      version: chart.info.version,
      source: chart.source,
      ...(chart.valuesFile && { valuesFile: chart.valuesFile }),
    },
    releaseNamespace: opts.namespace,
    release: opts.release,
    ...(opts.secret && { secrets: [opts.secret] }),
    ...(opts.onlyPresent && { onlyPresent: true }),
    ...(opts.services && { services: opts.services }),
    ...(opts.exclude && { exclude: opts.exclude }),
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
}

// The chart: the flag, else (with --cluster) the deployed release's, else the default.
async function doctorChart(
  opts: DoctorOptions,
  deps: { run: Runner; env: Record<string, string | undefined> },
  findings: Diagnosis[],
): Promise<ChartChoice> {
  if (opts.chartValues)
    return chooseChart({
      valuesInfo: chartFromValues(await readText(opts.chartValues), opts.chartValues),
      valuesFile: opts.chartValues,
    })
  if (opts.chartVersion || !opts.cluster)
    return chooseChart({ ...(opts.chartVersion && { version: opts.chartVersion }) })
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
  try {
    const rel = await helmRelease(deps.run, toolBinary('helm', deps.env), t, opts.namespace, opts.release)
    const version = rel && chartVersionOf(rel.chart)
    if (version && knownChartVersions().includes(version.replace(/^v/, '')))
      return chooseChart({ fromRelease: version })
    if (version) {
      const unknown = `release ${opts.release} in ${opts.namespace} runs chart ${rel.chart}, a version cfpull does not know`
      findings.push({
        severity: 'warning',
        code: 'chart-unknown',
        message: `${unknown}: checking against the default chart; pass --chart-values with its \`helm show values\``,
      })
    }
  } catch (err) {
    if (!(err instanceof CfpullError)) throw err
    // No cluster is said once, as the cluster part's error (kubectl finds none either).
    if (err instanceof NoClusterError) return chooseChart({})
    findings.push({
      severity: 'warning',
      code: 'chart-unread',
      message: `cannot read the deployed chart version (${err.message}): checking against the default chart; pass --chart-version`,
    })
  }
  return chooseChart({})
}

async function inspectCluster(
  opts: DoctorOptions,
  deps: { run: Runner; env: Record<string, string | undefined> },
  v: ValuesDiagnosis,
  findings: Diagnosis[],
  ctx: FixContext,
): Promise<NonNullable<DoctorResult['cluster']>> {
  if (v.secrets.length === 0) throw new UsageError('no secret name to look for: pass --secret <name>')
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    bin: toolBinary('kubectl', deps.env),
  }
  const get = <T>(args: string[], what: string): Promise<T> => kubectlJson<T>(deps.run, t, args, `doctor: ${what}`)
  const placements = secretPlacements(v.model, opts.namespace)
  const namespaces = [...new Set(placements.map((p) => p.namespace))]
  const podNamespaces = [
    ...new Set([v.namespaces.core ?? opts.namespace, v.namespaces.supervisor ?? opts.namespace, v.namespaces.plugins]),
  ]
  const fixCtx: FixContext = { ...ctx, secrets: v.secrets }
  const createFix = (name: string) => createSecretCommand(fixCtx, name, { values: valuesFileOf(opts), model: v.model })

  // Under Flux or Argo CD the values that count are in git: fixes patch the manifest, never upgrade by hand.
  const gitops = await observeGitOpsOwner(deps.run, t, [
    opts.namespace,
    v.namespaces.core ?? opts.namespace,
    v.namespaces.supervisor ?? opts.namespace,
  ])
  const owner = gitops.finding.owner
  if (owner)
    findings.push({
      severity: 'warning',
      code: 'gitops-owner',
      message: `${describeOwner(owner)} ${owner.controller === 'flux' ? 'owns this release' : 'renders this install'} (${ownerEvidence(owner)}): change its values in the manifest in git, not with helm upgrade or cfpull apply (which refuses); the fixes here patch that file`,
      fix: manifestPatchCommand(fixCtx),
    })
  const note = gitops.finding.couldNotCheck ?? gitops.finding.note
  if (note) findings.push({ severity: 'info', code: 'gitops-unknown', message: note })
  const upgradeFix = (change: Parameters<typeof applyCommand>[1] = {}) =>
    owner ? manifestPatchCommand(fixCtx) : applyCommand(fixCtx, change)

  const secrets: SecretState[] = []
  const imageRegistries: Record<string, string[]> = {}
  const failingPods: FailingPod[] = []
  // In parallel, but the error reported is the first in placement order, whichever fails first.
  const settled = await Promise.allSettled(
    placements.map(async ({ namespace, name }) => {
      const out = await kubectl(
        deps.run,
        t,
        ['get', 'secret', name, '-n', namespace, '--ignore-not-found', '-o', 'json'],
        `doctor: get secret ${name} in ${namespace}`,
      )
      if (!out.trim()) return secrets.push({ namespace, name, present: false, registries: [] })
      let s: { type?: string; data?: Record<string, string> }
      try {
        s = JSON.parse(out) as typeof s
      } catch {
        throw new ToolFailedError(
          'kubectl',
          undefined,
          '',
          `doctor: get secret ${name} in ${namespace}`,
          undefined,
          'printed something that is not JSON',
        )
      }
      secrets.push({
        namespace,
        name,
        present: true,
        type: s.type ?? '',
        registries:
          s.type === 'kubernetes.io/dockercfg'
            ? registryHostsOfDockerConfig(s.data?.['.dockercfg'] ?? '', true)
            : registryHostsOfDockerConfig(s.data?.['.dockerconfigjson'] ?? ''),
      })
    }),
  )
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason

  secrets.sort(
    (a, b) => namespaces.indexOf(a.namespace) - namespaces.indexOf(b.namespace) || a.name.localeCompare(b.name),
  )
  for (const s of secrets) {
    if (!s.present)
      findings.push({
        severity: 'error',
        code: 'secret-missing',
        namespace: s.namespace,
        message: `Secret ${s.name} does not exist in ${s.namespace}: pods there cannot pull private images`,
        fix: createFix(s.name),
      })
    else if (!PULL_SECRET_TYPES.includes(s.type ?? ''))
      findings.push({
        severity: 'error',
        code: 'secret-type',
        namespace: s.namespace,
        message: `Secret ${s.name} in ${s.namespace} has type ${s.type || '(none)'}; ${TYPE_IS_FIXED}`,
        fix: replaceFix(fixCtx, s.name, s.namespace),
      })
    else
      findings.push({
        severity: 'info',
        code: 'secret-present',
        namespace: s.namespace,
        message: `Secret ${s.name} in ${s.namespace} has credentials for ${s.registries.join(', ') || 'no registry'}`,
      })
  }

  for (const namespace of podNamespaces) {
    const pods =
      (await get<K8sList<PodJson>>(['get', 'pods', '-n', namespace], `list pods in ${namespace}`)).items ?? []
    const registries = new Set<string>()
    for (const pod of pods) {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])])
        if (c.image) registries.add(registryOfImage(c.image))
      for (const st of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
        const reason = st.state?.waiting?.reason
        if (reason && PULL_FAILURES.has(reason))
          failingPods.push({
            namespace,
            pod: pod.metadata?.name ?? '',
            image: st.image ?? '',
            reason,
            pullSecrets: (pod.spec?.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
            ...(st.state?.waiting?.message && { event: st.state.waiting.message }),
          })
      }
    }
    imageRegistries[namespace] = [...registries].sort()
    const here = secrets.filter(
      (s) => s.namespace === namespace && s.present && PULL_SECRET_TYPES.includes(s.type ?? ''),
    )
    const covered = new Set(here.flatMap((s) => s.registries))
    const holders = `${here.map((s) => s.name).join(', ')} there ${here.length === 1 ? 'has' : 'have'}`
    const coveredList = [...covered].join(', ') || 'no registry'
    for (const r of registries)
      if (here.length && r !== 'docker.io' && !covered.has(r))
        findings.push({
          severity: 'warning',
          code: 'registry-mismatch',
          namespace,
          message: `images from ${r} run in ${namespace}, but ${holders} credentials only for ${coveredList}`,
        })
  }

  if (failingPods.length) {
    const byNs = [...new Set(failingPods.map((p) => p.namespace))]
    const events = new Map<string, string>()
    for (const namespace of byNs) {
      const list =
        (await get<K8sList<EventJson>>(['get', 'events', '-n', namespace], `list events in ${namespace}`)).items ?? []
      for (const e of list)
        if (e.involvedObject?.kind === 'Pod' && e.involvedObject.name && /pull/i.test(`${e.reason} ${e.message}`))
          events.set(`${namespace}/${e.involvedObject.name}`, e.message ?? '')
    }
    for (const p of failingPods) {
      const event = events.get(`${p.namespace}/${p.pod}`) ?? p.event
      if (event) p.event = event
      const wanted = p.namespace === v.namespaces.plugins && !podIsCore(p.namespace) ? v.pluginSecrets : v.secrets
      const lacks = wanted.filter((s) => !p.pullSecrets.includes(s))
      const missingHere = secrets.find((s) => s.namespace === p.namespace && !s.present)
      const replace = () => {
        const name = p.pullSecrets[0] ?? v.secrets[0]!
        // A legacy dockercfg Secret is converted (its registries kept) only with --replace.
        const legacy = secrets.some(
          (s) => s.namespace === p.namespace && s.name === name && s.type === 'kubernetes.io/dockercfg',
        )
        return createSecretCommand(fixCtx, name, { namespaces: [p.namespace], replace: legacy })
      }
      const fix = lacks.length
        ? owner
          ? manifestPatchCommand(fixCtx)
          : `${patchCommand(fixCtx)} && ${applyCommand(fixCtx)}`
        : missingHere
          ? createFix(missingHere.name)
          : `check the credentials for ${registryOfImage(p.image)} in Secret ${p.pullSecrets.join(', ')}; to replace them: ${replace()}`
      const pullSecrets = `pull secrets: ${p.pullSecrets.join(', ') || 'none'}${event ? `; ${event}` : ''}`
      findings.push({
        severity: 'error',
        code: 'image-pull-failing',
        namespace: p.namespace,
        message: `pod ${p.pod} in ${p.namespace} cannot pull ${p.image} (${p.reason}); ${pullSecrets}`,
        fix,
      })
    }
  }

  for (const namespace of [
    ...new Set([v.namespaces.core ?? opts.namespace, v.namespaces.supervisor ?? opts.namespace]),
  ]) {
    const deployments = pluginDeployments(
      await get(
        ['get', 'deployment', '-n', namespace, '-l', `${INSTANCE_LABEL}=${opts.release}`],
        `list ${opts.release} deployments in ${namespace}`,
      ),
    )
    const stale = deployments.filter((d) => !v.secrets.every((s) => d.pullSecrets.includes(s)))
    if (stale.length) {
      const which = `${count(stale.length, 'deployment')} of ${opts.release} in ${namespace}`
      findings.push({
        severity: 'error',
        code: 'release-deployment-missing-secret',
        namespace,
        message: `${which} run without ${v.secrets.join(', ')}: ${stale.map((d) => d.name).join(', ')} (the values and the cluster disagree)`,
        fix: upgradeFix(),
      })
    }
  }
  const { pairs, orphans } = pluginPairs(
    pluginObjects(
      await get(
        ['get', 'deployment,service', '-n', v.namespaces.plugins, '-l', PLUGIN_LABEL],
        `list plugins in ${v.namespaces.plugins}`,
      ),
    ),
  )
  const pluginSecrets = v.pluginSecrets
  const stalePlugins = pairs.filter((pair) => staleReasons(pair, pluginSecrets).length)
  if (stalePlugins.length) {
    const names = stalePlugins.map((pair) => pair.deployment.name).join(', ')
    const byName = 'by name: deleting by plugin_id alone also removes the versions that work'
    const mustGo = `so each one's Deployment AND Service must go (${byName}) for it to be recreated with the secret`
    const recreate = owner
      ? 'apply refuses under a GitOps owner, so delete them with kubectl, by name'
      : 'apply --recreate-plugins does that and waits for it'
    findings.push({
      severity: 'warning',
      code: 'plugin-deployment-missing-secret',
      namespace: v.namespaces.plugins,
      message: `plugin deployments ${names} lack ${pluginSecrets.join(', ')}; ${SUPERVISOR_REUSES}, ${mustGo}: ${recreate}`,
      // apply refuses under a GitOps owner; the supervisor's plugins are not in git, so they go by kubectl.
      fix: owner
        ? deletePluginsCommand(
            fixCtx,
            v.namespaces.plugins,
            stalePlugins.flatMap((pair) => [pair.deployment, ...(pair.service ? [pair.service] : [])]),
          )
        : upgradeFix({ recreatePlugins: true }),
    })
  }
  // A Service whose Deployment is gone (a delete cut off half-way): the supervisor counts the
  // plugin as installed, so it never makes it again, and it cannot run.
  for (const o of orphans)
    findings.push({
      severity: 'error',
      code: 'plugin-service-orphaned',
      namespace: o.namespace,
      message: `plugin Service ${o.name} in ${o.namespace} has no Deployment: the supervisor counts ${pluginLabel(o)} as installed and never makes it again`,
      fix: kubectlCommand(fixCtx, ['delete', 'service', o.name, '-n', o.namespace]),
    })
  return { secrets, failingPods, imageRegistries }

  function podIsCore(namespace: string): boolean {
    return (
      namespace === (v.namespaces.core ?? opts.namespace) || namespace === (v.namespaces.supervisor ?? opts.namespace)
    )
  }
}

// A Secret's type is immutable: create-secret --replace deletes and recreates it.
function replaceFix(ctx: FixContext, name: string, namespace: string): string {
  return createSecretCommand(ctx, name, { namespaces: [namespace], replace: true })
}
