import { readText } from '../adapters/files.js'
import { kubectl, kubectlJson, type KubeTarget } from '../adapters/kubectl.js'
import { toolBinary, type Runner } from '../adapters/run.js'
import { INSTANCE_LABEL, PLUGIN_LABEL, pluginDeployments, secretNamespaces } from '../core/apply-plan.js'
import { chartInfo } from '../core/charts.js'
import {
  diagnoseValues,
  registryHostsOfDockerConfig,
  registryOfImage,
  type Diagnosis,
  type ValuesDiagnosis,
} from '../core/diagnose.js'
import { ExitCode, ToolFailedError, UsageError, type ExitCodeValue } from '../core/errors.js'
import { parseValues } from '../core/values.js'

export interface DoctorOptions {
  values: string
  secret?: string
  chartVersion?: string
  cluster: boolean
  /** The Helm release namespace: where pods go when the values set no namespace. */
  namespace: string
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
  cluster?: { secrets: SecretState[]; failingPods: FailingPod[]; imageRegistries: Record<string, string[]> }
  findings: Diagnosis[]
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

/**
 * `cfpull doctor`: says why an install cannot pull. Offline from the values; with --cluster,
 * also from what kubectl reads (secrets are read only for their registry hosts).
 */
export async function doctor(
  opts: DoctorOptions,
  deps: { run: Runner; env: Record<string, string | undefined> },
): Promise<DoctorResult> {
  const chart = chartInfo(opts.chartVersion)
  const { data } = parseValues(await readText(opts.values), opts.values)
  const values = diagnoseValues(data, chart, opts.values, opts.secret)
  const findings = [...values.findings]
  const result: DoctorResult = { values, findings, exitCode: ExitCode.Ok }
  if (opts.cluster) result.cluster = await inspectCluster(opts, deps, values, findings)
  result.exitCode = findings.some((f) => f.severity === 'error') ? ExitCode.Findings : ExitCode.Ok
  return result
}

async function inspectCluster(
  opts: DoctorOptions,
  deps: { run: Runner; env: Record<string, string | undefined> },
  v: ValuesDiagnosis,
  findings: Diagnosis[],
): Promise<NonNullable<DoctorResult['cluster']>> {
  if (v.secrets.length === 0) throw new UsageError('no secret name to look for: pass --secret <name>')
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    bin: toolBinary('kubectl', deps.env),
  }
  const get = <T>(args: string[], what: string): Promise<T> => kubectlJson<T>(deps.run, t, args, `doctor: ${what}`)
  const namespaces = secretNamespaces(v.namespaces, opts.namespace)
  const podNamespaces = [
    ...new Set([v.namespaces.core ?? opts.namespace, v.namespaces.supervisor ?? opts.namespace, v.namespaces.plugins]),
  ]
  const createFix = (ns: string) =>
    `cfpull create-secret --name ${v.secrets[0]} -n ${ns} --docker-server <registry> --docker-username <user> --password-stdin`

  const secrets: SecretState[] = []
  const imageRegistries: Record<string, string[]> = {}
  const failingPods: FailingPod[] = []
  await Promise.all(
    namespaces.flatMap((namespace) =>
      v.secrets.map(async (name) => {
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
          registries: registryHostsOfDockerConfig(s.data?.['.dockerconfigjson'] ?? ''),
        })
      }),
    ),
  )
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
        fix: createFix(s.namespace),
      })
    else if (s.type !== 'kubernetes.io/dockerconfigjson')
      findings.push({
        severity: 'error',
        code: 'secret-type',
        namespace: s.namespace,
        message: `Secret ${s.name} in ${s.namespace} has type ${s.type}; the kubelet only reads kubernetes.io/dockerconfigjson (or dockercfg) for pulls`,
        fix: createFix(s.namespace),
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
    const covered = new Set(secrets.filter((s) => s.namespace === namespace).flatMap((s) => s.registries))
    const secretHere = secrets.some((s) => s.namespace === namespace && s.present)
    for (const r of registries)
      if (secretHere && r !== 'docker.io' && !covered.has(r))
        findings.push({
          severity: 'warning',
          code: 'registry-mismatch',
          namespace,
          message: `images from ${r} run in ${namespace}, but ${v.secrets.join(', ')} there has credentials only for ${[...covered].join(', ') || 'nothing'}`,
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
      const lacks = v.secrets.filter((s) => !p.pullSecrets.includes(s))
      const missingHere = secrets.some((s) => s.namespace === p.namespace && !s.present)
      const fix = lacks.length
        ? `the pod spec lacks ${lacks.join(', ')}: cfpull patch ${opts.values} --secret ${v.secrets[0]} && cfpull apply -n ${opts.namespace} -f ${opts.values}`
        : missingHere
          ? createFix(p.namespace)
          : `check the credentials for ${registryOfImage(p.image)} in Secret ${p.pullSecrets.join(', ')} (cfpull create-secret … to replace them)`
      findings.push({
        severity: 'error',
        code: 'image-pull-failing',
        namespace: p.namespace,
        message: `pod ${p.pod} in ${p.namespace} cannot pull ${p.image} (${p.reason}); pull secrets: ${p.pullSecrets.join(', ') || 'none'}${event ? `; ${event}` : ''}`,
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
    if (stale.length)
      findings.push({
        severity: 'error',
        code: 'release-deployment-missing-secret',
        namespace,
        message: `${stale.length} deployment${stale.length === 1 ? '' : 's'} of ${opts.release} in ${namespace} run without ${v.secrets.join(', ')}: ${stale.map((d) => d.name).join(', ')} (the values and the cluster disagree)`,
        fix: `cfpull apply -n ${opts.namespace} -f ${opts.values}`,
      })
  }
  const plugins = pluginDeployments(
    await get(
      ['get', 'deployment', '-n', v.namespaces.plugins, '-l', PLUGIN_LABEL],
      `list plugin deployments in ${v.namespaces.plugins}`,
    ),
  )
  const pluginSecrets = v.plugins.configured.length ? v.plugins.configured : v.secrets
  const stalePlugins = plugins.filter((d) => !pluginSecrets.every((s) => d.pullSecrets.includes(s)))
  if (stalePlugins.length)
    findings.push({
      severity: 'warning',
      code: 'plugin-deployment-missing-secret',
      namespace: v.namespaces.plugins,
      message: `plugin deployments ${stalePlugins.map((d) => d.name).join(', ')} lack ${pluginSecrets.join(', ')}; the supervisor reuses an installed plugin (it goes by the Service) as it is, so each one's Deployment AND Service must go (kubectl -n ${v.namespaces.plugins} delete deploy,svc -l plugin_id=<id>) for it to be recreated with the secret: apply --recreate-plugins does that and waits for it`,
      fix: `cfpull apply -n ${opts.namespace} -f ${opts.values} --recreate-plugins`,
    })
  return { secrets, failingPods, imageRegistries }
}
