import { join } from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { cli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/db.ts'
import { startFeedServer } from './feed-server.ts'


describe('publicpulse stories CLI', () => {
  it('adds and lists news sources and polls them, reporting each feed', async () => {
    const feeds = await startFeedServer()
    vi.stubEnv('DATABASE_PATH', join(tempDir(), 'cli.db'))
    vi.stubEnv('LOG_LEVEL', 'silent')
    vi.stubEnv('FEED_TIMEOUT_MS', '500')
    onTestFinished(() => {
      vi.unstubAllEnvs()
    })

    expect(await cli(['stories', 'sources', 'add', `${feeds.url}/mos.xml`, '--title', 'Мэрия'])).toEqual({
      code: 0,
      out: `Registered news source #1: ${feeds.url}/mos.xml. It is read at the next poll (or now: publicpulse stories poll).`,
    })
    expect(await cli(['stories', 'sources', 'add', `${feeds.url}/broken.xml`])).toMatchObject({ code: 0 })
    expect(await cli(['stories', 'sources', 'add', `${feeds.url}/mos.xml`])).toEqual({ code: 1, out: `This feed is already registered as source #1 (${feeds.url}/mos.xml).` })
    expect(await cli(['stories', 'sources', 'add', 'mos.ru/rss'])).toEqual({ code: 2, out: 'url: url must be an http(s) address of an RSS or Atom feed, e.g. https://www.mos.ru/rss' })
    expect(await cli(['stories', 'sources', 'add'])).toMatchObject({ code: 2, out: expect.stringMatching(/^stories sources add takes exactly one feed URL\n\nUsage/) })

    const polled = await cli(['stories', 'poll'])
    expect(polled.code).toBe(1) // one feed failed
    expect(polled.out.split('\n')).toEqual([
      `#1 ${feeds.url}/mos.xml: ok, 10 items, 10 new`,
      expect.stringMatching(new RegExp(`^#2 ${feeds.url}/broken.xml: bad_feed, the feed is not well-formed XML \\(line \\d+, column \\d+\\)`)),
      'Polled 2 feeds: 1 read, 0 unchanged, 1 failed; 10 new stories, 0 links to pages.',
    ])

    const listed = (await cli(['stories', 'sources', 'list'])).out.split('\n')
    expect(listed[0]).toMatch(new RegExp(`^#1  Мэрия +${feeds.url}/mos.xml  10 stories  \\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d UTC  ok$`))
    expect(listed[1]).toMatch(/^#2 .* 0 stories .* bad_feed  the feed is not well-formed XML/)
    const json = JSON.parse((await cli(['stories', 'sources', 'list', '--json'])).out)
    expect(json.sources.map((s: { status: string; stories: number }) => [s.status, s.stories])).toEqual([['ok', 10], ['bad_feed', 0]])

    expect(await cli(['stories', 'rematch'])).toEqual({ code: 0, out: 'Matched 10 stories again: 0 new links to pages.' })
    expect(await cli(['stories', 'frobnicate'])).toMatchObject({ code: 2, out: expect.stringMatching(/^unknown command "stories frobnicate"/) })
  })
})
