import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { Reporter } from '../../src/cli/output.js'
import { buildProgram } from '../../src/cli/program.js'
import { ERROR_TYPES, EXIT_CODE_MEANINGS } from '../../src/core/errors.js'

// README.ko.md says what README.md says, for readers of Korean: the same sections in the same
// order (matched by the code spans in their headings, which both languages keep as they are), the
// same commands in the code blocks (comments aside: they may be translated), and every command,
// flag and exit code the program's --help offers, and every --json error type, in both.
// When this fails after a change to README.md, make the same change to README.ko.md.
const repo = join(import.meta.dirname, '../..')
const en = readme('README.md')
const ko = readme('README.ko.md')

interface Section {
  heading: string
  level: number
  /** The code spans of the heading: what matches it across the languages. */
  key: string[]
  /** Fenced code blocks, without comments or blank lines. */
  code: string[]
}

interface Readme {
  name: string
  sections: Section[]
  /** Every inline code span outside fenced blocks, whitespace collapsed. */
  spans: string[]
  /** The first cells of the exit-code table (the section whose heading holds no span but follows "--json"). */
  text: string
}

function readme(name: string): Readme {
  const text = readFileSync(join(repo, name), 'utf8')
  const sections: Section[] = [{ heading: '(before the first heading)', level: 0, key: [], code: [] }]
  const prose: string[] = []
  let fence: string[] | undefined
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) {
      if (fence) {
        sections.at(-1)!.code.push(fence.join('\n'))
        fence = undefined
      } else fence = []
      continue
    }
    if (fence) {
      const code = line.replace(/(^|\s)#(?![{!]).*$/, '').trimEnd()
      if (code) fence.push(code)
      continue
    }
    prose.push(line)
    const h = /^(#{1,6}) (.*)$/.exec(line)
    if (h) sections.push({ heading: h[2]!, level: h[1]!.length, key: spansOf(h[2]!), code: [] })
  }
  return { name, sections, spans: spansOf(prose.join('\n')), text }
}

function spansOf(markdown: string): string[] {
  return [...markdown.matchAll(/(?<!`)`([^`]+)`(?!`)/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim())
}

// A flag is "there" when a span has it as a word: `--check`, `-o FILE`, `-o/--stdout`, `--plugins auto`, `--x=y`.
function words(span: string): string[] {
  return span.split(/[\s,|/()[\]]+/).map((w) => w.replace(/=.*$/, ''))
}

function missingFlags(doc: Readme, flags: string[]): string[] {
  const have = new Set(doc.spans.flatMap(words))
  return flags.filter((f) => !have.has(f))
}

// A command is "there" as `cfpull <command> …` or the bare `<command>` in a span.
function missingCommands(doc: Readme, paths: string[]): string[] {
  return paths.filter((p) => !doc.spans.some((s) => s === p || s === `cfpull ${p}` || s.startsWith(`cfpull ${p} `)))
}

// The exit-code table is the section matched to README.md's "Exit codes" (by order).
function exitCodeRows(doc: Readme): number[] {
  const at = en.sections.findIndex((s) => s.heading === 'Exit codes')
  const start = doc.text.indexOf(`\n## ${doc.sections[at]!.heading}\n`)
  const section = doc.text.slice(start + 1)
  const body = section.slice(0, section.indexOf('\n## ') + 1 || undefined)
  return [...body.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
}

/** What --help offers: every visible command (nested too), every flag of each, and the full help text. */
function helpSurface() {
  let help = ''
  const io = { write: (s: string) => ((help += s), true) }
  const program = buildProgram(new Reporter({ stdout: io, stderr: io, env: {}, argv: [] }), { code: 0 }, {} as never)
  const commands: string[] = []
  const flags = new Set<string>()
  const visit = (cmd: Command, path: string[]) => {
    const h = cmd.createHelp()
    for (const o of h.visibleOptions(cmd)) for (const f of [o.short, o.long]) if (f) flags.add(f)
    cmd.outputHelp()
    for (const sub of h.visibleCommands(cmd)) {
      commands.push([...path, sub.name()].join(' '))
      const real = cmd.commands.find((c) => c.name() === sub.name())
      if (real) visit(real, [...path, sub.name()])
    }
  }
  visit(program, [])
  // "exit 5 if …", "Exit codes: 0 …, 6 …, 3 …": the codes the help text promises.
  const codes = new Set<number>()
  for (const m of help.matchAll(/\bexit (\d+)\b/gi)) codes.add(Number(m[1]))
  for (const m of help.matchAll(/Exit codes?: ([^\n]*)/gi))
    for (const n of m[1]!.matchAll(/\b(\d+)\b/g)) codes.add(Number(n[1]))
  return { commands, flags: [...flags], codes: [...codes].sort((a, b) => a - b) }
}

describe('README.md and README.ko.md are level', () => {
  it('have the same sections in the same order, matched by the code spans in their headings', () => {
    const outline = (doc: Readme) => doc.sections.map((s) => `${'#'.repeat(s.level)} ${s.key.join(' ')}`.trim())
    expect(outline(ko)).toEqual(outline(en))
  })

  it('show the same commands in the code blocks of each section (comments aside)', () => {
    const blocks = (doc: Readme) =>
      doc.sections.map((s, i) => ({ section: i, heading: en.sections[i]?.heading, code: s.code }))
    expect(blocks(ko)).toEqual(blocks(en))
  })

  const surface = helpSurface()

  it.each([en, ko].map((doc) => [doc.name, doc] as const))(
    '%s names every command and flag of --help as a code span',
    (_, doc) => {
      expect(surface.commands.length).toBeGreaterThan(5)
      expect(surface.flags).toContain('--secret')
      expect({ commands: missingCommands(doc, surface.commands), flags: missingFlags(doc, surface.flags) }).toEqual({
        commands: [],
        flags: [],
      })
    },
  )

  it.each([en, ko].map((doc) => [doc.name, doc] as const))(
    '%s lists every exit code (the errors table and --help) and names every --json error type',
    (_, doc) => {
      const table = Object.keys(EXIT_CODE_MEANINGS).map(Number)
      expect(surface.codes.filter((c) => !table.includes(c))).toEqual([])
      expect(exitCodeRows(doc)).toEqual(table)
      const spans = new Set(doc.spans)
      expect(ERROR_TYPES.filter((t) => !spans.has(t))).toEqual([])
    },
  )
})
