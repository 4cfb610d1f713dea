import type { Kysely } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
//
// Per run, for the operator's Collection page: the slowest pages (top 10) and each platform's pages
// and wall time, as one small JSON object ({"slowest": [...], "platforms": {...}}), written with the
// run's progress. '{}' for runs from before this migration.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('runs')
    .addColumn('timings', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('timings').execute()
}
