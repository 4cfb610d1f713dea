import type { Context, MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { stringify } from 'csv-stringify/sync'
import { z } from 'zod'
import { groupSeries, listGroups, listOverviewIds, listOverviewRows, listOverviewRowsByIds, overviewTotals, type GroupBy, type OverviewFilter, type OverviewQuery, type OverviewRow } from '../db/overview.ts'
import { dataVersion } from '../db/data-version.ts'
import { findPage } from '../db/pages.ts'
import type { Db } from '../db/schema.ts'
import { firstDataAt, indexTo100, markGaps, pageSeries, type Metric, type SeriesPoint } from '../db/series.ts'
import {
  exportSchema,
  groupBySchema,
  metricSchema,
  modeSchema,
  overviewParamsSchema,
  parsePageIds,
  parseStrict,
  parseTime,
  rangePresetSchema,
  resolveRange,
  toOverviewQuery,
} from './dashboard-params.ts'
import { BadRequestError } from './errors.ts'
import { ttlCache } from './ttl-cache.ts'

export interface AnalyticsDeps {
  db: Db
  /** Reuses answers until the data changes (response-cache.ts); exports opt out with no-store. */
  cached: MiddlewareHandler
  now: () => Date
}

/** How long totals and group sums are reused while the data does not change (see ttl-cache.ts). */
export const SUMS_TTL_MS = 30_000

/** The filter part of an overview query, as a cache key (totals do not depend on sort or page). */
export const filterKey = (q: OverviewFilter) => JSON.stringify([q.platform, q.region, q.tag, q.status, q.q])

/** Most pages one comparison draws. */
export const MAX_COMPARED = 10
/** Rows read per query while an export streams the whole filtered overview. */
const EXPORT_CHUNK = 2000

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString())
const pointsJson = (points: readonly SeriesPoint[]) => points.map((p) => ({ t: iso(p.t), v: p.v }))

/** An overview row as the API shows it: times as ISO-8601 UTC. */
const rowJson = (r: OverviewRow) => ({ ...r, collectedAt: iso(r.collectedAt), statusAt: iso(r.statusAt) })

const OVERVIEW_COLUMNS = [
  'id', 'title', 'platform', 'handle', 'url', 'region', 'tags', 'status', 'status_message', 'followers', 'followers_exact',
  'change_1d', 'pct_1d', 'change_7d', 'pct_7d', 'change_30d', 'pct_30d', 'avg_views', 'err', 'collected_at',
]

/**
 * Text that a spreadsheet would run as a formula (`=HYPERLINK(...)` in a page title read from a
 * platform) gets a leading apostrophe: titles are untrusted.
 */
export const csvText = (value: string | null) => (value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value)

const overviewCsvRow = (r: OverviewRow) => [
  r.id, csvText(r.title), r.platform, csvText(r.handle), r.url, csvText(r.region), csvText(r.tags.join('; ')), r.status, csvText(r.statusMessage),
  r.followers, r.followersExact === null ? null : r.followersExact ? 1 : 0, r.change1d, r.pct1d, r.change7d, r.pct7d, r.change30d, r.pct30d,
  r.avgViews, r.err, iso(r.collectedAt),
]

/** CSV as analysts' spreadsheets read it: UTF-8 with a byte-order mark (Excel needs it for Cyrillic), comma-separated. */
const BOM = '\ufeff'
const csv = (rows: unknown[][]) => stringify(rows, { cast: { number: (n) => String(n) } })

function attachment(c: Context, name: string, type: 'csv' | 'json') {
  c.header('content-type', type === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
  c.header('content-disposition', `attachment; filename="${name}.${type}"`)
  c.header('cache-control', 'no-store')
}

const pageNotFound = (id: number | string) => new BadRequestError(`There is no page #${id}.`, 404)

/**
 * Reads the whole filtered overview: the ids sorted once, then the rows by id in chunks, so an export of
 * 130,000 rows sorts once and never holds the database for long.
 */
async function* overviewSlices(db: Db, query: OverviewQuery, now: number): AsyncGenerator<OverviewRow[]> {
  const ids = await listOverviewIds(db, query, now)
  for (let i = 0; i < ids.length; i += EXPORT_CHUNK) yield await listOverviewRowsByIds(db, ids.slice(i, i + EXPORT_CHUNK), now)
}

const seriesParams = z.object({ metric: metricSchema, range: rangePresetSchema, export: exportSchema, mode: modeSchema })

/** The JSON API behind the dashboard, for analysts' own scripts too (mounted under /api). Reads only. */
export function analyticsRoutes({ db, cached, now }: AnalyticsDeps) {
  const nowSeconds = () => Math.floor(now().getTime() / 1000)
  const cache = ttlCache({ ttlMs: SUMS_TTL_MS, version: () => dataVersion(db) })
  const totalsOf = (q: OverviewQuery, at: number) => cache.get(`totals:${filterKey(q)}`, () => overviewTotals(db, q, at))
  const timeParams = (c: Context) => ({ from: parseTime(c.req.query('from'), 'from'), to: parseTime(c.req.query('to'), 'to', true) })

  return new Hono()
    .get('/overview', cached, async (c) => {
      const raw = c.req.query()
      const params = parseStrict(overviewParamsSchema, raw)
      const exportAs = parseStrict(z.object({ export: exportSchema }), { export: raw.export ?? '' }).export
      const query = toOverviewQuery(params)
      const at = nowSeconds()
      if (!exportAs) {
        const [rows, totals] = await Promise.all([listOverviewRows(db, query, (query.page - 1) * query.perPage, query.perPage, at), totalsOf(query, at)])
        return c.json({ rows: rows.map(rowJson), total: totals.pages, totals, page: query.page, perPage: query.perPage })
      }
      const totals = await totalsOf(query, at)
      attachment(c, 'publicpulse-overview', exportAs)
      return stream(c, async (out) => {
        if (exportAs === 'csv') {
          await out.write(BOM + csv([OVERVIEW_COLUMNS]))
          for await (const rows of overviewSlices(db, query, at)) await out.write(csv(rows.map(overviewCsvRow)))
          return
        }
        await out.write('{"rows":[')
        let first = true
        for await (const rows of overviewSlices(db, query, at)) {
          await out.write((first ? '' : ',') + rows.map((r) => JSON.stringify(rowJson(r))).join(','))
          first = false
        }
        await out.write(`],"total":${totals.pages},"totals":${JSON.stringify(totals)}}`)
      })
    })
    .get('/pages/:id{[0-9]+}/series', cached, async (c) => {
      const params = parseStrict(seriesParams, c.req.query())
      const page = await findPage(db, Number(c.req.param('id')))
      if (!page) throw pageNotFound(c.req.param('id'))
      const metric: Metric = params.metric ?? 'followers'
      const range = resolveRange({ range: params.range, ...timeParams(c) }, nowSeconds(), await firstDataAt(db, page.id))
      const series = await pageSeries(db, page.id, metric, range)
      const body = {
        page: { id: page.id, title: page.title, platform: page.platform, url: page.url },
        metric,
        from: iso(series.from),
        to: iso(series.to),
        resolution: series.resolution,
        bucketSeconds: series.bucketSeconds,
        points: pointsJson(series.points),
      }
      if (params.export === 'csv') {
        attachment(c, `publicpulse-page-${page.id}-${metric}`, 'csv')
        return c.body(BOM + csv([['time', metric === 'followers' ? 'followers' : 'avg_views'], ...series.points.map((p) => [iso(p.t), p.v])]))
      }
      if (params.export === 'json') attachment(c, `publicpulse-page-${page.id}-${metric}`, 'json')
      return c.json(body)
    })
    .get('/compare', cached, async (c) => {
      const params = parseStrict(seriesParams, c.req.query())
      const ids = parsePageIds(c.req.query('pages'), MAX_COMPARED)
      if (ids.length === 0) throw new BadRequestError('pages is required: page ids separated by commas, e.g. pages=1,2')
      const metric: Metric = params.metric ?? 'followers'
      const pages = await Promise.all(ids.map((id) => findPage(db, id)))
      const missing = ids.filter((_, i) => !pages[i])
      if (missing.length) throw new BadRequestError(`There is no page ${missing.map((id) => `#${id}`).join(', ')}.`, 404)
      const firsts = (await Promise.all(ids.map((id) => firstDataAt(db, id)))).filter((t): t is number => t !== null)
      const range = resolveRange({ range: params.range, ...timeParams(c) }, nowSeconds(), firsts.length ? Math.min(...firsts) : null)
      const series = await Promise.all(
        pages.map(async (page) => {
          const s = await pageSeries(db, page!.id, metric, range)
          return { page: { id: page!.id, title: page!.title, platform: page!.platform, url: page!.url }, points: params.mode === 'index' ? indexTo100(s.points) : s.points }
        }),
      )
      if (params.export === 'csv') {
        attachment(c, `publicpulse-compare-${metric}`, 'csv')
        const rows = series.flatMap((s) => s.points.map((p) => [s.page.id, csvText(s.page.title), iso(p.t), p.v]))
        return c.body(BOM + csv([['page_id', 'title', 'time', params.mode === 'index' ? 'index' : metric === 'followers' ? 'followers' : 'avg_views'], ...rows]))
      }
      if (params.export === 'json') attachment(c, `publicpulse-compare-${metric}`, 'json')
      return c.json({ metric, mode: params.mode ?? 'abs', from: iso(range.from), to: iso(range.to), series: series.map((s) => ({ page: s.page, points: pointsJson(s.points) })) })
    })
    .get('/groups', cached, async (c) => {
      const params = parseStrict(
        z.object({ by: groupBySchema, platform: overviewParamsSchema.shape.platform, export: exportSchema, range: rangePresetSchema }),
        c.req.query(),
      )
      const by: GroupBy = params.by ?? 'region'
      const key = c.req.query('key')
      if (key !== undefined) {
        // One group's total followers per day.
        const range = resolveRange({ range: params.range, ...timeParams(c) }, nowSeconds(), null)
        const points = await groupSeries(db, by, key, range)
        const shaped = markGaps(points.map((p) => ({ t: p.t, v: p.v })), 86_400)
        const pagesAt = new Map(points.map((p) => [p.t, p.pages]))
        const out = shaped.map((p) => ({ t: iso(p.t), v: p.v, pages: pagesAt.get(p.t) ?? 0 }))
        if (params.export === 'csv') {
          attachment(c, `publicpulse-${by}-followers`, 'csv')
          return c.body(BOM + csv([['time', 'followers', 'pages'], ...out.map((p) => [p.t, p.v, p.pages])]))
        }
        if (params.export === 'json') attachment(c, `publicpulse-${by}-followers`, 'json')
        return c.json({ by, key, from: iso(range.from), to: iso(range.to), points: out })
      }
      const groups = await cache.get(`groups:${by}:${params.platform ?? ''}`, () => listGroups(db, by, { platform: params.platform }, nowSeconds()))
      if (params.export === 'csv') {
        attachment(c, `publicpulse-groups-${by}`, 'csv')
        return c.body(
          BOM +
            csv([
              [by, 'pages', 'followers', 'change_1d', 'change_7d', 'change_30d', 'pct_7d', 'avg_views', 'err'],
              ...groups.map((g) => [csvText(g.key), g.pages, g.followers, g.change1d, g.change7d, g.change30d, g.pct7d, g.avgViews, g.err]),
            ]),
        )
      }
      if (params.export === 'json') attachment(c, `publicpulse-groups-${by}`, 'json')
      return c.json({ by, groups })
    })
}
