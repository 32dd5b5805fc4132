// A values file written as JSON (helm reads JSON, being YAML) stays JSON after patch: tools
// that read it with a JSON parser (jq, a CI template, a UI) keep working. Run through the CLI
// on the fixtures whose exact outputs test/core/cloudforet/image-pull-secrets.test.ts checks.
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { insertionProblems } from '../property/text-checks.js'

const fixtures = join(import.meta.dirname, '../fixtures/values')

function workspace(fixture: string): { file: string; input: string; expected: string } {
  const file = join(tempDir(), 'values.json')
  copyFileSync(join(fixtures, fixture, 'input.yaml'), file)
  return {
    file,
    input: readFileSync(file, 'utf8'),
    expected: readFileSync(join(fixtures, fixture, 'expected.yaml'), 'utf8'),
  }
}

describe('cfpull patch on a JSON values file', () => {
  it('--secret: the exact expected JSON, every old line kept, and a second run changes nothing', async () => {
    const { file, input, expected } = workspace('json-secret')
    const args = ['--secret', 'my-credential', '--chart-version', '2.0.0-dev35', '-q']
    const services = ['--services', 'console,identity,inventory,secret,supervisor,board']
    const r = await runCli(['patch', file, ...args, ...services])
    expect(r.code, r.stderr).toBe(0)
    const out = readFileSync(file, 'utf8')
    expect(out).toBe(expected)
    const data = JSON.parse(out) as Record<string, { imagePullSecrets?: unknown }>
    expect(data.inventory?.imagePullSecrets).toEqual([{ name: 'other-credential' }, { name: 'my-credential' }])
    expect(data.secret).toEqual({ imagePullSecrets: [{ name: 'my-credential' }] })
    // Only inserted lines, and the commas JSON needs before them.
    expect(insertionProblems(input, out, { scalarValues: ['my-credential'] }).problems).toEqual([])
    const again = await runCli(['patch', file, ...args.slice(0, -1), ...services])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout.split('\n')[0]).toBe(`✔ ${file}: up to date`)
    expect(readFileSync(file, 'utf8')).toBe(expected)
  })

  it('--registry: image names move to the mirror and the result still parses as JSON, once', async () => {
    const { file, expected } = workspace('json-registry')
    const args = [
      '--registry',
      'harbor.example.com/cloudforet',
      '--secret',
      'my-credential',
      '--chart-version',
      '1.12.16',
      '--services',
      'console,identity,mongodb,supervisor',
      '-q',
    ]
    const r = await runCli(['patch', file, ...args])
    expect(r.code, r.stderr).toBe(0)
    const out = readFileSync(file, 'utf8')
    expect(out).toBe(expected)
    const data = JSON.parse(out) as Record<string, { image?: { name?: string } }>
    expect(data.console?.image?.name).toBe('harbor.example.com/cloudforet/console')
    expect(data.mongodb?.image?.name).toBe('harbor.example.com/cloudforet/mongo:latest')
    const again = await runCli(['patch', file, ...args])
    expect(again.code, again.stderr).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(expected)
  })

  it('minified JSON stays on its one line, with no spaces added', async () => {
    const { file, expected } = workspace('json-minified')
    const r = await runCli([
      'patch',
      file,
      '--secret',
      'my-credential',
      '--chart-version',
      '2.0.0-dev35',
      '--services',
      'console,identity,board',
      '--plugins',
      'none',
      '-q',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(expected)
    expect(expected).not.toContain('\n')
    expect(JSON.parse(expected)).toEqual({
      global: { namespace: 'cloudforet' },
      console: { enabled: true, imagePullSecrets: [{ name: 'my-credential' }] },
      identity: { imagePullSecrets: [{ name: 'my-credential' }] },
      board: { imagePullSecrets: [{ name: 'my-credential' }] },
    })
  })
})
