import type { Logger } from '../logger.ts'
import { type CollectablePage, countActivePages, streamActivePages } from '../db/pages.ts'
import { finishRun, insertRun, type RunProgress, type RunTrigger, type RunView, updateRunProgress } from '../db/runs.ts'
import type { Db } from '../db/schema.ts'
import { recordOutcomes } from '../db/snapshots.ts'
import type { Platforms } from '../platforms/index.ts'
import { type PageOutcome, type Platform, PlatformError } from '../platforms/types.ts'

export interface CollectorDeps {
  db: Db
  platforms: Platforms
  logger: Logger
  /** Injected clock; snapshots are stamped with it. */
  now?: () => Date
  /** Posts are re-read when older than this (hours; 0: every run). */
  postsIntervalHours: number
  pauseAfterFailures: number
}

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
  current(): { id: number; progress: RunProgress; total: number } | undefined
}

/**
 * The collection loop, the same for every platform: stream each platform's active pages in batches of
 * its size, collect, and write each batch's outcomes in one transaction (never half a page). One page's (or one
 * platform's) failure never stops the others; only one run happens at a time.
 */
export function createCollector(deps: CollectorDeps): Collector {
  const now = deps.now ?? (() => new Date())
  const seconds = () => Math.floor(now().getTime() / 1000)
  let inFlight: { id: number; progress: RunProgress; total: number } | undefined

  async function run(trigger: RunTrigger, options: { signal?: AbortSignal } = {}): Promise<RunView> {
    if (inFlight) throw new RunInProgressError(inFlight.id)
    // Claimed before the first await, so two callers in the same tick cannot both start.
    const progress: RunProgress = { done: 0, ok: 0, failed: 0, statusCounts: {} }
    const claim = { id: 0, progress, total: 0 }
    inFlight = claim
    let counts: Map<string, number>
    let id: number
    try {
      counts = await countActivePages(deps.db)
      claim.total = [...counts.values()].reduce((a, b) => a + b, 0)
      id = claim.id = await insertRun(deps.db, trigger, seconds(), claim.total)
    } catch (error) {
      inFlight = undefined
      throw error
    }
    const total = claim.total
    const log = deps.logger.child({ run: id, trigger })
    log.info({ pages: total }, 'collection started')
    const started = Date.now()

    const tally = (status: string) => {
      progress.done++
      if (status === 'ok') progress.ok++
      else progress.failed++
      progress.statusCounts[status] = (progress.statusCounts[status] ?? 0) + 1
    }
    const report = async () => {
      await updateRunProgress(deps.db, id, progress)
      const elapsed = (Date.now() - started) / 1000
      const eta = progress.done > 0 ? Math.round((elapsed / progress.done) * (total - progress.done)) : null
      log.info({ done: progress.done, total, failed: progress.failed, etaSeconds: eta }, 'collection progress')
    }

    try {
      const platformRuns = [...counts.keys()].map(async (platformId) => {
        const platform = deps.platforms.get(platformId as never)
        for await (const pages of streamActivePages(deps.db, platformId, platform?.batchSize ?? 500)) {
          if (options.signal?.aborted) return
          const outcomes = platform ? await collectBatch(platform, pages, seconds(), deps.postsIntervalHours, options.signal) : unknownPlatform(pages, platformId)
          const at = seconds()
          const items = pages.map((page) => ({ page, outcome: outcomes.get(page.id) ?? missing(page) }))
          for (const status of await recordOutcomes(deps.db, items, at, deps)) tally(status)
          await report()
        }
      })
      const settled = await Promise.allSettled(platformRuns)
      const crashed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
      if (crashed) throw crashed.reason
      const status = options.signal?.aborted ? 'interrupted' : 'finished'
      const result = await finishRun(deps.db, id, status, seconds(), progress, status === 'interrupted' ? 'Stopped before every page was collected.' : null)
      log.info({ ok: progress.ok, failed: progress.failed, seconds: (Date.now() - started) / 1000, status }, 'collection finished')
      return result
    } catch (error) {
      log.error({ err: error }, 'collection failed')
      return await finishRun(deps.db, id, 'failed', seconds(), progress, (error as Error).message ?? String(error))
    } finally {
      inFlight = undefined
    }
  }

  return { run, current: () => inFlight && { ...inFlight, progress: { ...inFlight.progress } } }
}

/** Asks the platform for a batch, split by whether each page's posts are due. */
async function collectBatch(platform: Platform, pages: CollectablePage[], at: number, postsIntervalHours: number, signal?: AbortSignal): Promise<Map<number, PageOutcome>> {
  const due = (p: CollectablePage) => p.postsCollectedAt === null || at - p.postsCollectedAt >= postsIntervalHours * 3600 - 60
  const withPosts = pages.filter(due)
  const countsOnly = pages.filter((p) => !due(p))
  const results = new Map<number, PageOutcome>()
  for (const [group, posts] of [[withPosts, true], [countsOnly, false]] as const) {
    if (group.length === 0) continue
    try {
      for (const [pageId, outcome] of await platform.collect(group, { withPosts: posts, signal })) results.set(pageId, outcome)
    } catch (error) {
      // A platform module must not throw; if one does, its pages say so and the run goes on.
      const message = error instanceof PlatformError ? error.message : `collector error: ${(error as Error).message ?? String(error)}`
      for (const page of group) results.set(page.id, { ok: false, error: error instanceof PlatformError ? error : new PlatformError('bad_response', message) })
    }
  }
  return results
}

const unknownPlatform = (pages: CollectablePage[], platformId: string) =>
  new Map<number, PageOutcome>(
    pages.map((p) => [p.id, { ok: false, error: new PlatformError('unsupported', `publicpulse has no collector for the platform "${platformId}"`) }]),
  )

const missing = (page: CollectablePage): PageOutcome => ({
  ok: false,
  error: new PlatformError('bad_response', `the ${page.platform} collector returned nothing for ${page.handle}`),
})
