import { describe, expect, it } from 'vitest'
import {
  managedPluginReference,
  managedPluginRoute,
  repositoryConfig,
  type ManagedPluginRoute,
} from '../../../src/core/cloudforet/plugin-images.js'

function route(data: unknown, chartRepositoryImage: string | null): ManagedPluginRoute {
  const r = managedPluginRoute(data, chartRepositoryImage)
  if (!r.route) throw new Error(r.reason)
  return r.route
}

describe('managedPluginRoute with the chart defaults', () => {
  it.each([
    // repository image, list size, reference of plugin-aws-ec2-inven-collector, url path
    [
      'cloudforet/repository:1.12.5',
      24,
      'registry.hub.docker.com/spaceone/plugin-aws-ec2-inven-collector:1.0',
      'repository.application_grpc.REGISTRY_URL_MAP.DOCKER_HUB',
    ],
    [
      'cloudforet/repository:2.0.dev27',
      24,
      'registry.hub.docker.com/spaceone/plugin-aws-ec2-inven-collector:1.0',
      'repository.application_grpc.REGISTRY_INFO.DOCKER_HUB.url',
    ],
    [
      'cloudforet/repository:2.0.dev37',
      29,
      'registry.hub.docker.com/cloudforet/plugin-aws-ec2-inven-collector:1.0',
      'repository.application_grpc.REGISTRY_INFO.DOCKER_HUB.url',
    ],
  ])('%s', (image, count, reference, urlPath) => {
    const r = route({}, image)
    expect(r.repositoryImage).toBe(image)
    expect(r.repositoryImageSource).toBe('chart')
    expect(r.plugins).toHaveLength(count)
    expect(r.urlPath.join('.')).toBe(urlPath)
    expect([r.type, r.typeSource, r.urlSource, r.prefixSource, r.tagRule]).toEqual([
      'DOCKER_HUB',
      'default',
      'default',
      'default',
      'docker-hub-first-page',
    ])
    expect(managedPluginReference(r, 'plugin-aws-ec2-inven-collector', '1.0')).toBe(reference)
  })
})

describe('managedPluginRoute read from the values', () => {
  it('2.0.dev37 pointed at a mirror: type, url and prefix from the values', () => {
    const data = {
      repository: {
        application_grpc: {
          MANAGED_REGISTRY_TYPE: 'HARBOR',
          MANAGED_PLUGIN_IMAGE_PREFIX: 'cf',
          REGISTRY_INFO: { HARBOR: { url: 'harbor.example.com', image_pull_secrets: 'my-credential' } },
        },
      },
    }
    const r = route(data, 'cloudforet/repository:2.0.dev37')
    expect([r.type, r.typeSource, r.url, r.urlSource, r.prefix, r.prefixSource, r.tagRule]).toEqual([
      'HARBOR',
      'values',
      'harbor.example.com',
      'values',
      'cf',
      'values',
      'strict-version-newest',
    ])
    expect(managedPluginReference(r, 'plugin-email-noti-protocol')).toBe(
      'harbor.example.com/cf/plugin-email-noti-protocol',
    )
  })

  it('1.12.5 reads REGISTRY_URL_MAP, not REGISTRY_INFO', () => {
    const data = {
      repository: {
        image: { version: '1.12.5' },
        application_grpc: {
          MANAGED_REGISTRY_TYPE: 'HARBOR',
          REGISTRY_INFO: { HARBOR: { url: 'ignored.example.com' } },
          REGISTRY_URL_MAP: { HARBOR: 'harbor.example.com' },
        },
      },
    }
    const r = route(data, 'cloudforet/repository:2.0.dev37')
    expect(r.repositoryImage).toBe('cloudforet/repository:1.12.5')
    expect(r.repositoryImageSource).toBe('values')
    expect(r.urlPath).toEqual(['repository', 'application_grpc', 'REGISTRY_URL_MAP', 'HARBOR'])
    expect(managedPluginReference(r, 'plugin-x', '1')).toBe('harbor.example.com/spaceone/plugin-x:1')
  })

  it('a type with no url builds no reference: the repository refuses it', () => {
    const r = route(
      { repository: { application_grpc: { MANAGED_REGISTRY_TYPE: 'HARBOR' } } },
      'cloudforet/repository:2.0.dev37',
    )
    expect([r.url, r.urlSource]).toEqual(['', 'default'])
    expect(managedPluginReference(r, 'plugin-x', '1')).toBeNull()
  })

  it('a mirrored repository image is matched by its tag', () => {
    const data = { repository: { image: { name: 'harbor.example.com/cf/repository', version: '2.0.dev27' } } }
    expect(route(data, null).config.repositoryImage).toBe('cloudforet/repository:2.0.dev27')
  })

  it('a repository newer than any known on its line builds references as the newest known one', () => {
    const r = route({ repository: { image: { version: '2.0.dev52' } } }, 'cloudforet/repository:2.0.dev37')
    expect([r.repositoryImage, r.inferredFrom, r.plugins.length]).toEqual([
      'cloudforet/repository:2.0.dev52',
      'cloudforet/repository:2.0.dev37',
      29,
    ])
    expect(route({}, 'cloudforet/repository:1.12.7').inferredFrom).toBe('cloudforet/repository:1.12.5')
    // Older than the newest known of its line, or on a line the table does not have: nothing is assumed.
    expect(managedPluginRoute({}, 'cloudforet/repository:2.0.dev30').route).toBeNull()
    expect(managedPluginRoute({}, 'cloudforet/repository:2.1.0').route).toBeNull()
  })

  it('a repository with no managed catalog says so', () => {
    expect(managedPluginRoute({}, 'spaceone/repository:1.11.0')).toEqual({
      route: null,
      repositoryImage: 'spaceone/repository:1.11.0',
      reason:
        'repository 1.11.0 has no managed plugin catalog cfpull knows (1.11 and older have none; known: 1.12.3, 1.12.4, 1.12.5, 2.0.dev27, 1.12.dev7, 1.12.dev8, 1.12.dev9, 1.12.0, 2.0.dev37)',
    })
    expect(repositoryConfig('cloudforet/repository')).toBeUndefined()
  })
})
