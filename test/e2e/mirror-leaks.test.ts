// `cfpull mirror`'s credential surfaces, on the built CLI as a user runs it: skopeo runs through
// a wrapper that records its argv, its environment and the modes of the auth file and the private
// directory it is given, then execs the real skopeo against two real registries. Every record,
// stdout, stderr and --json are searched for both passwords and their encoded forms; the private
// directory must be gone after success, failure, SIGINT and SIGTERM.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRegistries, type RegistrySet, type TestRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

const repo = join(import.meta.dirname, '../..')
const bin = join(repo, 'bin/cfpull.js')
const SRC_PASSWORD = 'Src-Leak-Sentinel-4tR8'
const DEST_PASSWORD = 'Dest-Leak-Sentinel-9pW3'
const b64 = (s: string) => Buffer.from(s).toString('base64')
const forms = [
  SRC_PASSWORD,
  DEST_PASSWORD,
  b64(SRC_PASSWORD),
  b64(DEST_PASSWORD),
  b64(`puller:${SRC_PASSWORD}`),
  b64(`robot:${DEST_PASSWORD}`),
]

let set: RegistrySet
let src: TestRegistry
let dst: TestRegistry

beforeAll(async () => {
  set = await startRegistries([
    { mode: 'htpasswd', users: { puller: SRC_PASSWORD } },
    { mode: 'htpasswd', users: { robot: DEST_PASSWORD } },
  ])
  ;[src, dst] = set.registries as [TestRegistry, TestRegistry]
  await src.seedImage('cloudforet/console', '2.0.dev31', { platforms: ['linux/amd64', 'linux/arm64'] })
}, 60000)
afterAll(async () => {
  await set?.stop()
})

/** A skopeo that records what it got (never the auth file's content), then runs `then`. */
function wrapper(dir: string, then: string): { path: string; log: string } {
  const log = join(dir, 'skopeo.log')
  const path = join(dir, 'skopeo')
  writeFileSync(log, '')
  writeFileSync(
    path,
    `#!/bin/sh
{ printf 'ARGV'; for a in "$@"; do printf ' %s' "$a"; done; printf '\\n'; env; printf 'END\\n'; } >> "${log}"
prev=''
for a in "$@"; do
  if [ "$prev" = --authfile ]; then
    printf 'AUTHFILE %s %s DIR %s\\n' "$a" "$(stat -c %a "$a")" "$(stat -c %a "$(dirname "$a")")" >> "${log}"
  fi
  case "$a" in *.yaml) { printf 'SYNCFILE %s\\n' "$(stat -c %a "$a")"; cat "$a"; } >> "${log}" ;; esac
  prev="$a"
done
${then}
`,
  )
  chmodSync(path, 0o755)
  return { path, log }
}

function cfpull(dir: string, skopeo: string, to: string, extraEnv: Record<string, string> = {}) {
  const list = join(dir, 'list.txt')
  writeFileSync(list, `${src.host}/cloudforet/console:2.0.dev31\n`)
  // The private directory is made under TMPDIR: a directory of the test's, to see it come and go.
  const tmp = join(dir, 'tmp')
  mkdirSync(tmp)
  return {
    tmp,
    run: execa(
      'node',
      [
        bin,
        'mirror',
        '--to',
        `${dst.host}/${to}`,
        '--images',
        list,
        '--src-username',
        'puller',
        '--dest-username',
        'robot',
        '--dest-password-stdin',
        '--src-ca',
        src.caFile,
        '--dest-ca',
        dst.caFile,
        '--json',
      ],
      {
        input: `${DEST_PASSWORD}\n`,
        reject: false,
        env: {
          PATH: process.env.PATH!,
          HOME: dir,
          TMPDIR: tmp,
          CFPULL_SKOPEO: skopeo,
          CFPULL_SRC_PASSWORD: SRC_PASSWORD,
          // A CI variable that happens to hold the destination password too: withheld from skopeo.
          DEPLOY_TOKEN: DEST_PASSWORD,
          ...extraEnv,
        },
        extendEnv: false,
      },
    ),
  }
}

function expectNoSecret(text: string, where: string): void {
  for (const f of forms) expect(text.includes(f), `${where} holds a form of a password`).toBe(false)
}

describe('cfpull mirror: credentials never leak', () => {
  it('keeps the passwords off skopeo argv and environment; the 0600 auth file and its 0700 directory are gone after the run', async () => {
    const dir = tempDir()
    const w = wrapper(dir, 'exec skopeo "$@"')
    const { run, tmp } = cfpull(dir, w.path, 'leak')
    const r = await run
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    const log = readFileSync(w.log, 'utf8')
    // skopeo is found on disk, not started to ask its version: one process, the sync.
    expect(log.match(/^ARGV /gm)).toHaveLength(1)
    expect(log).toMatch(
      /^ARGV sync --src yaml --dest docker --keep-going --all --preserve-digests --retry-times 2 --authfile \S+\/auth\.json --dest-cert-dir \S+ \S+\/sync-0\.yaml \S+\/leak$/m,
    )
    // The batch's file names the images and the CA directory, nothing else.
    expect(log).toMatch(/^SYNCFILE 600$/m)
    expect(log).toContain(`"${src.host}": {`)
    expect(log).not.toMatch(/--src-creds|--dest-creds|--src-password|--dest-password|--creds/)
    expect(log).not.toMatch(/^(CFPULL_SRC_PASSWORD|CFPULL_DEST_PASSWORD|DEPLOY_TOKEN)=/m)
    const auth = /^AUTHFILE (\S+) (\d+) DIR (\d+)$/m.exec(log)!
    expect([auth[2], auth[3]]).toEqual(['600', '700'])
    expect(auth[1]!.startsWith(`${tmp}/cfpull-skopeo-`)).toBe(true)
    expectNoSecret(log, "skopeo's argv and environment")
    expectNoSecret(r.stdout, 'stdout')
    expectNoSecret(r.stderr, 'stderr')
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'mirror', exitCode: 0, counts: { copied: 1 } })
    expect(readdirSync(tmp).filter((f) => f.startsWith('cfpull-skopeo-'))).toEqual([])
  })

  it('removes the directory when the copy fails', async () => {
    const dir = tempDir()
    const w = wrapper(dir, 'echo \'time="x" level=fatal msg="boom"\' >&2; exit 1')
    const { run, tmp } = cfpull(dir, w.path, 'fail')
    const r = await run
    expect(r.exitCode).toBe(6)
    expect(JSON.parse(r.stdout).images[0]).toMatchObject({ status: 'failed', reason: 'skopeo sync failed: boom' })
    expect(readdirSync(tmp).filter((f) => f.startsWith('cfpull-skopeo-'))).toEqual([])
  })

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops skopeo on %s, reports, exits 130 and removes the directory',
    async (signal) => {
      const dir = tempDir()
      // A copy that takes its time: the signal arrives while skopeo runs.
      const w = wrapper(dir, 'exec sleep 30')
      const { run, tmp } = cfpull(dir, w.path, signal.toLowerCase())
      for (let i = 0; i < 200 && !readFileSync(w.log, 'utf8').includes('AUTHFILE'); i++)
        await new Promise((done) => setTimeout(done, 50))
      expect(readdirSync(tmp).filter((f) => f.startsWith('cfpull-skopeo-')).length).toBe(1)
      run.kill(signal)
      const r = await run
      expect(r.exitCode).toBe(130)
      expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 130, interrupted: true })
      expect(JSON.parse(r.stdout).images[0].status).toBe('failed')
      expect(readdirSync(tmp).filter((f) => f.startsWith('cfpull-skopeo-'))).toEqual([])
    },
  )
})
