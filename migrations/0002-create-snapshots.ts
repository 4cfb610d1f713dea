import { type Kysely, sql } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
//
// snapshots holds one row per page per collection (tens of millions of rows): integer key, integer
// unix-second time, WITHOUT ROWID so the (page_id, collected_at) key is the table itself. Views live
// apart in reach_snapshots, written only when posts are read, so the hourly row stays ~18 bytes.
// exact = 0 marks a figure the platform only showed rounded ("11.3M"): growth is never computed
// between a rounded and an exact figure.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('snapshots')
    .addColumn('page_id', 'integer', (c) => c.notNull().references('pages.id').onDelete('cascade'))
    .addColumn('collected_at', 'integer', (c) => c.notNull())
    .addColumn('followers', 'integer', (c) => c.notNull())
    .addColumn('exact', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshots_pk', ['page_id', 'collected_at'])
    .modifyEnd(sql`without rowid`)
    .execute()

  await db.schema
    .createTable('reach_snapshots')
    .addColumn('page_id', 'integer', (c) => c.notNull().references('pages.id').onDelete('cascade'))
    .addColumn('collected_at', 'integer', (c) => c.notNull())
    .addColumn('avg_views', 'integer') // null: no post in the window had a view count
    .addColumn('posts_counted', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('reach_snapshots_pk', ['page_id', 'collected_at'])
    .modifyEnd(sql`without rowid`)
    .execute()

  // One row per page per UTC day, maintained as samples arrive; long ranges read these.
  await db.schema
    .createTable('daily_rollups')
    .addColumn('page_id', 'integer', (c) => c.notNull().references('pages.id').onDelete('cascade'))
    .addColumn('day', 'integer', (c) => c.notNull()) // unix day number: floor(collected_at / 86400)
    .addColumn('first', 'integer', (c) => c.notNull())
    .addColumn('last', 'integer', (c) => c.notNull())
    .addColumn('min', 'integer', (c) => c.notNull())
    .addColumn('max', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'integer', (c) => c.notNull())
    .addColumn('last_at', 'integer', (c) => c.notNull())
    .addColumn('samples', 'integer', (c) => c.notNull())
    .addColumn('exact', 'integer', (c) => c.notNull()) // 1 only if every sample of the day was exact
    .addColumn('avg_views', 'integer')
    .addPrimaryKeyConstraint('daily_rollups_pk', ['page_id', 'day'])
    .modifyEnd(sql`without rowid`)
    .execute()

  // The latest values per page, kept current in the same transaction as each snapshot, so the
  // overview sorts and pages 130,000 rows without touching history.
  await db.schema
    .createTable('page_stats')
    .addColumn('page_id', 'integer', (c) => c.primaryKey().references('pages.id').onDelete('cascade'))
    .addColumn('followers', 'integer')
    .addColumn('exact', 'integer')
    .addColumn('collected_at', 'integer')
    .addColumn('previous_followers', 'integer')
    .addColumn('change_prev', 'integer')
    .addColumn('change_1d', 'integer')
    .addColumn('change_7d', 'integer')
    .addColumn('change_30d', 'integer')
    .addColumn('pct_1d', 'real')
    .addColumn('pct_7d', 'real')
    .addColumn('pct_30d', 'real')
    .addColumn('avg_views', 'integer')
    .addColumn('avg_views_at', 'integer')
    .addColumn('err', 'real')
    .execute()
  // Every index here is rewritten on each hourly sample of each page, so only the overview's main sort
  // keys get one; other columns sort by a scan of this 130,000-row table.
  for (const column of ['followers', 'change_7d', 'pct_7d']) {
    await db.schema.createIndex(`page_stats_${column}_idx`).on('page_stats').column(column).execute()
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['page_stats', 'daily_rollups', 'reach_snapshots', 'snapshots']) {
    await db.schema.dropTable(table).execute()
  }
}
