import { describe, expect, it } from 'vitest'
import { chartImages } from '../../../src/core/cloudforet/chart-images.js'
import { UsageError } from '../../../src/core/errors.js'

// The figures cloudforet-images.md gives from real renders of the two assembled charts.
const defaults = (version: string) => chartImages(version).images.filter((i) => i.default === true)

describe('chartImages', () => {
  it('2.0.0-dev35: 28 default (service, image) pairs, 25 distinct images', () => {
    const d = defaults('2.0.0-dev35')
    expect(new Set(d.map((i) => `${i.service} ${i.image}`)).size).toBe(28)
    const images = [...new Set(d.map((i) => i.image!))].sort()
    expect(images.filter((i) => !i.startsWith('cloudforet/'))).toEqual([
      'mongo',
      'nginx:stable',
      'redis',
      'redis:latest',
    ])
    expect(images.filter((i) => i.startsWith('cloudforet/'))).toHaveLength(21)
    expect(images).toHaveLength(25)
  })

  it('1.12.16: 24 default pairs, 22 distinct images', () => {
    const d = defaults('1.12.16')
    expect(new Set(d.map((i) => `${i.service} ${i.image}`)).size).toBe(24)
    expect(new Set(d.map((i) => i.image)).size).toBe(22)
  })

  it('keeps the rows that are off by default, and the repository image', () => {
    const c = chartImages('2.0.0-dev35')
    expect(c.render).toBe('ok')
    expect(c.repositoryImage).toBe('cloudforet/repository:2.0.dev37')
    expect(c.images.find((i) => i.service === 'identity' && i.role === 'sidecar:rest_web')).toEqual({
      service: 'identity',
      role: 'sidecar:rest_web',
      image: 'nginx:stable',
      default: false,
      src: 'subchart',
    })
    expect(c.images.filter((i) => i.service === 'supervisor')).toEqual([
      { service: 'supervisor', role: 'main', image: 'cloudforet/supervisor:2.0.dev19', default: true, src: 'umbrella' },
      { service: 'supervisor', role: 'sidecar:redis', image: 'redis:latest', default: true, src: 'subchart' },
    ])
  })

  it('says what is unknown: a failed render, an unreadable sub-chart, no managed catalog', () => {
    const c = chartImages('2.0.0-dev34')
    expect(c.render).toBe('helm failed: Use --debug flag to render out invalid YAML')
    expect(c.images.every((i) => i.default === null)).toBe(true)
    const old = chartImages('1.11.0')
    expect(old.pluginListNote).toBe('no managed_resource/plugin at v1.10.4')
    expect(old.images.filter((i) => i.src !== 'umbrella' && i.src !== 'subchart')).toEqual([
      {
        service: 'consul',
        role: 'main',
        image: null,
        default: null,
        src: 'unresolved',
        note: 'external chart consul (https://helm.releases.hashicorp.com >=0.1.0), not mirrored',
      },
      { service: 'vault', role: 'main', image: 'vault:latest', default: false, src: 'template' },
    ])
  })

  it('an unknown version is the usage error chartInfo gives', () => {
    expect(() => chartImages('9.9.9')).toThrow(UsageError)
    expect(() => chartImages('9.9.9')).toThrow(/^unknown chart version 9\.9\.9 \(nearest known: /)
  })
})
