export interface TtlCacheOptions<V = unknown> {
  /** How long an entry is served after it was made (measured with `now`). */
  ttlMs: number
  /** Most entries kept; the oldest go first (200 when absent). */
  maxEntries?: number
  /** Most bytes kept, as `sizeOf` measures entries; the oldest go first (no limit when absent). */
  maxBytes?: number
  sizeOf?: (value: V) => number
  now?: () => number
  /**
   * What the entries are computed from, e.g. the database's data version (src/db/data-version.ts).
   * An entry made under another version is stale at once, however young. Read before computing, so
   * a write that lands during a load leaves an entry that the next read already treats as stale.
   */
  version?: () => string
}

/** When and from what an entry was made (see `stamp()`). */
export interface Stamp {
  at: number
  version: string
}

/**
 * Remembers answers for a short time, or until the data they came from changes. The overview's totals,
 * filter lists and group sums read every visible page (tens of milliseconds at 130,000 pages); they do
 * not change with the sort or the page of the table and only move when a collection writes (or the
 * clock moves their windows), so analysts paging and re-sorting get them from here. Without `version`
 * figures may lag a write by up to `ttlMs`; with it, only the clock's part lags. Entries are bounded
 * in number (and bytes, with `maxBytes`); the oldest go first.
 */
export function ttlCache<V = unknown>(options: TtlCacheOptions<V>) {
  const now = options.now ?? Date.now
  const max = options.maxEntries ?? 200
  const maxBytes = options.maxBytes ?? Infinity
  const sizeOf = options.sizeOf ?? (() => 0)
  const version = options.version ?? (() => '')
  const entries = new Map<string, Stamp & { value: V; size: number }>()
  let bytes = 0

  const remove = (key: string) => {
    const entry = entries.get(key)
    if (!entry) return
    bytes -= entry.size
    entries.delete(key)
  }
  /** A clock that went backwards (tests, NTP steps) makes an entry stale too. */
  const fresh = (entry: Stamp, stamp: Stamp) => entry.version === stamp.version && stamp.at >= entry.at && stamp.at - entry.at < options.ttlMs

  const cache = {
    /** The moment and data version to stamp an entry with; take it before computing the value. */
    stamp: (): Stamp => ({ at: now(), version: version() }),
    /** The entry for `key` if it is still fresh at `stamp`. */
    peek(key: string, stamp: Stamp = cache.stamp()): V | undefined {
      const entry = entries.get(key)
      return entry && fresh(entry, stamp) ? entry.value : undefined
    },
    /** Remembers `value`, made at `stamp`, as the newest entry. Values larger than the byte limit are not kept. */
    set(key: string, value: V, stamp: Stamp): void {
      remove(key)
      const size = sizeOf(value)
      if (size > maxBytes) return
      entries.set(key, { ...stamp, value, size })
      bytes += size
      while (entries.size > max || bytes > maxBytes) remove(entries.keys().next().value!)
    },
    /**
     * For caches of promises: the fresh entry for `key`, or `load()`'s promise, remembered at once so
     * concurrent callers share one load. A failed load is not remembered.
     */
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      const stamp = cache.stamp()
      const hit = cache.peek(key, stamp)
      if (hit !== undefined) return hit as Promise<T>
      const value = load()
      cache.set(key, value as V, stamp)
      value.catch(() => entries.get(key)?.value === value && remove(key))
      return value
    },
    clear: () => {
      entries.clear()
      bytes = 0
    },
    get size() {
      return entries.size
    },
  }
  return cache
}

export type TtlCache = ReturnType<typeof ttlCache>
