import { UsageError } from '../../core/errors.js'

/** The longest delay a Node timer holds (2^31-1 ms, ~24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

// kubectl gets the --timeout itself; cfpull kills it only if it overruns that, and never later than a timer holds.
export function killAfter(timeoutMs: number): number {
  return Math.min(MAX_TIMER_MS, timeoutMs + Math.min(30_000, Math.max(2_000, timeoutMs / 10)))
}

/** Whole seconds, at least 1, as kubectl's --timeout takes them. */
export function seconds(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`
}

/** `90s`, `10m`, `24d20h31m` (for messages). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ]
  return (
    parts
      .filter(([n]) => n > 0)
      .map(([n, u]) => `${n}${u}`)
      .join('') || '0s'
  )
}

/** Parses a Helm/Go duration such as 90s, 10m, 1h30m into milliseconds. */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g
  let total = 0
  let consumed = ''
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']
    consumed += m[0]
  }
  if (!s || consumed !== s || total <= 0) throw new UsageError(`--timeout ${s} is not a duration like 90s, 10m or 1h`)
  return total
}
