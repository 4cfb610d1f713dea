import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from '../logger.ts'
import { PollInProgressError, type StoryPoller } from './poll.ts'

/**
 * node-cron wiring of the news-feed poll (STORIES_CRON), apart from the collection's own task. A tick
 * while a poll is still running is skipped and logged: polls never overlap.
 */
export function startStoryScheduler(deps: { poller: StoryPoller; logger: Logger; cronExpression: string }): { stop(): Promise<void> } {
  const controller = new AbortController()
  let running: Promise<unknown> | undefined

  const tick = () => {
    if (deps.poller.running()) {
      deps.logger.warn('news feed poll skipped: the previous poll is still running')
      return
    }
    running = deps.poller.run({ signal: controller.signal }).catch((error) => {
      if (!(error instanceof PollInProgressError)) deps.logger.error({ err: error }, 'news feed poll crashed')
    })
  }
  const task: ScheduledTask = cron.schedule(deps.cronExpression, tick, { name: 'stories', noOverlap: false })

  return {
    async stop() {
      await task.stop()
      await task.destroy()
      controller.abort(new Error('shutting down'))
      await running
    },
  }
}
