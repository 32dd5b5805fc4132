import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

// `-o` as kubectl spells it (src/cli/output-format.ts): json is the --json document byte for
// byte, yaml the same data in YAML, and --json with another format is a usage error.

const FIXTURE = join(import.meta.dirname, '../fixtures/doctor/release-1-12-four-services.yaml')

describe('charts -o', () => {
  it('-o json, -ojson and --output=json print the --json document', async () => {
    const json = await runCli(['charts', '--json'])
    expect(json.code).toBe(0)
    for (const args of [['-o', 'json'], ['-ojson'], ['--output=json']])
      expect(await runCli(['charts', ...args])).toEqual({ code: 0, stdout: json.stdout, stderr: '' })
  })

  it('-o yaml prints the same document in YAML, dates quoted for YAML 1.1 readers', async () => {
    const [json, yaml] = await Promise.all([runCli(['charts', '--json']), runCli(['charts', '-o', 'yaml'])])
    expect(yaml.code).toBe(0)
    expect(yaml.stderr).toBe('')
    expect(yaml.stdout.split('\n').slice(0, 8)).toEqual([
      'command: charts',
      'exitCode: 0',
      'ok: true',
      'charts:',
      '  - version: 1.6.4-dev1',
      '    date: "2021-03-19"',
      '    supervisorImage: null',
      '  - version: 1.6.4',
    ])
    expect(parse(yaml.stdout)).toEqual(JSON.parse(json.stdout))
  })
})

describe('doctor -o', () => {
  it('-o json is the --json document; -o yaml the same data', async () => {
    const [json, oJson, yaml] = await Promise.all([
      runCli(['doctor', '-f', FIXTURE, '--json']),
      runCli(['doctor', '-f', FIXTURE, '-o', 'json']),
      runCli(['doctor', '-f', FIXTURE, '-o', 'yaml']),
    ])
    expect(json.code).toBe(6)
    expect(oJson).toEqual(json)
    expect(yaml.code).toBe(6)
    expect(yaml.stderr).toBe('')
    expect(yaml.stdout.split('\n').slice(0, 5)).toEqual([
      'command: doctor',
      'exitCode: 6',
      'ok: false',
      `values: ${FIXTURE}`,
      'valuesFrom: file',
    ])
    expect(parse(yaml.stdout)).toEqual(JSON.parse(json.stdout))
  })

  it('-o yaml with --json is exit 2, the error in the --json document, and no file is read', async () => {
    const unread = join(tempDir(), 'missing.yaml')
    const r = await runCli(['doctor', '-f', unread, '-o', 'yaml', '--json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('error: --json and -o yaml ask for two formats: choose one\n')
    expect(JSON.parse(r.stdout)).toEqual({
      command: 'doctor',
      exitCode: 2,
      ok: false,
      error: { type: 'UsageError', exitCode: 2, message: '--json and -o yaml ask for two formats: choose one' },
    })
  })

  it('-o json with --json is one request, not two', async () => {
    const r = await runCli(['doctor', '-f', FIXTURE, '-o', 'json', '--json'])
    expect(r).toEqual(await runCli(['doctor', '-f', FIXTURE, '--json']))
  })

  it('a usage error under -o yaml is a YAML document', async () => {
    const r = await runCli(['doctor', '-o', 'yaml', '--bogus'])
    expect(r).toEqual({
      code: 2,
      stdout: [
        'command: doctor',
        'exitCode: 2',
        'ok: false',
        'error:',
        '  type: UsageError',
        '  exitCode: 2',
        "  message: unknown option '--bogus'",
        '',
      ].join('\n'),
      stderr: "error: unknown option '--bogus'\n(run with --help for usage)\n",
    })
  })

  it('a format the command does not have is exit 2 naming the choices', async () => {
    expect(await runCli(['doctor', '-o', 'table'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: option '-o, --output <format>' argument 'table' is invalid. Allowed choices are json, yaml.\n(run with --help for usage)\n",
    })
  })

  it('-s is --secret', async () => {
    const [short, long] = await Promise.all([
      runCli(['doctor', '-f', FIXTURE, '-s', 'other', '--json']),
      runCli(['doctor', '-f', FIXTURE, '--secret', 'other', '--json']),
    ])
    expect(short).toEqual(long)
    expect(JSON.parse(short.stdout).secrets).toEqual(['other'])
  })
})

describe('patch -o stays a FILE', () => {
  it('-o json writes a file named json, and the help says -o is a file', async () => {
    const dir = tempDir()
    const input = join(dir, 'values.yaml')
    writeFileSync(input, 'console:\n  enabled: true\n')
    const out = join(dir, 'json')
    const r = await runCli(['patch', input, '-s', 'a', '--services', 'console', '--plugins', 'none', '-o', out, '-q'])
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(readFileSync(out, 'utf8')).toBe('console:\n  imagePullSecrets:\n    - name: a\n  enabled: true\n')
    expect(readFileSync(input, 'utf8')).toBe('console:\n  enabled: true\n')
    // commander wraps help at 80 columns off a terminal: compare the words.
    const help = (await runCli(['patch', '--help'])).stdout.replace(/\s+/g, ' ')
    expect(help).toContain(
      '-o, --output <file> write the result to this FILE instead of in place (a file, not a format as in doctor -o: the report is --json)',
    )
  })
})
