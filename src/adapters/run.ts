import { StringDecoder } from 'node:string_decoder'
import { ToolFailedError, ToolNotFoundError } from '../core/errors.js'

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

export interface RunOptions {
  /** Written to the child's stdin (the only way a secret may reach a child). */
  input?: string
  cwd?: string
  /** Kill the child after this many milliseconds. */
  timeout?: number
  /**
   * Let the child outlive an interrupt: its own process group (a terminal's Ctrl-C does not
   * reach it), not killed when cfpull exits, output to these files rather than pipes (a pipe
   * closed under it would kill it with SIGPIPE). `onStart` gets a function that lets cfpull exit
   * without waiting for it.
   */
  keepRunning?: { stdoutFile: string; stderrFile: string; onStart?: (detach: () => void) => void }
  /**
   * Values that must not reach the child: every environment variable whose value contains one of
   * them is left out of its environment (e.g. `REGISTRY_PASSWORD` that a CI step also piped in).
   */
  withhold?: string[]
  /** Variables set in the child's environment on top of the scrubbed copy of cfpull's (never a secret). */
  env?: Record<string, string>
  /** Aborting it stops the child (SIGTERM), e.g. on an interrupt. */
  cancelSignal?: AbortSignal
  /**
   * Called with each line of the child's stderr as it is written (without its newline), e.g. for
   * a progress display that names what the child is doing. The result's stderr still holds all of it.
   */
  onStderrLine?: (line: string) => void
}

/** cfpull's own password variables: never passed on to a child process. */
export const PASSWORD_ENV_VARS = ['CFPULL_REGISTRY_PASSWORD', 'CFPULL_SRC_PASSWORD', 'CFPULL_DEST_PASSWORD']

/**
 * The environment a child gets: cfpull's, without the password variables and without any
 * variable whose value contains a withheld string. Built explicitly (execa `extendEnv: false`),
 * so nothing is inherited by accident.
 */
export function childEnv(env: Record<string, string | undefined>, withhold: string[] = []): Record<string, string> {
  const out: Record<string, string> = {}
  const values = withhold.filter((w) => w.length > 0)
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || PASSWORD_ENV_VARS.includes(key)) continue
    if (values.some((w) => value.includes(w))) continue
    out[key] = value
  }
  // kubectl and helm colour nothing when NO_COLOR is set; their output is parsed, not shown.
  out.NO_COLOR = '1'
  return out
}

/**
 * Runs a program with an argument array (never a shell) and returns its output, whatever its
 * exit code. Throws ToolNotFoundError when the program cannot be started.
 */
export type Runner = (file: string, args: string[], opts?: RunOptions) => Promise<RunResult>

/** Which binary to run for a tool: CFPULL_KUBECTL / CFPULL_HELM / CFPULL_SKOPEO override the PATH lookup. */
export function toolBinary(
  tool: 'kubectl' | 'helm' | 'skopeo',
  env: Record<string, string | undefined> = process.env,
): string {
  return env[`CFPULL_${tool.toUpperCase()}`] || tool
}

const INSTALL_HINTS: Record<string, string> = {
  kubectl: 'install it (https://kubernetes.io/docs/tasks/tools/) or point CFPULL_KUBECTL at it',
  helm: 'install it (https://helm.sh/docs/intro/install/) or point CFPULL_HELM at it',
  skopeo: [
    'install it (apt-get install skopeo, dnf install skopeo or brew install skopeo) or point CFPULL_SKOPEO at it;',
    'or write the list for your own copy tool with: cfpull images -o skopeo-sync',
  ].join(' '),
}

/** The error for a tool that cannot be started, with how to install it or point cfpull at it. */
export function toolNotFound(tool: string, file: string): ToolNotFoundError {
  return new ToolNotFoundError(file, INSTALL_HINTS[tool] ?? 'check that it is installed and on PATH')
}

/**
 * Loads execa now, while the caller waits on something else (the network), rather than when the
 * first tool starts. Failing here changes nothing: the run loads it again and reports then.
 */
export function warmRunner(): void {
  import('execa').catch(() => {})
}

/** The real runner: execa, loaded only when a command first runs a tool. */
export const execaRunner: Runner = async (file, args, opts = {}) => {
  const { execa } = await import('execa')
  if (opts.keepRunning) return runKeptRunning(file, args, opts.keepRunning, opts.cwd, opts.withhold)
  const child = execa(file, args, {
    reject: false,
    stripFinalNewline: false,
    extendEnv: false,
    env: { ...childEnv(process.env, opts.withhold), ...opts.env },
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    ...(opts.cwd && { cwd: opts.cwd }),
    ...(opts.timeout && { timeout: opts.timeout }),
    ...(opts.cancelSignal && { cancelSignal: opts.cancelSignal }),
  })
  if (opts.onStderrLine) streamLines(child.stderr, opts.onStderrLine)
  const r = await child
  const tool = file.split('/').pop()!
  if (r.failed && r.exitCode === undefined) {
    if ((r.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw toolNotFound(tool, file)
    const stopped = r.timedOut
      ? `did not finish within ${formatMs(opts.timeout!)} and was killed`
      : r.isCanceled
        ? 'was stopped by an interrupt'
        : r.signal
          ? `was killed by ${r.signal}`
          : `failed to run (${r.shortMessage})`
    throw new ToolFailedError(tool, undefined, String(r.stderr ?? ''), undefined, undefined, stopped)
  }
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? 1 }
}

/** Calls `onLine` with each complete line of a stream (UTF-8 split across chunks kept whole), then the rest. */
function streamLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return
  const decoder = new StringDecoder('utf8')
  let rest = ''
  const emit = (text: string) => {
    const lines = (rest + text).split('\n')
    rest = lines.pop()!
    for (const line of lines) onLine(line)
  }
  stream.on('data', (chunk: Buffer) => emit(decoder.write(chunk)))
  stream.on('end', () => {
    emit(decoder.end())
    if (rest) onLine(rest)
    rest = ''
  })
}

async function runKeptRunning(
  file: string,
  args: string[],
  k: NonNullable<RunOptions['keepRunning']>,
  cwd?: string,
  withhold?: string[],
): Promise<RunResult> {
  const [{ execa }, { readFile }] = await Promise.all([import('execa'), import('node:fs/promises')])
  const child = execa(file, args, {
    reject: false,
    extendEnv: false,
    env: childEnv(process.env, withhold),
    stdin: 'ignore',
    stdout: { file: k.stdoutFile },
    stderr: { file: k.stderrFile },
    detached: true,
    cleanup: false,
    ...(cwd && { cwd }),
  })
  k.onStart?.(() => child.unref())
  const r = await child
  const read = (f: string) => readFile(f, 'utf8').catch(() => '')
  const [stdout, stderr] = await Promise.all([read(k.stdoutFile), read(k.stderrFile)])
  const tool = file.split('/').pop()!
  if (r.failed && r.exitCode === undefined) {
    if ((r.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw toolNotFound(tool, file)
    throw new ToolFailedError(
      tool,
      undefined,
      stderr,
      undefined,
      undefined,
      r.signal ? `was killed by ${r.signal}` : `failed to run (${r.shortMessage})`,
    )
  }
  return { stdout, stderr, exitCode: r.exitCode ?? 1 }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`
}

/**
 * Wraps a runner so no secret form can leave through a tool's output or an error built from it,
 * and (with `withhold`) none reaches a child through an environment variable.
 */
export function redactingRunner(run: Runner, redact: (s: string) => string, withhold: string[] = []): Runner {
  return async (file, args, opts) => {
    try {
      const onLine = opts?.onStderrLine
      const r = await run(file, args, {
        ...opts,
        ...(withhold.length && { withhold: [...(opts?.withhold ?? []), ...withhold] }),
        ...(onLine && { onStderrLine: (line: string) => onLine(redact(line)) }),
      })
      return { ...r, stdout: redact(r.stdout), stderr: redact(r.stderr) }
    } catch (err) {
      if (err instanceof ToolFailedError)
        throw new ToolFailedError(err.tool, err.toolExitCode, redact(err.stderr), err.step, err.hint, err.stopped)
      throw err
    }
  }
}
