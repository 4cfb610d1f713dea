import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp } from '../helpers/app.ts'
import { testDbFile } from '../helpers/db.ts'
import { SEED_NOW, seedHistory } from '../helpers/seed-history.ts'

// Drives the dashboard in headless Chromium (Debian's package; .ci/run installs it) over a seeded
// history: overview → sort by 7-day growth → filter by region → open a page → the chart is drawn →
// switch range → compare two pages → download the CSV. Screenshots of each screen go to
// test-artifacts/e2e/ (not committed). The README's two screenshots in docs/screenshots/ are written
// when missing, or again with UPDATE_DOCS_SCREENSHOTS=1.

const CHROMIUM = '/usr/bin/chromium'
const root = fileURLToPath(new URL('../../', import.meta.url))
const artifacts = `${root}test-artifacts/e2e/`
const docs = `${root}docs/screenshots/`
const NBSP = '\u00a0'

let browser: Browser
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return
  mkdirSync(artifacts, { recursive: true })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
})
afterAll(async () => {
  await browser?.close()
})

/** Waits until web/charts.js has drawn the canvas, then counts its pixels that differ from the background. */
async function drawnChart(page: Page, id: string): Promise<{ points: number; inked: number }> {
  await page.waitForSelector(`canvas#${id}[data-drawn]`, { timeout: 5000 })
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement
    const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)
    const [r0, g0, b0] = [data[0], data[1], data[2]]
    let inked = 0
    for (let i = 0; i < width * height * 4; i += 4) if (data[i] !== r0 || data[i + 1] !== g0 || data[i + 2] !== b0) inked++
    return { points: Number(canvas.dataset.drawn), inked }
  }, id)
}

describe('the dashboard in a real browser', () => {
  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('takes an analyst from the overview to a page, a comparison and a CSV', { timeout: 60_000 }, async () => {
    const { db } = await testDbFile()
    const ids = await seedHistory(db)
    const { url } = await startTestApp(db, { now: () => new Date(SEED_NOW * 1000) })
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU', colorScheme: 'light', acceptDownloads: true })
    context.setDefaultTimeout(5000) // a missing element fails in seconds, not at the test's deadline
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon/.test(m.location().url)) errors.push(m.text())
    })
    const shot = (name: string) => page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true })
    const rowIds = () => page.$$eval('table.overview tbody tr', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.pageId)))

    // Overview, largest audience first.
    await page.goto(url + '/')
    expect(await page.textContent('h1')).toBe('Отслеживаемые страницы')
    expect(await rowIds()).toEqual([ids.ministry, ids.governorTg, ids.governorVk, ids.gone, ids.city, ids.closed])
    await shot('01-overview')

    // Sort by 7-day growth: a link, so the URL carries it.
    await page.click('th a[data-sort="change7d"]')
    await page.waitForURL(/sort=change7d/)
    expect((await rowIds()).slice(0, 3)).toEqual([ids.governorTg, ids.governorVk, ids.ministry])
    await shot('02-sorted-by-7-days')

    // Filter by region: the form keeps the sort.
    await page.selectOption('select[name="region"]', 'Ростовская область')
    await page.click('form.filters button[type="submit"]')
    await page.waitForURL(/region=/)
    expect(page.url()).toContain('sort=change7d')
    expect(await rowIds()).toEqual([ids.governorTg, ids.governorVk, ids.city, ids.closed])
    expect((await page.textContent('[data-totals]'))!.replace(/\s+/g, ' ')).toContain('Ростовская область: 4 страницы')
    await shot('03-filtered-by-region')

    // The CSV of the current filter, downloaded as a user would.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('a[data-export="csv"]')])
    const csvPath = `${artifacts}overview.csv`
    await csvDownload.saveAs(csvPath)
    const rows = parse(readFileSync(csvPath), { bom: true, columns: true }) as Record<string, string>[]
    expect(rows.map((r) => [Number(r.id), r.title, r.followers, r.change_7d])).toEqual([
      [ids.governorTg, 'Губернатор — Telegram', '36800', '3360'],
      [ids.governorVk, 'Губернатор Ростовской области', '14200', '840'],
      [ids.city, 'Администрация Ростова', '1048', ''],
      [ids.closed, 'Закрытая группа', '', ''],
    ])

    // Open a page: both charts drawn on a time axis, 30 days of hourly samples.
    await page.click(`tr[data-page-id="${ids.governorTg}"] a[href="/pages/${ids.governorTg}"]`)
    await page.waitForURL(new RegExp(`/pages/${ids.governorTg}$`))
    const followers = await drawnChart(page, 'followers-chart')
    expect(followers.points).toBe(721 - 10) // h = 120 … 840, minus the failed hours
    expect(followers.inked).toBeGreaterThan(2000)
    expect((await drawnChart(page, 'views-chart')).points).toBeGreaterThan(100)
    expect(await page.textContent('[data-figure="err"]')).toBe(`24,46${NBSP}%`)
    await shot('04-page-30-days')

    // A PNG of the chart, made in the browser.
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('button[data-png="followers-chart"]')])
    const pngPath = `${artifacts}followers-chart.png`
    await png.saveAs(pngPath)
    expect([...readFileSync(pngPath).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47])

    // Switch the range to 7 days.
    await page.click('a[data-range="7d"]')
    await page.waitForURL(/range=7d/)
    expect((await drawnChart(page, 'followers-chart')).points).toBe(169 - 10)
    await shot('05-page-7-days')

    // Compare with the VK page, found through the search box.
    await page.click(`a[href="/compare?pages=${ids.governorTg}"]`)
    await page.fill('input[name="q"]', 'губернатор ростов')
    await page.click('form[role="search"] button[type="submit"]')
    await page.click(`a[data-add="${ids.governorVk}"]`)
    await page.waitForURL(new RegExp(`pages=${ids.governorTg}%2C${ids.governorVk}`))
    expect((await drawnChart(page, 'compare-chart')).points).toBe(711 + 721)
    await page.click('a[data-mode="index"]')
    await page.waitForURL(/mode=index/)
    await drawnChart(page, 'compare-chart')
    expect(await page.textContent(`tr[data-page-id="${ids.governorVk}"] [data-col="index"]`)).toBe('133,96')
    expect(await page.textContent(`tr[data-page-id="${ids.governorTg}"] [data-col="index"]`)).toBe('164,29')
    await shot('06-compare-index')

    expect(errors).toEqual([])

    // The README's screenshots: small, light theme.
    if (!existsSync(`${docs}overview.png`) || !existsSync(`${docs}page.png`) || process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
      mkdirSync(docs, { recursive: true })
      const small = await browser.newContext({ viewport: { width: 1000, height: 640 }, locale: 'ru-RU', colorScheme: 'light' })
      const view = await small.newPage()
      await view.goto(url + '/')
      await view.screenshot({ path: `${docs}overview.png` })
      await view.goto(`${url}/pages/${ids.governorTg}`)
      await drawnChart(view, 'followers-chart')
      await view.screenshot({ path: `${docs}page.png` })
      await small.close()
    }
    await context.close()
  })
})
