import type SQLite from 'better-sqlite3'
import { sqliteOf } from './open.ts'
import type { Db } from './schema.ts'

const statements = new WeakMap<SQLite.Database, { others: SQLite.Statement<[], number>; own: SQLite.Statement<[], number> }>()

/**
 * A token that changes whenever the data in the database may have changed, so caches of answers
 * computed from it (src/http/response-cache.ts, the overview's totals) can tell a fresh entry from a
 * stale one without a timer. It combines two SQLite counters because neither sees every write:
 *
 * - `PRAGMA data_version` moves when ANOTHER connection commits (the CLI, a second process, a restore
 *   tool); it never moves for this connection's own writes.
 * - `total_changes()` counts the rows this connection inserted, updated or deleted. The collector, the
 *   API and form writes and session touches all go through the app's one connection, including the
 *   prepared-statement write path under Kysely (src/db/ingest.ts), so it sees those.
 *
 * Two statements prepared once per connection read them: a few microseconds, most of it the read lock
 * `data_version` takes on a WAL file (`total_changes()` reads no table and takes none). The token may
 * move when nothing visible changed (a rolled-back write, a session's last-seen touch): a cache then
 * recomputes once, which costs time, never correctness. Schema changes (migrations) are not counted;
 * they run before the app serves.
 */
export function dataVersion(db: Db): string {
  const sqlite = sqliteOf(db)
  let read = statements.get(sqlite)
  if (!read) {
    read = { others: sqlite.prepare<[], number>('pragma data_version').pluck(), own: sqlite.prepare<[], number>('select total_changes()').pluck() }
    statements.set(sqlite, read)
  }
  return `${read.others.get()}.${read.own.get()}`
}
