import { Hono } from 'hono'
import { findPage, listPages } from '../db/pages.ts'
import { listRuns } from '../db/runs.ts'
import type { Db } from '../db/schema.ts'
import { listPosts, listSnapshots } from '../db/snapshots.ts'
import { pageInputSchema, registerPage } from '../registry.ts'
import type { Collector } from '../scheduler/collect.ts'
import type { MiddlewareHandler } from 'hono'
import { BadRequestError, readJson } from './errors.ts'

export interface ApiDeps {
  db: Db
  collector: Collector
  /** Guards every write route (operator credential). */
  requireWrite: MiddlewareHandler
  /** Reuses read-only answers until the data changes (response-cache.ts). */
  cached: MiddlewareHandler
  now: () => Date
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString())

/** Parses an optional `from`/`to` query value: ISO date-time or unix seconds. */
function timeParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined
  if (/^\d+$/.test(value)) return Number(value)
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new BadRequestError(`${name} must be an ISO date-time (2026-11-26T10:00:00Z) or unix seconds, got "${value}"`)
  return Math.floor(ms / 1000)
}

/** JSON API under /api. Reads are open; writes need the operator token. */
export function apiRoutes(deps: ApiDeps) {
  const { db } = deps
  const operator = deps.requireWrite
  const { cached } = deps

  const pageOr404 = async (id: string) => {
    const page = await findPage(db, Number(id))
    if (!page) throw new BadRequestError(`There is no page #${id}.`, 404)
    return page
  }

  return new Hono()
    .get('/pages', cached, async (c) => {
      const pages = await listPages(db)
      return c.json({ pages: pages.map((p) => ({ ...p, collectedAt: iso(p.collectedAt), statusAt: iso(p.statusAt) })) })
    })
    .post('/pages', operator, async (c) => {
      const body = pageInputSchema.parse(await readJson(c))
      const page = await registerPage(db, body, deps.now())
      return c.json({ page }, 201)
    })
    .get('/pages/:id{[0-9]+}', cached, async (c) => {
      const page = await pageOr404(c.req.param('id'))
      return c.json({ page: { ...page, collectedAt: iso(page.collectedAt), statusAt: iso(page.statusAt) } })
    })
    .get('/pages/:id{[0-9]+}/snapshots', cached, async (c) => {
      const page = await pageOr404(c.req.param('id'))
      const from = timeParam(c.req.query('from'), 'from')
      const to = timeParam(c.req.query('to'), 'to')
      const snapshots = await listSnapshots(db, page.id, { from, to })
      return c.json({
        snapshots: snapshots.map((s) => ({ collectedAt: iso(s.collectedAt), followers: s.followers, exact: s.exact, avgViews: s.avgViews })),
      })
    })
    .get('/pages/:id{[0-9]+}/posts', cached, async (c) => {
      const page = await pageOr404(c.req.param('id'))
      const posts = await listPosts(db, page.id)
      return c.json({
        posts: posts.map((p) => ({
          id: p.post_id,
          url: p.url,
          publishedAt: iso(p.published_at),
          text: p.text,
          views: p.views,
          likes: p.likes,
          reposts: p.reposts,
          comments: p.comments,
          updatedAt: iso(p.updated_at),
        })),
      })
    })
    .post('/collect', operator, async (c) => {
      const run = await deps.collector.run('manual')
      return c.json({ run: { ...run, startedAt: iso(run.startedAt), finishedAt: iso(run.finishedAt) } })
    })
    // Not cached: the run in flight's progress and ETA live in memory, not in the database.
    .get('/runs', async (c) => {
      const runs = await listRuns(db, 50)
      const current = deps.collector.current()
      // Each run carries `timings` (slowest pages, per-platform time); the run in flight its progress and ETA.
      return c.json({
        current: current ? { ...current, startedAt: iso(current.startedAt) } : null,
        runs: runs.map((r) => ({ ...r, startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt) })),
      })
    })
}
