import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from '../logger.ts'

export interface ScheduledJob<K> {
  /** Starts a run now unless one is going (then the tick is skipped and logged). */
  trigger(kind: K): void
  /** When the schedule fires next (node-cron's getNextRuns). */
  getNextRuns(count: number): Date[]
  /** Stops ticking, aborts the run in flight (each job checks the signal between its steps) and waits for it. */
  stop(): Promise<void>
}

/**
 * node-cron wiring shared by collection, news feeds and maintenance: a tick while a run is going is
 * skipped and logged, so runs never stack up; a run that fails is logged, never thrown into the timer.
 */
export function scheduleJob<K extends string = 'schedule'>(job: {
  name: string
  cronExpression: string
  logger: Logger
  /** Runs the job; `kind` says why ('schedule' for a tick, or what the caller passed to trigger). */
  run: (kind: K, signal: AbortSignal) => Promise<unknown>
  /** What is going right now, also when started elsewhere (a manual run); logged with the skip. */
  busy?: () => object | boolean | undefined
  skipped: string
  failed: string
  /** Errors that only say another run got there first: not logged as failures. */
  expected?: (error: unknown) => boolean
}): ScheduledJob<K> {
  const controller = new AbortController()
  let running: Promise<unknown> | undefined

  const trigger = (kind: K) => {
    const busy = job.busy?.()
    if (running || busy) {
      job.logger.warn(typeof busy === 'object' ? busy : {}, job.skipped)
      return
    }
    running = job
      .run(kind, controller.signal)
      .catch((error) => {
        if (!job.expected?.(error)) job.logger.error({ err: error }, job.failed)
      })
      .finally(() => (running = undefined))
  }
  const task: ScheduledTask = cron.schedule(job.cronExpression, () => trigger('schedule' as K), { name: job.name, noOverlap: false })

  return {
    trigger,
    getNextRuns: (count) => task.getNextRuns(count),
    async stop() {
      await task.stop()
      await task.destroy()
      controller.abort(new Error('shutting down'))
      await running
    },
  }
}
