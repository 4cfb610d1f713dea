import type SQLite from 'better-sqlite3'
import { sqliteOf } from './open.ts'
import type { Db } from './schema.ts'

interface Reader {
  others: SQLite.Statement<[], number>
  own: SQLite.Statement<[], number>
}

const readers = new WeakMap<SQLite.Database, Reader>()

function readerOf(db: Db): Reader {
  const sqlite = sqliteOf(db)
  let reader = readers.get(sqlite)
  if (!reader) {
    reader = { others: sqlite.prepare<[], number>('pragma data_version').pluck(), own: sqlite.prepare<[], number>('select total_changes()').pluck() }
    readers.set(sqlite, reader)
  }
  return reader
}

/**
 * A token that changes whenever the data in the database may have changed, so caches of answers
 * computed from it (src/http/response-cache.ts, the overview's totals) can tell a fresh entry from a
 * stale one without a timer. It combines two SQLite counters because neither sees every write:
 *
 * - `PRAGMA data_version` moves when ANOTHER connection commits (the CLI, a second process); it never
 *   moves for this connection's own writes.
 * - `total_changes()` counts the rows this connection inserted, updated or deleted. The collector, the
 *   API and form writes and session touches all go through the app's one connection, including the
 *   prepared-statement write path under Kysely (src/db/ingest.ts), so it sees those.
 *
 * Two statements prepared once per connection read them: a few microseconds, most of it the read lock
 * `data_version` takes on a WAL file (`total_changes()` reads no table and takes none). The token may
 * move when nothing visible changed (a rolled-back write, a session's last-seen touch): a cache then
 * recomputes once, which costs time, never correctness. Schema changes (migrations) are not counted;
 * they run before the app serves. laggedDataVersion is a cheaper reader that sees other processes late.
 */
export function dataVersion(db: Db): string {
  const reader = readerOf(db)
  return `${reader.others.get()}.${reader.own.get()}`
}

/**
 * dataVersion for a caller that can see another process's commits up to `ms` late (by its clock
 * `now`): under load the read lock of `data_version` was the costliest part of answering a cached
 * request (7–17 µs of ~120), so that read is reused for `ms`. This process's own writes are still
 * seen at once. Each returned function keeps its own last read.
 */
export function laggedDataVersion(db: Db, lag: { ms: number; now: () => number }): () => string {
  const reader = readerOf(db)
  let last: { value: number; at: number } | null = null
  return () => {
    const at = lag.now()
    // A clock that went backwards (tests, NTP steps) reads again.
    if (!last || at < last.at || at - last.at >= lag.ms) last = { value: reader.others.get() as number, at }
    return `${last.value}.${reader.own.get()}`
  }
}
