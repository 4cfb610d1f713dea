import SQLite from 'better-sqlite3'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { Identity } from '../../src/http/auth.ts'
import { insertPage } from '../../src/db/pages.ts'
import type { Db } from '../../src/db/schema.ts'
import { recordOutcomes } from '../../src/db/snapshots.ts'
import { OTHER_PROCESS_LAG_MS, RESPONSE_MAX_AGE_MS, responseCache } from '../../src/http/response-cache.ts'
import { startTestApp } from '../helpers/app.ts'
import { testDbFile } from '../helpers/db.ts'

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0)

/** A registered VK page with one collected sample, written the way the collector writes it. */
async function seedPage(db: Db, handle: string, followers: number) {
  const page = await insertPage(db, { platform: 'vk', handle, url: `https://vk.com/${handle}`, title: handle, region: 'Ростовская область' }, new Date(T0 - 3_600_000))
  await collect(db, page.id, followers, T0 / 1000 - 60)
  return page.id
}

const collect = (db: Db, id: number, followers: number, at: number) =>
  recordOutcomes(db, [{ page: { id, consecutiveFailures: 0 }, outcome: { ok: true, sample: { followers, followersExact: true, title: null, platformId: null, posts: null } } }], at, { pauseAfterFailures: 5 })

/** A real file database with two pages, and the app over HTTP on a clock the test moves. */
async function cachedApp(env: Record<string, string> = {}) {
  const { db, path } = await testDbFile()
  const first = await seedPage(db, 'first_page', 1000)
  const second = await seedPage(db, 'second_page', 2000)
  let clock = T0
  const app = await startTestApp(db, { now: () => new Date(clock), env: { PUBLIC_DASHBOARD: 'true', ...env } })
  const get = (path: string, headers: Record<string, string> = {}) => fetch(app.url + path, { headers })
  return { db, path, ids: { first, second }, get, call: app.call, advance: (ms: number) => (clock += ms) }
}

const followersOf = async (response: Response, id: number) => ((await response.json()) as { rows: { id: number; followers: number }[] }).rows.find((r) => r.id === id)?.followers

describe('cached JSON answers', () => {
  it('answers a repeated request with the same body and a strong ETag, private to the browser', async () => {
    const { get } = await cachedApp()
    const first = await get('/api/overview?perPage=50')
    const second = await get('/api/overview?perPage=50')
    expect(first.status).toBe(200)
    expect(first.headers.get('etag')).toMatch(/^"[\w-]{20,}"$/)
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'))
    expect(await second.text()).toBe(await first.text())
    expect(second.headers.get('cache-control')).toBe('private, no-cache')
    expect(second.headers.get('content-type')).toMatch(/^application\/json/)
    // The app's security headers still go on every answer, cached or not.
    expect(second.headers.get('x-content-type-options')).toBe('nosniff')
    const head = await fetch(second.url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('etag')).toBe(first.headers.get('etag'))
    expect(await head.text()).toBe('')
  })

  it('answers If-None-Match with a 304 and no body, and a changed answer with a 200', async () => {
    const { db, ids, get } = await cachedApp()
    const etag = (await get('/api/overview')).headers.get('etag')!
    for (const sent of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const revalidated = await get('/api/overview', { 'if-none-match': sent })
      expect(revalidated.status, sent).toBe(304)
      expect(await revalidated.text()).toBe('')
      expect(revalidated.headers.get('etag')).toBe(etag)
      expect(revalidated.headers.get('cache-control')).toBe('private, no-cache')
    }
    expect((await get('/api/overview', { 'if-none-match': '"an-old-etag"' })).status).toBe(200)
    await collect(db, ids.first, 1500, T0 / 1000)
    const changed = await get('/api/overview', { 'if-none-match': etag })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('etag')).not.toBe(etag)
    expect(await followersOf(changed, ids.first)).toBe(1500)
  })

  it("changes the answer at once after a write through the app's own connection", async () => {
    const { db, ids, get, call } = await cachedApp()
    expect(await followersOf(await get('/api/overview'), ids.first)).toBe(1000)
    expect(await followersOf(await get('/api/overview'), ids.first)).toBe(1000)
    // The collector's write path (prepared statements under Kysely).
    await collect(db, ids.first, 1234, T0 / 1000)
    const after = await (await get('/api/overview')).json()
    expect(after.rows.find((r: { id: number }) => r.id === ids.first).followers).toBe(1234)
    // The totals line is remembered separately, and moves with the rows.
    expect(after.totals.followers).toBe(1234 + 2000)
    // A write through the API.
    expect((await call('POST', '/api/pages', { url: 'https://vk.com/third_page' })).status).toBe(201)
    const added = await (await get('/api/overview')).json()
    expect(added.total).toBe(3)
    expect((await (await get('/api/pages')).json()).pages).toHaveLength(3)
  })

  it(`changes the answer within ${OTHER_PROCESS_LAG_MS} ms of a commit from a second connection to the same file`, async () => {
    const { path, ids, get, advance } = await cachedApp()
    const before = await (await get(`/api/pages/${ids.second}`)).json()
    expect(before.page.title).toBe('second_page')
    expect((await (await get(`/api/pages/${ids.second}`)).json()).page.title).toBe('second_page')
    const other = new SQLite(path) // as the CLI or a second process would
    other.prepare('update pages set title = ? where id = ?').run('Renamed elsewhere', ids.second)
    other.close()
    advance(OTHER_PROCESS_LAG_MS)
    const after = await (await get(`/api/pages/${ids.second}`)).json()
    expect(after.page.title).toBe('Renamed elsewhere')
  })

  it(`reuses an answer for up to ${RESPONSE_MAX_AGE_MS / 1000} s of the clock, then computes it again`, async () => {
    const { ids, get, advance } = await cachedApp()
    // The 7-day series ends now: its `to` shows when the answer was computed.
    const path = `/api/pages/${ids.first}/series?range=7d`
    const first = await (await get(path)).json()
    expect(first.to).toBe(new Date(T0).toISOString())
    advance(RESPONSE_MAX_AGE_MS - 1000)
    expect((await (await get(path)).json()).to).toBe(first.to)
    advance(1000)
    expect((await (await get(path)).json()).to).toBe(new Date(T0 + RESPONSE_MAX_AGE_MS).toISOString())
  })

  it('keeps different query strings apart', async () => {
    const { get } = await cachedApp()
    const one = await (await get('/api/overview?perPage=1&sort=followers&order=asc')).json()
    const both = await (await get('/api/overview?perPage=2&sort=followers&order=asc')).json()
    const other = await (await get('/api/overview?perPage=1&sort=followers&order=desc')).json()
    expect(one.rows.map((r: { handle: string }) => r.handle)).toEqual(['first_page'])
    expect(both.rows.map((r: { handle: string }) => r.handle)).toEqual(['first_page', 'second_page'])
    expect(other.rows.map((r: { handle: string }) => r.handle)).toEqual(['second_page'])
  })

  it('still refuses anonymous readers when the dashboard is not public, after an answer was cached', async () => {
    const { get, call } = await cachedApp({ PUBLIC_DASHBOARD: 'false' })
    const allowed = await call('GET', '/api/overview')
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('etag')).toBeTruthy()
    expect((await call('GET', '/api/overview')).status).toBe(200)
    const anonymous = await get('/api/overview')
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toEqual({ error: expect.stringMatching(/Log in/) })
    expect((await get('/api/overview', { 'if-none-match': allowed.headers.get('etag')! })).status).toBe(401)
  })

  it('keeps no refusals, downloads or answers that set a cookie', async () => {
    const { ids, get, call } = await cachedApp()
    const missing = await get('/api/pages/999')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('etag')).toBeNull()
    const download = await get('/api/overview?export=json')
    expect(download.headers.get('content-disposition')).toMatch(/attachment/)
    expect(download.headers.get('cache-control')).toBe('no-store')
    expect(download.headers.get('etag')).toBeNull()
    const switching = await get('/api/overview?lang=en')
    expect(switching.headers.get('set-cookie')).toMatch(/^lang=en/)
    expect(switching.headers.get('etag')).toBeNull()
    // The live progress of a collection run lives in memory, so /api/runs is always computed.
    expect((await call('GET', '/api/runs')).headers.get('etag')).toBeNull()
    expect((await get(`/api/pages/${ids.first}`)).headers.get('etag')).toBeTruthy()
  })
})

describe('responseCache()', () => {
  const identity = (role: Identity['role']): Identity => ({ kind: 'token', role, name: role, id: 1, csrfToken: null, sessionId: null, mustChangePassword: false })

  it('keeps each role apart, in case an answer ever differs by role', async () => {
    let computed = 0
    const app = new Hono()
      .use(async (c, next) => {
        const role = c.req.header('x-role') as Identity['role'] | undefined
        c.set('identity', role ? identity(role) : null)
        await next()
      })
      .get('/who', responseCache({ version: () => 'v1', now: () => 0 }), (c) => c.json({ role: c.get('identity')?.role ?? 'anonymous', computed: ++computed }))
    const who = async (role?: string) => (await app.request('/who', { headers: role ? { 'x-role': role } : {} })).json()
    expect(await who('admin')).toEqual({ role: 'admin', computed: 1 })
    expect(await who('viewer')).toEqual({ role: 'viewer', computed: 2 })
    expect(await who()).toEqual({ role: 'anonymous', computed: 3 })
    expect(await who('admin')).toEqual({ role: 'admin', computed: 1 })
  })

  it('keeps at most maxEntries answers, dropping the oldest', async () => {
    let computed = 0
    const app = new Hono().get('/n/:n', responseCache({ version: () => 'v1', now: () => 0, maxEntries: 2 }), (c) => c.json({ n: c.req.param('n'), computed: ++computed }))
    const n = async (k: number) => ((await (await app.request(`/n/${k}`)).json()) as { computed: number }).computed
    expect([await n(1), await n(2), await n(3)]).toEqual([1, 2, 3])
    expect(await n(3)).toBe(3)
    expect(await n(2)).toBe(2)
    expect(await n(1)).toBe(4) // dropped when the third arrived
  })
})
