import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

// doctor's `enabled` column: the file's value, else the chart's default when cfpull knows it.
describe('doctor: the enabled column', () => {
  const file = () => {
    const f = join(tempDir(), 'values.yaml')
    writeFileSync(f, 'console:\n  enabled: false\nidentity: {}\n')
    return f
  }
  const rows = (stdout: string, services: string[]) =>
    stdout.split('\n').filter((l) => /^ {2}service /.test(l) || services.some((s) => l.startsWith(`  ${s} `)))

  it('says yes (default) / no (default) where the chart decides', async () => {
    const r = await runCli(['doctor', '-f', file(), '--chart-version', '1.12.16'])
    expect(rows(r.stdout, ['console', 'identity', 'marketplace-assets'])).toEqual([
      '  service             in file  enabled        pull secrets',
      '  console             yes      no             none (disabled)',
      '  identity            yes      yes (default)  none',
      '  marketplace-assets  no       no (default)   none',
    ])
  })

  it('says default, not a guess, for a chart version whose defaults cfpull has not read', async () => {
    const r = await runCli(['doctor', '-f', file(), '--chart-version', '1.12.14'])
    expect(rows(r.stdout, ['console', 'identity'])).toEqual([
      '  service               in file  enabled  pull secrets',
      '  console               yes      no       none (disabled)',
      '  identity              yes      default  none',
    ])
  })
})
