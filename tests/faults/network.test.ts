import { describe, expect, it, onTestFinished } from 'vitest'
import { createTelegram, type TelegramOptions } from '../../src/platforms/telegram.ts'
import type { PageOutcome, PageRef, PageSample, Platform, PlatformError } from '../../src/platforms/types.ts'
import { createVk, type VkOptions } from '../../src/platforms/vk.ts'
import { fixture } from '../helpers/replay-server.ts'
import {
  answer,
  cutShort,
  type Hit,
  late,
  recorded,
  type Reply,
  resetMidBody,
  startFaultServer,
  TOO_MANY_REQUESTS_PAGE,
  trickle,
  vkGroups,
  vkGroupsFor,
} from './fault-server.ts'
import { recordingSleep, VK_TOKEN } from './harness.ts'

// Network-level faults, each against a real local server, for both platforms. Back-offs are recorded
// instead of slept; deadlines are real but short (300 ms), so the whole file takes a few seconds.

const TIMEOUT_MS = 300
const RETRY = { attempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 }

async function server(route: (hit: Hit, n: number) => Reply) {
  const s = await startFaultServer(route)
  onTestFinished(() => s.close())
  return s
}

function vk(url: string, overrides: Partial<VkOptions> = {}) {
  const { sleep, waits } = recordingSleep()
  const platform = createVk({ tokens: [VK_TOKEN], apiUrl: url, requestsPerSecond: 1_000_000, groupsBatchSize: 500, postsPerPage: 20, timeoutMs: TIMEOUT_MS, retry: RETRY, sleep, ...overrides })
  return { platform, waits }
}

function telegram(url: string, overrides: Partial<TelegramOptions> = {}) {
  const { sleep, waits } = recordingSleep()
  const platform = createTelegram({ baseUrl: url, concurrency: 2, minIntervalMs: 0, timeoutMs: TIMEOUT_MS, retry: RETRY, sleep, ...overrides })
  return { platform, waits }
}

let nextId = 1
const vkPage = (groupId: number): PageRef => ({ id: nextId++, platform: 'vk', handle: `club${groupId}`, platformId: null })
const tgPage = (handle: string): PageRef => ({ id: nextId++, platform: 'telegram', handle, platformId: null })

async function one(platform: Platform, page: PageRef, withPosts = false): Promise<PageOutcome> {
  const outcomes = await platform.collect([page], { withPosts })
  return outcomes.get(page.id)!
}

function sampleOf(outcome: PageOutcome): PageSample {
  if (!outcome.ok) throw new Error(`expected a sample, got ${outcome.error.kind}: ${outcome.error.message}`)
  return outcome.sample
}

function errorOf(outcome: PageOutcome): PlatformError {
  if (outcome.ok) throw new Error('expected an error, got a sample')
  return outcome.error
}

// Padding keeps a trickled answer going for seconds: far past the deadline.
const BIG_GROUPS = vkGroups([1]).replace('"profiles":[]', `"profiles":[],"padding":"${'x'.repeat(4000)}"`)
const DUROV = fixture('telegram/tme_page_durov_channel.html')
const DUROV_PREVIEW = fixture('telegram/tme_s_durov.html')
const GETBYID = '/vk/method/groups.getById'

describe('a body that trickles in past the deadline', () => {
  it('VK: gives up each attempt at the deadline, headers having come at once, and reports unavailable', async () => {
    const s = await server(() => trickle(BIG_GROUPS, { everyMs: 40 }))
    const { platform } = vk(s.vkUrl)
    const started = performance.now()
    const error = errorOf(await one(platform, vkPage(1)))
    const elapsed = performance.now() - started
    expect(error.kind).toBe('unavailable')
    expect(error.message).toBe(`${s.vkUrl}/groups.getById did not answer within ${TIMEOUT_MS} ms`)
    expect(s.of(GETBYID)).toHaveLength(3)
    // Three attempts of 300 ms, not three whole trickles (each would take seconds).
    expect(elapsed).toBeLessThan(3 * TIMEOUT_MS + 800)
  })

  it('Telegram: the same for t.me/<name>, and a later prompt answer succeeds', async () => {
    const s = await server((hit, n) => (n === 0 ? trickle(DUROV, { everyMs: 40 }) : answer(DUROV)))
    const { platform, waits } = telegram(s.telegramUrl)
    expect(sampleOf(await one(platform, tgPage('durov'))).followers).toBe(11_286_994)
    expect(s.of('/tg/durov')).toHaveLength(2)
    expect(waits).toHaveLength(1)
  })
})

describe('a connection reset in the middle of the body', () => {
  it('VK: retries and uses the next complete answer', async () => {
    const s = await server((hit, n) => (n === 0 ? resetMidBody(vkGroups([7])) : vkGroupsFor(hit)))
    const { platform } = vk(s.vkUrl)
    expect(sampleOf(await one(platform, vkPage(7))).followers).toBe(70)
    expect(s.of(GETBYID)).toHaveLength(2)
  })

  it('VK: says the connection broke while reading, after every attempt', async () => {
    const s = await server(() => resetMidBody(vkGroups([7])))
    const error = errorOf(await one(vk(s.vkUrl).platform, vkPage(7)))
    expect(error.kind).toBe('unavailable')
    expect(error.message).toMatch(new RegExp(`^the connection to ${s.vkUrl}/groups.getById broke while reading the answer`))
    expect(s.of(GETBYID)).toHaveLength(3)
  })

  it('Telegram: retries a reset preview and keeps the posts of the complete one', async () => {
    const s = await server((hit, n) => (hit.path === '/tg/durov' ? answer(DUROV) : n === 0 ? resetMidBody(DUROV_PREVIEW) : answer(DUROV_PREVIEW)))
    const sample = sampleOf(await one(telegram(s.telegramUrl).platform, tgPage('durov'), true))
    expect(sample.posts).toHaveLength(20)
    expect(s.of('/tg/s/durov')).toHaveLength(2)
  })
})

describe('5xx answers', () => {
  it.each([500, 502, 503, 504])('VK: HTTP %i is retried with growing waits, then reported as unavailable', async (status) => {
    const s = await server(() => answer('<html><body>Server error</body></html>', status))
    const { platform, waits } = vk(s.vkUrl)
    const error = errorOf(await one(platform, vkPage(3)))
    expect(error).toMatchObject({ kind: 'unavailable', details: { status } })
    expect(s.of(GETBYID)).toHaveLength(3)
    expect(waits).toHaveLength(2)
    expect(waits[1]!).toBeGreaterThan(waits[0]!)
  })

  it.each([500, 502, 503, 504])('Telegram: HTTP %i is retried and a later answer counts', async (status) => {
    const s = await server((hit, n) => (n < 2 ? answer('<html>oops</html>', status) : answer(DUROV)))
    const { platform, waits } = telegram(s.telegramUrl)
    expect(sampleOf(await one(platform, tgPage('durov'))).followers).toBe(11_286_994)
    expect(waits).toHaveLength(2)
    expect(waits[1]!).toBeGreaterThan(waits[0]!)
  })
})

describe('truncated and non-JSON bodies', () => {
  it('VK: a JSON answer cut short is retried, then reported as bad_response', async () => {
    const s = await server(() => cutShort(vkGroups([5])))
    const error = errorOf(await one(vk(s.vkUrl).platform, vkPage(5)))
    expect(error.kind).toBe('bad_response')
    expect(error.message).toMatch(/not valid JSON/)
    expect(s.of(GETBYID)).toHaveLength(3)
  })

  it('VK: an answer shorter than its Content-Length is a network failure, retried', async () => {
    const s = await server((hit, n) => (n === 0 ? resetMidBody(vkGroups([5]), 0.9) : vkGroupsFor(hit)))
    expect(sampleOf(await one(vk(s.vkUrl).platform, vkPage(5))).followers).toBe(50)
  })

  it('Telegram: a page cut before its count is a bad_response, never "no such channel" or a count of nothing', async () => {
    // Cut after the title but before the subscriber line (it would read as a channel hiding its count),
    // and cut before the title (it would read as a name nobody holds): both parse as HTML.
    for (const end of [DUROV.indexOf('<div class="tgme_page_extra"'), DUROV.indexOf('<div class="tgme_page_title"')]) {
      const s = await server(() => answer(DUROV.slice(0, end)))
      const error = errorOf(await one(telegram(s.telegramUrl).platform, tgPage('durov')))
      expect(error.kind).toBe('bad_response')
      expect(error.message).toBe('t.me/durov sent an incomplete page (it stops before </html>)')
      expect(s.of('/tg/durov')).toHaveLength(3)
    }
  })

  it('Telegram: a preview cut short gives no posts rather than a partial list missing the newest', async () => {
    // The preview lists the oldest post first: a cut drops the newest posts and would look complete.
    const s = await server((hit) => (hit.path === '/tg/durov' ? answer(DUROV) : cutShort(DUROV_PREVIEW, 0.6)))
    const sample = sampleOf(await one(telegram(s.telegramUrl).platform, tgPage('durov'), true))
    expect(sample.followers).toBe(11_286_994)
    expect(sample.posts).toBeNull()
    expect(sample.postsError).toMatchObject({ kind: 'bad_response', message: 't.me/s/durov sent an incomplete page (it stops before </html>)' })
  })
})

describe('an HTML captcha or "too many requests" page instead of the expected answer', () => {
  it('VK: HTTP 200 with an HTML page is a bad_response that says so, retried', async () => {
    const s = await server(() => answer(TOO_MANY_REQUESTS_PAGE))
    const error = errorOf(await one(vk(s.vkUrl).platform, vkPage(4)))
    expect(error.kind).toBe('bad_response')
    expect(error.message).toBe('VK answered groups.getById with an HTML page, not valid JSON (a captcha or an error page?).')
    expect(s.of(GETBYID)).toHaveLength(3)
  })

  it('VK: HTTP 429 with an HTML page is rate_limited and slows the token down', async () => {
    const s = await server((hit, n) => (n === 0 ? answer(TOO_MANY_REQUESTS_PAGE, 429) : vkGroupsFor(hit)))
    const { platform, waits } = vk(s.vkUrl)
    expect(sampleOf(await one(platform, vkPage(4))).followers).toBe(40)
    expect(waits.length).toBeGreaterThanOrEqual(1)
  })

  it('Telegram: HTTP 200 with a captcha page is a bad_response, retried, and never a verdict on the channel', async () => {
    const s = await server(() => answer(TOO_MANY_REQUESTS_PAGE))
    const error = errorOf(await one(telegram(s.telegramUrl).platform, tgPage('durov'), true))
    expect(error.kind).toBe('bad_response')
    expect(error.message).toMatch(/captcha or an error page/)
    expect(s.of('/tg/durov')).toHaveLength(3)
  })

  it('Telegram: HTTP 429 with an HTML page and no Retry-After is rate_limited, retried with back-off', async () => {
    const s = await server((hit, n) => (n < 2 ? answer(TOO_MANY_REQUESTS_PAGE, 429) : answer(DUROV)))
    const { platform, waits } = telegram(s.telegramUrl)
    expect(sampleOf(await one(platform, tgPage('durov'))).followers).toBe(11_286_994)
    expect(waits).toHaveLength(2)
  })
})

describe('a server slow to send even its headers', () => {
  it('VK and Telegram both stop at the deadline', async () => {
    const s = await server((hit) => late(2_000, hit.path.startsWith('/vk') ? vkGroupsFor(hit) : recorded('telegram/tme_page_durov_channel.html')))
    const started = performance.now()
    const [vkError, tgError] = await Promise.all([
      one(vk(s.vkUrl, { retry: { ...RETRY, attempts: 1 } }).platform, vkPage(2)).then(errorOf),
      one(telegram(s.telegramUrl, { retry: { ...RETRY, attempts: 1 } }).platform, tgPage('durov')).then(errorOf),
    ])
    expect(performance.now() - started).toBeLessThan(1_500)
    expect(vkError).toMatchObject({ kind: 'unavailable', message: `${s.vkUrl}/groups.getById did not answer within ${TIMEOUT_MS} ms` })
    expect(tgError).toMatchObject({ kind: 'unavailable', message: `${s.telegramUrl}/durov did not answer within ${TIMEOUT_MS} ms` })
  })
})
