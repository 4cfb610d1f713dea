import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database, Db } from './schema.ts'

/**
 * SQLite's page cache for the connection (its default is 2 MB). Each hourly batch rewrites every page's
 * latest-values row and its index entry (about 25 MB at 130,000 pages), which should stay in memory
 * between batches instead of being read back from the file. Filled only as pages are read; 64 MB was
 * slower in the bench (51,000–54,000 rows/s against 55,000) and took the collector past 300 MB of memory.
 */
const CACHE_MB = 32

/**
 * WAL pages after which a commit copies the log back into the database file (SQLite's default: 1,000,
 * 4 MB). Each copy ends with fsyncs, and a collection commits every second or 5,000 pages; at 8,192
 * pages (32 MB) an hourly run of 130,000 pages checkpoints a few times instead of at every commit,
 * which the bench measured as an eighth of the write path. The maintenance job also checkpoints.
 */
const WAL_AUTOCHECKPOINT_PAGES = 8192

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
  sqlite.pragma(`cache_size = ${-CACHE_MB * 1024}`)
  sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
  // Temporary tables and sorts in memory: the write path's batch table (see db/ingest.ts) is filled and
  // emptied with every batch, and in a file each of those went through a rollback journal on disk. Large
  // sorts stay in memory too: a CSV export of 130,000 pages by an unindexed column, tens of megabytes.
  // Set before any temporary table exists: changing it later drops them.
  sqlite.pragma('temp_store = MEMORY')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  handles.set(db, sqlite)
  return db
}

const handles = new WeakMap<Db, SQLite.Database>()

/** The better-sqlite3 connection under a Db opened by openDb (for the prepared-statement write path). */
export function sqliteOf(db: Db): SQLite.Database {
  const handle = handles.get(db)
  if (!handle) throw new Error('this database was not opened by openDb()')
  return handle
}
