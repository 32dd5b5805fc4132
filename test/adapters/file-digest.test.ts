import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { textDigest, fileDigest } from '../../src/adapters/file-digest.js'
import { tempDir } from '../helpers/tmp.js'

/** A chart-shaped tree: Chart.yaml and templates/a.yaml. */
function tree(): string {
  const dir = join(tempDir(), 'chart')
  mkdirSync(join(dir, 'templates'), { recursive: true })
  writeFileSync(join(dir, 'Chart.yaml'), 'name: c\nversion: 0.1.0\n')
  writeFileSync(join(dir, 'templates', 'a.yaml'), 'kind: A\n')
  return dir
}

describe('fileDigest: what a file or a chart tree holds', () => {
  it("a file: the sha256 of its bytes (sha256sum's), the same as textDigest of its text", async () => {
    const file = join(tempDir(), 'v.yaml')
    writeFileSync(file, 'a: 1\n')
    // printf 'a: 1\n' | sha256sum
    expect(await fileDigest(file)).toBe('sha256:37b128c59f1f5097f73f82691cb519f1f568667faab5ced1b4ab979d36837eae')
    expect(textDigest('a: 1\n')).toBe(await fileDigest(file))
  })

  it('nothing there: null', async () => {
    expect(await fileDigest(join(tempDir(), 'none'))).toBeNull()
  })

  it('a tree: the same for the same tree; a change of bytes, a rename or a new empty directory is a change', async () => {
    const dir = tree()
    const first = await fileDigest(dir)
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await fileDigest(dir)).toBe(first)

    writeFileSync(join(dir, 'templates', 'a.yaml'), 'kind: B\n')
    const changed = await fileDigest(dir)
    expect(changed).not.toBe(first)
    writeFileSync(join(dir, 'templates', 'a.yaml'), 'kind: A\n')
    expect(await fileDigest(dir)).toBe(first)

    renameSync(join(dir, 'templates', 'a.yaml'), join(dir, 'templates', 'b.yaml'))
    expect(await fileDigest(dir)).not.toBe(first)
    renameSync(join(dir, 'templates', 'b.yaml'), join(dir, 'templates', 'a.yaml'))

    mkdirSync(join(dir, 'charts'))
    expect(await fileDigest(dir)).not.toBe(first)
    rmSync(join(dir, 'charts'), { recursive: true })
    expect(await fileDigest(dir)).toBe(first)
  })

  it('.git is left out, as helm leaves it out', async () => {
    const dir = tree()
    const first = await fileDigest(dir)
    mkdirSync(join(dir, '.git'))
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n')
    expect(await fileDigest(dir)).toBe(first)
  })

  it('links are followed (a change behind one is a change); a loop ends; a dangling link is part of the tree', async () => {
    const dir = tree()
    const outside = join(tempDir(), 'shared.yaml')
    writeFileSync(outside, 'x: 1\n')
    symlinkSync(outside, join(dir, 'templates', 'shared.yaml'))
    const linked = await fileDigest(dir)
    writeFileSync(outside, 'x: 2\n')
    expect(await fileDigest(dir)).not.toBe(linked)

    symlinkSync(dir, join(dir, 'templates', 'loop'))
    const looped = await fileDigest(dir)
    expect(looped).toMatch(/^sha256:/)

    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'))
    expect(await fileDigest(dir)).not.toBe(looped)
  })
})
