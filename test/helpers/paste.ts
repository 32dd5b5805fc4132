// A printed `fix:` line pasted into `sh -c` as a user would: `cfpull` on PATH (a shim running
// this checkout's bin/cfpull.js), kubectl from the tools cache, only the variables given, and the
// password on stdin.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { toolPath } from './tools.js'

const BIN = join(import.meta.dirname, '../../bin/cfpull.js')

export async function pasteFixLine(
  line: string,
  o: { dir: string; input: string; env?: Record<string, string> },
): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  const shim = join(o.dir, 'bin')
  mkdirSync(shim, { recursive: true })
  writeFileSync(join(shim, 'cfpull'), `#!/bin/sh\nexec node ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 })
  return execa('sh', ['-c', line], {
    input: o.input,
    reject: false,
    extendEnv: false,
    env: {
      PATH: `${shim}:${process.env.PATH ?? ''}`,
      CFPULL_KUBECTL: toolPath('kubectl'),
      KUBECACHEDIR: process.env.KUBECACHEDIR,
      NO_COLOR: '1',
      ...o.env,
    },
  })
}
