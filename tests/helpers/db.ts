import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { openDb } from '../../src/db/open.ts'
import type { Db } from '../../src/db/schema.ts'

/** A fresh migrated in-memory database, closed when the test ends. */
export async function testDb(): Promise<Db> {
  const db = openDb(':memory:')
  await migrateToLatest(db)
  onTestFinished(() => db.destroy())
  return db
}

/** A temporary folder removed when the test ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'publicpulse-test-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A fresh migrated database in a real file (WAL, restarts), in a temp folder removed when the test ends. */
export async function testDbFile(): Promise<{ db: Db; path: string; dir: string }> {
  const dir = tempDir()
  const path = join(dir, 'publicpulse.db')
  const db = openDb(path)
  await migrateToLatest(db)
  onTestFinished(() => db.destroy())
  return { db, path, dir }
}
