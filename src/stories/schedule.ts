import type { Logger } from '../logger.ts'
import { scheduleJob } from '../scheduler/job.ts'
import { PollInProgressError, type StoryPoller } from './poll.ts'

/**
 * node-cron wiring of the news-feed poll (STORIES_CRON), apart from the collection's own task. A tick
 * while a poll is still running is skipped and logged: polls never overlap.
 */
export function startStoryScheduler(deps: { poller: StoryPoller; logger: Logger; cronExpression: string }): { stop(): Promise<void> } {
  const job = scheduleJob({
    name: 'stories',
    cronExpression: deps.cronExpression,
    logger: deps.logger,
    run: (_, signal) => deps.poller.run({ signal }),
    busy: () => deps.poller.running(),
    skipped: 'news feed poll skipped: the previous poll is still running',
    failed: 'news feed poll crashed',
    expected: (error) => error instanceof PollInProgressError,
  })
  return { stop: job.stop }
}
