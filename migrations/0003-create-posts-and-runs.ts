import type { Kysely } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Recent posts with their latest counters: one row per post, updated in place (not history).
  await db.schema
    .createTable('posts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('page_id', 'integer', (c) => c.notNull().references('pages.id').onDelete('cascade'))
    .addColumn('post_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('published_at', 'integer', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('views', 'integer')
    .addColumn('likes', 'integer')
    .addColumn('reposts', 'integer')
    .addColumn('comments', 'integer')
    .addColumn('first_seen_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addUniqueConstraint('posts_page_post_unique', ['page_id', 'post_id'])
    .execute()
  await db.schema.createIndex('posts_page_published_idx').on('posts').columns(['page_id', 'published_at']).execute()

  // One row per collection run. A run still 'running' when the process starts was interrupted.
  await db.schema
    .createTable('runs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('trigger', 'text', (c) => c.notNull()) // schedule | manual | cli | catch-up
    .addColumn('status', 'text', (c) => c.notNull()) // running | finished | interrupted | failed
    .addColumn('started_at', 'integer', (c) => c.notNull())
    .addColumn('finished_at', 'integer')
    .addColumn('pages_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pages_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pages_ok', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pages_failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status_counts', 'text', (c) => c.notNull().defaultTo('{}')) // JSON {status: count}
    .addColumn('error', 'text')
    .execute()
  await db.schema.createIndex('runs_started_idx').on('runs').column('started_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('runs').execute()
  await db.schema.dropTable('posts').execute()
}
