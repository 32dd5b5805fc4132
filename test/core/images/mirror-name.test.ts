import { describe, expect, it } from 'vitest'
import { ExitCode, UsageError } from '../../../src/core/errors.js'
import {
  canonicalImage,
  MirrorNameConflictError,
  mirrorName,
  mirrorNames,
  parseMirrorTarget,
} from '../../../src/core/images/mirror-name.js'

const harbor = { host: 'harbor.example.com', path: 'cloudforet' }
const digest = `sha256:${'a'.repeat(64)}`

describe('parseMirrorTarget', () => {
  it.each([
    ['harbor.example.com/cloudforet', { host: 'harbor.example.com', path: 'cloudforet' }],
    ['harbor.example.com/cloudforet/', { host: 'harbor.example.com', path: 'cloudforet' }],
    ['harbor.example.com:8443/team/cf', { host: 'harbor.example.com:8443', path: 'team/cf' }],
    ['localhost:5000/cf', { host: 'localhost:5000', path: 'cf' }],
    ['localhost/cf', { host: 'localhost', path: 'cf' }],
    ['127.0.0.1:5000/a/b/c', { host: '127.0.0.1:5000', path: 'a/b/c' }],
    ['index.docker.io/myorg', { host: 'docker.io', path: 'myorg' }],
  ])('%s', (text, target) => {
    expect(parseMirrorTarget(text)).toEqual(target)
  })

  it.each([
    [
      'harbor.example.com',
      'it has no path: give one, as in harbor.example.com/cloudforet (an empty path would name images harbor.example.com//<image>)',
    ],
    [
      'harbor.example.com/',
      'it has no path: give one, as in harbor.example.com/cloudforet (an empty path would name images harbor.example.com//<image>)',
    ],
    ['https://harbor.example.com/cf', 'leave out the scheme, as in harbor.example.com/cf'],
    ['/cf', 'it has no registry host (e.g. harbor.example.com/cloudforet)'],
    [
      'harbor/cf',
      '"harbor" is read as a Docker Hub namespace, not a registry: give the full host (with a dot or a :port)',
    ],
    ['harbor.example.com/Cloudforet', '"Cloudforet" must be lower case letters, digits and . _ -'],
    ['harbor.example.com/a//b', 'the repository path has an empty part'],
    ['harbor.example.com/cf:1', '"cf:1" must be lower case letters, digits and . _ -'],
  ])('%s is exit 2', (text, why) => {
    let err: unknown
    try {
      parseMirrorTarget(text)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(ExitCode.Usage)
    expect((err as UsageError).message).toBe(`${JSON.stringify(text)} is not a mirror HOST/PATH: ${why}`)
  })
})

describe('mirrorName', () => {
  it.each([
    // The examples.
    ['cloudforet/console:2.0.dev31', 'harbor.example.com/cloudforet/console:2.0.dev31'],
    ['mongo', 'harbor.example.com/cloudforet/mongo:latest'],
    // A missing tag is :latest, a digest is kept (with or without a tag).
    ['redis', 'harbor.example.com/cloudforet/redis:latest'],
    [`redis@${digest}`, `harbor.example.com/cloudforet/redis@${digest}`],
    [`redis:7@${digest}`, `harbor.example.com/cloudforet/redis:7@${digest}`],
    // Every source host and depth keeps only the last path component.
    ['docker.io/library/nginx:stable', 'harbor.example.com/cloudforet/nginx:stable'],
    ['registry.hub.docker.com/cloudforet/plugin-x:1.0', 'harbor.example.com/cloudforet/plugin-x:1.0'],
    ['ghcr.io/org/team/tool:v2', 'harbor.example.com/cloudforet/tool:v2'],
    ['localhost:5000/a/b:1', 'harbor.example.com/cloudforet/b:1'],
    // An image already in the mirror keeps its name.
    ['harbor.example.com/cloudforet/console:1', 'harbor.example.com/cloudforet/console:1'],
  ])('%s', (source, name) => {
    expect(mirrorName(source, harbor)).toBe(name)
  })

  it('puts the name under a deep path and a port', () => {
    expect(mirrorName('cloudforet/identity:1.12.4', { host: 'localhost:5000', path: 'a/b' })).toBe(
      'localhost:5000/a/b/identity:1.12.4',
    )
  })
})

describe('canonicalImage', () => {
  it('makes docker.io, index.docker.io and registry.hub.docker.com one host', () => {
    const spellings = [
      'redis',
      'redis:latest',
      'docker.io/redis',
      'docker.io/library/redis:latest',
      'index.docker.io/library/redis',
      'registry.hub.docker.com/redis',
      'registry.hub.docker.com/library/redis:latest',
    ]
    expect(new Set(spellings.map(canonicalImage))).toEqual(new Set(['docker.io/library/redis:latest']))
  })
})

describe('mirrorNames', () => {
  it('maps each source; one image spelled two ways is not a conflict', () => {
    const m = mirrorNames(
      ['cloudforet/console:2.0.dev31', 'mongo', 'registry.hub.docker.com/library/mongo:latest', 'mongo'],
      harbor,
    )
    expect([...m]).toEqual([
      ['cloudforet/console:2.0.dev31', 'harbor.example.com/cloudforet/console:2.0.dev31'],
      ['mongo', 'harbor.example.com/cloudforet/mongo:latest'],
      ['registry.hub.docker.com/library/mongo:latest', 'harbor.example.com/cloudforet/mongo:latest'],
    ])
  })

  it('refuses two images that land on one name, naming both', () => {
    let err: unknown
    try {
      mirrorNames(['redis:latest', 'cloudforet/console:1', 'bitnami/redis'], harbor)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(MirrorNameConflictError)
    expect((err as MirrorNameConflictError).exitCode).toBe(ExitCode.Usage)
    expect((err as MirrorNameConflictError).sources).toEqual(['redis:latest', 'bitnami/redis'])
    expect((err as Error).message).toBe(
      'redis:latest and bitnami/redis both map to harbor.example.com/cloudforet/redis:latest: a mirror keeps only ' +
        'the image name, so one would overwrite the other; keep one of them out of this mirror',
    )
  })
})
