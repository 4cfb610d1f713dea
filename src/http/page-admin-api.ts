import { Hono, type MiddlewareHandler } from 'hono'
import { stream } from 'hono/streaming'
import { z } from 'zod'
import { createApiToken, listApiTokens, revokeApiToken, roleSchema, tokenNameSchema } from '../auth/accounts.ts'
import { listAudit } from '../auth/audit.ts'
import { getPage } from '../db/pages.ts'
import type { Db } from '../db/schema.ts'
import { changePageState, deletePage, lookupPage, pageMetaSchema, type PageAction, updatePageMeta } from '../page-admin.ts'
import type { Platforms } from '../platforms/index.ts'
import { parsePageLink } from '../platforms/links.ts'
import { exportCsv, importCsv, MAX_CSV_BYTES, previewCsv } from '../registry-csv.ts'
import { actorOf, type Auth } from './auth.ts'
import { BadRequestError, readJson } from './errors.ts'
import { pageParam } from './forms.ts'

export interface PageAdminApiDeps {
  db: Db
  auth: Pick<Auth, 'address' | 'requireRole'>
  platforms?: Platforms
  requireWrite: MiddlewareHandler
  now: () => Date
}

/** Paths whose bodies may be as large as a registry CSV (the app's body limit makes room for them). */
export const LARGE_BODY_PATHS: ReadonlySet<string> = new Set(['/api/pages/import', '/manage/import/preview', '/manage/import'])

const lookupSchema = z.object({ url: z.string({ error: 'url is required: a link to a VK or Telegram page' }).max(2048, 'url must be at most 2048 characters') }).strict()
const tokenSchema = z.object({ name: tokenNameSchema, role: roleSchema }).strict()

/**
 * JSON API for scripts managing the registry (edit, pause, archive, delete, lookup, CSV import/export)
 * and, for admins, API tokens and the audit log. Mounted under /api next to the foundation's routes.
 */
export function pageAdminApiRoutes(deps: PageAdminApiDeps) {
  const { db, now, requireWrite } = deps
  const admin = deps.auth.requireRole('admin')
  const actor = (c: Parameters<MiddlewareHandler>[0]) => actorOf(c, deps.auth)
  const pageId = (value: string) => Number(value)

  return new Hono()
    .post('/pages/lookup', requireWrite, async (c) => {
      const body = lookupSchema.parse(await readJson(c))
      const result = await lookupPage(deps.platforms, parsePageLink(body.url))
      c.set('audited', true) // a lookup changes nothing: no audit entry
      return c.json(result.ok ? { url: result.link.url, platform: result.link.platform, handle: result.link.handle, found: true, title: result.title, followers: result.followers, exact: result.exact } : { url: result.link.url, platform: result.link.platform, handle: result.link.handle, found: false, error: result.message })
    })
    .patch('/pages/:id{[0-9]+}', requireWrite, async (c) => {
      const id = pageId(c.req.param('id'))
      const patch = pageMetaSchema.parse(await readJson(c))
      const changed = await updatePageMeta(db, id, patch, actor(c), now())
      c.set('audited', true)
      return c.json({ page: await getPage(db, id), changed })
    })
    .post('/pages/:id{[0-9]+}/:action{pause|resume|archive|unarchive}', requireWrite, async (c) => {
      const id = pageId(c.req.param('id'))
      await changePageState(db, id, c.req.param('action') as PageAction, actor(c), now())
      c.set('audited', true)
      return c.json({ page: await getPage(db, id) })
    })
    .delete('/pages/:id{[0-9]+}', requireWrite, async (c) => {
      const id = pageId(c.req.param('id'))
      const history = c.req.query('history')
      if (history !== undefined && history !== 'keep' && history !== 'remove') throw new BadRequestError('history must be "keep" (the default) or "remove"')
      const counts = await deletePage(db, id, { withHistory: history === 'remove' }, actor(c), now())
      c.set('audited', true)
      return c.json({ deleted: id, historyRemoved: history === 'remove', history: counts })
    })
    .post('/pages/import', requireWrite, async (c) => {
      const dryRun = ['1', 'true'].includes(c.req.query('dryRun') ?? '')
      const bytes = new Uint8Array(await c.req.arrayBuffer())
      if (bytes.length === 0) throw new BadRequestError('Send the CSV as the request body (content-type: text/csv).')
      if (bytes.length > MAX_CSV_BYTES) throw new BadRequestError(`The CSV is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB.`, 413)
      const fileName = c.req.query('name')?.slice(0, 200)
      const result = dryRun ? { ...(await previewCsv(db, bytes)), added: 0, restored: 0, pageIds: [] as number[] } : await importCsv(db, bytes, actor(c), now(), { fileName })
      if (!dryRun) c.set('audited', true)
      const skipped = result.rows.filter((r) => r.status !== 'ready' && r.status !== 'restore')
      return c.json(
        {
          dryRun,
          encoding: result.encoding,
          separator: result.separator,
          fileErrors: result.fileErrors,
          rows: result.rows.length,
          counts: result.counts,
          added: result.added,
          restored: result.restored,
          skipped: skipped.map((r) => ({ line: r.line, url: r.url, status: r.status, reason: r.reason, pageId: r.pageId })),
        },
        result.fileErrors.length ? 400 : dryRun ? 200 : 201,
      )
    })
    .get('/pages/export', (c) => {
      const excel = ['1', 'true'].includes(c.req.query('excel') ?? '')
      const separator = c.req.query('sep') === ';' || excel ? ';' : ','
      const includeArchived = ['1', 'true'].includes(c.req.query('archived') ?? '')
      const stamp = now().toISOString().slice(0, 10)
      c.header('content-type', 'text/csv; charset=utf-8')
      c.header('content-disposition', `attachment; filename="publicpulse-pages-${stamp}.csv"`)
      return stream(c, async (out) => {
        for await (const chunk of exportCsv(db, { separator, bom: excel || c.req.query('bom') === '1', includeArchived })) await out.write(chunk)
      })
    })
    .get('/tokens', admin, async (c) => c.json({ tokens: await listApiTokens(db) }))
    .post('/tokens', admin, async (c) => {
      const body = tokenSchema.parse(await readJson(c))
      const { token, view } = await createApiToken(db, body, actor(c), now())
      c.set('audited', true)
      return c.json({ token, id: view.id, name: view.name, role: view.role, note: 'Shown only now; only its digest is stored.' }, 201)
    })
    .delete('/tokens/:id{[0-9]+}', admin, async (c) => {
      const view = await revokeApiToken(db, Number(c.req.param('id')), actor(c), now())
      c.set('audited', true)
      return c.json({ token: view })
    })
    .get('/audit', admin, async (c) => {
      const perPage = Math.min(500, pageParam(c.req.query('perPage') ?? '100'))
      const page = pageParam(c.req.query('page'))
      const { rows, total } = await listAudit(
        db,
        { action: c.req.query('action') || undefined, actor: c.req.query('actor') || undefined, targetType: c.req.query('targetType') || undefined, targetId: c.req.query('targetId') || undefined },
        { limit: perPage, offset: (page - 1) * perPage },
      )
      return c.json({ total, page, perPage, entries: rows.map((r) => ({ ...r, before: r.before && JSON.parse(r.before), after: r.after && JSON.parse(r.after) })) })
    })
}

