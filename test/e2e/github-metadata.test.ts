import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/program.js'
import { Reporter } from '../../src/cli/output.js'
import { loadAction, templateText, workflowErrors } from '../helpers/github-actions.js'
import { tempDir } from '../helpers/tmp.js'

// action.yml and .github/workflows/*.yml checked by two real validators: action-validator (the
// SchemaStore schemas, compiled to wasm) and GitHub's own parser from the Actions language server.
const repo = join(import.meta.dirname, '../..')
const workflows = readdirSync(join(repo, '.github/workflows'))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join('.github/workflows', f))
const validator = join(repo, 'node_modules/.bin/action-validator')

describe('GitHub metadata', () => {
  it('action-validator accepts action.yml and every workflow', async () => {
    expect(workflows.length).toBeGreaterThan(0)
    for (const file of ['action.yml', ...workflows]) {
      const r = await execa(validator, [file], { cwd: repo, reject: false })
      expect({ file, code: r.exitCode, out: r.stdout + r.stderr }).toEqual({ file, code: 0, out: '' })
    }
  })

  it('action-validator rejects what GitHub would (an unquoted ": " in a description)', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'action.yml'),
      'name: x\ndescription: y\ninputs:\n  plugins:\n    description: How plugin pods get the secret: auto\nruns:\n  using: composite\n  steps: []\n',
    )
    const r = await execa(validator, ['action.yml'], { cwd: dir, reject: false })
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('"detail": "mapping values are not allowed in this context at line 5 column 48"')
  })

  it("GitHub's parser accepts action.yml and every workflow, and rejects an unknown key", () => {
    expect(() => loadAction('action.yml', readFileSync(join(repo, 'action.yml'), 'utf8'))).not.toThrow()
    expect(() => loadAction('x.yml', 'name: x\ndescription: y\nruns:\n  using: composite\n  stepz: []\n')).toThrow(
      "x.yml (Line: 5, Col: 3): Unexpected value 'stepz'",
    )
    for (const file of workflows)
      expect([file, workflowErrors(file, readFileSync(join(repo, file), 'utf8'))]).toEqual([file, []])
    expect(workflowErrors('bad.yml', 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n')).toEqual([
      "bad.yml (Line: 5, Col: 5): Unexpected value 'stepz'",
    ])
  })

  it('the action has an input for every patch option a pipeline needs, each passed to the step', () => {
    const action = loadAction('action.yml', readFileSync(join(repo, 'action.yml'), 'utf8'))
    const io = { write: () => true }
    const program = buildProgram(new Reporter({ stdout: io, stderr: io, env: {}, argv: [] }), { code: 0 }, {} as never)
    const patch = program.commands.find((c) => c.name() === 'patch')!
    // Output-shaping flags are the action's own business (it sets --check/--json/--summary itself).
    const own = new Set(['output', 'stdout', 'dry-run', 'check', 'summary', 'json', 'quiet', 'verbose', 'color'])
    const needed = patch.options.map((o) => o.long!.replace(/^--(no-)?/, '')).filter((n) => !own.has(n))
    const inputs = action.inputs!.map((i) => i.id)
    expect([...inputs].sort()).toEqual(['values', 'mode', ...needed].sort())
    const step = action.runs.using === 'composite' ? action.runs.steps.find((s) => s.id === 'run') : undefined
    const env = Object.fromEntries(
      [...((step && 'env' in step && step.env) || [])].map((p) => [p.key.toString(), templateText(p.value)]),
    )
    expect(env).toEqual(
      Object.fromEntries(inputs.map((i) => [`INPUT_${i.toUpperCase().replace(/-/g, '_')}`, `\${{ inputs.${i} }}`])),
    )
  })
})
