import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database, Db } from './schema.ts'

/**
 * Opens (creating folder and file if needed) the SQLite database. WAL lets the dashboard read while a
 * collection writes; foreign keys make deleting a page delete its history; incremental auto-vacuum lets
 * the maintenance job give space back in small steps instead of one long VACUUM.
 */
export function openDb(path: string): Db {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true })
  const sqlite = new SQLite(path)
  // auto_vacuum must be chosen before the first table exists; it is a no-op on an existing file.
  sqlite.pragma('auto_vacuum = INCREMENTAL')
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
}
