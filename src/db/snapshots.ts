import type { Transaction } from 'kysely'
import { PERMANENT_KINDS, type PageOutcome, type PageSample, type PostSample } from '../platforms/types.ts'
import type { Database, Db } from './schema.ts'
import { dayOf } from './sql.ts'

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
export type RecordedStatus = 'ok' | PageOutcomeKind | 'paused'
type PageOutcomeKind = Extract<PageOutcome, { ok: false }>['error']['kind']

/**
 * Writes one page's outcome in one transaction: snapshot, daily roll-up, latest values, posts and the
 * page's status all land together or not at all.
 */
export async function recordOutcome(
  db: Db,
  page: { id: number; consecutiveFailures: number },
  outcome: PageOutcome,
  at: number,
  policy: RecordPolicy,
): Promise<RecordedStatus> {
  return db.transaction().execute(async (trx) => {
    if (outcome.ok) {
      await recordSample(trx, page.id, outcome.sample, at)
      return 'ok'
    }
    const { error } = outcome
    const failures = PERMANENT_KINDS.has(error.kind) ? page.consecutiveFailures + 1 : page.consecutiveFailures
    const pause = policy.pauseAfterFailures > 0 && failures >= policy.pauseAfterFailures
    await trx
      .updateTable('pages')
      .set({
        status: error.kind,
        status_message: error.message,
        status_at: at,
        consecutive_failures: failures,
        ...(pause
          ? { active: 0, paused_reason: `Paused after ${failures} failures in a row: ${error.message}` }
          : {}),
      })
      .where('id', '=', page.id)
      .execute()
    return pause ? 'paused' : error.kind
  })
}

async function recordSample(trx: Transaction<Database>, pageId: number, sample: PageSample, at: number): Promise<void> {
  const exact = sample.followersExact ? 1 : 0
  if (sample.followers !== null) {
    await trx
      .insertInto('snapshots')
      .values({ page_id: pageId, collected_at: at, followers: sample.followers, exact })
      .onConflict((oc) => oc.columns(['page_id', 'collected_at']).doUpdateSet({ followers: sample.followers!, exact }))
      .execute()
    await upsertRollup(trx, pageId, sample.followers, exact, at)
  }

  let reach: { avgViews: number | null; counted: number } | undefined
  if (sample.posts) {
    reach = averageReach(sample.posts, at)
    await upsertPosts(trx, pageId, sample.posts, at)
    await trx
      .insertInto('reach_snapshots')
      .values({ page_id: pageId, collected_at: at, avg_views: reach.avgViews, posts_counted: reach.counted })
      .onConflict((oc) => oc.columns(['page_id', 'collected_at']).doUpdateSet({ avg_views: reach!.avgViews, posts_counted: reach!.counted }))
      .execute()
    if (reach.avgViews !== null) {
      await trx.updateTable('daily_rollups').set({ avg_views: reach.avgViews }).where('page_id', '=', pageId).where('day', '=', dayOf(at)).execute()
    }
  }

  await updateStats(trx, pageId, sample, at, reach)

  await trx
    .updateTable('pages')
    .set({
      status: 'ok',
      status_message: sample.postsError ? `Counted; posts not read: ${sample.postsError.message}` : null,
      status_at: at,
      consecutive_failures: 0,
      ...(sample.title ? { platform_title: sample.title } : {}),
      ...(sample.platformId ? { platform_id: sample.platformId } : {}),
      ...(sample.posts || sample.postsError ? { posts_collected_at: at } : {}),
    })
    .where('id', '=', pageId)
    .execute()
}

async function upsertRollup(trx: Transaction<Database>, pageId: number, followers: number, exact: 0 | 1, at: number) {
  await trx
    .insertInto('daily_rollups')
    .values({
      page_id: pageId,
      day: dayOf(at),
      first: followers,
      last: followers,
      min: followers,
      max: followers,
      first_at: at,
      last_at: at,
      samples: 1,
      exact,
      avg_views: null,
    })
    .onConflict((oc) =>
      oc.columns(['page_id', 'day']).doUpdateSet((eb) => ({
        last: eb.case().when('excluded.last_at', '>=', eb.ref('daily_rollups.last_at')).then(eb.ref('excluded.last')).else(eb.ref('daily_rollups.last')).end(),
        last_at: eb.fn('max', [eb.ref('daily_rollups.last_at'), eb.ref('excluded.last_at')]),
        first: eb.case().when('excluded.first_at', '<', eb.ref('daily_rollups.first_at')).then(eb.ref('excluded.first')).else(eb.ref('daily_rollups.first')).end(),
        first_at: eb.fn('min', [eb.ref('daily_rollups.first_at'), eb.ref('excluded.first_at')]),
        min: eb.fn('min', [eb.ref('daily_rollups.min'), eb.ref('excluded.min')]),
        max: eb.fn('max', [eb.ref('daily_rollups.max'), eb.ref('excluded.max')]),
        samples: eb('daily_rollups.samples', '+', 1),
        exact: eb.fn('min', [eb.ref('daily_rollups.exact'), eb.ref('excluded.exact')]),
      })),
    )
    .execute()
}

/** The follower figure at or shortly before `at`: raw samples first, daily roll-ups once raw rows are gone. */
async function followersAt(trx: Transaction<Database>, pageId: number, at: number) {
  const raw = await trx
    .selectFrom('snapshots')
    .select(['followers', 'exact'])
    .where('page_id', '=', pageId)
    .where('collected_at', '<=', at)
    .orderBy('collected_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (raw) return raw
  return trx
    .selectFrom('daily_rollups')
    .select(['last as followers', 'exact'])
    .where('page_id', '=', pageId)
    .where('day', '<=', dayOf(at))
    .where('last_at', '<=', at)
    .orderBy('day', 'desc')
    .limit(1)
    .executeTakeFirst()
}

// A sample taken a few minutes after the day mark still counts as "a day ago" (cron jitter, slow runs).
const SLACK = 15 * 60

async function updateStats(
  trx: Transaction<Database>,
  pageId: number,
  sample: PageSample,
  at: number,
  reach: { avgViews: number | null } | undefined,
) {
  const current = await trx.selectFrom('page_stats').selectAll().where('page_id', '=', pageId).executeTakeFirst()
  const followers = sample.followers ?? current?.followers ?? null
  const exact = sample.followers !== null ? (sample.followersExact ? 1 : 0) : (current?.exact ?? null)

  const change = async (ago: number) => {
    if (sample.followers === null) return { abs: null, pct: null }
    const before = await followersAt(trx, pageId, at - ago + SLACK)
    // Never compare a rounded figure with an exact one (Social Blade's lesson).
    if (!before || before.exact !== exact) return { abs: null, pct: null }
    const abs = sample.followers - before.followers
    return { abs, pct: before.followers > 0 ? (abs / before.followers) * 100 : null }
  }
  const previous = sample.followers !== null ? await followersAt(trx, pageId, at - 1) : undefined
  const [d1, d7, d30] = [await change(DAY), await change(7 * DAY), await change(30 * DAY)]
  const changePrev = previous && sample.followers !== null && previous.exact === exact ? sample.followers - previous.followers : null

  const avgViews = reach ? reach.avgViews : (current?.avg_views ?? null)
  const values = {
    followers,
    exact: exact as 0 | 1 | null,
    collected_at: sample.followers !== null ? at : (current?.collected_at ?? null),
    previous_followers: previous?.followers ?? current?.previous_followers ?? null,
    change_prev: sample.followers !== null ? changePrev : (current?.change_prev ?? null),
    change_1d: d1.abs,
    change_7d: d7.abs,
    change_30d: d30.abs,
    pct_1d: d1.pct,
    pct_7d: d7.pct,
    pct_30d: d30.pct,
    avg_views: avgViews,
    avg_views_at: reach ? at : (current?.avg_views_at ?? null),
    err: avgViews !== null && followers ? (avgViews / followers) * 100 : null,
  }
  await trx
    .insertInto('page_stats')
    .values({ page_id: pageId, ...values })
    .onConflict((oc) => oc.column('page_id').doUpdateSet(values))
    .execute()
}

async function upsertPosts(trx: Transaction<Database>, pageId: number, posts: readonly PostSample[], at: number) {
  for (const post of posts) {
    const counters = { views: post.views, likes: post.likes, reposts: post.reposts, comments: post.comments }
    await trx
      .insertInto('posts')
      .values({ page_id: pageId, post_id: post.postId, url: post.url, published_at: post.publishedAt, text: post.text, ...counters, first_seen_at: at, updated_at: at })
      .onConflict((oc) => oc.columns(['page_id', 'post_id']).doUpdateSet({ ...counters, text: post.text, updated_at: at }))
      .execute()
  }
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

