// What follows `--` on `cfpull apply`'s command line, read the way helm upgrade (helm 4.1) reads
// it. The preflight must render exactly what the upgrade installs, so every argument is sorted
// into one of three kinds: it shapes what helm fetches or renders (the preflight's helm template
// gets it too), it only shapes how helm upgrade runs (passed to the upgrade alone), or cfpull
// cannot account for it (apply refuses before anything runs, naming it).
import { parse } from 'yaml'
import { UsageError } from './errors.js'

/** The arguments after `--`, sorted. */
export interface HelmPassthrough {
  /** For helm template, in their order: chart source, values, render options (never --version: the plan pins it). */
  render: string[]
  /** For helm upgrade after cfpull's own arguments, in their order (never --version: the plan pins it). */
  upgrade: string[]
  /** `--repo URL`: the chart reference is a chart name in that repository, never a local path. */
  repo?: string
  /** `--version V` (the last one, as helm takes it). */
  version?: string
  /** The value arguments alone (-f, --set, --set-string, --set-json, --set-file, --set-literal), in their order. */
  values: string[]
  /** The files helm reads values from (`-f`, and the paths of `--set-file key=path`), in their order. */
  files: string[]
}

type Kind = 'render' | 'upgrade' | 'values'
interface Spec {
  kind: Kind
  /** true: takes the next argument (or `=value`); 'optional': only `--flag=value` (pflag's NoOptDefVal). */
  value: boolean | 'optional'
}

const VALUE_FLAGS = ['--values', '--set', '--set-string', '--set-file', '--set-json', '--set-literal']
const SPECS = new Map<string, Spec>([
  // Where the chart comes from and how it is fetched: template fetches the same package.
  ...['--repo', '--ca-file', '--cert-file', '--key-file', '--keyring', '--post-renderer', '--post-renderer-args'].map(
    (f) => [f, { kind: 'render', value: true }] as const,
  ),
  ...['--registry-config', '--repository-config', '--repository-cache', '--content-cache'].map(
    (f) => [f, { kind: 'render', value: true }] as const,
  ),
  ...[
    '--devel',
    '--insecure-skip-tls-verify',
    '--plain-http',
    '--verify',
    '--enable-dns',
    '--skip-schema-validation',
    '--dependency-update',
  ].map((f) => [f, { kind: 'render', value: false }] as const),
  ...VALUE_FLAGS.map((f) => [f, { kind: 'values', value: true }] as const),
  // How the upgrade runs, not what it installs.
  ...['--timeout', '--description', '--history-max', '--labels', '--output', '--server-side'].map(
    (f) => [f, { kind: 'upgrade', value: true }] as const,
  ),
  ...['--burst-limit', '--qps', '--color', '--colour'].map((f) => [f, { kind: 'upgrade', value: true }] as const),
  ['--wait', { kind: 'upgrade', value: 'optional' }],
  ...[
    '--atomic',
    '--rollback-on-failure',
    '--cleanup-on-fail',
    '--force-replace',
    '--force-conflicts',
    '--no-hooks',
    '--take-ownership',
    '--wait-for-jobs',
    '--render-subchart-notes',
    '--hide-notes',
    '--debug',
    '--skip-crds',
    '--create-namespace',
    '--disable-openapi-validation',
  ].map((f) => [f, { kind: 'upgrade', value: false }] as const),
])
const SHORT = new Map([
  ['-f', '--values'],
  ['-l', '--labels'],
  ['-o', '--output'],
])

const CREDENTIALS =
  'credentials never go on a command line, where ps and shell history show them: log in once with helm registry login (OCI) or helm repo add --username … --password-stdin (a repository), and helm finds them there'
const TARGET = "the preflight checks the cluster and namespace cfpull's own flags name"
/** Arguments cfpull refuses, and why (the message names the argument). */
const REFUSED = new Map<string, string>([
  ['--username', CREDENTIALS],
  ['--password', CREDENTIALS],
  ['--pass-credentials', CREDENTIALS],
  ['--kube-token', CREDENTIALS],
  ['-n', `${TARGET}: use cfpull apply -n`],
  ['--namespace', `${TARGET}: use cfpull apply -n`],
  ['--kube-context', `${TARGET}: use cfpull apply --context`],
  ['--kubeconfig', `${TARGET}: use cfpull apply --kubeconfig`],
  ...['--kube-apiserver', '--kube-as-user', '--kube-as-group', '--kube-ca-file'].map(
    (f) => [f, `${TARGET}, as the kubeconfig's user: helm would upgrade as another identity or elsewhere`] as const,
  ),
  ...['--kube-insecure-skip-tls-verify', '--kube-tls-server-name'].map(
    (f) => [f, `${TARGET}, through the kubeconfig: set it there`] as const,
  ),
  ['--reuse-values', "the values check follows cfpull's own choice: use cfpull apply --reuse-values"],
  ['--reset-values', "the values check follows cfpull's own choice: use cfpull apply --reset-values"],
  ['--reset-then-reuse-values', "the values check follows cfpull's own choice: use cfpull apply --reuse-values"],
  ['--dry-run', 'use cfpull apply --dry-run, which runs the preflight and prints what would run'],
  ['--hide-secret', 'it only goes with helm --dry-run: use cfpull apply --dry-run'],
  ['-i', 'cfpull apply upgrades an existing release and never installs one'],
  ['--install', 'cfpull apply upgrades an existing release and never installs one'],
  ['-h', 'it prints help instead of upgrading'],
  ['--help', 'it prints help instead of upgrading'],
])

function refuse(arg: string, why: string): never {
  throw new UsageError(`cannot pass ${arg} to helm upgrade after --: ${why}`)
}

/**
 * Sorts the arguments after `--` as helm upgrade reads them (`--flag value`, `--flag=value`,
 * `-f value`, `-f=value`, `-fvalue`). Throws a UsageError naming the first argument cfpull
 * cannot account for, or one it refuses (credentials, another cluster, a values mode of its own).
 */
export function parseHelmPassthrough(args: readonly string[]): HelmPassthrough {
  const out: HelmPassthrough = { render: [], upgrade: [], values: [], files: [] }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    let flag: string
    let inline: string | undefined
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      flag = eq === -1 ? arg : arg.slice(0, eq)
      inline = eq === -1 ? undefined : arg.slice(eq + 1)
    } else if (/^-[a-zA-Z]/.test(arg)) {
      flag = arg.slice(0, 2)
      const rest = arg.slice(2)
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest
    } else
      refuse(
        arg,
        arg === ''
          ? 'an empty argument'
          : 'helm upgrade takes only the release and the chart as arguments, and cfpull gives both',
      )
    const why = REFUSED.get(flag)
    if (why) refuse(flag, why)
    const long = SHORT.get(flag) ?? flag
    const spec = SPECS.get(long)
    // --version is the pin: the plan takes it, and cfpull passes the one it checked.
    if (long === '--version') {
      const v = inline ?? args[++i]
      if (v === undefined) refuse(arg, 'it needs a value')
      out.version = v
      continue
    }
    if (!spec)
      refuse(arg, 'cfpull does not know what it does to the chart helm installs, so it cannot check that chart first')
    const taken = [arg]
    let value = inline
    if (spec.value === true && inline === undefined) {
      value = args[++i]
      if (value === undefined) refuse(arg, 'it needs a value')
      taken.push(value)
    }
    if (long === '--repo') out.repo = value
    if (long === '--values')
      for (const file of (value ?? '').split(','))
        if (file === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(file))
          refuse(
            `${arg}${inline === undefined ? ` ${value}` : ''}`,
            file === '-'
              ? 'helm upgrade gets no stdin from cfpull: pass a file'
              : 'cfpull cannot read a values URL as helm will: download it and pass the file',
          )
    if (long === '--values') out.files.push(...(value ?? '').split(',').filter(Boolean))
    if (long === '--set-file') out.files.push(...setFilePaths(value ?? ''))
    if (spec.kind !== 'upgrade') out.render.push(...taken)
    if (spec.kind === 'values') out.values.push(...taken)
    out.upgrade.push(...taken)
  }
  return out
}

/**
 * The paths of `--set-file a=x.txt,b=y.txt`: pairs split at commas that are not escaped with `\\`,
 * the path after the first `=`, as helm's strvals parser reads them.
 */
function setFilePaths(value: string): string[] {
  return value
    .split(/(?<!\\),/)
    .map((pair) => pair.slice(pair.indexOf('=') + 1).replaceAll('\\,', ','))
    .filter((path, i, all) => path !== '' && all.indexOf(path) === i)
}

/** Where helm upgrade takes the chart from, as helm decides it. */
export type ChartSource = 'local' | 'repository' | 'url'

/**
 * How helm locates `chart`: with --repo, a chart name in that repository; otherwise a path that
 * exists is a local chart (helm then ignores --version), an http(s) URL is one package (helm
 * ignores --version there too), and anything else is `repo/name` or `oci://…`, where --version
 * picks the package.
 */
export function chartSource(chart: string, o: { repo?: string; existsLocally: boolean }): ChartSource {
  if (o.repo) return 'repository'
  if (o.existsLocally) return 'local'
  return /^https?:\/\//i.test(chart) ? 'url' : 'repository'
}

// A version helm resolves the same way twice: one exact version, not a constraint.
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

/**
 * The version the upgrade pins, from cfpull's --version and the one after `--`. Both given and
 * different, or a constraint (`^0.2`, `>1.0`), which template and upgrade could each resolve to
 * another package: a UsageError.
 */
export function pinnedVersion(flag: string | undefined, passthrough: string | undefined): string | undefined {
  if (flag !== undefined && passthrough !== undefined && flag !== passthrough)
    throw new UsageError(
      `--version ${flag} and --version ${passthrough} after -- disagree: helm would install ${passthrough}; give one`,
    )
  const v = passthrough ?? flag
  if (v !== undefined && !EXACT_VERSION.test(v))
    throw new UsageError(
      `--version ${v} is a range, not one version: the preflight's render and helm upgrade could each resolve it to another chart; give the exact version`,
    )
  return v
}

/** `name` and `version` of a Chart.yaml (as `helm show chart` prints it), or null when either is missing. */
export function chartMetadata(chartYaml: string): { name: string; version: string } | null {
  let doc: unknown
  try {
    doc = parse(chartYaml)
  } catch {
    return null
  }
  const { name, version } = (doc ?? {}) as { name?: unknown; version?: unknown }
  return typeof name === 'string' && name && (typeof version === 'string' || typeof version === 'number')
    ? { name, version: String(version) }
    : null
}
