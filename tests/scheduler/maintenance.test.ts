import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { findPage, insertPage } from '../../src/db/pages.ts'
import { listSnapshots, recordOutcomes } from '../../src/db/snapshots.ts'
import { runMaintenance } from '../../src/scheduler/maintenance.ts'
import { testDbFile } from '../helpers/db.ts'

const T0 = Date.UTC(2026, 9, 1) / 1000
const DAY = 86_400

describe('runMaintenance()', () => {
  it('thins raw samples past the retention, keeps daily values, and growth still works across the boundary', async () => {
    const { db } = await testDbFile()
    for (let i = 1; i <= 3; i++) await insertPage(db, { platform: 'telegram', handle: `channel${i}`, url: `https://t.me/channel${i}` }, new Date(T0 * 1000))
    // 40 days, four samples a day, for three pages: followers grow by 10 a day.
    for (let d = 0; d < 40; d++) {
      for (const h of [0, 6, 12, 18]) {
        const at = T0 + d * DAY + h * 3600
        const items = [1, 2, 3].map((id) => ({ page: { id, consecutiveFailures: 0 }, outcome: { ok: true as const, sample: { followers: 1000 * id + 10 * d, followersExact: true, title: null, platformId: null, posts: null } } }))
        await recordOutcomes(db, items, at, { pauseAfterFailures: 5 })
      }
    }
    const now = new Date((T0 + 40 * DAY) * 1000)
    const report = await runMaintenance(db, { retentionDays: 14, now: () => now, pagesPerStep: 1 })
    expect(report.deletedSnapshots).toBe(3 * 4 * 26) // days 0..25 are older than 14 days
    expect(report.steps).toBeGreaterThanOrEqual(6)
    const raw = await listSnapshots(db, 1)
    expect(raw).toHaveLength(14 * 4)
    expect(raw[0]?.collectedAt).toBe(T0 + 26 * DAY)
    const rollups = await db.selectFrom('daily_rollups').select('day').where('page_id', '=', 1).execute()
    expect(rollups).toHaveLength(40)

    // The next sample's 30-day change reads the daily value of a thinned day.
    await recordOutcomes(db, [{ page: { id: 1, consecutiveFailures: 0 }, outcome: { ok: true, sample: { followers: 1500, followersExact: true, title: null, platformId: null, posts: null } } }], T0 + 40 * DAY, { pauseAfterFailures: 5 })
    const page = await findPage(db, 1)
    expect(page?.change30d).toBe(1500 - (1000 + 10 * 10)) // last sample of day 10 (30 days earlier)
    expect(page?.change1d).toBe(1500 - (1000 + 10 * 39))
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db)
    expect(integrity.rows).toEqual([{ integrity_check: 'ok' }])
  })

  it('keeps everything when retention is off, and still checkpoints the WAL', async () => {
    const { db } = await testDbFile()
    await insertPage(db, { platform: 'telegram', handle: 'channel1', url: 'https://t.me/channel1' }, new Date(T0 * 1000))
    await recordOutcomes(db, [{ page: { id: 1, consecutiveFailures: 0 }, outcome: { ok: true, sample: { followers: 5, followersExact: true, title: null, platformId: null, posts: null } } }], T0, { pauseAfterFailures: 5 })
    const report = await runMaintenance(db, { retentionDays: 0 })
    expect(report.deletedSnapshots).toBe(0)
    expect(report.checkpoint.busy).toBe(0)
    expect(await listSnapshots(db, 1)).toHaveLength(1)
  })
})
