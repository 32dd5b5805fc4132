/**
 * A small Myers (O(ND)) line diff for the corpus test, plus the "only insertions and flow
 * rewrites" classification. Kept independent of src/ on purpose: the corpus test must not
 * trust cfpull's own splice bookkeeping.
 */

export type DiffOp = { op: 'equal'; a: number; b: number } | { op: 'delete'; a: number } | { op: 'insert'; b: number }

/** A minimal edit script turning `a` into `b` (indices are 0-based line numbers). */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const off = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  let done = false
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[off + k] = x
      if (x >= n && y >= m) {
        done = true
        break
      }
    }
  }
  const ops: DiffOp[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!
    const k = x - y
    const prevK = k === -d || (k !== d && vd[off + k - 1]! < vd[off + k + 1]!) ? k + 1 : k - 1
    const prevX = d === 0 ? 0 : vd[off + prevK]!
    const prevY = d === 0 ? 0 : prevX - prevK
    while (x > prevX && y > prevY) {
      ops.push({ op: 'equal', a: x - 1, b: y - 1 })
      x--
      y--
    }
    if (d > 0) {
      if (x === prevX) ops.push({ op: 'insert', b: prevY })
      else ops.push({ op: 'delete', a: prevX })
      x = prevX
      y = prevY
    }
  }
  return ops.reverse()
}

/** A maximal run of non-equal operations: the input lines it deletes and the output lines it inserts. */
export interface Hunk {
  dels: number[]
  ins: number[]
}

/** Groups an edit script into hunks, in order. */
export function hunksOf(ops: readonly DiffOp[]): Hunk[] {
  const hunks: Hunk[] = []
  let current: Hunk | undefined
  for (const o of ops) {
    if (o.op === 'equal') {
      current = undefined
      continue
    }
    if (!current) hunks.push((current = { dels: [], ins: [] }))
    if (o.op === 'delete') current.dels.push(o.a)
    else current.ins.push(o.b)
  }
  return hunks
}

/** True when every character of `short` appears in `long`, in order. */
export function isSubsequence(short: string, long: string): boolean {
  let i = 0
  for (let j = 0; j < long.length && i < short.length; j++) if (long[j] === short[i]) i++
  return i === short.length
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0]
}

/** A line the edit replaced: old and new share their indentation and one is a subsequence of the other. */
export interface FlowRewrite {
  /** 0-based line in the input. */
  oldIndex: number
  /** 0-based line in the output. */
  newIndex: number
  oldLine: string
  newLine: string
}

export interface InsertionCheck {
  /** 0-based output lines that are pure insertions. */
  inserted: number[]
  rewrites: FlowRewrite[]
  /** Deleted input lines that could not be paired with a matching rewritten line. */
  problems: string[]
}

/**
 * Classifies the difference between input and output lines: each hunk (a maximal run of
 * non-equal operations) may delete a line only if an inserted line of the same hunk, later in
 * order, is its rewrite (same leading indentation, one a subsequence of the other).
 */
export function checkInsertions(before: readonly string[], after: readonly string[]): InsertionCheck {
  const inserted: number[] = []
  const rewrites: FlowRewrite[] = []
  const problems: string[] = []
  for (const { dels, ins } of hunksOf(diffLines(before, after))) {
    const used = new Set<number>()
    let from = 0
    for (const a of dels) {
      const oldLine = before[a]!
      let match = -1
      for (let j = from; j < ins.length; j++) {
        const newLine = after[ins[j]!]!
        if (indentOf(oldLine) !== indentOf(newLine)) continue
        if (isSubsequence(oldLine, newLine) || isSubsequence(newLine, oldLine)) {
          match = j
          break
        }
      }
      if (match < 0) {
        problems.push(`input line ${a + 1} was deleted or changed beyond a flow rewrite: ${JSON.stringify(oldLine)}`)
        continue
      }
      used.add(match)
      from = match + 1
      rewrites.push({ oldIndex: a, newIndex: ins[match]!, oldLine, newLine: after[ins[match]!]! })
    }
    ins.forEach((b, j) => {
      if (!used.has(j)) inserted.push(b)
    })
  }
  return { inserted, rewrites, problems }
}
