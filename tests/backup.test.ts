import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { cliActor } from '../src/auth/audit.ts'
import { BackupError, backupDatabase, restoreDatabase } from '../src/backup.ts'
import { runAdminCli } from '../src/cli-admin.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'
import { listPages } from '../src/db/pages.ts'
import { registerPage } from '../src/registry.ts'
import { startTestApp } from './helpers/app.ts'
import { tempDir, testDbFile } from './helpers/db.ts'

const NOW = new Date('2026-11-26T03:00:00Z')

describe('backup and restore', () => {
  it('copies the live database consistently while it is being written, and the copy restores to exactly that state', async () => {
    const { db, path, dir } = await testDbFile()
    const { call } = await startTestApp(db)
    for (const url of ['@durov', '@python', 'vk.com/club1']) expect((await call('POST', '/api/pages', { url })).status).toBe(201)
    const base = 1_780_000_000
    const write = (i: number) => db.insertInto('snapshots').values({ page_id: 1 + (i % 3), collected_at: base + i, followers: 1000 + i, exact: 1 }).execute()
    for (let i = 0; i < 3000; i++) await write(i)

    // A writer keeps adding snapshots on the server's connection while the backup copies.
    let written = 3000
    let writing = true
    const writer = (async () => {
      while (writing) {
        await write(written++)
        await new Promise((resolve) => setImmediate(resolve)) // let the backup's steps run, as a server's event loop would
      }
    })()
    const out: string[] = []
    const code = await runAdminCli(['backup', dir], { databasePath: path }, { out: (l) => out.push(l) })
    writing = false
    await writer
    expect(code).toBe(0)
    expect(written).toBeGreaterThan(3000) // the server really wrote during the backup
    const backupPath = /Backed up to (\S+):/.exec(out[0]!)![1]!
    expect(backupPath).toMatch(/publicpulse-\d{8}-\d{6}\.db$/)
    expect(out[0]).toMatch(/3 pages, \d+ snapshots, .* MB, schema \d{4}-[\w-]+, integrity ok\./)

    // The copy is one self-contained file holding a prefix of the writes: nothing torn, nothing missing in between.
    expect(existsSync(`${backupPath}-wal`)).toBe(false)
    const copy = new SQLite(backupPath, { readonly: true })
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete')
    const { n, max } = copy.prepare('select count(*) as n, max(collected_at) as max from snapshots').get() as { n: number; max: number }
    copy.close()
    expect(n).toBeGreaterThanOrEqual(3000)
    expect(n).toBeLessThanOrEqual(written)
    expect(max - base + 1).toBe(n)

    // Later changes, then the server stops and the backup is restored.
    expect((await call('POST', '/api/pages', { url: '@later_page' })).status).toBe(201)
    await expect(restoreDatabase(backupPath, path, cliActor(), NOW)).rejects.toThrow(/in use by another process; stop the publicpulse server first/)
    await db.destroy()
    const restored = await restoreDatabase(backupPath, path, cliActor(), NOW)
    expect(restored.previous).toBe(`${path}.before-restore-20261126-030000`)
    const reopened = openDb(path)
    expect(await migrateToLatest(reopened)).toEqual([])
    expect((await listPages(reopened)).map((p) => p.handle)).toEqual(['durov', 'python', 'club1'])
    expect(Number((await reopened.selectFrom('snapshots').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(n)
    const audit = await reopened.selectFrom('audit_log').selectAll().where('action', '=', 'database.restore').executeTakeFirstOrThrow()
    expect(audit.summary).toMatch(/^Restored the database from publicpulse-\d{8}-\d{6}\.db \(schema .*\); the replaced one is kept as publicpulse\.db\.before-restore-20261126-030000$/)
    await reopened.destroy()
    // Nothing was lost by restoring: the replaced database, later page included, is kept aside.
    const previous = openDb(restored.previous!)
    expect((await listPages(previous)).map((p) => p.handle)).toContain('later_page')
    await previous.destroy()
  })

  it('never overwrites, and refuses what it cannot restore safely', async () => {
    const { db, path, dir } = await testDbFile()
    await registerPage(db, { url: '@durov' }, NOW)
    const target = join(dir, 'copy.db')
    await backupDatabase(path, target, NOW)
    await expect(backupDatabase(path, target, NOW)).rejects.toThrow(/exists already; backups never overwrite/)
    await expect(backupDatabase(path, path, NOW)).rejects.toThrow(BackupError)
    await expect(backupDatabase(path, join(dir, 'no', 'such', 'folder', 'x.db'), NOW)).rejects.toThrow(/does not exist/)
    await expect(backupDatabase(join(dir, 'missing.db'), join(dir, 'y.db'), NOW)).rejects.toThrow(/There is no database/)
    await db.destroy()

    const junk = join(tempDir(), 'junk.db')
    writeFileSync(junk, 'not a database at all')
    await expect(restoreDatabase(junk, path, cliActor(), NOW)).rejects.toThrow(/junk\.db cannot be read as an SQLite database: file is not a database/)
    const newer = new SQLite(target)
    newer.prepare("insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2030-01-01')").run()
    newer.close()
    await expect(restoreDatabase(target, path, cliActor(), NOW)).rejects.toThrow(/written by a newer publicpulse \(schema 9999-from-the-future\)/)
    const err: string[] = []
    expect(await runAdminCli(['restore', target], { databasePath: path }, { out: () => {}, err: (l) => err.push(l) })).toBe(1)
    expect(err.join('\n')).toMatch(/newer publicpulse/)
    // The database itself is untouched by the refusals.
    const still = openDb(path)
    expect((await listPages(still)).map((p) => p.handle)).toEqual(['durov'])
    await still.destroy()
  })
})
