import { describe, expect, it } from 'vitest'
import { checkInsertions, diffLines, isSubsequence } from './line-diff.js'

// The corpus test leans on this diff, so check it against a brute-force LCS on random inputs.
function lcs(a: string[], b: string[]): number {
  const L = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      L[i]![j] = a[i - 1] === b[j - 1] ? L[i - 1]![j - 1]! + 1 : Math.max(L[i - 1]![j]!, L[i]![j - 1]!)
  return L[a.length]![b.length]!
}

describe('line-diff', () => {
  it('produces a valid, minimal edit script', () => {
    let seed = 42
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const lines = (n: number) => Array.from({ length: n }, () => 'abcd'[Math.floor(rand() * 4)]!)
    for (let t = 0; t < 2000; t++) {
      const a = lines(Math.floor(rand() * 14))
      const b = lines(Math.floor(rand() * 14))
      const ops = diffLines(a, b)
      const ra: string[] = []
      const rb: string[] = []
      for (const o of ops) {
        if (o.op === 'equal') {
          expect(a[o.a]).toBe(b[o.b])
          expect([o.a, o.b]).toEqual([ra.length, rb.length])
          ra.push(a[o.a]!)
          rb.push(b[o.b]!)
        } else if (o.op === 'delete') {
          expect(o.a).toBe(ra.length)
          ra.push(a[o.a]!)
        } else {
          expect(o.b).toBe(rb.length)
          rb.push(b[o.b]!)
        }
      }
      expect(ra).toEqual(a)
      expect(rb).toEqual(b)
      expect(ops.filter((o) => o.op === 'equal').length).toBe(lcs(a, b))
    }
  })

  it('accepts insertions and flow rewrites, rejects other edits', () => {
    expect(isSubsequence('a: {}', 'a: {b: [{name: x}]}')).toBe(true)
    const ok = checkInsertions(['a:', '  b: {}', 'c: ~', 'd'], ['a:', '  b: {x: 1}', 'c:', '  z:', '  - q', 'd', 'e'])
    expect(ok.problems).toEqual([])
    expect(ok.rewrites.map((r) => [r.oldIndex, r.newIndex])).toEqual([
      [1, 1],
      [2, 2],
    ])
    expect(ok.inserted).toEqual([3, 4, 6])
    expect(checkInsertions(['a: 1'], ['a: 2']).problems).toHaveLength(1)
    expect(checkInsertions(['  a: {}'], ['a: {b: 1}']).problems).toHaveLength(1)
    expect(checkInsertions(['a', 'b'], ['a']).problems).toHaveLength(1)
  })
})
