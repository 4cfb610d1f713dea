import type SQLite from 'better-sqlite3'
import { sqliteOf } from './open.ts'
import type { Db } from './schema.ts'

interface Reader {
  others: SQLite.Statement<[], number>
  own: SQLite.Statement<[], number>
  /** The last `data_version` read, and when (by the clock of the caller that asked for a lag). */
  last: { value: number; at: number } | null
}

const readers = new WeakMap<SQLite.Database, Reader>()

export interface OthersLag {
  /** How long a `data_version` read is reused: another process's commits may be seen this late. */
  ms: number
  now: () => number
}

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
 *
 * `othersLag` trades a little of the first for speed: under load the read lock of `data_version` was
 * the costliest part of answering a cached request (7–17 µs of ~120). With it, another process's
 * commits are seen up to `othersLag.ms` late; this process's own writes are still seen at once.
 */
export function dataVersion(db: Db, othersLag?: OthersLag): string {
  const sqlite = sqliteOf(db)
  let reader = readers.get(sqlite)
  if (!reader) {
    reader = { others: sqlite.prepare<[], number>('pragma data_version').pluck(), own: sqlite.prepare<[], number>('select total_changes()').pluck(), last: null }
    readers.set(sqlite, reader)
  }
  return `${othersVersion(reader, othersLag)}.${reader.own.get()}`
}

function othersVersion(reader: Reader, lag: OthersLag | undefined): number {
  if (!lag) return reader.others.get() as number
  const at = lag.now()
  const last = reader.last
  // A clock that went backwards (tests, NTP steps) reads again.
  if (last && at >= last.at && at - last.at < lag.ms) return last.value
  reader.last = { value: reader.others.get() as number, at }
  return reader.last.value
}
