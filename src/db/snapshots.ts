import type { PageOutcome, PostSample } from '../platforms/types.ts'
import { type OutcomeItem, type RecordedStatus, writeOutcomes } from './ingest.ts'
import { sqliteOf } from './open.ts'
import type { Db } from './schema.ts'

const DAY = 86_400

/** Views keep growing for days, so average reach compares posts of a like age: 24 hours to 7 days old. */
export const REACH_WINDOW = { minAgeSeconds: DAY, maxAgeSeconds: 7 * DAY } as const

/**
 * Average post reach at time `at`: the mean views of the posts published between 24 hours and 7 days
 * before `at` that show a view count. Null when no such post exists.
 */
export function averageReach(posts: readonly PostSample[], at: number): { avgViews: number | null; counted: number } {
  const views = posts
    .filter((p) => p.views !== null && p.publishedAt <= at - REACH_WINDOW.minAgeSeconds && p.publishedAt >= at - REACH_WINDOW.maxAgeSeconds)
    .map((p) => p.views as number)
  if (views.length === 0) return { avgViews: null, counted: 0 }
  return { avgViews: Math.round(views.reduce((a, b) => a + b, 0) / views.length), counted: views.length }
}

export interface RecordPolicy {
  /** Pause the page after this many consecutive permanent failures (0: never). */
  pauseAfterFailures: number
}

export type { OutcomeItem, RecordedStatus }

/**
 * How many pages the collector gathers before writing them in one transaction. Commits are what cost:
 * each one writes every page it touched to the WAL, so 5,000 pages a commit instead of 500 makes an
 * hourly batch of 130,000 pages several times cheaper; a crash loses at most that many uncommitted
 * outcomes of the run it interrupts, never part of one page.
 */
export const WRITE_BATCH = 5000

/** Writes one page's outcome in one transaction (see recordOutcomes). */
export async function recordOutcome(db: Db, page: OutcomeItem['page'], outcome: PageOutcome, at: number, policy: RecordPolicy): Promise<RecordedStatus> {
  const [status] = await recordOutcomes(db, [{ page, outcome }], at, policy)
  return status!
}

/**
 * Writes a batch of outcomes collected at `at` in one transaction: snapshots, daily roll-ups, latest
 * values (with 1/7/30-day changes), posts, reach and page statuses land together or not at all, so a
 * crash never leaves half a snapshot. Holds Kysely's connection while it runs, so no other query
 * interleaves.
 */
export async function recordOutcomes(db: Db, items: readonly OutcomeItem[], at: number, policy: RecordPolicy): Promise<RecordedStatus[]> {
  if (items.length === 0) return []
  const sqlite = sqliteOf(db)
  const thinnedBefore = await rawThinnedBefore(db)
  return db.connection().execute(async () =>
    writeOutcomes(sqlite, items, at, policy.pauseAfterFailures, (sample) => (sample.posts ? averageReach(sample.posts, at) : null), thinnedBefore),
  )
}

const THINNED_KEY = 'raw_thinned_before'

/** Unix time before which retention may have deleted raw samples (0: never). */
export async function rawThinnedBefore(db: Db): Promise<number> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', THINNED_KEY).executeTakeFirst()
  return row ? Number(row.value) : 0
}

/** Records that raw samples before `cutoff` are being deleted (before deleting them). */
export async function markRawThinned(db: Db, cutoff: number): Promise<void> {
  const value = String(Math.max(cutoff, await rawThinnedBefore(db)))
  await db.insertInto('settings').values({ key: THINNED_KEY, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute()
}

export interface SnapshotPoint {
  collectedAt: number
  followers: number
  exact: boolean
  avgViews: number | null
}

/** A page's raw samples in a time range, oldest first, with the average reach measured at the same time. */
export async function listSnapshots(db: Db, pageId: number, range: { from?: number; to?: number; limit?: number } = {}): Promise<SnapshotPoint[]> {
  let query = db
    .selectFrom('snapshots')
    .leftJoin('reach_snapshots', (join) =>
      join.onRef('reach_snapshots.page_id', '=', 'snapshots.page_id').onRef('reach_snapshots.collected_at', '=', 'snapshots.collected_at'),
    )
    .select(['snapshots.collected_at', 'snapshots.followers', 'snapshots.exact', 'reach_snapshots.avg_views'])
    .where('snapshots.page_id', '=', pageId)
  if (range.from !== undefined) query = query.where('snapshots.collected_at', '>=', range.from)
  if (range.to !== undefined) query = query.where('snapshots.collected_at', '<=', range.to)
  const rows = await query.orderBy('snapshots.collected_at', 'desc').limit(range.limit ?? 10_000).execute()
  return rows.reverse().map((r) => ({ collectedAt: r.collected_at, followers: r.followers, exact: r.exact === 1, avgViews: r.avg_views }))
}

export const listPosts = (db: Db, pageId: number, limit = 50) =>
  db
    .selectFrom('posts')
    .select(['post_id', 'url', 'published_at', 'text', 'views', 'likes', 'reposts', 'comments', 'updated_at'])
    .where('page_id', '=', pageId)
    .orderBy('published_at', 'desc')
    .limit(limit)
    .execute()

