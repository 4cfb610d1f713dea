import { describe, expect, it } from 'vitest'
import { startTestApp } from '../helpers/app.ts'
import { addUser, Browser } from '../helpers/auth.ts'
import { testDb } from '../helpers/db.ts'
import { startFeedServer } from './feed-server.ts'

const NOW = new Date('2026-11-26T12:00:00Z')

describe('stories forms for operators', () => {
  it('adds a feed, polls it, unlinks a wrong match, adds a note from the page view and removes the feed', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const { url, call } = await startTestApp(db, { now: () => NOW })
    const page = (await (await call('POST', '/api/pages', { url: 'https://t.me/golubev', aliases: ['Голубев'] })).json()).page as { id: number }
    await addUser(db, 'olga', 'operator')
    const olga = new Browser(url)
    await olga.login('olga')

    // A bad address is refused with the reason and the input kept; nothing is stored.
    const refused = await olga.post('/stories/sources', { url: 'mos.ru/rss', title: 'Мэрия' }, { csrfFrom: '/stories' })
    expect(refused.status).toBe(400)
    const refusedHtml = await refused.text()
    expect(refusedHtml).toContain('url: url must be an http(s) address of an RSS or Atom feed')
    expect(refusedHtml).toContain('value="mos.ru/rss"')
    expect(await db.selectFrom('story_sources').select('id').execute()).toEqual([])

    const added = await olga.post('/stories/sources', { url: `${feeds.url}/moved`, title: '' }, { csrfFrom: '/stories' })
    expect(added.status).toBe(303)
    expect(added.headers.get('location')).toBe('/stories?notice=source-added#feeds')
    expect((await olga.post('/stories/sources', { url: `${feeds.url}/moved` }, { csrfFrom: '/stories' })).status).toBe(409)

    expect((await olga.post('/stories/poll', {}, { csrfFrom: '/stories' })).headers.get('location')).toBe('/stories?notice=polled#feeds')
    const listed = await (await olga.get('/stories?notice=polled')).text()
    expect(listed).toContain('Все ленты опрошены')
    expect(listed).toContain('упоминает «Голубев»')

    // Unlink the match from the stories page: it goes, and stays gone after another poll.
    const story = await db.selectFrom('page_stories').select('story_id').where('page_id', '=', page.id).executeTakeFirstOrThrow()
    const unlinked = await olga.post(`/stories/${story.story_id}/unlink`, { page: String(page.id), back: `/stories?page=${page.id}` }, { csrfFrom: '/stories' })
    expect(unlinked.headers.get('location')).toBe(`/stories?page=${page.id}&notice=unlinked`)
    await olga.post('/stories/poll', {}, { csrfFrom: '/stories' })
    expect(await db.selectFrom('page_stories').select('removed_at').where('story_id', '=', story.story_id).executeTakeFirstOrThrow()).toEqual({ removed_at: NOW.getTime() / 1000 })

    // A note from the page view: date and time are read in the display time zone (Moscow, UTC+3).
    const view = await (await olga.get(`/pages/${page.id}`)).text()
    expect(view).toContain('action="/stories/notes"')
    const noted = await olga.post('/stories/notes', { page: String(page.id), back: `/pages/${page.id}#related-stories`, title: 'Прямой эфир губернатора', date: '2026-11-20', time: '15:00', link: '' }, { csrfFrom: `/pages/${page.id}` })
    expect(noted.status).toBe(303)
    expect(noted.headers.get('location')).toBe(`/pages/${page.id}#related-stories`)
    const note = await db.selectFrom('stories').select(['title', 'published_at', 'source_id', 'link']).where('source_id', 'is', null).executeTakeFirstOrThrow()
    expect(note).toEqual({ title: 'Прямой эфир губернатора', published_at: Date.parse('2026-11-20T12:00:00Z') / 1000, source_id: null, link: null })
    const badNote = await olga.post('/stories/notes', { page: String(page.id), title: '', date: '2026-11-20', time: '15:00' }, { csrfFrom: `/pages/${page.id}` })
    expect(badNote.status).toBe(400)
    expect(await badNote.text()).toContain('title: title must not be empty')

    // The page view lists the note (within its 30-day range) beside the chart.
    expect(await (await olga.get(`/pages/${page.id}`)).text()).toMatch(/id="related-stories"[\s\S]*Прямой эфир губернатора/)

    const source = await db.selectFrom('story_sources').select('id').executeTakeFirstOrThrow()
    expect((await olga.post(`/stories/sources/${source.id}/delete`, {}, { csrfFrom: '/stories' })).headers.get('location')).toBe('/stories?notice=source-removed#feeds')
    expect(await db.selectFrom('stories').select('title').execute()).toEqual([{ title: 'Прямой эфир губернатора' }])
  })

  it('shows viewers no forms and refuses their posts, and refuses posts without the CSRF token', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db, { now: () => NOW })
    await addUser(db, 'vera', 'viewer')
    await addUser(db, 'olga', 'operator')
    const vera = new Browser(url)
    await vera.login('vera')
    const html = await (await vera.get('/stories')).text()
    expect(html).not.toContain('action="/stories/sources"')
    expect((await vera.post('/stories/sources', { url: 'https://a.example/rss' }, { csrfFrom: '/stories' })).status).toBe(403)

    const olga = new Browser(url)
    await olga.login('olga')
    expect((await olga.post('/stories/sources', { url: 'https://a.example/rss' })).status).toBe(403)
    expect(await db.selectFrom('story_sources').select('id').execute()).toEqual([])
  })
})
