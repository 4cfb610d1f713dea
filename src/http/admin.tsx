import { Hono } from 'hono'
import { stringify } from 'csv-stringify/sync'
import { createApiToken, createUser, listApiTokens, listUsers, resetPassword, revokeApiToken, roleSchema, setUserDisabled, setUserRole } from '../auth/accounts.ts'
import { AUDIT_CSV_COLUMNS, type AuditFilter, listAudit, streamAudit } from '../auth/audit.ts'
import type { Db } from '../db/schema.ts'
import { spreadsheetSafe } from '../registry-csv.ts'
import { AuditPage, TokensPage, UsersPage } from '../views/admin.tsx'
import { actorOf, type Auth } from './auth.ts'
import { formError, formFields, pageParam } from './forms.ts'

export interface AdminDeps {
  db: Db
  auth: Auth
  now: () => Date
}

const PER_PAGE = 100

/** Users, API tokens and the audit log: admins only (every route, GET included). */
export function adminRoutes({ db, auth, now }: AdminDeps) {
  const id = (value: string) => Number(value)
  const selfId = (identity: { kind: string; id: number | null } | null) => (identity?.kind === 'session' ? identity.id : null)
  const auditFilter = (q: (name: string) => string | undefined): AuditFilter => ({ action: q('action')?.trim() || undefined, actor: q('actor')?.trim() || undefined })

  return new Hono()
    .use('*', auth.requireRole('admin'))
    .get('/users', async (c) => c.html(<UsersPage users={await listUsers(db)} selfId={selfId(c.get('identity'))} notice={c.req.query('notice')} />))
    .post('/users', async (c) => {
      const form = await formFields(c)
      try {
        const { user, oneTimePassword } = await createUser(db, { name: form.name ?? '', role: roleSchema.parse(form.role) }, actorOf(c, auth), now())
        c.set('audited', true)
        return c.html(<UsersPage users={await listUsers(db)} selfId={selfId(c.get('identity'))} oneTime={{ name: user.name, password: oneTimePassword! }} />, 201)
      } catch (error) {
        const { message, status } = formError(error)
        return c.html(<UsersPage users={await listUsers(db)} selfId={selfId(c.get('identity'))} error={message} />, status)
      }
    })
    .post('/users/:id{[0-9]+}/:action{role|reset-password|disable|enable}', async (c) => {
      const userId = id(c.req.param('id'))
      const action = c.req.param('action')
      const actor = actorOf(c, auth)
      try {
        c.set('audited', true)
        if (action === 'reset-password') {
          const password = await resetPassword(db, userId, actor, now())
          const users = await listUsers(db)
          return c.html(<UsersPage users={users} selfId={selfId(c.get('identity'))} oneTime={{ name: users.find((u) => u.id === userId)?.name ?? `#${userId}`, password }} />)
        }
        if (action === 'role') await setUserRole(db, userId, roleSchema.parse((await formFields(c)).role), actor, now())
        else await setUserDisabled(db, userId, action === 'disable', actor, now())
        return c.redirect(`/admin/users?notice=${action === 'role' ? 'role' : `${action}d`}`, 303)
      } catch (error) {
        c.set('audited', false)
        const { message, status } = formError(error)
        return c.html(<UsersPage users={await listUsers(db)} selfId={selfId(c.get('identity'))} error={message} />, status)
      }
    })
    .get('/tokens', async (c) => c.html(<TokensPage tokens={await listApiTokens(db)} notice={c.req.query('notice')} />))
    .post('/tokens', async (c) => {
      const form = await formFields(c)
      try {
        const { token, view } = await createApiToken(db, { name: form.name ?? '', role: roleSchema.parse(form.role) }, actorOf(c, auth), now())
        c.set('audited', true)
        return c.html(<TokensPage tokens={await listApiTokens(db)} created={{ name: view.name, token }} />, 201)
      } catch (error) {
        const { message, status } = formError(error)
        return c.html(<TokensPage tokens={await listApiTokens(db)} error={message} />, status)
      }
    })
    .post('/tokens/:id{[0-9]+}/revoke', async (c) => {
      try {
        await revokeApiToken(db, id(c.req.param('id')), actorOf(c, auth), now())
        c.set('audited', true)
        return c.redirect('/admin/tokens?notice=revoked', 303)
      } catch (error) {
        const { message, status } = formError(error)
        return c.html(<TokensPage tokens={await listApiTokens(db)} error={message} />, status)
      }
    })
    .get('/audit', async (c) => {
      const filter = auditFilter((n) => c.req.query(n))
      const page = pageParam(c.req.query('page'))
      const { rows, total } = await listAudit(db, filter, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
      return c.html(<AuditPage rows={rows} total={total} page={page} perPage={PER_PAGE} filter={filter} />)
    })
    .get('/audit.csv', async (c) => {
      const filter = auditFilter((n) => c.req.query(n))
      const stamp = now().toISOString().slice(0, 10)
      c.header('content-type', 'text/csv; charset=utf-8')
      c.header('content-disposition', `attachment; filename="publicpulse-audit-${stamp}.csv"`)
      // Streamed in chunks: the log grows for years.
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          const encoder = new TextEncoder()
          controller.enqueue(encoder.encode('\uFEFF' + stringify([[...AUDIT_CSV_COLUMNS]])))
          for await (const rows of streamAudit(db, filter)) {
            controller.enqueue(encoder.encode(stringify(rows.map((r) => AUDIT_CSV_COLUMNS.map((k) => spreadsheetSafe(r[k] === null ? '' : String(r[k])))))))
          }
          controller.close()
        },
      })
      return c.body(body)
    })
}
