import { type Kysely, type MigrationResultSet, Migrator } from 'kysely'
import { migrations } from '../../migrations/index.ts'
import type { Db } from './schema.ts'

/** Applies every pending migration; throws (stopping start-up) if one fails. Returns the names applied. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  await refuseNewerSchema(db)
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const result: MigrationResultSet = await migrator.migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`Migration ${failed} failed: ${(result.error as Error).message ?? String(result.error)}`, {
      cause: result.error,
    })
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * Migrations only go forward: a database that a newer publicpulse has migrated is refused with a
 * sentence (instead of Kysely's "corrupted migrations"), never migrated down.
 */
async function refuseNewerSchema(db: Db): Promise<void> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true })
  if (!tables.some((t) => t.name === 'kysely_migration')) return
  const applied = await (db as unknown as Kysely<{ kysely_migration: { name: string } }>).selectFrom('kysely_migration').select('name').execute()
  const unknown = applied.map((m) => m.name).filter((name) => !(name in migrations))
  if (unknown.length) {
    const latest = Object.keys(migrations).at(-1)
    throw new Error(
      `This database was migrated by a newer publicpulse (schema ${unknown.join(', ')}; this version knows up to ${latest}). Run that version or newer, or restore a backup made with this one.`,
    )
  }
}
