import { describe, expect, it } from 'vitest'
import { writeOutcomes } from '../../src/db/ingest.ts'
import { sqliteOf } from '../../src/db/open.ts'
import { findPage, insertPage } from '../../src/db/pages.ts'
import { averageReach, listPosts, listSnapshots, recordOutcome, recordOutcomes } from '../../src/db/snapshots.ts'
import { type PageSample, PlatformError } from '../../src/platforms/types.ts'
import { testDb } from '../helpers/db.ts'

const T0 = Date.UTC(2026, 10, 1, 0, 0, 0) / 1000
const HOUR = 3600
const DAY = 86_400
const policy = { pauseAfterFailures: 3 }

const sample = (followers: number | null, extra: Partial<PageSample> = {}): PageSample => ({
  followers,
  followersExact: true,
  title: 'Губернатор',
  platformId: '-1',
  posts: null,
  ...extra,
})

async function setup() {
  const db = await testDb()
  const page = await insertPage(db, { platform: 'vk', handle: 'club1', url: 'https://vk.com/club1' }, new Date(T0 * 1000))
  return { db, page: { id: page.id, consecutiveFailures: 0 } }
}

describe('recordOutcome()', () => {
  it('keeps history and computes change over 1, 7 and 30 days from the samples that far back', async () => {
    const { db, page } = await setup()
    // One sample a day for 31 days: 1000, 1010, 1020, …
    for (let d = 0; d <= 30; d++) await recordOutcome(db, page, { ok: true, sample: sample(1000 + 10 * d) }, T0 + d * DAY, policy)
    const view = await findPage(db, page.id)
    expect(view).toMatchObject({ followers: 1300, changePrev: 10, change1d: 10, change7d: 70, change30d: 300, title: 'Губернатор', platformId: '-1', status: 'ok' })
    expect(await listSnapshots(db, page.id)).toHaveLength(31)
    const rollups = await db.selectFrom('daily_rollups').selectAll().where('page_id', '=', page.id).execute()
    expect(rollups).toHaveLength(31)
  })

  it('leaves growth empty before there is history that far back ("no data before")', async () => {
    const { db, page } = await setup()
    await recordOutcome(db, page, { ok: true, sample: sample(500) }, T0, policy)
    await recordOutcome(db, page, { ok: true, sample: sample(520) }, T0 + HOUR, policy)
    expect(await findPage(db, page.id)).toMatchObject({ followers: 520, changePrev: 20, change1d: null, change7d: null, change30d: null })
  })

  it('never computes growth between a rounded and an exact figure', async () => {
    const { db, page } = await setup()
    await recordOutcome(db, page, { ok: true, sample: sample(11_300_000, { followersExact: false }) }, T0, policy)
    await recordOutcome(db, page, { ok: true, sample: sample(11_286_994) }, T0 + DAY, policy)
    const view = await findPage(db, page.id)
    expect(view).toMatchObject({ followers: 11_286_994, followersExact: true, changePrev: null, change1d: null })
    const [day0] = await db.selectFrom('daily_rollups').select(['exact']).where('page_id', '=', page.id).orderBy('day').execute()
    expect(day0?.exact).toBe(0)
  })

  it('maintains the daily roll-up as first/last/min/max of the day', async () => {
    const { db, page } = await setup()
    for (const [h, v] of [[0, 100], [6, 90], [12, 130], [18, 120]] as const) {
      await recordOutcome(db, page, { ok: true, sample: sample(v) }, T0 + h * HOUR, policy)
    }
    const day = await db.selectFrom('daily_rollups').selectAll().where('page_id', '=', page.id).executeTakeFirstOrThrow()
    expect(day).toMatchObject({ first: 100, last: 120, min: 90, max: 130, samples: 4, exact: 1 })
  })

  it('stores posts with null views as null and averages reach over posts 24 h – 7 d old', async () => {
    const { db, page } = await setup()
    const at = T0 + 10 * DAY
    const post = (id: string, ageHours: number, views: number | null) => ({
      postId: id,
      url: `https://vk.com/wall-1_${id}`,
      publishedAt: at - ageHours * HOUR,
      text: 'текст',
      views,
      likes: 1,
      reposts: 0,
      comments: 2,
    })
    const posts = [post('5', 2, 50), post('4', 30, 300), post('3', 48, null), post('2', 100, 500), post('1', 200, 9999)]
    await recordOutcome(db, page, { ok: true, sample: sample(1000, { posts }) }, at, policy)
    const stored = await listPosts(db, page.id)
    expect(stored.map((p) => p.views)).toEqual([50, 300, null, 500, 9999])
    const view = await findPage(db, page.id)
    expect(view?.avgViews).toBe(400) // (300 + 500) / 2: too fresh, no count and too old are left out
    expect(view?.err).toBeCloseTo(40)
    expect(averageReach(posts, at)).toEqual({ avgViews: 400, counted: 2 })
    // The day's roll-up keeps the day's reach; a later count without posts keeps it, and the page's.
    await recordOutcome(db, page, { ok: true, sample: sample(1010) }, at + HOUR, policy)
    expect(await db.selectFrom('daily_rollups').select(['avg_views', 'samples']).where('page_id', '=', page.id).execute()).toEqual([{ avg_views: 400, samples: 2 }])
    expect(await findPage(db, page.id)).toMatchObject({ followers: 1010, avgViews: 400, status: 'ok' })
  })

  it('updates a post in place when it is read again', async () => {
    const { db, page } = await setup()
    const p = { postId: '9', url: 'https://t.me/x/9', publishedAt: T0, text: 'a', views: 10, likes: null, reposts: null, comments: null }
    await recordOutcome(db, page, { ok: true, sample: sample(1, { posts: [p] }) }, T0 + HOUR, policy)
    await recordOutcome(db, page, { ok: true, sample: sample(1, { posts: [{ ...p, views: 25 }] }) }, T0 + 2 * HOUR, policy)
    const stored = await listPosts(db, page.id)
    expect(stored).toHaveLength(1)
    expect(stored[0]?.views).toBe(25)
  })

  it('records a failure as the page status and pauses the page after repeated permanent failures', async () => {
    const { db, page } = await setup()
    const gone = { ok: false as const, error: new PlatformError('not_found', 'VK group was deleted') }
    let failures = 0
    const statuses = []
    for (let i = 0; i < 3; i++) {
      statuses.push(await recordOutcome(db, { id: page.id, consecutiveFailures: failures }, gone, T0 + i * HOUR, policy))
      failures++
    }
    expect(statuses).toEqual(['not_found', 'not_found', 'paused'])
    const view = await findPage(db, page.id)
    expect(view).toMatchObject({ status: 'not_found', statusMessage: 'VK group was deleted', active: false })
    expect(view?.pausedReason).toMatch(/Paused after 3 failures in a row: VK group was deleted/)
  })

  it('does not count transient failures towards pausing', async () => {
    const { db, page } = await setup()
    const outage = { ok: false as const, error: new PlatformError('unavailable', 'api.vk.com did not answer') }
    for (let i = 0; i < 5; i++) await recordOutcome(db, page, outage, T0 + i * HOUR, policy)
    expect(await findPage(db, page.id)).toMatchObject({ status: 'unavailable', active: true })
  })

  it('writes nothing of a page when its transaction fails half way', async () => {
    const { db, page } = await setup()
    // A post without a URL violates NOT NULL after the snapshot row was inserted in the same transaction.
    const broken = { postId: '1', url: null as unknown as string, publishedAt: T0, text: null, views: 1, likes: null, reposts: null, comments: null }
    await expect(recordOutcome(db, page, { ok: true, sample: sample(777, { posts: [broken] }) }, T0, policy)).rejects.toThrow()
    expect(await listSnapshots(db, page.id)).toEqual([])
    expect(await db.selectFrom('daily_rollups').selectAll().execute()).toEqual([])
    expect(await findPage(db, page.id)).toMatchObject({ status: 'pending', followers: null })
  })

  it("keeps writing after a connection's first write was rolled back by an enclosing transaction", async () => {
    // The first write on a connection sets up its batch table; a rollback around it takes that with it.
    const { db, page } = await setup()
    const sqlite = sqliteOf(db)
    sqlite.exec('begin')
    writeOutcomes(sqlite, [{ page, outcome: { ok: true, sample: sample(900) } }], T0, policy.pauseAfterFailures, () => null)
    sqlite.exec('rollback')
    await recordOutcome(db, page, { ok: true, sample: sample(1000) }, T0 + HOUR, policy)
    expect((await listSnapshots(db, page.id)).map((s) => s.followers)).toEqual([1000])
    expect(await findPage(db, page.id)).toMatchObject({ followers: 1000, status: 'ok' })
  })

  it('writes the rest of a batch when one of its pages was deleted while it was being collected', async () => {
    const { db, page } = await setup()
    const gone = await insertPage(db, { platform: 'vk', handle: 'club2', url: 'https://vk.com/club2' }, new Date(T0 * 1000))
    await db.deleteFrom('pages').where('id', '=', gone.id).execute()
    const statuses = await recordOutcomes(
      db,
      [
        { page, outcome: { ok: true, sample: sample(1000) } },
        { page: { id: gone.id, consecutiveFailures: 0 }, outcome: { ok: true, sample: sample(2000) } },
        { page: { id: gone.id + 1, consecutiveFailures: 0 }, outcome: { ok: false, error: new PlatformError('not_found', 'VK group was deleted') } },
      ],
      T0,
      policy,
    )
    expect(statuses).toEqual(['ok', 'ok', 'not_found'])
    expect((await listSnapshots(db, page.id)).map((s) => s.followers)).toEqual([1000])
    expect(await findPage(db, page.id)).toMatchObject({ followers: 1000, status: 'ok' })
    expect(await db.selectFrom('snapshots').select('page_id').where('page_id', '=', gone.id).execute()).toEqual([])
  })

  it('writes the same latest values and days for a count with posts as for a count alone', async () => {
    // Both pages get the same counts, including a rounded one, a day that closes and a late sample of a
    // day already closed; one also had its posts read each time (none in the reach window).
    const { db, page: single } = await setup()
    const batched = { id: (await insertPage(db, { platform: 'vk', handle: 'club2', url: 'https://vk.com/club2' }, new Date(T0 * 1000))).id, consecutiveFailures: 0 }
    const history: [number, number, boolean][] = [
      [0, 1000, true], [6 * HOUR, 1010, true], [DAY, 1030, true], [DAY + 5 * HOUR, 1100, false], [2 * DAY, 1200, true],
      [8 * DAY + HOUR, 1300, true], [8 * DAY + 2 * HOUR, 1290, true], [3 * DAY, 1150, true], [31 * DAY, 1400, true],
    ]
    for (const [t, followers, exact] of history) {
      const counted = sample(followers, { followersExact: exact })
      await recordOutcomes(db, [
        { page: single, outcome: { ok: true, sample: { ...counted, posts: [] } } },
        { page: batched, outcome: { ok: true, sample: counted } },
      ], T0 + t, policy)
    }
    const stats = await db.selectFrom('page_stats').selectAll().orderBy('page_id').execute()
    const { page_id: _a, avg_views_at: _b, ...one } = stats[0]!
    const { page_id: _c, avg_views_at: _d, ...other } = stats[1]!
    expect(other).toEqual(one)
    expect(one).toMatchObject({ followers: 1400, change_30d: 370, day_samples: 1 }) // against day 1's 1,030
    const days = async (id: number) => (await db.selectFrom('daily_rollups').selectAll().where('page_id', '=', id).orderBy('day').execute()).map(({ page_id: _, ...day }) => day)
    expect(await days(batched.id)).toEqual(await days(single.id))
    expect((await days(single.id)).map((d) => [d.samples, d.first, d.last, d.exact])).toEqual([[2, 1000, 1010, 1], [2, 1030, 1100, 0], [1, 1200, 1200, 1], [1, 1150, 1150, 1], [2, 1300, 1290, 1], [1, 1400, 1400, 1]])
  })

  it('learns where history starts for a latest-values row written without it (an import, a seeded database)', async () => {
    const { db, page } = await setup()
    await db.insertInto('snapshots').values({ page_id: page.id, collected_at: T0 - 3 * DAY, followers: 900, exact: 1 }).execute()
    await db.insertInto('page_stats').values({ page_id: page.id, followers: 900, exact: 1, collected_at: T0 - 3 * DAY }).execute()
    await recordOutcome(db, page, { ok: true, sample: sample(1000) }, T0, policy)
    await recordOutcome(db, page, { ok: true, sample: sample(1010) }, T0 + HOUR, policy)
    expect(await findPage(db, page.id)).toMatchObject({ followers: 1010, changePrev: 10, change1d: 110 })
    expect(await db.selectFrom('page_stats').select('since').where('page_id', '=', page.id).executeTakeFirst()).toEqual({ since: T0 - 3 * DAY })
  })
})
