import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { insertPage } from '../../src/db/pages.ts'
import { recordOutcomes } from '../../src/db/snapshots.ts'
import { startTestApp } from '../helpers/app.ts'
import { testDb } from '../helpers/db.ts'
import { SEED_NOW, seedHistory } from '../helpers/seed-history.ts'

const NBSP = '\u00a0'
const now = () => new Date(SEED_NOW * 1000)
/** Text of an HTML response with tags removed and whitespace collapsed, for reading figures. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, NBSP).replace(/[ \n]+/g, ' ')
const get = (url: string, path: string, headers: Record<string, string> = {}) => fetch(url + path, { headers })

async function seededApp() {
  const db = await testDb()
  const ids = await seedHistory(db)
  const app = await startTestApp(db, { now })
  return { db, ids, ...app }
}

describe('dashboard pages over HTTP on a seeded history', () => {
  it('renders the overview in Russian by default with the hand-computed figures and a totals line', async () => {
    const { url, ids } = await seededApp()
    const response = await get(url, '/?region=' + encodeURIComponent('Ростовская область'), { 'accept-language': 'ru-RU,ru;q=0.9' })
    expect(response.status).toBe(200)
    const html = await response.text()
    const text = textOf(html)
    expect(html).toContain('<html lang="ru">')
    expect(text).toContain(`Ростовская область: 4 страницы, 52${NBSP}тыс. подписчиков, +4${NBSP}200 за неделю`)
    // governorVk's row: 14 200, +120 (+0,85 %), +840 (+6,29 %), +3 600 (+33,96 %), reach 4 000, ERR 28,17 %.
    const row = textOf(html.split(`data-page-id="${ids.governorVk}"`)[1]!.split('</tr>')[0]!)
    for (const figure of [`14${NBSP}200`, '+120', `+0,85${NBSP}%`, '+840', `+6,29${NBSP}%`, `+3${NBSP}600`, `+33,96${NBSP}%`, `4${NBSP}000`, `28,17${NBSP}%`, '26.11.2026 15:00']) {
      expect(row).toContain(figure)
    }
    const tg = textOf(html.split(`data-page-id="${ids.governorTg}"`)[1]!.split('</tr>')[0]!)
    expect(tg).toContain(`24,46${NBSP}%`)
    expect(tg).toContain(`+10,05${NBSP}%`)
    // A 30-day sparkline drawn on the server, and the failing page with its reason.
    expect(html).toMatch(/<svg class="spark up"[^>]*role="img"/)
    expect(text).toContain('Закрытая группа: участники скрыты')
    // Sorting is a link carrying the filter; the current sort is announced.
    expect(html).toContain('href="/?region=%D0%A0%D0%BE%D1%81%D1%82%D0%BE%D0%B2%D1%81%D0%BA%D0%B0%D1%8F+%D0%BE%D0%B1%D0%BB%D0%B0%D1%81%D1%82%D1%8C&amp;sort=pct7d&amp;order=desc"')
    expect(html).toMatch(/<th class="num" aria-sort="descending" scope="col"><a href="[^"]*sort=followers&amp;order=asc"/)
  })

  it('speaks English when the browser asks for it, and remembers a switch in a cookie', async () => {
    const { url } = await seededApp()
    const english = textOf(await (await get(url, '/', { 'accept-language': 'en-GB,en;q=0.9' })).text())
    expect(english).toContain('Tracked pages')
    expect(english).toContain('All pages: 6 pages, 107.6K followers, +3,864 this week')
    const switched = await get(url, '/groups?lang=en', { 'accept-language': 'ru' })
    expect(switched.headers.get('set-cookie')).toMatch(/^lang=en; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax/)
    const later = textOf(await (await get(url, '/', { 'accept-language': 'ru', cookie: 'lang=en' })).text())
    expect(later).toContain('Tracked pages')
    const back = await (await get(url, '/', { cookie: 'lang=en' })).text()
    expect(back).toContain('href="/?lang=ru"')
  })

  it('shows a page: its figures, both charts with data in attributes, sortable posts and its facts', async () => {
    const { url, ids } = await seededApp()
    const html = await (await get(url, `/pages/${ids.governorTg}?range=7d&psort=views&porder=asc`)).text()
    const text = textOf(html)
    expect(text).toContain(`36${NBSP}800`)
    expect(text).toContain(`+3${NBSP}360 +10,05${NBSP}%`)
    expect(text).toContain(`24,46${NBSP}%`)
    const attr = (id: string, name: string) => {
      const tag = new RegExp(`<canvas id="${id}"[^>]*>`).exec(html)![0]
      return new RegExp(`${name}="([^"]*)"`).exec(tag)![1]!.replace(/&quot;/g, '"')
    }
    const followers = JSON.parse(attr('followers-chart', 'data-series')) as { t: number; v: number | null }[]
    expect(followers.filter((p) => p.v !== null)).toHaveLength(159)
    expect(followers.filter((p) => p.v === null)).toHaveLength(1)
    expect(followers.at(-1)).toEqual({ t: SEED_NOW * 1000, v: 36_800 })
    expect(Number(attr('followers-chart', 'data-from'))).toBe((SEED_NOW - 7 * 86_400) * 1000)
    expect(JSON.parse(attr('views-chart', 'data-series')).filter((p: { v: number | null }) => p.v === 9000)).toHaveLength(27)
    expect(html).toContain(`href="/api/pages/${ids.governorTg}/series?metric=followers&amp;from=${SEED_NOW - 7 * 86_400}&amp;to=${SEED_NOW}&amp;export=csv"`)
    expect(html).toContain(`<a href="/pages/${ids.governorTg}?range=7d&amp;psort=views&amp;porder=asc" aria-current="true" data-range="7d">`)
    // Posts sorted by views, fewest first; their text escaped.
    const rows = [...html.split('<table class="posts">')[1]!.split('</table>')[0]!.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1) // after the header
    const views = rows.map((r) => /<td class="num">([^<]*)<\/td>/.exec(r[1]!)![1])
    expect(views[0]).toBe(`8${NBSP}000`)
    expect(views.at(-1)).toBe(`10${NBSP}000`)
    expect(html).toContain('&lt;b&gt;не жирный&lt;/b&gt;')
    expect(text).toContain('https://t.me/governor_tg')
    expect(text).toContain('22.10.2026') // registered
  })

  it('compares two pages, absolute and indexed, with the figures of the range', async () => {
    const { url, ids } = await seededApp()
    const html = await (await get(url, `/compare?pages=${ids.governorVk},${ids.governorTg}&mode=index`)).text()
    const cell = (id: number, col: string) => textOf(new RegExp(`data-page-id="${id}"[\\s\\S]*?data-col="${col}">([^<]*)<`).exec(html)![1]!).trim()
    // 30 days: from h = 120 to h = 840.
    expect([cell(ids.governorVk, 'start'), cell(ids.governorVk, 'end'), cell(ids.governorVk, 'change'), cell(ids.governorVk, 'index')]).toEqual([`10${NBSP}600`, `14${NBSP}200`, `+3${NBSP}600`, '133,96'])
    expect([cell(ids.governorTg, 'start'), cell(ids.governorTg, 'end'), cell(ids.governorTg, 'index')]).toEqual([`22${NBSP}400`, `36${NBSP}800`, '164,29'])
    const datasets = JSON.parse(/data-datasets="([^"]*)"/.exec(html)![1]!.replace(/&quot;/g, '"')) as { label: string; points: { v: number | null }[] }[]
    expect(datasets.map((d) => d.label)).toEqual(['Губернатор Ростовской области', 'Губернатор — Telegram'])
    expect(datasets[0]!.points[0]!.v).toBe(100)
    expect(datasets[0]!.points.at(-1)!.v).toBe(133.96)
    // Picking pages from a search box: results link to the comparison with the page added.
    const search = await (await get(url, `/compare?pages=${ids.governorVk}&q=${encodeURIComponent('минздрав')}`)).text()
    expect(search).toContain(`href="/compare?pages=${ids.governorVk}%2C${ids.ministry}&amp;q=`)
  })

  it('shows groups with their totals and a chart of the chosen one', async () => {
    const { url } = await seededApp()
    const html = await (await get(url, '/groups?by=tag&key=governor')).text()
    const text = textOf(html)
    expect(text).toContain(`governor 2 51${NBSP}000`)
    expect(html).toMatch(/<canvas id="group-chart" data-series="/)
    expect(html).toContain('<tr data-group="governor" class="selected">')
  })

  it('greets a fresh install with the first-run page, answers unknown pages with a 404 page', async () => {
    const db = await testDb()
    const { url } = await startTestApp(db, { now })
    const firstHtml = await (await get(url, '/')).text()
    const first = textOf(firstHtml)
    expect(first).toContain('Пока не зарегистрировано ни одной страницы')
    expect(first).toContain('npm run cli -- pages add https://t.me/durov')
    expect(firstHtml).toContain('<a href="/manage/pages/new">Управление → Добавить страницу</a>')
    const missing = await get(url, '/pages/999')
    expect(missing.status).toBe(404)
    expect(textOf(await missing.text())).toContain('Страницы №999 нет.')
  })

  it('drops a parameter it does not understand with a notice, and keeps the rest of the state', async () => {
    const { url } = await seededApp()
    const response = await get(url, '/?sort=likes&order=sideways&region=' + encodeURIComponent('Московская область') + '&perPage=9999')
    expect(response.status).toBe(200)
    const text = textOf(await response.text())
    expect(text).toContain('Параметр sort=«likes» не понят')
    expect(text).toContain('Параметр perPage=«9999» не понят')
    expect(text).toContain('Московская область: 1 страница')
    const page = await get(url, '/pages/1?range=forever&from=2026-13-45')
    expect(page.status).toBe(200)
    expect(textOf(await page.text())).toContain('Параметр range=«forever» не понят; показано: 30 дней.')
  })
})

describe('the JSON API and exports', () => {
  it('answers /api/overview with rows, total and totals, sorted and filtered', async () => {
    const { url, ids } = await seededApp()
    const body = await (await get(url, '/api/overview?sort=pct7d&order=desc&tag=governor&perPage=1')).json()
    expect(body.total).toBe(2)
    expect(body.totals).toEqual({ pages: 2, followers: 51_000, change7d: 4200 })
    expect(body.rows).toHaveLength(1)
    expect(body.rows[0]).toMatchObject({ id: ids.governorTg, followers: 36_800, change7d: 3360, collectedAt: '2026-11-26T12:00:00.000Z' })
    expect(body.rows[0].pct7d).toBeCloseTo(10.047846889952153, 10)
  })

  it('refuses bad parameters with a sentence naming them, and changes nothing', async () => {
    const { url, db } = await seededApp()
    const before = await db.selectFrom('page_stats').selectAll().execute()
    const cases: [string, number, RegExp][] = [
      ['/api/overview?sort=likes', 400, /sort: must be one of title, platform, .*status/],
      ['/api/overview?order=up', 400, /order: must be asc or desc/],
      ['/api/overview?perPage=0', 400, /perPage: must be a whole number from 1 to 500/],
      ['/api/overview?page=-1', 400, /page: must be a whole number from 1/],
      ['/api/overview?platform=ok', 400, /platform: must be one of vk, telegram/],
      ['/api/overview?status=broken', 400, /status: must be one of ok, failing, paused, pending/],
      ['/api/overview?export=xlsx', 400, /export: must be csv or json/],
      ['/api/pages/1/series?metric=likes', 400, /metric: must be one of followers, avgViews/],
      ['/api/pages/1/series?range=2w', 400, /range: must be one of 7d, 30d, 90d, 1y, all/],
      ['/api/pages/1/series?from=yesterday', 400, /from must be a date \(2026-11-26\), an ISO date-time/],
      ['/api/pages/1/series?from=2026-11-20&to=2026-11-01', 400, /from must be earlier than to/],
      ['/api/pages/999/series', 404, /There is no page #999/],
      ['/api/compare', 400, /pages is required/],
      ['/api/compare?pages=1,x', 400, /pages must be page ids separated by commas/],
      ['/api/compare?pages=1,2,3,4,5,6,7,8,9,10,11', 400, /at most 10 pages/],
      ['/api/compare?pages=1,999', 404, /There is no page #999/],
      ['/api/groups?by=city', 400, /by: must be one of region, tag/],
    ]
    for (const [path, status, message] of cases) {
      const response = await get(url, path)
      expect(response.status, path).toBe(status)
      expect((await response.json()).error, path).toMatch(message)
    }
    expect(await db.selectFrom('page_stats').selectAll().execute()).toEqual(before)
  })

  it('serves a page’s series as JSON and CSV, downsampled and with gaps as nulls', async () => {
    const { url, ids } = await seededApp()
    const json = await (await get(url, `/api/pages/${ids.governorTg}/series?metric=followers&range=7d`)).json()
    expect(json).toMatchObject({ metric: 'followers', resolution: 'raw', from: '2026-11-19T12:00:00.000Z', to: '2026-11-26T12:00:00.000Z' })
    expect(json.points).toHaveLength(160)
    expect(json.points.at(-1)).toEqual({ t: '2026-11-26T12:00:00.000Z', v: 36_800 })
    expect(json.points.filter((p: { v: number | null }) => p.v === null)).toHaveLength(1)
    const daily = await (await get(url, `/api/pages/${ids.governorVk}/series?from=2026-01-01&to=2026-11-26`)).json()
    expect(daily.resolution).toBe('daily')
    expect(daily.points).toHaveLength(36)
    const csv = await get(url, `/api/pages/${ids.governorVk}/series?range=7d&export=csv`)
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="publicpulse-page-${ids.governorVk}-followers.csv"`)
    const rows = parse(await csv.text(), { bom: true, columns: true }) as { time: string; followers: string }[]
    expect(rows).toHaveLength(169)
    expect(rows.at(-1)).toEqual({ time: '2026-11-26T12:00:00.000Z', followers: '14200' })
  })

  it('exports the whole filtered overview as CSV and JSON, with spreadsheet formulas defused', async () => {
    const { url, db, ids } = await seededApp()
    // A platform-supplied title that a spreadsheet would run as a formula.
    const evil = await insertPage(db, { platform: 'vk', handle: 'evil', url: 'https://vk.com/evil', region: 'Ростовская область' }, new Date(SEED_NOW * 1000))
    await recordOutcomes(db, [{ page: { id: evil.id, consecutiveFailures: 0 }, outcome: { ok: true, sample: { followers: 5, followersExact: true, title: '=HYPERLINK("http://x.example","click")', platformId: null, posts: null } } }], SEED_NOW, { pauseAfterFailures: 0 })
    const csv = await get(url, '/api/overview?region=' + encodeURIComponent('Ростовская область') + '&sort=change7d&export=csv&perPage=1')
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const bytes = new Uint8Array(await csv.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]) // Excel reads Cyrillic only with the byte-order mark
    const text = new TextDecoder().decode(bytes)
    const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[]
    // All of them, not one screen; pages without a 7-day change last, in id order.
    expect(rows.map((r) => Number(r.id))).toEqual([ids.governorTg, ids.governorVk, ids.city, ids.closed, evil.id])
    expect(rows[0]).toMatchObject({ title: 'Губернатор — Telegram', followers: '36800', change_7d: '3360', avg_views: '9000', tags: 'governor', collected_at: '2026-11-26T12:00:00.000Z' })
    expect(Number(rows[0]!.err)).toBeCloseTo(24.456521739130434, 10)
    expect(rows[4]!.title).toBe(`'=HYPERLINK("http://x.example","click")`)
    expect(rows[3]).toMatchObject({ followers: '', status: 'private' })
    const json = await (await get(url, '/api/overview?tag=governor&export=json')).json()
    expect(json.rows.map((r: { id: number }) => r.id)).toEqual([ids.governorTg, ids.governorVk])
    expect(json.totals).toEqual({ pages: 2, followers: 51_000, change7d: 4200 })
  })

  it('answers /api/groups and /api/compare', async () => {
    const { url, ids } = await seededApp()
    const groups = await (await get(url, '/api/groups?by=region')).json()
    expect(groups.groups[0]).toMatchObject({ key: 'Ростовская область', pages: 4, followers: 52_048, change7d: 4200, avgViews: 6500 })
    const series = await (await get(url, '/api/groups?by=tag&key=governor&range=7d')).json()
    expect(series.points.at(-1)).toEqual({ t: '2026-11-26T00:00:00.000Z', v: 51_000, pages: 2 })
    const compare = await (await get(url, `/api/compare?pages=${ids.governorVk},${ids.ministry}&mode=index&range=30d`)).json()
    expect(compare.series.map((s: { page: { id: number } }) => s.page.id)).toEqual([ids.governorVk, ids.ministry])
    expect(compare.series[1].points.at(-1).v).toBe(97.11) // 48 320 ÷ 49 760 × 100
  })
})

describe('what the browser is sent', () => {
  it('keeps the CSP: no inline script or style, untrusted text escaped, only http(s) links', async () => {
    const db = await testDb()
    const page = await insertPage(db, { platform: 'telegram', handle: 'xss', url: 'https://t.me/xss', title: '<script>alert(1)</script>', region: '"><img src=x onerror=alert(1)>' }, new Date(SEED_NOW * 1000))
    const post = { postId: '1', url: 'javascript:alert(1)', publishedAt: SEED_NOW - 86_400, text: '<img src=x onerror=alert(2)>', views: 10, likes: 1, reposts: 0, comments: 0 }
    await recordOutcomes(db, [{ page: { id: page.id, consecutiveFailures: 0 }, outcome: { ok: true, sample: { followers: 10, followersExact: true, title: null, platformId: null, posts: [post] } } }], SEED_NOW, { pauseAfterFailures: 0 })
    const { url } = await startTestApp(db, { now })
    for (const path of ['/', `/pages/${page.id}`, `/compare?pages=${page.id}`, '/groups']) {
      const response = await get(url, path)
      const html = await response.text()
      expect(response.headers.get('content-security-policy'), path).toContain("script-src 'self'")
      expect(html, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(html, path).not.toMatch(/\sstyle=/)
      expect(html, path).not.toContain('<script>alert(1)')
      expect(html, path).not.toContain('<img src=x')
      expect(html, path).not.toContain('href="javascript:')
    }
    for (const file of ['chart.umd.js', 'chartjs-adapter-date-fns.js', 'chartjs-plugin-annotation.js', 'charts.js', 'app.css']) {
      const response = await get(url, `/static/${file}`)
      expect(response.status, file).toBe(200)
    }
  })
})

describe('extension points of the page view', () => {
  it('adds other areas’ markers, content and scripts to a page, scripts before charts.js', async () => {
    const db = await testDb()
    const ids = await seedHistory(db)
    const { Hono } = await import('hono')
    const { dashboardRoutes } = await import('../../src/http/dashboard.tsx')
    const { i18nMiddleware } = await import('../../src/i18n/request.ts')
    const seen: { pageId: number; from: number; to: number }[] = []
    const app = new Hono().use(i18nMiddleware({ timeZone: 'Europe/Moscow' })).route(
      '/',
      dashboardRoutes({
        db,
        now,
        timeZone: 'Europe/Moscow',
        pageExtras: async ({ pageId, range }) => {
          seen.push({ pageId, ...range })
          return { markers: [{ t: SEED_NOW - 86_400, label: 'Прямой эфир <b>' }], children: <section id="related">связанные новости</section>, scripts: ['/static/story-markers.js'] }
        },
      }),
    )
    const html = await (await app.request(`/pages/${ids.governorVk}?range=7d`)).text()
    expect(seen).toEqual([{ pageId: ids.governorVk, from: SEED_NOW - 7 * 86_400, to: SEED_NOW }])
    const markers = /<canvas id="followers-chart"[^>]*data-markers="([^"]*)"/.exec(html)![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
    expect(JSON.parse(markers)).toEqual([{ t: (SEED_NOW - 86_400) * 1000, label: 'Прямой эфир <b>' }])
    expect(html).toContain('<section id="related">связанные новости</section>')
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1])
    expect(scripts).toEqual(['/static/chart.umd.js', '/static/chartjs-adapter-date-fns.js', '/static/chartjs-plugin-annotation.js', '/static/story-markers.js', '/static/charts.js'])
  })
})
