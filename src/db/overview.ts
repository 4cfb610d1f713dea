import { type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely'
import type { Db } from './schema.ts'
import { dayOf, jsonArrayContains, jsonArrayElements } from './sql.ts'

// The overview reads page_stats (one row of latest figures per page, kept current by every snapshot)
// and daily_rollups for the sparklines of the rows on screen: never the snapshots themselves, so one
// screen of the table costs the same at 130,000 pages as at 100.

/** Columns the overview can be sorted by (the API's `sort=`). */
export const SORT_KEYS = [
  'title',
  'platform',
  'region',
  'followers',
  'change1d',
  'pct1d',
  'change7d',
  'pct7d',
  'change30d',
  'pct30d',
  'avgViews',
  'err',
  'collectedAt',
  'status',
] as const
export type SortKey = (typeof SORT_KEYS)[number]

/** Status filter: `failing` is any error status of an active page, `paused` a page no longer collected. */
export const STATUS_FILTERS = ['ok', 'failing', 'paused', 'pending'] as const
export type StatusFilter = (typeof STATUS_FILTERS)[number]

export interface OverviewFilter {
  platform?: string
  region?: string
  tag?: string
  status?: StatusFilter
  /** Text searched in the title, the platform's title, the handle and the aliases. */
  q?: string
}

export interface OverviewQuery extends OverviewFilter {
  sort: SortKey
  order: 'asc' | 'desc'
  /** 1-based. */
  page: number
  perPage: number
}

/** One row of the overview: who the page is, its latest figures and its collection status. */
export interface OverviewRow {
  id: number
  platform: string
  handle: string
  url: string
  title: string
  region: string | null
  tags: string[]
  active: boolean
  /** `paused` for an inactive page, else the page's last status (`ok`, `pending`, an error kind). */
  status: string
  statusMessage: string | null
  statusAt: number | null
  followers: number | null
  followersExact: boolean | null
  collectedAt: number | null
  change1d: number | null
  change7d: number | null
  change30d: number | null
  pct1d: number | null
  pct7d: number | null
  pct30d: number | null
  avgViews: number | null
  /** Average reach ÷ followers × 100. */
  err: number | null
}

/** The filtered set as a whole: the totals line. */
export interface OverviewTotals {
  pages: number
  followers: number
  /** Sum of the 7-day changes of the pages that have one. */
  change7d: number
}

export interface OverviewResult {
  rows: OverviewRow[]
  total: number
  totals: OverviewTotals
}

const displayTitleSql = sql<string>`coalesce(pages.title, pages.platform_title, pages.handle)`
const statusSql = sql<string>`case when pages.active = 0 then 'paused' else pages.status end`

const sortExpression = (key: SortKey, now: number): Expression<unknown> => ({
  title: displayTitleSql,
  platform: sql.ref('pages.platform'),
  region: sql.ref('pages.region'),
  followers: sql.ref('page_stats.followers'),
  change1d: fresh('change_1d', now),
  pct1d: fresh('pct_1d', now),
  change7d: fresh('change_7d', now),
  pct7d: fresh('pct_7d', now),
  change30d: fresh('change_30d', now),
  pct30d: fresh('pct_30d', now),
  avgViews: sql.ref('page_stats.avg_views'),
  err: sql.ref('page_stats.err'),
  collectedAt: sql.ref('page_stats.collected_at'),
  status: statusSql,
})[key]

/**
 * LIKE patterns for a search, one list per word (every word must match somewhere): SQLite folds case
 * for ASCII only, so each word is also tried lower-case, upper-case and capitalised ("губернатор
 * ростов" finds "Губернатор Ростовской области"). `%`, `_` and `\` are literal.
 */
export function searchPatterns(q: string): string[][] {
  const words = q.trim().split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS)
  return words.map((word) => {
    const lower = word.toLocaleLowerCase('ru')
    const variants = new Set([word, lower, word.toLocaleUpperCase('ru'), lower.charAt(0).toLocaleUpperCase('ru') + lower.slice(1)])
    return [...variants].map((v) => `%${v.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)
  })
}

const MAX_SEARCH_WORDS = 5
const SEARCHED_COLUMNS = ['pages.title', 'pages.platform_title', 'pages.handle', 'pages.aliases'] as const

/**
 * Changes are only as current as the page's last count: once a page has not been counted for this
 * long (failing, paused) its 1/7/30-day changes are shown empty and left out of sums and rankings,
 * instead of a month-old "+168 this week". Its last follower count still shows, with its date.
 */
export const STALE_AFTER_SECONDS = 2 * 86_400

type ChangeColumn = 'change_1d' | 'change_7d' | 'change_30d' | 'pct_1d' | 'pct_7d' | 'pct_30d'

/** A change column of page_stats, blank when the page's last count is stale (see STALE_AFTER_SECONDS). */
const fresh = (column: ChangeColumn, now: number) =>
  sql<number | null>`(case when page_stats.collected_at >= ${now - STALE_AFTER_SECONDS} then ${sql.ref(`page_stats.${column}`)} end)`

function baseQuery(db: Db, f: OverviewFilter & { id?: number }) {
  return filtered(db.selectFrom('pages').leftJoin('page_stats', 'page_stats.page_id', 'pages.id'), f)
}

/** The overview's filters on any query that has `pages` (and `page_stats`) in it. */
function filtered<QB extends SelectQueryBuilder<any, any, any>>(qb: QB, f: OverviewFilter & { id?: number }): QB {
  // Archived (and deleted) pages are hidden from the dashboard; their history stays.
  let query = qb.where('pages.archived_at', 'is', null)
  if (f.id !== undefined) query = query.where('pages.id', '=', f.id)
  if (f.platform) query = query.where('pages.platform', '=', f.platform)
  if (f.region) query = query.where('pages.region', '=', f.region)
  if (f.tag) query = query.where(jsonArrayContains('pages.tags', f.tag))
  if (f.status === 'paused') query = query.where('pages.active', '=', 0)
  else if (f.status === 'ok' || f.status === 'pending') query = query.where('pages.active', '=', 1).where('pages.status', '=', f.status)
  else if (f.status === 'failing') query = query.where('pages.active', '=', 1).where('pages.status', 'not in', ['ok', 'pending'])
  for (const patterns of f.q ? searchPatterns(f.q) : []) {
    query = query.where((eb: ExpressionBuilder<any, any>) => eb.or(patterns.flatMap((p) => SEARCHED_COLUMNS.map((column) => sql<SqlBool>`${sql.ref(column)} like ${p} escape '\\'`))))
  }
  return query as QB
}

const parseList = (json: string): string[] => {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

/** One screen of the overview, sorted and filtered, with the count and totals of the whole filtered set. */
/** The current time in unix seconds: the default `now` of the queries (tests and views pass their own). */
const currentTime = () => Math.floor(Date.now() / 1000)

export async function listOverview(db: Db, query: OverviewQuery, now = currentTime()): Promise<OverviewResult> {
  const [rows, totals] = await Promise.all([listOverviewRows(db, query, (query.page - 1) * query.perPage, query.perPage, now), overviewTotals(db, query, now)])
  return { rows, total: totals.pages, totals }
}

/** Rows of the filtered, sorted set from `offset` (exports read the whole set in slices of this). */
export async function listOverviewRows(
  db: Db,
  query: Omit<OverviewQuery, 'page' | 'perPage'> & { id?: number },
  offset: number,
  limit: number,
  now = currentTime(),
): Promise<OverviewRow[]> {
  return listOverviewRowsByIds(db, await listOverviewIds(db, query, now, { offset, limit }), now)
}

/**
 * The ids of the filtered set in display order (a slice of it when `slice` is given). Sorting only ids
 * keeps the sort narrow; the rows of one screen (or one export chunk) are read by id afterwards.
 */
export async function listOverviewIds(
  db: Db,
  query: Omit<OverviewQuery, 'page' | 'perPage'> & { id?: number },
  now = currentTime(),
  slice?: { offset: number; limit: number },
): Promise<number[]> {
  const indexed = INDEXED_SORTS[query.sort]
  if (indexed && slice) return listIdsByIndex(db, query, now, slice, indexed)
  return listIdsBySort(db, query, now, slice)
}

/**
 * Sort keys with an index on page_stats: one screen walks that index from its top (or bottom) and
 * stops after the screen's rows, instead of sorting all 130,000 pages. Pages without a figure (or with
 * a stale change) come after, in id order, as in the general sort. Only the ranking by 7-day growth has
 * one: every index is rewritten by every sample (see migration 0010), so other keys sort by a scan.
 */
const INDEXED_SORTS: Partial<Record<SortKey, { column: 'change_7d'; fresh: boolean }>> = {
  change7d: { column: 'change_7d', fresh: true },
}

async function listIdsByIndex(
  db: Db,
  query: Omit<OverviewQuery, 'page' | 'perPage'> & { id?: number },
  now: number,
  slice: { offset: number; limit: number },
  sort: { column: 'change_7d'; fresh: boolean },
): Promise<number[]> {
  const column = sql.ref(`page_stats.${sort.column}`)
  let valued = filtered(db.selectFrom('page_stats').innerJoin('pages', 'pages.id', 'page_stats.page_id'), query)
    .select('pages.id')
    .where(column, 'is not', null)
  if (sort.fresh) valued = valued.where('page_stats.collected_at', '>=', now - STALE_AFTER_SECONDS)
  const head = (
    await valued
      .orderBy(column, query.order)
      .orderBy('page_stats.page_id')
      .limit(slice.offset + slice.limit)
      .execute()
  ).map((r) => r.id as number)
  if (head.length === slice.offset + slice.limit) return head.slice(slice.offset)
  // The valued pages ran out within this screen: the rest of it is pages without a figure, by id.
  const fromHead = head.slice(slice.offset)
  const rest = await baseQuery(db, query)
    .select('pages.id')
    .where((eb) =>
      eb.or([
        eb(column, 'is', null),
        ...(sort.fresh ? [eb('page_stats.collected_at', 'is', null), eb('page_stats.collected_at', '<', now - STALE_AFTER_SECONDS)] : []),
      ]),
    )
    .orderBy('pages.id')
    .limit(slice.limit - fromHead.length)
    .offset(Math.max(0, slice.offset - head.length))
    .execute()
  return [...fromHead, ...rest.map((r) => r.id)]
}

async function listIdsBySort(db: Db, query: Omit<OverviewQuery, 'page' | 'perPage'> & { id?: number }, now: number, slice?: { offset: number; limit: number }): Promise<number[]> {
  const sortBy = sortExpression(query.sort, now)
  let ids = baseQuery(db, query)
    .select('pages.id')
    // Empty figures last whichever way the column is sorted; the id keeps paging stable between ties.
    .orderBy(sql`${sortBy} is null`)
    .orderBy(sortBy, query.order)
    .orderBy('pages.id')
  if (slice) ids = ids.limit(slice.limit).offset(slice.offset)
  return (await ids.execute()).map((r) => r.id)
}

/** Overview rows of the given pages, in the order of `ids` (missing ids are skipped). */
export async function listOverviewRowsByIds(db: Db, ids: readonly number[], now = currentTime()): Promise<OverviewRow[]> {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('pages')
    .leftJoin('page_stats', 'page_stats.page_id', 'pages.id')
    .select([
      'pages.id',
      'pages.platform',
      'pages.handle',
      'pages.url',
      displayTitleSql.as('title'),
      'pages.region',
      'pages.tags',
      'pages.active',
      statusSql.as('status'),
      'pages.status_message',
      'pages.paused_reason',
      'pages.status_at',
      'page_stats.followers',
      'page_stats.exact',
      'page_stats.collected_at',
      fresh('change_1d', now).as('change_1d'),
      fresh('change_7d', now).as('change_7d'),
      fresh('change_30d', now).as('change_30d'),
      fresh('pct_1d', now).as('pct_1d'),
      fresh('pct_7d', now).as('pct_7d'),
      fresh('pct_30d', now).as('pct_30d'),
      'page_stats.avg_views',
      'page_stats.err',
    ])
    .where('pages.id', 'in', [...ids])
    .execute()
  const byId = new Map(
    rows.map((r): [number, OverviewRow] => [
      r.id,
      {
        id: r.id,
        platform: r.platform,
        handle: r.handle,
        url: r.url,
        title: r.title,
        region: r.region,
        tags: parseList(r.tags),
        active: r.active === 1,
        status: r.status,
        statusMessage: r.active === 1 ? r.status_message : (r.paused_reason ?? r.status_message),
        statusAt: r.status_at,
        followers: r.followers,
        followersExact: r.exact === null ? null : r.exact === 1,
        collectedAt: r.collected_at,
        change1d: r.change_1d,
        change7d: r.change_7d,
        change30d: r.change_30d,
        pct1d: r.pct_1d,
        pct7d: r.pct_7d,
        pct30d: r.pct_30d,
        avgViews: r.avg_views,
        err: r.err,
      },
    ]),
  )
  return ids.flatMap((id) => byId.get(id) ?? [])
}

/** One page's overview row (its latest figures with the 1/7/30-day percentages), or undefined. */
export async function findOverviewRow(db: Db, id: number, now = currentTime()): Promise<OverviewRow | undefined> {
  const [row] = await listOverviewRows(db, { sort: 'title', order: 'asc', id }, 0, 1, now)
  return row
}

export async function overviewTotals(db: Db, filter: OverviewFilter, now = currentTime()): Promise<OverviewTotals> {
  const row = await baseQuery(db, filter)
    .select((eb) => [
      eb.fn.countAll<number>().as('pages'),
      eb.fn.sum<number | null>('page_stats.followers').as('followers'),
      eb.fn.sum<number | null>(fresh('change_7d', now)).as('change7d'),
    ])
    .executeTakeFirstOrThrow()
  return { pages: Number(row.pages), followers: Number(row.followers ?? 0), change7d: Number(row.change7d ?? 0) }
}

/** Whether any page is registered and not archived (the first-run page shows otherwise). */
export async function hasPages(db: Db): Promise<boolean> {
  return (await db.selectFrom('pages').select('id').where('archived_at', 'is', null).limit(1).executeTakeFirst()) !== undefined
}

/** Regions and tags in use, for the filter lists. */
export async function listFilterValues(db: Db): Promise<{ regions: string[]; tags: string[]; platforms: string[] }> {
  const [regions, tags, platforms] = await Promise.all([
    db.selectFrom('pages').select('region').distinct().where('region', 'is not', null).where('archived_at', 'is', null).orderBy('region').execute(),
    db.selectFrom(['pages', jsonArrayElements('pages.tags').as('tag')]).select('tag.value').distinct().where('pages.archived_at', 'is', null).orderBy('tag.value').execute(),
    db.selectFrom('pages').select('platform').distinct().where('archived_at', 'is', null).orderBy('platform').execute(),
  ])
  return { regions: regions.map((r) => r.region!), tags: tags.map((t) => String(t.value)), platforms: platforms.map((p) => p.platform) }
}

/**
 * Follower counts of the last `days` days (oldest first, one slot per UTC day, null where the day has
 * no sample) for the pages on screen, from the daily roll-ups.
 */
export async function listSparklines(db: Db, pageIds: readonly number[], now: number, days = 30): Promise<Map<number, (number | null)[]>> {
  const result = new Map<number, (number | null)[]>(pageIds.map((id) => [id, Array<number | null>(days).fill(null)]))
  if (pageIds.length === 0) return result
  const lastDay = dayOf(now)
  const firstDay = lastDay - days + 1
  const rows = await db
    .selectFrom('daily_rollups')
    .select(['page_id', 'day', 'last'])
    .where('page_id', 'in', [...pageIds])
    .where('day', '>=', firstDay)
    .where('day', '<=', lastDay)
    .execute()
  for (const r of rows) result.get(r.page_id)![r.day - firstDay] = r.last
  return result
}

export type GroupBy = 'region' | 'tag'
export const GROUP_BYS: readonly GroupBy[] = ['region', 'tag']

/** The overview's figures summed over a region or a tag. */
export interface GroupRow {
  /** The region or tag; null for pages without a region. */
  key: string | null
  pages: number
  followers: number
  /** Sums of the pages' changes; null when no page of the group has one. */
  change1d: number | null
  change7d: number | null
  change30d: number | null
  /** Sum of 7-day changes ÷ the same pages' followers 7 days earlier × 100; null when no page has a 7-day change. */
  pct7d: number | null
  /** Mean of the pages' average reach (pages with one). */
  avgViews: number | null
  /** Sum of average reach ÷ followers of the pages that have a reach × 100. */
  err: number | null
}

/** Every region (or tag) with its totals, largest audience first. */
export async function listGroups(db: Db, by: GroupBy, filter: Pick<OverviewFilter, 'platform'> = {}, now = currentTime()): Promise<GroupRow[]> {
  const from =
    by === 'region'
      ? db.selectFrom('pages').select('pages.region as key').groupBy('pages.region')
      : db.selectFrom(['pages', jsonArrayElements('pages.tags').as('tag')]).select('tag.value as key').groupBy('tag.value')
  let query = from
    .leftJoin('page_stats', 'page_stats.page_id', 'pages.id')
    .where('pages.archived_at', 'is', null)
    .select((eb) => [
      eb.fn.countAll<number>().as('pages'),
      eb.fn.sum<number | null>('page_stats.followers').as('followers'),
      eb.fn.sum<number | null>(fresh('change_1d', now)).as('change1d'),
      eb.fn.sum<number | null>(fresh('change_7d', now)).as('change7d'),
      eb.fn.sum<number | null>(fresh('change_30d', now)).as('change30d'),
      eb.fn.sum<number | null>(eb.case().when(fresh('change_7d', now), 'is not', null).then(eb.ref('page_stats.followers')).end()).as('followers7d'),
      eb.fn.avg<number | null>('page_stats.avg_views').as('avgViews'),
      eb.fn.sum<number | null>('page_stats.avg_views').as('views'),
      eb.fn.sum<number | null>(eb.case().when('page_stats.avg_views', 'is not', null).then(eb.ref('page_stats.followers')).end()).as('followersWithViews'),
    ])
  if (filter.platform) query = query.where('pages.platform', '=', filter.platform)
  const rows = await query.orderBy('followers', 'desc').orderBy('key').execute()
  return rows.map((r) => {
    const change7d = r.change7d === null ? null : Number(r.change7d)
    const base7d = r.followers7d === null || change7d === null ? null : Number(r.followers7d) - change7d
    const withViews = Number(r.followersWithViews ?? 0)
    return {
      key: r.key === null ? null : String(r.key),
      pages: Number(r.pages),
      followers: Number(r.followers ?? 0),
      change1d: r.change1d === null ? null : Number(r.change1d),
      change7d,
      change30d: r.change30d === null ? null : Number(r.change30d),
      pct7d: base7d && change7d !== null ? (change7d / base7d) * 100 : null,
      avgViews: r.avgViews === null ? null : Math.round(Number(r.avgViews)),
      err: r.views !== null && withViews > 0 ? (Number(r.views) / withViews) * 100 : null,
    }
  })
}

/** One day of a group's chart: total followers of the pages collected that day, and how many were. */
export interface GroupPoint {
  /** Unix seconds of the day's start (UTC). */
  t: number
  /** Null where a noticeable share of the group's pages was not collected that day (a gap, not a dip). */
  v: number | null
  pages: number
}

/** A day counts as a gap when fewer than this share of the pages of the days around it were collected. */
const GROUP_GAP_SHARE = 0.9
const GROUP_GAP_WINDOW = 3

/** Total followers per day of the pages in a region or tag (`key` null: pages without a region), from the daily roll-ups. */
export async function groupSeries(db: Db, by: GroupBy, key: string | null, range: { from: number; to: number }): Promise<GroupPoint[]> {
  let members = db.selectFrom('pages').select('pages.id').where('pages.archived_at', 'is', null)
  if (by === 'tag') members = members.where(jsonArrayContains('pages.tags', key ?? ''))
  else members = key === null ? members.where('pages.region', 'is', null) : members.where('pages.region', '=', key)
  const rows = await db
    .selectFrom('daily_rollups')
    .select((eb) => ['day', eb.fn.sum<number>('last').as('followers'), eb.fn.countAll<number>().as('pages')])
    .where('page_id', 'in', members)
    .where('day', '>=', dayOf(range.from))
    .where('day', '<=', dayOf(range.to))
    .groupBy('day')
    .orderBy('day')
    .execute()
  const counts = rows.map((r) => Number(r.pages))
  return rows.map((r, i) => {
    const around = counts.slice(Math.max(0, i - GROUP_GAP_WINDOW), i + GROUP_GAP_WINDOW + 1).sort((a, b) => a - b)
    const median = around[Math.floor(around.length / 2)]!
    const pages = Number(r.pages)
    return { t: r.day * 86_400, v: pages < median * GROUP_GAP_SHARE ? null : Number(r.followers), pages }
  })
}
