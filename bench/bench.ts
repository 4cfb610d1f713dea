// `npm run bench`: the figures the scale issue asks for, measured in one process on a temporary
// database. Flags: --pages N (130000), --hours N (77), --series-hours N (8760), --collect-vk N (130000),
// --collect-tg N (5000), --seconds N (autocannon duration, 5), --spacing-hours N (3), --json. See README "Performance".
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir, cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import autocannon from 'autocannon'
import type SQLite from 'better-sqlite3'
import { Hono } from 'hono'
import { createApp } from '../src/app.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { openDb, sqliteOf } from '../src/db/open.ts'
import type { Db } from '../src/db/schema.ts'
import { recordOutcomes, WRITE_BATCH, type OutcomeItem } from '../src/db/snapshots.ts'
import { readConfig } from '../src/config.ts'
import { silentLogger } from '../src/logger.ts'
import { createPlatforms } from '../src/platforms/index.ts'
import { createCollector } from '../src/scheduler/collect.ts'
import { listOverviewRows, overviewTotals, type OverviewQuery } from '../src/db/overview.ts'
import { pageSeries } from '../src/db/series.ts'

export interface BenchOptions {
  pages: number
  hours: number
  seriesHours: number
  collectVk: number
  collectTg: number
  seconds: number
  /** Alternating rounds of the API and the bare route (3). */
  apiRounds?: number
  /** Hours between two storage samples of a page (3). */
  spacingHours?: number
  log?: (line: string) => void
}

export type Figure = { name: string; value: number | string; unit: string; size: string; target?: string; p95?: number }

const HOUR = 3600
/**
 * Storage samples are 3 hours apart by default, so 77 samples per page span 9.6 days and the 1- and
 * 7-day changes the overview sorts by exist (the bytes and rows are the same as 77 hourly samples).
 * `--spacing-hours 12` spans 38 days: every page then has a 30-day baseline too, as in steady state.
 */
const DEFAULT_SPACING_HOURS = 3
const T0 = Date.UTC(2026, 0, 1) / 1000
const BATCH = 500

const median = (xs: number[]) => quantile(xs, 0.5)
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

async function freshDb(dir: string, name: string): Promise<{ db: Db; path: string }> {
  const path = join(dir, name)
  const db = openDb(path)
  await migrateToLatest(db)
  return { db, path }
}

/** Registers `count` pages: VK clubs with ids 1..count, regions of 5,000 pages each. */
export async function seedPages(db: Db, count: number, platform: 'vk' | 'telegram' = 'vk'): Promise<void> {
  const created = new Date(T0 * 1000).toISOString()
  for (let start = 1; start <= count; start += BATCH) {
    const rows = []
    for (let id = start; id < Math.min(count + 1, start + BATCH); id++) {
      const handle = platform === 'vk' ? `club${id}` : `channel_${id}`
      rows.push({
        platform,
        handle,
        url: platform === 'vk' ? `https://vk.com/${handle}` : `https://t.me/${handle}`,
        region: `Region ${String(Math.ceil(id / 5000)).padStart(2, '0')}`,
        tags: JSON.stringify([id % 3 === 0 ? 'governor' : 'municipal']),
        created_at: created,
        platform_id: null,
        title: null,
        platform_title: `Page ${id}`,
        paused_reason: null,
        status_message: null,
        status_at: null,
        posts_collected_at: null,
      })
    }
    await db.insertInto('pages').values(rows).execute()
  }
}

/** A page's follower count at hour h: steady growth per page plus some noise. */
const followersAt = (page: number, h: number) => 1000 + (page * 7919) % 200_000 + h * (page % 7) + ((page * h) % 13)

function hourItems(pages: number, h: number, from = 1): OutcomeItem[][] {
  const batches: OutcomeItem[][] = []
  for (let start = from; start <= pages; start += WRITE_BATCH) {
    const batch: OutcomeItem[] = []
    for (let id = start; id < Math.min(pages + 1, start + WRITE_BATCH); id++) {
      batch.push({
        page: { id, consecutiveFailures: 0 },
        outcome: { ok: true, sample: { followers: followersAt(id, h), followersExact: true, title: `Page ${id}`, platformId: `-${id}`, posts: null } },
      })
    }
    batches.push(batch)
  }
  return batches
}

/** Ingests one hour for every page through the collector's write path; returns rows/s. */
async function ingestHour(db: Db, pages: number, h: number, spacingHours: number): Promise<number> {
  const batches = hourItems(pages, h)
  const started = performance.now()
  for (const batch of batches) await recordOutcomes(db, batch, T0 + h * HOUR * spacingHours, { pauseAfterFailures: 5 })
  return pages / ((performance.now() - started) / 1000)
}

/** The same rows through a bare prepared better-sqlite3 insert into the same snapshots table, one transaction. */
function rawInsertHour(sqlite: SQLite.Database, pages: number, h: number, at: number): number {
  const insert = sqlite.prepare('insert into snapshots (page_id, collected_at, followers, exact) values (?, ?, ?, ?)')
  const rows = Array.from({ length: pages }, (_, i) => [i + 1, at, followersAt(i + 1, h), 1] as const)
  const started = performance.now()
  sqlite.transaction(() => {
    for (const r of rows) insert.run(r[0], r[1], r[2], r[3])
  })()
  return pages / ((performance.now() - started) / 1000)
}

export async function storageBench(dir: string, o: BenchOptions, figures: Figure[]): Promise<Db> {
  const spacing = o.spacingHours ?? DEFAULT_SPACING_HOURS
  const log = o.log ?? (() => {})
  const { db, path } = await freshDb(dir, 'storage.db')
  await seedPages(db, o.pages)
  const ingestRates: number[] = []
  const rawRates: number[] = []
  // The app's own connection: the bare insert runs with exactly the settings the write path has.
  const raw = sqliteOf(db)
  for (let h = 0; h < o.hours; h++) {
    ingestRates.push(await ingestHour(db, o.pages, h, spacing))
    // Every 8th hour, the same rows through a bare insert at a half-hour stamp, then removed again.
    if (h % 8 === 7 || h === o.hours - 1) {
      const at = T0 + h * HOUR * spacing + HOUR / 2
      rawRates.push(rawInsertHour(raw, o.pages, h, at))
      raw.prepare('delete from snapshots where collected_at = ?').run(at)
    }
    if (h % 10 === 9) log(`  ingested ${h + 1}/${o.hours} hours (${Math.round(median(ingestRates))} rows/s)`)
  }
  raw.pragma('wal_checkpoint(TRUNCATE)')
  const samples = o.pages * o.hours
  const snapshotBytes = Number((raw.prepare("select sum(pgsize) as b from dbstat where name = 'snapshots'").get() as { b: number }).b)
  const indexBytes = Number((raw.prepare("select coalesce(sum(pgsize), 0) as b from dbstat where name in (select name from sqlite_master where type = 'index' and tbl_name = 'snapshots')").get() as { b: number }).b)
  const fileBytes = statSync(path).size
  const size = `${o.pages.toLocaleString('en-US')} pages × ${o.hours} samples (every ${spacing} h) = ${samples.toLocaleString('en-US')} samples`
  const ingest = median(ingestRates)
  const rawRate = median(rawRates)
  figures.push(
    { name: 'ingest_rows_per_s', value: Math.round(ingest), unit: 'rows/s', size: `${o.pages.toLocaleString('en-US')} rows per hourly batch (median of ${o.hours})`, p95: Math.round(quantile(ingestRates, 0.05)) },
    { name: 'raw_insert_rows_per_s', value: Math.round(rawRate), unit: 'rows/s', size: `same rows, bare prepared insert (median of ${rawRates.length})` },
    { name: 'ingest_ratio', value: round(ingest / rawRate), unit: '', size: 'ingest ÷ raw', target: '≥ 0.5' },
    { name: 'bytes_per_sample', value: round((snapshotBytes + indexBytes) / samples), unit: 'B', size, target: '≤ 20' },
    { name: 'file_bytes_per_sample', value: round(fileBytes / samples), unit: 'B', size: `${size}; whole file: roll-ups, latest values, pages` },
  )
  return db
}

/** Starts bench/platform-sim.ts in its own process; resolves with its base URL. */
async function startSimulator(latencyMs: number): Promise<{ url: string; child: ChildProcess; counters(): Promise<Record<string, number>> }> {
  const script = fileURLToPath(new URL('./platform-sim.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, SIM_LATENCY_MS: String(latencyMs) }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`platform simulator exited with ${code}`)))
    child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port))
  })
  const url = `http://127.0.0.1:${port}`
  return { url, child, counters: async () => (await fetch(`${url}/counters`)).json() as Promise<Record<string, number>> }
}

/** Samples this process's resident memory every 100 ms while `work` runs. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100)
  try {
    const result = await work()
    return { result, peakMb: Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024 }
  } finally {
    clearInterval(timer)
  }
}

export async function collectBench(dir: string, o: BenchOptions, figures: Figure[]): Promise<void> {
  const log = o.log ?? (() => {})
  const sim = await startSimulator(20)
  try {
    const { db } = await freshDb(dir, 'collect.db')
    // Posts are on their slower cadence (read recently), so this is the hourly count run.
    const recent = Math.floor(Date.now() / 1000)
    await seedPages(db, o.collectVk, 'vk')
    await db.updateTable('pages').set({ posts_collected_at: recent }).execute()
    const config = readConfig({
      VK_TOKEN: 'bench-token',
      VK_API_URL: `${sim.url}/vk/method`,
      TELEGRAM_URL: `${sim.url}/tg`,
      TELEGRAM_CONCURRENCY: '16',
      TELEGRAM_INTERVAL_MS: '0',
      LOG_LEVEL: 'silent',
    })
    const collector = createCollector({ db, platforms: createPlatforms(config), logger: silentLogger(), ...config })
    log(`  collecting ${o.collectVk.toLocaleString('en-US')} VK pages at 3 requests/s…`)
    const vk = await peakRss(async () => {
      const started = performance.now()
      const run = await collector.run('manual')
      return { run, seconds: (performance.now() - started) / 1000 }
    })
    const calls = Math.ceil(o.collectVk / config.vk.batchSize)
    const floor = (calls - 1) / config.vk.requestsPerSecond
    const throttled = (await sim.counters()).vkThrottled ?? 0
    figures.push({
      name: 'collect_130k_vk_s',
      value: round(vk.result.seconds, 1),
      unit: 's',
      size: `${o.collectVk.toLocaleString('en-US')} VK pages, ${calls} groups.getById calls, 20 ms latency; ${vk.result.run.ok} ok, ${throttled} throttled by the simulator`,
      target: `≤ ${round(floor * 1.1, 1)} (VK's 3/s allows ${round(floor, 1)})`,
    })

    await db.deleteFrom('pages').execute()
    await seedPages(db, o.collectTg, 'telegram')
    await db.updateTable('pages').set({ posts_collected_at: recent }).execute()
    log(`  collecting ${o.collectTg.toLocaleString('en-US')} Telegram channels…`)
    const tg = await peakRss(async () => {
      const started = performance.now()
      const run = await collector.run('manual')
      return { run, seconds: (performance.now() - started) / 1000 }
    })
    figures.push(
      { name: 'collect_5k_tg_s', value: round(tg.result.seconds, 1), unit: 's', size: `${o.collectTg.toLocaleString('en-US')} channels, 16 at once, 20 ms latency; ${tg.result.run.ok} ok` },
      { name: 'peak_rss_mb', value: Math.round(Math.max(vk.peakMb, tg.peakMb)), unit: 'MB', size: 'whole bench process during both runs', target: '≤ 300' },
    )
    await db.destroy()
  } finally {
    sim.child.kill()
  }
}

/** Runs `fn` `n` times (after two warm-up calls); returns the latencies in ms. */
async function latencies(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn()
  await fn()
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    await fn()
    out.push(performance.now() - started)
  }
  return out
}

const latencyFigure = (name: string, xs: number[], size: string, target?: string): Figure => ({
  name,
  value: round(median(xs)),
  p95: round(quantile(xs, 0.95)),
  unit: 'ms',
  size,
  target,
})

/** Overview and series latencies on the storage bench's database, plus one page with a year of hourly history. */
export async function queryBench(db: Db, o: BenchOptions, figures: Figure[]): Promise<void> {
  const log = o.log ?? (() => {})
  // One screen: the rows, sorted by 7-day growth. The totals line over the filtered set is measured
  // apart: the HTTP layer reuses it for 30 s (src/http/ttl-cache.ts), so most screens do not pay it.
  const now = T0 + (o.hours - 1) * HOUR * (o.spacingHours ?? DEFAULT_SPACING_HOURS)
  const screen = (filter: Partial<OverviewQuery>) => () =>
    listOverviewRows(db, { sort: 'change7d', order: 'desc', ...filter }, 0, 50, now)
  if ((await screen({})()).length === 0) throw new Error('the overview returned no rows')
  figures.push(
    latencyFigure('overview_ms', await latencies(50, screen({})), `first 50 of ${o.pages.toLocaleString('en-US')} pages by 7-day growth`, 'p95 ≤ 25'),
    latencyFigure('overview_followers_ms', await latencies(50, screen({ sort: 'followers' })), `first 50 of ${o.pages.toLocaleString('en-US')} pages by followers (the dashboard's default; a scan, no index)`),
    latencyFigure('overview_region_ms', await latencies(50, screen({ region: 'Region 01' })), `first 50 of one region (${Math.min(o.pages, 5000).toLocaleString('en-US')} pages)`, 'p95 ≤ 25'),
    latencyFigure('overview_totals_ms', await latencies(10, () => overviewTotals(db, {}, now)), `totals line over all ${o.pages.toLocaleString('en-US')} pages, uncached`),
  )

  // One more page with a year of hourly samples, written through the collector's path.
  log(`  writing ${o.seriesHours.toLocaleString('en-US')} hourly samples for one page…`)
  const pageId = o.pages + 1
  await db.insertInto('pages').values({ platform: 'vk', handle: `club${pageId}`, url: `https://vk.com/club${pageId}`, created_at: new Date(T0 * 1000).toISOString(), platform_id: null, title: null, platform_title: null, region: 'Region 99', paused_reason: null, status_message: null, status_at: null, posts_collected_at: null }).execute()
  const start = T0 - o.seriesHours * HOUR
  for (let h = 0; h < o.seriesHours; h++) {
    // A collection outage every 1,000 hours leaves a gap of 5 hours.
    if (h % 1000 >= 995) continue
    await recordOutcomes(db, [{ page: { id: pageId, consecutiveFailures: 0 }, outcome: { ok: true, sample: { followers: 13_000 + h, followersExact: true, title: null, platformId: null, posts: null } } }], start + h * HOUR, { pauseAfterFailures: 5 })
  }
  const end = start + o.seriesHours * HOUR
  const series = (days: number) => () => pageSeries(db, pageId, 'followers', { from: end - days * 86_400, to: end })
  const year = await series(365)()
  figures.push(
    latencyFigure('series_ms', await latencies(50, series(365)), `1 year of hourly data (${o.seriesHours.toLocaleString('en-US')} samples) → ${year.points.length} ${year.resolution} points`, 'p95 ≤ 10'),
    latencyFigure('series_90d_ms', await latencies(50, series(90)), `90 days of hourly data → ${(await series(90)()).points.length} points`),
  )
}

/** Runs every section; returns the figures in the order they are printed. */
export async function runBench(o: BenchOptions): Promise<{ figures: Figure[]; machine: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'publicpulse-bench-'))
  const figures: Figure[] = []
  const log = o.log ?? (() => {})
  try {
    // Collection first, so its peak memory is the collector's, not what earlier sections left in the heap.
    log('collection')
    const collected: Figure[] = []
    await collectBench(dir, o, collected)
    log(`storage: ${o.pages.toLocaleString('en-US')} pages × ${o.hours} samples`)
    const db = await storageBench(dir, o, figures)
    log('queries')
    await queryBench(db, o, figures)
    log('HTTP')
    await apiBench(db, o, figures)
    await db.destroy()
    figures.push(...collected)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  const machine = `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, SQLite via better-sqlite3`
  return { figures, machine }
}

/** The figures as a Markdown table (what the README shows). */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => `| ${f.name} | ${f.value}${f.unit ? ` ${f.unit}` : ''} | ${f.p95 ?? ''} | ${f.target ?? ''} | ${f.size} |`)
  return ['| figure | value (median) | p95 | target | size |', '| --- | --- | --- | --- | --- |', ...rows].join('\n')
}

async function main() {
  const { values } = parseArgs({
    options: {
      pages: { type: 'string', default: '130000' },
      hours: { type: 'string', default: '77' },
      'series-hours': { type: 'string', default: '8760' },
      'collect-vk': { type: 'string', default: '130000' },
      'collect-tg': { type: 'string', default: '5000' },
      seconds: { type: 'string', default: '5' },
      'spacing-hours': { type: 'string', default: String(DEFAULT_SPACING_HOURS) },
      json: { type: 'boolean', default: false },
    },
  })
  const num = (name: keyof typeof values) => {
    const n = Number(values[name])
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`)
    return n
  }
  const options: BenchOptions = {
    pages: num('pages'),
    hours: num('hours'),
    seriesHours: num('series-hours'),
    collectVk: num('collect-vk'),
    collectTg: num('collect-tg'),
    seconds: num('seconds'),
    spacingHours: num('spacing-hours'),
    log: values.json ? () => {} : (line) => console.error(line),
  }
  const { figures, machine } = await runBench(options)
  if (values.json) {
    console.log(JSON.stringify({ machine, figures: Object.fromEntries(figures.map((f) => [f.name, { value: f.value, p95: f.p95, unit: f.unit, size: f.size, target: f.target }])) }, null, 2))
  } else {
    console.log(`\n${formatTable(figures)}\n\nMachine: ${machine}`)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(`bench failed: ${(error as Error).message}`)
    process.exit(1)
  })
}

/** Requests/s of the overview API next to a bare Hono route, both served by this process over loopback. */
export async function apiBench(db: Db, o: BenchOptions, figures: Figure[]): Promise<void> {
  const logger = silentLogger()
  const config = readConfig({ LOG_LEVEL: 'silent' })
  const collector = createCollector({ db, platforms: createPlatforms(config), logger, ...config })
  const app = createApp({ db, collector, logger, operatorToken: 'bench-operator-token-0000', access: { publicDashboard: true, trustProxy: false } })
  const hello = new Hono().get('/hello', (c) => c.text('hello'))
  const serve = async (fetchApp: Pick<Hono, 'fetch'>, path: string) => {
    const server = createAdaptorServer({ fetch: fetchApp.fetch })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`
    const check = await fetch(url)
    if (check.status !== 200) throw new Error(`${path} answered ${check.status}: ${(await check.text()).slice(0, 200)}`)
    return { url, path, close: () => server.close() }
  }
  const measure = async (target: { url: string; path: string }, seconds = o.seconds) => {
    const result = await autocannon({ url: target.url, connections: 10, duration: seconds })
    if (result.non2xx || result.errors) throw new Error(`${target.path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
    return result.requests.average
  }
  // This machine's speed drifts by half from one second to the next (other work on the host), so one
  // run of each would mostly measure when it ran: the two alternate for a few rounds, and the figures
  // are medians. A second of each beforehand is not counted: the first seconds of a route run
  // before the JIT has compiled it and measured half of what the next ones did.
  const rounds = o.apiRounds ?? 3
  const [apiTarget, bareTarget] = [await serve(app, '/api/overview?perPage=50'), await serve(hello, '/hello')]
  const apiRates: number[] = []
  const bareRates: number[] = []
  const ratios: number[] = []
  try {
    await measure(apiTarget, 1)
    await measure(bareTarget, 1)
    // Each round's ratio of the two, in turns of which goes first, so a steady drift favours neither.
    for (let round = 0; round < rounds; round++) {
      let api: number, bare: number
      if (round % 2 === 0) {
        api = await measure(apiTarget)
        bare = await measure(bareTarget)
      } else {
        bare = await measure(bareTarget)
        api = await measure(apiTarget)
      }
      apiRates.push(api)
      bareRates.push(bare)
      ratios.push(api / bare)
    }
  } finally {
    apiTarget.close()
    bareTarget.close()
  }
  const api = median(apiRates)
  const bare = median(bareRates)
  figures.push(
    { name: 'api_rps', value: Math.round(api), unit: 'req/s', size: `GET /api/overview?perPage=50 at ${o.pages.toLocaleString('en-US')} pages, 10 connections, ${o.seconds} s, median of ${rounds} rounds` },
    { name: 'hello_rps', value: Math.round(bare), unit: 'req/s', size: 'bare Hono route, same process, in alternation' },
    { name: 'api_ratio', value: round(median(ratios)), unit: '', size: `api ÷ hello, median of the ${rounds} rounds' ratios`, target: '≥ 0.3' },
  )
}
