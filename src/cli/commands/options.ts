import { type Command, InvalidArgumentError } from 'commander'
import { CfpullError, UsageError } from '../../core/errors.js'
import type { Commands } from '../lazy-commands.js'
import type { Reporter } from '../output.js'

/** The exit code an action asks for; main() returns it. */
export interface ExitBox {
  code: number
}

/** What every command's action works with: the printer, the exit code, the commands, the process. */
export interface ProgramContext {
  report: Reporter
  exit: ExitBox
  commands: Commands
  ambient: { env: Record<string, string | undefined>; stderrIsTTY: boolean; argv: string[] }
}

/** What commander hands an action: the parsed options, keyed by camel-cased flag. */
export type ParsedOptions = Record<string, unknown>

// Repeated and comma-separated names, each once, in the order first given; an empty one
// (`a,,b`, a trailing comma) is a mistake to report, not to skip.
export function list(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((s) => s.trim())
  if (items.some((s) => s === ''))
    throw new InvalidArgumentError(
      items.every((s) => s === '') ? 'expected one or more comma-separated names' : 'a name in the list is empty',
    )
  return [...new Set([...previous, ...items])]
}

/** A flag given once per value (`-n a -n b`), kept as given. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

export function globalFlags(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout and nothing else')
    .option('-q, --quiet', 'print only errors and warnings')
    .option('-v, --verbose', 'print more detail (and stack traces on errors)')
    .option('--no-color', 'never use colour (NO_COLOR=1 does the same)')
}

/** Which services must have the secret, for the commands that check a file patch wrote (as patch scopes them). */
export function serviceScopeFlags(cmd: Command): Command {
  return cmd
    .option(
      '--only-present',
      'require the secret only in service sections the file has (as patch --only-present)',
      false,
    )
    .option('--services <list>', 'require the secret only in these services (as patch --services)', list)
    .option('--exclude <list>', 'do not require the secret in these services (as patch --exclude)', list)
}

export function serviceScope(o: ParsedOptions): { onlyPresent?: true; services?: string[]; exclude?: string[] } {
  return {
    ...(o.onlyPresent === true && { onlyPresent: true }),
    ...(o.services !== undefined && { services: o.services as string[] }),
    ...(o.exclude !== undefined && { exclude: o.exclude as string[] }),
  }
}

/** --context and --kubeconfig, where given. */
export function kubeTarget(o: ParsedOptions): { context?: string; kubeconfig?: string } {
  return {
    ...(o.context !== undefined && { context: o.context as string }),
    ...(o.kubeconfig !== undefined && { kubeconfig: o.kubeconfig as string }),
  }
}

/** Where the release namespace came from, as the report names it. */
export type NamespaceFrom = '-n' | 'default' | `kubeconfig context ${string}`

/**
 * The release namespace as kubectl would take it: -n; else, when the command talks to the
 * cluster, the kubeconfig context's namespace if the context sets one; else `fallback` (doctor
 * and images: spaceone). With no fallback (apply) and no namespace from either, exit 2.
 */
export async function releaseNamespace(
  o: ParsedOptions,
  commands: Commands,
  { cluster, fallback }: { cluster: boolean; fallback?: string },
): Promise<{ namespace: string; from: NamespaceFrom }> {
  if (o.namespace !== undefined) return { namespace: o.namespace as string, from: '-n' }
  let why: string
  if (cluster) {
    try {
      const ctx = await commands.kubeContext(kubeTarget(o))
      if (ctx?.namespace) return { namespace: ctx.namespace, from: `kubeconfig context ${ctx.context}` }
      why = ctx ? `kubeconfig context ${ctx.context} sets no namespace` : 'kubeconfig has no current context'
    } catch (err) {
      if (!(err instanceof CfpullError)) throw err
      // The cluster calls after this one meet the same problem and report it in full.
      why = `kubeconfig's namespace could not be read (${err.message})`
    }
  } else why = 'command does not read the kubeconfig without --cluster'
  if (fallback !== undefined) return { namespace: fallback, from: 'default' }
  throw new UsageError(`no namespace: -n is not given and the ${why}; pass -n <namespace> (the release's namespace)`)
}
