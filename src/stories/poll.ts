import { listAliasOwners, listSourcesToPoll, type PolledSource, recordSourceFailure, recordSourceNotModified, storeFeedItems } from '../db/stories.ts'
import type { Db } from '../db/schema.ts'
import type { Logger } from '../logger.ts'
import { decodeFeed } from './decode.ts'
import { describeUrl, FeedError, fetchFeed } from './fetch-feed.ts'
import { AliasMatcher } from './match.ts'
import { parseFeed } from './parse.ts'

export interface StoryPollerDeps {
  db: Db
  logger: Logger
  /** Deadline of one feed request (FEED_TIMEOUT_MS). */
  feedTimeoutMs: number
  /** Largest feed body read (FEED_MAX_BYTES). */
  feedMaxBytes: number
  /** Feeds fetched at once. */
  concurrency?: number
  now?: () => Date
}

/** What one feed's poll did. `status` is 'ok', 'not_modified' or a FeedErrorKind. */
export interface SourcePollResult {
  sourceId: number
  url: string
  status: string
  message: string
  added: number
  linked: number
}

export interface PollSummary {
  sources: number
  ok: number
  notModified: number
  failed: number
  added: number
  linked: number
  results: SourcePollResult[]
}

export class PollInProgressError extends Error {
  override readonly name = 'PollInProgressError'
  constructor() {
    super('A poll of the news feeds is already running; wait for it to finish.')
  }
}

export interface StoryPoller {
  /** Polls every source (or the given ones) once. Throws PollInProgressError if a poll is in flight. */
  run(options?: { sourceIds?: readonly number[]; signal?: AbortSignal }): Promise<PollSummary>
  /** True while a poll is in flight. */
  running(): boolean
}

/**
 * Polls the registered news feeds. Each feed is fetched, decoded, parsed and stored on its own: a feed
 * that times out, answers garbage or is too large records that on its source and the others carry on.
 * Only one poll runs at a time in a process (the schedule, the API and a manual run share this guard).
 */
export function createStoryPoller(deps: StoryPollerDeps): StoryPoller {
  const now = deps.now ?? (() => new Date())
  const seconds = () => Math.floor(now().getTime() / 1000)
  let inFlight = false

  async function run(options: { sourceIds?: readonly number[]; signal?: AbortSignal } = {}): Promise<PollSummary> {
    if (inFlight) throw new PollInProgressError()
    inFlight = true
    try {
      const sources = await listSourcesToPoll(deps.db, options.sourceIds)
      // Aliases are compiled once per poll, and only if some feed brought something new.
      let matcher: AliasMatcher | undefined
      const owners = sources.length ? await listAliasOwners(deps.db) : []
      const getMatcher = () => (matcher ??= new AliasMatcher(owners))
      const results: SourcePollResult[] = []
      const queue = [...sources]
      const worker = async () => {
        for (let source = queue.shift(); source; source = queue.shift()) {
          if (options.signal?.aborted) return
          results.push(await pollSource(source, getMatcher, options.signal))
        }
      }
      await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 4, Math.max(sources.length, 1)) }, worker))
      results.sort((a, b) => a.sourceId - b.sourceId)
      const summary: PollSummary = {
        sources: sources.length,
        ok: results.filter((r) => r.status === 'ok').length,
        notModified: results.filter((r) => r.status === 'not_modified').length,
        failed: results.filter((r) => r.status !== 'ok' && r.status !== 'not_modified').length,
        added: results.reduce((n, r) => n + r.added, 0),
        linked: results.reduce((n, r) => n + r.linked, 0),
        results,
      }
      deps.logger.info({ sources: summary.sources, ok: summary.ok, notModified: summary.notModified, failed: summary.failed, added: summary.added, linked: summary.linked }, 'news feeds polled')
      return summary
    } finally {
      inFlight = false
    }
  }

  async function pollSource(source: PolledSource, matcher: () => AliasMatcher, signal?: AbortSignal): Promise<SourcePollResult> {
    const where = describeUrl(source.url)
    const base = { sourceId: source.id, url: source.url, added: 0, linked: 0 }
    try {
      const response = await fetchFeed(source.url, { timeoutMs: deps.feedTimeoutMs, maxBytes: deps.feedMaxBytes, etag: source.etag, lastModified: source.last_modified, signal })
      if (response.notModified) {
        await recordSourceNotModified(deps.db, source.id, seconds())
        return { ...base, status: 'not_modified', message: 'Not modified since the last poll.' }
      }
      const { text } = decodeFeed(response.body, response.contentType)
      const feed = parseFeed(text, response.url)
      const stored = await storeFeedItems(deps.db, source, { title: feed.title, items: feed.items, etag: response.etag, lastModified: response.lastModified }, matcher, seconds())
      return { ...base, status: 'ok', message: `${feed.items.length} items, ${stored.added} new`, added: stored.added, linked: stored.linked }
    } catch (error) {
      const kind = error instanceof FeedError ? error.kind : 'error'
      const message = error instanceof FeedError ? error.message : `unexpected error while reading ${where}: ${(error as Error)?.message ?? String(error)}`
      if (!(error instanceof FeedError)) deps.logger.error({ err: error, source: source.id }, 'news feed poll failed unexpectedly')
      else deps.logger.warn({ source: source.id, url: where, kind }, message)
      try {
        await recordSourceFailure(deps.db, source, kind, message, seconds())
      } catch (recordError) {
        deps.logger.error({ err: recordError, source: source.id }, 'could not record the feed error')
      }
      return { ...base, status: kind, message }
    }
  }

  return { run, running: () => inFlight }
}
