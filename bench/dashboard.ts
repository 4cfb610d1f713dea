// Timings of the dashboard's endpoints on a database of N pages with D days of hourly history
// (default 5,000 pages × 90 days = 10.8 million snapshots), over real HTTP on 127.0.0.1.
//
//   npx tsx bench/dashboard.ts [--pages 5000] [--days 90] [--runs 20] [--keep path.db]
//
// With --keep the database stays at that path, and a later run with the same path measures it again
// without seeding.
//
// The history is written in bulk with plain SQL (the collector's path would take hours for 10 million
// rows); page_stats and daily_rollups are filled with the same figures the write path computes.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import { createApp } from '../src/app.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'
import { silentLogger } from '../src/logger.ts'
import type { Collector } from '../src/scheduler/collect.ts'
import { serve } from '../tests/helpers/replay-server.ts'

const HOUR = 3600
const DAY = 86_400
const { values } = parseArgs({ options: { pages: { type: 'string', default: '5000' }, days: { type: 'string', default: '90' }, runs: { type: 'string', default: '20' }, keep: { type: 'string' } } })
const PAGES = Number(values.pages)
const DAYS = Number(values.days)
const RUNS = Number(values.runs)
const NOW = Date.UTC(2026, 10, 26, 12) / 1000
const HOURS = DAYS * 24
const START = NOW - HOURS * HOUR
const REGIONS = ['Ростовская область', 'Краснодарский край', 'Воронежская область', 'Волгоградская область', 'Астраханская область']
const TAGS = ['governor', 'ministry', 'city', 'district', 'school']

const dir = values.keep ? undefined : mkdtempSync(join(tmpdir(), 'publicpulse-bench-'))
const path = values.keep ?? join(dir!, 'bench.db')

async function seed() {
  const db = openDb(path)
  await migrateToLatest(db)
  await db.destroy()
  const sqlite = new SQLite(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = OFF')
  const insertPage = sqlite.prepare(`insert into pages (id, platform, handle, url, title, region, tags, created_at, status, status_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?)`)
  const insertSnapshot = sqlite.prepare('insert into snapshots (page_id, collected_at, followers, exact) values (?, ?, ?, 1)')
  const insertReach = sqlite.prepare('insert into reach_snapshots (page_id, collected_at, avg_views, posts_counted) values (?, ?, ?, 5)')
  const insertRollup = sqlite.prepare(`insert into closed_days (page_id, day, first, last, min, max, first_at, last_at, samples, exact, avg_views)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`)
  const insertStats = sqlite.prepare(`insert into page_stats (page_id, followers, exact, collected_at, previous_followers, change_prev, change_1d, change_7d, change_30d,
    pct_1d, pct_7d, pct_30d, avg_views, avg_views_at, err) values (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const insertPost = sqlite.prepare(`insert into posts (page_id, post_id, url, published_at, text, views, likes, reposts, comments, first_seen_at, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const started = Date.now()
  const pageRows = sqlite.transaction((from: number, to: number) => {
    for (let id = from; id < to; id++) {
      const telegram = id % 3 === 0
      const handle = `page${id}`
      insertPage.run(id, telegram ? 'telegram' : 'vk', handle, telegram ? `https://t.me/${handle}` : `https://vk.com/${handle}`, `Страница ${id}`, REGIONS[id % REGIONS.length], JSON.stringify([TAGS[id % TAGS.length]]), new Date(START * 1000).toISOString(), NOW)
      const base = 1000 + ((id * 7919) % 200_000)
      const slope = ((id % 21) - 5) / 10 // −0.5 … +1.5 followers an hour
      const at = (h: number) => Math.round(base + slope * h + 3 * Math.sin(h / 5 + id))
      // A 5-hour collection outage on every 40th page.
      const missing = (h: number) => id % 40 === 0 && h >= HOURS - 500 && h < HOURS - 495
      let day = -1
      let rollup: number[] = []
      const flush = () => {
        if (rollup.length === 0) return
        const first = rollup[0]!
        const last = rollup[rollup.length - 1]!
        const values = rollup.map((h) => at(h))
        insertRollup.run(id, day, at(first), at(last), Math.min(...values), Math.max(...values), START + first * HOUR, START + last * HOUR, rollup.length, 500 + (id % 300))
      }
      for (let h = 0; h <= HOURS; h++) {
        if (missing(h)) continue
        const t = START + h * HOUR
        insertSnapshot.run(id, t, at(h))
        if (h % 6 === 0) insertReach.run(id, t, 500 + (id % 300))
        const d = Math.floor(t / DAY)
        if (d !== day) {
          flush()
          day = d
          rollup = []
        }
        rollup.push(h)
      }
      flush()
      const now = at(HOURS)
      const change = (hours: number) => now - at(HOURS - hours)
      const pct = (hours: number) => (change(hours) / at(HOURS - hours)) * 100
      const views = 500 + (id % 300)
      insertStats.run(id, now, NOW, at(HOURS - 1), change(1), change(24), change(168), change(720), pct(24), pct(168), pct(720), views, NOW, (views / now) * 100)
      for (let p = 0; p < 20; p++) {
        const published = NOW - p * 8 * HOUR
        insertPost.run(id, String(p), `https://vk.com/wall-${id}_${p}`, published, `Пост ${p} страницы ${id}`, 300 + p * 10, 10, 2, 3, published, NOW)
      }
    }
  })
  for (let id = 1; id <= PAGES; id += 100) {
    pageRows(id, Math.min(PAGES + 1, id + 100))
    if ((id - 1) % 1000 === 0) process.stdout.write(`\r  seeding: ${id - 1} of ${PAGES} pages`)
  }
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  sqlite.exec('analyze')
  const snapshots = (sqlite.prepare('select count(*) as n from snapshots').get() as { n: number }).n
  sqlite.close()
  console.log(`\r  seeded ${PAGES.toLocaleString('en-US')} pages, ${snapshots.toLocaleString('en-US')} snapshots in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

async function measure() {
  const db = openDb(path)
  const collector: Collector = { run: async () => Promise.reject(new Error('not in the bench')), current: () => undefined }
  const app = createApp({ db, collector, logger: silentLogger(), operatorToken: 'bench-operator-token-0123456789', now: () => new Date(NOW * 1000), access: { publicDashboard: true, trustProxy: false } })
  const server = await serve(app)
  const region = encodeURIComponent(REGIONS[0]!)
  const compare = Array.from({ length: 10 }, (_, i) => i + 1).join(',')
  const cases: [string, string][] = [
    ['overview JSON, 50 by followers', '/api/overview?perPage=50'],
    ['overview JSON, one region by 7-day %', `/api/overview?region=${region}&sort=pct7d`],
    ['overview JSON, one tag by 7-day change, page 10', '/api/overview?tag=city&sort=change7d&page=10'],
    ['overview JSON, text search', '/api/overview?q=' + encodeURIComponent('страница 12')],
    ['overview HTML (/), with sparklines', '/'],
    ['series 7 days (168 raw points)', '/api/pages/7/series?range=7d'],
    ['series 30 days (720 raw points)', '/api/pages/7/series?range=30d'],
    [`series 90 days (${HOURS} samples → ≤ 1,000)`, '/api/pages/7/series?range=90d'],
    ['series 1 year (daily values)', '/api/pages/7/series?range=1y'],
    ['series avg views 90 days', '/api/pages/7/series?range=90d&metric=avgViews'],
    ['page HTML (/pages/7, 30 days)', '/pages/7'],
    ['page HTML (/pages/7, 90 days)', '/pages/7?range=90d'],
    ['compare HTML, 10 pages, 30 days', `/compare?pages=${compare}`],
    ['groups JSON by region', '/api/groups?by=region'],
    ['groups HTML with one region’s chart (30 days)', `/groups?key=${region}`],
    [`overview CSV export (all ${PAGES.toLocaleString('en-US')} rows)`, '/api/overview?export=csv'],
  ]
  console.log(`\n| request | median ms | p95 ms | bytes |\n| --- | ---: | ---: | ---: |`)
  for (const [label, url] of cases) {
    const times: number[] = []
    let bytes = 0
    for (let i = 0; i < RUNS + 2; i++) {
      const t0 = performance.now()
      const response = await fetch(server.url + url)
      const body = await response.arrayBuffer()
      if (response.status !== 200) throw new Error(`${url}: ${response.status} ${new TextDecoder().decode(body).slice(0, 200)}`)
      if (i >= 2) times.push(performance.now() - t0) // two warm-up requests
      bytes = body.byteLength
    }
    times.sort((a, b) => a - b)
    const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!
    console.log(`| ${label} | ${q(0.5).toFixed(1)} | ${q(0.95).toFixed(1)} | ${bytes.toLocaleString('en-US')} |`)
  }
  await server.close()
  await db.destroy()
}

console.log(`publicpulse dashboard bench: ${PAGES} pages × ${DAYS} days of hourly history, ${RUNS} runs per request`)
try {
  if (values.keep && existsSync(values.keep)) console.log(`  measuring the existing ${values.keep}`)
  else await seed()
  await measure()
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true })
}
