import { defaultDockerConfigPath, helperGet, readDockerConfigText } from '../adapters/docker-credentials.js'
import { readText } from '../adapters/files.js'
import { helmTemplate, helmTemplateArgs } from '../adapters/helm.js'
import { kubectlJson, type KubeTarget } from '../adapters/kubectl.js'
import { toolBinary, type Runner } from '../adapters/run.js'
import { PLUGIN_LABEL } from '../core/apply-plan.js'
import { LATEST_CHART_VERSION, knownChartVersions } from '../core/cloudforet/charts.js'
import { ExitCode, UsageError, type ExitCodeValue } from '../core/errors.js'
import type { FixContext } from '../core/fix-command.js'
import { buildInstallModel, chooseChart } from '../core/cloudforet/install-model.js'
import {
  fixFor,
  parsePlatform,
  pullKnownToFail,
  pullUnknown,
  type ImageLine,
  type ImageUse,
} from '../core/images/pull-check.js'
import { registryHostOf } from '../core/credentials/image-ref.js'
import {
  keyringEntry,
  keyringOfDockerConfig,
  kubeletLocation,
  type KeyringEntry,
} from '../core/credentials/docker-config.js'
import { parseDockerConfig, planDockerCredentials, registryKey } from '../core/credentials/registry-secret.js'
import { renderedImages } from '../core/images/rendered-images.js'
import { readValuesData } from '../core/gitops-manifest.js'
import { imagesFromValues } from '../core/images/values-images.js'
import { checkPulls, clusterPlatforms, readClusterSecrets, type SecretLookup } from './pull-check.js'

export interface DoctorPullOptions {
  values: string
  /** Render this chart with `helm template` (every image, chart defaults included). */
  chart?: string
  chartVersion?: string
  /** Credentials from the cluster's Secrets, images also from the live Deployments. */
  cluster: boolean
  namespace: string
  release: string
  secret?: string
  /** `os/arch[/variant]`; default linux/amd64, or the nodes' platforms with --cluster. */
  platforms?: string[]
  server?: string
  username?: string
  passwordStdin: boolean
  /** A docker config.json; '' for the default location. */
  fromDockerConfig?: string
  registryCa?: string
  /** Per registry request, in milliseconds. */
  timeoutMs?: number
  context?: string
  kubeconfig?: string
}

export interface DoctorPullDeps {
  run: Runner
  env: Record<string, string | undefined>
  readStdin: () => Promise<string>
  onProgress?: (done: number, total: number) => void
}

export interface DoctorPullLine extends ImageLine {
  fix?: string
}

export interface DoctorPullResult {
  values: string
  /** Where the images came from, in order: `values`, `chart <ref>`, `cluster`. */
  sources: string[]
  /** Where the credentials came from. */
  credentials: 'flags' | 'docker-config' | 'cluster' | 'none'
  platforms: string[]
  platformSource: 'flag' | 'nodes' | 'default'
  images: DoctorPullLine[]
  /** Services running a chart default image that was not checked (no --chart, no --cluster). */
  uncheckedDefaults: string[]
  notes: string[]
  checks: number
  /**
   * The registries that gave no answer from here, one entry each: their images are neither
   * passed nor failed. With nothing known to fail, they make the exit code 7.
   */
  unchecked: UncheckedRegistry[]
  exitCode: ExitCodeValue
}

/** A registry that could not be checked from here, and the images on it. */
export interface UncheckedRegistry {
  host: string
  /** What stopped the check (DNS, refused connection, TLS, timeout), as the adapter saw it. */
  reason: string
  images: string[]
  workloads: string[]
}

const PASSWORD_ENV = 'CFPULL_REGISTRY_PASSWORD'
const DEFAULT_PLATFORM = 'linux/amd64'

/**
 * `cfpull doctor --pull`: will every pod of this install be able to pull its image? Each image
 * is asked of its registry with the credential the kubelet would pick for its pod.
 */
export async function doctorPull(opts: DoctorPullOptions, deps: DoctorPullDeps): Promise<DoctorPullResult> {
  const flagCreds = opts.server !== undefined || opts.username !== undefined || opts.passwordStdin
  if (opts.cluster && (flagCreds || opts.fromDockerConfig !== undefined))
    throw new UsageError(
      '--cluster checks with the Secrets in the cluster, as the kubelet would: drop --docker-server/--docker-username/--password-stdin/--from-docker-config',
    )
  if (flagCreds && opts.fromDockerConfig !== undefined)
    throw new UsageError(
      'give the credentials once: --docker-server/--docker-username/--password-stdin or --from-docker-config',
    )
  const platformsFlag = (opts.platforms ?? []).map(parsePlatform)
  const text = await readText(opts.values)
  const { data } = readValuesData(text, opts.values)
  const known = opts.chartVersion && knownChartVersions().includes(opts.chartVersion.replace(/^v/, ''))
  const notes: string[] = []
  if (opts.chartVersion && !known && !opts.chart)
    notes.push(
      `chart version ${opts.chartVersion} is not one cfpull knows: services and namespaces as in ${LATEST_CHART_VERSION}`,
    )
  // The same model of the install as patch, doctor and apply: its namespaces and secret names.
  const choice = known ? chooseChart({ version: opts.chartVersion! }) : chooseChart({})
  const model = buildInstallModel(data, choice, opts.secret ? { secrets: [opts.secret] } : {})
  const chart = choice.info
  const ns = model.namespaces
  const t: KubeTarget = {
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
    bin: toolBinary('kubectl', deps.env),
  }

  // Which images.
  const sources: string[] = []
  const uses: ImageUse[] = []
  let uncheckedDefaults: string[] = []
  if (opts.chart) {
    sources.push(`chart ${opts.chart}${opts.chartVersion ? ` ${opts.chartVersion}` : ''}`)
    const args = helmTemplateArgs({
      release: opts.release,
      chart: opts.chart,
      namespace: opts.namespace,
      valuesFile: opts.values,
      ...(opts.chartVersion && { version: opts.chartVersion }),
    })
    const out = await helmTemplate(deps.run, toolBinary('helm', deps.env), args, `helm template ${opts.chart}`)
    uses.push(...usesOfManifests(out, opts.namespace, notes, 'the rendered chart'))
  } else {
    sources.push('values')
    const v = imagesFromValues(data, chart, ns, opts.namespace)
    uses.push(...v.uses)
    if (!opts.cluster) uncheckedDefaults = v.chartDefaults
  }

  let platforms = platformsFlag
  let platformSource: DoctorPullResult['platformSource'] = platformsFlag.length ? 'flag' : 'default'
  let secret: (namespace: string, name: string) => SecretLookup
  let credentials: DoctorPullResult['credentials'] = 'none'
  if (opts.cluster) {
    sources.push('cluster')
    const coreNs = [...new Set([ns.core ?? opts.namespace, ns.supervisor ?? opts.namespace])]
    for (const n of coreNs) {
      const list = await kubectlJson<unknown>(
        deps.run,
        t,
        ['get', 'deployment', '-n', n],
        `doctor: list deployments in ${n}`,
      )
      uses.push(...usesOfManifests(JSON.stringify(list), n, notes, `the deployments in ${n}`))
    }
    const plugins = await kubectlJson<unknown>(
      deps.run,
      t,
      ['get', 'deployment', '-n', ns.plugins, '-l', PLUGIN_LABEL],
      `doctor: list plugin deployments in ${ns.plugins}`,
    )
    uses.push(...usesOfManifests(JSON.stringify(plugins), ns.plugins, notes, `the plugin deployments in ${ns.plugins}`))
    if (!platformsFlag.length) {
      const nodes = await clusterPlatforms(deps.run, t)
      platforms = nodes.platforms
      if (nodes.note) notes.push(`${nodes.note} (pass --platform to choose)`)
      else platformSource = 'nodes'
    }
    const secrets = await readClusterSecrets(deps.run, t, uses)
    secret = (namespace, name) => secrets.get(`${namespace}/${name}`) ?? { missing: true }
    credentials = 'cluster'
  } else {
    const entries = await offlineKeyring(opts, deps, uses)
    if (entries) credentials = opts.fromDockerConfig !== undefined ? 'docker-config' : 'flags'
    const names = new Set(opts.secret ? [opts.secret] : uses.flatMap((u) => u.pullSecrets))
    // Offline there is no Secret to read: the credentials given stand for the Secret the pods name.
    secret = (_namespace, name) =>
      !entries
        ? {
            unreadable:
              'is not read offline (pass --docker-server/--docker-username/--password-stdin, --from-docker-config, or --cluster)',
          }
        : names.has(name)
          ? { entries: entries.map((e) => ({ ...e, secret: name })) }
          : { unreadable: `is not --secret ${opts.secret}` }
  }
  if (!platforms.length) platforms = [parsePlatform(DEFAULT_PLATFORM)]

  const ca = opts.registryCa ? [await readText(opts.registryCa)] : undefined
  const checked = await checkPulls(
    { uses, secret, platforms },
    {
      env: deps.env,
      ...(ca && { ca }),
      ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }),
      ...(deps.onProgress && { onProgress: deps.onProgress }),
    },
  )
  const fixCtx: FixContext = {
    files: [opts.values],
    chart: { version: chart.version, source: choice.source },
    releaseNamespace: opts.namespace,
    release: opts.release,
    secrets: model.serviceSecrets,
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.context && { context: opts.context }),
  }
  // "Could not check" is a different answer from "will not pull": no per-image fix for it.
  const images = checked.images.map((l): DoctorPullLine => {
    const fix = pullKnownToFail(l.status) ? fixFor(l, fixCtx) : undefined
    return { ...l, ...(fix && { fix }) }
  })
  const unchecked = uncheckedRegistries(images)
  return {
    values: opts.values,
    sources,
    credentials,
    platforms: checked.platforms,
    platformSource,
    images,
    uncheckedDefaults,
    notes,
    checks: checked.checks,
    unchecked,
    exitCode: images.some((l) => pullKnownToFail(l.status))
      ? ExitCode.Findings
      : unchecked.length
        ? ExitCode.Unchecked
        : ExitCode.Ok,
  }
}

function uncheckedRegistries(images: ImageLine[]): UncheckedRegistry[] {
  const byHost = new Map<string, UncheckedRegistry>()
  for (const l of images) {
    if (!pullUnknown(l.status)) continue
    const r = byHost.get(l.host) ?? { host: l.host, reason: l.detail ?? 'no answer', images: [], workloads: [] }
    r.images.push(l.image)
    r.workloads.push(...l.workloads.filter((w) => !r.workloads.includes(w)))
    byHost.set(l.host, r)
  }
  return [...byHost.values()].map((r) => ({ ...r, workloads: r.workloads.sort() }))
}

function usesOfManifests(text: string, namespace: string, notes: string[], what: string): ImageUse[] {
  const r = renderedImages(text, namespace)
  if (r.unreadable.length)
    notes.push(
      `${r.unreadable.length} document${r.unreadable.length === 1 ? '' : 's'} of ${what} could not be read: their images were not checked`,
    )
  return r.workloads.flatMap((w) =>
    [...new Set(w.containers.map((c) => c.image))].map((image) => ({
      image,
      workload: w.name,
      namespace: w.namespace,
      pullSecrets: w.imagePullSecrets,
    })),
  )
}

async function offlineKeyring(
  opts: DoctorPullOptions,
  deps: DoctorPullDeps,
  uses: readonly ImageUse[],
): Promise<KeyringEntry[] | undefined> {
  if (opts.fromDockerConfig !== undefined) {
    const file = opts.fromDockerConfig || defaultDockerConfigPath(deps.env)
    const text = await readDockerConfigText(file)
    // A syntax error names file:line:col (and never quotes the text).
    const config = parseDockerConfig(text, file)
    let entries = keyringOfDockerConfig(text) ?? []
    // As docker pull (and create-secret --from-docker-config) finds them: credHelpers[host], else
    // credsStore; the auths entry only when the helper has nothing for that registry.
    const hosts = [...new Set(uses.flatMap((u) => registryHostOf(u.image) ?? []))]
    for (const host of hosts) {
      const plan = planDockerCredentials(config, host)
      const location = kubeletLocation(host)
      if (!plan.helper || location === null) continue
      for (const url of plan.helperServerUrls) {
        const answer = await helperGet(deps.run, plan.helper.name, url)
        if (!answer.found || answer.identityToken) continue
        entries = entries.filter((e) => registryKey(e.key) !== registryKey(host))
        entries.unshift({ key: host, location, auth: { username: answer.username, password: answer.secret } })
        break
      }
    }
    return entries
  }
  if (opts.server === undefined && opts.username === undefined && !opts.passwordStdin) return undefined
  if (!opts.server || !opts.username)
    throw new UsageError('--docker-server and --docker-username go together (with the password on --password-stdin)')
  let password: string | undefined
  if (opts.passwordStdin) password = (await deps.readStdin()).replace(/\r?\n$/, '')
  else password = deps.env[PASSWORD_ENV]
  if (!password) throw new UsageError(`no registry password: pipe it to --password-stdin or set ${PASSWORD_ENV}`)
  return keyringEntry(opts.server, { username: opts.username, password })
}
