import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { insertPage } from '../../src/db/pages.ts'
import type { Db } from '../../src/db/schema.ts'
import { insertStorySource, listAliasOwners, rematchStories, unlinkStory } from '../../src/db/stories.ts'
import { silentLogger } from '../../src/logger.ts'
import { AliasMatcher } from '../../src/stories/match.ts'
import { createStoryPoller, PollInProgressError } from '../../src/stories/poll.ts'
import { testDb } from '../helpers/db.ts'
import { serve } from '../helpers/replay-server.ts'
import { startFeedServer } from './feed-server.ts'

const NOW = new Date('2026-11-26T12:00:00Z')
const NOW_S = NOW.getTime() / 1000
const at = (iso: string) => Date.parse(iso) / 1000

function poller(db: Db, options: { timeoutMs?: number; maxBytes?: number } = {}) {
  return createStoryPoller({ db, logger: silentLogger(), feedTimeoutMs: options.timeoutMs ?? 5000, feedMaxBytes: options.maxBytes ?? 1024 * 1024, now: () => NOW })
}

async function addSource(db: Db, url: string) {
  return (await insertStorySource(db, { url }, NOW)).id
}

const storiesOf = (db: Db, sourceId: number) => db.selectFrom('stories').selectAll().where('source_id', '=', sourceId).orderBy('id').execute()
const sourceRow = (db: Db, id: number) => db.selectFrom('story_sources').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

describe('news feed poll against the recorded feeds over HTTP', () => {
  it('stores a UTF-8 RSS feed without guids field by field, keyed by canonical link', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const id = await addSource(db, `${feeds.url}/mos.xml`)

    const summary = await poller(db).run()
    expect(summary).toMatchObject({ sources: 1, ok: 1, failed: 0, added: 10 })

    const stories = await storiesOf(db, id)
    expect(stories).toHaveLength(10)
    expect(stories[0]).toEqual({
      id: expect.any(Number),
      source_id: id,
      guid: null,
      link: 'https://www.mos.ru/news/item/110547073/',
      canonical_link: 'mos.ru/news/item/110547073',
      title: '«Моспром вдохновляет»: открыта регистрация на первые бесплатные спектакли',
      summary: 'Постановку по пьесе Николая Гоголя «Игроки» представят на территории особой экономической зоны «Технополис “Москва”».',
      published_at: at('2022-07-27T08:01:01Z'), // Wed, 27 Jul 2022 11:01:01 +0300
      published_known: 1,
      first_seen_at: NOW_S,
      updated_at: NOW_S,
    })
    expect(stories[9]).toMatchObject({
      title: 'Резидент технополиса «Москва» разработал решение для безопасности корпоративных сетей',
      link: 'https://www.mos.ru/news/item/110543073/',
      published_at: at('2022-07-27T06:01:01Z'),
    })
    const source = await sourceRow(db, id)
    expect(source).toMatchObject({ status: 'ok', feed_title: 'Официальный портал Мэра и Правительства Москвы', etag: '"mos-v1"', last_ok_at: NOW_S, consecutive_failures: 0 })
  })

  it('sends the stored ETag and Last-Modified back and keeps everything on a 304', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const mos = await addSource(db, `${feeds.url}/mos.xml`)
    const atom = await addSource(db, `${feeds.url}/atom.xml`)

    await poller(db).run()
    const second = await poller(db).run()

    expect(second).toMatchObject({ ok: 0, notModified: 2, failed: 0, added: 0 })
    const conditional = feeds.requests.slice(2)
    expect(conditional).toEqual(
      expect.arrayContaining([
        { path: '/mos.xml', ifNoneMatch: '"mos-v1"', ifModifiedSince: null },
        { path: '/atom.xml', ifNoneMatch: null, ifModifiedSince: 'Fri, 12 Apr 2013 13:38:13 GMT' },
      ]),
    )
    expect(await storiesOf(db, mos)).toHaveLength(10)
    expect(await storiesOf(db, atom)).toHaveLength(34)
    expect(await sourceRow(db, mos)).toMatchObject({ status: 'not_modified', etag: '"mos-v1"' })
  })

  it('decodes windows-1251 named in the XML declaration, in the HTTP header, or under a wrong utf-8 header', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const ids = [await addSource(db, `${feeds.url}/xakep.xml`), await addSource(db, `${feeds.url}/xakep-header.xml`), await addSource(db, `${feeds.url}/xakep-mislabelled.xml`)]

    await poller(db).run()

    // All three serve the same items: the first feed stores them, the others find the same guid links.
    const stories = await storiesOf(db, ids[0]!)
    expect(stories).toHaveLength(25)
    expect(stories[0]).toMatchObject({
      guid: 'http://www.xakep.ru/post/61360/default.asp',
      link: 'http://www.xakep.ru/post/61360/default.asp',
      canonical_link: 'xakep.ru/post/61360/default.asp',
      title: 'Руководители разведки США шутят об убийстве Сноудена',
      summary: 'Бывший директор АНБ, генерал Майкл Хэйден снова показал себя во всей красе.',
      published_at: at('2013-10-03T23:34:59Z'), // Sat, 04 Oct 2013 02:34:59 +0300
      published_known: 1,
    })
    expect(stories[2]).toMatchObject({
      title: 'Павел Дуров впервые в жизни зашифровал сообщение',
      summary: 'Основатель социальной сети "Вконтакте" отправил первое зашифрованное сообщение и основал фонд для финансирования технологий криптозащиты коммуникаций.',
    })
    expect(stories[24]).toMatchObject({ title: 'Смартфон на столе рядом с клавиатурой может регистрировать вибрации от нажатий клавиш', published_at: at('2013-09-30T14:28:24Z') })
    for (const id of ids) {
      const source = await sourceRow(db, id)
      expect(source.status, source.url).toBe('ok')
      expect(source.feed_title).toBe('Xakep')
    }
    // The header-only and mislabelled copies read the same text (no mojibake): every item is a known duplicate.
    expect((await sourceRow(db, ids[1]!)).status_message).toBe('25 items read: 0 new, 0 changed, 25 already known from another feed.')
    expect((await sourceRow(db, ids[2]!)).status_message).toBe('25 items read: 0 new, 0 changed, 25 already known from another feed.')
    expect(await db.selectFrom('stories').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 25 })
  })

  it('reads Atom: id, alternate link, XHTML content as plain text, ISO dates', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const id = await addSource(db, `${feeds.url}/atom.xml`)

    await poller(db).run()

    const stories = await storiesOf(db, id)
    expect(stories).toHaveLength(34)
    expect(stories[0]).toMatchObject({
      guid: 'tag:la-grange.net,2013-04-10:2013/04/10/memoire-lieu',
      link: 'http://www.la-grange.net/2013/04/10/memoire-lieu',
      title: "L'hôtel particulier de Mozilla",
      published_at: at('2013-04-10T23:17:00Z'),
    })
    expect(stories[0]!.summary).toMatch(/^Salle intérieure de l'hôtel Mercy d’Argenteau Our mission is to promote openness, innovation & opportunity on the Web\. Mozilla, Mission\. Mozilla France a déménagé/)
    expect(stories[0]!.summary!.length).toBeLessThanOrEqual(1000)
    expect(stories.at(-1)).toMatchObject({ title: 'Le voyage imaginaire', published_at: at('2013-02-21T23:59:00Z'), link: 'http://www.la-grange.net/2013/02/21/voyage' })
    // The XHTML markup is gone; what the articles show as text ("<code>" written out in a post about HTML) stays text.
    expect(stories.filter((s) => /<(div|article|figure|p|a|img|blockquote)[\s>]|&amp;|&lt;/.test(`${s.title}${s.summary}`))).toEqual([])
    expect(stories.find((s) => s.title === 'Serveur HTTP et protocole bidon')!.summary).toContain('du type <code>GET / HTTP/1.1 Host: www.w3.org</code>')
    expect(await sourceRow(db, id)).toMatchObject({ feed_title: 'Carnets de La Grange', last_modified: 'Fri, 12 Apr 2013 13:38:13 GMT' })
  })

  it('follows redirects, resolves relative links, strips HTML, drops non-http links and dates what has no date', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const id = await addSource(db, `${feeds.url}/moved`)

    await poller(db).run()

    const [first, second, third] = await storiesOf(db, id)
    expect(first).toMatchObject({
      guid: null,
      link: `${feeds.url}/news/1?utm_source=rss`, // relative to the feed's URL after the redirect
      canonical_link: `127.0.0.1:${new URL(feeds.url).port}/news/1`,
      title: 'Губернатор & его <команда>',
      summary: 'Встреча с Голубевым прошла.',
      published_at: at('2026-11-16T06:30:00Z'), // 09:30 MSK
    })
    expect(second).toMatchObject({ guid: 'bad-1', link: null, title: 'Bad link', published_at: at('2026-11-16T10:00:00Z') })
    expect(third).toMatchObject({ guid: null, link: null, title: 'No date, no link', summary: 'Текст без даты', published_at: NOW_S, published_known: 0 })

    // Polled again: the same three stories, nothing duplicated.
    await poller(db).run()
    expect(await storiesOf(db, id)).toHaveLength(3)
  })

  it('keeps one story when two feeds carry the same links', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const first = await addSource(db, `${feeds.url}/mos.xml`)
    const copy = await addSource(db, `${feeds.url}/mos-copy.xml`)

    const summary = await poller(db).run()

    expect(summary.added).toBe(10)
    expect(await storiesOf(db, first)).toHaveLength(10)
    expect(await storiesOf(db, copy)).toHaveLength(0)
    expect((await sourceRow(db, copy)).status_message).toBe('10 items read: 0 new, 0 changed, 10 already known from another feed.')
  })

  it('records each broken feed’s error on its own source and still reads the others', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const good = await addSource(db, `${feeds.url}/mos.xml`)
    const broken = await addSource(db, `${feeds.url}/broken.xml`)
    const slow = await addSource(db, `${feeds.url}/slow.xml`)
    const big = await addSource(db, `${feeds.url}/big.xml`)
    const bigStream = await addSource(db, `${feeds.url}/big-stream.xml`)
    const html = await addSource(db, `${feeds.url}/html`)
    const gone = await addSource(db, `${feeds.url}/gone.xml`)
    const closed = await serve(new Hono())
    await closed.close() // a port nothing listens on any more
    const refused = await addSource(db, `${closed.url}/feed.xml`)

    const summary = await poller(db, { timeoutMs: 300, maxBytes: 64 * 1024 }).run()

    expect(summary).toMatchObject({ sources: 8, ok: 1, failed: 7, added: 10 })
    expect(await storiesOf(db, good)).toHaveLength(10)
    const status = async (id: number) => {
      const row = await sourceRow(db, id)
      return { status: row.status, message: row.status_message, failures: row.consecutive_failures, etag: row.etag }
    }
    expect(await status(broken)).toEqual({ status: 'bad_feed', message: expect.stringMatching(/^the feed is not well-formed XML \(line \d+, column \d+\): /), failures: 1, etag: null })
    expect(await status(slow)).toEqual({ status: 'unavailable', message: `${feeds.url}/slow.xml did not answer within 300 ms (FEED_TIMEOUT_MS)`, failures: 1, etag: null })
    expect(await status(big)).toEqual({ status: 'too_large', message: `${feeds.url}/big.xml is 131147 bytes, more than the 65536 allowed (FEED_MAX_BYTES)`, failures: 1, etag: null })
    expect(await status(bigStream)).toEqual({ status: 'too_large', message: `${feeds.url}/big-stream.xml sent more than the 65536 bytes allowed (FEED_MAX_BYTES)`, failures: 1, etag: null })
    expect(await status(html)).toEqual({ status: 'bad_feed', message: expect.stringMatching(/not well-formed XML|not an RSS or Atom feed/), failures: 1, etag: null })
    expect(await status(gone)).toEqual({ status: 'http_error', message: `${feeds.url}/gone.xml answered HTTP 410 Gone`, failures: 1, etag: null })
    expect(await status(refused)).toEqual({ status: 'unavailable', message: `could not reach ${closed.url}/feed.xml: ECONNREFUSED`, failures: 1, etag: null })
    for (const id of [broken, slow, big, bigStream, html, gone, refused]) expect(await storiesOf(db, id)).toEqual([])

    // A second failure counts up; nothing else changes.
    await poller(db, { timeoutMs: 300, maxBytes: 64 * 1024 }).run({ sourceIds: [broken] })
    expect((await status(broken)).failures).toBe(2)
  })

  it('never runs two polls at once', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    await addSource(db, `${feeds.url}/slow.xml?ms=400`)
    const p = poller(db, { timeoutMs: 3000 })

    const first = p.run()
    expect(p.running()).toBe(true)
    await expect(p.run()).rejects.toBeInstanceOf(PollInProgressError)
    await first
    expect(p.running()).toBe(false)
  })
})

describe('matching polled stories to pages', () => {
  it('links stories whose title or summary names a page alias, keeps the alias, and never re-creates a link removed by hand', async () => {
    const db = await testDb()
    const feeds = await startFeedServer()
    const durov = await insertPage(db, { platform: 'telegram', handle: 'durov', url: 'https://t.me/durov', aliases: ['Павел Дуров'] }, NOW)
    const governor = await insertPage(db, { platform: 'vk', handle: 'golubev_vv', url: 'https://vk.com/golubev_vv', aliases: ['Голубев', 'губернатор Ростовской области'] }, NOW)
    const mayor = await insertPage(db, { platform: 'telegram', handle: 'mos_sobyanin', url: 'https://t.me/mos_sobyanin', aliases: ['Сергей Собянин'] }, NOW)
    const xakep = await addSource(db, `${feeds.url}/xakep.xml`)
    await addSource(db, `${feeds.url}/moved`)
    await addSource(db, `${feeds.url}/mos.xml`)

    const summary = await poller(db).run()

    const links = await db
      .selectFrom('page_stories')
      .innerJoin('stories', 'stories.id', 'page_stories.story_id')
      .select(['page_stories.page_id', 'page_stories.origin', 'page_stories.matched_alias', 'stories.title'])
      .orderBy('page_stories.page_id')
      .orderBy('stories.id')
      .execute()
    expect(links).toEqual([
      { page_id: durov.id, origin: 'match', matched_alias: 'Павел Дуров', title: 'Павел Дуров впервые в жизни зашифровал сообщение' },
      // "Встреча с Голубевым" in the summary.
      { page_id: governor.id, origin: 'match', matched_alias: 'Голубев', title: 'Губернатор & его <команда>' },
      // "Ставка по льготным инвесткредитам … — Сергей Собянин" and "Сергей Собянин рассказал о развитии … Бутова".
      { page_id: mayor.id, origin: 'match', matched_alias: 'Сергей Собянин', title: 'Ставка по льготным инвесткредитам для промышленности снизится с девяти до трех процентов — Сергей Собянин' },
      { page_id: mayor.id, origin: 'match', matched_alias: 'Сергей Собянин', title: 'Метро, дороги, парки и соцобъекты: Сергей Собянин рассказал о развитии Северного и Южного Бутова' },
    ])
    expect(summary.linked).toBe(4)

    // An operator removes a wrong link; re-matching (after an alias change) and re-polling leave it removed.
    const story = await db.selectFrom('stories').select('id').where('source_id', '=', xakep).where('title', 'like', 'Павел Дуров%').executeTakeFirstOrThrow()
    expect(await unlinkStory(db, durov.id, story.id, NOW_S)).toBe(true)
    await db.updateTable('pages').set({ aliases: JSON.stringify(['Павел Дуров', 'Дуров']) }).where('id', '=', durov.id).execute()
    const rematch = await rematchStories(db, new AliasMatcher(await listAliasOwners(db)), NOW_S)
    expect(rematch.stories).toBe(38)
    await poller(db).run()
    const row = await db.selectFrom('page_stories').selectAll().where('page_id', '=', durov.id).where('story_id', '=', story.id).executeTakeFirstOrThrow()
    expect(row.removed_at).toBe(NOW_S)
  })
})
