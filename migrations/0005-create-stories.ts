import type { Kysely } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
//
// Stories are low-volume (a few hundred a day), so times that people read are ISO text where they are
// only displayed (created_at) and unix seconds where they are compared with snapshots (published_at).
export async function up(db: Kysely<any>): Promise<void> {
  // News feeds (RSS 2.0 / Atom) registered by operators, with what the last poll said.
  await db.schema
    .createTable('story_sources')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('url', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text') // given by the operator; wins over feed_title
    .addColumn('feed_title', 'text') // as last read from the feed
    .addColumn('created_at', 'text', (c) => c.notNull()) // ISO-8601 UTC
    .addColumn('etag', 'text') // validators of the last feed body stored, for conditional requests
    .addColumn('last_modified', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending')) // pending | ok | not_modified | <error kind>
    .addColumn('status_message', 'text')
    .addColumn('status_at', 'integer') // unix seconds of the last poll
    .addColumn('last_ok_at', 'integer')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  // One row per story: from a feed (source_id set) or a manual note (source_id null).
  await db.schema
    .createTable('stories')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('source_id', 'integer', (c) => c.references('story_sources.id').onDelete('cascade'))
    .addColumn('guid', 'text') // the feed's guid / Atom id; unique per source
    .addColumn('link', 'text') // http(s) only, absolute
    .addColumn('canonical_link', 'text') // dedupe key across feeds when there is no guid match
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text') // plain text
    .addColumn('published_at', 'integer', (c) => c.notNull()) // unix seconds
    .addColumn('published_known', 'integer', (c) => c.notNull().defaultTo(1)) // 0: the feed gave no usable date; first-seen time used
    .addColumn('first_seen_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addUniqueConstraint('stories_source_guid_unique', ['source_id', 'guid'])
    .execute()
  await db.schema.createIndex('stories_canonical_link_idx').on('stories').column('canonical_link').execute()
  await db.schema.createIndex('stories_published_idx').on('stories').column('published_at').execute()
  await db.schema.createIndex('stories_source_published_idx').on('stories').columns(['source_id', 'published_at']).execute()

  // Which page a story is about. removed_at set = unlinked by hand: kept so re-matching never brings it back.
  await db.schema
    .createTable('page_stories')
    .addColumn('page_id', 'integer', (c) => c.notNull().references('pages.id').onDelete('cascade'))
    .addColumn('story_id', 'integer', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('origin', 'text', (c) => c.notNull()) // match | manual
    .addColumn('matched_alias', 'text') // the alias found in the story (origin = match)
    .addColumn('linked_at', 'integer', (c) => c.notNull())
    .addColumn('removed_at', 'integer')
    .addPrimaryKeyConstraint('page_stories_pk', ['page_id', 'story_id'])
    .execute()
  await db.schema.createIndex('page_stories_story_idx').on('page_stories').column('story_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('page_stories').execute()
  await db.schema.dropTable('stories').execute()
  await db.schema.dropTable('story_sources').execute()
}
