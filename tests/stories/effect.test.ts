import { describe, expect, it } from 'vitest'
import { computeEffects, effectKey, loadEffectSeries, type SeriesPoint, spanEffect, storyEffect } from '../../src/stories/effect.ts'
import { testDb } from '../helpers/db.ts'
import { DAY, HOUR, seedHistory as seed, seededFollowers, START, STORY } from './seed.ts'

describe('story effect: change after a story against the same span before it', () => {
  it('computes followers and average views over 24 hours and 7 days from a seeded history', async () => {
    const db = await testDb()
    const pageId = await seed(db)
    const now = START + 20 * DAY

    const series = await loadEffectSeries(db, pageId, START, now)
    const effect = storyEffect(series, STORY, now)

    const base = seededFollowers(STORY - 30 * 60) // the 12:00 sample stood at 12:30
    expect(base).toBe(1000 + 10 * 252)
    expect(effect.followers.h24).toEqual({ base, after: 720, before: 240, excess: 480, pending: false })
    expect(effect.followers.d7).toEqual({ base, after: 720 + 10 * 144, before: 1680, excess: 480, pending: false })
    // Views: 500 at 12:00 (sampled every 6 hours), 800 from 18:00 on.
    expect(effect.avgViews.h24).toEqual({ base: 500, after: 300, before: 0, excess: 300, pending: false })
    expect(effect.avgViews.d7).toEqual({ base: 500, after: 300, before: 0, excess: 300, pending: false })
  })

  it('says pending until the span after the story is over, and empty where history is missing', async () => {
    const db = await testDb()
    const pageId = await seed(db, 11) // history ends 11.5 hours after the story
    const now = STORY + 2 * HOUR
    const effect = (await computeEffects(db, [{ pageId, at: STORY }], now)).get(effectKey(pageId, STORY))!

    expect(effect.followers.h24).toMatchObject({ after: null, before: 240, excess: null, pending: true })
    expect(effect.followers.d7).toMatchObject({ after: null, before: 1680, pending: true })

    // A story on the first day of history has nothing before it.
    const early = (await computeEffects(db, [{ pageId, at: START + 2 * HOUR }], START + 11 * DAY)).get(effectKey(pageId, START + 2 * HOUR))!
    expect(early.followers.h24).toEqual({ base: 1020, after: 240, before: null, excess: null, pending: false })
  })

  it('never compares a rounded count with an exact one, and ignores samples older than the tolerance', () => {
    const points: SeriesPoint[] = [
      { t: 0, v: 1000, exact: false },
      { t: DAY, v: 1200, exact: true },
      { t: 2 * DAY, v: 1500, exact: true },
    ]
    expect(spanEffect(points, DAY, DAY, HOUR, 10 * DAY)).toEqual({ base: 1200, after: 300, before: null, excess: null, pending: false })
    // 2 hours after the last sample with a 1-hour tolerance: no value stood there.
    expect(spanEffect(points, DAY + 2 * HOUR, DAY, HOUR, 10 * DAY).base).toBeNull()
  })

  it('falls back to daily roll-ups where raw samples were removed by retention', async () => {
    const db = await testDb()
    const pageId = await seed(db)
    // Retention removed the raw samples of the first 9 days; their roll-ups remain.
    for (let day = 0; day < 9; day++) {
      const first = START + day * DAY
      const last = first + 23 * HOUR
      await db
        .insertInto('closed_days')
        .values({ page_id: pageId, day: first / DAY, first: seededFollowers(first), last: seededFollowers(last), min: seededFollowers(first), max: seededFollowers(last), first_at: first, last_at: last, samples: 24, exact: 1, avg_views: 500 })
        .execute()
    }
    await db.deleteFrom('snapshots').where('collected_at', '<', START + 9 * DAY).execute()
    await db.deleteFrom('reach_snapshots').where('collected_at', '<', START + 9 * DAY).execute()

    const effect = (await computeEffects(db, [{ pageId, at: STORY }], START + 20 * DAY)).get(effectKey(pageId, STORY))!

    // 7 days before 12:30 on day 10 is 12:30 on day 3: a roll-up keeps only 00:00 and 23:00 of that day,
    // and 00:00 is 12.5 hours earlier, past the 12-hour tolerance, so the 7-day "before" is empty.
    expect(effect.followers.d7.before).toBeNull()
    expect(effect.followers.h24).toEqual({ base: 1000 + 10 * 252, after: 720, before: 240, excess: 480, pending: false })
    // A story at 23:30 on day 8 reads its base from day 8's roll-up and finds day 1's 23:00 value 7 days before.
    const late = START + 8 * DAY + 23 * HOUR + 30 * 60
    const lateEffect = (await computeEffects(db, [{ pageId, at: late }], START + 20 * DAY)).get(effectKey(pageId, late))!
    expect(lateEffect.followers.d7.before).toBe(seededFollowers(START + 8 * DAY + 23 * HOUR) - seededFollowers(START + DAY + 23 * HOUR))
  })
})
