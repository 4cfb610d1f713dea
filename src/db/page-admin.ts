import { type ExpressionBuilder, sql } from 'kysely'
import type { Database, Db } from './schema.ts'

/** Which pages the management list shows. */
export type PageState = 'live' | 'active' | 'paused' | 'archived'
export const PAGE_STATES: readonly PageState[] = ['live', 'active', 'paused', 'archived']

export interface ManagedPageFilter {
  q?: string
  state?: PageState
  platform?: string
}

/** `text` anywhere in the column, case-insensitively for latin letters; `%` and `_` typed by a person match themselves. */
const contains = (column: string, text: string) => sql<boolean>`${sql.ref(column)} like ${`%${text.replace(/[\\%_]/g, '\\$&')}%`} escape '\\'`

function where(filter: ManagedPageFilter) {
  return (eb: ExpressionBuilder<Database, 'pages'>) => {
    const parts = []
    const state = filter.state ?? 'live'
    if (state === 'archived') parts.push(eb.and([eb('pages.archived_at', 'is not', null), eb('pages.deleted_at', 'is', null)]))
    else parts.push(eb('pages.archived_at', 'is', null))
    if (state === 'active') parts.push(eb('pages.active', '=', 1))
    if (state === 'paused') parts.push(eb('pages.active', '=', 0))
    if (filter.platform) parts.push(eb('pages.platform', '=', filter.platform))
    const q = filter.q?.trim()
    if (q) {
      parts.push(
        eb.or(['pages.title', 'pages.platform_title', 'pages.handle', 'pages.url', 'pages.region', 'pages.category'].map((column) => eb(contains(column, q), '=', true))),
      )
    }
    return eb.and(parts)
  }
}

/** One page of the management list, newest registrations first, with the total matching. */
export async function listManagedPages(db: Db, filter: ManagedPageFilter, page: { limit: number; offset: number }) {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('pages')
      .leftJoin('page_stats', 'page_stats.page_id', 'pages.id')
      .select([
        'pages.id',
        'pages.platform',
        'pages.handle',
        'pages.url',
        'pages.title',
        'pages.platform_title',
        'pages.region',
        'pages.category',
        'pages.tags',
        'pages.active',
        'pages.paused_reason',
        'pages.status',
        'pages.status_message',
        'pages.archived_at',
        'page_stats.followers',
        'page_stats.exact',
      ])
      .where(where(filter))
      .orderBy('pages.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    db.selectFrom('pages').select((eb) => eb.fn.countAll<number>().as('n')).where(where(filter)).executeTakeFirstOrThrow(),
  ])
  return { rows, total: Number(count.n) }
}

export type ManagedPageRow = Awaited<ReturnType<typeof listManagedPages>>['rows'][number]

/** The registry row of one page (deleted ones included), or undefined. */
export const findPageRow = (db: Db, id: number) => db.selectFrom('pages').selectAll().where('id', '=', id).executeTakeFirst()

/** How much collected history a page has: what deleting it with its history removes. */
export async function historyCounts(db: Db, pageId: number): Promise<{ snapshots: number; posts: number; days: number }> {
  const count = (table: 'snapshots' | 'posts' | 'daily_rollups') =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('page_id', '=', pageId)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n))
  const [snapshots, posts, days] = await Promise.all([count('snapshots'), count('posts'), count('daily_rollups')])
  return { snapshots, posts, days }
}

/** Registry rows in id order, `size` at a time (the CSV export streams them). Deleted pages are left out. */
export async function* streamRegistry(db: Db, options: { includeArchived: boolean }, size = 1000) {
  let after = 0
  for (;;) {
    let query = db
      .selectFrom('pages')
      .select(['id', 'url', 'title', 'region', 'category', 'tags', 'aliases'])
      .where('id', '>', after)
      .where('deleted_at', 'is', null)
    if (!options.includeArchived) query = query.where('archived_at', 'is', null)
    const rows = await query.orderBy('id').limit(size).execute()
    if (rows.length === 0) return
    yield rows
    after = rows[rows.length - 1]!.id
    if (rows.length < size) return
  }
}
