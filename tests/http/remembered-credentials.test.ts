import SQLite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { CREDENTIAL_REUSE_MS } from '../../src/http/auth.ts'
import { startTestApp } from '../helpers/app.ts'
import { addUser, Browser, ENGLISH } from '../helpers/auth.ts'
import { testDbFile } from '../helpers/db.ts'

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0)

/** A non-public dashboard on a real file, on a clock the test moves, with a second connection as the CLI would open one. */
async function closedApp() {
  const { db, path } = await testDbFile()
  let clock = T0
  const app = await startTestApp(db, { now: () => new Date(clock), env: { PUBLIC_DASHBOARD: 'false' } })
  const elsewhere = (sql: string, ...params: unknown[]) => {
    const other = new SQLite(path)
    other.prepare(sql).run(...params)
    other.close()
  }
  return { db, ...app, elsewhere, advance: (ms: number) => (clock += ms) }
}

describe('sessions and tokens remembered between requests', () => {
  it('stop working the moment another process disables the user or revokes the token', async () => {
    const { db, url, call, elsewhere } = await closedApp()
    await addUser(db, 'vera', 'viewer')
    const browser = new Browser(url, ENGLISH)
    await browser.login('vera')
    const { token } = await (await call('POST', '/api/tokens', { name: 'poller', role: 'viewer' })).json()
    for (let i = 0; i < 3; i++) {
      expect((await browser.get('/api/pages')).status).toBe(200)
      expect((await call('GET', '/api/pages', undefined, token)).status).toBe(200)
    }
    elsewhere("update api_tokens set revoked_at = '2026-11-26T12:00:00.000Z', revoked_by = 'cli'")
    expect((await call('GET', '/api/pages', undefined, token)).status).toBe(401)
    expect((await browser.get('/api/pages')).status).toBe(200)
    elsewhere("update users set disabled = 1 where name = 'vera'")
    expect((await browser.get('/api/pages')).status).toBe(401)
  })

  it('stop working at logout', async () => {
    const { db, url } = await closedApp()
    await addUser(db, 'vera', 'viewer')
    const browser = new Browser(url, ENGLISH)
    await browser.login('vera')
    const cookie = browser.cookies.get('pp_session')!
    expect((await browser.get('/api/pages')).status).toBe(200)
    expect((await browser.post('/logout', {}, { csrfFrom: '/account' })).status).toBe(303)
    expect((await fetch(`${url}/api/pages`, { headers: { cookie: `pp_session=${cookie}` } })).status).toBe(401)
  })

  it('are refused once the session expires, even within the reuse time and with no write since', async () => {
    const { db, url, elsewhere, advance } = await closedApp()
    await addUser(db, 'vera', 'viewer')
    const browser = new Browser(url, ENGLISH)
    await browser.login('vera')
    elsewhere('update sessions set expires_at = ?', new Date(T0 + 2000).toISOString())
    expect((await browser.get('/api/pages')).status).toBe(200) // looked up, and remembered
    advance(1000)
    expect((await browser.get('/api/pages')).status).toBe(200)
    advance(1000)
    expect(CREDENTIAL_REUSE_MS).toBeGreaterThan(2000)
    expect((await browser.get('/api/pages')).status).toBe(401)
  })
})
