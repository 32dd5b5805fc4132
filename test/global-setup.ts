import { spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

// Runs once per vitest run, before any test file. It installs and downloads nothing: the system
// packages come from scripts/setup-system.sh and the pinned helm and kubectl from `npm run tools`
// (which `npm test` runs), each a step the developer sees. What is missing fails the whole run
// here, named with the command that provides it, instead of tests being skipped (a skipped check
// reads as a passed one) or failing one by one further down.
export default function setup(): void {
  const problems = [systemPackages(), pinnedTools()].filter((p): p is string => p !== undefined)
  if (problems.length > 0) throw new Error(`test setup failed:\n${problems.join('\n')}`)
}

function systemPackages(): string | undefined {
  const script = join(repoRoot, 'scripts', 'setup-system.sh')
  const r = spawnSync('bash', [script, '--check'], { cwd: repoRoot, encoding: 'utf8' })
  if (r.status === 0) return undefined
  const listed = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || (r.error?.message ?? `exit ${r.status ?? r.signal}`)
  return (
    `${listed}\n` +
    'Install them with `scripts/setup-system.sh` (Debian or Ubuntu: apt-get, as root or through sudo), ' +
    'or your system\'s equivalents (README, "Development").'
  )
}

function pinnedTools(): string | undefined {
  const script = join(repoRoot, 'scripts', 'fetch-tools.mjs')
  const r = spawnSync(process.execPath, [script, '--check'], { cwd: repoRoot, encoding: 'utf8' })
  if (r.status === 0) return undefined
  return `${r.stderr ?? ''}`.trim() || `\`node scripts/fetch-tools.mjs --check\` exited with ${r.status ?? r.signal}`
}
