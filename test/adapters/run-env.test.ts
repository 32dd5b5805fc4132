import { describe, expect, it } from 'vitest'
import { childEnv, execaRunner } from '../../src/adapters/run.js'

describe('childEnv', () => {
  it('drops cfpull password variables and any variable holding a withheld value, keeps the rest', () => {
    expect(
      childEnv(
        {
          PATH: '/usr/bin',
          HOME: '/home/u',
          CFPULL_REGISTRY_PASSWORD: 'pw-1',
          REGISTRY_PASSWORD: 'pw-1',
          DOCKER_AUTH: 'prefix-pw-1-suffix',
          UNSET: undefined,
        },
        ['pw-1', ''],
      ),
    ).toEqual({ PATH: '/usr/bin', HOME: '/home/u', NO_COLOR: '1' })
  })

  it('is what a real child sees (extendEnv off): nothing of the password reaches it', async () => {
    process.env.CFPULL_REGISTRY_PASSWORD = 'env-secret-1'
    process.env.CFPULL_TEST_COPY = 'env-secret-1'
    try {
      const r = await execaRunner('/usr/bin/env', [], { withhold: ['env-secret-1'] })
      expect(r.exitCode).toBe(0)
      expect(r.stdout).not.toContain('env-secret-1')
      expect(r.stdout).toContain('NO_COLOR=1\n')
    } finally {
      delete process.env.CFPULL_REGISTRY_PASSWORD
      delete process.env.CFPULL_TEST_COPY
    }
  })
})
