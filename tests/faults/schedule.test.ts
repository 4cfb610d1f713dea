import { describe, expect, it, onTestFinished } from 'vitest'
import { listRuns } from '../../src/db/runs.ts'
import { startScheduler } from '../../src/scheduler/schedule.ts'
import { fixture } from '../helpers/replay-server.ts'
import { answer, late } from './fault-server.ts'
import { harness, memoryLogger } from './harness.ts'

// The real node-cron wiring (startScheduler) with real time: a cron of every second and a t.me
// stand-in slow enough that one run spans more than one tick.

const CHANNEL = fixture('telegram/tme_page_durov_channel.html')
const nowSeconds = () => Math.floor(Date.now() / 1000)

const seedRun = (db: Awaited<ReturnType<typeof harness>>['db'], startedAt: number) =>
  db.insertInto('runs').values({ trigger: 'schedule', status: 'finished', started_at: startedAt, finished_at: startedAt + 1, error: null }).execute()

describe('startScheduler()', () => {
  it('skips the ticks that come while a run outlasts its interval, then runs again', async () => {
    // The first collection takes 1.5 s, over a schedule of one tick a second; later ones are quick.
    const h = await harness((hit, n) => (n === 0 ? late(1_500, answer(CHANNEL)) : answer(CHANNEL)), { env: { POSTS_INTERVAL_HOURS: '700' } })
    await h.register('https://t.me/durov')
    await h.db.updateTable('pages').set({ posts_collected_at: nowSeconds() }).execute()
    await seedRun(h.db, nowSeconds() + 1) // a run "just now": no catch-up at start
    const { logger, lines } = memoryLogger()
    const scheduler = await startScheduler({ db: h.db, collector: h.collector, logger, cronExpression: '* * * * * *' })
    onTestFinished(() => scheduler.stop())

    await expect.poll(async () => (await listRuns(h.db)).filter((r) => r.status === 'finished').length, { timeout: 6_000, interval: 100 }).toBeGreaterThanOrEqual(3)
    await scheduler.stop()

    const [first, second] = (await listRuns(h.db)).reverse().slice(1)
    expect(first).toMatchObject({ trigger: 'schedule', status: 'finished' })
    expect(second).toMatchObject({ trigger: 'schedule' })
    // Never two at once: the second run started after the first had finished.
    expect(second!.startedAt).toBeGreaterThanOrEqual(first!.finishedAt!)
    const skipped = lines.filter((line) => line.msg === 'collection tick skipped: the previous run is still going')
    expect(skipped.length).toBeGreaterThanOrEqual(1)
    expect(skipped[0]).toMatchObject({ level: 40, run: first!.id })
  })

  it('after downtime, starts one catch-up run, not one per missed tick, and no second one on the next restart', async () => {
    const h = await harness(() => answer(CHANNEL))
    await h.register('https://t.me/durov')
    await seedRun(h.db, nowSeconds() - 5 * 3600) // the server was down for five hourly ticks
    const { logger, lines } = memoryLogger()

    const first = await startScheduler({ db: h.db, collector: h.collector, logger, cronExpression: '0 * * * *' })
    await expect.poll(async () => (await listRuns(h.db))[0]!.status, { timeout: 5_000, interval: 50 }).toBe('finished')
    await new Promise((resolve) => setTimeout(resolve, 300))
    await first.stop()
    // Restarted again soon after: the catch-up run is recent, so nothing to catch up.
    const second = await startScheduler({ db: h.db, collector: h.collector, logger, cronExpression: '0 * * * *' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await second.stop()

    const runs = await listRuns(h.db)
    expect(runs.map((r) => r.trigger)).toEqual(['catch-up', 'schedule'])
    expect(runs[0]).toMatchObject({ status: 'finished', ok: 1 })
    expect(h.server.of('/tg/durov')).toHaveLength(1)
    expect(lines.filter((line) => String(line.msg).startsWith('last collection is older than one interval'))).toHaveLength(1)
  })

  it('stopping aborts the run in flight between batches and records it as interrupted', async () => {
    const h = await harness(() => late(300, answer(CHANNEL)), { env: { TELEGRAM_CONCURRENCY: '1', POSTS_INTERVAL_HOURS: '700' } })
    await h.register('https://t.me/one_chan', 'https://t.me/two_chan', 'https://t.me/three_chan', 'https://t.me/four_chan')
    await h.db.updateTable('pages').set({ posts_collected_at: nowSeconds() }).execute()
    const scheduler = await startScheduler({ db: h.db, collector: h.collector, logger: memoryLogger().logger, cronExpression: '0 * * * *' })
    await expect.poll(() => h.server.hits.length, { timeout: 3_000, interval: 20 }).toBeGreaterThanOrEqual(1)
    await scheduler.stop()
    const [run] = await listRuns(h.db)
    expect(run).toMatchObject({ trigger: 'catch-up', status: 'interrupted', error: 'Stopped before every page was collected.' })
    expect(run!.done).toBeLessThan(4)
    expect(h.collector.current()).toBeUndefined()
    // A shutdown says nothing about the pages it cut short: none is marked unavailable or cancelled.
    const statuses = await h.db.selectFrom('pages').select(['status', 'status_message']).execute()
    expect(statuses.filter((p) => p.status !== 'ok' && p.status !== 'pending')).toEqual([])
    expect(statuses.filter((p) => p.status === 'ok')).toHaveLength(run!.done)
  })
})
