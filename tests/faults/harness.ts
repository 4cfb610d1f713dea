import { expect, onTestFinished } from 'vitest'
import { readConfig } from '../../src/config.ts'
import { insertPage } from '../../src/db/pages.ts'
import type { Db } from '../../src/db/schema.ts'
import { pino } from 'pino'
import type { Logger } from '../../src/logger.ts'
import type { Sleep } from '../../src/platforms/http.ts'
import { createPlatforms } from '../../src/platforms/index.ts'
import { parsePageLink } from '../../src/platforms/links.ts'
import { createCollector } from '../../src/scheduler/collect.ts'
import { testDb } from '../helpers/db.ts'
import { type Hit, type Reply, startFaultServer } from './fault-server.ts'

export const VK_TOKEN = 'vk1.a.SECRET-fault-token-5e1f'

/**
 * A sleep that records each wait and returns at once: back-offs and pacing cost no real time, and a
 * test can still see how long the code meant to wait.
 */
export function recordingSleep(): { sleep: Sleep; waits: number[] } {
  const waits: number[] = []
  return {
    waits,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason
      waits.push(ms)
    },
  }
}

/** A real pino logger whose lines are kept as objects, for assertions on what the operator reads. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
  return { logger, lines }
}

export interface Harness {
  db: Db
  server: Awaited<ReturnType<typeof startFaultServer>>
  collector: ReturnType<typeof createCollector>
  waits: number[]
  lines: Record<string, unknown>[]
  /** Registers pages by link, in order; returns their ids. */
  register(...links: string[]): Promise<number[]>
}

/**
 * The collector wired as main.ts wires it (readConfig → createPlatforms → createCollector), against a
 * fault server, on a fresh in-memory database. Waits are recorded, not slept, unless `realSleep`.
 */
export async function harness(
  route: (hit: Hit, n: number) => Reply,
  options: { env?: Record<string, string>; now?: () => Date; db?: Db; realSleep?: boolean } = {},
): Promise<Harness> {
  const db = options.db ?? (await testDb())
  const server = await startFaultServer(route)
  onTestFinished(() => server.close())
  const config = readConfig({
    VK_TOKEN,
    VK_API_URL: server.vkUrl,
    TELEGRAM_URL: server.telegramUrl,
    TELEGRAM_INTERVAL_MS: '0',
    HTTP_TIMEOUT_MS: '5000', // generous: a loaded CI machine must not turn a slow parse into a timeout
    ...options.env,
  })
  const { sleep, waits } = recordingSleep()
  const { logger, lines } = memoryLogger()
  const platforms = createPlatforms(config, options.realSleep ? {} : { sleep })
  const collector = createCollector({ db, platforms, logger, now: options.now, ...config })
  return {
    db,
    server,
    collector,
    waits,
    lines,
    register: async (...links) => {
      const ids: number[] = []
      for (const link of links) ids.push((await insertPage(db, parsePageLink(link), new Date('2026-08-01T00:00:00Z'))).id)
      return ids
    },
  }
}

/** A page's stored status as the operator sees it. */
export const pageRow = (db: Db, id: number) =>
  db.selectFrom('pages').select(['status', 'status_message', 'active', 'paused_reason', 'consecutive_failures']).where('id', '=', id).executeTakeFirstOrThrow()

/**
 * Nothing half-written: every page with a snapshot has the daily roll-up and latest values that the
 * same transaction writes, both agreeing with its newest snapshot; a page without one has neither.
 * Returns how many pages have snapshots.
 */
export async function expectNoPartialSnapshots(db: Db): Promise<number> {
  const pages = await db.selectFrom('pages').select(['id']).execute()
  let withSnapshots = 0
  for (const page of pages) {
    const snapshots = await db.selectFrom('snapshots').selectAll().where('page_id', '=', page.id).orderBy('collected_at').execute()
    const rollups = await db.selectFrom('daily_rollups').selectAll().where('page_id', '=', page.id).orderBy('day').execute()
    const stats = await db.selectFrom('page_stats').selectAll().where('page_id', '=', page.id).executeTakeFirst()
    if (snapshots.length === 0) {
      expect(rollups, `page ${page.id}: roll-ups without a snapshot`).toEqual([])
      expect(stats?.followers ?? null, `page ${page.id}: latest values without a snapshot`).toBeNull()
      continue
    }
    withSnapshots++
    const last = snapshots.at(-1)!
    expect(stats, `page ${page.id}: snapshot without latest values`).toMatchObject({ followers: last.followers, collected_at: last.collected_at })
    const day = Math.floor(last.collected_at / 86_400)
    const rollup = rollups.find((r) => r.day === day)
    const sameDay = snapshots.filter((s) => Math.floor(s.collected_at / 86_400) === day)
    expect(rollup, `page ${page.id}: snapshot without its daily roll-up`).toMatchObject({ last: last.followers, last_at: last.collected_at, samples: sameDay.length })
  }
  return withSnapshots
}
