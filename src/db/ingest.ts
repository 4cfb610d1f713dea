import type SQLite from 'better-sqlite3'
import { PERMANENT_KINDS, type PageOutcome, type PageSample, type PlatformError, type PlatformErrorKind } from '../platforms/types.ts'
import { dayOf } from './sql.ts'

// The collector's write path, the hottest code in publicpulse (130,000 pages an hour). It talks to
// better-sqlite3 directly with statements prepared once per connection: measured by `npm run bench`,
// Kysely's compile-and-prepare per query made this path ten times slower than a bare insert. It is
// SQLite's own dialect; a PostgreSQL port gets its own module behind recordOutcomes().

const DAY = 86_400
// A sample taken a few minutes after the day mark still counts as "a day ago" (cron jitter, slow runs).
const SLACK = 15 * 60

export type RecordedStatus = 'ok' | PlatformErrorKind | 'paused'

export interface OutcomeItem {
  page: { id: number; consecutiveFailures: number }
  outcome: PageOutcome
}

export interface Reach {
  avgViews: number | null
  counted: number
}

const prepared = new WeakMap<SQLite.Database, ReturnType<typeof prepare>>()

/**
 * The last sample at or before `param`, packed as followers*2+exact: from raw samples, or, for a time
 * before which retention has thinned raw rows (@thinnedBefore), from that day's roll-up (its last value
 * if taken by then, else its first: day resolution). Without thinning the roll-up could only repeat
 * what the raw seek found, so it is not asked.
 */
const baseline = (param: string) => `coalesce(
  (select s.followers * 2 + s.exact from snapshots s where s.page_id = @page and s.collected_at <= ${param}
    order by s.collected_at desc limit 1),
  (select (case when r.last_at <= ${param} then r.last else r.first end) * 2 + r.exact from daily_rollups r
    where ${param} < @thinnedBefore and r.page_id = @page and r.first_at <= ${param} order by r.day desc limit 1))`

/** What one success needs to know before writing: baselines for the changes, and the page's current facts. */
interface PageState {
  prev: number | null
  d1: number | null
  d7: number | null
  d30: number | null
  status: string
  consecutive_failures: number
  status_message: string | null
  platform_title: string | null
  platform_id: string | null
  stats_followers: number | null
  stats_avg_views: number | null
  stats_avg_views_at: number | null
  stats_exists: 0 | 1
}

const STATS_COLUMNS = `followers = @followers, exact = @exact, collected_at = @collectedAt, previous_followers = @previous,
  change_prev = @changePrev, change_1d = @change1d, change_7d = @change7d, change_30d = @change30d,
  pct_1d = @pct1d, pct_7d = @pct7d, pct_30d = @pct30d, avg_views = @avgViews, avg_views_at = @avgViewsAt, err = @err`

function prepare(db: SQLite.Database) {
  return {
    fail: db.prepare(`update pages set status = @status, status_message = @message, status_at = @at, consecutive_failures = @failures,
        active = case when @pause = 1 then 0 else active end,
        paused_reason = case when @pause = 1 then @pausedReason else paused_reason end
      where id = @page`),
    snapshot: db.prepare(`insert into snapshots (page_id, collected_at, followers, exact) values (@page, @at, @followers, @exact)
      on conflict (page_id, collected_at) do update set followers = excluded.followers, exact = excluded.exact`),
    rollup: db.prepare(`insert into daily_rollups (page_id, day, first, last, min, max, first_at, last_at, samples, exact)
      values (@page, @day, @followers, @followers, @followers, @followers, @at, @at, 1, @exact)
      on conflict (page_id, day) do update set
        last = case when excluded.last_at >= daily_rollups.last_at then excluded.last else daily_rollups.last end,
        last_at = max(daily_rollups.last_at, excluded.last_at),
        first = case when excluded.first_at < daily_rollups.first_at then excluded.first else daily_rollups.first end,
        first_at = min(daily_rollups.first_at, excluded.first_at),
        min = min(daily_rollups.min, excluded.min),
        max = max(daily_rollups.max, excluded.max),
        samples = daily_rollups.samples + 1,
        exact = min(daily_rollups.exact, excluded.exact)`),
    reach: db.prepare(`insert into reach_snapshots (page_id, collected_at, avg_views, posts_counted) values (@page, @at, @avgViews, @counted)
      on conflict (page_id, collected_at) do update set avg_views = excluded.avg_views, posts_counted = excluded.posts_counted`),
    rollupReach: db.prepare(`update daily_rollups set avg_views = @avgViews where page_id = @page and day = @day`),
    post: db.prepare(`insert into posts (page_id, post_id, url, published_at, text, views, likes, reposts, comments, first_seen_at, updated_at)
      values (@page, @postId, @url, @publishedAt, @text, @views, @likes, @reposts, @comments, @at, @at)
      on conflict (page_id, post_id) do update set text = excluded.text, views = excluded.views, likes = excluded.likes,
        reposts = excluded.reposts, comments = excluded.comments, updated_at = excluded.updated_at`),
    // One statement reads everything a success needs. The previous sample is page_stats' latest one
    // (no seek), unless this very sample was written before (same second): then it is looked up.
    state: db.prepare(`select case when ps.collected_at < @at then ps.followers * 2 + ps.exact else ${baseline('@at - 1')} end as prev,
        ${baseline(`@at - ${DAY - SLACK}`)} as d1,
        ${baseline(`@at - ${7 * DAY - SLACK}`)} as d7, ${baseline(`@at - ${30 * DAY - SLACK}`)} as d30,
        p.status, p.consecutive_failures, p.status_message, p.platform_title, p.platform_id,
        ps.followers as stats_followers, ps.avg_views as stats_avg_views, ps.avg_views_at as stats_avg_views_at, ps.page_id is not null as stats_exists
      from pages p left join page_stats ps on ps.page_id = p.id where p.id = @page`),
    statsUpdate: db.prepare(`update page_stats set ${STATS_COLUMNS} where page_id = @page`),
    statsInsert: db.prepare(`insert into page_stats (page_id) values (@page)`),
    statsReach: db.prepare(`update page_stats set avg_views = @avgViews, avg_views_at = @avgViewsAt, err = @err where page_id = @page`),
    ok: db.prepare(`update pages set status = 'ok', status_message = @message, status_at = @at, consecutive_failures = 0,
        platform_title = coalesce(@title, platform_title), platform_id = coalesce(@platformId, platform_id),
        posts_collected_at = case when @postsRead = 1 then @at else posts_collected_at end
      where id = @page`),
  }
}

type Statements = ReturnType<typeof prepare>

/**
 * Writes a batch of outcomes collected at `at` in one transaction (see recordOutcomes). Synchronous:
 * the caller holds the connection, so nothing else runs in between.
 */
export function writeOutcomes(
  db: SQLite.Database,
  items: readonly OutcomeItem[],
  at: number,
  pauseAfterFailures: number,
  reachOf: (sample: PageSample) => Reach | null,
  /** Raw samples before this unix time may have been deleted by retention (0: never thinned). */
  thinnedBefore = 0,
): RecordedStatus[] {
  let st = prepared.get(db)
  if (!st) prepared.set(db, (st = prepare(db)))
  const statements = st
  return db.transaction(() =>
    items.map(({ page, outcome }) =>
      outcome.ok ? writeSample(statements, page.id, outcome.sample, reachOf(outcome.sample), at, thinnedBefore) : writeFailure(statements, page, outcome.error, at, pauseAfterFailures),
    ),
  )()
}

function writeSample(st: Statements, pageId: number, sample: PageSample, reach: Reach | null, at: number, thinnedBefore: number): RecordedStatus {
  const day = dayOf(at)
  const followers = sample.followers
  const exact = sample.followersExact ? 1 : 0
  if (followers !== null) {
    const row = { page: pageId, at, day, followers, exact }
    st.snapshot.run(row)
    st.rollup.run(row)
  }
  if (reach) {
    st.reach.run({ page: pageId, at, avgViews: reach.avgViews, counted: reach.counted })
    if (reach.avgViews !== null) st.rollupReach.run({ page: pageId, day, avgViews: reach.avgViews })
    for (const p of sample.posts ?? []) {
      st.post.run({ page: pageId, at, postId: p.postId, url: p.url, publishedAt: p.publishedAt, text: p.text, views: p.views, likes: p.likes, reposts: p.reposts, comments: p.comments })
    }
  }

  const state = st.state.get({ page: pageId, at, thinnedBefore }) as PageState | undefined
  if (!state) return 'ok' // the page was deleted while it was being collected
  if (followers !== null || reach) {
    // Growth only between figures of the same precision: a rounded "11.3M" against an exact count
    // would invent or hide thousands of followers (Social Blade's lesson).
    // Baselines come packed as followers*2+exact (arithmetic, not bit operators: JS's are 32-bit).
    const valueOf = (base: number) => Math.floor(base / 2)
    const change = (base: number | null) => (followers === null || base === null || base % 2 !== exact ? null : followers - valueOf(base))
    const pct = (base: number | null) => {
      const c = change(base)
      return c === null || valueOf(base!) <= 0 ? null : (c * 100) / valueOf(base!)
    }
    const avgViews = reach ? reach.avgViews : state.stats_avg_views
    const current = followers ?? state.stats_followers
    if (!state.stats_exists) st.statsInsert.run({ page: pageId })
    if (followers !== null) {
      st.statsUpdate.run({
        page: pageId,
        followers,
        exact,
        collectedAt: at,
        previous: state.prev === null ? null : valueOf(state.prev),
        changePrev: change(state.prev),
        change1d: change(state.d1),
        change7d: change(state.d7),
        change30d: change(state.d30),
        pct1d: pct(state.d1),
        pct7d: pct(state.d7),
        pct30d: pct(state.d30),
        avgViews,
        avgViewsAt: reach ? at : state.stats_avg_views_at,
        err: avgViews !== null && current ? (avgViews * 100) / current : null,
      })
    } else {
      st.statsReach.run({ page: pageId, avgViews, avgViewsAt: at, err: avgViews !== null && current ? (avgViews * 100) / current : null })
    }
  }

  const message = sample.postsError ? `Counted; posts not read: ${sample.postsError.message}` : null
  const postsRead = sample.posts || sample.postsError ? 1 : 0
  // Only a page whose status or facts changed is rewritten: a steady page costs no write here, and
  // status_at keeps meaning "in this status since".
  const changed =
    state.status !== 'ok' ||
    state.consecutive_failures !== 0 ||
    postsRead === 1 ||
    message !== state.status_message ||
    (sample.title !== null && sample.title !== state.platform_title) ||
    (sample.platformId !== null && sample.platformId !== state.platform_id)
  if (changed) st.ok.run({ page: pageId, at, message, title: sample.title, platformId: sample.platformId, postsRead })
  return 'ok'
}

function writeFailure(st: Statements, page: OutcomeItem['page'], error: PlatformError, at: number, pauseAfterFailures: number): RecordedStatus {
  const failures = PERMANENT_KINDS.has(error.kind) ? page.consecutiveFailures + 1 : page.consecutiveFailures
  const pause = pauseAfterFailures > 0 && failures >= pauseAfterFailures
  st.fail.run({
    page: page.id,
    at,
    status: error.kind,
    message: error.message,
    failures,
    pause: pause ? 1 : 0,
    pausedReason: `Paused after ${failures} failures in a row: ${error.message}`,
  })
  return pause ? 'paused' : error.kind
}
