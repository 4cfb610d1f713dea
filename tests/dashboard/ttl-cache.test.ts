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

  it('treats an entry made under another data version as stale at once, and a clock that went back too', async () => {
    let clock = 0
    let version = 'a'
    let loads = 0
    const cache = ttlCache({ ttlMs: 60_000, now: () => clock, version: () => version })
    const load = async () => ++loads
    expect(await cache.get('totals', load)).toBe(1)
    expect(await cache.get('totals', load)).toBe(1)
    version = 'b'
    expect(await cache.get('totals', load)).toBe(2)
    expect(await cache.get('totals', load)).toBe(2)
    clock = -1
    expect(await cache.get('totals', load)).toBe(3)
  })

  it('stamps an entry with the version read before computing it', () => {
    let version = 'before'
    const cache = ttlCache<string>({ ttlMs: 60_000, version: () => version })
    const stamp = cache.stamp()
    version = 'written meanwhile'
    cache.set('answer', 'computed during the write', stamp)
    expect(cache.peek('answer')).toBeUndefined()
  })

  it('drops the oldest entries past the byte limit, and never keeps a value larger than it', () => {
    const cache = ttlCache<string>({ ttlMs: 60_000, maxBytes: 10, sizeOf: (s) => s.length })
    const stamp = cache.stamp()
    cache.set('a', 'aaaa', stamp)
    cache.set('b', 'bbbb', stamp)
    cache.set('c', 'cccc', stamp)
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')]).toEqual([undefined, 'bbbb', 'cccc'])
    cache.set('huge', 'x'.repeat(11), stamp)
    expect(cache.peek('huge')).toBeUndefined()
    expect(cache.size).toBe(2)
  })
})
