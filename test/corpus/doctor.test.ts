import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diagnoseValues } from '../../src/core/diagnose.js'
import { CfpullError, ExitCode } from '../../src/core/errors.js'
import { addImagePullSecrets } from '../../src/core/cloudforet/image-pull-secrets.js'
import { chooseChart } from '../../src/core/cloudforet/install-model.js'
import { parseValues } from '../../src/core/yaml/values.js'

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

// Agreement on every corpus file, for both chart versions: after patch, offline doctor (same
// chart, same secret) finds no error, and patch --check (the same edit again) has nothing to do.
function yamlFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? yamlFiles(join(dir, e.name), base)
      : /\.ya?ml$/i.test(e.name)
        ? [relative(base, join(dir, e.name))]
        : [],
  )
}

describe('after patch, doctor and patch --check agree on every corpus file', () => {
  for (const version of ['2.0.0-dev35', '1.12.16'])
    it(`chart ${version}`, () => {
      const chart = chooseChart({ version })
      const disagreements: string[] = []
      let patched = 0
      for (const name of yamlFiles(corpus).sort()) {
        const text = readFileSync(join(corpus, name), 'utf8')
        let result
        try {
          result = addImagePullSecrets(text, { secrets: ['my-credential'], chart: chart.info, file: name })
        } catch (err) {
          // Refused input (exit 3, file:line:col): nothing was patched, nothing to agree on.
          if (err instanceof CfpullError && err.exitCode === ExitCode.InvalidInput) continue
          throw err
        }
        patched++
        const d = diagnoseValues(parseValues(result.text, name).data, chart, {
          files: [name],
          chart: { version, source: 'flag' },
          secrets: ['my-credential'],
        })
        for (const f of d.findings.filter((x) => x.severity === 'error'))
          disagreements.push(`${name}: doctor: ${f.code}: ${f.message}`)
        if (addImagePullSecrets(result.text, { secrets: ['my-credential'], chart: chart.info, file: name }).changed)
          disagreements.push(`${name}: patch --check would change it again`)
      }
      expect(disagreements).toEqual([])
      expect(patched).toBeGreaterThan(200)
    })
})
