import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ConflictError,
  ERROR_TYPES,
  ExitCode,
  FileError,
  InternalError,
  NoClusterError,
  PreflightError,
  ToolFailedError,
  ToolNotFoundError,
  UsageError,
  ValidationError,
  YamlSyntaxError,
  type CfpullError,
} from '../../src/core/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'
import { toolPath } from '../helpers/tools.js'

// README's table of --json error types is the contract: every type it lists is one the code
// has, with the exit codes it says, and the cases it names produce that type.

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')

function readmeTable(): Map<string, string> {
  const rows = README.split('\n').filter((l) => /^\| `[A-Za-z]+Error` \|/.test(l))
  return new Map(
    rows.map((l) => {
      const [, type, exit] = /^\| `(\w+)` \| ([^|]+) \|/.exec(l)!
      return [type!, exit!.trim()]
    }),
  )
}

// One error of each type as the code makes it; PreflightError both ways its exit code goes.
const SAMPLES: Record<string, CfpullError[]> = {
  UsageError: [new UsageError('x')],
  YamlSyntaxError: [new YamlSyntaxError('f', { line: 1, col: 1 }, 'x', '')],
  ValidationError: [new ValidationError('f', { line: 1, col: 1 }, 'a', 'b', 'c')],
  FileError: [new FileError('f', 'x')],
  PreflightError: [
    new PreflightError([{ message: 'x' }]),
    new PreflightError([{ message: 'x' }, { message: 'y', exitCode: ExitCode.ToolFailed }]),
  ],
  ToolNotFoundError: [new ToolNotFoundError('helm', 'x')],
  ToolFailedError: [new ToolFailedError('helm', 1, 'x')],
  NoClusterError: [new NoClusterError()],
  InternalError: [new InternalError('x')],
  ConflictError: [new ConflictError('x')],
}

describe("README's --json error types", () => {
  it('lists exactly the types the code has', () => {
    expect([...readmeTable().keys()].sort()).toEqual([...ERROR_TYPES].sort())
  })

  it.each([...readmeTable()])('%s: the type and exit codes README gives', (type, exit) => {
    const codes = [...exit.matchAll(/\d+/g)].map((m) => Number(m[0]))
    const samples = SAMPLES[type]!
    expect(samples.map((e) => e.type)).toEqual(samples.map(() => type))
    expect(samples.map((e) => e.exitCode)).toEqual(codes)
  })

  it('helm missing in apply is ToolNotFoundError, exit 4, with the preflight findings', async () => {
    const file = join(tempDir(), 'values.yaml')
    writeFileSync(file, 'console: {}\n')
    const r = await runCli(['apply', '-n', 'spaceone', '-f', file, '--json'], {
      env: { CFPULL_KUBECTL: toolPath('kubectl'), CFPULL_HELM: '/nonexistent/helm' },
    })
    expect(r.code).toBe(4)
    const doc = JSON.parse(r.stdout)
    expect(doc.error).toEqual({
      type: 'ToolNotFoundError',
      exitCode: 4,
      message: '/nonexistent/helm not found',
      hint: expect.stringMatching(/ or point CFPULL_HELM at it$/),
    })
    expect(doc.findings).toContainEqual({
      message: '/nonexistent/helm not found: install helm or point CFPULL_HELM at it',
      exitCode: 4,
    })
  })
})
