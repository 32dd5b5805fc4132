// The one builder of every command cfpull prints as `fix:` or `next:` (and the GitHub Action's
// annotations). A printed command must do what it says when run as printed, in the same
// context: the same files, chart version, narrowing flags, plugin flags, secret names and
// cluster target. So every line is built here from the model and the options in force.
import type { ChartChoice, FixIntent, InstallModel, InstallOptions } from './cloudforet/install-model.js'
import { namespacesFor } from './cloudforet/install-model.js'

/** The options in force where a fix is printed. */
export interface FixContext extends InstallOptions {
  /** The values files the command read. */
  files: string[]
  chart: Pick<ChartChoice, 'source' | 'valuesFile'> & { version: string }
  /** The Helm release namespace (-n of apply and doctor), where unset namespaces fall. */
  releaseNamespace?: string
  release?: string
  /** The HelmRelease or Application manifest the values came from, when they did. */
  manifest?: string
  kubeconfig?: string
  context?: string
  /** The chart reference (--chart), when not the default: apply renders the same one. */
  chartRef?: string
  /** The private CA the registries use (--registry-ca): apply's pull check needs it too. */
  registryCa?: string
}

/**
 * What the user fills in where cfpull cannot know the value. Core and the messages use the
 * readable token (`<registry>`); a command line prints it as `"${REGISTRY:?set REGISTRY to your
 * registry host}"`, so a line pasted before the variable is set stops with that message instead
 * of the shell reading `<registry>` as a redirection, and once it is set the line runs as is.
 */
export const PLACEHOLDERS: ReadonlyMap<string, { variable: string; what: string }> = new Map([
  ['<name>', { variable: 'SECRET_NAME', what: 'the pull Secret name' }],
  ['<registry>', { variable: 'REGISTRY', what: 'your registry host' }],
  ['<user>', { variable: 'REGISTRY_USER', what: 'your registry user name' }],
  ['<release namespace>', { variable: 'RELEASE_NAMESPACE', what: 'the Helm release namespace' }],
  ['<version>', { variable: 'CHART_VERSION', what: 'the spaceone chart version' }],
  ['<region>', { variable: 'AWS_REGION', what: 'the region of your ECR registry' }],
  ['<manifest>', { variable: 'MANIFEST', what: 'the HelmRelease or Application file in git' }],
  ['<values file>', { variable: 'VALUES_FILE', what: 'the values file the release is installed from' }],
])

// Characters no POSIX shell (nor zsh, bash or fish) treats specially inside a word; anything else is
// single-quoted. A leading `=` is quoted too: zsh expands `=cmd` to the path of cmd.
const PLAIN = /^[\w@%+:,./-][\w@%+=:,./-]*$/

/** One argument as a POSIX shell word: bare when nothing in it is special, else single-quoted. */
export function shellQuote(arg: string): string {
  const p = PLACEHOLDERS.get(arg)
  if (p) return `"\${${p.variable}:?set ${p.variable} to ${p.what}}"`
  if (PLAIN.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/** Joins an argv into one line a POSIX shell runs as that argv (placeholders as `"${VAR:?…}"`). */
export function commandLine(argv: string[]): string {
  return argv.map(shellQuote).join(' ')
}

function chartArgs(ctx: FixContext, chartVersion?: string): string[] {
  if (chartVersion) return ['--chart-version', chartVersion]
  if (ctx.chart.source === 'chart-values' && ctx.chart.valuesFile) return ['--chart-values', ctx.chart.valuesFile]
  if (ctx.chart.source === 'flag' || ctx.chart.source === 'release') return ['--chart-version', ctx.chart.version]
  return []
}

function narrowingArgs(o: InstallOptions): string[] {
  return [
    ...(o.onlyPresent ? ['--only-present'] : []),
    ...(o.services?.length ? ['--services', o.services.join(',')] : []),
    ...(o.exclude?.length ? ['--exclude', o.exclude.join(',')] : []),
  ]
}

function clusterArgs(ctx: FixContext): string[] {
  return [
    ...(ctx.kubeconfig ? ['--kubeconfig', ctx.kubeconfig] : []),
    ...(ctx.context ? ['--context', ctx.context] : []),
  ]
}

/** `cfpull patch FILES --secret S …` with every flag in force, changed by `over`. */
export function patchCommand(
  ctx: FixContext,
  over: Partial<InstallOptions> & { chartVersion?: string; files?: string[] } = {},
): string {
  const o: InstallOptions = { ...ctx, ...over }
  // --registry alone rewrites images and needs no secret.
  const secrets = o.secrets?.length ? o.secrets : o.registry ? [] : ['<name>']
  const plugins = o.plugins && o.plugins !== 'auto' ? ['--plugins', o.plugins] : []
  return commandLine([
    'cfpull',
    'patch',
    ...(over.files ?? ctx.files),
    ...(secrets.length ? ['--secret', secrets.join(',')] : []),
    ...(o.registry ? ['--registry', o.registry] : []),
    ...(o.registry && o.replaceRegistry ? ['--replace-registry'] : []),
    ...chartArgs(ctx, over.chartVersion),
    ...narrowingArgs(o),
    ...plugins,
    ...(o.pluginRegistry ? ['--plugin-registry', o.pluginRegistry] : []),
    ...(o.managedRegistry && o.pluginRegistry ? ['--managed-registry'] : []),
    ...(o.replacePluginSecret ? ['--replace-plugin-secret'] : []),
  ])
}

/**
 * The patch of a values key held in a ConfigMap or Secret (a HelmRelease's valuesFrom): the key
 * read with kubectl and patched on stdin, so the patched values are printed to put back.
 */
export function valuesKeyPatchCommand(
  ctx: FixContext,
  object: { kind: 'ConfigMap' | 'Secret'; name: string; namespace: string; key: string },
  chartVersion?: string,
): string {
  const get = commandLine([
    'kubectl',
    'get',
    object.kind.toLowerCase(),
    object.name,
    '-n',
    object.namespace,
    ...clusterArgs(ctx),
    '-o',
    `jsonpath={.data.${object.key.replace(/\./g, '\\.')}}`,
  ])
  const decode = object.kind === 'Secret' ? ['base64 -d'] : []
  return [get, ...decode, patchCommand(ctx, { files: ['-'], ...(chartVersion && { chartVersion }) })].join(' | ')
}

/**
 * Under a GitOps controller the values live in its manifest (a HelmRelease or an Application):
 * the patch of that file, which the user names, instead of helm upgrade or cfpull apply.
 */
export function manifestPatchCommand(ctx: FixContext): string {
  return patchCommand(ctx, { files: [ctx.manifest ?? '<manifest>'] })
}

/**
 * Deletes stale plugin versions by name, each Deployment with its own Service, so the supervisor
 * recreates them with the secret. By name: a plugin_id label also matches the versions that work.
 */
export function deletePluginsCommand(
  ctx: FixContext,
  namespace: string,
  objects: Array<{ kind: 'Deployment' | 'Service'; name: string }>,
): string {
  const refs = objects.map((o) => `${o.kind === 'Deployment' ? 'deployment' : 'service'}/${o.name}`)
  return kubectlCommand(ctx, ['delete', ...refs, '-n', namespace])
}

/** The fix a model notice asks for, in this context. */
export function fixForIntent(ctx: FixContext, intent: FixIntent): string {
  return patchCommand(ctx, intent.with ?? {})
}

const CREDENTIALS = ['--docker-server', '<registry>', '--docker-username', '<user>', '--password-stdin']

/**
 * `cfpull create-secret` for one name. With a values file, `--values` gives the namespaces (the
 * model's, for that name), plus `-n` for the release namespace when the values leave one unset.
 */
export function createSecretCommand(
  ctx: FixContext,
  name: string,
  o: { values?: string; model?: InstallModel; namespaces?: string[]; replace?: boolean; server?: string } = {},
): string {
  const ns: string[] = []
  if (o.values && o.model) {
    const raw = o.model.needs.find((n) => n.name === name)?.namespaces ?? [
      o.model.namespaces.core,
      o.model.namespaces.supervisor,
      o.model.namespaces.plugins,
    ]
    if (raw.includes(null)) ns.push('-n', ctx.releaseNamespace ?? '<release namespace>')
  }
  for (const n of o.namespaces ?? []) ns.push('-n', n)
  // create-secret reads only namespace defaults from the chart, and knows only --chart-version.
  const chart =
    o.values && (ctx.chart.source === 'flag' || ctx.chart.source === 'release')
      ? ['--chart-version', ctx.chart.version]
      : []
  return commandLine([
    'cfpull',
    'create-secret',
    '--name',
    name,
    ...(o.values ? ['--values', o.values] : []),
    ...chart,
    ...ns,
    // The registry, when the fix is for one (a pull check names the host the image is on).
    ...(o.server ? ['--docker-server', o.server, ...CREDENTIALS.slice(2)] : CREDENTIALS),
    ...(o.replace ? ['--replace'] : []),
    ...clusterArgs(ctx),
  ])
}

/** `kubectl delete secret NAME -n NS`, aimed at the same cluster. */
export function deleteSecretCommand(ctx: FixContext, name: string, namespace: string): string {
  return commandLine(['kubectl', 'delete', 'secret', name, '-n', namespace, ...clusterArgs(ctx)])
}

/**
 * The options of one `cfpull apply` run as the user gave them: each one shapes what apply decides
 * (which values, which chart, which checks, which cluster), so a line that repeats the run must
 * repeat every one. `ApplyOptions` of the command is this type.
 */
export interface ApplyInvocation {
  namespace: string
  values: string
  release: string
  chart: string
  version?: string
  restart: 'auto' | 'delete' | 'rollout' | 'none'
  recreatePlugins: boolean
  /** Merge the file over the deployed release's values (helm --reset-then-reuse-values). */
  reuseValues?: boolean
  /** Take the file alone even when it drops values the release has (helm --reset-values). */
  resetValues?: boolean
  /** Helm-style duration: 90s, 10m, 1h. */
  timeout: string
  dryRun: boolean
  allowUnpatched: boolean
  /** Upgrade even though Flux's helm-controller owns the release (never under Argo CD, which keeps no release). */
  forceGitopsOwner?: boolean
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

/** apply's defaults: a flag at its default is left out of a printed line. */
export const APPLY_DEFAULTS = { release: 'cloudforet', chart: 'cloudforet/spaceone', restart: 'auto', timeout: '10m' }

// Every option of apply, spelled as its flag. A mapped type over all keys: an option added to
// ApplyInvocation without a spelling here does not compile, so no printed line can forget it.
// helmArgs stays last: what follows `--` ends the line.
const APPLY_FLAGS: { [K in keyof Required<ApplyInvocation>]: (v: ApplyInvocation[K]) => string[] } = {
  namespace: (v) => ['-n', v],
  values: (v) => ['-f', v],
  release: (v) => (v === APPLY_DEFAULTS.release ? [] : ['--release', v]),
  chart: (v) => (v === APPLY_DEFAULTS.chart ? [] : ['--chart', v]),
  version: (v) => (v ? ['--version', v] : []),
  restart: (v) => (v === APPLY_DEFAULTS.restart ? [] : ['--restart', v]),
  recreatePlugins: (v) => (v ? ['--recreate-plugins'] : []),
  reuseValues: (v) => (v ? ['--reuse-values'] : []),
  resetValues: (v) => (v ? ['--reset-values'] : []),
  timeout: (v) => (v === APPLY_DEFAULTS.timeout ? [] : ['--timeout', v]),
  allowUnpatched: (v) => (v ? ['--allow-unpatched'] : []),
  forceGitopsOwner: (v) => (v ? ['--force-gitops-owner'] : []),
  pullCheck: (v) => (v === false ? ['--no-pull-check'] : []),
  registryCa: (v) => (v ? ['--registry-ca', v] : []),
  onlyPresent: (v) => (v ? ['--only-present'] : []),
  services: (v) => (v?.length ? ['--services', v.join(',')] : []),
  exclude: (v) => (v?.length ? ['--exclude', v.join(',')] : []),
  dryRun: (v) => (v ? ['--dry-run'] : []),
  context: (v) => (v ? ['--context', v] : []),
  kubeconfig: (v) => (v ? ['--kubeconfig', v] : []),
  helmArgs: (v) => (v.length ? ['--', ...v] : []),
}

/**
 * The same `cfpull apply` run with `change` made to it: every other option as given. The one
 * builder of every apply line cfpull prints, so following a fix never drops an earlier choice
 * (`--reuse-values`, `--no-pull-check`, the cluster) and loops. Choosing one of
 * `--reuse-values`/`--reset-values` clears the other: they exclude each other.
 */
export function sameApplyCommand(given: ApplyInvocation, change: Partial<ApplyInvocation> = {}): string {
  const o: ApplyInvocation = { ...given, ...change }
  if (change.reuseValues) o.resetValues = false
  if (change.resetValues) o.reuseValues = false
  const argv = ['cfpull', 'apply']
  for (const k of Object.keys(APPLY_FLAGS) as Array<keyof ApplyInvocation>)
    argv.push(...(APPLY_FLAGS[k] as (v: unknown) => string[])(o[k]))
  return commandLine(argv)
}

/**
 * The apply run doctor's findings lead to: doctor's release, file, chart version, narrowing, CA
 * and cluster, apply's defaults for the rest, changed by `change`.
 */
export function applyCommand(ctx: FixContext, change: Partial<ApplyInvocation> = {}): string {
  return sameApplyCommand(
    {
      namespace: ctx.releaseNamespace ?? '<release namespace>',
      values: ctx.files[0]!,
      release: ctx.release ?? APPLY_DEFAULTS.release,
      chart: ctx.chartRef ?? APPLY_DEFAULTS.chart,
      ...(ctx.chart.source === 'flag' && { version: ctx.chart.version }),
      restart: 'auto',
      recreatePlugins: false,
      timeout: APPLY_DEFAULTS.timeout,
      dryRun: false,
      allowUnpatched: false,
      ...(ctx.registryCa && { registryCa: ctx.registryCa }),
      ...(ctx.onlyPresent && { onlyPresent: true }),
      ...(ctx.services?.length && { services: ctx.services }),
      ...(ctx.exclude?.length && { exclude: ctx.exclude }),
      ...(ctx.context && { context: ctx.context }),
      ...(ctx.kubeconfig && { kubeconfig: ctx.kubeconfig }),
      helmArgs: [],
    },
    change,
  )
}

/** helm's spelling of the cluster flags (--kube-context, not --context). */
function helmClusterArgs(ctx: Pick<FixContext, 'kubeconfig' | 'context'>): string[] {
  return [
    ...(ctx.kubeconfig ? ['--kubeconfig', ctx.kubeconfig] : []),
    ...(ctx.context ? ['--kube-context', ctx.context] : []),
  ]
}

/** `helm ARGS… -n NS` aimed at the same cluster: `helm status`, `helm rollback`, `helm install` as printed. */
export function helmCommand(
  ctx: Pick<FixContext, 'kubeconfig' | 'context'>,
  namespace: string,
  args: string[],
): string {
  return commandLine(['helm', ...args, '-n', namespace, ...helmClusterArgs(ctx)])
}

/**
 * The create-secret lines after a patch of several files: one per secret name and distinct set
 * of namespaces, each with the first file of that set (its --values gives the same namespaces).
 */
export function createSecretCommands(
  ctx: FixContext,
  perFile: Array<{ file: string; model: InstallModel }>,
  names: string[],
): string[] {
  const lines: string[] = []
  for (const name of names) {
    const seen = new Set<string>()
    for (const { file, model } of perFile) {
      const key = namespacesFor(model, name, ctx.releaseNamespace ?? '<release namespace>').join(',')
      if (seen.has(key)) continue
      seen.add(key)
      lines.push(createSecretCommand(ctx, name, { values: file, model }))
    }
  }
  return lines
}

/** `kubectl ARGS…` aimed at the same cluster (--kubeconfig, --context as in force). */
export function kubectlCommand(ctx: Pick<FixContext, 'kubeconfig' | 'context'>, args: string[]): string {
  return commandLine(['kubectl', ...args, ...clusterArgs(ctx as FixContext)])
}

/**
 * The `skopeo sync` line that copies an `images -o skopeo-sync` file into a mirror; without a
 * target, a placeholder the shell refuses to run unset.
 */
export function skopeoSyncCommand(file: string, target?: { host: string; path: string }): string {
  const line = commandLine(['skopeo', 'sync', '--src', 'yaml', '--dest', 'docker', '--all', file])
  return `${line} ${target ? commandLine([`${target.host}/${target.path}`]) : '"${MIRROR:?set MIRROR to your registry HOST/PATH}"'}`
}
