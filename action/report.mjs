// The Action's outputs and annotations, called by action/run.sh after its cfpull run:
//   node report.mjs <report.json> <stderr.txt> <exit code> <check|patch> <patch options…>
// Commands in annotations are the fix/next lines cfpull prints itself for the same file and
// options, so they are as complete as cfpull's own.
import { execFileSync } from 'node:child_process'
import { appendFileSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const [reportPath, errorsPath, code, mode, ...opts] = process.argv.slice(2)
const cli = join(dirname(fileURLToPath(import.meta.url)), '../bin/cfpull.js')

// Workflow-command escaping, as in @actions/core (toolkit packages/core/src/command.ts).
const escapeData = (s) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const escapeProperty = (s) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

function annotate(level, props, message) {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',')
  console.log(`::${level}${p ? ` ${p}` : ''}::${escapeData(message)}`)
}

function output(name, value) {
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `${name}=${value}\n`)
}

/** The `fix:`/`next:` command cfpull prints for these files under --check. */
function printedCommand(kind, files) {
  let stdout
  try {
    stdout = execFileSync(process.execPath, [cli, 'patch', ...opts, '--check', '--no-color', '--', ...files], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
  } catch (err) {
    // --check exits 5 when the file needs changes; its stdout is still the report.
    stdout = err.stdout ?? ''
  }
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(`${kind}: `))
  return line?.trimStart().slice(kind.length + 2)
}

let doc
try {
  doc = JSON.parse(readFileSync(reportPath, 'utf8'))
} catch {
  doc = undefined
}
if (!doc || !Array.isArray(doc.files)) {
  // No report: cfpull refused the arguments (a usage error) before doing anything.
  const first = readFileSync(errorsPath, 'utf8')
    .split('\n')
    .find((l) => l.trim())
  annotate('error', { title: 'cfpull' }, first ? first.replace(/^error: /, '') : `cfpull exited ${code}`)
  output('changed', 'false')
  output('files', '[]')
  process.exit(0)
}

const changed = doc.files.filter((f) => f.status === 'changed')
output('changed', changed.length > 0 ? 'true' : 'false')
output('files', JSON.stringify(changed.map((f) => f.file)))

const flag = (name) => (opts.includes(name) ? opts[opts.indexOf(name) + 1] : undefined)
const secrets = flag('--secret')
const registry = flag('--registry')
for (const f of doc.files) {
  if (f.status === 'error') {
    // Every wrong shape in the file, in line order, each where it is.
    for (const e of [f.error, ...(f.error.more ?? [])])
      annotate('error', { file: e.file ?? f.file, line: e.line, col: e.col }, e.message)
    continue
  }
  // An image left on another private registry, at its line (under check it also fails the step).
  for (const w of f.warnings ?? [])
    if (w.code === 'other-registry')
      annotate('warning', { file: f.file, line: w.line, title: 'cfpull: image on another registry' }, w.message)
  // Under check a file also fails (exit 5) when an image stays on another private registry.
  if (f.status !== 'changed' && !(mode === 'check' && f.exitCode === 5)) continue
  // cfpull's own words for the file, so the annotation counts what the job log counts.
  // The secret names what a secret-only file needs; with --registry the title and the counts say it.
  const verb = secrets && !registry ? `${mode === 'check' ? 'needs' : 'now uses'} ${secrets}: ` : ''
  const parts = []
  if (f.status === 'changed') parts.push(`${verb}${f.changeSummary}`)
  const left = f.registry?.otherRegistry.length ?? 0
  if (left) parts.push(`${left} image${left === 1 ? '' : 's'} on another registry`)
  const what = parts.join('; ')
  if (mode === 'check') {
    const fix = printedCommand('fix', [f.file])
    annotate(
      'error',
      { file: f.file, title: registry ? 'cfpull: needs changes' : 'cfpull: needs imagePullSecrets' },
      `${what}${fix ? `; fix: ${fix}` : ''}`,
    )
  } else annotate('notice', { file: f.file, title: 'cfpull: patched' }, what)
}
if (mode === 'patch' && changed.length > 0) {
  const next = printedCommand(
    'next',
    changed.map((f) => f.file),
  )
  if (next) annotate('notice', { title: 'cfpull: next step' }, next)
}
