import { parseArgs } from 'node:util'
import type { Config } from '../config.ts'
import type { Db } from '../db/schema.ts'
import { insertStorySource, listAliasOwners, listStorySources, rematchStories } from '../db/stories.ts'
import { createLogger } from '../logger.ts'
import { formatDateTime } from '../views/format.ts'
import { AliasMatcher } from './match.ts'
import { createStoryPoller } from './poll.ts'
import { sourceInputSchema } from './service.ts'

/** The `stories` commands, for the CLI's usage text. */
export const STORIES_USAGE = `  stories sources add <feed url> [--title T]
                     register an RSS or Atom news feed
  stories sources list [--json]
                     list news feeds with their last poll
  stories poll       poll every news feed now and print what each gave
  stories rematch    match stored stories against the pages' current aliases again
                     (adds links; links removed by hand stay removed)`

/** A mistake in how a stories command was called (shown with the usage). */
export class StoriesUsageError extends Error {
  override readonly name = 'StoriesUsageError'
}

/** Runs `stories …`; returns the exit code. Errors a person can fix are thrown for the CLI to print. */
export async function runStoriesCli(db: Db, config: Readonly<Config>, args: string[], out: (line: string) => void): Promise<number> {
  const [sub, action, ...rest] = args
  if (sub === 'sources' && action === 'add') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { title: { type: 'string' } } })
    if (positionals.length !== 1) throw new StoriesUsageError('stories sources add takes exactly one feed URL')
    const body = sourceInputSchema.parse({ url: positionals[0], title: values.title })
    const source = await insertStorySource(db, body, new Date())
    out(`Registered news source #${source.id}: ${source.url}. It is read at the next poll (or now: publicpulse stories poll).`)
    return 0
  }
  if (sub === 'sources' && action === 'list') {
    const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } })
    const sources = await listStorySources(db)
    if (values.json) out(JSON.stringify({ sources }, null, 2))
    else if (sources.length === 0) out('No news sources yet. Add one: publicpulse stories sources add https://example.org/rss')
    else for (const s of sources) out([`#${s.id}`, (s.title ?? '').slice(0, 30).padEnd(30), s.url, `${s.stories} stories`, formatDateTime(s.statusAt), s.status, s.status === 'ok' || s.status === 'not_modified' ? '' : (s.statusMessage ?? '')].join('  ').trimEnd())
    return 0
  }
  if (sub === 'poll' && action === undefined) {
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
    const summary = await createStoryPoller({ db, logger, ...config.stories }).run()
    for (const r of summary.results) out(`#${r.sourceId} ${r.url}: ${r.status}, ${r.message}${r.linked ? `, ${r.linked} linked to pages` : ''}`)
    out(`Polled ${summary.sources} feeds: ${summary.ok} read, ${summary.notModified} unchanged, ${summary.failed} failed; ${summary.added} new stories, ${summary.linked} links to pages.`)
    return summary.failed > 0 ? 1 : 0
  }
  if (sub === 'rematch' && action === undefined) {
    const result = await rematchStories(db, new AliasMatcher(await listAliasOwners(db)), Math.floor(Date.now() / 1000))
    out(`Matched ${result.stories} stories again: ${result.linked} new links to pages.`)
    return 0
  }
  throw new StoriesUsageError(`unknown command "${['stories', sub, action].filter(Boolean).join(' ')}"`)
}
