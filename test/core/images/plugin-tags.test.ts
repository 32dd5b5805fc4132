import { describe, expect, it } from 'vitest'
import { newestVersionTags } from '../../../src/core/images/plugin-tags.js'

describe('newestVersionTags', () => {
  it('orders as PEP 440: dev < pre-release < release < post-release, numbers by value', () => {
    const tags = [
      '1.0',
      'latest',
      '1.0.post1',
      '1.0rc1',
      '1.0.dev3',
      '1.0a2',
      '1.10.0',
      '1.9.0',
      'v2.0.dev31',
      'stable',
    ]
    expect(newestVersionTags(tags, 20)).toEqual([
      'v2.0.dev31',
      '1.10.0',
      '1.9.0',
      '1.0.post1',
      '1.0',
      '1.0rc1',
      '1.0a2',
      '1.0.dev3',
    ])
  })

  it('keeps the newest N and never a tag that is not a version', () => {
    expect(newestVersionTags(['latest', '2.0.dev2', '2.0.dev10', '1.12.3'], 2)).toEqual(['2.0.dev10', '2.0.dev2'])
    expect(newestVersionTags(['latest', 'main'], 3)).toEqual([])
  })
})
