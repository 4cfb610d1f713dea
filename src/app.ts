import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { secureHeaders } from 'hono/secure-headers'
import type { Db } from './db/schema.ts'
import { apiRoutes } from './http/api.ts'
import { contextStorage } from 'hono/context-storage'
import { accountRoutes } from './http/account.tsx'
import { adminRoutes } from './http/admin.tsx'
import { createAuth } from './http/auth.ts'
import { OTHER_PROCESS_LAG_MS, responseCache } from './http/response-cache.ts'
import { laggedDataVersion } from './db/data-version.ts'
import { managePagesRoutes } from './http/manage-pages.tsx'
import { LARGE_BODY_PATHS, pageAdminApiRoutes } from './http/page-admin-api.ts'
import type { Platforms } from './platforms/index.ts'
import { analyticsRoutes } from './http/analytics.ts'
import { collectionRoutes } from './http/collection.tsx'
import { dashboardRoutes } from './http/dashboard.tsx'
import { i18nMiddleware } from './i18n/request.ts'
import { BadRequestError, errorHandler } from './http/errors.ts'
import { staticRoutes } from './http/static.ts'
import { storyRoutes } from './http/stories.ts'
import { storyPageExtras } from './stories/page-extras.tsx'
import type { Logger } from './logger.ts'
import type { Collector } from './scheduler/collect.ts'
import type { StoryPoller } from './stories/poll.ts'

export interface AppDeps {
  db: Db
  collector: Collector
  logger: Logger
  operatorToken: string
  now?: () => Date
  /** IANA zone the dashboard shows times in (TIME_ZONE; Europe/Moscow when absent). */
  timeZone?: string
  /** Platform collectors, for looking a page up before it is registered. */
  platforms?: Platforms
  /** PUBLIC_DASHBOARD and TRUST_PROXY; absent: reading needs a login, X-Forwarded-For is ignored. */
  access?: { publicDashboard: boolean; trustProxy: boolean }
  /** The news-feed poller shared with the schedule; routes make one with default limits if absent. */
  storyPoller?: StoryPoller
}

/** Largest request body accepted (a page registration is a few hundred bytes). */
export const MAX_BODY_BYTES = 64 * 1024
/** Largest CSV import request: an 8 MB file, or its base64 in the confirmation form. */
export const MAX_IMPORT_BODY_BYTES = 12 * 1024 * 1024

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
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new BadRequestError(`The request body is larger than ${Math.round(maxSize / 1024)} KB.`, 413)
      },
    })
  // Every body is limited; only CSV imports (a regional registry, sent back once as base64) get more room.
  const [small, large] = [limit(MAX_BODY_BYTES), limit(MAX_IMPORT_BODY_BYTES)]
  // GET and HEAD requests carry no body, so bodyLimit would pass them anyway; but asking for the body makes
  // @hono/node-server build a full Request and AbortController, ~0.1 ms a request (2026: /healthz served
  // ~3,600 req/s with it and ~6,500 without, next to autocannon on 2 cores).
  app.use((c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : (LARGE_BODY_PATHS.has(c.req.path) ? large : small)(c, next)))
  // Who is asking, what they may read and write, CSRF, and the audit of every write: one middleware.
  const auth = createAuth({ db: deps.db, operatorToken: deps.operatorToken, now, publicDashboard: deps.access?.publicDashboard ?? false, trustProxy: deps.access?.trustProxy ?? false })
  app.use(contextStorage(), auth.middleware)
  // The reader's language (?lang=, cookie, Accept-Language) for every page, including the layout's nav.
  const timeZone = deps.timeZone ?? 'Europe/Moscow'
  app.use(i18nMiddleware({ timeZone }))
  app.get('/healthz', (c) => c.json({ ok: true }))
  // Every write route takes this guard; access control lives behind it, in one place.
  const requireWrite = auth.requireWrite
  // Read-only JSON routes reuse their answers until the data changes (or RESPONSE_MAX_AGE_MS passes);
  // each route puts it after its guards, which still see another process's writes at once.
  const clock = () => now().getTime()
  const cached = responseCache({ version: laggedDataVersion(deps.db, { ms: OTHER_PROCESS_LAG_MS, now: clock }), now: clock })
  app.route('/api', apiRoutes({ db: deps.db, collector: deps.collector, requireWrite, cached, now }))
  app.route('/api', pageAdminApiRoutes({ db: deps.db, auth, platforms: deps.platforms, requireWrite, now }))
  const stories = storyRoutes({ db: deps.db, requireWrite, cached, now, logger: deps.logger, poller: deps.storyPoller })
  app.route('/api', stories.api)
  app.route('/stories', stories.pages)
  app.route('/static', staticRoutes())
  app.route('/', accountRoutes({ db: deps.db, auth, now }))
  app.route('/admin', adminRoutes({ db: deps.db, auth, now }))
  app.route('/manage', managePagesRoutes({ db: deps.db, auth, platforms: deps.platforms, requireWrite, now }))
  app.route('/api', analyticsRoutes({ db: deps.db, cached, now }))
  app.route('/collection', collectionRoutes({ db: deps.db, collector: deps.collector }))
  app.route('/', dashboardRoutes({ db: deps.db, now, timeZone, pageExtras: storyPageExtras(deps.db, now) }))
  app.notFound((c) => c.json({ error: `Nothing here: ${c.req.method} ${c.req.path}` }, 404))
  app.onError(errorHandler(deps.logger))
  return app
}
