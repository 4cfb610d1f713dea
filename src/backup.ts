import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { migrations } from '../migrations/index.ts'
import { type Actor, recordAudit } from './auth/audit.ts'
import { migrateToLatest } from './db/migrate.ts'
import { openDb } from './db/open.ts'

/** A backup or restore that cannot be done safely; `message` says why and what to do. */
export class BackupError extends Error {
  override readonly name = 'BackupError'
}

export interface BackupInfo {
  path: string
  bytes: number
  pages: number
  snapshots: number
  /** Newest migration in the copy: the schema version it restores to. */
  schema: string
}

const stamp = (now: Date) => now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')

/** Opens a copy and checks it: SQLite's integrity check, a publicpulse schema this version knows. */
function inspect(path: string): Omit<BackupInfo, 'path'> {
  let db: SQLite.Database
  try {
    db = new SQLite(path, { readonly: true, fileMustExist: true })
  } catch (error) {
    throw new BackupError(`${path} cannot be opened as an SQLite database: ${(error as Error).message}`)
  }
  try {
    let integrity: unknown
    try {
      integrity = db.pragma('integrity_check', { simple: true })
    } catch (error) {
      throw new BackupError(`${path} cannot be read as an SQLite database: ${(error as Error).message}`)
    }
    if (integrity !== 'ok') throw new BackupError(`${path} is damaged (integrity check: ${String(integrity)}).`)
    const tables = new Set((db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((t) => t.name))
    if (!tables.has('pages') || !tables.has('kysely_migration')) throw new BackupError(`${path} is not a publicpulse database (no pages or migration table).`)
    const applied = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((m) => m.name)
    const unknown = applied.filter((name) => !(name in migrations))
    if (unknown.length) {
      throw new BackupError(`${path} was written by a newer publicpulse (schema ${unknown.join(', ')}); restore it with that version or newer.`)
    }
    const count = (table: string) => (tables.has(table) ? Number((db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n) : 0)
    return { bytes: statSync(path).size, pages: count('pages'), snapshots: count('snapshots'), schema: applied[applied.length - 1] ?? 'none' }
  } finally {
    db.close()
  }
}

/**
 * A consistent copy of the live database, taken with SQLite's online backup while the server keeps
 * running (readers and the collector are not stopped; the copy is the database as of one moment).
 * `target` is a new file, or an existing folder to get `publicpulse-<time>.db` in it. Never overwrites:
 * the copy is written beside as `.partial`, checked, then renamed. The result is a single file in
 * rollback-journal mode (no -wal/-shm to forget).
 */
export async function backupDatabase(databasePath: string, target: string, now = new Date()): Promise<BackupInfo> {
  if (databasePath === ':memory:' || databasePath.startsWith('file:')) throw new BackupError('An in-memory database cannot be backed up.')
  if (!existsSync(databasePath)) throw new BackupError(`There is no database at ${databasePath} (DATABASE_PATH).`)
  let path = resolve(target)
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, `publicpulse-${stamp(now)}.db`)
  if (existsSync(path)) throw new BackupError(`${path} exists already; backups never overwrite a file. Choose a new name or a folder.`)
  if (path === resolve(databasePath)) throw new BackupError('The backup cannot be the database itself.')
  if (!existsSync(dirname(path))) throw new BackupError(`The folder ${dirname(path)} does not exist.`)

  const partial = `${path}.partial`
  rmSync(partial, { force: true })
  const source = new SQLite(databasePath, { fileMustExist: true })
  try {
    source.pragma('busy_timeout = 5000')
    // All pages in one step: SQLite restarts a backup whose source another connection changed between
    // steps, so small steps never finish while the collector writes. One step reads one snapshot (WAL:
    // the server's writers are not blocked meanwhile).
    await source.backup(partial, { progress: () => 0x7fffffff })
  } catch (error) {
    rmSync(partial, { force: true })
    throw new BackupError(`The backup failed: ${(error as Error).message}`)
  } finally {
    source.close()
  }
  const copy = new SQLite(partial)
  try {
    copy.pragma('journal_mode = DELETE')
  } finally {
    copy.close()
  }
  try {
    const info = inspect(partial)
    renameSync(partial, path)
    return { path, ...info }
  } catch (error) {
    rmSync(partial, { force: true })
    throw error
  }
}

/** Checks a backup without touching anything (what `restore` would bring back). */
export const inspectBackup = (path: string): BackupInfo => ({ path: resolve(path), ...inspect(resolve(path)) })

export interface RestoreResult extends BackupInfo {
  /** Where the database that was replaced now is (kept, never deleted); undefined if there was none. */
  previous?: string
  /** Migrations applied to bring the restored copy up to this version. */
  migrated: string[]
}

/**
 * Puts a backup in place of the database. The server must be stopped: a database another process has
 * open is refused. The replaced database is first copied to `<database>.before-restore-<time>`; the
 * restored copy is then migrated forward to this version and the restore is written to its audit log.
 */
export async function restoreDatabase(backupPath: string, databasePath: string, actor: Actor, now = new Date()): Promise<RestoreResult> {
  if (databasePath === ':memory:' || databasePath.startsWith('file:')) throw new BackupError('An in-memory database cannot be restored into.')
  const backup = inspectBackup(backupPath)
  const target = resolve(databasePath)
  if (backup.path === target) throw new BackupError('The backup is the database itself.')
  let previous: string | undefined
  if (existsSync(target)) {
    const current = new SQLite(target, { fileMustExist: true })
    try {
      current.pragma('busy_timeout = 0')
      // Leaving WAL mode needs every other connection closed: the surest sign that no server runs on it.
      let mode: unknown
      try {
        mode = current.pragma('journal_mode = DELETE', { simple: true })
      } catch {
        mode = 'busy'
      }
      if (mode !== 'delete') throw new BackupError(`${target} is in use by another process; stop the publicpulse server first, then restore.`)
      previous = `${target}.before-restore-${stamp(now)}`
      await current.backup(previous)
    } finally {
      current.close()
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(target + suffix, { force: true })
  }
  copyFileSync(backup.path, target)
  const db = openDb(target)
  try {
    const migrated = await migrateToLatest(db)
    await recordAudit(db, actor, {
      action: 'database.restore',
      summary: `Restored the database from ${basename(backup.path)} (schema ${backup.schema}${migrated.length ? `, migrated to ${migrated[migrated.length - 1]}` : ''})${previous ? `; the replaced one is kept as ${basename(previous)}` : ''}`,
    }, now)
    return { ...backup, previous, migrated }
  } finally {
    await db.destroy()
  }
}
