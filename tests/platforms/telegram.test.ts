import { Hono, type Context } from 'hono'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Sleep } from '../../src/platforms/http.ts'
import { createTelegram, parseCount, type TelegramOptions } from '../../src/platforms/telegram.ts'
import { PlatformError, type PageOutcome, type PageRef, type PageSample, type Platform } from '../../src/platforms/types.ts'
import { fixture, serve, type RunningServer } from '../helpers/replay-server.ts'

// A stand-in for t.me replaying the real samples in tests/fixtures/telegram. Like t.me, it answers an
// unknown name with the "Contact @name" page (HTTP 200) and redirects /s/<name> to /<name> when there
// is no preview. Each test overrides single routes in `plain` / `preview`.
type Reply = (c: Context) => Response | Promise<Response>

const page =
  (file: string): Reply =>
  (c) =>
    c.html(fixture(`telegram/${file}`))
const html =
  (body: string, status = 200): Reply =>
  (c) =>
    c.html(body, status as 200)
/** Answers with each reply in turn, repeating the last one. */
const inTurn = (...replies: Reply[]): Reply => {
  let call = 0
  return (c) => replies[Math.min(call++, replies.length - 1)]!(c)
}
const delayed =
  (ms: number, reply: Reply): Reply =>
  async (c) => {
    await new Promise((resolve) => setTimeout(resolve, ms))
    return reply(c)
  }

const CAPTCHA = '<!DOCTYPE html><html><head><title>Too many requests</title></head><body><h1>Too many requests</h1><p>Please solve the captcha to continue.</p></body></html>'

let plain: Map<string, Reply>
let preview: Map<string, Reply>
let hits: string[]
let inFlight = 0
let maxInFlight = 0

const app = new Hono()
app.use(async (c, next) => {
  hits.push(c.req.path)
  maxInFlight = Math.max(maxInFlight, ++inFlight)
  try {
    await next()
  } finally {
    inFlight--
  }
})
app.get('/s/:name', (c) => {
  const name = c.req.param('name')
  return (preview.get(name) ?? ((c) => c.redirect(`/${name}`)))(c)
})
app.get('/:name', (c) => (plain.get(c.req.param('name')) ?? page('tme_page_nonexistent.html'))(c))

let server: RunningServer
beforeAll(async () => {
  server = await serve(app)
})
afterAll(() => server.close())

beforeEach(() => {
  plain = new Map([
    ['durov', page('tme_page_durov_channel.html')],
    ['python', page('tme_page_python_group.html')],
    ['nikolai', page('tme_page_user_nikolai.html')],
  ])
  preview = new Map([['durov', page('tme_s_durov.html')]])
  hits = []
  inFlight = 0
  maxInFlight = 0
})

/** A clock that only moves when the code under test sleeps, and remembers every wait. */
function fakeClock() {
  let now = 1_786_300_000_000
  const waits: number[] = []
  const sleep: Sleep = async (ms) => {
    waits.push(ms)
    now += ms
  }
  return { now: () => now, sleep, waits }
}

function telegram(overrides: Partial<TelegramOptions> = {}) {
  const clock = fakeClock()
  const platform = createTelegram({
    baseUrl: server.url,
    concurrency: 4,
    minIntervalMs: 0,
    timeoutMs: 2_000,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 10_000 },
    now: clock.now,
    sleep: clock.sleep,
    ...overrides,
  })
  return { platform, waits: clock.waits }
}

let nextId = 1
const ref = (handle: string): PageRef => ({ id: nextId++, platform: 'telegram', handle, platformId: null })

async function collectOne(platform: Platform, handle: string, withPosts = false): Promise<PageOutcome> {
  const page = ref(handle)
  const outcomes = await platform.collect([page], { withPosts })
  expect([...outcomes.keys()]).toEqual([page.id])
  return outcomes.get(page.id)!
}

function sampleOf(outcome: PageOutcome): PageSample {
  if (!outcome.ok) throw new Error(`expected a sample, got ${outcome.error.kind}: ${outcome.error.message}`)
  return outcome.sample
}

function errorOf(outcome: PageOutcome): PlatformError {
  if (outcome.ok) throw new Error('expected an error, got a sample')
  expect(outcome.error).toBeInstanceOf(PlatformError)
  return outcome.error
}

const unix = (iso: string) => Date.parse(iso) / 1000

describe('parseCount()', () => {
  it.each([
    ['826K', 826_000, false],
    ['1.4K', 1_400, false],
    ['11.3M', 11_300_000, false],
    ['8.67M', 8_670_000, false],
    ['5.09K', 5_090, false],
    ['24.8K', 24_800, false],
    ['2.49k', 2_490, false],
    ['301', 301, true],
    ['0', 0, true],
    [' 69 ', 69, true],
    ['11 286 994', 11_286_994, true],
    ['11\u00a0286\u00a0994', 11_286_994, true],
    ['11\u2009286\u2009994', 11_286_994, true],
    ['11\u202f286\u202f994', 11_286_994, true],
    ['11,286,994', 11_286_994, true],
    ['97 957', 97_957, true],
  ])('reads %j as %d (exact: %s)', (text, value, exact) => {
    expect(parseCount(text)).toEqual({ value, exact })
  })

  it.each(['', 'abc', 'K', '1.2.3K', '12 34', '1 234,567', '-5', '1.5', '1e6', '11 286 994 subscribers', '@nikolai'])(
    'refuses %j',
    (text) => {
      expect(parseCount(text)).toBeNull()
    },
  )
})

describe('createTelegram() against a t.me replay', () => {
  it('reads the exact subscriber count and the title of a channel from t.me/<name>', async () => {
    const { platform } = telegram()
    const sample = sampleOf(await collectOne(platform, 'durov'))
    expect(sample).toEqual({ followers: 11_286_994, followersExact: true, title: 'Pavel Durov', platformId: null, posts: null })
    expect(hits).toEqual(['/durov']) // no preview request without withPosts
    expect(platform.id).toBe('telegram')
    expect(platform.batchSize).toBe(4)
  })

  it('takes the members figure of a group, not the online one', async () => {
    const sample = sampleOf(await collectOne(telegram().platform, 'python'))
    expect(sample.followers).toBe(97_957)
    expect(sample.followersExact).toBe(true)
    expect(sample.title).toBe('Python')
  })

  it('reads counts written with non-breaking, thin or comma thousands separators', async () => {
    const real = fixture('telegram/tme_page_durov_channel.html')
    const { platform } = telegram()
    for (const written of ['11\u00a0286\u00a0994', '11\u202f286\u202f994', '11,286,994']) {
      plain.set('durov', html(real.replace('11 286 994 subscribers', `${written} subscribers`)))
      expect(sampleOf(await collectOne(platform, 'durov')).followers).toBe(11_286_994)
    }
  })

  it('refuses a user account as unsupported', async () => {
    const error = errorOf(await collectOne(telegram().platform, 'nikolai', true))
    expect(error.kind).toBe('unsupported')
    expect(error.message).toBe('@nikolai is a Telegram user account, not a channel or group')
    expect(hits).toEqual(['/nikolai'])
  })

  it('refuses a bot as unsupported, although its page shows a monthly-users figure', async () => {
    // The real user page with a bot's audience line and button (t.me, 2026-10: "N monthly users", "Start Bot").
    const bot = fixture('telegram/tme_page_user_nikolai.html')
      .replace(/\s*@nikolai\s*<\/div>/, '7 618 841 monthly users</div>')
      .replace('>Send Message<', '>Start Bot<')
    plain.set('nikobot', html(bot))
    const error = errorOf(await collectOne(telegram().platform, 'nikobot'))
    expect(error.kind).toBe('unsupported')
    expect(error.message).toBe('@nikobot is a Telegram bot, not a channel or group')
  })

  it('reports a name nobody holds as not_found, with or without posts', async () => {
    const { platform } = telegram()
    for (const withPosts of [false, true]) {
      const error = errorOf(await collectOne(platform, 'zzq9x7v2knot44', withPosts))
      expect(error.kind).toBe('not_found')
      expect(error.message).toBe('Telegram has no public channel or group @zzq9x7v2knot44')
    }
    // With posts the preview is tried too; t.me redirects it to the same empty page.
    expect(hits).toEqual(['/zzq9x7v2knot44', '/zzq9x7v2knot44', '/s/zzq9x7v2knot44', '/zzq9x7v2knot44'])
  })

  it('follows the redirect of a renamed channel', async () => {
    plain.set('durov_old', (c) => c.redirect('/durov', 301))
    const sample = sampleOf(await collectOne(telegram().platform, 'durov_old'))
    expect(sample.followers).toBe(11_286_994)
    expect(hits).toEqual(['/durov_old', '/durov'])
  })

  it('reads the 20 posts of t.me/s/durov newest first, with public t.me links', async () => {
    const sample = sampleOf(await collectOne(telegram().platform, 'durov', true))
    expect(sample.followers).toBe(11_286_994) // the exact figure wins over the preview's "11.3M"
    expect(sample.followersExact).toBe(true)
    expect(sample.postsError).toBeUndefined()
    const posts = sample.posts!
    expect(posts).toHaveLength(20)
    // 530 is missing from the page (an album or a deleted post).
    const ids = [539, 538, 537, 536, 535, 534, 533, 532, 531, 529, 528, 527, 526, 525, 524, 523, 522, 521, 520, 519]
    expect(posts.map((p) => p.postId)).toEqual(ids.map(String))
    expect(posts.map((p) => p.url)).toEqual(ids.map((id) => `https://t.me/durov/${id}`))
    expect(posts.map((p) => p.views)).toEqual(
      [8.67, 11.4, 6.51, 7.05, 12.4, 14.5, 16.1, 22.6, 23.7, 18.1, 8.74, 4.88, 5.03, 5.3, 5.1, 4.1, 4.57, 2.21, 2.15]
        .map((m) => Math.round(m * 1_000_000))
        .concat(826_000)
        .reverse(),
    )
    const [newest, , , , , , , , , , , , , , , , oldNoText, , , oldest] = posts
    expect(newest!.publishedAt).toBe(unix('2026-08-08T21:11:14+00:00'))
    expect(oldest!.publishedAt).toBe(unix('2026-05-20T15:38:10+00:00'))
    expect(posts.find((p) => p.postId === '528')!.publishedAt).toBe(unix('2026-06-15T18:58:13+00:00'))
    const dates = posts.map((p) => p.publishedAt)
    expect(dates).toEqual([...dates].sort((a, b) => b - a))

    // Entities decoded (&#33; &#39; &#036;), <br/> kept as line breaks, emoji from the custom-emoji fallback.
    expect(newest!.text).toBe(
      '🏆 The International Olympiad in AI finished yesterday in Astana.\n\n' +
        '🇷🇺 The Russian team took first place in the team competition, and Artem Gorokhov from my home city won the individual event. Well done! 💪\n\n' +
        "🇰🇿 I'm equally happy for the host country, Kazakhstan, whose Dauzhan Beketov took the second-highest individual score.👏\n\n" +
        "📩We're in touch with the organizers to deliver the winners' prizes from Telegram ($106,500+) securely next week.\n\n" +
        'Congratulations to all the winners! 🏆',
    )
    expect(oldest!.text).toBe(
      '🤖 Your Telegram inbox can now run itself.\n\nAssign a bot to read and reply for you — with granular control over its rights and chat access. 🧠\n\n⚙️ Start building!',
    )
    expect(oldNoText!.postId).toBe('522')
    expect(oldNoText!.text).toBeNull()
    const long = posts.find((p) => p.postId === '538')!.text!
    expect(long.length).toBeLessThanOrEqual(500)
    expect(long.startsWith('Last night, Apple briefly removed Telegram from the App Store')).toBe(true)
    expect(long.endsWith('…')).toBe(true)

    // 519's reactions: ⭐2.49K (paid, left out) + 23.4K + 7.76K + 5.99K + 419 + 112.
    expect(oldest!.likes).toBe(23_400 + 7_760 + 5_990 + 419 + 112)
    expect(posts.every((p) => p.reposts === null && p.comments === null)).toBe(true)
  })

  it('falls back to the preview counter of a small Russian channel, marked not exact, and reads its 14 posts', async () => {
    // No plain page of this channel was recorded: /ducks_poker gets the server's default, the real
    // "nonexistent" page (no title, no count), while /s/ducks_poker serves its real preview. That is
    // exactly the case the fallback is for.
    preview.set('ducks_poker', page('tme_s_ducks_poker_small.html'))
    const sample = sampleOf(await collectOne(telegram().platform, 'ducks_poker', true))
    expect(sample.followers).toBe(301)
    expect(sample.followersExact).toBe(false) // never mix: only t.me/<name> gives exact figures
    expect(sample.title).toBe('DUCKS POKER CLUB')
    const posts = sample.posts!
    expect(posts).toHaveLength(14)
    expect(posts.map((p) => p.postId)).toEqual(['303', '302', '301', '300', '297', '296', '295', '294', '293', '292', '289', '286', '285', '284'])
    expect(posts[0]!.url).toBe('https://t.me/DUCKS_POKER/303') // the channel's own spelling, from data-post
    expect(posts.map((p) => p.views)).toEqual([201, 206, 203, 172, 173, 170, 164, 164, 157, 147, 126, 127, 127, 69].reverse())
    expect(posts[0]!.publishedAt).toBe(unix('2026-08-11T14:41:39+00:00'))
    expect(posts[13]!.publishedAt).toBe(unix('2026-08-06T07:59:58+00:00'))
    expect(posts[0]!.text).toBe(
      '💬Друзья!\n\nНапоминаем что вход на сегодняшний турнир GOOD BROTHERS TIME — свободный! 💎\n\n❤️Запись на турнир по ссылке в приложении\n\n🫀Начало в 19:00\nЖдем вас, братья-охотники!😈',
    )
    expect(posts.find((p) => p.postId === '297')!.text).toMatch(/^🗣 ИТОГИ SPY 007 TOURNAMENT\n\nТОП-11 игроков вечера\n\n🥇 Демид/)
    expect(posts.find((p) => p.postId === '303')!.likes).toBe(4) // two reactions, 2 + 2
    expect(posts.find((p) => p.postId === '295')!.likes).toBeNull() // no reactions shown
  })

  it('uses the rounded "11.3M" of t.me/s/durov when t.me/durov shows no count', async () => {
    plain.set('durov', page('tme_page_nonexistent.html'))
    const sample = sampleOf(await collectOne(telegram().platform, 'durov', true))
    expect(sample.followers).toBe(11_300_000)
    expect(sample.followersExact).toBe(false)
    expect(sample.title).toBe('Pavel Durov')
    expect(sample.posts).toHaveLength(20)
  })

  it('keeps the count and explains the missing posts when the channel disabled its preview', async () => {
    preview.delete('durov') // the server now redirects /s/durov to /durov, as t.me does
    const sample = sampleOf(await collectOne(telegram().platform, 'durov', true))
    expect(sample.followers).toBe(11_286_994)
    expect(sample.followersExact).toBe(true)
    expect(sample.posts).toBeNull()
    expect(sample.postsError).toBeInstanceOf(PlatformError)
    expect(sample.postsError!.kind).toBe('unsupported')
    expect(sample.postsError!.message).toBe('the channel has disabled its public preview')
    expect(hits).toEqual(['/durov', '/s/durov', '/durov'])
  })

  it('does not ask for the preview of a group, which never has one', async () => {
    const sample = sampleOf(await collectOne(telegram().platform, 'python', true))
    expect(sample.followers).toBe(97_957)
    expect(sample.posts).toBeNull()
    expect(sample.postsError!.kind).toBe('unsupported')
    expect(sample.postsError!.message).toBe('Telegram shows no public preview of groups')
    expect(hits).toEqual(['/python'])
  })

  it('waits for Retry-After after a 429 and then succeeds', async () => {
    plain.set('durov', inTurn((c) => c.text('slow down', 429, { 'retry-after': '3' }), page('tme_page_durov_channel.html')))
    const { platform, waits } = telegram()
    const sample = sampleOf(await collectOne(platform, 'durov'))
    expect(sample.followers).toBe(11_286_994)
    expect(hits).toEqual(['/durov', '/durov'])
    expect(waits).toEqual([3_000])
  })

  it('gives up at once on a 429 whose Retry-After is longer than any back-off', async () => {
    plain.set('durov', (c) => c.text('slow down', 429, { 'retry-after': '3600' }))
    const error = errorOf(await collectOne(telegram().platform, 'durov'))
    expect(error.kind).toBe('rate_limited')
    expect(error.details).toMatchObject({ status: 429, retryAfterMs: 3_600_000 })
    expect(hits).toEqual(['/durov'])
  })

  it('retries 5xx answers', async () => {
    plain.set('durov', inTurn(html('oops', 502), html('oops', 503), page('tme_page_durov_channel.html')))
    const { platform, waits } = telegram()
    expect(sampleOf(await collectOne(platform, 'durov')).followers).toBe(11_286_994)
    expect(hits).toHaveLength(3)
    expect(waits).toHaveLength(2)
  })

  it('reports unavailable with the status when every attempt gets a 5xx', async () => {
    plain.set('durov', html('oops', 503))
    const error = errorOf(await collectOne(telegram().platform, 'durov'))
    expect(error.kind).toBe('unavailable')
    expect(error.details.status).toBe(503)
    expect(hits).toHaveLength(3)
  })

  it('treats a captcha or garbage page as bad_response, retried', async () => {
    const { platform } = telegram()
    for (const body of [CAPTCHA, '\u0000\u0001 not html at all }{']) {
      hits = []
      plain.set('durov', html(body))
      const error = errorOf(await collectOne(platform, 'durov'))
      expect(error.kind).toBe('bad_response')
      expect(hits).toHaveLength(3)
    }
  })

  it('keeps the count and records a bad_response postsError when the preview is a captcha', async () => {
    preview.set('durov', html(CAPTCHA))
    const sample = sampleOf(await collectOne(telegram().platform, 'durov', true))
    expect(sample.followers).toBe(11_286_994)
    expect(sample.posts).toBeNull()
    expect(sample.postsError!.kind).toBe('bad_response')
  })

  it('reports unavailable when t.me answers slower than timeoutMs', async () => {
    plain.set('durov', delayed(1_000, page('tme_page_durov_channel.html')))
    const { platform } = telegram({ timeoutMs: 200, retry: { attempts: 1, baseDelayMs: 100, maxDelayMs: 1_000 } })
    const started = performance.now()
    const error = errorOf(await collectOne(platform, 'durov'))
    expect(error.kind).toBe('unavailable')
    expect(error.message).toMatch(/did not answer within 200 ms/)
    expect(performance.now() - started).toBeLessThan(900)
  })

  it('keeps at most `concurrency` pages in flight and gives every page an outcome', async () => {
    for (const [name, reply] of [...plain]) plain.set(name, delayed(40, reply))
    const handles = ['durov', 'python', 'nikolai', 'zzq9x7v2knot44', 'durov', 'python', 'durov', 'python', 'nikolai']
    const pages = handles.map(ref)
    const outcomes = await telegram({ concurrency: 3 }).platform.collect(pages, { withPosts: false })
    expect(maxInFlight).toBe(3)
    expect(hits).toHaveLength(9)
    expect([...outcomes.keys()].sort((a, b) => a - b)).toEqual(pages.map((p) => p.id))
    const kinds = pages.map((p) => {
      const outcome = outcomes.get(p.id)!
      return outcome.ok ? outcome.sample.followers : outcome.error.kind
    })
    expect(kinds).toEqual([11_286_994, 97_957, 'unsupported', 'not_found', 11_286_994, 97_957, 11_286_994, 97_957, 'unsupported'])
  })

  it('paces request starts with one limiter shared by every collect() call', async () => {
    const { platform, waits } = telegram({ minIntervalMs: 1_000 })
    await platform.collect([ref('durov')], { withPosts: false })
    await platform.collect([ref('python')], { withPosts: false })
    expect(waits).toEqual([1_000]) // the fake clock stood still, so the second start waited a full interval
  })

  it('gives every page an unavailable outcome instead of throwing when the collection is cancelled', async () => {
    const controller = new AbortController()
    controller.abort()
    const pages = [ref('durov'), ref('python')]
    const outcomes = await telegram().platform.collect(pages, { withPosts: true, signal: controller.signal })
    for (const p of pages) expect(errorOf(outcomes.get(p.id)!).kind).toBe('unavailable')
  })
})
