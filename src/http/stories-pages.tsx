import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { hasRole } from '../auth/roles.ts'
import { findPage } from '../db/pages.ts'
import type { Db } from '../db/schema.ts'
import { deleteStorySource, DuplicateSourceError, insertManualStory, insertStorySource, listPagesWithStories, listStorySources, unlinkStory, UnknownPagesError } from '../db/stories.ts'
import { zonedDayStart } from '../i18n/format.ts'
import { i18nOf } from '../i18n/request.ts'
import { PollInProgressError, type StoryPoller } from '../stories/poll.ts'
import { listStoriesWithEffects, manualStorySchema, sourceInputSchema, type StoryQuery } from '../stories/service.ts'
import { StoriesPage } from '../views/stories.tsx'
import { currentIdentity } from './auth.ts'
import { BadRequestError, describeZodError } from './errors.ts'
import { formFields, localPath } from './forms.ts'
import { readStoryQuery } from './story-query.ts'

export interface StoryPageDeps {
  db: Db
  now: () => Date
  /** Guards every form post (an operator; the auth middleware also checks the form's CSRF token). */
  requireWrite: MiddlewareHandler
  poller: StoryPoller
}

const canWrite = () => {
  const identity = currentIdentity()
  return identity !== null && hasRole(identity.role, 'operator')
}

const withNotice = (path: string, notice: string, anchor = '') => {
  const [base, hash] = path.split('#')
  return `${base}${base!.includes('?') ? '&' : '?'}notice=${notice}${hash ? `#${hash}` : anchor}`
}

/**
 * The stories page (/stories) and its forms: recent stories with their pages and effects, filtered by
 * source and page and sortable by effect; operators add and remove feeds, poll them, unlink wrong
 * matches, and add notes (from a page's view). Forms answer with a redirect, or the page with the
 * reason when refused.
 */
export function storyPageRoutes(deps: StoryPageDeps) {
  const { db } = deps
  const seconds = () => Math.floor(deps.now().getTime() / 1000)

  const render = async (c: Context, extra: { query?: StoryQuery; error?: string; status?: 200 | 400 | 404 | 409; feedForm?: { url: string; title: string } } = {}) => {
    const i18n = i18nOf(c)
    const query = extra.query ?? {}
    const [stories, sources, pages] = await Promise.all([
      listStoriesWithEffects(db, { ...query, limit: query.limit ?? 100 }, seconds()),
      listStorySources(db),
      listPagesWithStories(db),
    ])
    const selected = query.pageId !== undefined && !pages.some((p) => p.id === query.pageId) ? await findPage(db, query.pageId) : undefined
    return c.html(
      <StoriesPage
        i18n={i18n}
        stories={stories}
        sources={sources}
        pages={selected ? [...pages, { id: selected.id, title: selected.title }] : pages}
        query={query}
        canWrite={canWrite()}
        error={extra.error}
        notice={c.req.query('notice')}
        feedForm={extra.feedForm}
      />,
      extra.status ?? 200,
    )
  }

  return new Hono()
    .get('/', async (c) => {
      const zone = i18nOf(c).fmt.timeZone
      try {
        const query = readStoryQuery(
          (name) => c.req.query(name),
          (date, end) => (end ? zonedDayStart(date, zone, 1)! - 1 : zonedDayStart(date, zone)),
        )
        return await render(c, { query })
      } catch (error) {
        if (!(error instanceof BadRequestError)) throw error
        return render(c, { error: error.message, status: 400 })
      }
    })
    .post('/sources', deps.requireWrite, async (c) => {
      const form = await formFields(c)
      const feedForm = { url: form.url ?? '', title: form.title ?? '' }
      try {
        await insertStorySource(db, sourceInputSchema.parse({ url: feedForm.url, title: feedForm.title || undefined }), deps.now())
        return c.redirect('/stories?notice=source-added#feeds', 303)
      } catch (error) {
        if (error instanceof z.ZodError) return render(c, { error: describeZodError(error), status: 400, feedForm })
        if (error instanceof DuplicateSourceError) return render(c, { error: error.message, status: 409, feedForm })
        throw error
      }
    })
    .post('/sources/:id{[0-9]+}/delete', deps.requireWrite, async (c) => {
      const id = Number(c.req.param('id'))
      if (!(await deleteStorySource(db, id))) return render(c, { error: `There is no news source #${id}.`, status: 404 })
      return c.redirect('/stories?notice=source-removed#feeds', 303)
    })
    .post('/poll', deps.requireWrite, async (c) => {
      try {
        await deps.poller.run()
        return c.redirect('/stories?notice=polled#feeds', 303)
      } catch (error) {
        if (error instanceof PollInProgressError) return render(c, { error: error.message, status: 409 })
        throw error
      }
    })
    .post('/:storyId{[0-9]+}/unlink', deps.requireWrite, async (c) => {
      const form = await formFields(c)
      const storyId = Number(c.req.param('storyId'))
      const pageId = Number(form.page)
      if (!Number.isSafeInteger(pageId) || !(await unlinkStory(db, pageId, storyId, seconds()))) {
        return render(c, { error: `Story #${storyId} is not linked to page #${form.page ?? '?'}.`, status: 404 })
      }
      return c.redirect(withNotice(localPath(form.back, '/stories'), 'unlinked'), 303)
    })
    .post('/notes', deps.requireWrite, async (c) => {
      const form = await formFields(c)
      const zone = i18nOf(c).fmt.timeZone
      const day = zonedDayStart(form.date ?? '', zone)
      const clock = /^(\d{2}):(\d{2})$/.exec(form.time ?? '00:00')
      const publishedAt = day === undefined || !clock ? (form.date ?? '') : day + Number(clock[1]) * 3600 + Number(clock[2]) * 60
      try {
        const body = manualStorySchema.parse({ title: form.title, link: form.link || undefined, publishedAt, pages: [Number(form.page)] })
        await insertManualStory(db, { title: body.title, link: body.link, publishedAt: body.publishedAt, pageIds: body.pages }, seconds())
        return c.redirect(localPath(form.back, `/stories?page=${body.pages[0]}`), 303)
      } catch (error) {
        if (error instanceof z.ZodError) return render(c, { error: describeZodError(error), status: 400 })
        if (error instanceof UnknownPagesError) return render(c, { error: `${error.message} Nothing was saved.`, status: 400 })
        throw error
      }
    })
}
