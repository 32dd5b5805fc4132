import { describe, expect, it } from 'vitest'
import { parseImageRef, registryHostOf } from '../../../src/core/credentials/image-ref.js'

// Expected values are what distribution/reference's ParseNormalizedNamed gives (its
// normalize_test.go cases), plus the kubelet's default tag.
const valid: Array<[string, string, string, string | undefined, string | undefined]> = [
  // image, registry, path, tag, digest
  ['nginx', 'docker.io', 'library/nginx', 'latest', undefined],
  ['nginx:1.27', 'docker.io', 'library/nginx', '1.27', undefined],
  ['cloudforet/console:2.0', 'docker.io', 'cloudforet/console', '2.0', undefined],
  ['docker.io/cloudforet/console:2.0', 'docker.io', 'cloudforet/console', '2.0', undefined],
  ['docker.io/redis', 'docker.io', 'library/redis', 'latest', undefined],
  ['index.docker.io/library/redis:7', 'docker.io', 'library/redis', '7', undefined],
  ['registry-1.docker.io/library/redis', 'registry-1.docker.io', 'library/redis', 'latest', undefined],
  ['harbor.example.com/cf/console:1', 'harbor.example.com', 'cf/console', '1', undefined],
  [
    'harbor.example.com:8443/cf/sub/console:1.2.3-rc.1',
    'harbor.example.com:8443',
    'cf/sub/console',
    '1.2.3-rc.1',
    undefined,
  ],
  ['localhost/x', 'localhost', 'x', 'latest', undefined],
  ['localhost:5000/x', 'localhost:5000', 'x', 'latest', undefined],
  ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000', 'team/app', 'v1', undefined],
  ['[::1]:5000/app', '[::1]:5000', 'app', 'latest', undefined],
  // A first part with upper case is a host (it cannot be a repository path component).
  ['Registry/app', 'Registry', 'app', 'latest', undefined],
  // A first part without '.', ':' or localhost is a Docker Hub user.
  ['myhost/app', 'docker.io', 'myhost/app', 'latest', undefined],
  ['ghcr.io/a/b@sha256:' + 'a'.repeat(64), 'ghcr.io', 'a/b', undefined, 'sha256:' + 'a'.repeat(64)],
  ['ghcr.io/a/b:1@sha256:' + 'b'.repeat(64), 'ghcr.io', 'a/b', '1', 'sha256:' + 'b'.repeat(64)],
  ['a__b/c.d-e_f', 'docker.io', 'a__b/c.d-e_f', 'latest', undefined],
]

describe('parseImageRef', () => {
  it.each(valid)('%s', (image, registry, path, tag, digest) => {
    const r = parseImageRef(image)
    expect(r).toEqual({
      original: image,
      registry,
      path,
      name: `${registry}/${path}`,
      ...(tag !== undefined && { tag }),
      ...(digest !== undefined && { digest }),
    })
  })

  const invalid: Array<[string, string]> = [
    ['', 'it is empty'],
    ['a'.repeat(64), 'a 64-character hexadecimal string is an image ID, not a repository name'],
    ['Cloudforet', '"Cloudforet" must be lower case letters, digits and . _ -'],
    ['harbor.example.com/Cf/x', '"Cf" must be lower case letters, digits and . _ -'],
    ['harbor.example.com//x', 'the repository path has an empty part'],
    ['x:-bad', '"-bad" is not a valid tag'],
    ['x@sha256:short', '"sha256:short" is not a digest like sha256:<hex>'],
    ['-bad.host/x', '"-bad.host" is not a registry host'],
    ['a/b/' + 'c'.repeat(250), 'the repository name is longer than 255 characters'],
  ]
  it.each(invalid)('refuses %j', (image, reason) => {
    expect(() => parseImageRef(image)).toThrow(`${JSON.stringify(image)} is not an image reference: ${reason}`)
  })

  it('registryHostOf: the host, or null for what the kubelet could not pull', () => {
    expect(['cloudforet/x', 'host:5000/x', 'bad//x'].map(registryHostOf)).toEqual(['docker.io', 'host:5000', null])
  })
})
