import { describe, expect, it } from 'vitest'
import { ttlCache } from '../../src/http/ttl-cache.ts'

describe('ttlCache()', () => {
  it('reuses an answer until it is older than the ttl, then loads again', async () => {
    let clock = 0
    let loads = 0
    const cache = ttlCache({ ttlMs: 1000, now: () => clock })
    const load = async () => ++loads
    expect(await cache.get('a', load)).toBe(1)
    clock = 999
    expect(await cache.get('a', load)).toBe(1)
    expect(await cache.get('b', load)).toBe(2)
    clock = 1000
    expect(await cache.get('a', load)).toBe(3)
  })

  it('does not remember a failed load, and drops the oldest entries past the limit', async () => {
    const cache = ttlCache({ ttlMs: 60_000, maxEntries: 2 })
    await expect(cache.get('x', async () => Promise.reject(new Error('database busy')))).rejects.toThrow('database busy')
    expect(await cache.get('x', async () => 'second try')).toBe('second try')
    await cache.get('y', async () => 'y')
    await cache.get('z', async () => 'z')
    expect(await cache.get('x', async () => 'loaded again')).toBe('loaded again')
    expect(await cache.get('z', async () => 'not loaded')).toBe('z')
  })
})
