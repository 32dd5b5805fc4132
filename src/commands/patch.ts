import { collectGarbage } from '../adapters/memory.js'
import {
  decodeText,
  isStreamInput,
  readText,
  readTextSync,
  writeTextAtomic,
  type WriteResult,
} from '../adapters/files.js'
import { chartFromValues } from '../core/cloudforet/chart-from-values.js'
import type { ChartInfo } from '../core/cloudforet/charts.js'
import { CfpullError, ExitCode, UsageError, type ExitCodeValue } from '../core/errors.js'
import {
  createSecretCommand,
  createSecretCommands,
  fixForIntent,
  patchCommand,
  valuesKeyPatchCommand,
  type FixContext,
} from '../core/fix-command.js'
import {
  addImagePullSecrets,
  checkSecretNames,
  type PullSecretResult,
  type PullSecretWarning,
} from '../core/cloudforet/image-pull-secrets.js'
import {
  buildInstallModel,
  chooseChart,
  namespacesFor,
  type ChartChoice,
  type InstallModel,
} from '../core/cloudforet/install-model.js'
import type { PluginMode } from '../core/cloudforet/plugins.js'
import { checkServiceNames } from '../core/cloudforet/service-names.js'
import { parseMirrorTarget, type MirrorTarget } from '../core/images/mirror-name.js'
import { planRegistryRewrite, type RegistryRewritePlan } from '../core/images/registry-rewrite.js'
import {
  describeTarget,
  isGitOpsManifest,
  patchManifest,
  type ManifestPatchResult,
  type ManifestTarget,
} from '../core/gitops-manifest.js'

export interface PatchOptions {
  files: string[]
  secrets: string[]
  chartVersion?: string
  chartValues?: string
  plugins: PluginMode
  pluginRegistry?: string
  /** Also set MANAGED_REGISTRY_TYPE to --plugin-registry, so the managed plugins use it. */
  managedRegistry?: boolean
  /** Replace a plugin route secret that names another Secret. */
  replacePluginSecret?: boolean
  /** HOST/PATH of a mirror: every image, and the managed plugins, are pulled from there. */
  registry?: string
  /** With registry: also move images that are on another private registry. */
  replaceRegistry?: boolean
  onlyPresent: boolean
  services?: string[]
  exclude?: string[]
  /** Write the result here instead of in place (one input file only). */
  output?: string
  /** Print the result instead of writing it (one input file only). */
  stdout: boolean
  dryRun: boolean
  check: boolean
}

/** How `-` is named in messages and results. */
export const STDIN_NAME = '<stdin>'

/** What patch needs from the process. */
export interface PatchDeps {
  /** All of stdin, for the values file `-`. */
  readStdin?: () => Promise<Uint8Array>
  /** Told when a file starts, when its result is being checked, and when it is done. */
  onProgress?: (event: PatchProgress) => void
}

export interface PatchProgress {
  file: string
  phase: 'start' | 'checking' | 'done'
  bytes: number
}

// From this size a written file's self-check first has the input's memory collected: the
// full GC costs about 20 ms and saves about one parsed document of peak memory.
const COLLECT_FROM_BYTES = 1 << 20

export interface PatchFileResult {
  file: string
  /** Read from stdin or a pipe: there is no file to write back or to name in a command. */
  stream?: boolean
  status: 'changed' | 'unchanged' | 'error'
  /** Where the result was written, when it was. */
  writtenTo?: string
  /** Written into the file's own inode rather than replacing it, and why (see writeTextAtomic). */
  writtenInPlace?: WriteResult['inPlace']
  before?: string
  result?: PullSecretResult
  /** The install as the file reads after the patch (what must exist where). */
  after?: InstallModel
  /** With --registry: the images and plugin route moved, and what stays where it is. */
  registry?: RegistryRewritePlan
  /** With --check and changes: the command that patches this file, as in force. */
  fix?: string
  /** A HelmRelease or Application: the objects patched, and the chart version they gave. */
  manifest?: { targets: ManifestTarget[]; chart: ChartChoice }
  error?: unknown
  exitCode: ExitCodeValue
}

export interface PatchRunResult {
  chart: ChartInfo
  chartChoice: ChartChoice
  files: PatchFileResult[]
  /** With --check and changes: the one command that patches every file that needs it. */
  fix?: string
  /** What to run next: create-secret, one line per secret name and distinct namespace set. */
  next: string[]
  exitCode: ExitCodeValue
}

/**
 * `cfpull patch`: adds the pull secrets to each values file. One bad file does not stop the
 * others; the exit code is the worst of them. Prints nothing: the CLI renders the result.
 */
export async function patch(opts: PatchOptions, deps: PatchDeps = {}): Promise<PatchRunResult> {
  // Everything that is wrong with the flags is reported before any file is read.
  if (opts.secrets.length === 0 && !opts.registry)
    throw new UsageError(
      "required option '-s, --secret <name>' not specified (or give --registry HOST/PATH to move the images only)",
    )
  if (opts.secrets.length) checkSecretNames(opts.secrets)
  const target = opts.registry === undefined ? undefined : parseMirrorTarget(opts.registry)
  if (opts.replaceRegistry && !target)
    throw new UsageError('--replace-registry moves images to the --registry mirror: pass --registry HOST/PATH')
  // Pointing Docker Hub's (or GitHub's) url at a mirror would break how the repository lists plugin versions.
  if (target && (opts.pluginRegistry === 'DOCKER_HUB' || opts.pluginRegistry === 'GITHUB'))
    throw new UsageError(
      `--plugin-registry ${opts.pluginRegistry} with --registry would point ${opts.pluginRegistry}'s url at the mirror, and the repository would then look up plugin versions there with ${opts.pluginRegistry}'s API: leave --plugin-registry out (HARBOR, which lists tags with the registry API) or give HARBOR, AWS_PRIVATE_ECR or GCP_PRIVATE_GCR`,
    )
  if (opts.files.length === 0)
    throw new UsageError(
      `no values file: cfpull patch <values.yaml...> ${opts.registry ? '--registry HOST/PATH' : '--secret <name>'}`,
    )
  if ((opts.output || opts.stdout) && opts.files.length > 1)
    throw new UsageError(`${opts.output ? '-o' : '--stdout'} takes one values file, got ${opts.files.length}`)
  if (opts.output && opts.stdout) throw new UsageError('-o and --stdout cannot be combined')
  if (opts.stdout && opts.dryRun)
    throw new UsageError('--stdout and --dry-run cannot be combined: both print on stdout (the file, or a diff)')
  if (opts.chartVersion && opts.chartValues)
    throw new UsageError('--chart-version and --chart-values cannot be combined')
  if (opts.files.filter((f) => f === '-').length > 1) throw new UsageError('- (stdin) can be given only once')
  const streams = new Set<string>()
  for (const f of opts.files) if (await isStreamInput(f)) streams.add(f)
  const inPlace = !opts.output && !opts.stdout && !opts.dryRun && !opts.check
  if (inPlace && streams.size) {
    const instead = 'give it as the only values file (the result goes to stdout), or use -o, --dry-run or --check'
    throw new UsageError(`${streamName([...streams][0]!)} cannot be patched in place: ${instead}`)
  }
  if (opts.managedRegistry && !opts.pluginRegistry)
    throw new UsageError(
      '--managed-registry sets MANAGED_REGISTRY_TYPE to the --plugin-registry type: pass --plugin-registry <type>',
    )
  const chart: ChartChoice = opts.chartValues
    ? chooseChart({
        valuesInfo: chartFromValues(await readText(opts.chartValues), opts.chartValues),
        valuesFile: opts.chartValues,
      })
    : chooseChart({ ...(opts.chartVersion && { version: opts.chartVersion }) })
  checkServiceNames(
    [...(opts.services ?? []), ...(opts.exclude ?? [])],
    chart.info,
    opts.chartValues ? `the chart whose values are ${opts.chartValues}` : undefined,
  )

  const ctx = fixContextOf(opts, chart)
  const files: PatchFileResult[] = []
  for (const file of opts.files) files.push(await patchOne(file, chart, opts, ctx, streams.has(file), deps, target))
  // Input read from stdin or a pipe has no path a printed command could name.
  const ok = files.filter((f) => f.after && !f.stream && !f.manifest)
  const changed = files.filter((f) => (f.result?.changed || f.registry?.foreign.length) && !f.stream).map((f) => f.file)
  const streamed = files.filter((f) => f.after && f.stream)
  const fromManifest = files.find((f) => f.manifest)?.manifest?.chart
  const run: PatchRunResult = {
    chart: (fromManifest ?? chart).info,
    chartChoice: fromManifest ?? chart,
    files,
    next: [
      ...createSecretCommands(
        ctx,
        ok.map((f) => ({ file: f.file, model: f.after! })),
        opts.secrets,
      ),
      // A manifest's namespaces come from its values and its release namespace, not from --values.
      ...files
        .filter((f) => f.after && f.manifest && !f.stream)
        .flatMap((f) =>
          opts.secrets.map((name) =>
            createSecretCommand(ctx, name, {
              namespaces: namespacesFor(
                f.after!,
                name,
                f.manifest!.targets[0]!.releaseNamespace ?? '<release namespace>',
              ),
            }),
          ),
        ),
      ...(ok.length
        ? []
        : streamed.flatMap((f) =>
            opts.secrets.map((name) =>
              createSecretCommand(ctx, name, { namespaces: namespacesFor(f.after!, name, '<release namespace>') }),
            ),
          )),
    ],
    exitCode: worst(files.map((f) => f.exitCode)),
  }
  const foreign = files.some((f) => f.registry?.foreign.length)
  if (opts.check && changed.length)
    run.fix = patchCommand(ctx, { files: changed, ...(foreign && { replaceRegistry: true }) })
  return run
}

function streamName(file: string): string {
  return file === '-' ? '- (stdin)' : `${file} (a pipe or device, not a file)`
}

function nameOf(file: string): string {
  return file === '-' ? STDIN_NAME : file
}

/** The options in force, for every command patch prints. */
export function fixContextOf(opts: PatchOptions, chart: ChartChoice): FixContext {
  return {
    files: opts.files,
    chart: {
      version: chart.info.version,
      source: chart.source,
      ...(chart.valuesFile && { valuesFile: chart.valuesFile }),
    },
    secrets: opts.secrets,
    plugins: opts.plugins,
    ...(opts.pluginRegistry && { pluginRegistry: opts.pluginRegistry }),
    ...(opts.managedRegistry && { managedRegistry: true }),
    ...(opts.replacePluginSecret && { replacePluginSecret: true }),
    ...(opts.onlyPresent && { onlyPresent: true }),
    ...(opts.services && { services: opts.services }),
    ...(opts.exclude && { exclude: opts.exclude }),
    ...(opts.registry && { registry: opts.registry }),
    ...(opts.registry && opts.replaceRegistry && { replaceRegistry: true }),
  }
}

async function patchOne(
  input: string,
  chart: ChartChoice,
  opts: PatchOptions,
  ctx: FixContext,
  stream: boolean,
  deps: PatchDeps,
  target: MirrorTarget | undefined,
): Promise<PatchFileResult> {
  const file = nameOf(input)
  let bytes: number | undefined
  let registry: RegistryRewritePlan | undefined
  try {
    // A stream (FIFO, <(…)) may be fed from this very process: only a file is read synchronously.
    const before =
      input === '-'
        ? decodeText(file, (await deps.readStdin?.()) ?? new Uint8Array())
        : stream
          ? await readText(input)
          : readTextSync(input)
    const size = (bytes = Buffer.byteLength(before))
    deps.onProgress?.({ file, phase: 'start', bytes: size })
    const patchValues = (text: string, chart: ChartChoice) =>
      addImagePullSecrets(text, {
        beforeSelfCheck: () => {
          deps.onProgress?.({ file, phase: 'checking', bytes: size })
          if (size >= COLLECT_FROM_BYTES) collectGarbage()
        },
        secrets: opts.secrets,
        chart: chart.info,
        chartSource: chart.source,
        plugins: opts.plugins,
        onlyPresent: opts.onlyPresent,
        file,
        // --check writes and shows nothing but the verdict, so the re-parse of the result is skipped.
        verify: !opts.check,
        ...(opts.pluginRegistry && { pluginRegistry: opts.pluginRegistry }),
        ...(opts.managedRegistry && { managedRegistry: true }),
        ...(opts.replacePluginSecret && { replacePluginSecret: true }),
        ...(opts.services && { services: opts.services }),
        ...(opts.exclude && { exclude: opts.exclude }),
        ...(target && {
          registry: opts.registry,
          more: ({ values, model, planned }) =>
            (registry = planRegistryRewrite(values, chart.info, model, planned, {
              target,
              // --registry implies --plugin-registry HARBOR unless a type is given.
              pluginType: opts.pluginRegistry ?? 'HARBOR',
              ...(opts.replaceRegistry && { replaceRegistry: true }),
              ...(opts.plugins === 'none' && { skipPlugins: true }),
            })),
        }),
      })
    // A HelmRelease or Application: its values are patched in place, with its chart version.
    const manifest = isGitOpsManifest(before)
      ? patchManifest(before, {
          file,
          chart,
          ...(opts.chartVersion && { chartVersion: opts.chartVersion }),
          patch: patchValues,
        })
      : undefined
    const result = manifest ? manifest.result : patchValues(before, chart)
    const used = manifest?.chart ?? chart
    if (manifest) result.warnings.push(...manifestWarnings(manifest, { ...ctx, files: [file] }))
    for (const w of result.warnings) if (w.notice?.fix) w.fix = fixForIntent({ ...ctx, files: [file] }, w.notice.fix)
    const status = result.changed ? 'changed' : 'unchanged'
    // result.data is what the output reads as (the self-check parsed it): no third parse.
    const after = result.changed ? buildInstallModel(result.data, used, { ...result.model.options }) : result.model
    const out: PatchFileResult = {
      file,
      ...(stream && { stream }),
      ...(manifest && { manifest: { targets: manifest.targets, chart: used } }),
      status,
      before,
      result,
      after,
      ...(registry && { registry }),
      exitCode: ExitCode.Ok,
    }
    if (opts.check) {
      // An image left on another private registry is not on the mirror: the gate stays red until it is moved.
      const foreign = !!registry?.foreign.length
      out.exitCode = result.changed || foreign ? ExitCode.CheckFailed : ExitCode.Ok
      if ((result.changed || foreign) && !stream)
        out.fix = patchCommand(ctx, { files: [file], ...(foreign && { replaceRegistry: true }) })
      return out
    }
    if (opts.dryRun || opts.stdout) return out
    if (opts.output) {
      out.writtenInPlace = (await writeTextAtomic(opts.output, result.text)).inPlace
      out.writtenTo = opts.output
    } else if (result.changed) {
      out.writtenInPlace = (await writeTextAtomic(file, result.text, { expected: before })).inPlace
      out.writtenTo = file
    }
    return out
  } catch (error) {
    return {
      file,
      ...(stream && { stream }),
      status: 'error',
      error,
      exitCode: error instanceof CfpullError ? error.exitCode : ExitCode.Failure,
    }
  } finally {
    if (bytes !== undefined) deps.onProgress?.({ file, phase: 'done', bytes })
  }
}

// Values the manifest takes from elsewhere: cfpull cannot edit them from this file, so it says
// which, and prints the command that patches them where they are.
function manifestWarnings(m: ManifestPatchResult, ctx: FixContext): PullSecretWarning[] {
  const out: PullSecretWarning[] = []
  // A version the manifest gave must be spelled out for a file that is not the manifest; any other comes from ctx.
  const version = m.chart.source === 'manifest' ? m.chart.info.version : undefined
  for (const t of m.targets)
    for (const x of t.external) {
      const where = describeTarget(t)
      if (x.kind === 'valuesFrom')
        out.push({
          code: 'values-from',
          message: `${where} also takes values from ${x.what} (valuesFrom), which cfpull cannot read from this file: the patch was decided from the values in the file alone; patch that key too`,
          line: x.line,
          fix: valuesKeyPatchCommand(ctx, x.object!, version),
        })
      else
        out.push({
          code: 'value-files',
          message: `${where} also reads ${x.what} (${x.kind === '$values' ? 'a $values reference' : 'helm.valueFiles'}), which cfpull cannot read from this file: the patch was decided from the values in the file alone; patch that file in its repository`,
          line: x.line,
          fix: patchCommand(ctx, { files: [x.file!], ...(version && { chartVersion: version }) }),
        })
    }
  for (const note of m.notes) out.push({ code: 'manifest', message: note })
  return out
}

// A bug outranks bad input, which outranks "needs changes".
const SEVERITY: ExitCodeValue[] = [
  ExitCode.Ok,
  ExitCode.CheckFailed,
  ExitCode.InvalidInput,
  ExitCode.ToolFailed,
  ExitCode.Usage,
  ExitCode.Failure,
]

function worst(codes: ExitCodeValue[]): ExitCodeValue {
  return codes.reduce<ExitCodeValue>((w, c) => (SEVERITY.indexOf(c) > SEVERITY.indexOf(w) ? c : w), ExitCode.Ok)
}
