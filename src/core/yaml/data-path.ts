// Reading plain data by path: kept apart from values.ts so modules that only read data
// (and the CLI's start-up path) do not load the YAML parser.

/** The data at `path`, or undefined where the path does not exist. */
export function dataAt(data: unknown, path: readonly string[]): unknown {
  let d = data
  for (const key of path) {
    if (typeof d !== 'object' || d === null || Array.isArray(d) || !Object.hasOwn(d, key)) return undefined
    d = (d as Record<string, unknown>)[key]
  }
  return d
}
