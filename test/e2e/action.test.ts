import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadAction, runActionStep, workflowErrors } from '../helpers/github-actions.js'
import { tempDir } from '../helpers/tmp.js'

// The action's cfpull step, run the way the runner runs it: action.yml parsed by GitHub's parser,
// its env: (the INPUT_* variables) evaluated from the `with:` inputs and defaults, then
// action/run.sh in bash with GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, on the CLI npm test built.
// The "Build cfpull" step (npm ci && npm run build in the action's checkout) is not run here.
const repo = join(import.meta.dirname, '../..')
const example = join(repo, 'examples/values.yaml')
const action = loadAction('action.yml', readFileSync(join(repo, 'action.yml'), 'utf8'))
const run = (workspace: string, inputs: Record<string, string>) => runActionStep(action, repo, 'run', workspace, inputs)

function workspace(files: Record<string, string>): string {
  const dir = tempDir()
  for (const [name, from] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    copyFileSync(from, join(dir, name))
  }
  return dir
}

// The fix as printed, run in the workspace: it exits 0, and the same check then passes with nothing to change.
async function fixConverges(dir: string, fix: string, inputs: Record<string, string>): Promise<void> {
  // The printed command is shell words; bash splits it as a user pasting it would.
  const applied = await execa('bash', ['-c', `node ${join(repo, 'bin/cfpull.js')} ${fix}`], {
    cwd: dir,
    reject: false,
  })
  expect(applied.exitCode).toBe(0)
  const again = await run(dir, inputs)
  expect([again.code, again.outputs, again.stdout]).toEqual([0, { changed: 'false', files: '[]' }, ''])
}

const tableHead = [
  '### cfpull patch: my-credential',
  '',
  '| file | status | changes | plugins | namespaces needing the Secret |',
  '| --- | --- | --- | --- | --- |',
]
const harbor = 'registry (`repository.application_grpc.REGISTRY_INFO.HARBOR.image_pull_secrets`)'

describe('the GitHub Action', () => {
  it("README's workflow: valid for action-validator and GitHub's parser, and its step checks the files", async () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8')
    const recipe = /```yaml\n(# \.github\/workflows\/values\.yml\n[\s\S]*?)```/.exec(readme)![1]!
    const workflow = recipe.replace('<owner>/cfpull@<ref>', 'cloudforet-io/cfpull@v1')
    const dir = workspace({ 'deploy/prod/values.yaml': example })
    mkdirSync(join(dir, '.github/workflows'), { recursive: true })
    writeFileSync(join(dir, '.github/workflows/values.yml'), workflow)
    const validated = await execa(join(repo, 'node_modules/.bin/action-validator'), ['.github/workflows/values.yml'], {
      cwd: dir,
      reject: false,
    })
    expect([validated.exitCode, validated.stderr]).toEqual([0, ''])
    expect(workflowErrors('values.yml', workflow)).toEqual([])
    const doc = parse(workflow) as {
      jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }>
    }
    const step = doc.jobs['pull-secrets']!.steps.find((st) => st.uses === 'cloudforet-io/cfpull@v1')!
    const r = await run(dir, step.with!)
    expect([r.code, r.outputs]).toEqual([5, { changed: 'true', files: '["deploy/prod/values.yaml"]' }])
  })

  it('check: a quoted ** glob expanded by the action, exit 5, outputs, summary, annotations with the fix', async () => {
    const dir = workspace({
      'envs/prod/eu/values.yaml': example,
      'envs/values-dev.yaml': example,
      'envs/other.yaml': example,
    })
    const r = await run(dir, { values: 'envs/**/values*.yaml', secret: 'my-credential' })
    expect(r.code).toBe(5)
    expect(r.outputs).toEqual({ changed: 'true', files: '["envs/prod/eu/values.yaml","envs/values-dev.yaml"]' })
    expect(r.summary).toBe(
      [
        ...tableHead,
        `| \`envs/prod/eu/values.yaml\` | ✖ needs changes | 14 sections to patch, 9 to add, the plugin route to set | ${harbor} | cloudforet, cloudforet-plugin |`,
        `| \`envs/values-dev.yaml\` | ✖ needs changes | 14 sections to patch, 9 to add, the plugin route to set | ${harbor} | cloudforet, cloudforet-plugin |`,
        '',
        '',
      ].join('\n'),
    )
    expect(r.stdout.split('\n')).toEqual([
      '::error file=envs/prod/eu/values.yaml,title=cfpull%3A needs imagePullSecrets::needs my-credential: 14 sections to patch, 9 to add, the plugin route to set; fix: cfpull patch envs/prod/eu/values.yaml --secret my-credential',
      '::error file=envs/values-dev.yaml,title=cfpull%3A needs imagePullSecrets::needs my-credential: 14 sections to patch, 9 to add, the plugin route to set; fix: cfpull patch envs/values-dev.yaml --secret my-credential',
    ])
    expect(readFileSync(join(dir, 'envs/values-dev.yaml'), 'utf8')).toBe(readFileSync(example, 'utf8'))
  })

  it("the annotation's fix command is cfpull's complete one: run as printed, the same check passes", async () => {
    const cases: Array<Record<string, string>> = [
      { values: 'deploy/values.yaml', secret: 'my-credential' },
      {
        values: 'deploy/values.yaml',
        secret: 'my-credential',
        plugins: 'registry',
        'plugin-registry': 'HARBOR',
        services: 'console,identity',
        'only-present': 'true',
        'chart-version': '1.12.16',
      },
    ]
    for (const inputs of cases) {
      const dir = workspace({ 'deploy/values.yaml': example })
      const r = await run(dir, inputs)
      expect(r.code).toBe(5)
      const fix = /; fix: cfpull (.*)$/.exec(r.stdout)![1]!
      if (inputs.plugins)
        expect(fix).toBe(
          'patch deploy/values.yaml --secret my-credential --chart-version 1.12.16 --only-present --services console,identity --plugins registry --plugin-registry HARBOR',
        )
      await fixConverges(dir, fix, inputs)
    }
  })

  it('registry: check fails with the images to move, and the printed fix moves them', async () => {
    const dir = workspace({ 'deploy/values.yaml': example })
    const inputs = { values: 'deploy/values.yaml', secret: 'my-credential', registry: 'harbor.example.com/cloudforet' }
    const r = await run(dir, inputs)
    expect([r.code, r.outputs]).toEqual([5, { changed: 'true', files: '["deploy/values.yaml"]' }])
    expect(r.stdout.split('\n')).toEqual([
      '::error file=deploy/values.yaml,title=cfpull%3A needs changes::14 sections to patch, 9 to add, the plugin route to set, 28 images to move, the plugin registry to set, 1 already up to date; fix: cfpull patch deploy/values.yaml --secret my-credential --registry harbor.example.com/cloudforet',
    ])
    const fix = /; fix: cfpull (.*)$/.exec(r.stdout)![1]!
    await fixConverges(dir, fix, inputs)
  })

  it('patch: every patch input reaches cfpull; a second run changes nothing', async () => {
    const dir = workspace({ 'values.yaml': example })
    const inputs = {
      values: 'values.yaml',
      secret: 'my-credential',
      mode: 'patch',
      plugins: 'registry',
      'plugin-registry': 'HARBOR',
      services: 'console,identity,board',
      exclude: 'board',
      'only-present': 'true',
      'chart-version': '1.12.16',
    }
    const first = await run(dir, inputs)
    expect([first.code, first.outputs]).toEqual([0, { changed: 'true', files: '["values.yaml"]' }])
    expect(first.stdout.split('\n')).toEqual([
      '::notice file=values.yaml,title=cfpull%3A patched::now uses my-credential: 2 sections patched, the plugin route set',
      '::notice title=cfpull%3A next step::cfpull create-secret --name my-credential --values values.yaml --chart-version 1.12.16 --docker-server "${REGISTRY:?set REGISTRY to your registry host}" --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin',
    ])
    const text = readFileSync(join(dir, 'values.yaml'), 'utf8')
    expect(text).toContain('image_pull_secrets: my-credential')
    const second = await run(dir, inputs)
    expect([second.code, second.outputs, second.stdout]).toEqual([0, { changed: 'false', files: '[]' }, ''])
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toBe(text)
    expect(second.summary).toContain('| `values.yaml` | ✔ up to date | 3 targets already in place |')
  })

  it('chart-values: services come from the chart default values file', async () => {
    const chartValues = join(repo, 'test/fixtures/chart/values.yaml')
    const dir = workspace({ 'values.yaml': example, 'chart/values.yaml': chartValues })
    const r = await run(dir, { values: 'values.yaml', secret: 'my-credential', 'chart-values': 'chart/values.yaml' })
    expect(r.code).toBe(5)
    expect(r.outputs.changed).toBe('true')
  })

  it('a file that is not YAML becomes an annotation at its line', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'values.yaml'), 'console:\n  password: **********\n')
    const r = await run(dir, { values: 'values.yaml', secret: 'my-credential' })
    expect([r.code, r.outputs]).toEqual([3, { changed: 'false', files: '[]' }])
    expect(r.stdout).toBe(
      '::error file=values.yaml,line=2,col=13::values.yaml:2:13: ********** is an alias to an anchor that is not defined before it',
    )
  })

  it('a pattern that matches nothing, or a literal name that does not exist, fails clearly', async () => {
    const dir = workspace({ 'deploy/values.yaml': example })
    const glob = await run(dir, { values: 'deploy/values.yaml nope/**/*.yaml', secret: 'x' })
    expect([glob.code, glob.stdout]).toEqual([2, `::error title=cfpull::no file matches nope/**/*.yaml (in ${dir})`])
    const literal = await run(dir, { values: 'deploy/value.yaml', secret: 'x' })
    expect([literal.code, literal.stdout]).toEqual([
      2,
      `::error title=cfpull::no file matches deploy/value.yaml (in ${dir})`,
    ])
  })

  it('an input cfpull refuses is an annotation with its message, and nothing is written', async () => {
    const dir = workspace({ 'values.yaml': example })
    const r = await run(dir, { values: 'values.yaml', secret: 'my-credential', mode: 'patch', plugins: 'sometimes' })
    expect(r.code).toBe(2)
    expect(r.stdout).toBe(
      "::error title=cfpull::option '--plugins <mode>' argument 'sometimes' is invalid. Allowed choices are auto, connector, registry, none.",
    )
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toBe(readFileSync(example, 'utf8'))
    const bad = await run(dir, { values: 'values.yaml', secret: 'my-credential', 'only-present': 'yes' })
    expect([bad.code, bad.stdout]).toEqual([2, "::error title=cfpull::only-present must be true or false, not 'yes'"])
  })
})
