import { sql, type Transaction } from 'kysely'
import { canonicalLink } from '../stories/links.ts'
import type { AliasMatcher, AliasOwner } from '../stories/match.ts'
import type { FeedItem } from '../stories/parse.ts'
import { displayTitle } from './pages.ts'
import type { Database, Db } from './schema.ts'

type Executor = Db | Transaction<Database>

// ---------------------------------------------------------------------------------------------
// Sources

/** A news feed as the API and pages show it. */
export interface StorySourceView {
  id: number
  url: string
  /** The operator's title, else the feed's, else null. */
  title: string | null
  createdAt: string
  status: string
  statusMessage: string | null
  statusAt: number | null
  lastOkAt: number | null
  consecutiveFailures: number
  stories: number
}

export class DuplicateSourceError extends Error {
  override readonly name = 'DuplicateSourceError'
  constructor(readonly existing: { id: number; url: string }) {
    super(`This feed is already registered as source #${existing.id} (${existing.url}).`)
  }
}

function sourceQuery(db: Executor) {
  return db
    .selectFrom('story_sources')
    .selectAll('story_sources')
    .select((eb) => eb.selectFrom('stories').select((e) => e.fn.countAll<number>().as('n')).whereRef('stories.source_id', '=', 'story_sources.id').as('stories'))
}

type SourceRow = Awaited<ReturnType<ReturnType<typeof sourceQuery>['executeTakeFirstOrThrow']>>

const toSourceView = (r: SourceRow): StorySourceView => ({
  id: r.id,
  url: r.url,
  title: r.title ?? r.feed_title,
  createdAt: r.created_at,
  status: r.status,
  statusMessage: r.status_message,
  statusAt: r.status_at,
  lastOkAt: r.last_ok_at,
  consecutiveFailures: r.consecutive_failures,
  stories: Number(r.stories ?? 0),
})

/** Registers a feed; throws DuplicateSourceError when the same URL is already registered. */
export async function insertStorySource(db: Db, input: { url: string; title?: string | null }, now: Date): Promise<StorySourceView> {
  const inserted = await db
    .insertInto('story_sources')
    .values({ url: input.url, title: input.title ?? null, feed_title: null, created_at: now.toISOString(), etag: null, last_modified: null, status_message: null, status_at: null, last_ok_at: null })
    .onConflict((oc) => oc.column('url').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) {
    const existing = await db.selectFrom('story_sources').select(['id', 'url']).where('url', '=', input.url).executeTakeFirstOrThrow()
    throw new DuplicateSourceError(existing)
  }
  return toSourceView(await sourceQuery(db).where('story_sources.id', '=', inserted.id).executeTakeFirstOrThrow())
}

export async function listStorySources(db: Db): Promise<StorySourceView[]> {
  return (await sourceQuery(db).orderBy('story_sources.id').execute()).map(toSourceView)
}

export async function findStorySource(db: Db, id: number): Promise<StorySourceView | undefined> {
  const row = await sourceQuery(db).where('story_sources.id', '=', id).executeTakeFirst()
  return row && toSourceView(row)
}

/** Removes a feed with its stories and their links (manual notes are not affected). True if it existed. */
export async function deleteStorySource(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('story_sources').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** What the poller needs to ask a feed again: the validators of the last body stored. */
export const listSourcesToPoll = (db: Db, ids?: readonly number[]) => {
  let query = db.selectFrom('story_sources').select(['id', 'url', 'etag', 'last_modified', 'consecutive_failures']).orderBy('id')
  if (ids) query = query.where('id', 'in', ids.length ? [...ids] : [-1])
  return query.execute()
}

export type PolledSource = Awaited<ReturnType<typeof listSourcesToPoll>>[number]

/** Records a poll that failed: the status says why; validators and stories are left as they were. */
export async function recordSourceFailure(db: Executor, source: PolledSource, kind: string, message: string, at: number): Promise<void> {
  await db
    .updateTable('story_sources')
    .set({ status: kind, status_message: message, status_at: at, consecutive_failures: source.consecutive_failures + 1 })
    .where('id', '=', source.id)
    .execute()
}

/** Records a 304 answer: nothing changed since the last body stored. */
export async function recordSourceNotModified(db: Executor, sourceId: number, at: number): Promise<void> {
  await db
    .updateTable('story_sources')
    .set({ status: 'not_modified', status_message: 'Not modified since the last poll.', status_at: at, last_ok_at: at, consecutive_failures: 0 })
    .where('id', '=', sourceId)
    .execute()
}

// ---------------------------------------------------------------------------------------------
// Stories from feeds

export interface StoreResult {
  /** Items seen for the first time. */
  added: number
  /** Items already stored from this feed whose text or link changed. */
  updated: number
  /** Items another feed (or an earlier item) already brought: same guid or same canonical link. */
  duplicates: number
  /** Page links created by alias matching. */
  linked: number
}

/**
 * Stores one feed's items and the feed's new state in one transaction. An item is the same story when
 * this feed gave the same guid before, else when any feed gave the same canonical link. New and changed
 * stories are matched against page aliases; links removed by hand stay removed.
 */
export async function storeFeedItems(
  db: Db,
  source: { id: number },
  feed: { title: string | null; items: readonly FeedItem[]; etag: string | null; lastModified: string | null },
  matcher: () => AliasMatcher,
  at: number,
): Promise<StoreResult> {
  return db.transaction().execute(async (trx) => {
    const result: StoreResult = { added: 0, updated: 0, duplicates: 0, linked: 0 }
    for (const item of feed.items) {
      const canonical = canonicalLink(item.link)
      const existing = await findSameStory(trx, source.id, item, canonical)
      if (existing && existing.source_id !== source.id) {
        result.duplicates++
        continue
      }
      let storyId: number
      if (existing) {
        const publishedAt = item.publishedAt ?? existing.published_at
        const changed =
          existing.title !== item.title || existing.summary !== item.summary || existing.link !== item.link || existing.published_at !== publishedAt || (item.guid !== null && existing.guid === null)
        if (!changed) continue
        await trx
          .updateTable('stories')
          .set({ title: item.title, summary: item.summary, link: item.link, canonical_link: canonical, published_at: publishedAt, guid: existing.guid ?? item.guid, updated_at: at, ...(item.publishedAt !== null ? { published_known: 1 as const } : {}) })
          .where('id', '=', existing.id)
          .execute()
        storyId = existing.id
        result.updated++
      } else {
        const row = await trx
          .insertInto('stories')
          .values({
            source_id: source.id,
            guid: item.guid,
            link: item.link,
            canonical_link: canonical,
            title: item.title,
            summary: item.summary,
            published_at: item.publishedAt ?? at,
            published_known: item.publishedAt === null ? 0 : 1,
            first_seen_at: at,
            updated_at: at,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        storyId = row.id
        result.added++
      }
      result.linked += await insertMatches(trx, storyId, matcher().match(storyText(item)), at)
    }
    await trx
      .updateTable('story_sources')
      .set({
        feed_title: feed.title,
        etag: feed.etag,
        last_modified: feed.lastModified,
        status: 'ok',
        status_message: `${feed.items.length} items read: ${result.added} new, ${result.updated} changed, ${result.duplicates} already known from another feed.`,
        status_at: at,
        last_ok_at: at,
        consecutive_failures: 0,
      })
      .where('id', '=', source.id)
      .execute()
    return result
  })
}

/** The text an alias is looked for in. */
export const storyText = (story: { title: string; summary: string | null }) => `${story.title}\n${story.summary ?? ''}`

async function findSameStory(trx: Executor, sourceId: number, item: FeedItem, canonical: string | null) {
  const columns = ['id', 'source_id', 'guid', 'title', 'summary', 'link', 'published_at'] as const
  if (item.guid) {
    const byGuid = await trx.selectFrom('stories').select(columns).where('source_id', '=', sourceId).where('guid', '=', item.guid).executeTakeFirst()
    if (byGuid) return byGuid
  }
  if (canonical) {
    // Feed stories only: an analyst's note that links the same article stays a separate note.
    return trx
      .selectFrom('stories')
      .select(columns)
      .where('canonical_link', '=', canonical)
      .where('source_id', 'is not', null)
      .orderBy(sql`source_id = ${sourceId}`, 'desc')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
  }
  if (!item.guid) {
    // Neither guid nor link: the same title at the same time (or undated both times) from the same feed.
    let query = trx.selectFrom('stories').select(columns).where('source_id', '=', sourceId).where('title', '=', item.title)
    query = item.publishedAt === null ? query.where('published_known', '=', 0) : query.where('published_at', '=', item.publishedAt)
    return query.executeTakeFirst()
  }
  return undefined
}

/** Inserts alias matches; a link that exists (or was removed by hand) is left alone. Returns links created. */
async function insertMatches(trx: Executor, storyId: number, matches: readonly { pageId: number; alias: string }[], at: number): Promise<number> {
  if (matches.length === 0) return 0
  const result = await trx
    .insertInto('page_stories')
    .values(matches.map((m) => ({ page_id: m.pageId, story_id: storyId, origin: 'match', matched_alias: m.alias, linked_at: at, removed_at: null })))
    .onConflict((oc) => oc.columns(['page_id', 'story_id']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}

/** Every live page with the words stories may call it by: its aliases and its handle. */
export async function listAliasOwners(db: Db): Promise<AliasOwner[]> {
  // Archived and deleted pages keep their history but get no new stories.
  const rows = await db.selectFrom('pages').select(['id', 'handle', 'aliases']).where('archived_at', 'is', null).where('deleted_at', 'is', null).execute()
  return rows.map((r) => ({ pageId: r.id, aliases: [...parseAliases(r.aliases), r.handle] }))
}

const parseAliases = (json: string): string[] => {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

/**
 * Matches stored feed stories against the current aliases again (after aliases changed), `batch` at a
 * time. Adds links only: links removed by hand, and links made earlier, stay as they are.
 */
export async function rematchStories(db: Db, matcher: AliasMatcher, at: number, options: { since?: number; batch?: number } = {}): Promise<{ stories: number; linked: number }> {
  const batch = options.batch ?? 500
  let after = 0
  let stories = 0
  let linked = 0
  for (;;) {
    let query = db.selectFrom('stories').select(['id', 'title', 'summary']).where('source_id', 'is not', null).where('id', '>', after)
    if (options.since !== undefined) query = query.where('published_at', '>=', options.since)
    const rows = await query.orderBy('id').limit(batch).execute()
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.id
    stories += rows.length
    await db.transaction().execute(async (trx) => {
      for (const row of rows) linked += await insertMatches(trx, row.id, matcher.match(storyText(row)), at)
    })
    if (rows.length < batch) break
  }
  return { stories, linked }
}

// ---------------------------------------------------------------------------------------------
// Manual notes and links by hand

export class UnknownPagesError extends Error {
  override readonly name = 'UnknownPagesError'
  constructor(readonly ids: number[]) {
    super(ids.length === 1 ? `There is no page #${ids[0]}.` : `There are no pages ${ids.map((id) => `#${id}`).join(', ')}.`)
  }
}

export interface ManualStoryInput {
  title: string
  link?: string | null
  summary?: string | null
  publishedAt: number
  pageIds: readonly number[]
}

/** Adds an analyst's dated note linked to the given pages, all or nothing (UnknownPagesError names missing pages). */
export async function insertManualStory(db: Db, input: ManualStoryInput, at: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const pageIds = [...new Set(input.pageIds)]
    const found = pageIds.length ? await trx.selectFrom('pages').select('id').where('id', 'in', pageIds).execute() : []
    const missing = pageIds.filter((id) => !found.some((f) => f.id === id))
    if (missing.length) throw new UnknownPagesError(missing)
    const { id } = await trx
      .insertInto('stories')
      .values({
        source_id: null,
        guid: null,
        link: input.link ?? null,
        canonical_link: canonicalLink(input.link),
        title: input.title,
        summary: input.summary ?? null,
        published_at: input.publishedAt,
        published_known: 1,
        first_seen_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (pageIds.length) {
      await trx
        .insertInto('page_stories')
        .values(pageIds.map((pageId) => ({ page_id: pageId, story_id: id, origin: 'manual', matched_alias: null, linked_at: at, removed_at: null })))
        .execute()
    }
    return id
  })
}

export const findStoryRow = (db: Db, id: number) => db.selectFrom('stories').select(['id', 'title']).where('id', '=', id).executeTakeFirst()

/**
 * Links a story to a page by hand. A link removed earlier is restored (as manual). Returns whether a
 * link had to be created, restored, or already existed.
 */
export async function linkStory(db: Db, pageId: number, storyId: number, at: number): Promise<'created' | 'restored' | 'exists'> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('page_stories').select(['removed_at']).where('page_id', '=', pageId).where('story_id', '=', storyId).executeTakeFirst()
    if (current && current.removed_at === null) return 'exists'
    if (current) {
      await trx.updateTable('page_stories').set({ removed_at: null, origin: 'manual', matched_alias: null, linked_at: at }).where('page_id', '=', pageId).where('story_id', '=', storyId).execute()
      return 'restored'
    }
    await trx.insertInto('page_stories').values({ page_id: pageId, story_id: storyId, origin: 'manual', matched_alias: null, linked_at: at, removed_at: null }).execute()
    return 'created'
  })
}

/** Unlinks a story from a page, remembering it so matching never links them again. False if they were not linked. */
export async function unlinkStory(db: Db, pageId: number, storyId: number, at: number): Promise<boolean> {
  const result = await db
    .updateTable('page_stories')
    .set({ removed_at: at })
    .where('page_id', '=', pageId)
    .where('story_id', '=', storyId)
    .where('removed_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

// ---------------------------------------------------------------------------------------------
// Reading stories

export interface StoryPageLink {
  pageId: number
  pageTitle: string
  platform: string
  /** 'match' or 'manual'. */
  origin: string
  /** The alias found in the story, for origin 'match'. */
  alias: string | null
  linkedAt: number
}

export interface StoryView {
  id: number
  title: string
  summary: string | null
  link: string | null
  source: { id: number; title: string | null; url: string } | null
  publishedAt: number
  /** False when the feed gave no usable date: publishedAt is when publishedpulse first saw it. */
  publishedKnown: boolean
  firstSeenAt: number
  pages: StoryPageLink[]
}

export interface StoryFilter {
  /** One story by id. */
  id?: number
  pageId?: number
  /** A source id, or 'manual' for analysts' notes. */
  source?: number | 'manual'
  /** Unix seconds, inclusive. */
  from?: number
  to?: number
  limit?: number
  offset?: number
}

/** Stories newest first with the pages they are linked to (links removed by hand are left out). */
export async function listStories(db: Db, filter: StoryFilter = {}): Promise<StoryView[]> {
  let query = db
    .selectFrom('stories')
    .leftJoin('story_sources', 'story_sources.id', 'stories.source_id')
    .select([
      'stories.id',
      'stories.title',
      'stories.summary',
      'stories.link',
      'stories.source_id',
      'stories.published_at',
      'stories.published_known',
      'stories.first_seen_at',
      'story_sources.title as source_title',
      'story_sources.feed_title as source_feed_title',
      'story_sources.url as source_url',
    ])
  if (filter.pageId !== undefined) {
    const pageId = filter.pageId
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('page_stories').select('page_stories.story_id').whereRef('page_stories.story_id', '=', 'stories.id').where('page_stories.page_id', '=', pageId).where('page_stories.removed_at', 'is', null)),
    )
  }
  if (filter.id !== undefined) query = query.where('stories.id', '=', filter.id)
  if (filter.source === 'manual') query = query.where('stories.source_id', 'is', null)
  else if (filter.source !== undefined) query = query.where('stories.source_id', '=', filter.source)
  if (filter.from !== undefined) query = query.where('stories.published_at', '>=', filter.from)
  if (filter.to !== undefined) query = query.where('stories.published_at', '<=', filter.to)
  const rows = await query
    .orderBy('stories.published_at', 'desc')
    .orderBy('stories.id', 'desc')
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute()
  const links = await listLinks(db, rows.map((r) => r.id))
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    summary: r.summary,
    link: r.link,
    source: r.source_id === null ? null : { id: r.source_id, title: r.source_title ?? r.source_feed_title, url: r.source_url ?? '' },
    publishedAt: r.published_at,
    publishedKnown: r.published_known === 1,
    firstSeenAt: r.first_seen_at,
    pages: links.get(r.id) ?? [],
  }))
}

async function listLinks(db: Db, storyIds: number[]): Promise<Map<number, StoryPageLink[]>> {
  const out = new Map<number, StoryPageLink[]>()
  for (let i = 0; i < storyIds.length; i += 500) {
    const rows = await db
      .selectFrom('page_stories')
      .innerJoin('pages', 'pages.id', 'page_stories.page_id')
      .select(['page_stories.story_id', 'page_stories.page_id', 'page_stories.origin', 'page_stories.matched_alias', 'page_stories.linked_at', 'pages.title', 'pages.platform_title', 'pages.handle', 'pages.platform'])
      .where('page_stories.story_id', 'in', storyIds.slice(i, i + 500))
      .where('page_stories.removed_at', 'is', null)
      .orderBy('page_stories.page_id')
      .execute()
    for (const r of rows) {
      const link: StoryPageLink = { pageId: r.page_id, pageTitle: displayTitle(r), platform: r.platform, origin: r.origin, alias: r.matched_alias, linkedAt: r.linked_at }
      const list = out.get(r.story_id)
      if (list) list.push(link)
      else out.set(r.story_id, [link])
    }
  }
  return out
}

/** Pages that have at least one story linked, for the stories page's filter (capped). */
export const listPagesWithStories = async (db: Db, limit = 500) =>
  (
    await db
      .selectFrom('pages')
      .select(['pages.id', 'pages.title', 'pages.platform_title', 'pages.handle'])
      .where((eb) => eb.exists(eb.selectFrom('page_stories').select('page_stories.page_id').whereRef('page_stories.page_id', '=', 'pages.id').where('page_stories.removed_at', 'is', null)))
      .where('pages.deleted_at', 'is', null)
      .orderBy('pages.id')
      .limit(limit)
      .execute()
  ).map((r) => ({ id: r.id, title: displayTitle(r) }))
