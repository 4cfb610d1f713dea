import { sql, type Transaction } from 'kysely'
import { PERMANENT_KINDS, type PageOutcome, type PageSample, type PlatformError, type PlatformErrorKind, type PostSample } from '../platforms/types.ts'
import type { Database, Db } from './schema.ts'
import { dayOf, item, jsonRows } from './sql.ts'

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

/** What writing one outcome did to the page, for the run's tally. */
export type RecordedStatus = 'ok' | PlatformErrorKind | 'paused'

export interface OutcomeItem {
  page: { id: number; consecutiveFailures: number }
  outcome: PageOutcome
}

/** Writes one page's outcome in one transaction (see recordOutcomes). */
export async function recordOutcome(db: Db, page: OutcomeItem['page'], outcome: PageOutcome, at: number, policy: RecordPolicy): Promise<RecordedStatus> {
  const [status] = await recordOutcomes(db, [{ page, outcome }], at, policy)
  return status!
}

/**
 * Writes a batch of outcomes collected at `at` in one transaction: snapshots, daily roll-ups, latest
 * values (with 1/7/30-day changes), posts, reach and page statuses land together or not at all, so a
 * crash never leaves half a snapshot. Set-based: each table gets one statement per batch, the rows
 * travelling as one JSON parameter, so 130,000 pages are written without 130,000 round trips.
 */
export async function recordOutcomes(db: Db, items: readonly OutcomeItem[], at: number, policy: RecordPolicy): Promise<RecordedStatus[]> {
  if (items.length === 0) return []
  return db.transaction().execute(async (trx) => {
    const statuses: RecordedStatus[] = []
    const counted: { pageId: number; sample: PageSample; reach: Reach | null }[] = []
    for (const { page, outcome } of items) {
      if (outcome.ok) {
        counted.push({ pageId: page.id, sample: outcome.sample, reach: outcome.sample.posts ? averageReach(outcome.sample.posts, at) : null })
        statuses.push('ok')
      } else {
        statuses.push(await recordFailure(trx, page, outcome.error, at, policy))
      }
    }
    await writeSamples(trx, counted, at)
    return statuses
  })
}

type Reach = { avgViews: number | null; counted: number }
type Trx = Transaction<Database>

async function recordFailure(trx: Trx, page: OutcomeItem['page'], error: PlatformError, at: number, policy: RecordPolicy): Promise<RecordedStatus> {
  const failures = PERMANENT_KINDS.has(error.kind) ? page.consecutiveFailures + 1 : page.consecutiveFailures
  const pause = policy.pauseAfterFailures > 0 && failures >= policy.pauseAfterFailures
  await trx
    .updateTable('pages')
    .set({
      status: error.kind,
      status_message: error.message,
      status_at: at,
      consecutive_failures: failures,
      ...(pause ? { active: 0, paused_reason: `Paused after ${failures} failures in a row: ${error.message}` } : {}),
    })
    .where('id', '=', page.id)
    .execute()
  return pause ? 'paused' : error.kind
}

// A sample taken a few minutes after the day mark still counts as "a day ago" (cron jitter, slow runs).
const SLACK = 15 * 60

async function writeSamples(trx: Trx, counted: { pageId: number; sample: PageSample; reach: Reach | null }[], at: number): Promise<void> {
  if (counted.length === 0) return
  const day = dayOf(at)
  const withCount = counted.filter((c) => c.sample.followers !== null)
  const withReach = counted.filter((c) => c.reach !== null)

  if (withCount.length) {
    const rows = jsonRows(withCount.map((c) => [c.pageId, c.sample.followers, c.sample.followersExact ? 1 : 0]))
    await sql`insert into snapshots (page_id, collected_at, followers, exact)
      select ${item(0)}, ${at}, ${item(1)}, ${item(2)} from ${rows} where true
      on conflict (page_id, collected_at) do update set followers = excluded.followers, exact = excluded.exact`.execute(trx)
    await sql`insert into daily_rollups (page_id, day, first, last, min, max, first_at, last_at, samples, exact)
      select ${item(0)}, ${day}, ${item(1)}, ${item(1)}, ${item(1)}, ${item(1)}, ${at}, ${at}, 1, ${item(2)} from ${rows} where true
      on conflict (page_id, day) do update set
        last = case when excluded.last_at >= daily_rollups.last_at then excluded.last else daily_rollups.last end,
        last_at = max(daily_rollups.last_at, excluded.last_at),
        first = case when excluded.first_at < daily_rollups.first_at then excluded.first else daily_rollups.first end,
        first_at = min(daily_rollups.first_at, excluded.first_at),
        min = min(daily_rollups.min, excluded.min),
        max = max(daily_rollups.max, excluded.max),
        samples = daily_rollups.samples + 1,
        exact = min(daily_rollups.exact, excluded.exact)`.execute(trx)
  }

  if (withReach.length) {
    const rows = jsonRows(withReach.map((c) => [c.pageId, c.reach!.avgViews, c.reach!.counted]))
    await sql`insert into reach_snapshots (page_id, collected_at, avg_views, posts_counted)
      select ${item(0)}, ${at}, ${item(1)}, ${item(2)} from ${rows} where true
      on conflict (page_id, collected_at) do update set avg_views = excluded.avg_views, posts_counted = excluded.posts_counted`.execute(trx)
    await sql`update daily_rollups set avg_views = j.avg_views
      from (select ${item(0)} as page_id, ${item(1)} as avg_views from ${rows}) as j
      where daily_rollups.page_id = j.page_id and daily_rollups.day = ${day} and j.avg_views is not null`.execute(trx)
    const posts = withReach.flatMap((c) =>
      c.sample.posts!.map((p) => [c.pageId, p.postId, p.url, p.publishedAt, p.text, p.views, p.likes, p.reposts, p.comments]),
    )
    if (posts.length) {
      await sql`insert into posts (page_id, post_id, url, published_at, text, views, likes, reposts, comments, first_seen_at, updated_at)
        select ${item(0)}, ${item(1)}, ${item(2)}, ${item(3)}, ${item(4)}, ${item(5)}, ${item(6)}, ${item(7)}, ${item(8)}, ${at}, ${at}
        from ${jsonRows(posts)} where true
        on conflict (page_id, post_id) do update set text = excluded.text, views = excluded.views, likes = excluded.likes,
          reposts = excluded.reposts, comments = excluded.comments, updated_at = excluded.updated_at`.execute(trx)
    }
  }

  await updateLatest(trx, counted, at)

  const pages = jsonRows(
    counted.map(({ pageId, sample }) => [
      pageId,
      sample.postsError ? `Counted; posts not read: ${sample.postsError.message}` : null,
      sample.title,
      sample.platformId,
      sample.posts || sample.postsError ? 1 : 0,
    ]),
  )
  await sql`update pages set status = 'ok', status_message = j.message, status_at = ${at}, consecutive_failures = 0,
      platform_title = coalesce(j.title, pages.platform_title),
      platform_id = coalesce(j.platform_id, pages.platform_id),
      posts_collected_at = case when j.posts_read = 1 then ${at} else pages.posts_collected_at end
    from (select ${item(0)} as id, ${item(1)} as message, ${item(2)} as title, ${item(3)} as platform_id, ${item(4)} as posts_read from ${pages}) as j
    where pages.id = j.id`.execute(trx)
}

/**
 * Keeps page_stats current: the latest count, its change since the previous sample and over 1/7/30
 * days, average reach and ERR. Each baseline is the last sample at least N days old (raw samples
 * first, daily roll-ups once raw rows have been thinned), packed as followers*2+exact so one subquery
 * carries both; a change is computed only between figures of the same precision.
 */
async function updateLatest(trx: Trx, counted: { pageId: number; sample: PageSample; reach: Reach | null }[], at: number) {
  const rows = jsonRows(
    counted.map((c) => [c.pageId, c.sample.followers, c.sample.followersExact ? 1 : 0, c.reach?.avgViews ?? null, c.reach ? 1 : 0]),
  )
  const baseline = (before: number) => sql`coalesce(
      (select s.followers * 2 + s.exact from snapshots s where s.page_id = j.page_id and s.collected_at <= ${before}
        order by s.collected_at desc limit 1),
      (select r.last * 2 + r.exact from daily_rollups r where r.page_id = j.page_id and r.last_at <= ${before}
        order by r.day desc limit 1))`
  const change = (b: string) => sql.raw(`case when ${b} & 1 = exact then followers - (${b} >> 1) end`)
  const pct = (b: string) => sql.raw(`case when ${b} & 1 = exact and (${b} >> 1) > 0 then (followers - (${b} >> 1)) * 100.0 / (${b} >> 1) end`)
  await sql`insert into page_stats (page_id, followers, exact, collected_at, previous_followers, change_prev,
      change_1d, change_7d, change_30d, pct_1d, pct_7d, pct_30d, avg_views, avg_views_at, err)
    select page_id, followers, exact, case when followers is not null then ${at} end, prev >> 1, ${change('prev')},
      ${change('d1')}, ${change('d7')}, ${change('d30')}, ${pct('d1')}, ${pct('d7')}, ${pct('d30')},
      avg_views, case when has_reach = 1 then ${at} end,
      case when avg_views is not null and followers > 0 then avg_views * 100.0 / followers end
    from (
      select j.page_id, j.followers, j.exact, j.avg_views, j.has_reach,
        ${baseline(at - 1)} as prev, ${baseline(at - DAY + SLACK)} as d1,
        ${baseline(at - 7 * DAY + SLACK)} as d7, ${baseline(at - 30 * DAY + SLACK)} as d30
      from (select ${item(0)} as page_id, ${item(1)} as followers, ${item(2)} as exact, ${item(3)} as avg_views, ${item(4)} as has_reach
            from ${rows}) as j
    ) as b where true
    on conflict (page_id) do update set
      followers = coalesce(excluded.followers, page_stats.followers),
      exact = case when excluded.followers is not null then excluded.exact else page_stats.exact end,
      collected_at = coalesce(excluded.collected_at, page_stats.collected_at),
      previous_followers = case when excluded.followers is not null then excluded.previous_followers else page_stats.previous_followers end,
      change_prev = case when excluded.followers is not null then excluded.change_prev else page_stats.change_prev end,
      change_1d = excluded.change_1d, change_7d = excluded.change_7d, change_30d = excluded.change_30d,
      pct_1d = excluded.pct_1d, pct_7d = excluded.pct_7d, pct_30d = excluded.pct_30d,
      avg_views = case when excluded.avg_views_at is not null then excluded.avg_views else page_stats.avg_views end,
      avg_views_at = coalesce(excluded.avg_views_at, page_stats.avg_views_at),
      err = case
        when (case when excluded.avg_views_at is not null then excluded.avg_views else page_stats.avg_views end) is not null
          and coalesce(excluded.followers, page_stats.followers) > 0
        then (case when excluded.avg_views_at is not null then excluded.avg_views else page_stats.avg_views end) * 100.0
          / coalesce(excluded.followers, page_stats.followers)
      end`.execute(trx)
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

