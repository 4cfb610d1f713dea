import { describe, expect, it } from 'vitest'
import { testDb } from './helpers/db.ts'
import { startTestApp } from './helpers/app.ts'

describe('the Collection page', () => {
  it('shows the last runs with counts per status, and the failing pages with their reasons', async () => {
    const db = await testDb()
    const { call, platforms } = await startTestApp(db)
    platforms.override.set('vk:groups.getById', () => new Response('{"error":{"error_code":15,"error_msg":"Access denied: group is private","request_params":[]}}', { headers: { 'content-type': 'application/json' } }))
    for (const url of ['https://t.me/durov', 'https://vk.com/club33438842', 't.me/nikolai']) expect((await call('POST', '/api/pages', { url })).status).toBe(201)
    expect((await call('POST', '/api/collect')).status).toBe(200)

    const html = await (await call('GET', '/collection?lang=en')).text()
    expect(html).toContain('<h1>Collection</h1>')
    expect(html).toMatch(/<td>1<\/td>[\s\S]*manual[\s\S]*finished/)
    for (const count of ['ok: 1', 'private: 1', 'unsupported: 1']) expect(html).toContain(count)
    expect(html).toContain('Failing and paused pages: 2')
    expect(html).toContain('Access denied: group is private')
    expect(html).toMatch(/@nikolai is a Telegram user account/)
    expect(html).not.toContain('Pavel Durov</a></td><td><span class="badge')

    const ru = await (await call('GET', '/collection?lang=ru')).text()
    expect(ru).toContain('Страницы с ошибками и на паузе: 2')
  })

  it('says so when nothing has run yet', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db)
    const html = await (await call('GET', '/collection?lang=en')).text()
    expect(html).toContain('No collection has run yet.')
    expect(html).toContain('Every page is collected without errors.')
  })
})
