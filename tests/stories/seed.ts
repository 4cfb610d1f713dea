import { insertPage } from '../../src/db/pages.ts'
import type { Db } from '../../src/db/schema.ts'

export const HOUR = 3600
export const DAY = 86_400
export const START = Date.parse('2026-11-01T00:00:00Z') / 1000
/** The story: 10 days into the history, at 12:30 (between two hourly samples). */
export const STORY = START + 10 * DAY + 12 * HOUR + 30 * 60

/**
 * A seeded history: hourly followers growing 10 an hour, then 30 an hour for the 24 hours after the
 * story's hour, then 10 again; average views 500 every 6 hours before the story, 800 after it.
 */
export function seededFollowers(t: number): number {
  const storyHour = STORY - 30 * 60
  if (t <= storyHour) return 1000 + 10 * ((t - START) / HOUR)
  const base = 1000 + 10 * ((storyHour - START) / HOUR)
  const hours = (t - storyHour) / HOUR
  return hours <= 24 ? base + 30 * hours : base + 30 * 24 + 10 * (hours - 24)
}

/** Registers a page and writes the seeded history of `days` days; returns the page id. */
export async function seedHistory(db: Db, days = 20, handle = 'gov') {
  const page = await insertPage(db, { platform: 'telegram', handle, url: `https://t.me/${handle}` }, new Date(START * 1000))
  const snapshots = []
  const reach = []
  for (let t = START; t < START + days * DAY; t += HOUR) {
    snapshots.push({ page_id: page.id, collected_at: t, followers: seededFollowers(t), exact: 1 as const })
    if ((t - START) % (6 * HOUR) === 0) reach.push({ page_id: page.id, collected_at: t, avg_views: t <= STORY ? 500 : 800, posts_counted: 10 })
  }
  for (let i = 0; i < snapshots.length; i += 200) await db.insertInto('snapshots').values(snapshots.slice(i, i + 200)).execute()
  await db.insertInto('reach_snapshots').values(reach).execute()
  return page.id
}

