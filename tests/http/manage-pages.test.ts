import { describe, expect, it } from 'vitest'
import { startTestApp } from '../helpers/app.ts'
import { addUser, Browser, ENGLISH, csrfFrom } from '../helpers/auth.ts'
import { testDb } from '../helpers/db.ts'
import { VK_GROUP_MEMBERS } from '../helpers/platform-server.ts'

const NOW = new Date('2026-08-10T12:00:00Z')

describe('page management in the browser', () => {
  it('adds a page by link after showing what the platform says, then edits, pauses, archives and deletes it', async () => {
    const db = await testDb()
    const { url, platforms } = await startTestApp(db, { now: () => NOW })
    await addUser(db, 'olga', 'operator')
    const browser = new Browser(url, ENGLISH)
    await browser.login('olga')

    const bad = await browser.post('/manage/pages/preview', { url: 'https://example.com/news' }, { csrfFrom: '/manage/pages/new' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toMatch(/example\.com is not a supported platform/)

    const preview = await browser.post('/manage/pages/preview', { url: 'https://vk.com/public33438842', region: 'Ростовская область', tags: 'армия, регион' }, { csrfFrom: '/manage/pages/new' })
    expect(preview.status).toBe(200)
    const previewHtml = await preview.text()
    expect(previewHtml).toContain('ВЧ Владимиркий лагерь 29760 (армия)')
    expect(previewHtml).toContain(VK_GROUP_MEMBERS.toLocaleString('ru-RU'))
    expect(platforms.hits.filter((h) => h.includes('groups.getById'))).toHaveLength(1)
    expect(await db.selectFrom('pages').selectAll().execute()).toEqual([]) // the preview saves nothing

    const saved = await browser.post('/manage/pages', { url: 'https://vk.com/public33438842', region: 'Ростовская область', tags: 'армия, регион' }, { csrf: csrfFrom(previewHtml) })
    expect(saved.status).toBe(303)
    expect(saved.headers.get('location')).toBe('/manage/pages/1?notice=created')
    const page = await db.selectFrom('pages').selectAll().executeTakeFirstOrThrow()
    expect(page).toMatchObject({ handle: 'club33438842', url: 'https://vk.com/club33438842', region: 'Ростовская область', tags: '["армия","регион"]', active: 1 })

    const again = await browser.post('/manage/pages/preview', { url: 'vk.com/club33438842' }, { csrfFrom: '/manage/pages/new' })
    expect(again.status).toBe(409)
    expect(await again.text()).toMatch(/already registered as #1/)

    const edit = await browser.post('/manage/pages/1', { title: 'Лагерь', region: 'Ростовская область', category: 'армия', tags: 'армия', aliases: '' }, { csrfFrom: '/manage/pages/1' })
    expect(edit.headers.get('location')).toBe('/manage/pages/1?notice=saved')
    const tooLong = await browser.post('/manage/pages/1', { title: 'x'.repeat(201) }, { csrfFrom: '/manage/pages/1' })
    expect(tooLong.status).toBe(400)
    expect(await tooLong.text()).toMatch(/title: title must be at most 200 characters/)
    expect((await browser.post('/manage/pages/1/pause', {}, { csrfFrom: '/manage/pages/1' })).headers.get('location')).toBe('/manage/pages/1?notice=paused')
    const twice = await browser.post('/manage/pages/1/pause', {}, { csrfFrom: '/manage/pages/1' })
    expect(twice.status).toBe(409)
    expect(await twice.text()).toMatch(/already paused/)
    expect((await browser.post('/manage/pages/1/resume', {}, { csrfFrom: '/manage/pages/1' })).status).toBe(303)
    expect((await browser.post('/manage/pages/1/archive', { back: '/manage/pages?q=x' }, { csrfFrom: '/manage/pages/1' })).headers.get('location')).toBe('/manage/pages?q=x&notice=archived')
    expect(await (await browser.get('/manage/pages')).text()).not.toContain('Лагерь')
    expect(await (await browser.get('/manage/pages?state=archived')).text()).toContain('Лагерь')
    expect(await (await browser.get('/api/pages')).json()).toEqual({ pages: [] }) // hidden from the dashboard
    expect((await browser.post('/manage/pages/1/unarchive', { back: 'https://evil.example/' }, { csrfFrom: '/manage/pages/1' })).headers.get('location')).toBe('/manage/pages/1?notice=unarchived')

    // The edit page shows the page's changes, newest first, with before/after in the audit log.
    const editPage = await (await browser.get('/manage/pages/1')).text()
    expect(editPage).toMatch(/Restored from the archive[\s\S]*Archived[\s\S]*Resumed[\s\S]*Paused[\s\S]*Edited title, category, tags[\s\S]*Registered https:\/\/vk\.com\/club33438842 as #1/)
    const update = await db.selectFrom('audit_log').selectAll().where('action', '=', 'page.update').executeTakeFirstOrThrow()
    expect(update).toMatchObject({ actor: 'olga', actor_kind: 'session', target_type: 'page', target_id: '1', address: '127.0.0.1' })
    expect(JSON.parse(update.before!)).toEqual({ title: null, category: null, tags: ['армия', 'регион'] })
    expect(JSON.parse(update.after!)).toEqual({ title: 'Лагерь', category: 'армия', tags: ['армия'] })

    // Delete keeping history, then register again: the page comes back with its snapshots.
    await db.insertInto('snapshots').values({ page_id: 1, collected_at: 1_786_000_000, followers: 13_000, exact: 1 }).execute()
    const confirm = await (await browser.get('/manage/pages/1/delete')).text()
    expect(confirm).toMatch(/1 snapshots over 0 days/)
    expect((await browser.post('/manage/pages/1/delete', {}, { csrf: csrfFrom(confirm) })).headers.get('location')).toBe('/manage/pages?notice=deleted')
    expect((await browser.get('/manage/pages/1')).status).toBe(404)
    expect(await db.selectFrom('snapshots').select('followers').execute()).toEqual([{ followers: 13_000 }])
    const back = await browser.post('/manage/pages', { url: 'https://vk.com/club33438842' }, { csrfFrom: '/manage/pages/new' })
    expect(back.headers.get('location')).toBe('/manage/pages/1?notice=restored')

    // Delete with history: everything about it goes.
    expect((await browser.post('/manage/pages/1/delete', { history: 'remove' }, { csrfFrom: '/manage/pages/1/delete' })).headers.get('location')).toBe('/manage/pages?notice=purged')
    expect(await db.selectFrom('pages').selectAll().execute()).toEqual([])
    expect(await db.selectFrom('snapshots').selectAll().execute()).toEqual([])
    const purge = await db.selectFrom('audit_log').selectAll().where('action', '=', 'page.delete_with_history').executeTakeFirstOrThrow()
    expect(purge.summary).toBe('Deleted #1 "Лагерь" (vk) and its history (1 snapshots, 0 posts)')
  })

  it('previews a CSV upload with its bad rows and imports only after confirmation', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    await addUser(db, 'olga', 'operator')
    const browser = new Browser(url, ENGLISH)
    await browser.login('olga')
    const csv = '\uFEFFurl;title;region\r\nhttps://t.me/durov;Дуров;Москва\r\nhttps://example.com/x;Bad;\r\n@python;;\r\nt.me/Durov;Again;\r\n'
    const form = new FormData()
    form.set('_csrf', csrfFrom(await (await browser.get('/manage/import')).text()))
    form.set('file', new File([csv], 'region.csv', { type: 'text/csv' }))
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const preview = await fetch(`${url}/manage/import/preview`, { method: 'POST', body: form, headers: { ...ENGLISH, cookie, accept: 'text/html' } })
    expect(preview.status).toBe(200)
    const html = await preview.text()
    expect(html).toMatch(/Read as UTF-8 with BOM, separated by “;”, 4 rows/)
    expect(html).toMatch(/Import 2 pages, skip 2/)
    expect(html).toMatch(/example\.com is not a supported platform/)
    expect(html).toMatch(/the same page as line 2/)
    expect(await db.selectFrom('pages').selectAll().execute()).toEqual([])

    const payload = /name="csv" value="([^"]+)"/.exec(html)![1]!
    const done = await browser.post('/manage/import', { csv: payload, file_name: 'region.csv' }, { csrf: csrfFrom(html) })
    expect(done.status).toBe(200)
    expect(await done.text()).toMatch(/2 added, 0 restored, 2 skipped/)
    expect((await db.selectFrom('pages').select('handle').orderBy('id').execute()).map((p) => p.handle)).toEqual(['durov', 'python'])
  })

  it('keeps viewers and anonymous people out of the management screens', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    await addUser(db, 'vera', 'viewer')
    const anonymous = new Browser(url, ENGLISH)
    const toLogin = await anonymous.get('/manage/pages')
    expect(toLogin.status).toBe(303)
    expect(toLogin.headers.get('location')).toBe('/login?next=%2Fmanage%2Fpages')
    const viewer = new Browser(url, ENGLISH)
    await viewer.login('vera')
    const refused = await viewer.get('/manage/pages')
    expect(refused.status).toBe(403)
    expect(await refused.text()).toMatch(/Your role \(viewer\) cannot do this/)
    expect((await viewer.get('/admin/audit')).status).toBe(403)
    // The top bar shows who is logged in, and no management links for a viewer.
    const home = await (await viewer.get('/account')).text()
    expect(home).toContain('href="/account"')
    expect(home).not.toContain('href="/manage/pages"')
  })
})

describe('page management over the API', () => {
  it('edits, pauses, archives, deletes and looks up pages with zod messages naming the field', async () => {
    const db = await testDb()
    const { call } = await startTestApp(db)
    expect((await call('POST', '/api/pages', { url: '@durov', category: 'founder' })).status).toBe(201)

    const lookup = await call('POST', '/api/pages/lookup', { url: 't.me/python' })
    expect(await lookup.json()).toMatchObject({ url: 'https://t.me/python', found: true, title: expect.stringMatching(/Python/), followers: 97_957, exact: true })
    const missing = await call('POST', '/api/pages/lookup', { url: 't.me/no_such_channel_here' })
    expect(await missing.json()).toMatchObject({ found: false, error: expect.any(String) })

    const patch = await call('PATCH', '/api/pages/1', { title: 'Павел Дуров', tags: ['founder', 'founder', 'tg'], region: '' })
    expect(patch.status).toBe(200)
    expect(await patch.json()).toMatchObject({ changed: ['title', 'tags'], page: { title: 'Павел Дуров', tags: ['founder', 'tg'], region: null, category: 'founder' } })
    for (const [body, message] of [
      [{ title: 5 }, /title: title must be text/],
      [{ colour: 'red' }, /unknown field: colour/],
      [{ tags: ['x'.repeat(51)] }, /tags\.0: tag must be at most 50 characters/],
    ] as const) {
      const response = await call('PATCH', '/api/pages/1', body)
      expect(response.status).toBe(400)
      expect((await response.json()).error).toMatch(message)
    }
    expect((await call('PATCH', '/api/pages/99', { title: 'x' })).status).toBe(404)

    expect(await (await call('POST', '/api/pages/1/pause')).json()).toMatchObject({ page: { active: false, pausedReason: 'Paused by operator token' } })
    expect((await call('POST', '/api/pages/1/archive')).status).toBe(200)
    expect((await call('POST', '/api/pages/1/archive')).status).toBe(409)
    expect((await call('DELETE', '/api/pages/1?history=maybe')).status).toBe(400)
    expect(await (await call('DELETE', '/api/pages/1')).json()).toEqual({ deleted: 1, historyRemoved: false, history: { snapshots: 0, posts: 0, days: 0 } })
    expect((await call('DELETE', '/api/pages/1')).status).toBe(404)

    const actions = (await db.selectFrom('audit_log').select(['action', 'actor']).orderBy('id').execute()).map((a) => a.action)
    expect(actions).toEqual(['http.post', 'page.update', 'page.pause', 'page.archive', 'page.delete'])
  })

  it('imports and exports the registry as CSV', async () => {
    const db = await testDb()
    const { call, url } = await startTestApp(db)
    const importCsv = (body: string, query = '') => fetch(`${url}/api/pages/import${query}`, { method: 'POST', headers: { authorization: 'Bearer test-operator-token-0123456789', 'content-type': 'text/csv' }, body })
    const csv = 'url,title,region,category,tags,aliases\nhttps://t.me/durov,Durov,Москва,founder,a|b,Павел Дуров\nnot a link,,,,,\n'
    const dry = await importCsv(csv, '?dryRun=1')
    expect(dry.status).toBe(200)
    expect(await dry.json()).toMatchObject({ dryRun: true, counts: { ready: 1, invalid: 1 }, added: 0, skipped: [{ line: 3, status: 'invalid', reason: expect.stringMatching(/spaces/) }] })
    const real = await importCsv(csv, '?name=regions.csv')
    expect(real.status).toBe(201)
    expect(await real.json()).toMatchObject({ added: 1, counts: { ready: 1, invalid: 1 } })
    expect((await importCsv('link\nx\n')).status).toBe(400)

    const exported = await call('GET', '/api/pages/export', undefined, null)
    expect(exported.headers.get('content-type')).toMatch(/text\/csv/)
    expect(await exported.text()).toBe('url,title,region,category,tags,aliases\r\nhttps://t.me/durov,Durov,Москва,founder,a|b,Павел Дуров\r\n')
    // Response.text() would drop the BOM: look at the bytes.
    const excel = Buffer.from(await (await call('GET', '/api/pages/export?excel=1', undefined, null)).arrayBuffer())
    expect(excel.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    expect(excel.subarray(3).toString('utf8').startsWith('url;title;region;category;tags;aliases\r\n')).toBe(true)
  })
})
