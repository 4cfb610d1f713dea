import { Hono, type MiddlewareHandler } from 'hono'
import { findPage } from '../db/pages.ts'
import type { Db } from '../db/schema.ts'
import {
  deleteStorySource,
  DuplicateSourceError,
  findStoryRow,
  findStorySource,
  insertManualStory,
  insertStorySource,
  linkStory,
  listAliasOwners,
  listPagesWithStories,
  listStorySources,
  rematchStories,
  type StorySourceView,
  unlinkStory,
  UnknownPagesError,
} from '../db/stories.ts'
import type { Logger } from '../logger.ts'
import { AliasMatcher } from '../stories/match.ts'
import { createStoryPoller, PollInProgressError, type StoryPoller } from '../stories/poll.ts'
import { listStoriesWithEffects, manualStorySchema, parseTime, sourceInputSchema, STORY_SORTS, type StoryQuery, type StorySort, type StoryWithEffects } from '../stories/service.ts'
import { StoriesPage } from '../views/stories.tsx'
import { BadRequestError, readJson } from './errors.ts'

export interface StoryRouteDeps {
  db: Db
  /** Guards every write route (operator credential). */
  requireWrite: MiddlewareHandler
  now: () => Date
  logger: Logger
  /** The process's poller (shared with the schedule, so polls never overlap); one with default limits if absent. */
  poller?: StoryPoller
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString())

const sourceJson = (s: StorySourceView) => ({ ...s, statusAt: iso(s.statusAt), lastOkAt: iso(s.lastOkAt) })


const storyJson = (s: StoryWithEffects) => ({
  id: s.id,
  title: s.title,
  summary: s.summary,
  link: s.link,
  source: s.source,
  publishedAt: iso(s.publishedAt),
  publishedKnown: s.publishedKnown,
  firstSeenAt: iso(s.firstSeenAt),
  pages: s.pages.map((p) => ({ id: p.pageId, title: p.pageTitle, platform: p.platform, origin: p.origin, alias: p.alias, linkedAt: iso(p.linkedAt), effect: p.effect })),
})

const positiveId = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined || value === '') return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new BadRequestError(`${name} must be a positive whole number (an id), got "${value}"`)
  return Number(value)
}

const timeQuery = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined || value === '') return undefined
  const seconds = parseTime(value)
  if (seconds === undefined) throw new BadRequestError(`${name} must be an ISO date-time (2026-11-26T10:00:00Z) or unix seconds, got "${value}"`)
  return seconds
}

/**
 * Reads the stories filter shared by the API and the stories page: page, source (an id or "manual"),
 * from, to, sort, order, limit, offset. Every bad value is a 400 naming it.
 */
export function readStoryQuery(q: (name: string) => string | undefined): StoryQuery {
  const source = q('source')
  const sort = q('sort') || undefined
  if (sort !== undefined && !STORY_SORTS.includes(sort as StorySort)) throw new BadRequestError(`sort must be one of ${STORY_SORTS.join(', ')}, got "${sort}"`)
  const order = q('order') || undefined
  if (order !== undefined && order !== 'asc' && order !== 'desc') throw new BadRequestError(`order must be asc or desc, got "${order}"`)
  const limit = positiveId(q('limit'), 'limit')
  if (limit !== undefined && limit > 500) throw new BadRequestError(`limit must be at most 500, got ${limit}`)
  const offsetText = q('offset')
  if (offsetText && !/^\d+$/.test(offsetText)) throw new BadRequestError(`offset must be a whole number, got "${offsetText}"`)
  const from = timeQuery(q('from'), 'from')
  const to = timeQuery(q('to'), 'to')
  if (from !== undefined && to !== undefined && from > to) throw new BadRequestError('from must not be later than to')
  return {
    pageId: positiveId(q('page'), 'page'),
    source: source === 'manual' ? 'manual' : positiveId(source, 'source (a source id or "manual")'),
    from,
    to,
    sort: sort as StorySort | undefined,
    order,
    limit,
    offset: offsetText ? Number(offsetText) : undefined,
  }
}

/** JSON API for news feeds, stories and their links to pages; mounted under /api. Writes need the operator token. */
export function storyApiRoutes(deps: StoryRouteDeps) {
  const { db } = deps
  const operator = deps.requireWrite
  const seconds = () => Math.floor(deps.now().getTime() / 1000)
  const poller = deps.poller ?? createStoryPoller({ db, logger: deps.logger, feedTimeoutMs: 15_000, feedMaxBytes: 5 * 1024 * 1024, now: deps.now })

  const pageOr404 = async (id: string) => {
    const page = await findPage(db, Number(id))
    if (!page) throw new BadRequestError(`There is no page #${id}.`, 404)
    return page
  }
  const storyOr404 = async (id: string) => {
    const story = await findStoryRow(db, Number(id))
    if (!story) throw new BadRequestError(`There is no story #${id}.`, 404)
    return story
  }

  return new Hono()
    .get('/story-sources', async (c) => c.json({ sources: (await listStorySources(db)).map(sourceJson) }))
    .post('/story-sources', operator, async (c) => {
      const body = sourceInputSchema.parse(await readJson(c))
      try {
        const source = await insertStorySource(db, body, deps.now())
        return c.json({ source: sourceJson(source) }, 201)
      } catch (error) {
        if (error instanceof DuplicateSourceError) return c.json({ error: error.message, source: error.existing }, 409)
        throw error
      }
    })
    .delete('/story-sources/:id{[0-9]+}', operator, async (c) => {
      const id = Number(c.req.param('id'))
      if (!(await deleteStorySource(db, id))) throw new BadRequestError(`There is no news source #${id}.`, 404)
      return c.json({ deleted: { id } })
    })
    .post('/story-sources/poll', operator, async (c) => {
      try {
        return c.json({ poll: await poller.run() })
      } catch (error) {
        if (error instanceof PollInProgressError) throw new BadRequestError(error.message, 409)
        throw error
      }
    })
    .get('/stories', async (c) => {
      const query = readStoryQuery((name) => c.req.query(name))
      if (query.pageId !== undefined) await pageOr404(String(query.pageId))
      if (typeof query.source === 'number' && !(await findStorySource(db, query.source))) throw new BadRequestError(`There is no news source #${query.source}.`, 404)
      const stories = await listStoriesWithEffects(db, query, seconds())
      return c.json({ stories: stories.map(storyJson) })
    })
    .post('/stories', operator, async (c) => {
      const body = manualStorySchema.parse(await readJson(c))
      try {
        const id = await insertManualStory(db, { title: body.title, link: body.link, summary: body.summary, publishedAt: body.publishedAt, pageIds: body.pages }, seconds())
        const [story] = await listStoriesWithEffects(db, { id }, seconds())
        return c.json({ story: storyJson(story!) }, 201)
      } catch (error) {
        if (error instanceof UnknownPagesError) throw new BadRequestError(`${error.message} Nothing was saved.`)
        throw error
      }
    })
    .post('/stories/rematch', operator, async (c) => {
      const result = await rematchStories(db, new AliasMatcher(await listAliasOwners(db)), seconds())
      return c.json({ rematch: result })
    })
    .post('/pages/:id{[0-9]+}/stories/:storyId{[0-9]+}', operator, async (c) => {
      const page = await pageOr404(c.req.param('id'))
      const story = await storyOr404(c.req.param('storyId'))
      const outcome = await linkStory(db, page.id, story.id, seconds())
      return c.json({ link: { pageId: page.id, storyId: story.id, origin: 'manual', outcome } }, outcome === 'exists' ? 200 : 201)
    })
    .delete('/pages/:id{[0-9]+}/stories/:storyId{[0-9]+}', operator, async (c) => {
      const page = await pageOr404(c.req.param('id'))
      const story = await storyOr404(c.req.param('storyId'))
      if (!(await unlinkStory(db, page.id, story.id, seconds()))) throw new BadRequestError(`Story #${story.id} is not linked to page #${page.id}.`, 404)
      return c.json({ unlinked: { pageId: page.id, storyId: story.id } })
    })
}

/** The stories page (/stories): recent stories with their pages and effects, filtered by source and page. */
export function storyPageRoutes(deps: { db: Db; now: () => Date }) {
  const { db } = deps
  return new Hono().get('/', async (c) => {
    let query: StoryQuery
    try {
      query = readStoryQuery((name) => c.req.query(name))
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error
      return c.html(StoriesPage({ stories: [], sources: await listStorySources(db), pages: await listPagesWithStories(db), query: {}, error: error.message }), 400)
    }
    const [stories, sources, pages] = await Promise.all([listStoriesWithEffects(db, { ...query, limit: query.limit ?? 100 }, Math.floor(deps.now().getTime() / 1000)), listStorySources(db), listPagesWithStories(db)])
    const selected = query.pageId !== undefined && !pages.some((p) => p.id === query.pageId) ? await findPage(db, query.pageId) : undefined
    return c.html(StoriesPage({ stories, sources, pages: selected ? [...pages, { id: selected.id, title: selected.title }] : pages, query }))
  })
}
