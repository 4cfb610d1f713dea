import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts'
import { testDbFile } from '../helpers/db.ts'
import { DAY, HOUR, seedHistory, STORY } from './seed.ts'

// Story markers on a page chart in headless Chromium, over a seeded history whose effect is known:
// the lines are drawn at the stories' times, same-hour stories share one, hovering shows title and
// source, clicking opens the story (or lists a group's), and the list beside the chart shows the
// seeded effect. A screenshot goes to test-artifacts/stories/ (not committed).

const CHROMIUM = '/usr/bin/chromium'
const artifacts = fileURLToPath(new URL('../../test-artifacts/stories/', import.meta.url))

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

describe('stories on the page chart, in a real browser', () => {
  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('marks stories on the followers chart, shows them on hover, opens them on click, and lists their effect', { timeout: 60_000 }, async () => {
    const { db } = await testDbFile()
    const NOW = STORY + 12 * DAY
    const { url, call } = await startTestApp(db, { now: () => new Date(NOW * 1000) })
    const pageId = await seedHistory(db, 25)
    const note = async (title: string, publishedAt: number, link?: string) => {
      const response = await call('POST', '/api/stories', { title, publishedAt, pages: [pageId], ...(link ? { link } : {}) })
      expect(response.status).toBe(201)
      return ((await response.json()) as { story: { id: number } }).story.id
    }
    const broadcast = await note('Прямой эфир губернатора', STORY, `${url}/healthz`)
    const first = await note('Совещание по паводку', STORY + 5 * DAY + 9 * HOUR + 40 * 60) // 22:10
    const second = await note('Визит в Азов <script>alert(1)</script>', STORY + 5 * DAY + 10 * HOUR + 15 * 60, `${url}/healthz?azov`) // 22:45, the same hour

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU', colorScheme: 'light', extraHTTPHeaders: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
    context.setDefaultTimeout(5000)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`)
      void d.dismiss()
    })

    await page.goto(`${url}/pages/${pageId}`)
    await page.waitForSelector('canvas#followers-chart[data-drawn][data-story-markers]')

    // Two lines: the broadcast, and the two stories of the same hour sharing one.
    const lines = await page.evaluate(() => {
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): any } }).Chart.getChart(document.getElementById('followers-chart') as HTMLCanvasElement)
      const annotations = chart.options.plugins.annotation.annotations as Record<string, { value: number; label: { content: string } }>
      return Object.values(annotations).map((a) => ({ t: a.value, label: a.label.content, x: chart.scales.x.getPixelForValue(a.value), y: (chart.chartArea.top + chart.chartArea.bottom) / 2 }))
    })
    expect(lines.map((l) => [l.t, l.label])).toEqual([
      [STORY * 1000, 'Прямой эфир губернатора'],
      [(STORY + 5 * DAY + 9 * HOUR + 40 * 60) * 1000, 'новостей: 2'],
    ])

    // Hover: title and source, as text (the script tag in a title stays text).
    const canvas = (await page.$('canvas#followers-chart'))!
    const box = (await canvas.boundingBox())!
    await page.mouse.move(box.x + lines[1]!.x, box.y + lines[1]!.y)
    const tip = page.locator('.story-tip')
    await tip.waitFor({ state: 'visible' })
    expect(await tip.locator('.story-tip-item').allInnerTexts()).toEqual([
      expect.stringMatching(/^Совещание по паводку\nзаметка аналитика · /),
      expect.stringMatching(/^Визит в Азов <script>alert\(1\)<\/script>\nзаметка аналитика · /),
    ])
    await page.screenshot({ path: `${artifacts}page-chart-markers.png`, fullPage: true })

    // Click on the group: its stories become links.
    await page.mouse.click(box.x + lines[1]!.x, box.y + lines[1]!.y)
    // (Chart.js hands events to plugins on the next animation frame: poll.)
    await expect.poll(() => tip.locator('a').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href))).toEqual([`${url}/healthz?azov`])
    await page.keyboard.press('Escape')
    await tip.waitFor({ state: 'hidden' })

    // Click on a single story: it opens.
    await page.mouse.move(box.x + lines[0]!.x, box.y + lines[0]!.y)
    const [opened] = await Promise.all([context.waitForEvent('page'), page.mouse.click(box.x + lines[0]!.x, box.y + lines[0]!.y)])
    await opened.waitForLoadState()
    expect(opened.url()).toBe(`${url}/healthz`)
    await opened.close()

    // Beside the chart: newest first, with the effect the seeded history gives the broadcast.
    const listed = await page.$$eval('#related-stories li[data-story]', (items) => items.map((li) => Number((li as HTMLElement).dataset.story)))
    expect(listed).toEqual([second, first, broadcast])
    const effect = page.locator(`#related-stories li[data-story="${broadcast}"] .effect`)
    expect(await effect.locator('[data-excess]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.excess))).toEqual(['480', '480', '300', '300'])
    expect(await effect.innerText()).toMatch(/Подписчики: 24 ч \+720 против \+240 · 7 дн \+2\s?160 против \+1\s?680/)
    expect(errors).toEqual([])
    await context.close()
  })
})
