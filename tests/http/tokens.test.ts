import { describe, expect, it } from 'vitest'
import { startTestApp } from '../helpers/app.ts'
import { addUser, Browser, ENGLISH, csrfFrom } from '../helpers/auth.ts'
import { testDb } from '../helpers/db.ts'

describe('API tokens', () => {
  it('are shown once, stored hashed, carry their role and last use, and stop working the moment they are revoked', async () => {
    const db = await testDb()
    const { url, call } = await startTestApp(db, { now: () => new Date() })
    await addUser(db, 'adam', 'admin')
    const admin = new Browser(url, ENGLISH)
    await admin.login('adam')

    const created = await admin.post('/admin/tokens', { name: 'import script', role: 'operator' }, { csrfFrom: '/admin/tokens' })
    expect(created.status).toBe(201)
    const html = await created.text()
    const token = /<code class="secret-value">(ppt_[\w-]{43})<\/code>/.exec(html)![1]!
    const stored = await db.selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow()
    expect(stored).toMatchObject({ name: 'import script', role: 'operator', created_by: 'adam', last_used_at: null, revoked_at: null })
    expect(JSON.stringify(stored)).not.toContain(token.slice(4))
    // The list never shows it again, only its first characters.
    const list = await (await admin.get('/admin/tokens')).text()
    expect(list).not.toContain(token)
    expect(list).toContain(`${token.slice(0, 10)}…`)

    expect((await call('POST', '/api/pages', { url: '@durov' }, token)).status).toBe(201)
    expect((await db.selectFrom('api_tokens').select('last_used_at').executeTakeFirstOrThrow()).last_used_at).not.toBeNull()
    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'http.post').executeTakeFirstOrThrow()
    expect(audit).toMatchObject({ actor: 'token "import script"', actor_kind: 'token', actor_id: stored.id, summary: 'POST /api/pages → 201' })
    expect(JSON.parse(audit.after!)).toEqual({ url: '@durov' })
    // An operator token is not an admin.
    expect((await call('GET', '/api/tokens', undefined, token)).status).toBe(403)

    expect((await admin.post(`/admin/tokens/${stored.id}/revoke`, {}, { csrfFrom: '/admin/tokens' })).headers.get('location')).toBe('/admin/tokens?notice=revoked')
    const refused = await call('POST', '/api/pages', { url: '@python' }, token)
    expect(refused.status).toBe(401)
    expect((await refused.json()).error).toBe('The token is not valid: unknown or revoked.')
    expect((await call('GET', '/api/pages', undefined, token)).status).toBe(401)
    const twice = await admin.post(`/admin/tokens/${stored.id}/revoke`, {}, { csrfFrom: '/admin/tokens' })
    expect(twice.status).toBe(409)
  })

  it('are managed over the API with the bootstrap operator token, which acts as an admin', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db)
    const bad = await call('POST', '/api/tokens', { name: 'x', role: 'superuser' })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error).toMatch(/role: role must be one of viewer, operator, admin/)
    const created = await call('POST', '/api/tokens', { name: 'dashboard reader', role: 'viewer' })
    expect(created.status).toBe(201)
    const { token, id } = await created.json()
    expect((await call('GET', '/api/pages', undefined, token)).status).toBe(200)
    expect((await call('POST', '/api/collect', undefined, token)).status).toBe(403)
    const { tokens } = await (await call('GET', '/api/tokens')).json()
    expect(tokens).toEqual([expect.objectContaining({ id, name: 'dashboard reader', role: 'viewer', revoked: false })])
    expect(JSON.stringify(tokens)).not.toMatch(/token_hash|ppt_[\w-]{20}/)
    expect((await call('DELETE', `/api/tokens/${id}`)).status).toBe(200)
    expect((await call('GET', '/api/pages', undefined, token)).status).toBe(401)
    const { entries } = await (await call('GET', '/api/audit?action=token')).json()
    expect(entries.map((e: { action: string; actor: string }) => `${e.action} by ${e.actor}`)).toEqual(['token.revoke by operator token', 'token.create by operator token'])
  })
})

describe('users and the audit log for admins', () => {
  it('creates users with a one-time password, changes roles, and exports the log as CSV', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    const adam = await addUser(db, 'adam', 'admin')
    const admin = new Browser(url, ENGLISH)
    await admin.login('adam')
    const created = await admin.post('/admin/users', { name: 'olga', role: 'operator' }, { csrfFrom: '/admin/users' })
    expect(created.status).toBe(201)
    const password = /<code class="secret-value">([a-z0-9-]{23})<\/code>/.exec(await created.text())![1]!
    const duplicate = await admin.post('/admin/users', { name: 'OLGA', role: 'viewer' }, { csrfFrom: '/admin/users' })
    expect(duplicate.status).toBe(409)
    expect(await duplicate.text()).toMatch(/A user named &quot;OLGA&quot; exists already|A user named "OLGA" exists already/)
    const badName = await admin.post('/admin/users', { name: '<b>', role: 'viewer' }, { csrfFrom: '/admin/users' })
    expect(badName.status).toBe(400)

    const olga = new Browser(url, ENGLISH)
    expect((await olga.post('/login', { name: 'olga', password }, { csrfFrom: '/login' })).headers.get('location')).toBe('/account')
    const olgaId = (await db.selectFrom('users').select('id').where('name', '=', 'olga').executeTakeFirstOrThrow()).id
    expect((await admin.post(`/admin/users/${olgaId}/role`, { role: 'viewer' }, { csrfFrom: '/admin/users' })).status).toBe(303)
    const self = await admin.post(`/admin/users/${adam.id}/role`, { role: 'viewer' }, { csrfFrom: '/admin/users' })
    expect(self.status).toBe(403)
    expect(await self.text()).toMatch(/You cannot change the role of yourself/)

    const log = await (await admin.get('/admin/audit?action=user')).text()
    expect(log).toContain('Changed the role of &quot;olga&quot; from operator to viewer')
    expect(log).toContain('{&quot;role&quot;:&quot;operator&quot;}')
    const csv = await admin.get('/admin/audit.csv')
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="publicpulse-audit-\d{4}-\d{2}-\d{2}\.csv"/)
    const lines = (await csv.text()).trim().split('\n')
    expect(lines[0]).toBe('id,at,actor,actor_kind,actor_id,action,target_type,target_id,summary,before,after,address')
    expect(lines.some((l) => l.includes(',user.role,user,') && l.includes('"{""role"":""operator""}"'))).toBe(true)
    expect(lines.some((l) => l.includes('auth.login,user'))).toBe(true)
  })
})
