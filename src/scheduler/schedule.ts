import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from '../logger.ts'
import { listRuns } from '../db/runs.ts'
import type { Db } from '../db/schema.ts'
import { type Collector, RunInProgressError } from './collect.ts'

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
  const controller = new AbortController()
  let running: Promise<unknown> | undefined

  const trigger = (kind: 'schedule' | 'catch-up') => {
    if (deps.collector.current()) {
      deps.logger.warn({ run: deps.collector.current()?.id }, 'collection tick skipped: the previous run is still going')
      return
    }
    running = deps.collector.run(kind, { signal: controller.signal }).catch((error) => {
      if (!(error instanceof RunInProgressError)) deps.logger.error({ err: error }, 'collection run crashed')
    })
  }

  const task: ScheduledTask = cron.schedule(deps.cronExpression, () => trigger('schedule'), { name: 'collect', noOverlap: false })

  if (await catchUpDue(deps.db, task, now())) {
    deps.logger.info('last collection is older than one interval: running a catch-up collection now')
    trigger('catch-up')
  }

  return {
    async stop() {
      await task.stop()
      await task.destroy()
      controller.abort(new Error('shutting down'))
      await running
    },
  }
}

/** True when no run started within the last interval of the schedule (or there never was a run). */
export async function catchUpDue(db: Db, task: Pick<ScheduledTask, 'getNextRuns'>, at: Date): Promise<boolean> {
  const [last] = await listRuns(db, 1)
  if (!last) return true
  const [a, b] = task.getNextRuns(2)
  const intervalMs = a && b ? b.getTime() - a.getTime() : 3600_000
  return at.getTime() - last.startedAt * 1000 > intervalMs
}
