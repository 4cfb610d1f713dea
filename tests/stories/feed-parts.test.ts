import { describe, expect, it } from 'vitest'
import { parseFeedDate } from '../../src/stories/dates.ts'
import { decodeFeed } from '../../src/stories/decode.ts'
import { FeedError } from '../../src/stories/fetch-feed.ts'
import { canonicalLink, resolveLink } from '../../src/stories/links.ts'
import { parseFeed } from '../../src/stories/parse.ts'
import { feedBytes, XAKEP } from './feed-server.ts'

const at = (iso: string) => Date.parse(iso) / 1000

describe('feed dates', () => {
  it.each([
    ['Wed, 27 Jul 2022 11:01:01 +0300', '2022-07-27T08:01:01Z'],
    ['Sat, 04 Oct 2013 02:34:59 +0300', '2013-10-03T23:34:59Z'],
    ['27 Jul 2022 11:01:01 GMT', '2022-07-27T11:01:01Z'],
    ['Mon, 16 Nov 2026 09:30 MSK', '2026-11-16T06:30:00Z'],
    ['Mon, 16 Nov 26 09:30:00 EST', '2026-11-16T14:30:00Z'],
    ['Monday, 16-Nov-2026 09:30:00 UT', '2026-11-16T09:30:00Z'],
    ['Wed, 27 July 2022 11:01:01 +03:00', '2022-07-27T08:01:01Z'],
    ['2013-04-10T23:17:00Z', '2013-04-10T23:17:00Z'],
    ['2026-11-26T10:00:00+03:00', '2026-11-26T07:00:00Z'],
    ['2026-11-26T10:00:00.123-0500', '2026-11-26T15:00:00Z'],
    ['2026-11-26 10:00', '2026-11-26T10:00:00Z'],
    ['2026-11-26', '2026-11-26T00:00:00Z'],
  ])('reads %s', (text, iso) => {
    expect(parseFeedDate(text)).toBe(at(iso))
  })

  it.each(['', 'вчера', '32 Jul 2022 11:00:00 GMT', 'Wed, 27 Foo 2022 11:01:01 +0300', '2026-13-01T00:00:00Z', '27 Jul 2022 11:01:01 XYZT'])('gives null for %j', (text) => {
    expect(parseFeedDate(text)).toBeNull()
  })
})

describe('feed encodings', () => {
  const text = 'Руководители разведки США шутят об убийстве Сноудена'

  it('reads windows-1251 from the XML declaration, the header, or the declaration under a wrong utf-8 header', () => {
    const bytes = feedBytes(XAKEP)
    expect(decodeFeed(bytes, 'text/xml').encoding).toBe('windows-1251')
    expect(decodeFeed(bytes, 'text/xml').text).toContain(text)
    expect(decodeFeed(bytes, 'application/rss+xml; charset=UTF-8').text).toContain(text)
    const undeclared = bytes.subarray(bytes.indexOf('?>') + 2)
    expect(decodeFeed(undeclared, 'text/xml; charset="windows-1251"').text).toContain(text)
  })

  it('honours a byte-order mark and refuses an encoding nobody knows with a sentence', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss>Дон</rss>', 'utf16le')])
    expect(decodeFeed(utf16, 'text/xml; charset=windows-1251').text).toBe('<rss>Дон</rss>')
    expect(() => decodeFeed(Buffer.from('<?xml version="1.0" encoding="x-klingon"?><rss/>'), null)).toThrow(new FeedError('bad_feed', 'the feed is in an encoding publicpulse cannot read: "x-klingon"'))
  })
})

describe('feed links', () => {
  it('resolves relative links and keeps only http(s)', () => {
    expect(resolveLink('/news/1#top', 'https://don.example/rss/feed.xml')).toBe('https://don.example/news/1')
    expect(resolveLink('item?id=2', 'https://don.example/rss/feed.xml')).toBe('https://don.example/rss/item?id=2')
    expect(resolveLink('javascript:alert(1)', 'https://don.example/')).toBeNull()
    expect(resolveLink('data:text/html,x', 'https://don.example/')).toBeNull()
    expect(resolveLink('  ', 'https://don.example/')).toBeNull()
  })

  it('gives one canonical key to the same story under tracking parameters, www, scheme and trailing slash', () => {
    const key = 'mos.ru/news/item/110547073'
    expect(canonicalLink('https://www.mos.ru/news/item/110547073/')).toBe(key)
    expect(canonicalLink('http://mos.ru/news/item/110547073?utm_source=rss&utm_medium=feed#comments')).toBe(key)
    expect(canonicalLink('https://WWW.MOS.RU/news/item/110547073')).toBe(key)
    expect(canonicalLink('https://mos.ru/news?b=2&a=1')).toBe('mos.ru/news?a=1&b=2')
    expect(canonicalLink('https://mos.ru/news/item/2')).not.toBe(key)
    expect(canonicalLink('ftp://mos.ru/x')).toBeNull()
  })
})

describe('feed documents', () => {
  it('names the line of broken XML and the root element of a page that is not a feed', () => {
    expect(() => parseFeed('<rss><channel><item><title>x</item></channel></rss>', 'https://a.example/')).toThrow(/^the feed is not well-formed XML \(line 1, column \d+\): Expected closing tag 'title'/)
    expect(() => parseFeed('<html><body>Captcha</body></html>', 'https://a.example/')).toThrow('this is not an RSS or Atom feed: its root element is <html>')
    expect(() => parseFeed('   ', 'https://a.example/')).toThrow('the feed is empty')
  })

  it('reads RSS 1.0 (RDF) items with dc:date', () => {
    const feed = parseFeed(
      `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel><title>Лента</title></channel>
        <item><title>Новость</title><link>https://a.example/1</link><description>&lt;b&gt;Текст&lt;/b&gt;</description><dc:date>2026-11-26T10:00:00+03:00</dc:date></item>
      </rdf:RDF>`,
      'https://a.example/rss',
    )
    expect(feed).toEqual({ format: 'rdf', title: 'Лента', items: [{ guid: null, link: 'https://a.example/1', title: 'Новость', summary: 'Текст', publishedAt: at('2026-11-26T07:00:00Z') }] })
  })

  it('uses an Atom entry’s xml:base and its HTML summary', () => {
    const feed = parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/blog/"><title type="html">A &amp;lt;b&amp;gt; feed</title>
        <entry><id>urn:1</id><title>One</title><link href="posts/1"/><summary type="html">&lt;p&gt;Hello &amp;amp; bye&lt;/p&gt;</summary><updated>2026-11-26T10:00:00Z</updated></entry>
      </feed>`,
      'https://ignored.example/feed',
    )
    expect(feed.items).toEqual([{ guid: 'urn:1', link: 'https://b.example/blog/posts/1', title: 'One', summary: 'Hello & bye', publishedAt: at('2026-11-26T10:00:00Z') }])
  })
})
