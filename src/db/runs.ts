import type { Db, RunRow } from './schema.ts'

export type RunTrigger = 'schedule' | 'manual' | 'cli' | 'catch-up'

/** One page's share of a run's time, for the operator's "slowest pages". */
export interface PageTiming {
  pageId: number
  platform: string
  handle: string
  /** Milliseconds spent on this page. */
  ms: number
  /**
   * `page`: measured for this page alone, waits for the host's pacing left out (Telegram).
   * `batch`: its even share of one call that answered many pages at once (VK's groups.getById), so
   * every page of a slow batch shows the same figure.
   */
  measured: 'page' | 'batch'
  /** What the run recorded for it: `ok`, a PlatformErrorKind, or `paused`. */
  status: string
}

/** Timings of one run (column `runs.timings`, migration 0008). */
export interface RunTimings {
  /** The slowest pages, slowest first (at most 10). */
  slowest: PageTiming[]
  /** Per platform: pages written and milliseconds from its first batch's start to its last write. */
  platforms: Record<string, { pages: number; ms: number }>
}

export interface RunView {
  id: number
  trigger: string
  status: string
  startedAt: number
  finishedAt: number | null
  pages: number
  done: number
  ok: number
  failed: number
  statusCounts: Record<string, number>
  error: string | null
  timings: RunTimings
}

export const toRunView = (r: RunRow): RunView => ({
  id: r.id,
  trigger: r.trigger,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  pages: r.pages_total,
  done: r.pages_done,
  ok: r.pages_ok,
  failed: r.pages_failed,
  statusCounts: JSON.parse(r.status_counts) as Record<string, number>,
  error: r.error,
  timings: parseTimings(r.timings),
})

/** Runs written before migration 0008 (or by a process that died) have `{}`: no timings, not an error. */
function parseTimings(json: string): RunTimings {
  try {
    const value = JSON.parse(json) as Partial<RunTimings> | null
    return { slowest: Array.isArray(value?.slowest) ? value.slowest : [], platforms: value?.platforms && typeof value.platforms === 'object' ? value.platforms : {} }
  } catch {
    return { slowest: [], platforms: {} }
  }
}

export async function insertRun(db: Db, trigger: RunTrigger, startedAt: number, pagesTotal: number): Promise<number> {
  const { id } = await db
    .insertInto('runs')
    .values({ trigger, status: 'running', started_at: startedAt, finished_at: null, pages_total: pagesTotal, error: null })
    .returning('id')
    .executeTakeFirstOrThrow()
  return id
}

export interface RunProgress {
  done: number
  ok: number
  failed: number
  statusCounts: Record<string, number>
}

export async function updateRunProgress(db: Db, id: number, p: RunProgress, timings?: RunTimings): Promise<void> {
  await db
    .updateTable('runs')
    .set({
      pages_done: p.done,
      pages_ok: p.ok,
      pages_failed: p.failed,
      status_counts: JSON.stringify(p.statusCounts),
      ...(timings ? { timings: JSON.stringify(timings) } : {}),
    })
    .where('id', '=', id)
    .execute()
}

export async function finishRun(
  db: Db,
  id: number,
  status: 'finished' | 'interrupted' | 'failed',
  finishedAt: number,
  p: RunProgress,
  error: string | null = null,
  timings?: RunTimings,
): Promise<RunView> {
  await db
    .updateTable('runs')
    .set({
      status,
      finished_at: finishedAt,
      error,
      pages_done: p.done,
      pages_ok: p.ok,
      pages_failed: p.failed,
      status_counts: JSON.stringify(p.statusCounts),
      ...(timings ? { timings: JSON.stringify(timings) } : {}),
    })
    .where('id', '=', id)
    .execute()
  return getRun(db, id)
}

export const getRun = async (db: Db, id: number): Promise<RunView> =>
  toRunView(await db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow())

export const listRuns = async (db: Db, limit = 20): Promise<RunView[]> =>
  (await db.selectFrom('runs').selectAll().orderBy('id', 'desc').limit(limit).execute()).map(toRunView)

/**
 * Runs left 'running' by a process that died (kill -9, power loss) are marked interrupted at start-up.
 * Their pages' snapshots were each written in one transaction, so nothing half-written remains.
 */
export async function markInterruptedRuns(db: Db, at: number): Promise<number> {
  const result = await db
    .updateTable('runs')
    .set({ status: 'interrupted', finished_at: at, error: 'The process stopped during this run.' })
    .where('status', '=', 'running')
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}
