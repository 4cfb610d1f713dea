import type { Kysely } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('handle', 'text', (c) => c.notNull())
    .addColumn('platform_id', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('title', 'text') // given by the operator; wins over platform_title
    .addColumn('platform_title', 'text') // as last read from the platform
    .addColumn('region', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]')) // JSON array of strings
    .addColumn('aliases', 'text', (c) => c.notNull().defaultTo('[]')) // JSON array of strings
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('paused_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull()) // ISO-8601 UTC
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('status_message', 'text')
    .addColumn('status_at', 'integer') // unix seconds
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('posts_collected_at', 'integer')
    .addUniqueConstraint('pages_platform_handle_unique', ['platform', 'handle'])
    .execute()
  await db.schema.createIndex('pages_region_idx').on('pages').column('region').execute()
  await db.schema.createIndex('pages_status_idx').on('pages').column('status').execute()
  await db.schema.createIndex('pages_platform_id_idx').on('pages').columns(['platform', 'platform_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pages').execute()
}
