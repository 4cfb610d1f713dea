import { Migrator, type Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { migrations } from '../../migrations/index.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { openDb } from '../../src/db/open.ts'
import { listPages } from '../../src/db/pages.ts'
import { listManagedPages } from '../../src/db/page-admin.ts'
import { listSnapshots, recordOutcome } from '../../src/db/snapshots.ts'
import { tempDir } from '../helpers/db.ts'
import { join } from 'node:path'

/**
 * Rows written by the code of each released schema version, right after that version's migration: the
 * upgrade to the latest must keep every one of them readable. Migrations without an entry here are
 * stepped through with no rows of their own.
 */
const SEEDS: Record<string, (db: Kysely<any>, step: number) => Promise<void>> = {
  '0001-create-pages': async (db) => {
    await db
      .insertInto('pages')
      .values([
        { platform: 'telegram', handle: 'durov', url: 'https://t.me/durov', title: 'Дуров', region: 'Москва', tags: '["founder"]', aliases: '["Павел Дуров"]', created_at: '2026-01-01T00:00:00.000Z' },
        { platform: 'vk', handle: 'club1', url: 'https://vk.com/club1', title: null, region: null, tags: '[]', aliases: '[]', created_at: '2026-01-02T00:00:00.000Z' },
      ])
      .execute()
  },
  '0002-create-snapshots': async (db) => {
    await db.insertInto('snapshots').values([
      { page_id: 1, collected_at: 1_767_225_600, followers: 11_000_000, exact: 1 },
      { page_id: 1, collected_at: 1_767_229_200, followers: 11_000_123, exact: 1 },
    ]).execute()
    await db.insertInto('page_stats').values({ page_id: 1, followers: 11_000_123, exact: 1, collected_at: 1_767_229_200 }).execute()
    // Day 20453 (the day before) and 20454, the day of the samples above.
    await db.insertInto('daily_rollups').values([
      { page_id: 1, day: 20_453, first: 10_990_000, last: 10_999_000, min: 10_990_000, max: 10_999_000, first_at: 1_767_139_200, last_at: 1_767_222_000, samples: 24, exact: 1, avg_views: 900 },
      { page_id: 1, day: 20_454, first: 11_000_000, last: 11_000_123, min: 11_000_000, max: 11_000_123, first_at: 1_767_225_600, last_at: 1_767_229_200, samples: 2, exact: 1, avg_views: null },
    ]).execute()
  },
  '0003-create-posts-and-runs': async (db) => {
    await db.insertInto('posts').values({ page_id: 1, post_id: '539', url: 'https://t.me/durov/539', published_at: 1_767_200_000, text: 'hello', views: 1000, first_seen_at: 1_767_225_600, updated_at: 1_767_225_600 }).execute()
    await db.insertInto('runs').values({ trigger: 'schedule', status: 'finished', started_at: 1_767_225_600, finished_at: 1_767_225_700, pages_total: 2 }).execute()
  },
  '0005-create-stories': async (db) => {
    await db.insertInto('story_sources').values({ url: 'https://example.org/feed.xml', created_at: '2026-01-03T00:00:00.000Z' }).execute()
  },
  '0006-create-accounts': async (db) => {
    await db.insertInto('users').values({ name: 'olga', role: 'operator', password_hash: 'scrypt$32768$8$1$x$y', created_at: '2026-01-04T00:00:00.000Z' }).execute()
    await db.insertInto('audit_log').values({ at: '2026-01-04T00:00:00.000Z', actor: 'cli (root)', actor_kind: 'cli', action: 'user.create', summary: 'Created operator "olga"' }).execute()
    await db.updateTable('pages').set({ category: 'founder' }).where('id', '=', 1).execute()
    await db.insertInto('pages').values({ platform: 'telegram', handle: 'archived_one', url: 'https://t.me/archived_one', created_at: '2026-01-05T00:00:00.000Z', active: 0, archived_at: '2026-01-06T00:00:00.000Z' }).execute()
  },
}

describe('schema migrations', () => {
  it('upgrade a database step by step from every released version to the latest, keeping the rows of each', async () => {
    const dir = tempDir()
    const db = openDb(join(dir, 'upgrade.db'))
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    const names = Object.keys(migrations)
    expect(names.slice(0, 3)).toEqual(['0001-create-pages', '0002-create-snapshots', '0003-create-posts-and-runs'])
    expect([...names].sort()).toEqual(names) // applied in name order: a new one must sort last
    for (const [step, name] of names.entries()) {
      const { error, results } = await migrator.migrateTo(name)
      expect(error, name).toBeUndefined()
      expect(results?.map((r) => r.migrationName), name).toEqual([name])
      await SEEDS[name]?.(db as Kysely<any>, step)
      expect((await db.selectFrom('pages').select('id').execute()).length, `pages survive ${name}`).toBeGreaterThanOrEqual(2)
    }
    // Nothing left to do, and the code of the latest version reads what every version wrote.
    expect(await migrateToLatest(db)).toEqual([])
    const pages = await listPages(db)
    expect(pages.map((p) => [p.handle, p.title, p.region, p.tags, p.aliases])).toEqual([
      ['durov', 'Дуров', 'Москва', ['founder'], ['Павел Дуров']],
      ['club1', 'club1', null, [], []],
    ])
    expect(pages[0]).toMatchObject({ followers: 11_000_123, category: 'founder', archivedAt: null })
    expect((await listSnapshots(db, 1, {})).map((s) => s.followers)).toEqual([11_000_000, 11_000_123])
    expect((await listManagedPages(db, { state: 'archived' }, { limit: 10, offset: 0 })).rows.map((r) => r.handle)).toEqual(['archived_one'])
    expect(await db.selectFrom('users').select('name').execute()).toEqual([{ name: 'olga' }])
    expect(await db.selectFrom('posts').select('views').execute()).toEqual([{ views: 1000 }])
    expect((await db.selectFrom('runs').selectAll().execute()).length).toBe(1)
    // The latest day of each page became its open day; the earlier one stayed in history.
    const days = () => db.selectFrom('daily_rollups').select(['day', 'first', 'last', 'samples', 'avg_views']).where('page_id', '=', 1).orderBy('day').execute()
    expect(await days()).toEqual([
      { day: 20_453, first: 10_990_000, last: 10_999_000, samples: 24, avg_views: 900 },
      { day: 20_454, first: 11_000_000, last: 11_000_123, samples: 2, avg_views: null },
    ])
    expect(await db.selectFrom('closed_days').select('day').execute()).toEqual([{ day: 20_453 }])
    // The page's history starts with the earlier day's first sample.
    expect(await db.selectFrom('page_stats').select('since').where('page_id', '=', 1).executeTakeFirst()).toEqual({ since: 1_767_139_200 })
    // The collector goes on where the old version stopped: the same day grows, the next one closes it.
    const sample = (followers: number) => ({ ok: true as const, sample: { followers, followersExact: true, title: null, platformId: null, posts: null } })
    await recordOutcome(db, { id: 1, consecutiveFailures: 0 }, sample(11_000_200), 1_767_232_800, { pauseAfterFailures: 3 })
    await recordOutcome(db, { id: 1, consecutiveFailures: 0 }, sample(11_000_300), 1_767_312_000, { pauseAfterFailures: 3 })
    expect(await days()).toEqual([
      { day: 20_453, first: 10_990_000, last: 10_999_000, samples: 24, avg_views: 900 },
      { day: 20_454, first: 11_000_000, last: 11_000_200, samples: 3, avg_views: null },
      { day: 20_455, first: 11_000_300, last: 11_000_300, samples: 1, avg_views: null },
    ])
    expect((await db.selectFrom('closed_days').select('day').execute()).map((r) => r.day)).toEqual([20_453, 20_454])
    await db.destroy()
  })

  it('refuses a database migrated by a newer version, and never migrates down', async () => {
    const dir = tempDir()
    const path = join(dir, 'newer.db')
    const db = openDb(path)
    await migrateToLatest(db)
    await db.insertInto('pages').values({ platform: 'telegram', handle: 'durov', url: 'https://t.me/durov', created_at: '2026-01-01T00:00:00.000Z' }).execute()
    await (db as Kysely<any>).insertInto('kysely_migration').values({ name: '9999-from-the-future', timestamp: new Date().toISOString() }).execute()
    await expect(migrateToLatest(db)).rejects.toThrow(/migrated by a newer publicpulse \(schema 9999-from-the-future; this version knows up to \d{4}-[\w-]+\)/)
    expect(await db.selectFrom('pages').select('handle').execute()).toEqual([{ handle: 'durov' }])
    await db.destroy()
  })
})
