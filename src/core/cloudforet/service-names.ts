import type { ChartInfo } from './charts.js'
import { UsageError } from '../errors.js'

/**
 * Throws a usage error for the first name in --services / --exclude that the chart does not
 * deploy, with the closest service it does: a typo must not become a new section in a file.
 */
export function checkServiceNames(
  names: readonly string[],
  chart: ChartInfo,
  chartLabel = `chart ${chart.version}`,
): void {
  for (const name of names) {
    if (chart.services.includes(name)) continue
    const near = closest(name, chart.services)
    throw new UsageError(
      `${name} is not a service of ${chartLabel}; ${near ? `did you mean ${near}?` : `its services are ${chart.services.join(', ')}`}`,
    )
  }
}

// The nearest name by edit distance, when it is near enough to be the one meant (about a third
// of the name's letters wrong, at least 2).
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [c, d]
  }
  return best
}

// Optimal string alignment distance: Levenshtein plus swapping two neighbours (consle/cnosole).
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
    }
  return rows[a.length]![b.length]!
}
