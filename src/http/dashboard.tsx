import type { Context } from 'hono'
import type { Child } from 'hono/jsx'
import { Hono } from 'hono'
import { z } from 'zod'
import { findOverviewRow, groupSeries, hasPages, listFilterValues, listGroups, listOverviewRows, listSparklines, overviewTotals, type GroupBy } from '../db/overview.ts'
import { dataVersion } from '../db/data-version.ts'
import { findPage } from '../db/pages.ts'
import type { Db } from '../db/schema.ts'
import { firstDataAt, markGaps, pageSeries, type Metric } from '../db/series.ts'
import { listPosts } from '../db/snapshots.ts'
import type { I18n } from '../i18n/index.ts'
import { zonedDayStart } from '../i18n/format.ts'
import { i18nOf } from '../i18n/request.ts'
import type { ChartMarker } from '../views/components.tsx'
import { Compare, type ComparedPage } from '../views/compare.tsx'
import { Groups } from '../views/groups.tsx'
import { NotFound } from '../views/not-found.tsx'
import { FirstRun, Overview } from '../views/overview.tsx'
import { PageDetail, POST_SORTS, sortPosts } from '../views/page-detail.tsx'
import { filterKey, MAX_COMPARED, SUMS_TTL_MS } from './analytics.ts'
import { ttlCache } from './ttl-cache.ts'
import { groupBySchema, metricSchema, modeSchema, overviewParamsSchema, ParamError, parseLenient, parsePageIds, rangePresetSchema, resolveRange, toOverviewQuery } from './dashboard-params.ts'

export interface DashboardDeps {
  db: Db
  now: () => Date
  /** IANA zone for dates on the pages and for custom date ranges. */
  timeZone: string
  /**
   * Extras for a page's view (related news stories): called per view with the chart's range. `markers`
   * become vertical lines on the followers chart (data-markers); `children` are shown below the
   * charts; `scripts` load after Chart.js and its plugins and before web/charts.js, so they can push
   * to window.publicpulseCharts.configHooks.
   */
  pageExtras?: (args: { pageId: number; range: { from: number; to: number }; i18n: I18n }) => Promise<PageExtras | undefined>
}

export interface PageExtras {
  markers?: ChartMarker[]
  children?: Child
  scripts?: string[]
}

const DAY = 86_400
const RECENT_POSTS = 50

const rangeParams = z.object({ range: rangePresetSchema })

/** Describes a dropped parameter to the reader. */
const describeDropped = (i18n: I18n, dropped: { name: string; value: string }[], fallback: (name: string) => string) =>
  dropped.map((d) => i18n.t.notice.badParam(d.name, d.value.slice(0, 60), fallback(d.name)))

/** Server-rendered pages of the dashboard. They work without JavaScript; charts are drawn by web/charts.js. */
export function dashboardRoutes(deps: DashboardDeps) {
  const { db } = deps
  const nowSeconds = () => Math.floor(deps.now().getTime() / 1000)
  const i18n = (c: Context) => i18nOf(c, deps.timeZone)
  const cache = ttlCache({ ttlMs: SUMS_TTL_MS, version: () => dataVersion(db) })

  /**
   * The page's range from `range=` or the custom `from`/`to` dates of the form (days in the display
   * time zone; `to` inclusive). A bad value falls back to the default with a notice.
   */
  const pageRange = (c: Context, first: number | null, notices: string[], t: I18n) => {
    const { value, dropped } = parseLenient(rangeParams, c.req.query())
    notices.push(...describeDropped(t, dropped, () => t.t.page.presets['30d']!))
    const from = c.req.query('from')
    const to = c.req.query('to')
    const date = (text: string | undefined, name: string, end: boolean) => {
      if (!text) return undefined
      const start = /^\d{4}-\d{2}-\d{2}$/.test(text) ? zonedDayStart(text, deps.timeZone) : undefined
      if (start === undefined) {
        notices.push(t.t.notice.badParam(name, text.slice(0, 60), t.t.page.presets['30d']!))
        return undefined
      }
      return end ? zonedDayStart(text, deps.timeZone, 1)! - 1 : start
    }
    const custom = { from: date(from, 'from', false), to: date(to, 'to', true) }
    try {
      return resolveRange({ range: value.range, ...(custom.from !== undefined || custom.to !== undefined ? custom : {}) }, nowSeconds(), first)
    } catch (error) {
      if (!(error instanceof ParamError)) throw error
      notices.push(error.message)
      return resolveRange({}, nowSeconds(), first)
    }
  }

  return new Hono()
    .get('/', async (c) => {
      const t = i18n(c)
      if (!(await hasPages(db))) return c.html(<FirstRun i18n={t} />)
      const { value, dropped } = parseLenient(overviewParamsSchema, c.req.query())
      const query = toOverviewQuery(value)
      const at = nowSeconds()
      const [rows, totals, filters] = await Promise.all([
        listOverviewRows(db, query, (query.page - 1) * query.perPage, query.perPage, at),
        cache.get(`totals:${filterKey(query)}`, () => overviewTotals(db, query, at)),
        cache.get('filters', () => listFilterValues(db)),
      ])
      const result = { rows, total: totals.pages, totals }
      const sparklines = await listSparklines(db, rows.map((r) => r.id), at)
      const notices = describeDropped(t, dropped, () => t.t.overview.any)
      return c.html(<Overview i18n={t} query={query} result={result} sparklines={sparklines} filters={filters} notices={notices} />)
    })
    .get('/pages/:id{[0-9]+}', async (c) => {
      const t = i18n(c)
      const id = Number(c.req.param('id'))
      const [page, row] = await Promise.all([findPage(db, id), findOverviewRow(db, id, nowSeconds())])
      if (!page || !row) return c.html(<NotFound i18n={t} message={t.t.page.notFound(c.req.param('id'))} />, 404)
      const notices: string[] = []
      const first = await firstDataAt(db, page.id)
      const range = pageRange(c, first, notices, t)
      const psort = POST_SORTS.find((s) => s === c.req.query('psort')) ?? 'published'
      const porder = c.req.query('porder') === 'asc' ? 'asc' : 'desc'
      const [followers, views, posts, extras] = await Promise.all([
        pageSeries(db, page.id, 'followers', range),
        pageSeries(db, page.id, 'avgViews', range),
        listPosts(db, page.id, RECENT_POSTS),
        deps.pageExtras ? deps.pageExtras({ pageId: page.id, range: { from: range.from, to: range.to }, i18n: t }) : Promise.resolve(undefined),
      ])
      return c.html(
        <PageDetail
          i18n={t}
          page={page}
          row={row}
          range={range}
          followers={followers}
          views={views}
          posts={sortPosts(posts, psort, porder)}
          postSort={{ sort: psort, order: porder }}
          firstAt={first}
          extras={extras}
          notices={notices}
        />,
      )
    })
    .get('/compare', async (c) => {
      const t = i18n(c)
      const notices: string[] = []
      const { value, dropped } = parseLenient(z.object({ mode: modeSchema, metric: metricSchema }), c.req.query())
      notices.push(...describeDropped(t, dropped, (name) => (name === 'mode' ? t.t.compare.abs : t.t.compare.metrics.followers!)))
      let ids: number[] = []
      try {
        ids = parsePageIds(c.req.query('pages'), MAX_COMPARED)
      } catch (error) {
        if (!(error instanceof ParamError)) throw error
        notices.push(error.message)
        ids = (c.req.query('pages') ?? '').split(',').filter((p) => /^\d{1,9}$/.test(p.trim())).map(Number).slice(0, MAX_COMPARED)
      }
      const found = await Promise.all(ids.map((id) => findPage(db, id)))
      const missing = ids.filter((_, i) => !found[i])
      if (missing.length) notices.push(t.t.compare.missing(missing.map((id) => `#${id}`).join(', ')))
      const pages: ComparedPage[] = found.filter((p) => p !== undefined).map((p) => ({ id: p.id, title: p.title, platform: p.platform, region: p.region }))
      const metric: Metric = value.metric ?? 'followers'
      const firsts = (await Promise.all(pages.map((p) => firstDataAt(db, p.id)))).filter((x): x is number => x !== null)
      const range = pageRange(c, firsts.length ? Math.min(...firsts) : null, notices, t)
      const series = await Promise.all(pages.map(async (p) => (await pageSeries(db, p.id, metric, range)).points))
      const q = c.req.query('q')?.trim().slice(0, 200)
      const search = q
        ? {
            q,
            results: (await listOverviewRows(db, { q, sort: 'followers', order: 'desc' }, 0, 10 + pages.length, nowSeconds()))
              .filter((r) => !pages.some((p) => p.id === r.id))
              .slice(0, 10)
              .map((r) => ({ id: r.id, title: r.title, platform: r.platform, region: r.region })),
          }
        : null
      return c.html(
        <Compare i18n={t} pages={pages} series={series} mode={value.mode ?? 'abs'} metric={metric} range={range} search={search} max={MAX_COMPARED} notices={notices} />,
      )
    })
    .get('/groups', async (c) => {
      const t = i18n(c)
      const { value, dropped } = parseLenient(z.object({ by: groupBySchema }), c.req.query())
      const notices = describeDropped(t, dropped, () => t.t.groups.byRegion)
      const by: GroupBy = value.by ?? 'region'
      const groups = await cache.get(`groups:${by}`, () => listGroups(db, by, {}, nowSeconds()))
      const requested = c.req.query('key')
      const keyed = groups.filter((g) => g.key !== null)
      const selected = requested !== undefined && keyed.some((g) => g.key === requested) ? requested : keyed[0]?.key ?? undefined
      const range = pageRange(c, null, notices, t)
      const points = selected !== undefined ? await groupSeries(db, by, selected, range) : []
      const series = markGaps(points.map((p) => ({ t: p.t, v: p.v })), DAY)
      return c.html(<Groups i18n={t} by={by} groups={groups} selected={selected ?? undefined} series={series} range={range} notices={notices} />)
    })
}
