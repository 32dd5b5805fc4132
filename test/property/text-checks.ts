/**
 * Checks on the patched TEXT, independent of src/: the output is the input plus new lines,
 * except for the few one-line rewrites an edit cannot avoid, and it keeps the file's BOM,
 * line endings and final newline.
 */
import { diffLines, hunksOf, isSubsequence } from '../corpus/line-diff.js'

const BOM = '\uFEFF'

/** Lines without the BOM and line breaks (a CRLF file splits the same as its LF twin). */
export function linesOf(text: string): string[] {
  const body = text.replace(/^\uFEFF/, '')
  // An empty file has no lines, and a final line break ends the last line rather than starting
  // one more (so an empty file's result, which ends with one, gains no blank line).
  const lines = body === '' ? [] : body.split(/\r?\n/)
  if (body.endsWith('\n')) lines.pop()
  return lines
}

export function byteProblems(input: string, output: string): string[] {
  const problems: string[] = []
  if (output.startsWith(BOM) !== input.startsWith(BOM)) problems.push(`BOM ${input.startsWith(BOM) ? 'lost' : 'added'}`)
  if (output.split(BOM).length !== input.split(BOM).length) problems.push('a BOM character appeared inside the text')
  // A file that mixes LF and CRLF keeps each line's own ending: the CLI tests check those lines.
  const mixed = input.includes('\r\n') && /(^|[^\r])\n/.test(input)
  if (mixed) {
    // nothing file-wide to check
  } else if (input.includes('\r\n')) {
    if (/(^|[^\r])\n/.test(output)) problems.push('a bare LF line break in a CRLF file')
  } else if (output.includes('\r')) problems.push('a CR in an LF file')
  const body = input.replace(/^\uFEFF/, '')
  if (body !== '' && output.endsWith('\n') !== input.endsWith('\n'))
    problems.push(`final newline ${input.endsWith('\n') ? 'lost' : 'added'}`)
  if (body === '' && output.replace(/^\uFEFF/, '') !== '' && !output.endsWith('\n'))
    problems.push('the text written into an empty file has no final newline')
  return problems
}

// A null value (`~`, `null`, …) standing alone as a key's value or a flow entry's value.
const NULL_TOKEN = /(?<=^|[:,[{\s])(?:~|null|Null|NULL)(?=[ \t]*(?:[,}\]]|#|$))/g

export interface RewriteBudget {
  /** Secrets (or, with patch --registry, image names and registry values) that a replaced/set scalar may now hold. */
  scalarValues: string[]
  /** Keys whose value may be replaced (default: image_pull_secrets only). */
  scalarKeys?: string[]
}

/**
 * Pairs every deleted input line with a rewritten output line of the same hunk and checks
 * the rewrite is one an edit may make: a line that only grew (a flow collection took an
 * entry), a line that lost its null token (`key: ~` became `key:` with the items below),
 * or an `image_pull_secrets:` value replaced by the secret. Every other output line must
 * be inserted and hold content (never a blank or comment line: cfpull writes neither).
 */
export function insertionProblems(
  input: string,
  output: string,
  budget: RewriteBudget,
): { problems: string[]; rewrites: number } {
  const a = linesOf(input)
  const b = linesOf(output)
  const problems: string[] = []
  const strayDeletes: number[] = []
  const strayInserts: number[] = []
  let rewrites = 0
  for (const { dels, ins } of hunksOf(diffLines(a, b))) {
    const used = new Set<number>()
    let from = 0
    for (const d of dels) {
      const old = a[d]!
      const j = ins.findIndex((n, k) => k >= from && allowedRewrite(old, b[n]!, budget))
      if (j < 0) {
        strayDeletes.push(d)
        continue
      }
      used.add(j)
      from = j + 1
      rewrites++
    }
    ins.forEach((n, k) => {
      if (used.has(k)) return
      const line = b[n]!
      if (line.trim() === '' || line.trim().startsWith('#')) strayInserts.push(n)
    })
  }
  // A rewritten line that became blank (`~` alone) can be aligned by the diff with another
  // blank line: pair what is left over across hunks before calling it a problem.
  for (const d of strayDeletes) {
    const k = strayInserts.findIndex((n) => allowedRewrite(a[d]!, b[n]!, budget))
    if (k >= 0) {
      strayInserts.splice(k, 1)
      rewrites++
    } else
      problems.push(
        `input line ${d + 1} ${JSON.stringify(a[d])} was deleted or changed beyond an allowed one-token rewrite`,
      )
  }
  for (const n of strayInserts)
    problems.push(`output line ${n + 1} ${JSON.stringify(b[n])} is an inserted blank or comment line`)
  return { problems, rewrites }
}

function indentOf(s: string): string {
  return /^[ \t]*/.exec(s)![0]
}

function allowedRewrite(old: string, now: string, budget: RewriteBudget): boolean {
  const names = (budget.scalarKeys ?? ['image_pull_secrets']).join('|')
  const keys = new RegExp(`(?:^|[\\s{,])["']?(?:${names})["']?[ \\t]*:[ \\t]*$`)
  // An identical line is a moved line, never a rewrite.
  if (old === now || indentOf(old) !== indentOf(now)) return false
  // JSON separates entries with a comma: the entry before a new one on its own line gains one.
  if (now === `${old},`) return true
  const grew = (from: string) => isSubsequence(from, now) && /name|imagePullSecrets|image_pull_secrets/.test(now)
  if (grew(old)) return true
  // The null tokens edits replace (`key: ~` → `key:` with items below, `{a: ~, b: ~}` →
  // `{a: {…}, b: {…}}`, a document that was only `~`): the old line without them (and, for a
  // block value, without the space before one) is what remains or grew.
  const spaced = old.replace(NULL_TOKEN, '')
  const tight = old.replace(new RegExp(`[ \\t]*${NULL_TOKEN.source}`, 'g'), '')
  for (const without of new Set([spaced, tight])) if (without !== old && (without === now || grew(without))) return true
  // A replaced scalar: the new line is the old one with one value token swapped for the secret.
  for (const secret of budget.scalarValues)
    for (const tok of new Set([secret, JSON.stringify(secret), `'${secret.replace(/'/g, "''")}'`])) {
      for (let p = now.indexOf(tok); p >= 0; p = now.indexOf(tok, p + 1)) {
        const before = now.slice(0, p)
        const after = now.slice(p + tok.length)
        if (!keys.test(before)) continue
        if (!old.startsWith(before) || !old.endsWith(after) || old.length < before.length + after.length) continue
        const was = old.slice(before.length, old.length - after.length)
        if (/^("[^"]*"|'[^']*'|[^,{}[\]#\s][^,{}[\]#]*?)$/.test(was)) return true
      }
    }
  return false
}
