import { describe, expect, it } from 'vitest'
import { migrateToLatest } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'
import { testDb, testDbFile } from './helpers/db.ts'
import { startTestApp, VK_TEST_TOKEN } from './helpers/app.ts'
import { VK_GROUP_MEMBERS } from './helpers/platform-server.ts'

// The recorded t.me/s/durov preview has posts of May–August 2026; collect "on" 2026-08-10 so the
// 24 h – 7 d reach window holds some of them.
const NOW = new Date('2026-08-10T12:00:00Z')
const now = () => NOW

describe('HTTP API, end to end on a real SQLite file', () => {
  it('registers pages, collects them from both platforms and serves the history', async () => {
    const { db, path } = await testDbFile()
    const { call, platforms } = await startTestApp(db, { now })

    const links = ['https://vk.com/club33438842', 'https://t.me/durov', '@Python', 't.me/nikolai', 'https://m.vk.com/id1/']
    const ids: number[] = []
    for (const url of links) {
      const response = await call('POST', '/api/pages', { url, region: 'Ростовская область', tags: ['governor'] })
      expect(response.status, url).toBe(201)
      const { page } = await response.json()
      ids.push(page.id)
    }
    const [vkGroup, durov, python, nikolai, vkUser] = ids

    const collected = await call('POST', '/api/collect')
    expect(collected.status).toBe(200)
    const { run } = await collected.json()
    expect(run).toMatchObject({ pages: 5, ok: 4, failed: 1, status: 'finished', trigger: 'manual' })
    expect(run.statusCounts).toEqual({ ok: 4, unsupported: 1 })

    const { pages } = await (await call('GET', '/api/pages', undefined, null)).json()
    const byId = new Map(pages.map((p: { id: number }) => [p.id, p]))
    expect(byId.get(vkGroup)).toMatchObject({ platform: 'vk', followers: VK_GROUP_MEMBERS, status: 'ok', platformId: '-33438842', title: 'ВЧ Владимиркий лагерь 29760 (армия)', region: 'Ростовская область', tags: ['governor'] })
    expect(byId.get(durov)).toMatchObject({ platform: 'telegram', handle: 'durov', followers: 11_286_994, followersExact: true, title: 'Pavel Durov', status: 'ok', collectedAt: NOW.toISOString() })
    expect(byId.get(python)).toMatchObject({ handle: 'python', followers: 97_957, status: 'ok' })
    expect(byId.get(nikolai)).toMatchObject({ followers: null, status: 'unsupported' })
    expect((byId.get(nikolai) as { statusMessage: string }).statusMessage).toMatch(/user/i)
    expect(byId.get(vkUser)).toMatchObject({ followers: 5_937_280, platformId: '1', status: 'ok' })

    const snapshots = await (await call('GET', `/api/pages/${durov}/snapshots`, undefined, null)).json()
    expect(snapshots.snapshots).toEqual([{ collectedAt: NOW.toISOString(), followers: 11_286_994, exact: true, avgViews: expect.any(Number) }])

    const { posts } = await (await call('GET', `/api/pages/${durov}/posts`, undefined, null)).json()
    expect(posts).toHaveLength(20)
    expect(posts.at(-1)).toMatchObject({ url: 'https://t.me/durov/519', views: 8_670_000 })

    const vkPosts = (await (await call('GET', `/api/pages/${vkGroup}/posts`, undefined, null)).json()).posts
    expect(vkPosts).toHaveLength(5)
    expect(vkPosts.every((p: { views: number | null }) => p.views === null)).toBe(true) // absent in VK's answer: null, never 0
    expect(vkPosts[0]).toMatchObject({ url: 'https://vk.com/wall-33438842_868', reposts: 1, comments: 8 })

    // The dashboard shows the same figures, and the chart gets its data in an attribute.
    const list = await (await call('GET', '/', undefined, null)).text()
    expect(list).toContain('Pavel Durov')
    expect(list).toContain('11 286 994'.replace(/ /g, '\u00a0'))
    const detail = await (await call('GET', `/pages/${durov}`, undefined, null)).text()
    expect(detail).toMatch(/<canvas id="followers-chart" data-series="\[\{&quot;t&quot;:1786363200000,&quot;v&quot;:11286994\}\]"/)
    expect(detail).toContain('/static/chart.umd.js')
    const chartJs = await call('GET', '/static/chart.umd.js', undefined, null)
    expect(chartJs.status).toBe(200)
    expect(chartJs.headers.get('content-type')).toMatch(/javascript/)

    // The VK token travels only to the VK server, and never shows up in what we serve.
    expect(JSON.stringify(pages)).not.toContain(VK_TEST_TOKEN)
    expect(platforms.hits.some((h) => h.includes('groups.getById'))).toBe(true)

    // A restart keeps everything.
    await db.destroy()
    const reopened = openDb(path)
    await migrateToLatest(reopened)
    const again = await startTestApp(reopened, { now, platforms })
    const after = (await (await again.call('GET', '/api/pages', undefined, null)).json()).pages
    expect(after).toHaveLength(5)
    expect(after.find((p: { id: number }) => p.id === durov)).toMatchObject({ followers: 11_286_994 })
    await reopened.destroy()
  })

  it('answers bad input with a status and a sentence, and stores nothing', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db)
    const cases: [string, string, unknown, string | null, number, RegExp][] = [
      ['POST', '/api/pages', { url: 'https://t.me/durov' }, null, 401, /operator token/],
      ['POST', '/api/pages', { url: 'https://t.me/durov' }, 'wrong-token', 401, /not valid/],
      ['POST', '/api/pages', '{"url": ', 'ok', 400, /must be JSON/],
      ['POST', '/api/pages', '[1,2]', 'ok', 400, /JSON object/],
      ['POST', '/api/pages', {}, 'ok', 400, /url is required/],
      ['POST', '/api/pages', { url: '' }, 'ok', 400, /Paste a link/],
      ['POST', '/api/pages', { url: 'https://example.com/news' }, 'ok', 400, /not a supported platform/],
      ['POST', '/api/pages', { url: 'https://t.me/+AbCdEf123' }, 'ok', 400, /private invite link/],
      ['POST', '/api/pages', { url: 'https://t.me/durov/123' }, 'ok', 400, /post/],
      ['POST', '/api/pages', { url: 'https://t.me/durov', tags: 'governor' }, 'ok', 400, /tags/],
      ['POST', '/api/pages', { url: 'https://t.me/durov', color: 'red' }, 'ok', 400, /unknown field: color/],
      ['POST', '/api/pages', { url: 'x'.repeat(100_000) }, 'ok', 413, /too large|larger than/],
      ['POST', '/api/collect', undefined, null, 401, /operator token/],
      ['GET', '/api/pages/999/snapshots', undefined, null, 404, /no page #999/],
      ['GET', '/api/pages/999/posts', undefined, null, 404, /no page #999/],
      ['GET', '/api/nothing', undefined, null, 404, /Nothing here/],
    ]
    for (const [method, path, body, token, status, message] of cases) {
      const response = await call(method, path, body, token === 'ok' ? undefined : token)
      const label = `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)}`
      expect(response.status, label).toBe(status)
      expect((await response.json()).error, label).toMatch(message)
    }
    expect(await db.selectFrom('pages').selectAll().execute()).toEqual([])
  })

  it('refuses a page registered twice, whatever form the link takes', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db)
    expect((await call('POST', '/api/pages', { url: 'https://t.me/Durov/' })).status).toBe(201)
    for (const url of ['@durov', 't.me/s/durov', 'https://telegram.me/DUROV?x=1']) {
      const response = await call('POST', '/api/pages', { url })
      expect(response.status, url).toBe(409)
      expect((await response.json()).error).toMatch(/already registered as #1/)
    }
    expect((await call('POST', '/api/pages', { url: 'vk.com/public5' })).status).toBe(201)
    expect((await call('POST', '/api/pages', { url: 'https://vk.com/club5' })).status).toBe(409)
  })

  it('validates time parameters of the snapshot series', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db)
    await call('POST', '/api/pages', { url: '@durov' })
    const response = await call('GET', '/api/pages/1/snapshots?from=yesterday')
    expect(response.status).toBe(400)
    expect((await response.json()).error).toMatch(/from must be an ISO date-time/)
  })

  it('answers /healthz', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db)
    expect((await call('GET', '/healthz', undefined, null)).status).toBe(200)
  })
})
