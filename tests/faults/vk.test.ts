import { describe, expect, it, onTestFinished } from 'vitest'
import { listRuns } from '../../src/db/runs.ts'
import type { RetryPolicy } from '../../src/platforms/http.ts'
import type { PageOutcome, PageRef } from '../../src/platforms/types.ts'
import { createVk } from '../../src/platforms/vk.ts'
import { fixture } from '../helpers/replay-server.ts'
import { answer, type Hit, startFaultServer, vkError, vkGroupsFor } from './fault-server.ts'
import { expectNoPartialSnapshots, harness, pageRow, VK_TOKEN } from './harness.ts'

// VK's own error codes, against a local VK stand-in: transient ones retried with growing, jittered
// waits and a bound; permanent ones asked once, with the reason stored on the page; a token revoked
// in the middle of a run.

const GETBYID = '/vk/method/groups.getById'
const WALL = '/vk/method/wall.get'
const WALL_ANSWER = `{"response": ${fixture('vk/selenscrapy_wall_get_2025_inner.json')}}`

/**
 * A clock that moves only when the code sleeps, and the waits it was asked for. With it the per-token
 * limiter never adds waits of its own after a back-off (the back-off already moved time past its
 * 333 ms spacing), so `waits` holds exactly the retry waits.
 */
function fakeClock() {
  let t = Date.UTC(2026, 7, 10, 12, 0, 0)
  const waits: number[] = []
  return {
    waits,
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms)
      t += ms
    },
  }
}

async function platformAgainst(route: (hit: Hit, n: number) => ReturnType<typeof answer>, retry: RetryPolicy, requestsPerSecond = 3) {
  const server = await startFaultServer(route)
  onTestFinished(() => server.close())
  const clock = fakeClock()
  const vk = createVk({ tokens: [VK_TOKEN], apiUrl: server.vkUrl, requestsPerSecond, groupsBatchSize: 1, postsPerPage: 20, timeoutMs: 1000, retry, sleep: clock.sleep, now: clock.now })
  return { vk, server, waits: clock.waits }
}

const page = (id: number): PageRef => ({ id, platform: 'vk', handle: `club${id}`, platformId: null })
const failure = (outcome: PageOutcome | undefined) => {
  if (!outcome || outcome.ok) throw new Error('expected a failure')
  return outcome.error
}

describe('VK errors 6, 9 and 10: retried with growing, jittered waits, a bounded number of times', () => {
  const retry = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 4000 }

  it.each([
    { code: 6, kind: 'rate_limited' },
    { code: 9, kind: 'rate_limited' },
    { code: 10, kind: 'unavailable' },
  ])('error $code: exactly `attempts` requests, waits growing up to the cap, then $kind', async ({ code, kind }) => {
    const { vk, server, waits } = await platformAgainst(() => answer(vkError(code)), retry)
    const error = failure((await vk.collect([page(1)], { withPosts: false })).get(1))
    expect(error).toMatchObject({ kind, details: { code } })
    expect(error.message).toContain(`error ${code}`)
    expect(server.of(GETBYID)).toHaveLength(5)
    expect(waits).toHaveLength(4)
    // Attempt n waits between half and all of 1000·2^(n-1) ms, so each wait exceeds the one before
    // until the 4 s cap; error 6 ("too many per second") never waits less than a second.
    expect(waits[1]!).toBeGreaterThan(waits[0]!)
    expect(waits[2]!).toBeGreaterThan(waits[1]!)
    expect(waits[0]!).toBeGreaterThanOrEqual(code === 6 ? 1000 : 500)
    for (const wait of waits) expect(wait).toBeLessThanOrEqual(4000)
  })

  it('jitters: pages refused at the same moment do not all come back after the same wait', async () => {
    // No per-token spacing here, so every recorded wait is a back-off.
    const { vk, waits } = await platformAgainst(() => answer(vkError(9)), { attempts: 2, baseDelayMs: 1000, maxDelayMs: 4000 }, Number.POSITIVE_INFINITY)
    await vk.collect([1, 2, 3, 4, 5, 6].map(page), { withPosts: false })
    expect(waits).toHaveLength(6)
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(500)
    for (const wait of waits) expect(wait).toBeLessThan(1000)
    expect(new Set(waits).size).toBeGreaterThan(1)
  })

  it('a later answer wins: error 10 twice, then the count', async () => {
    const { vk, server } = await platformAgainst((hit, n) => (n < 2 ? answer(vkError(10)) : vkGroupsFor(hit)), retry)
    const outcome = (await vk.collect([page(8)], { withPosts: false })).get(8)
    expect(outcome).toMatchObject({ ok: true, sample: { followers: 80 } })
    expect(server.of(GETBYID)).toHaveLength(3)
  })

  it('through a run: a page still refused after the retries says why and is not counted towards pausing', async () => {
    const h = await harness(() => answer(vkError(9)), { env: { PAUSE_AFTER_FAILURES: '1' } })
    const [id] = await h.register('https://vk.com/club5')
    const run = await h.collector.run('manual')
    expect(run).toMatchObject({ status: 'finished', statusCounts: { rate_limited: 1 } })
    expect(h.server.of(GETBYID)).toHaveLength(3) // the app's retry policy: three attempts
    expect(await pageRow(h.db, id!)).toMatchObject({ status: 'rate_limited', active: 1, consecutive_failures: 0, status_message: expect.stringContaining('error 9: Flood control') })
  })
})

describe("VK error 29: the method's daily quota", () => {
  // Retrying within seconds cannot help a daily quota: one request per token, then the method rests
  // until the next UTC day (see PLATFORMS.md), which bounds it more tightly than any back-off.
  it('is asked once; the rest of the run makes no groups.getById request and every page says why', async () => {
    const h = await harness(() => answer(vkError(29)), { env: { VK_BATCH_SIZE: '1' } })
    const ids = await h.register('https://vk.com/club1', 'https://vk.com/club2', 'https://vk.com/club3')
    const run = await h.collector.run('manual')
    expect(run).toMatchObject({ status: 'finished', statusCounts: { rate_limited: 3 } })
    expect(h.server.of(GETBYID)).toHaveLength(1)
    for (const id of ids) {
      expect(await pageRow(h.db, id)).toMatchObject({
        status: 'rate_limited',
        status_message: "VK's daily quota for groups.getById is used up (error 29: Rate limit reached)",
        consecutive_failures: 0,
      })
    }
  })

  it('moves on to the next token, which collects every page', async () => {
    const h = await harness((hit) => (hit.params.access_token === 'first-token' ? answer(vkError(29)) : vkGroupsFor(hit)), {
      env: { VK_TOKEN: 'first-token,second-token', VK_BATCH_SIZE: '1' },
    })
    await h.register('https://vk.com/club1', 'https://vk.com/club2', 'https://vk.com/club3')
    expect(await h.collector.run('manual')).toMatchObject({ ok: 3, failed: 0 })
    expect(h.server.of(GETBYID).map((hit) => hit.params.access_token)).toEqual(['first-token', 'second-token', 'second-token', 'second-token'])
  })
})

describe('VK errors 5, 15, 18, 30, 100 and 203: permanent, asked exactly once', () => {
  it.each([
    { code: 5, status: 'auth', message: 'VK rejected the access token (error 5: User authorization failed: access_token was given to another ip address.)', counts: 0 },
    { code: 15, status: 'private', message: 'VK denies access to this page (error 15: Access denied: you can not join this private community)', counts: 1 },
    { code: 18, status: 'not_found', message: 'VK says this page was deleted or banned (error 18: User was deleted or banned)', counts: 1 },
    { code: 30, status: 'private', message: 'VK denies access to this page (error 30: This profile is private)', counts: 1 },
    { code: 100, status: 'not_found', message: 'VK does not know this page (error 100: One of the parameters specified was missing or invalid: value should be positive)', counts: 1 },
    { code: 203, status: 'private', message: 'VK denies access to this page (error 203: Access to group denied)', counts: 1 },
  ])('error $code: one request, the page status is "$status" and says why', async ({ code, status, message, counts }) => {
    const h = await harness(() => answer(vkError(code)))
    const [id] = await h.register('https://vk.com/club77')
    const run = await h.collector.run('manual')
    expect(run).toMatchObject({ status: 'finished', failed: 1, statusCounts: { [status]: 1 } })
    expect(h.server.hits).toHaveLength(1)
    expect(h.waits).toEqual([])
    // A refused token says nothing about the page, so it never counts towards pausing it.
    expect(await pageRow(h.db, id!)).toMatchObject({ status, status_message: message, consecutive_failures: counts, active: 1 })
    expect(JSON.stringify(await pageRow(h.db, id!))).not.toContain(VK_TOKEN)
  })
})

describe('a VK token revoked in the middle of a run', () => {
  it('error 5 on the second batch: earlier pages are kept, the rest say so, the run finishes, nothing is half-written', async () => {
    const h = await harness(
      (hit, n) => {
        if (hit.path === WALL) return answer(WALL_ANSWER)
        return n === 0 ? vkGroupsFor(hit) : answer(vkError(5))
      },
      { env: { VK_BATCH_SIZE: '2' } },
    )
    const ids = await h.register(...[11, 12, 13, 14, 15].map((id) => `https://vk.com/club${id}`))
    const run = await h.collector.run('manual')

    expect(run).toMatchObject({ status: 'finished', pages: 5, done: 5, ok: 2, failed: 3, statusCounts: { ok: 2, auth: 3 } })
    // Batch 1: counts, then the posts of both pages; batch 2: refused; batch 3: no request at all.
    expect(h.server.hits.map((hit) => hit.path)).toEqual([GETBYID, WALL, WALL, GETBYID])
    for (const id of ids.slice(0, 2)) expect(await pageRow(h.db, id)).toMatchObject({ status: 'ok' })
    for (const id of ids.slice(2)) {
      expect(await pageRow(h.db, id)).toMatchObject({
        status: 'auth',
        status_message: 'VK rejected the access token (error 5: User authorization failed: access_token was given to another ip address.)',
        consecutive_failures: 0,
        active: 1,
      })
    }
    expect(await expectNoPartialSnapshots(h.db)).toBe(2)
    expect(await h.db.selectFrom('posts').select('page_id').distinct().execute()).toHaveLength(2)
    expect((await listRuns(h.db))[0]!.status).toBe('finished')
  })
})

describe('HTTP 429 with a Retry-After longer than any back-off', () => {
  it('stops asking with that token for the rest of the run instead of sleeping an hour', async () => {
    const h = await harness((hit, n) => (n === 0 ? vkGroupsFor(hit) : answer('', 429, { 'retry-after': '3600' })), { env: { VK_BATCH_SIZE: '1' } })
    await h.register('https://vk.com/club1', 'https://vk.com/club2', 'https://vk.com/club3', 'https://vk.com/club4')
    const run = await h.collector.run('manual')
    expect(run).toMatchObject({ status: 'finished', ok: 1, statusCounts: { ok: 1, rate_limited: 3 } })
    expect(h.server.of(GETBYID)).toHaveLength(2)
    expect(h.waits.every((ms) => ms <= 30_000)).toBe(true)
    const last = await pageRow(h.db, 4)
    expect(last.status_message).toMatch(/^VK asked publicpulse to wait 360\d s more before its next request/)
  })
})
