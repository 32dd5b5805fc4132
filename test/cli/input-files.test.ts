import { spawnSync } from 'node:child_process'
import { lstatSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/tmp.js'

// Odd input files, each as a user would hand it over: argv in, exact output and exit code out,
// and the file's bytes as they were wherever cfpull must not write.

const narrow = ['--services', 'console,identity', '--plugins', 'none']

// Deterministic "random" bytes: the same 4 KB every run (a Lehmer generator), and far from UTF-8.
function noise(size: number): Buffer {
  const out = Buffer.alloc(size)
  let x = 20260101
  for (let i = 0; i < size; i++) {
    x = (x * 48271) % 2147483647
    out[i] = x & 0xff
  }
  return out
}

function write(dir: string, name: string, content: string | Buffer): string {
  const file = join(dir, name)
  writeFileSync(file, content)
  return file
}

// What stderr may hold: printable text, tabs and line breaks; never a byte that drives a terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

describe('patch: input that is not a values file', () => {
  it('4 KB of binary is one line, exit 3, file untouched', async () => {
    const dir = tempDir()
    const bytes = noise(4096)
    const file = write(dir, 'values.yaml', bytes)
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r).toEqual({ code: 3, stdout: '', stderr: `error: ${file}: not a UTF-8 text file\n` })
    expect(readFileSync(file).equals(bytes)).toBe(true)
    expect(readdirSync(dir)).toEqual(['values.yaml'])
  })

  it('valid UTF-8 with a NUL byte is binary too', async () => {
    const file = write(tempDir(), 'values.yaml', 'console:\n  enabled: \u0000true\n')
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r).toEqual({ code: 3, stdout: '', stderr: `error: ${file}: not a UTF-8 text file\n` })
  })

  it('the other commands that read values say the same', async () => {
    const file = write(tempDir(), 'values.yaml', noise(4096))
    const doctor = await runCli(['doctor', '-f', file])
    expect(doctor).toEqual({ code: 3, stdout: '', stderr: `error: ${file}: not a UTF-8 text file\n` })
    const secret = await runCli(
      ['create-secret', '--name', 'my-credential', '--docker-username', 'robot', '--values', file, '--dry-run'],
      { env: { CFPULL_REGISTRY_PASSWORD: 'pw' } },
    )
    expect(secret).toEqual({ code: 3, stdout: '', stderr: `error: ${file}: not a UTF-8 text file\n` })
  })

  it('control characters from the file are escaped in the message and the code frame', async () => {
    const dir = tempDir()
    // ESC [2J clears a terminal, U+009B is a one-byte CSI, U+202E reverses the text after it.
    const text = 'console: "\u001b[2J\u009b\u202e x"\n'
    const file = write(dir, 'values.yaml', text)
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      [
        `error: ${file}:1:10: console is a string ("\\u001b[2J\\x9b\\u{202e} x"); expected a map of the service's values (or empty)`,
        '> 1 | console: "\\x1b[2J\\x9b\\u{202e} x"',
        '    |          ^',
        '  2 | ',
        '',
      ].join('\n'),
    )
    expect(r.stderr).not.toMatch(CONTROL)
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('the caret stays under the character the error is at, after escaped ones', async () => {
    const file = write(tempDir(), 'values.yaml', 'console: [\u001b[2J x\nb: 1\n')
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r.code).toBe(3)
    expect(r.stderr).toBe(
      [
        `error: ${file}:1:12: Missing , or : between flow sequence items`,
        '> 1 | console: [\\x1b[2J x',
        '    |               ^',
        '  2 | b: 1',
        'hint: check the indentation of this line against its siblings (YAML needs the same column for keys of one map)',
        '',
      ].join('\n'),
    )
  })

  it('a very long line is cut in the frame around the column', async () => {
    const long = `console: {${Array.from({ length: 100 }, (_, i) => `k${i}: ${i}`).join(', ')}, pw: *nope}\n`
    const file = write(tempDir(), 'values.yaml', long)
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r.code).toBe(3)
    const lines = r.stderr.split('\n')
    expect(lines[0]).toMatch(new RegExp(`^error: ${file}:1:\\d+: `))
    // Every frame line fits in a terminal, and the caret still points at the reported column.
    for (const l of lines.slice(1, 3)) expect(l.length).toBeLessThanOrEqual(130)
    const col = Number(/:1:(\d+):/.exec(lines[0]!)![1])
    const shown = lines[1]!.slice('> 1 | '.length)
    const caret = lines[2]!.indexOf('^') - '    | '.length
    expect(shown.startsWith('…')).toBe(true)
    const offset = long.indexOf(shown.slice(1, 21))
    expect(offset + caret - 1).toBe(col - 1)
  })

  it('a symlink loop is one clear line', async () => {
    const dir = tempDir()
    symlinkSync('b.yaml', join(dir, 'a.yaml'))
    symlinkSync('a.yaml', join(dir, 'b.yaml'))
    const file = join(dir, 'a.yaml')
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r).toEqual({
      code: 3,
      stdout: '',
      stderr: `error: ${file}: is a symbolic link that loops (it points, through other links, back at itself)\n`,
    })
    expect(lstatSync(file).isSymbolicLink()).toBe(true)
  })
})

const INPUT = 'console:\n  enabled: true\nidentity: {}\n'
const PATCHED =
  'console:\n  imagePullSecrets:\n    - name: my-credential\n  enabled: true\nidentity: {imagePullSecrets: [{name: my-credential}]}\n'

describe('patch: stdin and pipes', () => {
  it('patch - reads stdin and writes the result to stdout; the report goes to stderr', async () => {
    const r = await runCli(['patch', '-', '-s', 'my-credential', ...narrow], { stdin: INPUT })
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(PATCHED)
    expect(r.stderr).toBe(
      [
        '~ <stdin>: would change (2 sections to patch)',
        '    + console.imagePullSecrets: my-credential line 2',
        '    + identity.imagePullSecrets: my-credential line 5',
        '  plugins: none: --plugins none: plugin pull secrets left as they are',
        'ℹ The Secret my-credential must exist in namespaces spaceone, spaceone-plugin.',
        '  next: cfpull create-secret --name my-credential -n spaceone -n spaceone-plugin --docker-server "${REGISTRY:?set REGISTRY to your registry host}" --docker-username "${REGISTRY_USER:?set REGISTRY_USER to your registry user name}" --password-stdin',
        '',
      ].join('\n'),
    )
  })

  it('patch - --dry-run prints the diff; --check gives the verdict with no fix line it cannot name', async () => {
    const dry = await runCli(['patch', '-', '-s', 'my-credential', ...narrow, '--dry-run', '-q'], { stdin: INPUT })
    expect(dry.code).toBe(0)
    expect(dry.stderr).toBe('')
    expect(dry.stdout).toBe(
      [
        '--- a/<stdin>',
        '+++ b/<stdin>',
        '@@ -1,3 +1,5 @@',
        ' console:',
        '+  imagePullSecrets:',
        '+    - name: my-credential',
        '   enabled: true',
        '-identity: {}',
        '+identity: {imagePullSecrets: [{name: my-credential}]}',
        '',
      ].join('\n'),
    )
    const check = await runCli(['patch', '-', '-s', 'my-credential', ...narrow, '--check'], { stdin: INPUT })
    expect(check.code).toBe(5)
    expect(check.stderr).toBe('')
    expect(check.stdout).toBe(
      [
        '✖ <stdin>: needs changes (2 sections to patch)',
        '    + console.imagePullSecrets: my-credential line 2',
        '    + identity.imagePullSecrets: my-credential line 5',
        '  plugins: none: --plugins none: plugin pull secrets left as they are',
        'ℹ The Secret my-credential must exist in namespaces spaceone, spaceone-plugin.',
        '',
      ].join('\n'),
    )
  })

  it('patch - -o writes the result to the file', async () => {
    const out = join(tempDir(), 'out.yaml')
    const r = await runCli(['patch', '-', '-s', 'my-credential', ...narrow, '-o', out, '-q'], { stdin: INPUT })
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(readFileSync(out, 'utf8')).toBe(PATCHED)
  })

  it('binary on stdin is the same one line', async () => {
    const r = await runCli(['patch', '-', '-s', 'my-credential'], { stdin: noise(4096) })
    expect(r).toEqual({ code: 3, stdout: '', stderr: 'error: <stdin>: not a UTF-8 text file\n' })
  })

  it('stdin among other files cannot be patched in place, and nothing is written', async () => {
    const dir = tempDir()
    const file = write(dir, 'values.yaml', INPUT)
    const r = await runCli(['patch', file, '-', '-s', 'my-credential', ...narrow], { stdin: INPUT })
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: - (stdin) cannot be patched in place: give it as the only values file (the result goes to stdout), or use -o, --dry-run or --check\n',
    })
    expect(readFileSync(file, 'utf8')).toBe(INPUT)
  })

  it('a FIFO is read once, like stdin, and stays a FIFO', async () => {
    const dir = tempDir()
    const fifo = join(dir, 'values.yaml')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    // The writer blocks until cfpull opens the FIFO for reading, as a shell's `<(…)` would.
    const writer = writeFile(fifo, INPUT)
    const r = await runCli(['patch', fifo, '-s', 'my-credential', ...narrow, '-q'])
    await writer
    expect(r).toEqual({ code: 0, stdout: PATCHED, stderr: '' })
    expect(lstatSync(fifo).isFIFO()).toBe(true)
    expect(readdirSync(dir)).toEqual(['values.yaml'])
  })

  it('a character device (/dev/null) is read like stdin and never written', async () => {
    const r = await runCli(['patch', '/dev/null', '-s', 'my-credential', ...narrow, '-q'])
    expect(r).toEqual({
      code: 0,
      stdout:
        'console:\n  imagePullSecrets:\n    - name: my-credential\nidentity:\n  imagePullSecrets:\n    - name: my-credential\n',
      stderr: '',
    })
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true)
  })
})

describe('patch: line endings and final newlines', () => {
  it('an empty file gets text that ends with a newline', async () => {
    const file = write(tempDir(), 'values.yaml', '')
    const r = await runCli(['patch', file, '-s', 'my-credential', ...narrow, '-q'])
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(readFileSync(file, 'utf8')).toBe(
      'console:\n  imagePullSecrets:\n    - name: my-credential\nidentity:\n  imagePullSecrets:\n    - name: my-credential\n',
    )
  })

  it('a file without a final newline keeps not having one', async () => {
    const file = write(tempDir(), 'values.yaml', '# values')
    await runCli(['patch', file, '-s', 'my-credential', ...narrow, '-q'])
    expect(readFileSync(file, 'utf8')).toBe(
      '# values\nconsole:\n  imagePullSecrets:\n    - name: my-credential\nidentity:\n  imagePullSecrets:\n    - name: my-credential',
    )
  })

  it('mixed LF and CRLF: every old line keeps its bytes, new lines end like the line they follow', async () => {
    const input = [
      'console:\n', // LF: the lines inserted after it end with LF
      '  enabled: true\r\n',
      'identity:\r\n', // CRLF: the lines inserted after it end with CRLF
      '  enabled: true\n',
      'board:\r\n',
      '  imagePullSecrets:\n', // the item appended after it ends with LF
      '    - name: other\n',
    ].join('')
    const file = write(tempDir(), 'values.yaml', input)
    const r = await runCli([
      'patch',
      file,
      '-s',
      'my-credential',
      '--services',
      'console,identity,board',
      '--plugins',
      'none',
      '-q',
    ])
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(readFileSync(file, 'utf8')).toBe(
      [
        'console:\n',
        '  imagePullSecrets:\n',
        '    - name: my-credential\n',
        '  enabled: true\r\n',
        'identity:\r\n',
        '  imagePullSecrets:\r\n',
        '    - name: my-credential\r\n',
        '  enabled: true\n',
        'board:\r\n',
        '  imagePullSecrets:\n',
        '    - name: other\n',
        '    - name: my-credential\n',
      ].join(''),
    )
  })

  it('a new section at the end of a file takes the ending of its last line', async () => {
    const file = write(tempDir(), 'values.yaml', 'a: 1\nb: 2\r\n')
    await runCli(['patch', file, '-s', 'my-credential', '--services', 'console', '--plugins', 'none', '-q'])
    expect(readFileSync(file, 'utf8')).toBe(
      'a: 1\nb: 2\r\nconsole:\r\n  imagePullSecrets:\r\n    - name: my-credential\r\n',
    )
  })
})

describe('patch: YAML that is not one values document', () => {
  it('a second document is named in cfpull words, exit 3, file untouched', async () => {
    const text = 'console:\n  enabled: true\n---\nidentity:\n  enabled: true\n'
    const file = write(tempDir(), 'values.yaml', text)
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r).toEqual({
      code: 3,
      stdout: '',
      stderr: [
        `error: ${file}:3:1: a second YAML document starts here; a values file is one document`,
        '  2 |   enabled: true',
        '> 3 | ---',
        '    | ^',
        '  4 | identity:',
        'hint: put each document in a file of its own (helm takes several: -f a.yaml -f b.yaml), or remove the extra "---"',
        '',
      ].join('\n'),
    })
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('an unclosed [ is reported where it opened', async () => {
    const text = 'console:\n  enabled: true\n  args: [--debug, --port\nidentity:\n  enabled: true\n'
    const file = write(tempDir(), 'values.yaml', text)
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r).toEqual({
      code: 3,
      stdout: '',
      stderr: [
        `error: ${file}:3:9: the flow sequence that opens here with [ is never closed with ]`,
        '  2 |   enabled: true',
        '> 3 |   args: [--debug, --port',
        '    |         ^',
        '  4 | identity:',
        'hint: close it with ]; a flow sequence may go on over several lines, each indented deeper than its key',
        '',
      ].join('\n'),
    })
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('an unclosed { inside it is the one named', async () => {
    const file = write(tempDir(), 'values.yaml', 'console: [a, {name: b\nidentity: {}\n')
    const r = await runCli(['patch', file, '-s', 'my-credential'])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')[0]).toBe(
      `error: ${file}:1:14: the flow map that opens here with { is never closed with }`,
    )
  })
})
