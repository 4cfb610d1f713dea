import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { openDb } from '../../src/db/open.ts'
import { findOverviewRow, groupSeries, listFilterValues, listGroups, listOverview, listSparklines, type OverviewQuery, searchPatterns } from '../../src/db/overview.ts'
import { insertPage } from '../../src/db/pages.ts'
import type { Db } from '../../src/db/schema.ts'
import { recordOutcomes } from '../../src/db/snapshots.ts'
import { PlatformError } from '../../src/platforms/types.ts'
import { SEED_NOW, SEED_START, type SeededPages, seedHistory } from '../helpers/seed-history.ts'

// Every expected figure below is computed by hand from the history described in seed-history.ts.

let db: Db
let ids: SeededPages
beforeAll(async () => {
  db = openDb(':memory:')
  await migrateToLatest(db)
  ids = await seedHistory(db)
})
afterAll(() => db.destroy())

const query = (q: Partial<OverviewQuery> = {}): OverviewQuery => ({ sort: 'followers', order: 'desc', page: 1, perPage: 50, ...q })

describe('listOverview() on a seeded history', () => {
  it('shows each page with its latest followers, 1/7/30-day changes, reach and ERR', async () => {
    const { rows } = await listOverview(db, query(), SEED_NOW)
    const byId = new Map(rows.map((r) => [r.id, r]))
    // governorVk: 10 000 + 5h at h = 840, 816, 672, 120; reach (3 000 + 5 000) / 2.
    expect(byId.get(ids.governorVk)).toMatchObject({ followers: 14_200, change1d: 120, change7d: 840, change30d: 3600, avgViews: 4000, status: 'ok', region: 'Ростовская область', tags: ['governor'] })
    expect(byId.get(ids.governorVk)!.pct1d).toBeCloseTo((120 / 14_080) * 100, 10) // 0.8523 %
    expect(byId.get(ids.governorVk)!.pct7d).toBeCloseTo((840 / 13_360) * 100, 10) // 6.2874 %
    expect(byId.get(ids.governorVk)!.pct30d).toBeCloseTo((3600 / 10_600) * 100, 10) // 33.962 %
    expect(byId.get(ids.governorVk)!.err).toBeCloseTo((4000 / 14_200) * 100, 10) // 28.169 %
    // governorTg: 20 000 + 20h; the outage at h 700–709 is older than a day and newer than a week.
    expect(byId.get(ids.governorTg)).toMatchObject({ followers: 36_800, change1d: 480, change7d: 3360, change30d: 14_400, avgViews: 9000 })
    expect(byId.get(ids.governorTg)!.err).toBeCloseTo((9000 / 36_800) * 100, 10) // 24.457 %
    // ministry: 50 000 − 2h, falling.
    expect(byId.get(ids.ministry)).toMatchObject({ followers: 48_320, change1d: -48, change7d: -336, change30d: -1440, avgViews: null, err: null })
    expect(byId.get(ids.ministry)!.pct7d).toBeCloseTo((-336 / 48_656) * 100, 10)
    // city: two days of history, so no 7- or 30-day change yet ("no data before").
    expect(byId.get(ids.city)).toMatchObject({ followers: 1048, change1d: 24, change7d: null, change30d: null })
    expect(byId.get(ids.city)!.pct1d).toBeCloseTo((24 / 1024) * 100, 10)
    // closed: never counted; its status says why.
    expect(byId.get(ids.closed)).toMatchObject({ followers: null, status: 'private', statusMessage: 'Закрытая группа: участники скрыты' })
    // gone: paused 25 days ago; its last count stays, its changes are stale and left empty.
    expect(byId.get(ids.gone)).toMatchObject({ followers: 7240, active: false, status: 'paused', change1d: null, change7d: null, collectedAt: SEED_START + 240 * 3600 })
    expect(byId.get(ids.gone)!.statusMessage).toMatch(/Канал не найден/)
  })

  it('totals the filtered set: pages, followers and the week’s change of pages counted recently', async () => {
    expect((await listOverview(db, query(), SEED_NOW)).totals).toEqual({ pages: 6, followers: 14_200 + 36_800 + 48_320 + 1048 + 7240, change7d: 840 + 3360 - 336 })
    const rostov = await listOverview(db, query({ region: 'Ростовская область' }), SEED_NOW)
    expect(rostov.totals).toEqual({ pages: 4, followers: 52_048, change7d: 4200 })
    expect(rostov.total).toBe(4)
  })

  it('sorts by any column with empty figures last, both ways', async () => {
    const order = async (q: Partial<OverviewQuery>) => (await listOverview(db, query(q), SEED_NOW)).rows.map((r) => r.id)
    const { governorVk, governorTg, ministry, city, closed, gone } = ids
    expect(await order({ sort: 'followers', order: 'desc' })).toEqual([ministry, governorTg, governorVk, gone, city, closed])
    expect(await order({ sort: 'followers', order: 'asc' })).toEqual([city, gone, governorVk, governorTg, ministry, closed])
    expect(await order({ sort: 'pct7d', order: 'desc' })).toEqual([governorTg, governorVk, ministry, city, closed, gone])
    expect(await order({ sort: 'change7d', order: 'asc' })).toEqual([ministry, governorVk, governorTg, city, closed, gone])
    expect(await order({ sort: 'pct1d', order: 'desc' })).toEqual([city, governorTg, governorVk, ministry, closed, gone])
    expect(await order({ sort: 'err', order: 'desc' })).toEqual([governorVk, governorTg, ministry, city, closed, gone])
    expect((await order({ sort: 'title', order: 'asc' }))[0]).toBe(city) // «Администрация Ростова»
    expect(await order({ sort: 'status', order: 'asc' })).toEqual([governorVk, governorTg, ministry, city, gone, closed]) // ok…, paused, private
  })

  it('filters by platform, region, tag, status and text, and pages the result', async () => {
    const of = async (q: Partial<OverviewQuery>) => (await listOverview(db, query(q), SEED_NOW)).rows.map((r) => r.id).sort()
    expect(await of({ platform: 'telegram' })).toEqual([ids.governorTg, ids.city, ids.gone].sort())
    expect(await of({ tag: 'governor' })).toEqual([ids.governorVk, ids.governorTg].sort())
    expect(await of({ tag: 'ministry', platform: 'vk' })).toEqual([ids.ministry])
    expect(await of({ status: 'ok' })).toEqual([ids.governorVk, ids.governorTg, ids.ministry, ids.city].sort())
    expect(await of({ status: 'failing' })).toEqual([ids.closed])
    expect(await of({ status: 'paused' })).toEqual([ids.gone])
    expect(await of({ status: 'pending' })).toEqual([])
    // Case-insensitive in Cyrillic too: "губернатор" finds "Губернатор …"; handles are searched as well.
    expect(await of({ q: 'губернатор' })).toEqual([ids.governorVk, ids.governorTg].sort())
    expect(await of({ q: 'MINZDRAV' })).toEqual([ids.ministry])
    expect(await of({ q: '100%' })).toEqual([]) // % is literal, not a wildcard
    expect(await of({ q: 'губернатор ростов' })).toEqual([ids.governorVk]) // every word must match
    const second = await listOverview(db, query({ perPage: 4, page: 2 }), SEED_NOW)
    expect(second.rows.map((r) => r.id)).toEqual([ids.city, ids.closed])
    expect(second.total).toBe(6)
  })

  it('hides archived pages from the overview, its totals, groups and filter lists', async () => {
    const fresh = openDb(':memory:')
    try {
      await migrateToLatest(fresh)
      const seeded = await seedHistory(fresh)
      await fresh.updateTable('pages').set({ archived_at: '2026-11-26T00:00:00.000Z' }).where('id', '=', seeded.ministry).execute()
      const result = await listOverview(fresh, query(), SEED_NOW)
      expect(result.rows.map((r) => r.id)).not.toContain(seeded.ministry)
      expect(result.totals.pages).toBe(5)
      expect((await listFilterValues(fresh)).regions).toEqual(['Ростовская область'])
      expect((await listGroups(fresh, 'region', {}, SEED_NOW)).map((g) => g.key)).not.toContain('Московская область')
    } finally {
      await fresh.destroy()
    }
  })

  it('reads one page’s row with the same figures', async () => {
    expect(await findOverviewRow(db, ids.governorTg, SEED_NOW)).toMatchObject({ followers: 36_800, change7d: 3360 })
    expect(await findOverviewRow(db, 999, SEED_NOW)).toBeUndefined()
  })
})

describe('sparklines, groups and filter values', () => {
  it('gives 30 daily values per page from the roll-ups, empty where a day has no sample', async () => {
    const lines = await listSparklines(db, [ids.governorVk, ids.city, ids.gone], SEED_NOW)
    const vk = lines.get(ids.governorVk)!
    expect(vk).toHaveLength(30)
    // The last sample of each day: day 29 is today (h = 840 at 12:00), day 28 ends at 23:00 the day before.
    expect(vk[29]).toBe(14_200)
    expect(vk[28]).toBe(14_200 - 5 * 13)
    const city = lines.get(ids.city)!
    expect(city.filter((v) => v !== null)).toHaveLength(3) // registered two days ago: three UTC days with samples
    // gone was last counted on 01.11 (h = 240), the fifth day of the window (28.10 … 26.11): nothing after.
    const gone = lines.get(ids.gone)!
    expect(gone.slice(0, 5).every((v) => v !== null)).toBe(true)
    expect(gone[4]).toBe(7240)
    expect(gone.slice(5).every((v) => v === null)).toBe(true)
  })

  it('sums the figures per region and per tag', async () => {
    const regions = await listGroups(db, 'region', {}, SEED_NOW)
    expect(regions.map((g) => g.key)).toEqual(['Ростовская область', 'Московская область', null])
    const rostov = regions[0]!
    expect(rostov).toMatchObject({ pages: 4, followers: 52_048, change1d: 120 + 480 + 24, change7d: 4200, change30d: 18_000, avgViews: 6500 })
    expect(rostov.pct7d).toBeCloseTo((4200 / (51_000 - 4200)) * 100, 10) // 8.974 %
    expect(rostov.err).toBeCloseTo((13_000 / 51_000) * 100, 10) // 25.49 %
    expect(regions[2]).toMatchObject({ key: null, pages: 1, followers: 7240, change7d: null, pct7d: null })
    const tags = await listGroups(db, 'tag', {}, SEED_NOW)
    expect(tags.map((g) => [g.key, g.pages, g.followers])).toEqual([
      ['ministry', 2, 48_320 + 7240],
      ['governor', 2, 51_000],
      ['city', 1, 1048],
    ])
    expect(await listFilterValues(db)).toEqual({ regions: ['Московская область', 'Ростовская область'], tags: ['city', 'governor', 'ministry'], platforms: ['telegram', 'vk'] })
  })

  it('charts a group’s total followers per day from the last sample of each day', async () => {
    const points = await groupSeries(db, 'tag', 'governor', { from: SEED_NOW - 3 * 86_400, to: SEED_NOW })
    // Each day's last samples: 23:00 on the three previous days, 12:00 today.
    const at = (h: number) => 10_000 + 5 * h + 20_000 + 20 * h
    const lastHourOfDay = (daysAgo: number) => 840 - 12 - 1 - 24 * (daysAgo - 1)
    expect(points.map((p) => p.v)).toEqual([at(lastHourOfDay(3)), at(lastHourOfDay(2)), at(lastHourOfDay(1)), at(840)])
    expect(points.every((p) => p.pages === 2)).toBe(true)
  })

  it('leaves a gap on a day when a noticeable share of the group was not collected, not a dip', async () => {
    const small = openDb(':memory:')
    try {
      await migrateToLatest(small)
      const pages = []
      for (let i = 0; i < 10; i++) {
        pages.push((await insertPage(small, { platform: 'telegram', handle: `p${i}`, url: `https://t.me/p${i}`, region: 'Тверская область' }, new Date(SEED_START * 1000))).id)
      }
      // One sample a day for 9 days, 100 followers each; on day 4 three pages fail.
      for (let day = 0; day < 9; day++) {
        const items = pages.map((id, i) => ({
          page: { id, consecutiveFailures: 0 },
          outcome: day === 4 && i < 3 ? { ok: false as const, error: new PlatformError('unavailable', 'timeout') } : { ok: true as const, sample: { followers: 100, followersExact: true, title: null, platformId: null, posts: null } },
        }))
        await recordOutcomes(small, items, SEED_START + day * 86_400, { pauseAfterFailures: 0 })
      }
      const points = await groupSeries(small, 'region', 'Тверская область', { from: SEED_START, to: SEED_START + 9 * 86_400 })
      expect(points.map((p) => p.v)).toEqual([1000, 1000, 1000, 1000, null, 1000, 1000, 1000, 1000])
      expect(points[4]!.pages).toBe(7)
    } finally {
      await small.destroy()
    }
  })

  it('escapes LIKE wildcards and tries the case variants of a search', () => {
    expect(searchPatterns(' ростов ')).toEqual([['%ростов%', '%РОСТОВ%', '%Ростов%']])
    expect(searchPatterns('губернатор МЧС')).toEqual([['%губернатор%', '%ГУБЕРНАТОР%', '%Губернатор%'], ['%МЧС%', '%мчс%', '%Мчс%']])
    expect(searchPatterns('50%_a\\b')[0]).toContain('%50\\%\\_a\\\\b%')
    expect(searchPatterns('   ')).toEqual([])
  })
})
