// The preflight: a list of separate read-only checks, each returning its findings. A check reads
// what earlier ones found from `facts` and skips itself when its inputs are missing (their
// absence is already a finding), so adding a check is adding a module to the list in index.ts.
import type { KubeTarget } from '../../../adapters/kubectl.js'
import type { HistoryPlan, ValuesMode } from '../../../core/apply-plan.js'
import { LATEST_CHART_VERSION, chartInfo, type ChartInfo } from '../../../core/cloudforet/charts.js'
import type { ChartChoice, InstallModel } from '../../../core/cloudforet/install-model.js'
import type { ManagedPluginRoute } from '../../../core/cloudforet/plugin-images.js'
import type { CredentialEntry } from '../../../core/credentials/docker-config.js'
import type { Finding } from '../../../core/errors.js'
import type { GitOpsOwner } from '../../../core/gitops.js'
import { parseHelmPassthrough, pinnedVersion, type HelmPassthrough } from '../../../core/helm-passthrough.js'
import type { RenderedImages } from '../../../core/images/rendered-images.js'
import type { SecretLookup } from '../../pull-check.js'
import type { RecordedInput } from './inputs.js'
import type { ApplyDeps, ApplyOptions, ApplyResult, StepResult } from '../types.js'

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
  /** Flux or Argo CD, when one owns the install (gitops-owner.ts). */
  gitOpsOwner?: GitOpsOwner
  text?: string
  data?: unknown
  releaseExists?: boolean
  history?: HistoryPlan
  /** The arguments after `--`, sorted by what they do to the render (core/helm-passthrough.ts). */
  passthrough: HelmPassthrough
  /** The version given (cfpull's --version, or --version after `--`): it pins the upgrade. */
  pinned?: string
  /** The chart version the upgrade installs: the pinned one, the deployed one, or a local chart's own. */
  version?: string
  chartName: string
  /** A local chart (path): helm ignores --version there, so its Chart.yaml says what is installed. */
  localChart?: { path: string; name: string; version: string }
  /** The chart check found the chart cannot be named (chart.ts): no version, so nothing renders. */
  chartUnknown?: boolean
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
  /** How the values build managed plugin references (core/cloudforet/plugin-images.ts), when known. */
  pluginRoute?: ManagedPluginRoute
  rendered?: RenderedImages
  /** What helm template printed: every object the upgrade will write (the permission check reads it). */
  manifest?: string
  /** `${namespace}/${name}` → the Secret's entries (kept in memory only), null when absent or unreadable. */
  secrets: Map<string, CredentialEntry[] | null>
  /** `${namespace}/${name}` → the type of each Secret read (a legacy dockercfg one is replaced to be fixed). */
  secretTypes: Map<string, string | undefined>
  /** The same Secrets as the pull check reads them, credentials included (memory only, never printed). */
  keyrings: Map<string, SecretLookup>
  /** Distinct images the registries were asked for; undefined when the pull check did not run. */
  pulls?: number
  imageCount: number
  generations: Map<string, Map<string, number>>
  /** The files and local chart helm upgrade reads, as the preflight read them (inputs.ts). */
  inputs: RecordedInput[]
}

export type PreflightCheck = (ctx: PreflightContext) => Promise<Finding[]> | Finding[]

/**
 * The arguments after `--` and the version they pin, read before anything runs: an argument
 * cfpull cannot account for is a UsageError (exit 2) before the first tool call.
 */
export function readPassthrough(opts: ApplyOptions): { passthrough: HelmPassthrough; pinned?: string } {
  const passthrough = parseHelmPassthrough(opts.helmArgs)
  const pinned = pinnedVersion(opts.version, passthrough.version)
  return { passthrough, ...(pinned !== undefined && { pinned }) }
}

export function initialFacts(opts: ApplyOptions, read = readPassthrough(opts)): Facts {
  const chart = chartInfo(LATEST_CHART_VERSION)
  return {
    toolsOk: false,
    ...read,
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
    secretTypes: new Map(),
    keyrings: new Map(),
    imageCount: 0,
    generations: new Map(),
    inputs: [],
  }
}
