import type { PageRef, PlatformId } from '../platforms/types.ts'
import type { Db, NewPage, PageRow } from './schema.ts'

export interface PageInput {
  platform: PlatformId
  handle: string
  url: string
  title?: string | null
  region?: string | null
  category?: string | null
  tags?: string[]
  aliases?: string[]
}

/** The API/dashboard view of a page: registry fields plus its latest figures. */
export interface PageView {
  id: number
  platform: string
  handle: string
  platformId: string | null
  url: string
  title: string
  region: string | null
  category: string | null
  tags: string[]
  aliases: string[]
  active: boolean
  /** Archived (hidden, not collected, history kept): ISO time, else null. */
  archivedAt: string | null
  pausedReason: string | null
  createdAt: string
  status: string
  statusMessage: string | null
  statusAt: number | null
  followers: number | null
  followersExact: boolean | null
  collectedAt: number | null
  changePrev: number | null
  change1d: number | null
  change7d: number | null
  change30d: number | null
  avgViews: number | null
  err: number | null
}

export class DuplicatePageError extends Error {
  override readonly name = 'DuplicatePageError'
  constructor(readonly existing: { id: number; url: string }) {
    super(`This page is already registered as #${existing.id} (${existing.url}).`)
  }
}

export const findPageByHandle = (db: Db, platform: string, handle: string) =>
  db.selectFrom('pages').select(['id', 'url', 'deleted_at']).where('platform', '=', platform).where('handle', '=', handle).executeTakeFirst()

/** A page deleted with its history kept comes back, history and all, when its link is registered again. */
async function revivePage(db: Db, id: number, row: NewPage): Promise<PageView> {
  // Metadata given now replaces what the page had; what is left out keeps its old value.
  const given = Object.fromEntries(
    (['title', 'region', 'category', 'tags', 'aliases'] as const).filter((k) => row[k] !== null && row[k] !== undefined && row[k] !== '[]').map((k) => [k, row[k]]),
  )
  await db
    .updateTable('pages')
    .set({ ...given, active: 1, paused_reason: null, consecutive_failures: 0, archived_at: null, deleted_at: null })
    .where('id', '=', id)
    .execute()
  return getPage(db, id)
}

/** Registers a page; throws DuplicatePageError if the same platform + handle exists. */
export async function insertPage(db: Db, input: PageInput, now: Date): Promise<PageView> {
  const row: NewPage = {
    platform: input.platform,
    handle: input.handle,
    url: input.url,
    title: input.title ?? null,
    region: input.region ?? null,
    category: input.category ?? null,
    tags: JSON.stringify(input.tags ?? []),
    aliases: JSON.stringify(input.aliases ?? []),
    platform_id: null,
    platform_title: null,
    paused_reason: null,
    created_at: now.toISOString(),
    status_message: null,
    status_at: null,
    posts_collected_at: null,
  }
  const inserted = await db
    .insertInto('pages')
    .values(row)
    .onConflict((oc) => oc.columns(['platform', 'handle']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) {
    const existing = await findPageByHandle(db, input.platform, input.handle)
    if (existing?.deleted_at) return revivePage(db, existing.id, row)
    throw new DuplicatePageError(existing ?? { id: 0, url: input.url })
  }
  return getPage(db, inserted.id)
}

function pageQuery(db: Db) {
  return db
    .selectFrom('pages')
    .leftJoin('page_stats', 'page_stats.page_id', 'pages.id')
    .selectAll('pages')
    .select([
      'page_stats.followers',
      'page_stats.exact',
      'page_stats.collected_at',
      'page_stats.change_prev',
      'page_stats.change_1d',
      'page_stats.change_7d',
      'page_stats.change_30d',
      'page_stats.avg_views',
      'page_stats.err',
    ])
}

type PageQueryRow = PageRow & {
  followers: number | null
  exact: 0 | 1 | null
  collected_at: number | null
  change_prev: number | null
  change_1d: number | null
  change_7d: number | null
  change_30d: number | null
  avg_views: number | null
  err: number | null
}

function toView(row: PageQueryRow): PageView {
  return {
    id: row.id,
    platform: row.platform,
    handle: row.handle,
    platformId: row.platform_id,
    url: row.url,
    title: displayTitle(row),
    region: row.region,
    category: row.category,
    tags: parseList(row.tags),
    aliases: parseList(row.aliases),
    active: row.active === 1,
    archivedAt: row.archived_at,
    pausedReason: row.paused_reason,
    createdAt: row.created_at,
    status: row.status,
    statusMessage: row.status_message,
    statusAt: row.status_at,
    followers: row.followers,
    followersExact: row.exact === null ? null : row.exact === 1,
    collectedAt: row.collected_at,
    changePrev: row.change_prev,
    change1d: row.change_1d,
    change7d: row.change_7d,
    change30d: row.change_30d,
    avgViews: row.avg_views,
    err: row.err,
  }
}

/** What a page is called: the operator's title, else the platform's, else its handle. */
export const displayTitle = (row: Pick<PageRow, 'title' | 'platform_title' | 'handle'>): string =>
  row.title ?? row.platform_title ?? row.handle

const parseList = (json: string): string[] => {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

export async function findPage(db: Db, id: number): Promise<PageView | undefined> {
  const row = await pageQuery(db).where('pages.id', '=', id).executeTakeFirst()
  return row && toView(row)
}

export async function getPage(db: Db, id: number): Promise<PageView> {
  const row = await pageQuery(db).where('pages.id', '=', id).executeTakeFirstOrThrow()
  return toView(row)
}

/** Every page with its latest figures, in registration order; archived and deleted pages are left out. */
export async function listPages(db: Db): Promise<PageView[]> {
  const rows = await pageQuery(db).where('pages.archived_at', 'is', null).orderBy('pages.id').execute()
  return rows.map(toView)
}

/** Active pages per platform. */
export async function countActivePages(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('pages')
    .select(['platform', (eb) => eb.fn.countAll<number>().as('n')])
    .where('active', '=', 1)
    .groupBy('platform')
    .execute()
  return new Map(rows.map((r) => [r.platform, Number(r.n)]))
}

export interface CollectablePage extends PageRef {
  postsCollectedAt: number | null
  consecutiveFailures: number
}

/**
 * Active pages in id order, `size` at a time (keyset paging): the collector never holds the whole
 * registry in memory.
 */
export async function* streamActivePages(db: Db, platform: string, size: number): AsyncGenerator<CollectablePage[]> {
  let after = 0
  for (;;) {
    const rows = await db
      .selectFrom('pages')
      .select(['id', 'platform', 'handle', 'platform_id', 'posts_collected_at', 'consecutive_failures'])
      .where('active', '=', 1)
      .where('platform', '=', platform)
      .where('id', '>', after)
      .orderBy('id')
      .limit(size)
      .execute()
    if (rows.length === 0) return
    after = rows[rows.length - 1]!.id
    yield rows.map((r) => ({
      id: r.id,
      platform: r.platform as PlatformId,
      handle: r.handle,
      platformId: r.platform_id,
      postsCollectedAt: r.posts_collected_at,
      consecutiveFailures: r.consecutive_failures,
    }))
    if (rows.length < size) return
  }
}
