import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diagnoseValues } from '../../src/core/diagnose.js'
import { chooseChart } from '../../src/core/install-model.js'
import { parseValues } from '../../src/core/values.js'

// Doctor on real files from the corpus (read in place, never copied into the repo).
const corpus = resolve(join(import.meta.dirname, '../..'), process.env.CFPULL_CORPUS ?? '../shared/fixtures/cloudforet')
const read = (name: string) => {
  const file = join(corpus, name)
  if (!existsSync(file)) throw new Error(`corpus file missing: ${file} (set CFPULL_CORPUS to the fixtures directory)`)
  return parseValues(readFileSync(file, 'utf8'), name).data
}

describe('doctor on real Cloudforet values files', () => {
  it('the upstream 1.12 example lists 5 of 21 services (one disabled): the other 16 are reported', () => {
    const d = diagnoseValues(
      read('charts@master__examples__values__release-1-12.yaml'),
      chooseChart({ version: '1.12.16' }),
      {
        files: ['values.yaml'],
        chart: { version: '1.12.16', source: 'flag' },
        secrets: ['my-credential'],
      },
    )
    const notInFile = d.findings.find((f) => f.code === 'service-not-in-file')!
    expect(notInFile.message).toMatch(/^16 services \(console-api, identity, /)
    expect(d.services.filter((s) => s.inFile).map((s) => s.service)).toEqual([
      'console',
      'monitoring',
      'cost-analysis',
      'supervisor',
      'marketplace-assets',
    ])
    expect(d.findings.find((f) => f.code === 'service-missing-secret')!.message).toBe(
      '4 services (console, monitoring, cost-analysis, supervisor) pull without my-credential',
    )
  })

  it('the docs plugin block on a 2.x chart: the connector key is ignored and plugins get nothing', () => {
    const d = diagnoseValues(
      read('docs-fragments/docs@en__set_k8s_imagepullsecrets__block2-plugin.yaml'),
      chooseChart({ version: '2.0.0-dev35' }),
      { files: ['values.yaml'], chart: { version: '2.0.0-dev35', source: 'flag' } },
    )
    expect(d.plugins.mechanism).toBe('registry')
    expect(d.findings.map((f) => `${f.severity} ${f.code}`)).toEqual(
      expect.arrayContaining(['error plugins-missing-secret', 'warning connector-ignored']),
    )
  })
})
