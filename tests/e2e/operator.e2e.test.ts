import { existsSync } from 'node:fs'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp } from '../helpers/app.ts'
import { addUser, PASSWORD } from '../helpers/auth.ts'
import { testDbFile } from '../helpers/db.ts'
import { startPlatformServer } from '../helpers/platform-server.ts'
import { fixture } from '../helpers/replay-server.ts'

// An operator in headless Chromium (Debian's package): logs in, adds a page through the form after the
// platform lookup (answered by the local replay server), imports a CSV with bad rows, and sees platform
// text carrying <script> / <img onerror> payloads rendered as text, never run.

const CHROMIUM = '/usr/bin/chromium'
const NBSP = '\u00a0'
const PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

let browser: Browser
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
})
afterAll(async () => {
  await browser?.close()
})

/** Nothing the payload could have done: no flag set, no injected element, no dialog. */
async function expectInert(page: Page, where: string) {
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), where).toBeUndefined()
  expect(await page.locator('img[onerror], script:not([src])').count(), where).toBe(0)
}

describe('an operator in a real browser', () => {
  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('logs in, adds a page after its lookup, imports a CSV with bad rows, and platform text stays inert', { timeout: 60_000 }, async () => {
    const { db } = await testDbFile()
    const platforms = await startPlatformServer()
    // A channel whose title and latest post carry markup, escaped in the page as t.me does it.
    platforms.override.set('tg:/evil_channel', () => new Response(fixture('telegram/tme_page_durov_channel.html').replaceAll('Pavel Durov', escapeHtml(PAYLOAD)), { headers: { 'content-type': 'text/html' } }))
    platforms.override.set('tg:/s/evil_channel', () =>
      new Response(
        fixture('telegram/tme_s_durov.html')
          .replaceAll('Pavel Durov', escapeHtml(PAYLOAD))
          .replaceAll('data-post="durov/', 'data-post="evil_channel/')
          .replace('tgme_widget_message_text js-message_text" dir="auto">', `tgme_widget_message_text js-message_text" dir="auto">${escapeHtml(PAYLOAD)} `),
        { headers: { 'content-type': 'text/html' } },
      ),
    )
    const { url, call } = await startTestApp(db, { platforms, env: { PUBLIC_DASHBOARD: 'false' }, now: () => new Date('2026-08-10T12:00:00Z') })
    await addUser(db, 'olga', 'operator')

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU' })
    // A Russian browser that switched the interface to English (the Russian wording has its own test).
    await context.addCookies([{ name: 'lang', value: 'en', url }])
    context.setDefaultTimeout(5000)
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`)
      void d.dismiss()
    })

    // Log in: the dashboard is private, so the browser is sent to the form and back.
    await page.goto(`${url}/manage/pages`)
    expect(new URL(page.url()).pathname).toBe('/login')
    await page.getByLabel('Name').fill('olga')
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect.poll(() => page.locator('.error').textContent()).toBe('Wrong name or password.')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL(`${url}/manage/pages`)
    expect(await page.locator('.account-nav').textContent()).toContain('olga')

    // Add a page by link: the lookup shows the platform's title and count before anything is saved.
    await page.getByRole('link', { name: 'Add a page' }).first().click()
    await page.getByLabel('Link').fill('https://t.me/durov')
    await page.getByLabel('Region').fill('Москва')
    await page.getByRole('button', { name: 'Look it up' }).click()
    expect(await page.locator('.platform-title').textContent()).toBe('Pavel Durov')
    expect(await page.locator('.platform-count').textContent()).toBe(`11${NBSP}286${NBSP}994`)
    expect(await db.selectFrom('pages').select('id').execute()).toEqual([])
    await page.getByRole('button', { name: 'Save page' }).click()
    await page.waitForURL(/\/manage\/pages\/1\?notice=created$/)
    expect(await page.locator('.notice').textContent()).toMatch(/The page is registered/)
    expect(await page.getByLabel('Region').inputValue()).toBe('Москва')

    // Import a CSV with bad rows: the preview lists them, the import skips them.
    await page.goto(`${url}/manage/import`)
    const csv = ['url;title;region', 'https://t.me/python;Python;', 'https://example.com/news;Not a page;', 't.me/durov;Again;', 'vk.com/club1;Club;Ростов', ''].join('\r\n')
    await page.getByLabel('CSV file').setInputFiles({ name: 'pages.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}`) })
    await page.getByRole('button', { name: 'Preview' }).click()
    const skipped = page.locator('.import-rows').first()
    expect(await skipped.locator('tbody tr').count()).toBe(2)
    expect(await skipped.textContent()).toMatch(/example\.com is not a supported platform/)
    expect(await skipped.textContent()).toMatch(/already registered as #1/)
    await page.getByRole('button', { name: 'Import 2 pages, skip 2' }).click()
    expect(await page.locator('.notice').textContent()).toBe('2 added, 0 restored, 2 skipped.')
    expect((await db.selectFrom('pages').select('handle').orderBy('id').execute()).map((p) => p.handle)).toEqual(['durov', 'python', 'club1'])

    // A hostile title and post: shown as text at the lookup, in management, and on the dashboard.
    await page.goto(`${url}/manage/pages/new`)
    await page.getByLabel('Link').fill('t.me/evil_channel')
    await page.getByRole('button', { name: 'Look it up' }).click()
    expect(await page.locator('.platform-title').textContent()).toBe(PAYLOAD)
    await expectInert(page, 'lookup preview')
    await page.getByRole('button', { name: 'Save page' }).click()
    await page.waitForURL(/\/manage\/pages\/4\?notice=created$/)
    expect((await call('POST', '/api/collect')).status).toBe(200)

    for (const path of ['/manage/pages', '/manage/pages/4', '/', '/pages/4']) {
      await page.goto(url + path)
      expect(await page.locator('body').textContent(), path).toContain(PAYLOAD)
      await expectInert(page, path)
    }
    expect(problems).toEqual([])
    await context.close()
  })
})
