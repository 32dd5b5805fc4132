/** Process exit codes; the CLI maps every error to one of these in one place. */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  InvalidInput: 3,
  ToolFailed: 4,
  CheckFailed: 5,
  /** doctor found problems of severity error. */
  Findings: 6,
  /** Nothing is known to fail, but some registry could not be checked (6 wins over 7). */
  Unchecked: 7,
  /** create-secret: another writer changed the Secret on every try; apply: an input or the release changed after the preflight. */
  Conflict: 8,
  /** SIGINT/SIGTERM stopped a command after it began to change the cluster (128 + SIGINT, the shell's convention). */
  Interrupted: 130,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * What each exit code means, as README's table says it (a test compares the two). One rule for
 * tools: kubectl or helm missing, failing, or with no cluster configured is 4 in every command,
 * also when apply's preflight finds it among other problems.
 */
export const EXIT_CODE_MEANINGS: Record<ExitCodeValue, string> = {
  0: 'done (or, with `--check`, nothing to change)',
  1: 'a bug in cfpull (nothing was written): please report it with `--verbose` output',
  2: 'bad flags or arguments, e.g. a secret name that is not a DNS-1123 subdomain or a service the chart does not have; nothing was changed',
  3: [
    'bad input: a values file cannot be read, is not UTF-8 text, is not YAML Helm would accept, or has a wrong shape where cfpull edits',
    "`apply`'s or `create-secret`'s preflight found problems (then nothing in the cluster was changed)",
    'a docker config that is missing or not JSON',
  ].join('; '),
  4: 'kubectl, helm or skopeo is missing, failed, or has no cluster configured, in every command (the message names the step and quotes the tool)',
  5: '`patch --check`: a file needs changes; `create-secret` and `mirror`: a registry rejected the credentials (nothing was written or pushed)',
  6: '`doctor`: found problems that stop images from pulling; `doctor --pull`: an image will not pull; `mirror`: some image is not in place or does not pull from the mirror (the others are done)',
  7: '`doctor --pull`: nothing is known to fail, but some registry could not be checked from here (6 wins over 7)',
  8: '`create-secret`: another writer changed the Secret each time cfpull read, merged and wrote it (5 tries); that Secret was not written, and what the other writer wrote is kept; `apply`: a values file, the local chart or the release changed after the preflight read it, so helm upgrade did not run and nothing was changed',
  130: '`apply`: SIGINT/SIGTERM arrived during `helm upgrade`; helm was left to finish (the message gives `helm status`), later steps did not run; `mirror`: interrupted, skopeo stopped, what was copied is reported',
}

/**
 * The `type` of each error in --json: part of the JSON contract, so spelled out here rather
 * than taken from class names (a bundler may rename those).
 */
export const ERROR_TYPES = [
  'UsageError',
  'YamlSyntaxError',
  'ValidationError',
  'FileError',
  'InternalError',
  'ToolNotFoundError',
  'ToolFailedError',
  'NoClusterError',
  'PreflightError',
  'ConflictError',
] as const
export type ErrorType = (typeof ERROR_TYPES)[number]

/** Base of every error cfpull reports on purpose; anything else is a bug (exit 1). */
export class CfpullError extends Error {
  /** The stable name of this kind of error (see ErrorType); each subclass names its own. */
  get type(): ErrorType {
    return 'InternalError'
  }

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    // The prototype's getter answers here already, so stacks show the stable name too.
    this.name = this.type
  }
}

/** Bad flags or arguments (exit 2). */
export class UsageError extends CfpullError {
  override get type(): ErrorType {
    return 'UsageError'
  }

  constructor(message: string) {
    super(message, ExitCode.Usage)
  }
}

/** A position in a user's file, 1-based like editors show it. */
export interface SourcePos {
  line: number
  col: number
}

/**
 * A values file that cannot be read as YAML the way Helm reads it (exit 3).
 * `frame` is a short code frame; `hint` says what to do.
 */
export class YamlSyntaxError extends CfpullError {
  override get type(): ErrorType {
    return 'YamlSyntaxError'
  }

  constructor(
    readonly file: string,
    readonly pos: SourcePos,
    readonly reason: string,
    readonly frame: string,
    readonly hint?: string,
  ) {
    super(`${file}:${pos.line}:${pos.col}: ${reason}`, ExitCode.InvalidInput)
  }
}

/** Well-formed YAML whose shape at a path cfpull must edit is not what the chart expects (exit 3). */
export class ValidationError extends CfpullError {
  override get type(): ErrorType {
    return 'ValidationError'
  }

  constructor(
    readonly file: string,
    readonly pos: SourcePos,
    readonly yamlPath: string,
    readonly found: string,
    readonly expected: string,
    readonly frame = '',
    readonly hint?: string,
  ) {
    super(`${file}:${pos.line}:${pos.col}: ${yamlPath} is ${found}; expected ${expected}`, ExitCode.InvalidInput)
  }

  /** The other wrong shapes in the same file, after this one in line order. */
  more: ValidationError[] = []

  /**
   * Several wrong shapes of one file as one error: the first in line order, the rest in `more`,
   * so a user fixes them all in one pass (each path once).
   */
  static inLineOrder(errors: ValidationError[]): ValidationError {
    const seen = new Set<string>()
    const sorted = errors
      .flatMap((e) => [e, ...e.more])
      .sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col)
      .filter((e) => {
        // Two checks can reach the same node (a section, then a target under it): say it once.
        const at = `${e.pos.line}:${e.pos.col}`
        if (seen.has(e.yamlPath) || seen.has(at)) return false
        seen.add(e.yamlPath).add(at)
        return true
      })
    const [first, ...rest] = sorted
    if (!first) throw new InternalError('no validation error to report')
    first.more = rest.map((e) => Object.assign(e, { more: [] }))
    return first
  }
}

/** The values file could not be read or written (exit 3: the input, not cfpull, is at fault). */
export class FileError extends CfpullError {
  override get type(): ErrorType {
    return 'FileError'
  }

  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, ExitCode.InvalidInput, options)
  }
}

/** cfpull's own edit failed its self-check: a bug, never written to disk (exit 1). */
export class InternalError extends CfpullError {
  override get type(): ErrorType {
    return 'InternalError'
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Failure, options)
  }
}

/** kubectl or helm is not installed or not where CFPULL_KUBECTL / CFPULL_HELM say (exit 4). */
export class ToolNotFoundError extends CfpullError {
  override get type(): ErrorType {
    return 'ToolNotFoundError'
  }

  constructor(
    readonly tool: string,
    readonly hint: string,
  ) {
    super(`${tool} not found`, ExitCode.ToolFailed)
  }
}

/**
 * kubectl or helm ran and failed (exit 4): a non-zero exit, or (toolExitCode undefined) killed
 * by a signal or a timeout, as `stopped` says. `hint` says what usually fixes it.
 */
export class ToolFailedError extends CfpullError {
  override get type(): ErrorType {
    return 'ToolFailedError'
  }

  constructor(
    readonly tool: string,
    readonly toolExitCode: number | undefined,
    readonly stderr: string,
    readonly step?: string,
    readonly hint?: string,
    readonly stopped?: string,
  ) {
    const detail = stderr.trim().split('\n').filter(Boolean).pop() ?? ''
    const what =
      toolExitCode === undefined ? `${tool} ${stopped ?? 'was stopped'}` : `${tool} exited with ${toolExitCode}`
    super(`${step ? `${step}: ` : ''}${what}${detail ? `: ${detail}` : ''}`, ExitCode.ToolFailed)
  }

  /** The same failure, told as part of a step (and with a hint, when the caller knows one). */
  inStep(step: string, hint?: string): ToolFailedError {
    return new ToolFailedError(this.tool, this.toolExitCode, this.stderr, step, hint ?? this.hint, this.stopped)
  }
}

/** kubectl or helm found no cluster to talk to: no kubeconfig, or one with no current context (exit 4). */
export class NoClusterError extends CfpullError {
  override get type(): ErrorType {
    return 'NoClusterError'
  }

  constructor() {
    super('no cluster configured (KUBECONFIG / --kubeconfig / --context)', ExitCode.ToolFailed)
  }
}

/**
 * A write refused because what it rests on changed since it was read: a Secret (409 on a
 * resourceVersion precondition, or AlreadyExists) on every one of the bounded tries, or an input
 * of helm upgrade or the release after the preflight read it (exit 8).
 */
export class ConflictError extends CfpullError {
  override get type(): ErrorType {
    return 'ConflictError'
  }

  constructor(message: string) {
    super(message, ExitCode.Conflict)
  }
}

/** One problem a preflight found, with the exact command that fixes it when there is one. */
export interface Finding {
  message: string
  fix?: string
  /** The exit code this problem stands for: a tool problem is 4, anything else 3 (the default). */
  exitCode?: ExitCodeValue
  /** A missing tool: the run then stops with this error (its type is README's for that case). */
  toolNotFound?: ToolNotFoundError
}

/**
 * A preflight found problems; all of them are in `findings` (exit 3: the input is not ready;
 * 4 when one of them is a missing or failing tool, the same code as everywhere else).
 */
export class PreflightError extends CfpullError {
  override get type(): ErrorType {
    return 'PreflightError'
  }

  constructor(readonly findings: Finding[]) {
    super(
      `preflight found ${findings.length} problem${findings.length === 1 ? '' : 's'}; nothing was changed`,
      findings.some((f) => f.exitCode === ExitCode.ToolFailed) ? ExitCode.ToolFailed : ExitCode.InvalidInput,
    )
  }
}

// C0 controls but tab, DEL, C1 controls, line/paragraph separators, bidi overrides and
// isolates, and a BOM: bytes from a user's file that could move the cursor, recolour or
// reorder the terminal (or hide text) when printed raw.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g

/** Text from a user's file made safe to print: each unsafe character as \xHH or \u{HHHH}. */
export function escapeControl(s: string): string {
  return s.replace(UNSAFE, (ch) => {
    const code = ch.codePointAt(0)!
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`
  })
}
