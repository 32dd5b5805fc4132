import { spawn, spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

// What the registry tests run for real (test/helpers/registry.ts): Debian's Distribution 2.8
// registry, htpasswd from apache2-utils, and openssl for the self-signed certificates.
// The CI integration tests run the real pre-commit and gitlab-ci-local (with git and rsync, which
// they drive), and the completion tests load cfpull's scripts in real zsh and fish.
const APT_PACKAGES = ['docker-registry', 'apache2-utils', 'openssl', 'git', 'rsync', 'pre-commit', 'zsh', 'fish']
const APT_BINARIES = ['/usr/bin/docker-registry', 'htpasswd', 'openssl', 'git', 'rsync', 'pre-commit', 'zsh', 'fish']

// Runs once per vitest run, before any test file. Fetching and installing here (rather than
// skipping tests when a tool is missing) means a suite that could not run them fails instead of
// looking green.
export default async function setup(): Promise<void> {
  installAptPackages()
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

function missingBinaries(): string[] {
  return APT_BINARIES.filter((bin) => spawnSync('sh', ['-c', `command -v "$0"`, bin]).status !== 0)
}

function installAptPackages(): void {
  if (missingBinaries().length === 0) return
  const asRoot = process.getuid?.() === 0
  const sudo = asRoot ? [] : ['sudo', '-n']
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...sudo, ...args]
    const r = spawnSync(cmd!, rest, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    return r.status === 0
  }
  const ok =
    run(['apt-get', 'update']) && run(['apt-get', 'install', '-y', '-o', 'DPkg::Lock::Timeout=600', ...APT_PACKAGES])
  const still = missingBinaries()
  if (!ok || still.length > 0) {
    throw new Error(
      `test setup failed: ${still.join(', ') || 'apt-get'} missing and \`apt-get install ${APT_PACKAGES.join(' ')}\` ` +
        `did not succeed${asRoot ? '' : ' (not root, and sudo -n was refused)'}; the registry, pre-commit and ` +
        'shell completion tests need the real tools: install those Debian packages and rerun',
    )
  }
}
