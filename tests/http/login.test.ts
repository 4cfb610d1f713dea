import { describe, expect, it } from 'vitest'
import { createUser } from '../../src/auth/accounts.ts'
import { cliActor } from '../../src/auth/audit.ts'
import { startTestApp } from '../helpers/app.ts'
import { addUser, Browser, ENGLISH, csrfFrom, PASSWORD, setCookieValue } from '../helpers/auth.ts'
import { testDb } from '../helpers/db.ts'

describe('logging in', () => {
  it('gives an HttpOnly, SameSite=Lax session cookie (Secure behind HTTPS) and logs out server-side', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    await addUser(db, 'olga', 'operator')
    const browser = new Browser(url, ENGLISH)
    const form = await browser.get('/login?next=%2Fmanage%2Fpages')
    expect(form.status).toBe(200)
    const page = await form.text()
    expect(page).toContain('name="next" value="/manage/pages"')

    const response = await browser.post('/login', { name: 'OLGA', password: PASSWORD, next: '/manage/pages' }, { csrf: csrfFrom(page) })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/manage/pages')
    const cookie = response.headers.getSetCookie().find((h) => h.startsWith('pp_session='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).not.toMatch(/Secure/)
    // Only a digest of the cookie is stored.
    const value = setCookieValue(response, 'pp_session')!
    const stored = await db.selectFrom('sessions').selectAll().execute()
    expect(stored).toHaveLength(1)
    expect(JSON.stringify(stored)).not.toContain(value)

    expect((await browser.get('/manage/pages')).status).toBe(200)
    const logout = await browser.post('/logout', {}, { csrfFrom: '/manage/pages' })
    expect(logout.status).toBe(303)
    expect(await db.selectFrom('sessions').selectAll().execute()).toHaveLength(0)
    // The old cookie is worth nothing now, even if kept.
    const replay = await fetch(`${url}/manage/pages`, { redirect: 'manual', headers: { cookie: `pp_session=${value}` } })
    expect(replay.status).toBe(401)

    const secure = new Browser(url, ENGLISH)
    const login = await secure.post('/login', { name: 'olga', password: PASSWORD }, { csrfFrom: '/login', headers: { 'x-forwarded-proto': 'https' } })
    expect(login.headers.getSetCookie().find((h) => h.startsWith('pp_session='))).toMatch(/Secure/)

    const actions = (await db.selectFrom('audit_log').select(['action', 'actor', 'address']).orderBy('id').execute()).map((a) => `${a.action} ${a.actor} ${a.address}`)
    expect(actions).toEqual(['auth.login olga 127.0.0.1', 'auth.logout olga 127.0.0.1', 'auth.login olga 127.0.0.1'])
  })

  it('says "wrong name or password" the same way for a wrong password, an unknown name and a disabled account', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    await addUser(db, 'olga', 'operator')
    const gone = await addUser(db, 'gone', 'operator')
    await db.updateTable('users').set({ disabled: 1 }).where('id', '=', gone.id).execute()
    for (const [name, password] of [['olga', 'not the password'], ['nobody', PASSWORD], ['gone', PASSWORD]] as const) {
      const browser = new Browser(url, ENGLISH)
      const response = await browser.post('/login', { name, password }, { csrfFrom: '/login' })
      expect(response.status, name).toBe(401)
      expect(await response.text()).toContain('Wrong name or password.')
      expect(browser.cookies.has('pp_session')).toBe(false)
    }
    const failures = await db.selectFrom('audit_log').select(['summary']).where('action', '=', 'auth.login_failed').execute()
    expect(failures.map((f) => f.summary)).toEqual(['Failed login as "olga"', 'Failed login as "nobody"', 'Failed login as "gone" (disabled account)'])
  })

  it('throttles failed logins per account and per address, without checking the password meanwhile', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db, { env: { TRUST_PROXY: 'true' } })
    await addUser(db, 'olga', 'operator')
    const attempt = (name: string, password: string, address: string) =>
      new Browser(url, ENGLISH).post('/login', { name, password }, { csrfFrom: '/login', headers: { 'x-forwarded-for': address } })

    // Eight guesses at once, from eight addresses: five are checked, the rest refused unchecked.
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt('olga', `guess ${i}`, `10.0.0.${i}`)))
    expect(burst.map((r) => r.status).sort()).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
    // Sixth try on the account, from yet another address, with the right password: still refused.
    const locked = await attempt('olga', PASSWORD, '10.0.0.99')
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800)
    expect(await locked.text()).toMatch(/Too many failed logins for this account; try again in 15 minutes/)

    // One address spraying many accounts is stopped after 20 failures, for every name.
    for (let i = 0; i < 20; i++) await addUser(db, `user${i}`, 'viewer')
    const spray = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(`user${i}`, 'x', '10.9.9.9')))
    expect(spray.every((r) => r.status === 401)).toBe(true)
    const sprayed = await attempt('someone-else', 'x', '10.9.9.9')
    expect(sprayed.status).toBe(429)
    expect(await sprayed.text()).toMatch(/from your address/)
    // Other addresses and accounts are not affected.
    await addUser(db, 'ivan', 'viewer')
    expect((await attempt('ivan', PASSWORD, '10.1.1.1')).status).toBe(303)
  })

  it('sends a one-time password holder to the account page and lets nothing be written until they choose a password', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    const { oneTimePassword } = await createUser(db, { name: 'new-op', role: 'operator' }, cliActor())
    const browser = new Browser(url, ENGLISH)
    const login = await browser.post('/login', { name: 'new-op', password: oneTimePassword!, next: '/manage/pages' }, { csrfFrom: '/login' })
    expect(login.headers.get('location')).toBe('/account')
    expect((await browser.get('/manage/pages')).headers.get('location')).toBe('/account')
    const write = await browser.post('/manage/pages/preview', { url: 'https://t.me/durov' }, { csrfFrom: '/account' })
    expect(write.status).toBe(403)
    expect(await write.text()).toMatch(/one-time password/)

    const short = await browser.post('/account/password', { current: oneTimePassword!, password: 'short', confirm: 'short' }, { csrfFrom: '/account' })
    expect(short.status).toBe(400)
    expect(await short.text()).toMatch(/at least 10 characters/)
    const changed = await browser.post('/account/password', { current: oneTimePassword!, password: 'a much better secret', confirm: 'a much better secret' }, { csrfFrom: '/account' })
    expect(changed.status).toBe(200)
    expect(await changed.text()).toMatch(/Password changed/)
    expect((await browser.get('/manage/pages')).status).toBe(200)
    expect((await new Browser(url, ENGLISH).post('/login', { name: 'new-op', password: oneTimePassword! }, { csrfFrom: '/login' })).status).toBe(401)
  })

  it('ends every other session of a user when the password changes or the user is disabled', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    const user = await addUser(db, 'olga', 'operator')
    const laptop = new Browser(url, ENGLISH)
    const phone = new Browser(url, ENGLISH)
    await laptop.login('olga')
    await phone.login('olga')
    const changed = await laptop.post('/account/password', { current: PASSWORD, password: 'another long secret', confirm: 'another long secret' }, { csrfFrom: '/account' })
    expect(changed.status).toBe(200)
    expect((await phone.get('/manage/pages')).status).toBe(303) // back to the login form
    expect((await laptop.get('/manage/pages')).status).toBe(200) // the browser that changed it stays in

    await addUser(db, 'adam', 'admin')
    const admin = new Browser(url, ENGLISH)
    await admin.login('adam')
    expect((await admin.post(`/admin/users/${user.id}/disable`, {}, { csrfFrom: '/admin/users' })).status).toBe(303)
    expect((await laptop.get('/manage/pages')).status).toBe(303)
    expect((await new Browser(url, ENGLISH).post('/login', { name: 'olga', password: 'another long secret' }, { csrfFrom: '/login' })).status).toBe(401)
  })
})

describe('CSRF protection', () => {
  it('refuses form posts without the token, with another session\'s token, or from another site', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    await addUser(db, 'olga', 'operator')
    await addUser(db, 'oleg', 'operator')
    const olga = new Browser(url, ENGLISH)
    const oleg = new Browser(url, ENGLISH)
    await olga.login('olga')
    await oleg.login('oleg')
    const olegToken = csrfFrom(await (await oleg.get('/manage/pages/new')).text())
    const olgaToken = csrfFrom(await (await olga.get('/manage/pages/new')).text())
    const add = { url: 'https://t.me/durov' }

    for (const [label, response] of [
      ['no token', await olga.post('/manage/pages', add)],
      ['empty token', await olga.post('/manage/pages', add, { csrf: '' })],
      ["another session's token", await olga.post('/manage/pages', add, { csrf: olegToken })],
      ['cross-site', await olga.post('/manage/pages', add, { csrf: olgaToken, headers: { 'sec-fetch-site': 'cross-site' } })],
    ] as const) {
      expect(response.status, label).toBe(403)
      expect(await response.text(), label).toMatch(/CSRF check failed/)
    }
    // A JSON request riding on the cookie needs the token in a header.
    const json = await fetch(`${url}/api/pages`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: `pp_session=${olga.cookies.get('pp_session')}` }, body: JSON.stringify(add) })
    expect(json.status).toBe(403)
    expect(await db.selectFrom('pages').selectAll().execute()).toEqual([])

    const ok = await olga.post('/manage/pages', add, { csrf: olgaToken })
    expect(ok.status).toBe(303)
    const withHeader = await fetch(`${url}/api/pages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': olgaToken, cookie: `pp_session=${olga.cookies.get('pp_session')}` },
      body: JSON.stringify({ url: '@python' }),
    })
    expect(withHeader.status).toBe(201)
  })

  it('protects the login form itself with a double-submit cookie', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    await addUser(db, 'olga', 'operator')
    // A login forced from another page (login CSRF) has neither the cookie nor the field.
    const forced = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: 'olga', password: PASSWORD }) })
    expect(forced.status).toBe(403)
    const browser = new Browser(url, ENGLISH)
    await browser.get('/login')
    expect((await browser.post('/login', { name: 'olga', password: PASSWORD }, { csrf: 'made-up-token-made-up-token-made' })).status).toBe(403)
  })
})

describe('PUBLIC_DASHBOARD', () => {
  it('when off, sends browsers to the login form and scripts get 401; /healthz and the login form stay open', async () => {
    const db = await testDb()
    const { url, call } = await startTestApp(db, { env: { PUBLIC_DASHBOARD: 'false' } })
    await addUser(db, 'vera', 'viewer')
    const browser = new Browser(url, ENGLISH)
    const home = await browser.get('/pages/1?range=7d')
    expect(home.status).toBe(303)
    expect(home.headers.get('location')).toBe('/login?next=%2Fpages%2F1%3Frange%3D7d')
    const api = await call('GET', '/api/pages', undefined, null)
    expect(api.status).toBe(401)
    expect((await api.json()).error).toMatch(/PUBLIC_DASHBOARD is off/)
    expect((await call('GET', '/healthz', undefined, null)).status).toBe(200)
    expect((await browser.get('/login')).status).toBe(200)
    expect((await browser.get('/static/manage.css')).status).toBe(200)

    await browser.login('vera')
    expect((await browser.get('/api/pages')).status).toBe(200)
    expect((await call('GET', '/api/pages')).status).toBe(200) // the operator token reads too
  })

  it('when on, lets anyone read but still no one write', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db, { env: { PUBLIC_DASHBOARD: 'true' } })
    expect((await call('GET', '/api/pages', undefined, null)).status).toBe(200)
    expect((await call('POST', '/api/pages', { url: '@durov' }, null)).status).toBe(401)
  })
})
