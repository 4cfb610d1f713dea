import type { Logger } from '../logger.ts'
import { listRuns } from '../db/runs.ts'
import type { Db } from '../db/schema.ts'
import { type Collector, RunInProgressError } from './collect.ts'
import { type ScheduledJob, scheduleJob } from './job.ts'

export interface Scheduler {
  /** Stops ticking and aborts the run in flight between batches; resolves when it has been written down. */
  stop(): Promise<void>
}

/**
 * node-cron wiring only. A tick during a run is skipped and logged (a run that outlasts its interval
 * never stacks up). At start, if the last run is older than one interval (the server was down), one
 * catch-up run happens — one, not one per missed tick.
 */
export async function startScheduler(deps: { db: Db; collector: Collector; logger: Logger; cronExpression: string; now?: () => Date }): Promise<Scheduler> {
  const now = deps.now ?? (() => new Date())
  const job = scheduleJob<'schedule' | 'catch-up'>({
    name: 'collect',
    cronExpression: deps.cronExpression,
    logger: deps.logger,
    run: (kind, signal) => deps.collector.run(kind, { signal }),
    busy: () => {
      const current = deps.collector.current()
      return current ? { run: current.id } : undefined
    },
    skipped: 'collection tick skipped: the previous run is still going',
    failed: 'collection run crashed',
    expected: (error) => error instanceof RunInProgressError,
  })
  if (await catchUpDue(deps.db, job, now())) {
    deps.logger.info('last collection is older than one interval: running a catch-up collection now')
    job.trigger('catch-up')
  }
  return { stop: job.stop }
}

/** True when no run started within the last interval of the schedule (or there never was a run). */
export async function catchUpDue(db: Db, schedule: Pick<ScheduledJob<string>, 'getNextRuns'>, at: Date): Promise<boolean> {
  const [last] = await listRuns(db, 1)
  if (!last) return true
  const [a, b] = schedule.getNextRuns(2)
  const intervalMs = a && b ? b.getTime() - a.getTime() : 3600_000
  return at.getTime() - last.startedAt * 1000 > intervalMs
}
