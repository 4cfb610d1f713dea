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
  listStorySources,
  rematchStories,
  type StorySourceView,
  unlinkStory,
  UnknownPagesError,
} from '../db/stories.ts'
import type { Logger } from '../logger.ts'
import { AliasMatcher } from '../stories/match.ts'
import { createStoryPoller, PollInProgressError, type StoryPoller } from '../stories/poll.ts'
import { listStoriesWithEffects, manualStorySchema, sourceInputSchema, type StoryWithEffects } from '../stories/service.ts'
import { BadRequestError, readJson } from './errors.ts'
import { storyPageRoutes } from './stories-pages.tsx'
import { readStoryQuery } from './story-query.ts'

export interface StoryRouteDeps {
  db: Db
  /** Guards every write route (operator credential). */
  requireWrite: MiddlewareHandler
  /** Reuses read-only answers until the data changes (response-cache.ts). */
  cached: MiddlewareHandler
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

/** A bare date in the API is a UTC day: `from` its first second, `to` its last. */
const utcDay = (date: string, end: boolean) => {
  const ms = Date.parse(`${date}T00:00:00Z`)
  return Number.isNaN(ms) ? undefined : ms / 1000 + (end ? 86_399 : 0)
}

const defaultPoller = (deps: StoryRouteDeps) => createStoryPoller({ db: deps.db, logger: deps.logger, feedTimeoutMs: 15_000, feedMaxBytes: 5 * 1024 * 1024, now: deps.now })

/**
 * Everything stories add to the app, sharing one poller (so an API poll, a form's poll and the
 * schedule never overlap): the JSON API (mount under /api) and the HTML pages (mount under /stories).
 */
export function storyRoutes(deps: StoryRouteDeps) {
  const poller = deps.poller ?? defaultPoller(deps)
  return { api: storyApiRoutes({ ...deps, poller }), pages: storyPageRoutes({ ...deps, poller }) }
}

/** JSON API for news feeds, stories and their links to pages; mounted under /api. Writes need the operator token. */
export function storyApiRoutes(deps: StoryRouteDeps) {
  const { db } = deps
  const operator = deps.requireWrite
  const { cached } = deps
  const seconds = () => Math.floor(deps.now().getTime() / 1000)
  const poller = deps.poller ?? defaultPoller(deps)

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
    .get('/story-sources', cached, async (c) => c.json({ sources: (await listStorySources(db)).map(sourceJson) }))
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
    .get('/stories', cached, async (c) => {
      const query = readStoryQuery((name) => c.req.query(name), utcDay)
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
