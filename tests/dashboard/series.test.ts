import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { openDb } from '../../src/db/open.ts'
import { insertPage } from '../../src/db/pages.ts'
import type { Db } from '../../src/db/schema.ts'
import { downsample, firstDataAt, indexTo100, markGaps, MAX_POINTS, pageSeries, presetRange, type SeriesPoint } from '../../src/db/series.ts'
import { recordOutcomes } from '../../src/db/snapshots.ts'
import { testDb } from '../helpers/db.ts'
import { SEED_NOW, SEED_START, type SeededPages, seedHistory } from '../helpers/seed-history.ts'

const HOUR = 3600
const DAY = 86_400
const at = (h: number) => SEED_START + h * HOUR

let db: Db
let ids: SeededPages
beforeAll(async () => {
  db = openDb(':memory:')
  await migrateToLatest(db)
  ids = await seedHistory(db)
})
afterAll(() => db.destroy())

describe('the pure shaping of a series', () => {
  const hourly = (n: number, skip: (i: number) => boolean = () => false): SeriesPoint[] =>
    Array.from({ length: n }, (_, i) => ({ t: i * HOUR, v: 100 + i })).filter((p, i) => !skip(i))

  it('marks a gap only where more than 2.5 usual spacings are missing', () => {
    const twoMissing = markGaps(hourly(10, (i) => i === 4 || i === 5)) // 3 h step: a missing run of 2 samples
    expect(twoMissing.filter((p) => p.v === null)).toHaveLength(1)
    expect(twoMissing.find((p) => p.v === null)!.t).toBe(Math.round((3 * HOUR + 6 * HOUR) / 2))
    const oneMissing = markGaps(hourly(10, (i) => i === 4)) // 2 h step: a late run, not a failure
    expect(oneMissing.some((p) => p.v === null)).toBe(false)
  })

  it('keeps at most 1,000 points, each slice ending on its last sample, with gaps kept', () => {
    const year = hourly(365 * 24, (i) => i >= 5000 && i < 5100) // a 100-hour outage
    const { points, bucketSeconds } = downsample(year)
    expect(points.length).toBeLessThanOrEqual(MAX_POINTS)
    expect(bucketSeconds).toBeGreaterThan(HOUR)
    expect(points.at(-1)).toEqual(year.at(-1)) // the line ends at the latest count
    expect(points[0]).toEqual(year[0])
    const gaps = points.filter((p) => p.v === null)
    expect(gaps).toHaveLength(1)
    expect(gaps[0]!.t).toBeGreaterThan(4999 * HOUR)
    expect(gaps[0]!.t).toBeLessThan(5100 * HOUR)
  })

  it('leaves short series as they are', () => {
    expect(downsample(hourly(2))).toEqual({ points: hourly(2), bucketSeconds: null })
    expect(downsample([])).toEqual({ points: [], bucketSeconds: null })
  })

  it('indexes a series to 100 at its first figure', () => {
    expect(indexTo100([{ t: 1, v: null }, { t: 2, v: 200 }, { t: 3, v: 250 }, { t: 4, v: null }, { t: 5, v: 150 }]).map((p) => p.v)).toEqual([null, 100, 125, null, 75])
    expect(indexTo100([{ t: 1, v: 0 }, { t: 2, v: 5 }]).map((p) => p.v)).toEqual([null, null])
  })

  it('turns presets into ranges ending now; "all" starts at the first data', () => {
    expect(presetRange('7d', 1_000_000, null)).toEqual({ from: 1_000_000 - 7 * DAY, to: 1_000_000 })
    expect(presetRange('1y', 1_000_000_000, null)).toEqual({ from: 1_000_000_000 - 365 * DAY, to: 1_000_000_000 })
    expect(presetRange('all', 1_000_000, 500)).toEqual({ from: 500, to: 1_000_000 })
    expect(presetRange('all', 1_000_000, null)).toEqual({ from: 1_000_000 - DAY, to: 1_000_000 })
  })
})

describe('pageSeries() on the seeded history', () => {
  it('draws every hourly sample over 7 days and breaks the line at the failed collections', async () => {
    const s = await pageSeries(db, ids.governorTg, 'followers', presetRange('7d', SEED_NOW, null))
    expect(s.resolution).toBe('raw')
    const known = s.points.filter((p) => p.v !== null)
    expect(known).toHaveLength(169 - 10) // h = 672 … 840, minus the 10 failed hours
    expect(known[0]).toEqual({ t: at(672), v: 20_000 + 20 * 672 })
    expect(known.at(-1)).toEqual({ t: SEED_NOW, v: 36_800 })
    const gaps = s.points.filter((p) => p.v === null)
    expect(gaps).toEqual([{ t: Math.round((at(699) + at(710)) / 2), v: null }])
  })

  it('draws average reach where it was measured (every 6 hours), with the same gap', async () => {
    const s = await pageSeries(db, ids.governorTg, 'avgViews', presetRange('7d', SEED_NOW, null))
    const known = s.points.filter((p) => p.v !== null)
    expect(known).toHaveLength(29 - 2) // readings at h = 672, 678, … 840, minus 702 and 708
    expect(known.every((p) => p.v === 9000)).toBe(true)
    expect(s.points.filter((p) => p.v === null)).toHaveLength(1)
  })

  it('switches to daily values for ranges beyond 90 days', async () => {
    const s = await pageSeries(db, ids.governorVk, 'followers', presetRange('1y', SEED_NOW, null))
    expect(s.resolution).toBe('daily')
    expect(s.points).toHaveLength(36) // 22.10 … 26.11: one point per UTC day, the day's last sample
    expect(s.points[0]).toEqual({ t: at(11), v: 10_000 + 5 * 11 }) // the first day ends at 23:00 (h = 11)
    expect(s.points.at(-1)).toEqual({ t: SEED_NOW, v: 14_200 })
  })

  it('fills days whose raw samples were thinned by retention from the daily roll-ups', async () => {
    const thinned = await testDb()
    const seeded = await seedHistory(thinned)
    await thinned.deleteFrom('snapshots').where('collected_at', '<', at(600)).execute()
    const s = await pageSeries(thinned, seeded.governorVk, 'followers', presetRange('30d', SEED_NOW, null))
    expect(s.resolution).toBe('daily')
    const first = s.points[0]!
    expect(first.t).toBeLessThan(at(600))
    expect(first.v).toBe(10_000 + 5 * (first.t - SEED_START) / HOUR)
    expect(s.points.at(-1)).toEqual({ t: SEED_NOW, v: 14_200 })
    expect(s.points.some((p) => p.v === null)).toBe(false) // the step from daily to hourly is not a gap
  })

  it('downsamples a dense 60 days to at most 1,000 points ending at the latest count', async () => {
    const dense = await testDb()
    const page = await insertPage(dense, { platform: 'vk', handle: 'dense', url: 'https://vk.com/dense' }, new Date(SEED_START * 1000))
    const step = 30 * 60
    const n = (60 * DAY) / step // 2,880 samples
    for (let i = 0; i <= n; i++) {
      await recordOutcomes(dense, [{ page: { id: page.id, consecutiveFailures: 0 }, outcome: { ok: true, sample: { followers: 1000 + i, followersExact: true, title: null, platformId: null, posts: null } } }], SEED_NOW - (n - i) * step, { pauseAfterFailures: 0 })
    }
    const s = await pageSeries(dense, page.id, 'followers', presetRange('90d', SEED_NOW, null))
    expect(s.resolution).toBe('bucketed')
    expect(s.points.length).toBeLessThanOrEqual(1000)
    expect(s.points.length).toBeGreaterThan(900)
    expect(s.points.at(-1)).toEqual({ t: SEED_NOW, v: 1000 + n })
    expect(s.points.some((p) => p.v === null)).toBe(false)
    expect(await firstDataAt(dense, page.id)).toBe(SEED_NOW - n * step)
  })

  it('is empty before the first collection', async () => {
    const s = await pageSeries(db, ids.closed, 'followers', presetRange('30d', SEED_NOW, null))
    expect(s.points).toEqual([])
    expect(await firstDataAt(db, ids.closed)).toBeNull()
  })
})
