import type { Child } from 'hono/jsx'
import type { I18n } from '../i18n/index.ts'
import { link, type Params } from './url.ts'

// Small pieces shared by the dashboard's pages. They receive plain data and never query.

/** The CSS tone of a change: up, down, or none for zero and unknown. */
export const changeTone = (n: number | null) => (n === null || n === 0 ? '' : n > 0 ? 'up' : 'down')

/** The CSS tone of a page's badge: paused (by an operator, or after failures), ok, pending, or fail. */
export const statusTone = (status: string, paused: boolean) => (paused ? 'paused' : status === 'ok' ? 'ok' : status === 'pending' ? 'pending' : 'fail')

/** Status of a page in words, coloured by tone; the full reason (untrusted platform text, escaped) as a tooltip. */
export function StatusBadge(props: { i18n: I18n; status: string; active?: boolean; message?: string | null }) {
  const status = props.active === false ? 'paused' : props.status
  const tone = statusTone(status, status === 'paused')
  return (
    <span class={`badge ${tone}`} title={props.message ?? undefined} data-status={status}>
      {props.i18n.t.status[status] ?? status}
    </span>
  )
}

const PLATFORM_SHORT: Record<string, string> = { vk: 'VK', telegram: 'TG' }

/** The platform as a small coloured mark with its full name for screen readers and tooltips. */
export function PlatformIcon(props: { i18n: I18n; platform: string }) {
  const name = props.i18n.t.platform[props.platform] ?? props.platform
  return (
    <span class={`pf pf-${/^[a-z]+$/.test(props.platform) ? props.platform : 'other'}`} title={name} role="img" aria-label={name}>
      {PLATFORM_SHORT[props.platform] ?? props.platform.slice(0, 2).toUpperCase()}
    </span>
  )
}

const SPARK_W = 100
const SPARK_H = 24

/**
 * A 30-day trend drawn on the server as inline SVG (no script needed): one polyline per run of days
 * with data, so a day without a sample breaks the line instead of bridging it.
 */
export function Sparkline(props: { values: readonly (number | null)[]; label: string }) {
  const known = props.values.filter((v): v is number => v !== null)
  if (known.length < 2) return <span class="spark-empty" aria-label={props.label} role="img"></span>
  const min = Math.min(...known)
  const max = Math.max(...known)
  const step = SPARK_W / Math.max(1, props.values.length - 1)
  const y = (v: number) => (max === min ? SPARK_H / 2 : SPARK_H - 2 - ((v - min) / (max - min)) * (SPARK_H - 4))
  const runs: string[][] = [[]]
  props.values.forEach((v, i) => {
    if (v === null) {
      if (runs[runs.length - 1]!.length) runs.push([])
      return
    }
    runs[runs.length - 1]!.push(`${(i * step).toFixed(1)},${y(v).toFixed(1)}`)
  })
  const trend = known[known.length - 1]! > known[0]! ? 'up' : known[known.length - 1]! < known[0]! ? 'down' : 'flat'
  return (
    <svg class={`spark ${trend}`} viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} width={SPARK_W} height={SPARK_H} role="img" aria-label={props.label} preserveAspectRatio="none">
      {runs.filter((r) => r.length > 1).map((r) => <polyline points={r.join(' ')} />)}
      {runs.filter((r) => r.length === 1).map((r) => {
        const [cx, cy] = r[0]!.split(',')
        return <circle cx={cx} cy={cy} r="1.5" />
      })}
    </svg>
  )
}

/** A column header that sorts the table: first click in the column's natural order, then the other way. */
export function SortHeader(props: {
  label: string
  sortLabel: string
  column: string
  current: { sort: string; order: 'asc' | 'desc' }
  naturalOrder: 'asc' | 'desc'
  params: Params
  path: string
  class?: string
  children?: Child
}) {
  const active = props.current.sort === props.column
  const next = active ? (props.current.order === 'asc' ? 'desc' : 'asc') : props.naturalOrder
  const arrow = active ? (props.current.order === 'asc' ? ' ▲' : ' ▼') : ''
  return (
    <th class={props.class} aria-sort={active ? (props.current.order === 'asc' ? 'ascending' : 'descending') : undefined} scope="col">
      <a href={link(props.path, { ...props.params, sort: props.column, order: next, page: undefined })} title={props.sortLabel} data-sort={props.column}>
        {props.label}
        {arrow}
      </a>
      {props.children}
    </th>
  )
}

/** Previous / next links of a paged table, with "page N of M". */
export function Pager(props: { i18n: I18n; page: number; perPage: number; total: number; path: string; params: Params }) {
  const pages = Math.max(1, Math.ceil(props.total / props.perPage))
  if (pages <= 1) return null
  const { t, fmt } = props.i18n
  const to = (page: number) => link(props.path, { ...props.params, page: page === 1 ? undefined : page })
  return (
    <nav class="pager" aria-label={t.overview.pagination}>
      {props.page > 1 ? (
        <a href={to(props.page - 1)} rel="prev">
          {t.overview.prev}
        </a>
      ) : (
        <span class="muted">{t.overview.prev}</span>
      )}
      <span>{t.overview.pageOf(fmt.count(props.page), fmt.count(pages))}</span>
      {props.page < pages ? (
        <a href={to(props.page + 1)} rel="next">
          {t.overview.next}
        </a>
      ) : (
        <span class="muted">{t.overview.next}</span>
      )}
    </nav>
  )
}

/** Messages about the request itself (a parameter that was not understood). */
export function Notices(props: { notices: readonly string[] }) {
  if (props.notices.length === 0) return null
  return (
    <div class="notice" role="status">
      {props.notices.map((n) => (
        <p>{n}</p>
      ))}
    </div>
  )
}

/** One line of a chart: label and points (`t` in ms for Chart.js, `v` null for a gap). */
export interface ChartDataset {
  label: string
  points: { t: number; v: number | null }[]
}

/** A story or event drawn as a vertical line on a page chart (`t` unix seconds). */
export interface ChartMarker {
  t: number
  label: string
}

/**
 * A chart: a canvas whose data travels in data-* attributes (escaped by JSX, never inline script; see
 * web/charts.js), with download links for its series and a PNG button the script reveals.
 */
export function ChartFigure(props: {
  i18n: I18n
  id: string
  title: string
  datasets: ChartDataset[]
  /** `count` (followers, views) or `index` (compare mode: 100 = start). */
  unit?: 'count' | 'index'
  csvHref?: string
  jsonHref?: string
  markers?: ChartMarker[]
  /** The time axis spans this range (unix seconds) even where there is no data ("no data before"). */
  range?: { from: number; to: number }
  note?: Child
}) {
  const { t, fmt } = props.i18n
  const [single] = props.datasets
  const summaryOf = (d: ChartDataset) => {
    const known = d.points.filter((p) => p.v !== null)
    return known.length ? t.chart.summary(d.label, fmt.count(known[0]!.v), fmt.count(known[known.length - 1]!.v)) : d.label
  }
  const label = props.datasets.map(summaryOf).join('; ')
  return (
    <figure class="chart-block">
      <figcaption>
        <span class="chart-title">{props.title}</span>
        <span class="chart-actions">
          {props.csvHref ? (
            <a href={props.csvHref} download>
              {t.chart.csv}
            </a>
          ) : null}
          {props.jsonHref ? (
            <a href={props.jsonHref} download>
              {t.chart.json}
            </a>
          ) : null}
          <button type="button" class="link-button" data-png={props.id} data-filename={`${props.id}.png`} aria-label={t.chart.pngLabel(props.title)} hidden>
            {t.chart.png}
          </button>
        </span>
      </figcaption>
      <div class="chart">
        {props.datasets.length === 1 && single ? (
          <canvas
            id={props.id}
            data-series={JSON.stringify(single.points)}
            data-label={single.label}
            data-unit={props.unit ?? 'count'}
            data-locale={props.i18n.locale}
            data-from={props.range ? String(props.range.from * 1000) : undefined}
            data-to={props.range ? String(props.range.to * 1000) : undefined}
            data-markers={props.markers?.length ? JSON.stringify(props.markers.map((m) => ({ t: m.t * 1000, label: m.label }))) : undefined}
            role="img"
            aria-label={label}
          ></canvas>
        ) : (
          <canvas
            id={props.id}
            data-datasets={JSON.stringify(props.datasets)}
            data-unit={props.unit ?? 'count'}
            data-locale={props.i18n.locale}
            data-from={props.range ? String(props.range.from * 1000) : undefined}
            data-to={props.range ? String(props.range.to * 1000) : undefined}
            data-markers={props.markers?.length ? JSON.stringify(props.markers.map((m) => ({ t: m.t * 1000, label: m.label }))) : undefined}
            role="img"
            aria-label={label}
          ></canvas>
        )}
      </div>
      {props.note ? <p class="muted small">{props.note}</p> : null}
    </figure>
  )
}

/** Range presets as links plus a custom from/to form; all state in the URL. */
export function RangePicker(props: { i18n: I18n; path: string; params: Params; preset: string | null; from: string; to: string }) {
  const { t } = props.i18n
  return (
    <div class="range">
      <span class="range-label" id="range-label">
        {t.page.range}:
      </span>
      <nav class="presets" aria-labelledby="range-label">
        {['7d', '30d', '90d', '1y', 'all'].map((p) => (
          <a href={link(props.path, { ...props.params, range: p, from: undefined, to: undefined })} aria-current={props.preset === p ? 'true' : undefined} data-range={p}>
            {t.page.presets[p]}
          </a>
        ))}
      </nav>
      <form method="get" action={props.path} class="custom-range">
        {Object.entries(props.params).map(([name, value]) =>
          value === undefined || value === null || value === '' || name === 'range' || name === 'from' || name === 'to' ? null : <input type="hidden" name={name} value={String(value)} />,
        )}
        <label>
          {t.page.from} <input type="date" name="from" value={props.from} required />
        </label>
        <label>
          {t.page.to} <input type="date" name="to" value={props.to} required />
        </label>
        <button type="submit">{t.page.show}</button>
      </form>
    </div>
  )
}

/** The formulas behind the figures, stated where the figures are. */
export function Formulas(props: { i18n: I18n }) {
  const { t, fmt } = props.i18n
  return (
    <details class="formulas">
      <summary>{t.formulas.title}</summary>
      <ul>
        <li>{t.formulas.reach}</li>
        <li>{t.formulas.err}</li>
        <li>{t.formulas.change}</li>
        <li>{t.formulas.rounded}</li>
        <li>{t.formulas.times(fmt.timeZone)}</li>
      </ul>
    </details>
  )
}
