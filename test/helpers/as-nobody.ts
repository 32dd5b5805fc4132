// Tests run as root, where every permission check passes: what a user's rights refuse shows only
// in a process of another user. This one runs node as nobody (uid and gid 65534, no other groups).
import { spawnSync } from 'node:child_process'
import type { CliRun } from './run-cli.js'

const NOBODY = 65534

/**
 * `node <args>` as nobody, waited for. Without `env` the child inherits the test's environment,
 * without `cwd` its directory.
 */
export function nodeAsNobody(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, ...args],
    { cwd: o.cwd, env: o.env, encoding: 'utf8' },
  )
  if (r.error) throw r.error
  return { code: r.status!, stdout: r.stdout, stderr: r.stderr }
}
