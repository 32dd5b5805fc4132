import type { Pair, YAMLMap } from 'yaml'
import { ValidationError, type SourcePos } from '../errors.js'
import { columnOf, detectStyle, type Style } from './file-style.js'
import type { Edit, Host, Marker, SpliceNotice } from './splice-types.js'
import { codeFrame, posOf, type ParsedValues } from './values.js'

/**
 * One splice in progress: the file, the edits and insertion points planned so far, the markers
 * that give each outcome its line, and the notices. Every part of the splice reads and adds to
 * it; only apply-edits turns it into text.
 */
export class SpliceState {
  readonly text: string
  readonly style: Style
  readonly hosts = new Map<object, Host>()
  readonly edits: Edit[] = []
  readonly markers: Marker[] = []
  readonly notices: SpliceNotice[] = []
  private readonly noticed = new Set<string>()
  /** Pairs of each map by key, built once per map (see pairsOf in locate-target.ts). */
  readonly pairIndex = new Map<YAMLMap, Map<string, Pair[]>>()

  constructor(
    readonly values: ParsedValues,
    readonly file: string,
  ) {
    this.text = values.text
    this.style = detectStyle(values)
  }

  notice(code: SpliceNotice['code'], message: string, offset: number): void {
    if (this.noticed.has(message)) return
    this.noticed.add(message)
    this.notices.push({ code, message, line: this.lineOf(offset) })
  }

  invalid(offset: number, path: string[], found: string, expected: string): ValidationError {
    const pos: SourcePos = posOf(this.values.lines, offset)
    return new ValidationError(
      this.file,
      pos,
      path.join('.') || '(top level)',
      found,
      expected,
      codeFrame(this.text, pos),
    )
  }

  // The line break at `at` (the end of a line): new lines after that line end the same way, so
  // in a file that mixes LF and CRLF every existing line keeps its own. A last line without
  // one takes the break of the line before it.
  eolAt(at: number): string {
    if (this.text.startsWith('\r\n', at)) return '\r\n'
    if (this.text[at] === '\n') return '\n'
    const prev = this.text.lastIndexOf('\n', at - 1)
    if (prev < 0) return this.style.eol
    return this.text[prev - 1] === '\r' ? '\r\n' : '\n'
  }

  lineOf(offset: number): number {
    return this.values.lines.linePos(offset).line
  }

  colOf(offset: number): number {
    return columnOf(this.values, offset)
  }
}
