import { describe, expect, it } from 'vitest'
import { startTestApp } from '../helpers/app.ts'
import { addUser, Browser } from '../helpers/auth.ts'
import { testDb } from '../helpers/db.ts'

describe('language of the operator screens', () => {
  it('renders the login form and the page-management list in Russian by default and in English with ?lang=en', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    await addUser(db, 'olga', 'operator')

    const russianLogin = await (await new Browser(url).get('/login')).text()
    expect(russianLogin).toContain('<html lang="ru">')
    expect(russianLogin).toContain('<h1>Вход</h1>')
    expect(russianLogin).toContain('<button type="submit">Войти</button>')
    const englishLogin = await (await new Browser(url).get('/login?lang=en')).text()
    expect(englishLogin).toContain('<h1>Log in</h1>')
    expect(englishLogin).toContain('<button type="submit">Log in</button>')

    const browser = new Browser(url)
    await browser.login('olga')
    const russianList = await (await browser.get('/manage/pages')).text()
    expect(russianList).toContain('<h1>Страницы</h1>')
    expect(russianList).toContain('>Добавить страницу</a>')
    expect(russianList).toContain('0 страниц · страница 1 из 1')
    expect(russianList).toContain('>Выйти')
    const englishList = await (await browser.get('/manage/pages?lang=en')).text()
    expect(englishList).toContain('<h1>Pages</h1>')
    expect(englishList).toContain('>Add a page</a>')
    expect(englishList).toContain('0 pages · page 1 of 1')
    expect(englishList).toContain('>Log out')
    // Same form either way: names and the CSRF field do not depend on the language.
    for (const html of [russianList, englishList]) expect(html).toMatch(/<form method="get" action="\/manage\/pages" class="filters">[\s\S]*name="q"[\s\S]*name="state"/)
  })

  it('answers a failed login in the language of the browser', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db)
    await addUser(db, 'olga', 'operator')
    const refused = await new Browser(url).post('/login', { name: 'olga', password: 'not it', next: '/' }, { csrfFrom: '/login' })
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain('Неверное имя или пароль.')
    const english = await new Browser(url, { 'accept-language': 'en-GB,en;q=0.9' }).post('/login', { name: 'olga', password: 'not it', next: '/' }, { csrfFrom: '/login' })
    expect(await english.text()).toContain('Wrong name or password.')
  })
})
