import type { Child } from 'hono/jsx'
import type { OverviewRow } from '../db/overview.ts'
import type { PageView } from '../db/pages.ts'
import type { RangePreset, Series } from '../db/series.ts'
import type { I18n } from '../i18n/index.ts'
import { ChartFigure, changeTone, type ChartMarker, Formulas, Notices, PlatformIcon, RangePicker, StatusBadge } from './components.tsx'
import { Layout } from './layout.tsx'
import { link, type Params, safeHref } from './url.ts'

export interface PostRow {
  url: string
  published_at: number
  text: string | null
  views: number | null
  likes: number | null
  reposts: number | null
  comments: number | null
}

export const POST_SORTS = ['published', 'views', 'likes', 'reposts', 'comments'] as const
export type PostSort = (typeof POST_SORTS)[number]

const POST_COLUMN: Record<PostSort, keyof PostRow> = { published: 'published_at', views: 'views', likes: 'likes', reposts: 'reposts', comments: 'comments' }

/** Posts sorted by a column, empty counters last either way. */
export function sortPosts(posts: readonly PostRow[], sort: PostSort, order: 'asc' | 'desc'): PostRow[] {
  const key = POST_COLUMN[sort]
  return [...posts].sort((a, b) => {
    const x = a[key] as number | null
    const y = b[key] as number | null
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1
    return order === 'asc' ? x - y : y - x
  })
}

export interface PageDetailProps {
  i18n: I18n
  page: PageView
  row: OverviewRow
  range: { from: number; to: number; preset: RangePreset | null }
  followers: Series
  views: Series
  posts: PostRow[]
  postSort: { sort: PostSort; order: 'asc' | 'desc' }
  /** When the page's history starts (null: never collected). */
  firstAt: number | null
  /**
   * Extras from other areas (related news stories): `markers` are lines on the followers chart, drawn
   * with chartjs-plugin-annotation; `children` go below the charts; `scripts` load before charts.js.
   */
  extras?: { markers?: ChartMarker[]; children?: Child; scripts?: string[] }
  notices: string[]
}

const EXCERPT = 200
const excerpt = (text: string | null) => {
  const clean = (text ?? '').replace(/\s+/g, ' ').trim()
  return clean.length > EXCERPT ? `${clean.slice(0, EXCERPT - 1)}…` : clean
}

const toMs = (series: Series) => series.points.map((p) => ({ t: p.t * 1000, v: p.v }))

/** `/pages/:id`: the page's figures and facts, its followers and reach over a chosen range, and its recent posts. */
export function PageDetail(props: PageDetailProps) {
  const { i18n, page, row, range } = props
  const { t, fmt } = i18n
  const state: Params = {
    range: range.preset && range.preset !== '30d' ? range.preset : undefined,
    from: range.preset ? undefined : fmt.isoDate(range.from),
    to: range.preset ? undefined : fmt.isoDate(range.to),
    psort: props.postSort.sort === 'published' ? undefined : props.postSort.sort,
    porder: props.postSort.order === 'desc' ? undefined : props.postSort.order,
  }
  const path = `/pages/${page.id}`
  const api = (metric: string, format: 'csv' | 'json') => link(`/api/pages/${page.id}/series`, { metric, from: range.from, to: range.to, export: format })
  const extras = props.extras ?? {}
  const scripts = [
    '/static/chart.umd.js',
    '/static/chartjs-adapter-date-fns.js',
    ...(extras.markers?.length || extras.scripts?.length ? ['/static/chartjs-plugin-annotation.js'] : []),
    ...(extras.scripts ?? []),
    '/static/charts.js',
  ]
  const resolutionNote = (s: Series) => `${t.page.resolution[s.resolution] ?? s.resolution}, ${t.page.points(s.points.filter((p) => p.v !== null).length, fmt.count(s.points.filter((p) => p.v !== null).length))}`
  const postHeader = (sort: PostSort) => {
    const active = props.postSort.sort === sort
    const next = active && props.postSort.order === 'desc' ? 'asc' : 'desc'
    return (
      <th class={sort === 'published' ? '' : 'num'} scope="col" aria-sort={active ? (props.postSort.order === 'asc' ? 'ascending' : 'descending') : undefined}>
        <a href={`${link(path, { ...state, psort: sort === 'published' ? undefined : sort, porder: next === 'desc' ? undefined : next })}#posts`} data-sort={sort}>
          {t.page.postCol[sort]}
          {active ? (props.postSort.order === 'asc' ? ' ▲' : ' ▼') : ''}
        </a>
      </th>
    )
  }
  const noDataBefore = props.firstAt !== null && range.from < props.firstAt - 3600
  return (
    <Layout title={page.title} scripts={scripts} i18n={i18n}>
      <h1 class="page-title">
        <PlatformIcon i18n={i18n} platform={page.platform} /> {page.title}
      </h1>
      <Notices notices={props.notices} />
      <dl class="stats">
        <div>
          <dt>{t.page.followers}</dt>
          <dd data-figure="followers">{fmt.count(row.followers, row.followersExact)}</dd>
        </div>
        {(['1d', '7d', '30d'] as const).map((span) => {
          const abs = span === '1d' ? row.change1d : span === '7d' ? row.change7d : row.change30d
          const pct = span === '1d' ? row.pct1d : span === '7d' ? row.pct7d : row.pct30d
          return (
            <div>
              <dt>{t.page.changeOver[span]}</dt>
              <dd data-figure={`change${span}`} class={changeTone(abs)}>
                {fmt.change(abs)} <span class="sub-inline">{fmt.signedPercent(pct)}</span>
              </dd>
            </div>
          )
        })}
        <div>
          <dt>{t.page.avgViews}</dt>
          <dd data-figure="avgViews">{fmt.count(row.avgViews)}</dd>
        </div>
        <div>
          <dt>{t.page.err}</dt>
          <dd data-figure="err">{fmt.percent(row.err)}</dd>
        </div>
      </dl>

      <RangePicker i18n={i18n} path={path} params={state} preset={range.preset} from={fmt.isoDate(range.from)} to={fmt.isoDate(range.to)} />
      {noDataBefore ? <p class="muted small">{t.page.noDataBefore(fmt.dateTime(props.firstAt))}</p> : null}

      <div class="charts">
        {props.followers.points.length === 0 ? (
          <section class="empty">
            <h2>{t.page.followersChart}</h2>
            <p>{t.page.noData}</p>
          </section>
        ) : (
          <ChartFigure
            i18n={i18n}
            id="followers-chart"
            title={t.page.followersChart}
            datasets={[{ label: t.page.followersChart, points: toMs(props.followers) }]}
            csvHref={api('followers', 'csv')}
            jsonHref={api('followers', 'json')}
            markers={extras.markers}
            range={range}
            note={resolutionNote(props.followers)}
          />
        )}
        {props.views.points.length === 0 ? (
          <section class="empty">
            <h2>{t.page.viewsChart}</h2>
            <p>{t.page.noData}</p>
          </section>
        ) : (
          <ChartFigure
            i18n={i18n}
            id="views-chart"
            title={t.page.viewsChart}
            datasets={[{ label: t.page.viewsChart, points: toMs(props.views) }]}
            csvHref={api('avgViews', 'csv')}
            jsonHref={api('avgViews', 'json')}
            range={range}
            note={resolutionNote(props.views)}
          />
        )}
      </div>
      {extras.children ?? null}
      <p>
        <a href={link('/compare', { pages: page.id })}>{t.page.compareWith}</a>
      </p>

      <section aria-labelledby="posts">
        <h2 id="posts">{t.page.posts}</h2>
        {props.posts.length === 0 ? (
          <p class="muted">{t.page.noPosts}</p>
        ) : (
          <div class="table-wrap">
            <table class="posts">
              <thead>
                <tr>
                  {postHeader('published')}
                  <th scope="col">{t.page.postCol.text}</th>
                  {postHeader('views')}
                  {postHeader('likes')}
                  {postHeader('reposts')}
                  {postHeader('comments')}
                </tr>
              </thead>
              <tbody>
                {props.posts.map((p) => (
                  <tr>
                    <td class="col-time">
                      {safeHref(p.url) ? (
                        <a href={safeHref(p.url)} rel="noopener noreferrer" title={t.page.openPost}>
                          {fmt.dateTime(p.published_at)}
                        </a>
                      ) : (
                        fmt.dateTime(p.published_at)
                      )}
                    </td>
                    <td class="excerpt">{excerpt(p.text)}</td>
                    <td class="num">{fmt.count(p.views)}</td>
                    <td class="num">{fmt.count(p.likes)}</td>
                    <td class="num">{fmt.count(p.reposts)}</td>
                    <td class="num">{fmt.count(p.comments)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="facts">
        <h2 id="facts">{t.page.facts}</h2>
        <dl class="facts">
          <dt>{t.page.openOnPlatform}</dt>
          <dd>
            {safeHref(page.url) ? (
              <a href={safeHref(page.url)} rel="noopener noreferrer">
                {page.url}
              </a>
            ) : (
              page.url
            )}
          </dd>
          <dt>{t.page.handle}</dt>
          <dd>{page.handle}</dd>
          <dt>{t.page.platformId}</dt>
          <dd>{page.platformId ?? t.page.notKnown}</dd>
          {page.region ? (
            <>
              <dt>{t.overview.region}</dt>
              <dd>
                <a href={link('/', { region: page.region })}>{page.region}</a>
              </dd>
            </>
          ) : null}
          {page.tags.length ? (
            <>
              <dt>{t.page.tags}</dt>
              <dd>
                {page.tags.map((tag, i) => (
                  <>
                    {i ? ', ' : ''}
                    <a href={link('/', { tag })}>{tag}</a>
                  </>
                ))}
              </dd>
            </>
          ) : null}
          {page.aliases.length ? (
            <>
              <dt>{t.page.aliases}</dt>
              <dd>{page.aliases.join(', ')}</dd>
            </>
          ) : null}
          <dt>{t.page.registered}</dt>
          <dd>{fmt.date(Date.parse(page.createdAt) / 1000)}</dd>
          <dt>{t.page.lastStatus}</dt>
          <dd>
            <StatusBadge i18n={i18n} status={page.status} active={page.active} message={page.statusMessage} /> {fmt.dateTime(page.statusAt)}
          </dd>
          {page.statusMessage ? (
            <>
              <dt>{t.page.lastError}</dt>
              <dd class="reason">{page.statusMessage}</dd>
            </>
          ) : null}
          {page.pausedReason ? (
            <>
              <dt>{t.page.pausedReason}</dt>
              <dd class="reason">{page.pausedReason}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <Formulas i18n={i18n} />
    </Layout>
  )
}
