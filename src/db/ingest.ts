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
 * A statement written with @names but bound by position. better-sqlite3 resolves named parameters key
 * by key in native code on every call, which made the latest-values update three times slower than
 * the same statement with `?`s. The call that passes the names in order is generated once, so V8 sees
 * plain property reads (the names come from the SQL text here, never from input).
 */
function statement<P extends object>(db: SQLite.Database, text: string, options: { raw?: boolean } = {}) {
  const names: string[] = []
  const prepared = db.prepare(text.replace(/@(\w+)/g, (_, name: string) => (names.push(name), '?')))
  if (options.raw) prepared.raw()
  const call = <R>(method: 'run' | 'get') => new Function('s', `return (p) => s.${method}(${names.map((n) => `p.${n}`).join(', ')})`)(prepared) as (params: P) => R
  return { run: call<SQLite.RunResult>('run'), get: call<unknown[] | undefined>('get') }
}

/**
 * The last sample at or before `param`, packed as followers*2+exact: from raw samples, or, for a time
 * before which retention has thinned raw rows (@thinnedBefore), from that day's roll-up (its last value
 * if taken by then, else its first: day resolution). Without thinning the roll-up could only repeat
 * what the raw seek found, so it is not asked. Nothing is asked for a time before the page's first
 * sample (ps.since, with ps its page_stats row).
 */
const baseline = (param: string, page = '@page') => `case when ps.since is null or ${param} >= ps.since then coalesce(
  (select s.followers * 2 + s.exact from snapshots s where s.page_id = ${page} and s.collected_at <= ${param}
    order by s.collected_at desc limit 1),
  (select (case when r.last_at <= ${param} then r.last else r.first end) * 2 + r.exact from daily_rollups r
    where ${param} < @thinnedBefore and r.page_id = ${page} and r.first_at <= ${param} order by r.day desc limit 1)) end`

// Growth only between figures of the same precision: a rounded "11.3M" against an exact count would
// invent or hide thousands of followers (Social Blade's lesson). Baselines are packed as followers*2+exact.
const changeSql = (base: string) => `case when ${base} % 2 = b.exact then b.followers - ${base} / 2 end`
const pctSql = (base: string) => `case when ${base} % 2 = b.exact and ${base} / 2 > 0 then (b.followers - ${base} / 2) * 100.0 / (${base} / 2) end`
/** One of the open day's columns after this sample: b.fresh 1 opens the sample's day, 2 adds to the open day, 0 leaves it. */
const daySql = (fresh: string, same: string, kept: string) => `case b.fresh when 1 then ${fresh} when 2 then ${same} else ${kept} end`

/**
 * A batch's counts are written by four set-based statements, not four statements per page: the per-call
 * cost of a statement (binding, stepping, resetting) was most of what a page cost. The statements read
 * the batch from a table private to the connection (temp.count_batch), filled by one cheap insert per
 * row and emptied in the same transaction. Passing the batch as one JSON array instead cost three times
 * as much to fill, and reading fields out of the JSON where each statement used them cost as much as
 * all the rest of the work. The table has no key on purpose: with one, SQLite's planner chose to scan
 * all of page_stats or pages and look each row up in the batch (tests/db/write-path-plan.test.ts).
 */
type CountRow = [page: number, followers: number, exact: 0 | 1, title: string | null, platformId: string | null, reached: 0 | 1, avgViews: number | null, message: string | null, postsRead: 0 | 1]
const COUNT_BATCH_COLUMNS = 'page integer, followers integer, exact integer, title text, platform_id text, reached integer, avg_views integer, message text, posts_read integer'
const COUNT_BATCH = 'temp.count_batch'
const CREATE_COUNT_BATCH = `create table if not exists ${COUNT_BATCH} (${COUNT_BATCH_COLUMNS})`

function prepare(db: SQLite.Database) {
  db.exec(CREATE_COUNT_BATCH)
  return {
    // Run before each batch too: a connection's first write inside a transaction that was rolled back
    // takes the table's creation with it. Statements prepared against it recompile on their own.
    countTable: db.prepare(CREATE_COUNT_BATCH),
    countRow: db.prepare(`insert into ${COUNT_BATCH} values (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    countDone: statement(db, `delete from ${COUNT_BATCH}`),
    countSnapshots: statement(db, `insert into snapshots (page_id, collected_at, followers, exact) select page, @at, followers, exact from ${COUNT_BATCH} where true
      on conflict (page_id, collected_at) do update set followers = excluded.followers, exact = excluded.exact`),
    // Open days older than this sample's are over; a sample of a day already closed (late, or kept in
    // closed_days by an import or a restored backup) joins that day there. A day is never in both places.
    countClosedDays: statement(db, `insert into closed_days (page_id, day, first, last, min, max, first_at, last_at, samples, exact, avg_views)
      select b.page, ps.day, ps.day_first, ps.day_last, ps.day_min, ps.day_max, ps.day_first_at, ps.day_last_at, ps.day_samples, ps.day_exact, ps.day_avg_views
        from ${COUNT_BATCH} b join page_stats ps on ps.page_id = b.page where ps.day < @day
      union all
      select b.page, @day, b.followers, b.followers, b.followers, b.followers, @at, @at, 1, b.exact, case when b.reached then b.avg_views end
        from ${COUNT_BATCH} b left join page_stats ps on ps.page_id = b.page
        where ps.day > @day or (ps.day is null and (select max(c.day) from closed_days c where c.page_id = b.page) >= @day)
      on conflict (page_id, day) do update set
        last = case when excluded.last_at >= closed_days.last_at then excluded.last else closed_days.last end,
        last_at = max(closed_days.last_at, excluded.last_at),
        first = case when excluded.first_at < closed_days.first_at then excluded.first else closed_days.first end,
        first_at = min(closed_days.first_at, excluded.first_at),
        min = min(closed_days.min, excluded.min),
        max = max(closed_days.max, excluded.max),
        samples = closed_days.samples + excluded.samples,
        exact = min(closed_days.exact, excluded.exact),
        avg_views = coalesce(excluded.avg_views, closed_days.avg_views)`),
    // Each page's new latest-values row, computed from its old one and the baselines, then upserted.
    // The previous sample is the row's own latest one (no seek), unless this very sample was written
    // before (same second): then it is looked up.
    countStats: statement(db, `with b as materialized (
        select b.page, b.followers, b.exact, b.reached,
          case when ps.collected_at < @at then ps.followers * 2 + ps.exact else ${baseline('@at - 1', 'b.page')} end as prev,
          ${baseline(`@at - ${DAY - SLACK}`, 'b.page')} as d1, ${baseline(`@at - ${7 * DAY - SLACK}`, 'b.page')} as d7,
          ${baseline(`@at - ${30 * DAY - SLACK}`, 'b.page')} as d30,
          case when b.reached then b.avg_views else ps.avg_views end as avg_views,
          case when b.reached then @at else ps.avg_views_at end as avg_views_at,
          case when b.reached then b.avg_views end as day_views,
          -- A row written without since (an import, a seeded database) learns it from the history.
          min(coalesce(ps.since, (select min(t) from (select min(s.collected_at) as t from snapshots s where s.page_id = b.page
            union all select min(c.first_at) from closed_days c where c.page_id = b.page))), @at) as since, ps.day, ps.day_first, ps.day_last, ps.day_min, ps.day_max, ps.day_first_at, ps.day_last_at,
          ps.day_samples, ps.day_exact, ps.day_avg_views,
          case when ps.day = @day then 2
            when ps.day < @day then 1
            when ps.day is null and coalesce((select max(c.day) from closed_days c where c.page_id = b.page) < @day, 1) then 1
            else 0 end as fresh
        from ${COUNT_BATCH} b left join page_stats ps on ps.page_id = b.page)
      insert into page_stats (page_id, followers, exact, collected_at, previous_followers, change_prev, change_1d, change_7d, change_30d,
        pct_1d, pct_7d, pct_30d, avg_views, avg_views_at, err, since,
        day, day_first, day_last, day_min, day_max, day_first_at, day_last_at, day_samples, day_exact, day_avg_views)
      select b.page, b.followers, b.exact, @at, b.prev / 2, ${changeSql('b.prev')}, ${changeSql('b.d1')}, ${changeSql('b.d7')}, ${changeSql('b.d30')},
        ${pctSql('b.d1')}, ${pctSql('b.d7')}, ${pctSql('b.d30')}, b.avg_views, b.avg_views_at, b.avg_views * 100.0 / nullif(b.followers, 0), b.since,
        ${daySql('@day', '@day', 'b.day')},
        ${daySql('b.followers', 'case when @at < b.day_first_at then b.followers else b.day_first end', 'b.day_first')},
        ${daySql('b.followers', 'case when @at >= b.day_last_at then b.followers else b.day_last end', 'b.day_last')},
        ${daySql('b.followers', 'min(b.followers, b.day_min)', 'b.day_min')},
        ${daySql('b.followers', 'max(b.followers, b.day_max)', 'b.day_max')},
        ${daySql('@at', 'min(@at, b.day_first_at)', 'b.day_first_at')},
        ${daySql('@at', 'max(@at, b.day_last_at)', 'b.day_last_at')},
        ${daySql('1', 'b.day_samples + 1', 'b.day_samples')},
        ${daySql('b.exact', 'min(b.exact, b.day_exact)', 'b.day_exact')},
        ${daySql('b.day_views', 'coalesce(b.day_views, b.day_avg_views)', 'b.day_avg_views')}
      from b where true
      on conflict (page_id) do update set followers = excluded.followers, exact = excluded.exact, collected_at = excluded.collected_at,
        previous_followers = excluded.previous_followers, change_prev = excluded.change_prev, change_1d = excluded.change_1d,
        change_7d = excluded.change_7d, change_30d = excluded.change_30d, pct_1d = excluded.pct_1d, pct_7d = excluded.pct_7d,
        pct_30d = excluded.pct_30d, avg_views = excluded.avg_views, avg_views_at = excluded.avg_views_at, err = excluded.err,
        since = excluded.since, day = excluded.day, day_first = excluded.day_first, day_last = excluded.day_last,
        day_min = excluded.day_min, day_max = excluded.day_max, day_first_at = excluded.day_first_at, day_last_at = excluded.day_last_at,
        day_samples = excluded.day_samples, day_exact = excluded.day_exact, day_avg_views = excluded.day_avg_views`),
    // Only a page whose status or facts changed is rewritten: a steady page costs a seek and no write,
    // and status_at keeps meaning "in this status since".
    countPages: statement(db, `update pages set status = 'ok', status_message = b.message, status_at = @at, consecutive_failures = 0,
        platform_title = coalesce(b.title, pages.platform_title), platform_id = coalesce(b.platform_id, pages.platform_id),
        posts_collected_at = case when b.posts_read = 1 then @at else pages.posts_collected_at end
      from ${COUNT_BATCH} b
      where pages.id = b.page and (pages.status <> 'ok' or pages.consecutive_failures <> 0 or b.posts_read = 1 or pages.status_message is not b.message
        or pages.platform_title is not coalesce(b.title, pages.platform_title) or pages.platform_id is not coalesce(b.platform_id, pages.platform_id))`),
    // Posts and their reach, written page by page (every POSTS_INTERVAL_HOURS, not hourly).
    reach: statement(db, `insert into reach_snapshots (page_id, collected_at, avg_views, posts_counted) values (@page, @at, @avgViews, @counted)
      on conflict (page_id, collected_at) do update set avg_views = excluded.avg_views, posts_counted = excluded.posts_counted`),
    post: statement(db, `insert into posts (page_id, post_id, url, published_at, text, views, likes, reposts, comments, first_seen_at, updated_at)
      values (@page, @postId, @url, @publishedAt, @text, @views, @likes, @reposts, @comments, @at, @at)
      on conflict (page_id, post_id) do update set text = excluded.text, views = excluded.views, likes = excluded.likes,
        reposts = excluded.reposts, comments = excluded.comments, updated_at = excluded.updated_at`),
    // Posts read without a follower count: the reach figures against the last count, and the day's
    // roll-up, closed or open, takes the average.
    statsInsert: statement(db, `insert or ignore into page_stats (page_id) values (@page)`),
    statsReach: statement(db, `update page_stats set avg_views = @avgViews, avg_views_at = @at, err = @avgViews * 100.0 / nullif(followers, 0) where page_id = @page`),
    closedDayReach: statement(db, `update closed_days set avg_views = @avgViews where page_id = @page and day = @day`),
    openDayReach: statement(db, `update page_stats set day_avg_views = @avgViews where page_id = @page and day = @day`),
    // As countPages, for one page.
    ok: statement(db, `update pages set status = 'ok', status_message = @message, status_at = @at, consecutive_failures = 0,
        platform_title = coalesce(@title, platform_title), platform_id = coalesce(@platformId, platform_id),
        posts_collected_at = case when @postsRead = 1 then @at else posts_collected_at end
      where id = @page and (status <> 'ok' or consecutive_failures <> 0 or @postsRead = 1 or status_message is not @message
        or platform_title is not coalesce(@title, platform_title) or platform_id is not coalesce(@platformId, platform_id))`),
    fail: statement(db, `update pages set status = @status, status_message = @message, status_at = @at, consecutive_failures = @failures,
        active = case when @pause = 1 then 0 else active end,
        paused_reason = case when @pause = 1 then @pausedReason else paused_reason end
      where id = @page`),
    pagesExisting: db.prepare(`select value from json_each(?) where value in (select id from pages)`).pluck(),
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
  const write = db.transaction((batch: readonly OutcomeItem[]) => {
    // Counts are written together after the rest, unless the batch lists a page twice: then each
    // outcome is written in turn, to keep their order.
    const together = new Set(batch.map((i) => i.page.id)).size === batch.length
    const counts: CountRow[] = []
    const statuses = batch.map(({ page, outcome }): RecordedStatus => {
      if (!outcome.ok) return writeFailure(statements, page, outcome.error, at, pauseAfterFailures)
      const count = writeSample(statements, page.id, outcome.sample, reachOf(outcome.sample), at)
      if (count && together) counts.push(count)
      else if (count) writeCounts(statements, [count], at, thinnedBefore)
      return 'ok'
    })
    if (counts.length > 0) writeCounts(statements, counts, at, thinnedBefore)
    return statuses
  })
  try {
    return write(items)
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw error
    // A page was deleted while it was being collected, so its samples have nowhere to go. The first
    // attempt was rolled back whole; the rest of the batch is written without it.
    // Another page may go while this runs: the same again, until every page left exists.
    const existing = new Set(statements.pagesExisting.all(JSON.stringify(items.map((i) => i.page.id))) as number[])
    const kept = items.filter((i) => existing.has(i.page.id))
    if (kept.length === items.length) throw error
    const statuses = writeOutcomes(db, kept, at, pauseAfterFailures, reachOf, thinnedBefore)
    return items.map((i) => (existing.has(i.page.id) ? statuses.shift()! : i.outcome.ok ? 'ok' : i.outcome.error.kind))
  }
}

function writeCounts(st: Statements, counts: readonly CountRow[], at: number, thinnedBefore: number): void {
  st.countTable.run()
  for (const c of counts) st.countRow.run(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8])
  const params = { at, day: dayOf(at), thinnedBefore }
  st.countSnapshots.run(params)
  st.countClosedDays.run(params)
  st.countStats.run(params)
  st.countPages.run(params)
  st.countDone.run(params)
}

/**
 * Writes a success's posts and reach; returns its count for writeCounts (which also writes its status
 * and facts), or writes those itself when the platform gave posts without a count.
 */
function writeSample(st: Statements, pageId: number, sample: PageSample, reach: Reach | null, at: number): CountRow | null {
  if (reach) {
    st.reach.run({ page: pageId, at, avgViews: reach.avgViews, counted: reach.counted })
    for (const p of sample.posts ?? []) {
      st.post.run({ page: pageId, at, postId: p.postId, url: p.url, publishedAt: p.publishedAt, text: p.text, views: p.views, likes: p.likes, reposts: p.reposts, comments: p.comments })
    }
  }
  const message = sample.postsError ? `Counted; posts not read: ${sample.postsError.message}` : null
  const postsRead = sample.posts || sample.postsError ? 1 : 0
  if (sample.followers !== null) {
    return [pageId, sample.followers, sample.followersExact ? 1 : 0, sample.title, sample.platformId, reach ? 1 : 0, reach?.avgViews ?? null, message, postsRead]
  }
  if (reach) {
    st.statsInsert.run({ page: pageId })
    st.statsReach.run({ page: pageId, avgViews: reach.avgViews, at })
    if (reach.avgViews !== null) {
      const day = { page: pageId, day: dayOf(at), avgViews: reach.avgViews }
      st.openDayReach.run(day)
      st.closedDayReach.run(day)
    }
  }
  st.ok.run({ page: pageId, at, message, title: sample.title, platformId: sample.platformId, postsRead })
  return null
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
