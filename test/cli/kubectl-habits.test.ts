import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { Runner } from '../../src/adapters/run.js'
import { HARBOR_ROBOT, SECRET_NAME } from '../helpers/create-secret-env.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

// Habits a kubectl and helm user brings: `cfpull version`, a typo answered with the flag meant,
// short flags, and a child's error told in lines, with what to run when helm lacks the repo.

const repo = join(import.meta.dirname, '../..')
const example = join(repo, 'examples/values.yaml')
const version = (await import('../../package.json', { with: { type: 'json' } })).default.version
const noTools: Runner = async (file, args) => {
  throw new Error(`unexpected tool call: ${file} ${args.join(' ')}`)
}

describe('cfpull version', () => {
  it('prints what --version prints, exit 0', async () => {
    const sub = await runCli(['version'])
    const flag = await runCli(['--version'])
    expect(sub).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
    expect(sub).toEqual(flag)
  })
})

describe('a typo in a required flag', () => {
  it.each([
    [['create-secret', '--nmae', 'my-credential', '--dry-run'], '--nmae', '--name'],
    [['apply', '-f', 'values.yaml', '--namesapce', 'spaceone'], '--namesapce', '--namespace'],
    [['patch', 'values.yaml', '--secrte', 'my-credential'], '--secrte', '--secret'],
  ])('%j says which flag was meant, not that one is missing', async (args, typo, meant) => {
    const r = await runCli(args, { run: noTools })
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: unknown option '${typo}'\n(Did you mean ${meant}?)\n(run with --help for usage)\n`,
    })
  })

  it('a required flag that is really missing is still named (and in --json)', async () => {
    const r = await runCli(['create-secret', '--dry-run', '--json'], { run: noTools })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("error: required option '--name <name>' not specified\n(run with --help for usage)\n")
    expect(JSON.parse(r.stdout).error).toEqual({
      type: 'UsageError',
      exitCode: 2,
      message: "required option '--name <name>' not specified",
    })
  })
})

describe('short flags', () => {
  it('create-secret -f is --values', async () => {
    const args = (flag: string) => [
      'create-secret',
      '--name',
      SECRET_NAME,
      ...HARBOR_ROBOT,
      '--password-stdin',
      flag,
      example,
      '--dry-run',
      '-o',
      'yaml',
    ]
    const short = await runCli(args('-f'), { stdin: 'pw\n', run: noTools })
    const long = await runCli(args('--values'), { stdin: 'pw\n', run: noTools })
    expect(short.code).toBe(0)
    expect(short.stdout).toContain('namespace: cloudforet-plugin\n')
    expect(short).toEqual(long)
  })

  it('doctor -s is --secret', async () => {
    const short = await runCli(['doctor', '-f', example, '-s', 'other-secret', '--json'])
    const long = await runCli(['doctor', '-f', example, '--secret', 'other-secret', '--json'])
    expect(JSON.parse(short.stdout).secrets).toEqual(['other-secret'])
    expect(short).toEqual(long)
  })
})

describe("a child's error", () => {
  it('a tool that cannot start: each line of the message as a line, no \\x0a', async () => {
    const helm = join(tempDir(), 'helm')
    writeFileSync(helm, '')
    chmodSync(helm, 0o644)
    const r = await runCli(['images', '--chart', 'cloudforet/spaceone'], { env: { CFPULL_HELM: helm } })
    expect(r.code).toBe(4)
    expect(r.stderr).not.toContain('\\x0a')
    expect(r.stderr).toBe(
      [
        `error: helm template cloudforet/spaceone: helm failed to run (Command failed with EACCES: ${helm} template cloudforet cloudforet/spaceone -n spaceone`,
        `  spawn ${helm} EACCES)`,
        '',
      ].join('\n'),
    )
  })

  it("helm's `repo cloudforet not found` gets the repo add and update lines", async () => {
    const home = tempDir()
    for (const [k, dir] of [
      ['HELM_CACHE_HOME', 'hc'],
      ['HELM_CONFIG_HOME', 'hg'],
      ['HELM_DATA_HOME', 'hd'],
    ] as const)
      vi.stubEnv(k, join(home, dir))
    onTestFinished(() => {
      vi.unstubAllEnvs()
    })
    const r = await runCli(['images', '--chart', 'cloudforet/spaceone'], { env: { CFPULL_HELM: toolPath('helm') } })
    expect(r).toEqual({
      code: 4,
      stdout: '',
      stderr: [
        'error: helm template cloudforet/spaceone: helm exited with 1: Error: repo cloudforet not found',
        'hint: helm has no repository named cloudforet; add it, then run the command again:',
        '  helm repo add cloudforet https://cloudforet-io.github.io/charts',
        '  helm repo update',
        '',
      ].join('\n'),
    })
    const json = await runCli(['images', '--chart', 'cloudforet/spaceone', '--json'], {
      env: { CFPULL_HELM: toolPath('helm') },
    })
    expect(JSON.parse(json.stdout).error.hint).toBe(
      [
        'helm has no repository named cloudforet; add it, then run the command again:',
        'helm repo add cloudforet https://cloudforet-io.github.io/charts',
        'helm repo update',
      ].join('\n'),
    )
  })
})
