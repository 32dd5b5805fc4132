/**
 * The committed image table is what `npm run gen:images` makes of ../shared/cloudforet-images.json
 * today: nobody edited it by hand, and nobody changed the data without regenerating. The data sits
 * beside the corpus ($CFPULL_CORPUS/../../cloudforet-images.json), read in place.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import { afterAll, expect, it } from 'vitest'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const CORPUS = resolve(REPO_ROOT, process.env.CFPULL_CORPUS || join('..', 'shared', 'fixtures', 'cloudforet'))
const DATA = resolve(CORPUS, '..', '..', 'cloudforet-images.json')
const dir = mkdtempSync(join(tmpdir(), 'cfpull-image-table-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('src/core/cloudforet/image-table.ts equals a fresh generation from cloudforet-images.json', () => {
  expect(existsSync(DATA), `missing ${DATA} (set CFPULL_CORPUS to the corpus beside it)`).toBe(true)
  const out = join(dir, 'image-table.ts')
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'gen-image-table.mjs'), DATA, out], { stdio: 'pipe' })
  const committed = readFileSync(join(REPO_ROOT, 'src', 'core', 'cloudforet', 'image-table.ts'), 'utf8')
  // toBe on 120 kB would print both; a boolean with the first differing line is enough to act on.
  const fresh = readFileSync(out, 'utf8')
  const a = committed.split('\n')
  const b = fresh.split('\n')
  const at = a.findIndex((line, i) => line !== b[i])
  expect(at === -1 && a.length === b.length, `line ${at + 1} differs: run npm run gen:images and commit`).toBe(true)
})
