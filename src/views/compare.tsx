import type { Metric, RangePreset, SeriesPoint } from '../db/series.ts'
import { indexTo100 } from '../db/series.ts'
import type { I18n } from '../i18n/index.ts'
import { ChartFigure, changeTone, Formulas, Notices, PlatformIcon, RangePicker } from './components.tsx'
import { Layout } from './layout.tsx'
import { link, type Params } from './url.ts'

export interface ComparedPage {
  id: number
  title: string
  platform: string
  region: string | null
}

export interface CompareProps {
  i18n: I18n
  pages: ComparedPage[]
  /** Absolute series per page, in the order of `pages`. */
  series: SeriesPoint[][]
  mode: 'abs' | 'index'
  metric: Metric
  range: { from: number; to: number; preset: RangePreset | null }
  search: { q: string; results: ComparedPage[] } | null
  max: number
  notices: string[]
}

const firstKnown = (points: readonly SeriesPoint[]) => points.find((p) => p.v !== null)?.v ?? null
const lastKnown = (points: readonly SeriesPoint[]) => [...points].reverse().find((p) => p.v !== null)?.v ?? null

/** `/compare?pages=1,2`: several pages on one chart, absolute or indexed to 100 at the start of the range. */
export function Compare(props: CompareProps) {
  const { i18n, pages, mode, metric, range } = props
  const { t, fmt } = i18n
  const ids = pages.map((p) => p.id)
  const state: Params = {
    pages: ids.join(','),
    mode: mode === 'abs' ? undefined : mode,
    metric: metric === 'followers' ? undefined : metric,
    range: range.preset && range.preset !== '30d' ? range.preset : undefined,
    from: range.preset ? undefined : fmt.isoDate(range.from),
    to: range.preset ? undefined : fmt.isoDate(range.to),
  }
  const withPages = (next: number[]) => link('/compare', { ...state, pages: next.join(',') || undefined, q: props.search?.q })
  const datasets = pages.map((page, i) => {
    const points = mode === 'index' ? indexTo100(props.series[i] ?? []) : (props.series[i] ?? [])
    return { label: page.title, points: points.map((p) => ({ t: p.t * 1000, v: p.v })) }
  })
  const api = (format: 'csv' | 'json') => link('/api/compare', { pages: ids.join(','), metric, mode, from: range.from, to: range.to, export: format })
  return (
    <Layout
      title={t.compare.title}
      i18n={i18n}
      section="compare"
      scripts={pages.length ? ['/static/chart.umd.js', '/static/chartjs-adapter-date-fns.js', '/static/charts.js'] : []}
    >
      <h1>{t.compare.heading}</h1>
      <Notices notices={props.notices} />
      <p class="muted">{t.compare.intro}</p>

      <form method="get" action="/compare" class="filters" role="search">
        {ids.length ? <input type="hidden" name="pages" value={ids.join(',')} /> : null}
        {state.mode ? <input type="hidden" name="mode" value={String(state.mode)} /> : null}
        {state.metric ? <input type="hidden" name="metric" value={String(state.metric)} /> : null}
        {state.range ? <input type="hidden" name="range" value={String(state.range)} /> : null}
        <label class="grow">
          <span>{t.overview.search}</span>
          <input type="search" name="q" value={props.search?.q ?? ''} placeholder={t.overview.searchPlaceholder} maxlength={200} />
        </label>
        <div class="filter-actions">
          <button type="submit">{t.compare.find}</button>
        </div>
      </form>
      {props.search ? (
        <section class="search-results" aria-label={t.compare.results}>
          {props.search.results.length === 0 ? (
            <p class="muted">{t.compare.noResults}</p>
          ) : (
            <ul class="picks">
              {props.search.results.map((p) => (
                <li>
                  <PlatformIcon i18n={i18n} platform={p.platform} /> {p.title}
                  {p.region ? <span class="muted"> · {p.region}</span> : null}{' '}
                  {ids.length >= props.max ? (
                    <span class="muted">{t.compare.limit}</span>
                  ) : (
                    <a href={withPages([...ids, p.id])} data-add={p.id}>
                      {t.compare.add}
                    </a>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}

      <div class="controls">
        <span>
          {t.compare.metric}:{' '}
          {(['followers', 'avgViews'] as const).map((m) => (
            <a href={link('/compare', { ...state, metric: m === 'followers' ? undefined : m })} aria-current={metric === m ? 'true' : undefined} class="toggle">
              {t.compare.metrics[m]}
            </a>
          ))}
        </span>
        <span>
          {t.compare.mode}:{' '}
          {(['abs', 'index'] as const).map((m) => (
            <a href={link('/compare', { ...state, mode: m === 'abs' ? undefined : m })} aria-current={mode === m ? 'true' : undefined} class="toggle" data-mode={m}>
              {m === 'abs' ? t.compare.abs : t.compare.index}
            </a>
          ))}
        </span>
      </div>
      <RangePicker i18n={i18n} path="/compare" params={state} preset={range.preset} from={fmt.isoDate(range.from)} to={fmt.isoDate(range.to)} />

      {pages.length === 0 ? (
        <p class="empty">{t.compare.nothingSelected}</p>
      ) : (
        <>
          <ChartFigure
            i18n={i18n}
            id="compare-chart"
            title={`${t.compare.metrics[metric]}${mode === 'index' ? ` (${t.compare.index})` : ''}`}
            datasets={datasets}
            unit={mode === 'index' ? 'index' : 'count'}
            csvHref={api('csv')}
            jsonHref={api('json')}
            range={range}
          />
          <h2>{t.compare.selected}</h2>
          <div class="table-wrap">
            <table class="compare">
              <thead>
                <tr>
                  <th scope="col">{t.overview.col.title}</th>
                  <th scope="col" class="num">
                    {t.compare.start}
                  </th>
                  <th scope="col" class="num">
                    {t.compare.end}
                  </th>
                  <th scope="col" class="num">
                    {t.page.change}
                  </th>
                  <th scope="col" class="num">
                    {t.compare.indexAtEnd}
                  </th>
                  <th scope="col">
                    <span class="visually-hidden">{t.compare.remove}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {pages.map((page, i) => {
                  const points = props.series[i] ?? []
                  const start = firstKnown(points)
                  const end = lastKnown(points)
                  const change = start !== null && end !== null ? end - start : null
                  return (
                    <tr data-page-id={page.id}>
                      <td>
                        <PlatformIcon i18n={i18n} platform={page.platform} /> <a href={`/pages/${page.id}`}>{page.title}</a>
                        {page.region ? <span class="muted"> · {page.region}</span> : null}
                      </td>
                      <td class="num" data-col="start">
                        {fmt.count(start)}
                      </td>
                      <td class="num" data-col="end">
                        {fmt.count(end)}
                      </td>
                      <td class={`num ${changeTone(change)}`} data-col="change">
                        {fmt.change(change)}
                      </td>
                      <td class="num" data-col="index">
                        {start && end !== null ? fmt.decimal((end / start) * 100) : fmt.decimal(null)}
                      </td>
                      <td>
                        <a href={withPages(ids.filter((id) => id !== page.id))} data-remove={page.id}>
                          {t.compare.remove}
                        </a>
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      <Formulas i18n={i18n} />
    </Layout>
  )
}
