import { scheduleJob } from './job.ts'
import { sql } from 'kysely'
import type { Logger } from '../logger.ts'
import type { Db } from '../db/schema.ts'
import { markRawThinned } from '../db/snapshots.ts'

export interface MaintenanceOptions {
  /** Raw samples older than this many days are deleted (their daily roll-ups stay); 0 keeps everything. */
  retentionDays: number
  /** Pages whose old raw rows one step deletes: small enough that a step holds the database for a few ms. */
  pagesPerStep?: number
  /** Free pages given back to the file system per incremental-vacuum step. */
  vacuumPagesPerStep?: number
  now?: () => Date
  logger?: Logger
}

export interface MaintenanceReport {
  deletedSnapshots: number
  deletedReach: number
  vacuumedPages: number
  steps: number
  /** The longest single step: how long the dashboard could have waited behind maintenance. */
  longestStepMs: number
  checkpoint: { busy: number; log: number; checkpointed: number }
}

/**
 * Database upkeep in small steps: thins raw samples past the retention (their daily roll-ups stay, so
 * long charts keep working), gives freed pages back with incremental vacuum, and checkpoints the WAL.
 * Every step is one short statement and the job yields between steps, so a dashboard request never
 * waits behind more than one step (Uptime Kuma's lesson: a single VACUUM of a big file blocks for
 * minutes and can fail outright).
 */
export async function runMaintenance(db: Db, options: MaintenanceOptions): Promise<MaintenanceReport> {
  const pagesPerStep = options.pagesPerStep ?? 50
  const vacuumPagesPerStep = options.vacuumPagesPerStep ?? 256
  const report: MaintenanceReport = { deletedSnapshots: 0, deletedReach: 0, vacuumedPages: 0, steps: 0, longestStepMs: 0, checkpoint: { busy: 0, log: 0, checkpointed: 0 } }
  const step = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    const result = await work()
    report.steps++
    report.longestStepMs = Math.max(report.longestStepMs, performance.now() - started)
    await new Promise((resolve) => setImmediate(resolve)) // let waiting requests in
    return result
  }

  if (options.retentionDays > 0) {
    const cutoff = Math.floor((options.now ?? (() => new Date()))().getTime() / 1000) - options.retentionDays * 86_400
    // Said before deleting, so a growth baseline never misses a thinned sample, even after a crash here.
    await markRawThinned(db, cutoff)
    const { max } = await db.selectFrom('pages').select((eb) => eb.fn.max<number>('id').as('max')).executeTakeFirstOrThrow()
    for (let from = 1; from <= (max ?? 0); from += pagesPerStep) {
      const to = from + pagesPerStep - 1
      const snapshots = await step(() =>
        db.deleteFrom('snapshots').where('page_id', '>=', from).where('page_id', '<=', to).where('collected_at', '<', cutoff).executeTakeFirst(),
      )
      report.deletedSnapshots += Number(snapshots.numDeletedRows)
      const reach = await step(() =>
        db.deleteFrom('reach_snapshots').where('page_id', '>=', from).where('page_id', '<=', to).where('collected_at', '<', cutoff).executeTakeFirst(),
      )
      report.deletedReach += Number(reach.numDeletedRows)
    }
  }

  for (;;) {
    const { freelist_count: free } = (await sql<{ freelist_count: number }>`pragma freelist_count`.execute(db)).rows[0] ?? { freelist_count: 0 }
    if (!free) break
    await step(() => sql.raw(`pragma incremental_vacuum(${Math.min(free, vacuumPagesPerStep)})`).execute(db))
    report.vacuumedPages += Math.min(free, vacuumPagesPerStep)
  }

  // PASSIVE never waits for readers or writers; it copies what it can and leaves the rest for next time.
  const checkpoint = (await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(PASSIVE)`.execute(db)).rows[0]
  if (checkpoint) report.checkpoint = checkpoint
  options.logger?.info({ ...report, longestStepMs: Math.round(report.longestStepMs * 10) / 10 }, 'database maintenance finished')
  return report
}

/** node-cron wiring for runMaintenance on MAINTENANCE_CRON; a tick while one runs is skipped. */
export function scheduleMaintenance(deps: { db: Db; logger: Logger; cronExpression: string; retentionDays: number }): { stop(): Promise<void> } {
  const job = scheduleJob({
    name: 'maintenance',
    cronExpression: deps.cronExpression,
    logger: deps.logger,
    run: () => runMaintenance(deps.db, { retentionDays: deps.retentionDays, logger: deps.logger }),
    skipped: 'maintenance tick skipped: the previous one is still running',
    failed: 'database maintenance failed',
  })
  return { stop: job.stop }
}
