import { describe, expect, it } from 'vitest'
import { insertPage } from '../../src/db/pages.ts'
import { sqliteOf } from '../../src/db/open.ts'
import type { Db } from '../../src/db/schema.ts'
import { recordOutcomes } from '../../src/db/snapshots.ts'
import { testDbFile } from '../helpers/db.ts'

const T0 = Date.UTC(2026, 10, 1) / 1000

/**
 * The SQL of the collector's write path, as SQLite's planner will run it. The statements are prepared
 * on a connection's first write; the test watches the connection's prepare() to see their text.
 */
async function writePathPlans(db: Db, beforeFirstWrite: () => void = () => {}): Promise<Map<string, string[]>> {
  const sqlite = sqliteOf(db)
  const texts: string[] = []
  const prepare = sqlite.prepare.bind(sqlite)
  sqlite.prepare = ((source: string) => (texts.push(source), prepare(source))) as typeof sqlite.prepare
  beforeFirstWrite()
  const ids = []
  for (let i = 1; i <= 3; i++) ids.push((await insertPage(db, { platform: 'vk', handle: `club${i}`, url: `https://vk.com/club${i}` }, new Date(T0 * 1000))).id)
  const sample = (followers: number) => ({ followers, followersExact: true, title: 'Page', platformId: null, posts: null })
  await recordOutcomes(db, ids.map((id) => ({ page: { id, consecutiveFailures: 0 }, outcome: { ok: true as const, sample: sample(1000 + id) } })), T0, { pauseAfterFailures: 3 })
  sqlite.prepare = prepare
  const plans = new Map<string, string[]>()
  for (const text of texts.filter((t) => /count_batch/.test(t))) {
    const params = (text.match(/\?/g) ?? []).map(() => null)
    plans.set(text, (prepare(`explain query plan ${text}`).all(...params) as { detail: string }[]).map((r) => r.detail))
  }
  return plans
}

describe('the write path', () => {
  // With a key on the batch table, SQLite chose to scan all of page_stats and pages once per batch and
  // look each row up in the batch: at 130,000 pages an hourly run took several times as long.
  it('looks each page of a batch up by key; it never scans the registry or the latest values', async () => {
    const { db } = await testDbFile()
    const plans = await writePathPlans(db)
    expect(plans.size).toBeGreaterThanOrEqual(4)
    const all = [...plans.values()].flat()
    expect(all.filter((step) => /^SCAN (pages|ps)\b/.test(step))).toEqual([])
    expect(all).toContain('SEARCH pages USING INTEGER PRIMARY KEY (rowid=?)')
    expect(all.filter((step) => /^SEARCH ps USING INTEGER PRIMARY KEY/.test(step)).length).toBeGreaterThanOrEqual(2)
  })

  it('keeps that plan once the database has planner statistics (ANALYZE)', async () => {
    const { db } = await testDbFile()
    const sqlite = sqliteOf(db)
    for (let i = 0; i < 500; i++) sqlite.prepare("insert into pages (platform, handle, url, created_at) values ('telegram', ?, ?, '2026-11-01')").run(`c${i}`, `https://t.me/c${i}`)
    sqlite.exec('insert into page_stats (page_id, followers) select id, 1 from pages')
    sqlite.exec('analyze')
    const all = [...(await writePathPlans(db)).values()].flat()
    expect(all.filter((step) => /^SCAN (pages|ps)\b/.test(step))).toEqual([])
  })
})
