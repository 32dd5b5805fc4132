import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | undefined

/**
 * Runs a full garbage collection now. After a large input's document is dropped, V8 would grow
 * the heap by the next document before it collected the first (its limit was set while the
 * first was live), so a written 4 MB file peaked at two documents' memory; collecting between
 * the two parses keeps the peak at one. Costs a full GC (~20 ms), so callers use it for large
 * inputs only. Node offers gc() only under --expose-gc: the flag is set just long enough to get
 * the function and then cleared, so V8's flags (and the code caches keyed by them) are as before.
 */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc')
    try {
      gc = runInNewContext('gc') as () => void
    } finally {
      setFlagsFromString('--no-expose-gc')
    }
  }
  gc()
}
