import { type Command, Option } from 'commander'
import { UsageError } from '../core/errors.js'
import type { DocumentFormat, Reporter } from './output.js'

// `-o` as kubectl spells it: one flag, the format as its value. json and yaml are the command's
// --json document (the same object, two notations); any other format is the command's own
// rendering (images: table, list, skopeo-sync). patch's -o is a FILE, and stays one.

const DOCUMENT_FORMATS: readonly string[] = ['json', 'yaml'] satisfies DocumentFormat[]

/** `-o, --output <format>` with this command's formats (the first is what it prints without -o). */
export function outputFormatOption(formats: readonly string[]): Option {
  const described = formats.map((f) => (f === 'json' ? 'json (the --json document)' : f)).join(', ')
  return new Option('-o, --output <format>', `output format: ${described}`).choices(formats)
}

/**
 * The format a run prints in, from -o and --json together: `-o json` is --json; `-o yaml` is
 * the same document in YAML; --json with any other -o is a contradiction (exit 2). Configures
 * the reporter (document mode silences human lines) and returns the format, or undefined for
 * the command's default rendering.
 */
export async function configureOutput(o: Record<string, unknown>, report: Reporter): Promise<string | undefined> {
  const output = o.output as string | undefined
  if (o.json && output !== undefined && output !== 'json')
    throw new UsageError(`--json and -o ${output} ask for two formats: choose one`)
  const format = o.json ? 'json' : output
  const document = format !== undefined && DOCUMENT_FORMATS.includes(format) ? (format as DocumentFormat) : undefined
  report.configure({ ...o, json: document !== undefined })
  if (document === 'yaml') report.useDocumentPrinter(await yamlPrinter())
  return format
}

/**
 * The document format a command line asks for before its action has run (a usage error
 * commander found is printed as that document too): --json, or -o json|yaml on a command
 * whose -o is a format.
 */
export function documentFormatOf(argv: string[], program: Command): DocumentFormat | undefined {
  const args = argv.slice(2)
  const end = args.indexOf('--')
  const words = end < 0 ? args : args.slice(0, end)
  const command = program.commands.find((c) => c.name() === words.find((a) => !a.startsWith('-')))
  const output = command?.options.find((opt) => opt.long === '--output')
  let format: string | undefined
  if (output?.argChoices?.includes('json'))
    words.forEach((w, i) => {
      const value = w === '-o' || w === '--output' ? words[i + 1] : /^(?:-o|--output=)(.+)$/.exec(w)?.[1]
      if (value !== undefined) format = value
    })
  if (words.includes('--json')) return 'json'
  return format === 'json' || format === 'yaml' ? format : undefined
}

/**
 * YAML as kubectl -o yaml prints it: block style, long strings never folded, no anchors for
 * repeated objects, and a string quoted wherever a YAML 1.1 reader (PyYAML, go-yaml v2) would
 * take it for another type (`no`, `2021-03-19`).
 */
export async function yamlPrinter(): Promise<(doc: unknown) => string> {
  const { stringify } = await import('yaml')
  return (doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })
}
