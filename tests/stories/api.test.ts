import { describe, expect, it } from 'vitest'
import { testDb } from '../helpers/db.ts'
import { startTestApp } from '../helpers/app.ts'
import { startFeedServer } from './feed-server.ts'
import { DAY, seedHistory, STORY } from './seed.ts'

const NOW = new Date('2026-11-26T12:00:00Z')
const now = () => NOW

const json = async (response: Response) => ({ status: response.status, body: await response.json() })

describe('stories API, end to end over HTTP', () => {
  it('registers feeds, polls them, lists matched stories, and links, unlinks and re-links by hand', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const { call } = await startTestApp(db, { now })

    const page = await json(await call('POST', '/api/pages', { url: 'https://t.me/durov', aliases: ['Павел Дуров'] }))
    expect(page.status).toBe(201)
    const durov = page.body.page.id as number

    const added = await json(await call('POST', '/api/story-sources', { url: `${feeds.url}/xakep.xml`, title: 'Хакер' }))
    expect(added).toEqual({ status: 201, body: { source: expect.objectContaining({ id: expect.any(Number), url: `${feeds.url}/xakep.xml`, title: 'Хакер', status: 'pending', stories: 0 }) } })
    const sourceId = added.body.source.id as number
    expect((await call('POST', '/api/story-sources', { url: `${feeds.url}/xakep.xml` })).status).toBe(409)

    const poll = await json(await call('POST', '/api/story-sources/poll'))
    expect(poll.status).toBe(200)
    expect(poll.body.poll).toMatchObject({ sources: 1, ok: 1, failed: 0, added: 25, linked: 1 })

    const sources = (await json(await call('GET', '/api/story-sources'))).body.sources
    expect(sources).toEqual([expect.objectContaining({ id: sourceId, title: 'Хакер', status: 'ok', stories: 25, statusAt: NOW.toISOString(), lastOkAt: NOW.toISOString() })])

    const forPage = await json(await call('GET', `/api/stories?page=${durov}`))
    expect(forPage.status).toBe(200)
    expect(forPage.body.stories).toHaveLength(1)
    const story = forPage.body.stories[0]
    expect(story).toMatchObject({
      title: 'Павел Дуров впервые в жизни зашифровал сообщение',
      link: 'http://www.xakep.ru/post/61358/default.asp',
      source: { id: sourceId, title: 'Хакер', url: `${feeds.url}/xakep.xml` },
      publishedAt: '2013-10-03T19:35:28.000Z',
      publishedKnown: true,
      pages: [{ id: durov, origin: 'match', alias: 'Павел Дуров', platform: 'telegram', title: 'durov' }],
    })
    // No history that far back: the effect is empty, not zero.
    expect(story.pages[0].effect.followers.h24).toEqual({ base: null, after: null, before: null, excess: null, pending: false })

    // Unlink: gone from the page, and re-matching does not bring it back.
    expect(await json(await call('DELETE', `/api/pages/${durov}/stories/${story.id}`))).toEqual({ status: 200, body: { unlinked: { pageId: durov, storyId: story.id } } })
    expect((await call('DELETE', `/api/pages/${durov}/stories/${story.id}`)).status).toBe(404)
    expect((await json(await call('POST', '/api/stories/rematch'))).body.rematch).toEqual({ stories: 25, linked: 0 })
    expect((await json(await call('GET', `/api/stories?page=${durov}`))).body.stories).toEqual([])

    // Linked again by hand: restored as a manual link.
    const relinked = await json(await call('POST', `/api/pages/${durov}/stories/${story.id}`))
    expect(relinked).toEqual({ status: 201, body: { link: { pageId: durov, storyId: story.id, origin: 'manual', outcome: 'restored' } } })
    expect((await json(await call('POST', `/api/pages/${durov}/stories/${story.id}`))).body.link.outcome).toBe('exists')
    const after = (await json(await call('GET', `/api/stories?page=${durov}`))).body.stories
    expect(after.map((s: { id: number; pages: { origin: string; alias: string | null }[] }) => [s.id, s.pages[0]!.origin, s.pages[0]!.alias])).toEqual([[story.id, 'manual', null]])

    // Filters: by source, by time range.
    expect((await json(await call('GET', `/api/stories?source=${sourceId}&limit=5`))).body.stories).toHaveLength(5)
    const october = (await json(await call('GET', '/api/stories?from=2013-10-03T00:00:00Z&to=2013-10-03T23:59:59Z'))).body.stories
    expect(october.map((s: { publishedAt: string }) => s.publishedAt.slice(0, 10))).toEqual(Array(october.length).fill('2013-10-03'))
    expect(october.length).toBe(6) // one of them is dated "Sat, 04 Oct 2013 02:34:59 +0300": 3 October in UTC

    // Deleting the feed removes its stories and their links.
    expect(await json(await call('DELETE', `/api/story-sources/${sourceId}`))).toEqual({ status: 200, body: { deleted: { id: sourceId } } })
    expect((await call('DELETE', `/api/story-sources/${sourceId}`)).status).toBe(404)
    expect((await json(await call('GET', '/api/stories'))).body.stories).toEqual([])
  })

  it('adds a dated manual note for pages, and refuses bad notes with a sentence, saving nothing', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db, { now })
    const pageId = (await json(await call('POST', '/api/pages', { url: 'https://t.me/durov' }))).body.page.id as number

    const note = await json(await call('POST', '/api/stories', { title: 'Прямой эфир губернатора', link: 'https://don.example/live', publishedAt: '2026-11-20T15:00:00+03:00', pages: [pageId] }))
    expect(note.status).toBe(201)
    expect(note.body.story).toMatchObject({ title: 'Прямой эфир губернатора', link: 'https://don.example/live', source: null, publishedAt: '2026-11-20T12:00:00.000Z', pages: [{ id: pageId, origin: 'manual', alias: null }] })
    expect(note.body.story.pages[0].effect.followers.h24.pending).toBe(false)

    const bad: [unknown, number, string | RegExp][] = [
      [{ title: 'x', publishedAt: '2026-11-20T15:00:00Z', pages: [pageId, 999] }, 400, 'There is no page #999. Nothing was saved.'],
      [{ title: 'x', publishedAt: 'yesterday', pages: [pageId] }, 400, 'publishedAt: publishedAt must be an ISO date-time like 2026-11-26T10:00:00+03:00 or unix seconds, got "yesterday"'],
      [{ title: 'x', publishedAt: '2026-11-20T15:00:00Z', pages: [] }, 400, 'pages: pages must name at least one page'],
      [{ title: 'x', link: 'javascript:alert(1)', publishedAt: '2026-11-20T15:00:00Z', pages: [pageId] }, 400, 'link: link must be an http(s) address'],
      [{ title: '  ', publishedAt: '2026-11-20T15:00:00Z', pages: [pageId] }, 400, 'title: title must not be empty'],
      [{ title: 'x', publishedAt: '2026-11-20T15:00:00Z', pages: [pageId], colour: 'red' }, 400, 'unknown field: colour'],
      ['not json', 400, /JSON/],
    ]
    for (const [body, status, message] of bad) {
      const answer = await json(await call('POST', '/api/stories', body))
      expect(answer.status, JSON.stringify(body)).toBe(status)
      expect(answer.body.error, JSON.stringify(body)).toEqual(typeof message === 'string' ? message : expect.stringMatching(message))
    }
    expect(await db.selectFrom('stories').select('id').execute()).toHaveLength(1)

    expect((await json(await call('POST', '/api/story-sources', { url: 'file:///etc/passwd' }))).body.error).toBe('url: url must be an http(s) address of an RSS or Atom feed, e.g. https://www.mos.ru/rss')
    expect((await json(await call('GET', '/api/stories?sort=loudest'))).body.error).toBe('sort must be one of time, followers_24h, followers_7d, views_24h, views_7d, got "loudest"')
    expect((await json(await call('GET', '/api/stories?from=2026-11-20&to=2026-11-01'))).body.error).toBe('from must not be later than to')
    expect((await call('GET', '/api/stories?page=424242')).status).toBe(404)
    expect((await call('POST', `/api/pages/${pageId}/stories/424242`)).status).toBe(404)
    expect(await db.selectFrom('story_sources').select('id').execute()).toEqual([])
  })

  it('refuses every stories write without the operator token', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db, { now })
    const writes: [string, string, unknown?][] = [
      ['POST', '/api/story-sources', { url: 'https://a.example/rss' }],
      ['DELETE', '/api/story-sources/1'],
      ['POST', '/api/story-sources/poll'],
      ['POST', '/api/stories', { title: 'x', publishedAt: '2026-11-20T15:00:00Z', pages: [1] }],
      ['POST', '/api/stories/rematch'],
      ['POST', '/api/pages/1/stories/1'],
      ['DELETE', '/api/pages/1/stories/1'],
    ]
    for (const [method, path, body] of writes) {
      expect((await call(method, path, body, null)).status, `${method} ${path}`).toBe(401)
      expect((await call(method, path, body, 'not-the-token-at-all-0000')).status, `${method} ${path}`).toBe(401)
    }
    expect(await db.selectFrom('story_sources').select('id').execute()).toEqual([])
    expect(await db.selectFrom('stories').select('id').execute()).toEqual([])
  })

  it('serves each story’s effect from the seeded history, sortable by effect', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db, { now: () => new Date((STORY + 12 * DAY) * 1000) })
    const pageId = await seedHistory(db, 25)
    const notes = [
      { title: 'Before the surge', publishedAt: STORY - 3 * DAY },
      { title: 'Governor’s live broadcast', publishedAt: STORY },
      { title: 'Quiet day', publishedAt: STORY + 3 * DAY },
    ]
    for (const note of notes) expect((await call('POST', '/api/stories', { ...note, pages: [pageId] })).status).toBe(201)

    const byTime = (await json(await call('GET', `/api/stories?page=${pageId}`))).body.stories
    expect(byTime.map((s: { title: string }) => s.title)).toEqual(['Quiet day', 'Governor’s live broadcast', 'Before the surge'])
    const broadcast = byTime[1].pages[0].effect
    expect(broadcast.followers).toEqual({
      h24: { base: 3520, after: 720, before: 240, excess: 480, pending: false },
      d7: { base: 3520, after: 2160, before: 1680, excess: 480, pending: false },
    })
    expect(broadcast.avgViews.h24).toEqual({ base: 500, after: 300, before: 0, excess: 300, pending: false })

    type Listed = { id: number; title: string; pages: { effect: { followers: { h24: { excess: number }; d7: { excess: number } } } }[] }
    const sorted = async (query: string) => (await json(await call('GET', `/api/stories?page=${pageId}&${query}`))).body.stories as Listed[]
    // 24 hours: only the broadcast moved the numbers; ties stay newest first.
    const by24h = await sorted('sort=followers_24h')
    expect(by24h.map((s) => [s.title, s.pages[0]!.effect.followers.h24.excess])).toEqual([['Governor’s live broadcast', 480], ['Quiet day', 0], ['Before the surge', 0]])
    // 7 days: the surge falls in the week after "Before the surge" and in the week before "Quiet day".
    const by7d = await sorted('sort=followers_7d')
    expect(by7d.map((s) => [s.title, s.pages[0]!.effect.followers.d7.excess])).toEqual([['Governor’s live broadcast', 480], ['Before the surge', 480], ['Quiet day', -480]])
    expect((await sorted('sort=followers_7d&order=asc')).map((s) => s.title)).toEqual(['Quiet day', 'Governor’s live broadcast', 'Before the surge'])
    const byEffect = by24h

    // The stories page shows the same figures, and sorts the same way without JavaScript.
    const html = await (await call('GET', `/stories?page=${pageId}&sort=followers_24h`)).text()
    const order = [...html.matchAll(/<tr data-story="(\d+)"/g)].map((m) => Number(m[1]))
    expect(order).toEqual(byEffect.map((s: { id: number }) => s.id))
    expect(html).toContain('data-excess="480"')
    expect(html).toContain('+720 <span class="muted">против +240</span>') // Russian unless the reader asks otherwise
  })

  it('escapes what feeds say on the stories page and links only http(s)', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const { call } = await startTestApp(db, { now })
    await call('POST', '/api/pages', { url: 'https://t.me/golubev', aliases: ['Голубев'] })
    await call('POST', '/api/story-sources', { url: `${feeds.url}/moved` })
    await call('POST', '/api/story-sources', { url: `${feeds.url}/broken.xml` })
    await call('POST', '/api/story-sources/poll')

    const html = await (await call('GET', '/stories')).text()
    expect(html).toContain('Губернатор &amp; его &lt;команда&gt;')
    expect(html).not.toContain('<команда>')
    expect(html).not.toMatch(/href="javascript:/i)
    expect(html).toContain(`href="${feeds.url}/news/1?utm_source=rss"`)
    expect(html).toContain('упоминает «Голубев»')
    expect(await (await call('GET', '/stories?lang=en')).text()).toContain('mentions “Голубев”')
    expect(html).toMatch(/the feed is not well-formed XML \(line \d+/)

    const sourceId = (await json(await call('GET', '/api/story-sources'))).body.sources[0].id
    const filtered = await (await call('GET', `/stories?source=${sourceId}`)).text()
    expect([...filtered.matchAll(/<tr data-story=/g)]).toHaveLength(3)
    expect((await call('GET', '/stories?source=abc')).status).toBe(400)
  })
})
