import { describe, expect, it } from 'vitest'
import { mapLimit } from '../../src/core/map-limit.js'

describe('mapLimit', () => {
  it('never has more than the limit in flight and keeps the input order', async () => {
    let inFlight = 0
    let most = 0
    const out = await mapLimit([...Array(40).keys()], 8, async (i) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise((r) => setTimeout(r, i % 3))
      inFlight--
      return i * 2
    })
    expect(most).toBe(8)
    expect(out).toEqual([...Array(40).keys()].map((i) => i * 2))
  })
})
