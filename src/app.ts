import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { secureHeaders } from 'hono/secure-headers'
import type { Db } from './db/schema.ts'
import { apiRoutes } from './http/api.ts'
import { requireOperator } from './http/auth.ts'
import { dashboardRoutes } from './http/dashboard.tsx'
import { BadRequestError, errorHandler } from './http/errors.ts'
import { staticRoutes } from './http/static.ts'
import { storyApiRoutes, storyPageRoutes } from './http/stories.ts'
import type { Logger } from './logger.ts'
import type { Collector } from './scheduler/collect.ts'
import type { StoryPoller } from './stories/poll.ts'

export interface AppDeps {
  db: Db
  collector: Collector
  logger: Logger
  operatorToken: string
  now?: () => Date
  /** The news-feed poller shared with the schedule; routes make one with default limits if absent. */
  storyPoller?: StoryPoller
}

/** Largest request body accepted (a page registration is a few hundred bytes). */
export const MAX_BODY_BYTES = 64 * 1024

export function createApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date())
  const app = new Hono()
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
    }),
  )
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new BadRequestError(`The request body is larger than ${MAX_BODY_BYTES / 1024} KB.`, 413)
      },
    }),
  )
  app.get('/healthz', (c) => c.json({ ok: true }))
  // Every write route takes this guard; access control lives behind it, in one place.
  const requireWrite = requireOperator(deps.operatorToken)
  app.route('/api', apiRoutes({ db: deps.db, collector: deps.collector, requireWrite, now }))
  app.route('/api', storyApiRoutes({ db: deps.db, requireWrite, now, logger: deps.logger, poller: deps.storyPoller }))
  app.route('/stories', storyPageRoutes({ db: deps.db, now }))
  app.route('/static', staticRoutes())
  app.route('/', dashboardRoutes({ db: deps.db }))
  app.notFound((c) => c.json({ error: `Nothing here: ${c.req.method} ${c.req.path}` }, 404))
  app.onError(errorHandler(deps.logger))
  return app
}
