import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import setup from '../global-setup.js'
import { tempDir } from '../helpers/tmp.js'

// The suite installs nothing: a missing system package fails the whole run at setup, named with
// the Debian package and the command that installs it. A PATH that lacks two of the binaries
// stands in for a machine without those packages (docker-registry is looked up by its absolute path).
describe('global setup', () => {
  it('fails naming each missing package and the command that installs it', () => {
    const bin = tempDir()
    for (const tool of ['bash', 'htpasswd', 'openssl', 'git', 'rsync', 'zsh', 'fish']) {
      symlinkSync(`/usr/bin/${tool}`, join(bin, tool))
    }
    vi.stubEnv('PATH', bin)
    try {
      expect(() => setup()).toThrow(
        new Error(
          [
            'test setup failed:',
            'missing system packages the test suite runs:',
            '  pre-commit (Debian package pre-commit)',
            '  skopeo (Debian package skopeo)',
            'Install them with `scripts/setup-system.sh` (Debian or Ubuntu: apt-get, as root or through sudo), ' +
              'or your system\'s equivalents (README, "Development").',
          ].join('\n'),
        ),
      )
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
