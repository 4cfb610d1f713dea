import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError, readConfig } from './config.ts'
import { DuplicatePageError, listPages } from './db/pages.ts'
import { migrateToLatest } from './db/migrate.ts'
import { openDb } from './db/open.ts'
import { markInterruptedRuns } from './db/runs.ts'
import { createLogger } from './logger.ts'
import { LinkError } from './platforms/links.ts'
import { createPlatforms } from './platforms/index.ts'
import { pageInputSchema } from './registry.ts'
import { createCollector, RunInProgressError } from './scheduler/collect.ts'
import { formatChange, formatCount, formatDateTime } from './views/format.ts'
import { describeZodError } from './http/errors.ts'
import { z } from 'zod'
import { cliActor } from './auth/audit.ts'
import { ADMIN_USAGE, runAdminCli } from './cli-admin.ts'
import { addPage } from './page-admin.ts'
import { DuplicateSourceError } from './db/stories.ts'
import { runStoriesCli, StoriesUsageError, STORIES_USAGE } from './stories/cli.ts'

const USAGE = `Usage: publicpulse <command>   (or: npm run cli -- <command>)

Commands:
  pages add <link> [--title T] [--region R] [--tag X]... [--alias A]...
                     register a VK or Telegram page to track
  pages list [--json]  list registered pages with their latest figures
  collect            collect every active page now and print the run's result
  migrate            apply pending database migrations
${ADMIN_USAGE}
${STORIES_USAGE}

Configuration comes from the same environment variables as the server (DATABASE_PATH, VK_TOKEN, ...).`

/** A mistake in how the command was called: printed with the usage, exit code 2. */
class UsageError extends Error {}

export async function runCli(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, sub, ...rest] = argv
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE)
    return command ? 0 : 2
  }
  const config = readConfig()
  // Accounts, tokens, CSV import/export, backup and restore open the database themselves (restore must not).
  const admin = await runAdminCli(argv, config, { out })
  if (admin !== undefined) return admin
  const db = openDb(config.databasePath)
  try {
    await migrateToLatest(db)
    if (command === 'migrate') {
      out('Database is at the latest schema.')
      return 0
    }
    if (command === 'pages' && sub === 'add') {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { title: { type: 'string' }, region: { type: 'string' }, tag: { type: 'string', multiple: true }, alias: { type: 'string', multiple: true } },
      })
      if (positionals.length !== 1) throw new UsageError('pages add takes exactly one link')
      const body = pageInputSchema.parse({ url: positionals[0], title: values.title, region: values.region, tags: values.tag, aliases: values.alias })
      const { page } = await addPage(db, body, cliActor(), new Date())
      out(`Registered #${page.id}: ${page.platform} ${page.url}. Its followers are recorded at the next collection.`)
      return 0
    }
    if (command === 'pages' && sub === 'list') {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } })
      const pages = await listPages(db)
      if (values.json) {
        out(JSON.stringify({ pages }, null, 2))
      } else if (pages.length === 0) {
        out('No pages registered yet. Add one: publicpulse pages add https://t.me/durov')
      } else {
        for (const p of pages) {
          out([`#${p.id}`, p.platform.padEnd(8), p.title.slice(0, 40).padEnd(40), formatCount(p.followers, p.followersExact ?? true).padStart(12), formatChange(p.changePrev).padStart(8), formatDateTime(p.collectedAt), p.active ? p.status : 'paused'].join('  '))
        }
      }
      return 0
    }
    if (command === 'stories') return await runStoriesCli(db, config, [sub, ...rest].filter((a): a is string => a !== undefined), out)
    if (command === 'collect') {
      await markInterruptedRuns(db, Math.floor(Date.now() / 1000))
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
      const collector = createCollector({ db, platforms: createPlatforms(config), logger, ...config })
      const run = await collector.run('cli')
      out(`Run #${run.id} ${run.status}: ${run.ok} of ${run.pages} pages ok, ${run.failed} failed.`)
      for (const [status, n] of Object.entries(run.statusCounts)) out(`  ${status}: ${n}`)
      return run.status === 'finished' ? 0 : 1
    }
    throw new UsageError(`unknown command "${[command, sub].filter(Boolean).join(' ')}"`)
  } finally {
    await db.destroy()
  }
}

/** Turns the errors a person can fix into one line on stderr. */
export function describeCliError(error: unknown): { message: string; code: number } {
  if (error instanceof UsageError || error instanceof StoriesUsageError) return { message: `${error.message}\n\n${USAGE}`, code: 2 }
  if (error instanceof ConfigError) return { message: error.message, code: 2 }
  if (error instanceof z.ZodError) return { message: describeZodError(error), code: 2 }
  if (error instanceof LinkError || error instanceof DuplicatePageError || error instanceof RunInProgressError || error instanceof DuplicateSourceError) return { message: error.message, code: 1 }
  if (error instanceof Error && error.name === 'TypeError' && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) return { message: `${error.message}\n\n${USAGE}`, code: 2 }
  return { message: `publicpulse: ${(error as Error)?.stack ?? String(error)}`, code: 1 }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      const { message, code } = describeCliError(error)
      console.error(message)
      process.exit(code)
    },
  )
}
