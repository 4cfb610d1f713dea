import { describe, expect, it } from 'vitest'
import { readConfig } from '../../src/config.ts'
import { getRun, listRuns } from '../../src/db/runs.ts'
import { createPlatforms } from '../../src/platforms/index.ts'
import { createCollector } from '../../src/scheduler/collect.ts'
import { RunTimer } from '../../src/scheduler/timings.ts'
import { startTestApp } from '../helpers/app.ts'
import { testDb } from '../helpers/db.ts'
import { fixture } from '../helpers/replay-server.ts'
import { answer, late, type Reply, vkGroupsFor } from './fault-server.ts'
import { harness, memoryLogger } from './harness.ts'

// What the operator's Collection page reads about a run: the slowest pages, each platform's time,
// and progress with an ETA in the log.

const CHANNEL = fixture('telegram/tme_page_durov_channel.html')

describe('run timings', () => {
  it('records the slowest Telegram pages by their own time, and VK pages by their share of a batch', async () => {
    // Wide margins: on a loaded machine a page's first request (a new connection, cold code) alone
    // can take a couple of hundred ms.
    const delays: Record<string, number> = { '/tg/slow_one': 900, '/tg/slow_two': 600 }
    const h = await harness(
      (hit): Reply => {
        if (hit.path.startsWith('/vk/')) return late(300, vkGroupsFor(hit))
        return late(delays[hit.path] ?? 0, answer(CHANNEL))
      },
      { env: { VK_BATCH_SIZE: '3', TELEGRAM_CONCURRENCY: '2', POSTS_INTERVAL_HOURS: '700' } },
    )
    const names = ['slow_one', 'quick_a', 'slow_two', 'quick_b', 'quick_c']
    await h.register(...names.map((name) => `https://t.me/${name}`), 'https://vk.com/club1', 'https://vk.com/club2', 'https://vk.com/club3')
    // Posts were read a moment ago: each page costs exactly one request.
    await h.db.updateTable('pages').set({ posts_collected_at: Math.floor(Date.now() / 1000) }).execute()

    const run = await h.collector.run('manual')
    expect(run).toMatchObject({ status: 'finished', ok: 8 })
    const { slowest, platforms } = run.timings

    expect(slowest.length).toBe(8)
    const byHandle = new Map(slowest.map((t) => [t.handle, t]))
    // Telegram: each page's own time. The 900 ms page is the slowest channel, then the 600 ms one.
    const telegram = slowest.filter((t) => t.platform === 'telegram')
    expect(telegram.slice(0, 2).map((t) => t.handle)).toEqual(['slow_one', 'slow_two'])
    expect(byHandle.get('slow_one')).toMatchObject({ measured: 'page', status: 'ok', platform: 'telegram' })
    expect(byHandle.get('slow_one')!.ms).toBeGreaterThanOrEqual(900)
    expect(byHandle.get('slow_two')!.ms).toBeGreaterThanOrEqual(600)
    // VK: one call of 300 ms or more for three pages: the same third of it each, marked as a share.
    const vkShares = ['club1', 'club2', 'club3'].map((handle) => byHandle.get(handle)!)
    for (const share of vkShares) expect(share).toMatchObject({ measured: 'batch', platform: 'vk', ms: vkShares[0]!.ms })
    expect(vkShares[0]!.ms).toBeGreaterThanOrEqual(100)
    expect(vkShares[0]!.ms * 3).toBeLessThanOrEqual(platforms.vk!.ms + 3)
    // Slowest first.
    expect(slowest.map((t) => t.ms)).toEqual([...slowest.map((t) => t.ms)].sort((a, b) => b - a))
    expect(platforms.telegram).toMatchObject({ pages: 5 })
    expect(platforms.vk).toMatchObject({ pages: 3 })
    expect(platforms.vk!.ms).toBeGreaterThanOrEqual(300)
    expect(platforms.telegram!.ms).toBeGreaterThanOrEqual(900)

    // Stored on the run's row: what GET /api/runs and the Collection page read.
    expect((await getRun(h.db, run.id)).timings).toEqual(run.timings)
  })

  it('keeps only the ten slowest, whatever the number of pages', () => {
    let clock = 0
    const timer = new RunTimer(10, () => clock)
    timer.startPlatform('telegram')
    for (let i = 0; i < 500; i++) {
      clock += 1
      // (i·7) mod 500 visits every figure 0–499 once, in a scrambled order.
      timer.add({ pageId: i, platform: 'telegram', handle: `p${i}`, ms: (i * 7) % 500, measured: 'page', status: 'ok' })
    }
    const { slowest, platforms } = timer.snapshot()
    expect(slowest.map((t) => t.ms)).toEqual([499, 498, 497, 496, 495, 494, 493, 492, 491, 490])
    expect(platforms).toEqual({ telegram: { pages: 500, ms: 500 } })
  })

  it('reads runs from before the timings column as having none', async () => {
    const h = await harness(() => answer('{}'))
    await h.db.insertInto('runs').values({ trigger: 'schedule', status: 'finished', started_at: 1, finished_at: 2, error: null }).execute()
    const [run] = await listRuns(h.db)
    expect(run!.timings).toEqual({ slowest: [], platforms: {} })
  })
})

describe('progress', () => {
  it('logs done/total, ok, failed and an ETA while a run goes on, and a summary at the end', async () => {
    const h = await harness((hit) => (hit.path === '/tg/gone' ? answer(fixture('telegram/tme_page_nonexistent.html')) : late(hit.path === '/tg/a_two' ? 600 : 30, answer(CHANNEL))), {
      env: { TELEGRAM_CONCURRENCY: '1', POSTS_INTERVAL_HOURS: '700' },
    })
    await h.register('https://t.me/gone', 'https://t.me/a_one', 'https://t.me/a_two', 'https://t.me/a_three')
    await h.db.updateTable('pages').set({ posts_collected_at: Math.floor(Date.now() / 1000) }).execute()
    // Progress is reported at most every 5 s by default; without the throttle, after every batch.
    const config = readConfig({ TELEGRAM_URL: h.server.telegramUrl, TELEGRAM_CONCURRENCY: '1', TELEGRAM_INTERVAL_MS: '0', POSTS_INTERVAL_HOURS: '700' })
    const { logger, lines } = memoryLogger()
    const collector = createCollector({ db: h.db, platforms: createPlatforms(config), logger, ...config, progressEveryMs: 0 })
    await collector.run('manual')

    const progress = lines.filter((line) => line.msg === 'collection progress')
    expect(progress.map((line) => [line.done, line.total, line.failed])).toEqual([
      [1, 4, 1],
      [2, 4, 1],
      [3, 4, 1],
      [4, 4, 1],
    ])
    expect(progress[0]!.etaSeconds).toEqual(expect.any(Number))
    expect(progress.at(-1)!.etaSeconds).toBe(0)
    const finished = lines.find((line) => line.msg === 'collection finished')
    expect(finished).toMatchObject({ done: 4, total: 4, ok: 3, failed: 1, status: 'finished', slowest: { handle: 'a_two', ms: expect.any(Number) } })

    // With the default throttle, a quick run logs no progress line at all: only start and finish.
    await h.collector.run('manual')
    expect(h.lines.filter((line) => line.msg === 'collection progress')).toEqual([])
    expect(h.lines.filter((line) => line.msg === 'collection finished')).toHaveLength(1)
  })

  it('shows the run in flight with its progress and ETA', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const h = await harness(
      (hit) =>
        hit.path === '/tg/held'
          ? async (res, req) => {
              await gate
              await answer(CHANNEL)(res, req)
            }
          : answer(CHANNEL),
      { env: { TELEGRAM_CONCURRENCY: '1', POSTS_INTERVAL_HOURS: '700' } },
    )
    await h.register('https://t.me/first', 'https://t.me/held')
    await h.db.updateTable('pages').set({ posts_collected_at: Math.floor(Date.now() / 1000) }).execute()
    const running = h.collector.run('manual')
    await expect.poll(() => h.server.of('/tg/held').length).toBe(1)
    // Batches of one (TELEGRAM_CONCURRENCY 1): the first page is written, the second is in flight.
    const current = h.collector.current()!
    expect(current).toMatchObject({ total: 2, progress: { done: 1, ok: 1 }, etaSeconds: expect.any(Number), startedAt: expect.any(Number) })
    expect(current.etaSeconds).toBeGreaterThanOrEqual(0)
    release()
    await running
    expect(h.collector.current()).toBeUndefined()
  })
})

describe('GET /api/runs', () => {
  it("serves each run's timings, and the run in flight with its progress and ETA", async () => {
    const db = await testDb()
    const { call, platforms } = await startTestApp(db, { env: { TELEGRAM_CONCURRENCY: '1' } })
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    platforms.override.set('tg:/python', async () => {
      await gate
      return new Response(fixture('telegram/tme_page_python_group.html'), { headers: { 'content-type': 'text/html' } })
    })
    for (const url of ['https://t.me/durov', 'https://t.me/python']) expect((await call('POST', '/api/pages', { url })).status).toBe(201)

    const collecting = call('POST', '/api/collect')
    await expect.poll(() => platforms.hits.filter((hit) => hit === 'GET /tg/python').length).toBe(1)
    const during = await (await call('GET', '/api/runs', undefined, null)).json()
    expect(during.current).toMatchObject({ total: 2, progress: { done: 1, ok: 1 }, etaSeconds: expect.any(Number), startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })
    release()
    expect((await collecting).status).toBe(200)

    const after = await (await call('GET', '/api/runs', undefined, null)).json()
    expect(after.current).toBeNull()
    const [run] = after.runs
    expect(run.timings.platforms).toEqual({ telegram: { pages: 2, ms: expect.any(Number) } })
    expect(run.timings.slowest.map((t: { handle: string }) => t.handle).sort()).toEqual(['durov', 'python'])
    expect(run.timings.slowest[0]).toMatchObject({ platform: 'telegram', measured: 'page', status: 'ok', ms: expect.any(Number), pageId: expect.any(Number) })
  })
})
