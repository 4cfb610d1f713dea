import type { Logger } from '../logger.ts'
import { type CollectablePage, countActivePages, streamActivePages } from '../db/pages.ts'
import { prependStatusNotices } from '../db/page-notices.ts'
import { finishRun, insertRun, type PageTiming, type RunProgress, type RunTrigger, type RunView, updateRunProgress } from '../db/runs.ts'
import type { Db } from '../db/schema.ts'
import { type OutcomeItem, recordOutcomes, WRITE_BATCH } from '../db/snapshots.ts'
import type { Platforms } from '../platforms/index.ts'
import { type PageOutcome, type Platform, PlatformError } from '../platforms/types.ts'
import { RunTimer } from './timings.ts'

export interface CollectorDeps {
  db: Db
  platforms: Platforms
  logger: Logger
  /** Injected clock; snapshots are stamped with it. */
  now?: () => Date
  /** Posts are re-read when older than this (hours; 0: every run). */
  postsIntervalHours: number
  pauseAfterFailures: number
  /**
   * Progress is written to the run's row and logged at most this often (ms; default 5000), and once
   * at the end: a 5,000-channel run in batches of 4 would otherwise log 1,250 lines.
   */
  progressEveryMs?: number
}

/** The run in flight as the API shows it. */
export interface CurrentRun {
  id: number
  /** Unix seconds. */
  startedAt: number
  progress: RunProgress
  total: number
  /** Seconds left at the pace so far; null before the first batch is written. */
  etaSeconds: number | null
}

/** Outcomes read are written at least this often, so a crash or a slow platform delays little. */
const WRITE_EVERY_MS = 1000

export class RunInProgressError extends Error {
  override readonly name = 'RunInProgressError'
  constructor(readonly runId: number) {
    super(`A collection is already running (run #${runId}); wait for it to finish.`)
  }
}

export interface Collector {
  /** Collects every active page once. Throws RunInProgressError if a run is in flight. */
  run(trigger: RunTrigger, options?: { signal?: AbortSignal }): Promise<RunView>
  /** The run in flight, if any. */
  current(): CurrentRun | undefined
}

/**
 * The collection loop, the same for every platform: stream each platform's active pages in batches of
 * its size, collect, and write each batch's outcomes in one transaction (never half a page). One page's (or one
 * platform's) failure never stops the others; only one run happens at a time.
 */
export function createCollector(deps: CollectorDeps): Collector {
  const now = deps.now ?? (() => new Date())
  const seconds = () => Math.floor(now().getTime() / 1000)
  const progressEveryMs = deps.progressEveryMs ?? 5000
  let inFlight: { id: number; progress: RunProgress; total: number; startedAt: number; startedMs: number } | undefined

  /** Seconds left at the pace so far (real time: the injected clock only stamps data). */
  const etaOf = (run: { progress: RunProgress; total: number; startedMs: number }): number | null => {
    if (run.progress.done === 0) return null
    const elapsed = (performance.now() - run.startedMs) / 1000
    return Math.round((elapsed / run.progress.done) * (run.total - run.progress.done))
  }

  async function run(trigger: RunTrigger, options: { signal?: AbortSignal } = {}): Promise<RunView> {
    if (inFlight) throw new RunInProgressError(inFlight.id)
    // Claimed before the first await, so two callers in the same tick cannot both start.
    const progress: RunProgress = { done: 0, ok: 0, failed: 0, statusCounts: {} }
    const claim = { id: 0, progress, total: 0, startedAt: seconds(), startedMs: performance.now() }
    inFlight = claim
    let counts: Map<string, number>
    let id: number
    try {
      counts = await countActivePages(deps.db)
      claim.total = [...counts.values()].reduce((a, b) => a + b, 0)
      id = claim.id = await insertRun(deps.db, trigger, claim.startedAt, claim.total)
    } catch (error) {
      inFlight = undefined
      throw error
    }
    const total = claim.total
    const log = deps.logger.child({ run: id, trigger })
    log.info({ pages: total }, 'collection started')
    const started = performance.now()
    const timer = new RunTimer()
    let reportedAt = started

    // Progress counts pages as they are read; what each became ('paused' included) as it is written.
    const counted = (ok: boolean) => {
      progress.done++
      if (ok) progress.ok++
      else progress.failed++
    }
    const tally = (status: string) => {
      progress.statusCounts[status] = (progress.statusCounts[status] ?? 0) + 1
    }
    const report = async () => {
      if (performance.now() - reportedAt < progressEveryMs) return
      reportedAt = performance.now()
      await updateRunProgress(deps.db, id, progress, timer.snapshot())
      log.info({ done: progress.done, total, ok: progress.ok, failed: progress.failed, etaSeconds: etaOf(claim) }, 'collection progress')
    }

    try {
      const platformRuns = [...counts.keys()].map(async (platformId) => {
        const platform = deps.platforms.get(platformId as never)
        timer.startPlatform(platformId)
        // Outcomes are written in groups of up to WRITE_BATCH pages (or every WRITE_EVERY_MS), not per platform
        // batch: commits are the expensive part of a write (see WRITE_BATCH).
        let pending: { item: OutcomeItem & { page: CollectablePage }; time: Timing | undefined }[] = []
        let pendingSince = 0
        let pendingAt = 0
        const flush = async () => {
          if (pending.length === 0) return
          const group = pending
          pending = []
          const statuses = await recordOutcomes(deps.db, group.map((g) => g.item), pendingAt, deps)
          statuses.forEach((status, i) => {
            const { item, time } = group[i]!
            tally(status)
            timer.add({ pageId: item.page.id, platform: platformId, handle: item.page.handle, ...(time ?? { ms: 0, measured: 'batch' as const }), status })
          })
          const notices = group.flatMap(({ item: { page, outcome } }) => (outcome.ok && outcome.sample.notice ? [{ pageId: page.id, notice: outcome.sample.notice }] : []))
          for (const { pageId, notice } of notices) log.warn({ page: pageId }, notice)
          await prependStatusNotices(deps.db, notices)
        }
        for await (const pages of streamActivePages(deps.db, platformId, platform?.batchSize ?? 500)) {
          if (options.signal?.aborted) break
          const { outcomes, times } = platform
            ? await collectBatch(platform, pages, seconds(), deps.postsIntervalHours, options.signal)
            : { outcomes: unknownPlatform(pages, platformId), times: new Map<number, Timing>() }
          // One stamp per written group: its pages were read within a few seconds of each other.
          if (pending.length === 0) {
            pendingAt = seconds()
            pendingSince = performance.now()
          }
          // A shutdown says nothing about the pages it cut short: their failures ("cancelled") are not
          // written, so their status stays what the last real collection found. What was read is kept.
          const cut = options.signal?.aborted === true
          for (const page of pages) {
            const outcome = outcomes.get(page.id) ?? missing(page)
            if (cut && !outcome.ok) continue
            pending.push({ item: { page, outcome }, time: times.get(page.id) })
            counted(outcome.ok)
          }
          if (pending.length >= WRITE_BATCH || performance.now() - pendingSince >= WRITE_EVERY_MS) await flush()
          await report()
        }
        await flush()
      })
      const settled = await Promise.allSettled(platformRuns)
      const crashed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
      if (crashed) throw crashed.reason
      const status = options.signal?.aborted ? 'interrupted' : 'finished'
      const timings = timer.snapshot()
      const result = await finishRun(deps.db, id, status, seconds(), progress, status === 'interrupted' ? 'Stopped before every page was collected.' : null, timings)
      const slowest = timings.slowest[0]
      log.info(
        {
          done: progress.done,
          total,
          ok: progress.ok,
          failed: progress.failed,
          seconds: Math.round(performance.now() - started) / 1000,
          status,
          ...(slowest ? { slowest: { page: slowest.pageId, handle: slowest.handle, ms: slowest.ms } } : {}),
        },
        'collection finished',
      )
      return result
    } catch (error) {
      log.error({ err: error }, 'collection failed')
      return await finishRun(deps.db, id, 'failed', seconds(), progress, (error as Error).message ?? String(error), timer.snapshot())
    } finally {
      inFlight = undefined
    }
  }

  return {
    run,
    current: () =>
      inFlight && { id: inFlight.id, startedAt: inFlight.startedAt, progress: { ...inFlight.progress, statusCounts: { ...inFlight.progress.statusCounts } }, total: inFlight.total, etaSeconds: etaOf(inFlight) },
  }
}

type Timing = Pick<PageTiming, 'ms' | 'measured'>

/**
 * Asks the platform for a batch, split by whether each page's posts are due. Each page's time is the
 * platform's own measure when it gives one, else an even share of the call that answered it.
 */
async function collectBatch(
  platform: Platform,
  pages: CollectablePage[],
  at: number,
  postsIntervalHours: number,
  signal?: AbortSignal,
): Promise<{ outcomes: Map<number, PageOutcome>; times: Map<number, Timing> }> {
  const due = (p: CollectablePage) => p.postsCollectedAt === null || at - p.postsCollectedAt >= postsIntervalHours * 3600 - 60
  const withPosts = pages.filter(due)
  const countsOnly = pages.filter((p) => !due(p))
  const outcomes = new Map<number, PageOutcome>()
  const times = new Map<number, Timing>()
  for (const [group, posts] of [[withPosts, true], [countsOnly, false]] as const) {
    if (group.length === 0) continue
    const started = performance.now()
    try {
      for (const [pageId, outcome] of await platform.collect(group, { withPosts: posts, signal })) outcomes.set(pageId, outcome)
    } catch (error) {
      // A platform module must not throw; if one does, its pages say so and the run goes on.
      const message = error instanceof PlatformError ? error.message : `collector error: ${(error as Error).message ?? String(error)}`
      for (const page of group) outcomes.set(page.id, { ok: false, error: error instanceof PlatformError ? error : new PlatformError('bad_response', message) })
    }
    const share = Math.round((performance.now() - started) / group.length)
    for (const page of group) {
      const own = outcomes.get(page.id)?.elapsedMs
      times.set(page.id, own === undefined ? { ms: share, measured: 'batch' } : { ms: own, measured: 'page' })
    }
  }
  return { outcomes, times }
}

const unknownPlatform = (pages: CollectablePage[], platformId: string) =>
  new Map<number, PageOutcome>(
    pages.map((p) => [p.id, { ok: false, error: new PlatformError('unsupported', `publicpulse has no collector for the platform "${platformId}"`) }]),
  )

const missing = (page: CollectablePage): PageOutcome => ({
  ok: false,
  error: new PlatformError('bad_response', `the ${page.platform} collector returned nothing for ${page.handle}`),
})
