// A docker credential helper for tests, implementing the protocol of
// github.com/docker/docker-credential-helpers exactly as its client library drives it:
//   `docker-credential-<name> get`    stdin: server URL        stdout: {"ServerURL","Username","Secret"}
//   `docker-credential-<name> store`  stdin: that JSON         stdout: nothing
//   `docker-credential-<name> erase`  stdin: server URL
//   `docker-credential-<name> list`   stdout: {"<url>": "<username>"}
//   `docker-credential-<name> version`
// A missing entry is exit 1 with "credentials not found in native keychain" on stdout (the
// message the client library matches). Debian's helpers (secretservice, pass) need a D-Bus
// keyring or a GPG agent, so this stands in for them with a JSON file as its store.
// Every call is appended to calls.jsonl (argv, stdin, environment) so tests can check them.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SCRIPT = `
const fs = require('node:fs')
const path = require('node:path')
const dir = path.dirname(process.argv[1])
const storeFile = path.join(dir, 'store.json')
const chunks = []
process.stdin.on('data', (c) => chunks.push(c))
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8')
  const cmd = process.argv[2]
  fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({ argv: process.argv.slice(2), stdin: input, env: process.env }) + '\\n')
  const store = JSON.parse(fs.readFileSync(storeFile, 'utf8'))
  const fail = (msg) => { process.stdout.write(msg + '\\n'); process.exit(1) }
  if (store.__fail) fail(store.__fail)
  if (cmd === 'get') {
    const url = input.trim()
    if (!url) fail('no credentials server URL')
    const e = store[url]
    if (!e) fail('credentials not found in native keychain')
    process.stdout.write(JSON.stringify({ ServerURL: url, Username: e.Username, Secret: e.Secret }) + '\\n')
  } else if (cmd === 'store') {
    const c = JSON.parse(input)
    store[c.ServerURL] = { Username: c.Username, Secret: c.Secret }
    fs.writeFileSync(storeFile, JSON.stringify(store))
  } else if (cmd === 'erase') {
    delete store[input.trim()]
    fs.writeFileSync(storeFile, JSON.stringify(store))
  } else if (cmd === 'list') {
    const out = {}
    for (const [k, v] of Object.entries(store)) if (!k.startsWith('__')) out[k] = v.Username
    process.stdout.write(JSON.stringify(out) + '\\n')
  } else if (cmd === 'version') {
    process.stdout.write('cfpull-test-helper 0.0.0\\n')
  } else {
    fail('Usage: docker-credential-test <store|get|erase|list|version>')
  }
})
`

export interface CredentialHelper {
  /** Directory to put first on PATH. */
  binDir: string
  /** Every call so far. */
  calls(): { argv: string[]; stdin: string; env: Record<string, string> }[]
  /** Makes every later call fail with this message (exit 1). */
  failWith(message: string): void
}

/**
 * Installs `docker-credential-<name>` into `<dir>/<name>/bin` with these entries
 * (server URL → username and secret), as `docker login` would have stored them.
 */
export function installCredentialHelper(
  dir: string,
  name: string,
  entries: Record<string, { Username: string; Secret: string }>,
): CredentialHelper {
  const binDir = join(dir, `helper-${name}`)
  mkdirSync(binDir, { recursive: true })
  const script = join(binDir, 'helper.cjs')
  writeFileSync(script, SCRIPT)
  writeFileSync(join(binDir, 'store.json'), JSON.stringify(entries))
  writeFileSync(join(binDir, 'calls.jsonl'), '')
  const bin = join(binDir, `docker-credential-${name}`)
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`)
  chmodSync(bin, 0o755)
  return {
    binDir,
    calls: () =>
      readFileSync(join(binDir, 'calls.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { argv: string[]; stdin: string; env: Record<string, string> }),
    failWith: (message) => {
      const store = JSON.parse(readFileSync(join(binDir, 'store.json'), 'utf8')) as Record<string, unknown>
      writeFileSync(join(binDir, 'store.json'), JSON.stringify({ ...store, __fail: message }))
    },
  }
}
