import { describe, expect, it } from 'vitest'
import { listOverviewIds } from '../../src/db/overview.ts'
import { insertPage } from '../../src/db/pages.ts'
import { recordOutcomes } from '../../src/db/snapshots.ts'
import { testDb } from '../helpers/db.ts'

const NOW = Date.UTC(2026, 10, 20) / 1000
const DAY = 86_400

describe('overview screens sorted through an index', () => {
  it('list the same pages in the same order as the full sort, for every screen', async () => {
    const db = await testDb()
    const ids: number[] = []
    for (let i = 0; i < 40; i++) {
      const page = await insertPage(db, { platform: 'telegram', handle: `channel_${i}`, url: `https://t.me/channel_${i}`, region: i % 2 ? 'A' : 'B' }, new Date())
      ids.push(page.id)
    }
    const sample = (followers: number) => ({ ok: true as const, sample: { followers, followersExact: true, title: null, platformId: null, posts: null } })
    // Pages 0–29 have 8 days of history (ties in growth among them); 30–34 only a stale old count; 35–39 nothing.
    for (let d = 8; d >= 0; d--) {
      await recordOutcomes(db, ids.slice(0, 30).map((id, i) => ({ page: { id, consecutiveFailures: 0 }, outcome: sample(1000 + i * 10 + (8 - d) * (i % 5)) })), NOW - d * DAY, { pauseAfterFailures: 5 })
    }
    for (let d = 20; d >= 12; d--) {
      await recordOutcomes(db, ids.slice(30, 35).map((id) => ({ page: { id, consecutiveFailures: 0 }, outcome: sample(500 + d) })), NOW - d * DAY, { pauseAfterFailures: 5 })
    }
    for (const sort of ['change7d', 'pct7d', 'followers'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        for (const region of [undefined, 'A']) {
          const query = { sort, order, region }
          const all = await listOverviewIds(db, query, NOW)
          for (const [offset, limit] of [[0, 7], [7, 7], [21, 7], [28, 7], [35, 10], [0, 50]] as const) {
            expect(await listOverviewIds(db, query, NOW, { offset, limit }), `${sort} ${order} ${region} ${offset}+${limit}`).toEqual(all.slice(offset, offset + limit))
          }
        }
      }
    }
  })
})
