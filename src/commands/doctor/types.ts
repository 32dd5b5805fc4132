import type { KubeTarget } from '../../adapters/kubectl.js'
import type { Runner } from '../../adapters/run.js'
import type { Diagnosis, ValuesDiagnosis } from '../../core/diagnose.js'
import type { CfpullError, ExitCodeValue } from '../../core/errors.js'
import type { FixContext } from '../../core/fix-command.js'
import type { GitOpsOwner } from '../../core/gitops.js'
import type { ImageHost } from '../../core/images/image-hosts.js'
import type { FailingPod } from '../../core/pod-pulls.js'

export type { FailingPod } from '../../core/pod-pulls.js'

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

export interface DoctorDeps {
  run: Runner
  env: Record<string, string | undefined>
}

export interface SecretState {
  namespace: string
  name: string
  present: boolean
  type?: string
  /** Registry hosts it has credentials for (never the credentials). */
  registries: string[]
}

export interface ClusterState {
  secrets: SecretState[]
  failingPods: FailingPod[]
  imageRegistries: Record<string, string[]>
}

export interface DoctorResult {
  values: ValuesDiagnosis
  /** The images the values make pods run, by registry host (for a chart cfpull has an image table for). */
  imageHosts?: ImageHost[]
  cluster?: ClusterState
  findings: Diagnosis[]
  /** With --cluster: why the cluster could not be asked (the offline part is complete). */
  clusterError?: CfpullError
  exitCode: ExitCodeValue
}

/** What every part of `doctor --cluster` reads from and adds to, in the order the report lists them. */
export interface ClusterScope {
  opts: DoctorOptions
  deps: DoctorDeps
  t: KubeTarget
  v: ValuesDiagnosis
  /** The fix context with the secrets the values name. */
  fixCtx: FixContext
  /** Flux or Argo CD, when one owns the install: fixes then patch the manifest. */
  owner?: GitOpsOwner
  findings: Diagnosis[]
  get: <T>(args: string[], what: string) => Promise<T>
}
