import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

// Runs once per vitest run, before any test file. Fetching here (rather than skipping tests when
// a tool is missing) means a suite that could not run helm/kubectl fails instead of looking green.
export default async function setup(): Promise<void> {
  const script = join(repoRoot, 'scripts', 'fetch-tools.mjs')
  const code = await new Promise<number | string>((done, reject) => {
    const child = spawn(process.execPath, [script], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('close', (exitCode, signal) => done(exitCode ?? signal ?? 'unknown'))
  })
  if (code !== 0) {
    throw new Error(
      `test setup failed: \`node scripts/fetch-tools.mjs\` exited with ${code}; ` +
        'the pinned helm and kubectl are required by the test suite (see the message above)',
    )
  }
}
