import { CommanderError } from 'commander'
import { CfpullError, ExitCode, ValidationError, YamlSyntaxError, type ErrorType } from '../core/errors.js'
import { safeLines, type Reporter } from './output.js'

const ISSUES_URL = 'https://github.com/cloudforet-io/cfpull/issues/new'

/** The exit code an error maps to: cfpull's own errors carry it, commander's are usage errors, the rest are bugs. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CfpullError) return err.exitCode
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage
  return ExitCode.Failure
}

/** One line that says what went wrong. */
export function describeError(err: unknown): string {
  // commander's messages carry their own "error: " for its direct output.
  if (err instanceof CommanderError) return err.message.replace(/^error: /, '')
  if (err instanceof Error) return err.message
  return String(err)
}

/** Prints an error: one line, then (for YAML problems) a code frame and a hint, and the stack under --verbose. */
export function printError(err: unknown, report: Reporter): void {
  if (err instanceof CommanderError) return // commander already printed it through configureOutput
  report.error(describeError(err))
  if ((err instanceof YamlSyntaxError || err instanceof ValidationError) && err.frame)
    report.errorDetail(report.cErr.dim(err.frame))
  // Every wrong shape of the file, in line order, each with its frame.
  if (err instanceof ValidationError)
    for (const more of err.more) {
      report.error(describeError(more))
      if (more.frame) report.errorDetail(report.cErr.dim(more.frame))
    }
  const hint = (err as { hint?: unknown } | null)?.hint
  if (typeof hint === 'string' && hint) report.errorDetail(`${report.cErr.cyan('hint:')} ${safeLines(hint)}`)
  if (!(err instanceof CfpullError) || err.exitCode === ExitCode.Failure) {
    if (report.level === 'verbose' && err instanceof Error && err.stack) report.errorDetail(report.cErr.dim(err.stack))
    else report.errorDetail(`This is a bug in cfpull: run again with --verbose and report it at ${ISSUES_URL}`)
  } else if (report.level === 'verbose' && err instanceof Error) {
    const cause = err.cause instanceof Error ? `\ncaused by: ${err.cause.message}` : ''
    report.errorDetail(report.cErr.dim(`${err.stack ?? ''}${cause}`))
  }
}

/** The stable --json `type` of an error: cfpull's own name it, commander's are usage errors, the rest are bugs. */
export function errorType(err: unknown): ErrorType {
  if (err instanceof CfpullError) return err.type
  if (err instanceof CommanderError) return 'UsageError'
  return 'InternalError'
}

/** An error as data for --json: never a stack, never anything but the message and position. */
export function errorJson(err: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: errorType(err),
    exitCode: exitCodeOf(err),
    message: describeError(err),
  }
  if (err instanceof YamlSyntaxError || err instanceof ValidationError)
    Object.assign(out, { file: err.file, line: err.pos.line, col: err.pos.col })
  const hint = (err as { hint?: unknown } | null)?.hint
  if (typeof hint === 'string' && hint) out.hint = hint
  if (err instanceof ValidationError) {
    Object.assign(out, { path: err.yamlPath, found: err.found, expected: err.expected })
    if (err.more.length) out.more = err.more.map(errorJson)
  }
  return out
}
