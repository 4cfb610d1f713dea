import { createHash } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { ttlCache } from './ttl-cache.ts'

/**
 * How long an answer is reused while the data stays the same. Answers also depend on the clock (a page
 * turns stale, "the last 7 days" moves), so they may lag it by this much. They never lag this process's
 * writes; another process's, by up to OTHER_PROCESS_LAG_MS.
 */
export const RESPONSE_MAX_AGE_MS = 10_000
/**
 * How late a cached answer may show a commit from another process (the CLI): the data version's read
 * of that is reused this long (see laggedDataVersion). This process's writes show at once.
 */
export const OTHER_PROCESS_LAG_MS = 1000
/** Most answers remembered; the oldest go first. */
export const RESPONSE_CACHE_ENTRIES = 500
/** Most bytes of answers remembered (a 50-row overview is ~30 KB); the oldest go first. */
export const RESPONSE_CACHE_BYTES = 32 * 1024 * 1024
/** Larger answers (a whole registry's `/api/pages`) are computed each time rather than crowd out the rest. */
export const MAX_CACHED_ANSWER_BYTES = 2 * 1024 * 1024

/** Browsers may keep an answer but must ask each time (If-None-Match → 304); shared caches must not keep it at all. */
const CACHE_CONTROL = 'private, no-cache'

export interface ResponseCacheOptions {
  /** The data version answers are computed from (src/db/data-version.ts): when it moves, every entry is stale. */
  version: () => string
  /** Milliseconds, for the maximum age (the app's clock, so tests can move it). */
  now: () => number
  maxAgeMs?: number
  maxEntries?: number
  maxBytes?: number
}

interface CachedAnswer {
  body: Uint8Array<ArrayBuffer>
  type: string
  etag: string
}

/**
 * Remembers the answers of read-only GET routes, as dashboards that poll the same queries while data
 * changes hourly want: a repeated request costs a map lookup and a data-version read instead of its
 * SQL and JSON. Answers carry a strong ETag (a digest of the body) and `If-None-Match` gets a 304.
 *
 * Put it on a route AFTER its guards (the app's auth middleware runs before every route), so refusals
 * still happen; entries are keyed by the caller's role as well as by path and query, in case an answer
 * ever differs by role. JSON answers are not localised, so the language is not part of the key. Only
 * plain 200 answers are kept: none that set a cookie, choose their own Cache-Control (exports say
 * no-store) or are downloads.
 */
export function responseCache(options: ResponseCacheOptions): MiddlewareHandler {
  const cache = ttlCache<CachedAnswer>({
    ttlMs: options.maxAgeMs ?? RESPONSE_MAX_AGE_MS,
    maxEntries: options.maxEntries ?? RESPONSE_CACHE_ENTRIES,
    maxBytes: options.maxBytes ?? RESPONSE_CACHE_BYTES,
    sizeOf: (answer) => answer.body.byteLength + 200,
    now: options.now,
    version: options.version,
  })
  return createMiddleware(async (c, next) => {
    // Hono answers HEAD with the GET handler's answer minus its body, so HEAD shares the entries.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next()
    const key = keyOf(c)
    const stamp = cache.stamp() // before computing: a write during the handler leaves an entry already stale
    const hit = cache.peek(key, stamp)
    if (hit) return answer(c, hit)
    await next()
    if (!storable(c.res)) return
    const body = new Uint8Array(await c.res.arrayBuffer())
    const fresh: CachedAnswer = { body, type: c.res.headers.get('content-type')!, etag: etagOf(body) }
    if (body.byteLength <= MAX_CACHED_ANSWER_BYTES) cache.set(key, fresh, stamp)
    c.res = answer(c, fresh)
  })
}

/** Who is asking (the role: anonymous, viewer, operator, admin) and exactly what: path and query. */
function keyOf(c: Context): string {
  const identity = c.get('identity')
  const url = c.req.url
  return `${identity ? identity.role : 'anonymous'} ${url.slice(url.indexOf('/', url.indexOf('//') + 2))}`
}

function storable(res: Response): boolean {
  const headers = res.headers
  return res.status === 200 && headers.has('content-type') && !headers.has('set-cookie') && !headers.has('cache-control') && !headers.has('content-disposition')
}

const etagOf = (body: Uint8Array) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`

/** If-None-Match compares weakly (RFC 9110 §13.1.2): `W/"x"` matches `"x"`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

function answer(c: Context, cached: CachedAnswer): Response {
  if (matches(c.req.header('if-none-match'), cached.etag)) return c.body(null, 304, { etag: cached.etag, 'cache-control': CACHE_CONTROL })
  return c.body(cached.body, 200, { 'content-type': cached.type, etag: cached.etag, 'cache-control': CACHE_CONTROL })
}
