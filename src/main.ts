import { serve } from '@hono/node-server'
import { createApp } from './app.ts'
import { countActiveUsers } from './auth/accounts.ts'
import { ConfigError, readConfig } from './config.ts'
import { migrateToLatest } from './db/migrate.ts'
import { openDb } from './db/open.ts'
import { markInterruptedRuns } from './db/runs.ts'
import { createLogger } from './logger.ts'
import { dataDirOf, resolveOperatorToken } from './operator-token.ts'
import { createPlatforms } from './platforms/index.ts'
import { createCollector } from './scheduler/collect.ts'
import { scheduleMaintenance } from './scheduler/maintenance.ts'
import { startScheduler } from './scheduler/schedule.ts'
import { createStoryPoller } from './stories/poll.ts'
import { startStoryScheduler } from './stories/schedule.ts'

// Composition root: readConfig → openDb → migrate → createApp → serve → startScheduler.
async function main() {
  let config
  try {
    config = readConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }
  const logger = createLogger(config.logLevel)
  const db = openDb(config.databasePath)
  const applied = await migrateToLatest(db)
  if (applied.length) logger.info({ migrations: applied }, 'database migrated')
  const interrupted = await markInterruptedRuns(db, Math.floor(Date.now() / 1000))
  if (interrupted) logger.warn({ runs: interrupted }, 'marked runs left unfinished by the previous process as interrupted')

  const operator = resolveOperatorToken(config.operatorToken, dataDirOf(config.databasePath))
  if (operator.source === 'file') {
    logger.info({ path: operator.path }, operator.created ? 'generated the operator token; read it from this file' : 'operator token read from file')
  }
  const people = await countActiveUsers(db)
  logger.info({ publicDashboard: config.publicDashboard, users: people }, config.publicDashboard ? 'the dashboard is readable without logging in (PUBLIC_DASHBOARD)' : 'reading needs a login (PUBLIC_DASHBOARD is off)')
  if (people === 0) logger.warn('no user exists yet: create the first admin with "npm run cli -- users add <name> --role admin --prompt"')
  if (config.vk.tokens.length === 0) logger.warn('VK_TOKEN is not set: VK pages will report "VK_TOKEN not set"; Telegram pages are collected')

  const platforms = createPlatforms(config)
  const collector = createCollector({ db, platforms, logger, ...config })
  const storyPoller = createStoryPoller({ db, logger: logger.child({ job: 'stories' }), ...config.stories })
  const app = createApp({ db, collector, logger, operatorToken: operator.token, storyPoller, platforms, access: config, timeZone: config.timeZone })
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    logger.info({ url: `http://${config.host}:${info.port}` }, 'publicpulse is listening')
  })
  const scheduler = await startScheduler({ db, collector, logger, cronExpression: config.collectCron })
  // A second task: news feeds on their own schedule; the poller's guard keeps polls from overlapping.
  const storyScheduler = startStoryScheduler({ poller: storyPoller, logger, cronExpression: config.stories.cron })
  logger.info({ cron: config.stories.cron }, 'news feed polling scheduled')
  logger.info({ cron: config.collectCron }, 'collection scheduled')
  const maintenance = scheduleMaintenance({ db, logger: logger.child({ job: 'maintenance' }), cronExpression: config.maintenanceCron, retentionDays: config.retentionDays })

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: finishing the current batch')
    server.close()
    await scheduler.stop()
    await maintenance.stop()
    await storyScheduler.stop()
    await db.destroy()
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
}

main().catch((error) => {
  console.error(`publicpulse could not start: ${(error as Error).message}`)
  process.exit(1)
})
