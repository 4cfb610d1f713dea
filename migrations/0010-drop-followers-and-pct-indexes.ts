import type { Kysely } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
//
// Every index on page_stats is rewritten by every sample of every page: measured by `npm run bench`,
// the indexes on followers and pct_7d made the hourly write of 130,000 pages 40 % slower. The
// overview's ranking by 7-day growth keeps its index (an index walk: a few ms at 130,000 pages); a
// sort by followers or by 7-day % scans page_stats instead (tens of ms at 130,000 pages, a few within
// one region).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('page_stats_followers_idx').execute()
  await db.schema.dropIndex('page_stats_pct_7d_idx').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('page_stats_followers_idx').on('page_stats').column('followers').execute()
  await db.schema.createIndex('page_stats_pct_7d_idx').on('page_stats').column('pct_7d').execute()
}
