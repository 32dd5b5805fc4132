import type { ChalkInstance } from 'chalk'
import { escapeControl } from '../core/errors.js'

export type Level = 'quiet' | 'normal' | 'verbose'

/** The notations of a command's machine-readable document (--json, -o json, -o yaml). */
export type DocumentFormat = 'json' | 'yaml'

export interface OutputStreams {
  stdout: { write(s: string): unknown; isTTY?: boolean }
  stderr: { write(s: string): unknown; isTTY?: boolean }
  env: Record<string, string | undefined>
  argv: string[]
}

/** The styles cfpull uses; chalk's when colour is on, else the text as is. */
export type Colors = Pick<ChalkInstance, 'bold' | 'cyan' | 'dim' | 'green' | 'red' | 'yellow'>

const same = (text: string) => text
// Typed as chalk's instances are; none of them is called with more than one string here.
const PLAIN = { bold: same, cyan: same, dim: same, green: same, red: same, yellow: same } as unknown as Colors

/** Makes the styles for a colour level (1–3); chalk is loaded only to make one. */
export type ColorFactory = (level: 1 | 2 | 3) => Colors

/**
 * chalk, loaded only when stdout or stderr will get colour: most runs (CI, pipes, NO_COLOR)
 * never need it. undefined when neither stream will.
 */
export async function loadColors(io: OutputStreams): Promise<ColorFactory | undefined> {
  if (!colorLevel(io, io.stdout.isTTY) && !colorLevel(io, io.stderr.isTTY)) return undefined
  const { Chalk } = await import('chalk')
  return (level) => new Chalk({ level })
}

/**
 * Everything cfpull prints goes through here. stdout carries data (a patched file, a diff,
 * the --json document, a summary); stderr carries warnings and errors. Colour is decided once.
 */
export class Reporter {
  level: Level = 'normal'
  json = false
  private colorOut: Colors
  private colorErr: Colors
  private stringify: ((doc: unknown) => string) | undefined

  /** `color` makes the styles when a stream gets colour (loadColors); without it, none does. */
  constructor(
    private readonly io: OutputStreams,
    color?: ColorFactory,
  ) {
    const styles = (level: 0 | 1 | 2 | 3) => (level && color ? color(level) : PLAIN)
    this.colorOut = styles(colorLevel(io, io.stdout.isTTY))
    this.colorErr = styles(colorLevel(io, io.stderr.isTTY))
  }

  /** Applies the global flags once commander has parsed them. */
  configure(flags: { json?: boolean; quiet?: boolean; verbose?: boolean; color?: boolean }): void {
    this.json = !!flags.json
    this.level = flags.quiet ? 'quiet' : flags.verbose ? 'verbose' : 'normal'
    if (flags.color === false || this.json) {
      this.colorOut = PLAIN
      this.colorErr = PLAIN
    }
  }

  /** Prints the document in another notation than JSON (`-o yaml`); loaded by output-format.ts. */
  useDocumentPrinter(stringify: (doc: unknown) => string): void {
    this.stringify = stringify
  }

  get c(): Colors {
    return this.colorOut
  }

  get cErr(): Colors {
    return this.colorErr
  }

  /** Data for stdout, printed whatever the level (a file, a diff). */
  data(text: string): void {
    this.io.stdout.write(text)
  }

  /** A human line on stdout; silent under --quiet and --json. */
  info(line: string): void {
    if (this.level !== 'quiet' && !this.json) this.io.stdout.write(`${line}\n`)
  }

  /** A human line on stderr, for when stdout carries data; silent under --quiet and --json. */
  note(line: string): void {
    if (this.level !== 'quiet' && !this.json) this.io.stderr.write(`${line}\n`)
  }

  /** Detail only under --verbose, on stderr. */
  debug(line: string): void {
    if (this.level === 'verbose' && !this.json) this.io.stderr.write(`${this.colorErr.dim(line)}\n`)
  }

  /** A warning on stderr; kept under --quiet (it may matter), dropped under --json (it is in the document). */
  warn(line: string): void {
    if (!this.json) this.io.stderr.write(`${this.colorErr.yellow('warning:')} ${safeLines(line)}\n`)
  }

  /** An error on stderr, always. Warnings and errors quote users' files: control characters are escaped. */
  error(line: string): void {
    this.io.stderr.write(`${this.colorErr.red('error:')} ${safeLines(line)}\n`)
  }

  /** Extra error lines (a code frame, a hint, a stack) on stderr. */
  errorDetail(text: string): void {
    this.io.stderr.write(`${text}\n`)
  }

  /** Redraws one status line on stderr (spinners); only called when stderr is a TTY. */
  live(line: string): void {
    this.io.stderr.write(`\r\u001b[2K${line}`)
  }

  /** The one --json document (in YAML under `-o yaml`: the same data). */
  printJson(doc: unknown): void {
    this.io.stdout.write(this.stringify ? this.stringify(doc) : `${JSON.stringify(doc, null, 2)}\n`)
  }
}

// A message that quotes a tool's output can span lines (execa's "Command failed … \n spawn …"):
// each line is printed as a line, indented under the first, and escaped on its own, so a
// sentence never shows a literal \x0a and nothing in it can move the cursor.
export function safeLines(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((l, i) => i === 0 || l.trim() !== '')
    .map((l, i) => (i === 0 ? escapeControl(l) : `  ${escapeControl(l.trim())}`))
    .join('\n')
}

// chalk's supports-color reads FORCE_COLOR and --color/--no-color but not NO_COLOR, so that
// convention is applied here (https://no-color.org: any non-empty value turns colour off).
function colorLevel(io: OutputStreams, isTTY: boolean | undefined): 0 | 1 | 2 | 3 {
  const force = io.env.FORCE_COLOR
  if (io.argv.includes('--no-color')) return 0
  if (force !== undefined && force !== '0' && force !== 'false') return force === '2' ? 2 : force === '3' ? 3 : 1
  if (io.env.NO_COLOR) return 0
  if (force === '0' || force === 'false') return 0
  if (!isTTY || io.env.TERM === 'dumb') return 0
  return 1
}
