import { describe, expect, it } from 'vitest'
import { createApiToken } from '../../src/auth/accounts.ts'
import { cliActor } from '../../src/auth/audit.ts'
import { SELF_SERVICE_WRITES } from '../../src/http/auth.ts'
import { startTestApp } from '../helpers/app.ts'
import { addUser, Browser } from '../helpers/auth.ts'
import { testDb } from '../helpers/db.ts'

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** A concrete path for a route pattern: each `:param{regex}` gets a value its regex accepts, `*` a word. */
function samplePath(pattern: string): string {
  return pattern
    .replace(/:(\w+)(\{((?:[^{}]|\{[^}]*\})*)\})?\??/g, (_, name: string, _braces, regex: string | undefined) => {
      if (!regex) return name === 'id' || name.endsWith('Id') ? '1' : 'x'
      const candidates = ['1', 'x', 'pause', 'role', 'revoke', 'durov', 'abc.csv']
      return candidates.find((c) => new RegExp(`^(?:${regex})$`).test(c)) ?? '1'
    })
    .replace(/\*/g, 'x')
}

describe('every write route of the app', () => {
  it('refuses anonymous and viewer requests, whatever the route, and changes nothing', async () => {
    const db = await testDb()
    const { app, url, call } = await startTestApp(db, { env: { PUBLIC_DASHBOARD: 'true' } })
    // Real targets, so a route that forgot its guard would really act (and the test would see it).
    expect((await call('POST', '/api/pages', { url: 'https://t.me/durov' })).status).toBe(201)
    await addUser(db, 'vera', 'viewer')
    await addUser(db, 'adam', 'admin')
    const { token: viewerToken } = await createApiToken(db, { name: 'reader script', role: 'viewer' }, cliActor())

    const writes = app.routes
      .filter((r) => !SAFE.has(r.method))
      .map((r) => ({ method: r.method === 'ALL' ? 'POST' : r.method, pattern: r.path }))
      .filter((r, i, all) => all.findIndex((o) => o.method === r.method && o.pattern === r.pattern) === i)
    // The app has write routes of several kinds (sanity: the walk found them).
    expect(writes.length).toBeGreaterThanOrEqual(15)
    expect(writes.map((w) => w.method)).toEqual(expect.arrayContaining(['POST', 'PATCH', 'DELETE']))

    const anonymous = new Browser(url)
    const viewer = new Browser(url)
    await viewer.login('vera')
    const anonymousCsrf = (await anonymous.get('/login').then((r) => r.text())).match(/name="_csrf" value="([^"]+)"/)![1]!
    const viewerCsrf = (await viewer.get('/account').then((r) => r.text())).match(/name="_csrf" value="([^"]+)"/)![1]!
    // Everything but the tokens' last use (a refused request still counts as a use).
    const snapshot = async () =>
      JSON.stringify([
        ...(await Promise.all(['pages', 'users', 'sessions', 'page_stats'].map((t) => db.selectFrom(t as 'pages').selectAll().execute()))),
        await db.selectFrom('api_tokens').select(['id', 'name', 'role', 'revoked_at']).execute(),
      ])
    const before = await snapshot()

    const checked: string[] = []
    for (const { method, pattern } of writes) {
      const path = samplePath(pattern)
      const self = SELF_SERVICE_WRITES.get(path)
      if (self === 'anyone') continue // logging in is the way to become someone
      const send = (headers: Record<string, string>, csrf: string, cookies: Map<string, string>) =>
        fetch(url + path, {
          method,
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...headers },
          body: method === 'GET' ? undefined : new URLSearchParams({ _csrf: csrf, url: 'https://t.me/python', name: 'mallory', role: 'admin' }),
        })
      const label = `${method} ${pattern} (${path})`
      const anon = await send({}, anonymousCsrf, anonymous.cookies)
      expect(anon.status, `anonymous ${label}`).toBe(401)
      if (self === 'identified') continue // logout and one's own password: any logged-in role
      const asViewer = await send({}, viewerCsrf, viewer.cookies)
      expect(asViewer.status, `viewer session ${label}`).toBe(403)
      expect((await asViewer.json()).error, label).toMatch(/role \(viewer\)/)
      const asViewerToken = await send({ authorization: `Bearer ${viewerToken}` }, '', new Map())
      expect(asViewerToken.status, `viewer token ${label}`).toBe(403)
      checked.push(label)
    }
    expect(checked.length).toBeGreaterThanOrEqual(15)
    expect(await snapshot()).toBe(before)
  })
})
