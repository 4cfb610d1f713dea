import type { Kysely } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
// Small facts about the database itself, e.g. up to when raw samples were thinned by retention.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('settings').execute()
}
