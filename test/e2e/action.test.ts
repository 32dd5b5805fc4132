import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'

// Runs the action's own step script (action/run.sh) the way the composite action does, with
// the GitHub runner's files, on the built CLI.
const repo = join(import.meta.dirname, '../..')
const example = join(repo, 'examples/values.yaml')

async function runAction(dir: string, inputs: Record<string, string>) {
  const output = join(dir, 'github-output')
  const summary = join(dir, 'step-summary.md')
  writeFileSync(output, '')
  const r = await execa('bash', [join(repo, 'action/run.sh')], {
    cwd: dir,
    reject: false,
    env: { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, NO_COLOR: '1', ...inputs },
  })
  return {
    code: r.exitCode,
    stdout: r.stdout,
    stderr: r.stderr,
    output: readFileSync(output, 'utf8'),
    summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '',
  }
}

describe('the GitHub Action step', () => {
  it('check mode: exit 5, changed=true, a job summary row per file and an annotation', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'envs/prod'), { recursive: true })
    copyFileSync(example, join(dir, 'envs/prod/values.yaml'))
    copyFileSync(example, join(dir, 'envs/values-dev.yaml'))
    const r = await runAction(dir, {
      CFPULL_VALUES: 'envs/**/values*.yaml',
      CFPULL_SECRET: 'my-credential',
      CFPULL_MODE: 'check',
      CFPULL_PLUGINS: 'auto',
    })
    expect(r.code).toBe(5)
    expect(r.output).toBe('changed=true\n')
    expect(r.summary).toBe(
      [
        '### cfpull patch: my-credential',
        '',
        '| file | status | changes | plugins | namespaces needing the Secret |',
        '| --- | --- | --- | --- | --- |',
        '| `envs/prod/values.yaml` | ✖ needs changes | 14 sections patched, 9 added, plugins set | registry (`repository.application_grpc.REGISTRY_INFO.HARBOR.image_pull_secrets`) | cloudforet, cloudforet-plugin |',
        '| `envs/values-dev.yaml` | ✖ needs changes | 14 sections patched, 9 added, plugins set | registry (`repository.application_grpc.REGISTRY_INFO.HARBOR.image_pull_secrets`) | cloudforet, cloudforet-plugin |',
        '',
        '',
      ].join('\n'),
    )
    expect(r.stdout.split('\n')).toEqual([
      '::error file=envs/prod/values.yaml::needs imagePullSecrets: run cfpull patch envs/prod/values.yaml --secret my-credential',
      '::error file=envs/values-dev.yaml::needs imagePullSecrets: run cfpull patch envs/values-dev.yaml --secret my-credential',
    ])
    expect(readFileSync(join(dir, 'envs/values-dev.yaml'), 'utf8')).toBe(readFileSync(example, 'utf8'))
  })

  it('patch mode: patches, changed=true; a second run: changed=false', async () => {
    const dir = tempDir()
    copyFileSync(example, join(dir, 'values.yaml'))
    const first = await runAction(dir, {
      CFPULL_VALUES: 'values.yaml',
      CFPULL_SECRET: 'my-credential',
      CFPULL_MODE: 'patch',
    })
    expect([first.code, first.output]).toEqual([0, 'changed=true\n'])
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toContain('image_pull_secrets: my-credential')
    const second = await runAction(dir, {
      CFPULL_VALUES: 'values.yaml',
      CFPULL_SECRET: 'my-credential',
      CFPULL_MODE: 'patch',
    })
    expect([second.code, second.output]).toEqual([0, 'changed=false\n'])
    expect(second.summary).toContain('| `values.yaml` | ✔ up to date | 24 targets already in place |')
  })

  it('a file that is not YAML becomes an annotation at its line', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'values.yaml'), 'console:\n  password: **********\n')
    const r = await runAction(dir, {
      CFPULL_VALUES: 'values.yaml',
      CFPULL_SECRET: 'my-credential',
      CFPULL_MODE: 'check',
    })
    expect(r.code).toBe(3)
    expect(r.stdout).toBe(
      '::error file=values.yaml,line=2,col=13::values.yaml:2:13: ********** is an alias to an anchor that is not defined before it',
    )
  })

  it('a pattern that matches nothing fails clearly', async () => {
    const r = await runAction(tempDir(), { CFPULL_VALUES: 'nope/*.yaml', CFPULL_SECRET: 'x' })
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('::error::no file matches nope/*.yaml')
  })
})
