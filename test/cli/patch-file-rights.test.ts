// What `patch` does to the file it writes, run as a user would run it: the built CLI as an
// unprivileged user (tests run as root, where every permission check passes). A file the user
// may not write is refused untouched; a hard-linked file stays linked and the report says why
// it was written in place.
import { chmodSync, chownSync, linkSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nodeAsNobody } from '../helpers/as-nobody.js'
import { tempDir } from '../helpers/tmp.js'

const bin = join(import.meta.dirname, '../../bin/cfpull.js')
const VALUES = 'console:\n  enabled: true\n'

function cfpullAsNobody(cwd: string, args: string[]) {
  // A HOME of its own, so the code cache stays out of the directory under test.
  const home = tempDir()
  chmodSync(home, 0o777)
  return nodeAsNobody([bin, ...args], { cwd, env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' } })
}

// A directory nobody may write in, holding values.yaml with this owner and mode.
function workspace(uid: number, mode: number): { dir: string; file: string } {
  const dir = tempDir()
  chmodSync(dir, 0o777)
  const file = join(dir, 'values.yaml')
  writeFileSync(file, VALUES)
  chownSync(file, uid, uid)
  chmodSync(file, mode)
  return { dir, file }
}

describe('cfpull patch and the rights on the values file', () => {
  it('a read-only file of the user: exit 3, one line saying what to do, the file byte for byte as it was', () => {
    const { dir, file } = workspace(65534, 0o444)
    const r = cfpullAsNobody(dir, ['patch', 'values.yaml', '--secret', 'my-credential'])
    expect(r).toEqual({
      code: 3,
      stdout: '',
      stderr:
        'error: values.yaml: is read-only (mode 0444), so cfpull left it as it was: make it writable with chmod u+w values.yaml and run again, or write the result elsewhere with -o FILE\n',
    })
    expect(readFileSync(file, 'utf8')).toBe(VALUES)
    expect(statSync(file)).toMatchObject({ mode: 0o100444, uid: 65534, gid: 65534 })
    expect(readdirSync(dir)).toEqual(['values.yaml'])
  })

  it("another user's file: exit 3, and the owner is named; -o FILE, as it says, works", () => {
    const { dir, file } = workspace(0, 0o644)
    const r = cfpullAsNobody(dir, ['patch', 'values.yaml', '--secret', 'my-credential', '-q'])
    expect(r).toEqual({
      code: 3,
      stdout: '',
      stderr:
        'error: values.yaml: you may not write it (mode 0644, owner 0, group 0), so cfpull left it as it was: ask its owner for write access, or write the result elsewhere with -o FILE\n',
    })
    expect(readFileSync(file, 'utf8')).toBe(VALUES)
    const o = cfpullAsNobody(dir, ['patch', 'values.yaml', '--secret', 'my-credential', '-q', '-o', 'patched.yaml'])
    expect(o.code, o.stderr).toBe(0)
    expect(readFileSync(join(dir, 'patched.yaml'), 'utf8')).toContain(
      '  imagePullSecrets:\n    - name: my-credential\n',
    )
    expect(readFileSync(file, 'utf8')).toBe(VALUES)
  })

  it('a hard-linked file stays one file under both names, and the report says it was written in place', () => {
    const { dir, file } = workspace(65534, 0o640)
    const other = join(dir, 'deploy-values.yaml')
    linkSync(file, other)
    const ino = statSync(file).ino
    const r = cfpullAsNobody(dir, ['patch', 'values.yaml', '--secret', 'my-credential'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      '✔ values.yaml: patched (1 section patched, 22 added, the plugin route set)',
      '  written in place: it has 2 hard links, and a new file would leave the others with the old text; not atomic, so a crash midway can leave it part-written',
    ])
    const text = readFileSync(other, 'utf8')
    expect(text).toContain('console:\n  imagePullSecrets:\n    - name: my-credential\n  enabled: true\n')
    expect(readFileSync(file, 'utf8')).toBe(text)
    expect(statSync(file)).toMatchObject({ ino, nlink: 2, mode: 0o100640, uid: 65534, gid: 65534 })
    const json = cfpullAsNobody(dir, ['patch', 'values.yaml', '--secret', 'other', '--json'])
    expect(JSON.parse(json.stdout).files[0]).toMatchObject({ written: true, writtenInPlace: 'hard-links' })
    expect(statSync(other).ino).toBe(ino)
  })
})
