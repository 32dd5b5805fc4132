// --password-stdin on a real terminal: a pseudo-terminal (Python's pty module) runs the built CLI,
// answers the prompts, and reads back everything the terminal showed. With echo off, the typed
// password never appears there.
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'

const repo = join(import.meta.dirname, '../..')
const bin = join(repo, 'bin/cfpull.js')

const PTY = `
import json, os, pty, select, sys, time
cfg = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execve(cfg["argv"][0], cfg["argv"], cfg["env"])
seen = b""
def read_until(token, limit=20):
    global seen
    end = time.time() + limit
    while token.encode() not in seen and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            seen += chunk
for prompt, answer in cfg["answers"]:
    read_until(prompt)
    os.write(fd, answer.encode())
    # Only what is shown after this answer counts against the next prompt.
    seen_before = len(seen)
    read_until("\\n")
while True:
    r, _, _ = select.select([fd], [], [], 5)
    if not r:
        break
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
print(json.dumps({"screen": seen.decode("utf8", "replace"), "code": os.waitstatus_to_exitcode(status)}))
`

async function onTerminal(args: string[], answers: [string, string][]) {
  const r = await execa(
    'python3',
    [
      '-c',
      PTY,
      JSON.stringify({
        argv: [process.execPath, bin, ...args],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NO_COLOR: '1', TERM: 'dumb' },
        answers,
      }),
    ],
    { reject: false },
  )
  if (r.exitCode !== 0) throw new Error(`pty runner failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as { screen: string; code: number }
}

const args = [
  'create-secret',
  '--name',
  'c',
  '--docker-server',
  'harbor.example.com',
  '--docker-username',
  'robot',
  '--password-stdin',
  '-n',
  'ns',
  '--dry-run',
]

describe('--password-stdin on a terminal', () => {
  it('prompts "Password:" and, creating, "Password again:", with echo off', async () => {
    const r = await onTerminal(args, [
      ['Password: ', 'Typed-Secret-42\r'],
      ['Password again: ', 'Typed-Secret-42\r'],
    ])
    expect(r.code).toBe(0)
    expect(r.screen).toMatch(/^Password: \r\nSecret c \(password from stdin\) → namespace ns\r\nPassword again: \r\n/)
    expect(r.screen).not.toContain('Typed-Secret-42')
    // The manifest carries the password, base64 inside .dockerconfigjson, as asked for by --dry-run.
    const data = /\.dockerconfigjson: (\S+)/.exec(r.screen)![1]!
    expect(Buffer.from(data, 'base64').toString()).toContain('"password":"Typed-Secret-42"')
  })

  it('two different answers: exit 2 and nothing else happens', async () => {
    const r = await onTerminal(args, [
      ['Password: ', 'first\r'],
      ['Password again: ', 'second\r'],
    ])
    expect(r.code).toBe(2)
    expect(r.screen).toContain('error: the two passwords differ; nothing was changed')
    expect(r.screen).not.toContain('.dockerconfigjson')
  })
})
