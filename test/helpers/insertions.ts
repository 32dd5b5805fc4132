/**
 * Checks that `after` is `before` plus inserted lines, allowing a line to be rewritten only
 * when one version is the other with characters inserted (a flow value that grew, a `~` that
 * went). Returns the problems found; an empty list means the edit is a pure insertion.
 */
export function insertionProblems(before: string, after: string, replacedKeys: string[] = []): string[] {
  const a = before.split('\n')
  const b = after.split('\n')
  const problems: string[] = []
  let j = 0
  for (let i = 0; i < a.length; i++) {
    const line = a[i]!
    let k = j
    while (k < b.length && b[k] !== line) k++
    if (k < b.length) {
      j = k + 1
      continue
    }
    // Not found verbatim: a later output line must be a grown (or shrunk) version of it, or
    // the same key with a replaced value when the change replaced one.
    const rewritten = b.findIndex((next, n) => n >= j && indent(line) === indent(next) && (isSubsequence(line, next) || isSubsequence(next, line) || isSubsequence(withoutNull(line), next) || sameKey(line, next, replacedKeys)))
    if (rewritten >= 0) {
      j = rewritten + 1
      continue
    }
    problems.push(`input line ${i + 1} ${JSON.stringify(line)} is missing from the output`)
  }
  return problems
}

/** How many input lines were rewritten rather than kept verbatim. */
export function rewrittenLines(before: string, after: string): number {
  const b = new Set(after.split('\n'))
  return before.split('\n').filter((l) => !b.has(l)).length
}

// A null token (`~`, `null`) is the one token cfpull may replace: by a flow value in its place.
function withoutNull(line: string): string {
  return line.replace(/(^|[\s:{,[])(~|null|Null|NULL)(?=$|[\s,}\]#])/, '$1')
}

function sameKey(a: string, b: string, keys: string[]): boolean {
  return keys.some((k) => a.trimStart().startsWith(`${k}: `) && b.trimStart().startsWith(`${k}: `))
}

function isSubsequence(small: string, big: string): boolean {
  let i = 0
  for (const ch of big) if (ch === small[i]) i++
  return i === small.length
}

function indent(s: string): string {
  return /^[ \t]*/.exec(s)![0]
}
