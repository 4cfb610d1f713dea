/**
 * Remembers answers for a short time. The overview's totals, filter lists and group sums read every
 * visible page (tens of milliseconds at 130,000 pages); they do not change with the sort or the page
 * of the table and only move when a collection writes, so analysts paging and re-sorting get them
 * from here. Figures may lag a write by up to `ttlMs`. Entries are few (one per filter in use) and
 * expire; the oldest go first past `maxEntries`.
 */
export function ttlCache(options: { ttlMs: number; maxEntries?: number; now?: () => number }) {
  const now = options.now ?? Date.now
  const max = options.maxEntries ?? 200
  const entries = new Map<string, { at: number; value: Promise<unknown> }>()
  return {
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      const hit = entries.get(key)
      if (hit && now() - hit.at < options.ttlMs) return hit.value as Promise<T>
      const value = load()
      entries.delete(key)
      entries.set(key, { at: now(), value })
      // A failed load is not remembered.
      value.catch(() => entries.get(key)?.value === value && entries.delete(key))
      while (entries.size > max) entries.delete(entries.keys().next().value!)
      return value
    },
    clear: () => entries.clear(),
  }
}

export type TtlCache = ReturnType<typeof ttlCache>
