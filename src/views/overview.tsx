import type { OverviewQuery, OverviewResult, OverviewRow, SortKey } from '../db/overview.ts'
import { STATUS_FILTERS } from '../db/overview.ts'
import { defaultOrder, PER_PAGE_CHOICES } from '../http/dashboard-params.ts'
import type { I18n } from '../i18n/index.ts'
import { changeTone, Formulas, Notices, Pager, PlatformIcon, SortHeader, Sparkline, StatusBadge } from './components.tsx'
import { Layout } from './layout.tsx'
import { link, type Params } from './url.ts'

export interface OverviewProps {
  i18n: I18n
  query: OverviewQuery
  result: OverviewResult
  sparklines: Map<number, (number | null)[]>
  filters: { regions: string[]; tags: string[]; platforms: string[] }
  notices: string[]
}

/** The URL state of the overview (filters, sort, paging), defaults left out. */
export function overviewParams(q: OverviewQuery): Params {
  return {
    q: q.q,
    platform: q.platform,
    region: q.region,
    tag: q.tag,
    status: q.status,
    sort: q.sort === 'followers' ? undefined : q.sort,
    order: q.order === defaultOrder(q.sort) ? undefined : q.order,
    perPage: q.perPage === 50 ? undefined : q.perPage,
    page: q.page === 1 ? undefined : q.page,
  }
}


function ChangeCell(props: { i18n: I18n; abs: number | null; pct: number | null }) {
  const { fmt } = props.i18n
  return (
    <td class={`num ${changeTone(props.abs)}`}>
      {fmt.change(props.abs)}
      <span class="sub">{fmt.signedPercent(props.pct)}</span>
    </td>
  )
}

function Row(props: { i18n: I18n; row: OverviewRow; spark: (number | null)[] }) {
  const { fmt, t } = props.i18n
  const r = props.row
  return (
    <tr data-page-id={r.id}>
      <td class="page-cell">
        <a href={`/pages/${r.id}`}>{r.title}</a>
        {r.region ? <span class="sub region-inline">{r.region}</span> : null}
      </td>
      <td>
        <PlatformIcon i18n={props.i18n} platform={r.platform} />
      </td>
      <td class="col-region">{r.region ?? ''}</td>
      <td class="num" data-col="followers">
        {fmt.count(r.followers, r.followersExact)}
      </td>
      <ChangeCell i18n={props.i18n} abs={r.change1d} pct={r.pct1d} />
      <ChangeCell i18n={props.i18n} abs={r.change7d} pct={r.pct7d} />
      <ChangeCell i18n={props.i18n} abs={r.change30d} pct={r.pct30d} />
      <td class="num">{fmt.count(r.avgViews)}</td>
      <td class="num">{fmt.percent(r.err)}</td>
      <td class="col-spark">
        <Sparkline values={props.spark} label={`${t.overview.col.sparkline}: ${r.title}`} />
      </td>
      <td class="col-status">
        <StatusBadge i18n={props.i18n} status={r.status} message={r.statusMessage} />
        <span class="sub" title={t.overview.col.collectedAt}>
          {r.collectedAt !== null ? fmt.dateTime(r.collectedAt) : t.never}
        </span>
        {r.status !== 'ok' && r.status !== 'pending' && r.statusMessage ? <div class="muted small reason">{r.statusMessage}</div> : null}
      </td>
    </tr>
  )
}

/** Who the totals are about, in words: "Ростовская область · governor", or "All pages". */
function scopeLabel(i18n: I18n, q: OverviewQuery): string {
  const parts = [q.region, q.tag ? `#${q.tag}` : undefined, q.platform ? i18n.t.platform[q.platform] : undefined, q.status ? i18n.t.status[q.status] : undefined, q.q ? `«${q.q}»` : undefined]
  const named = parts.filter(Boolean)
  return named.length ? named.join(' · ') : i18n.t.overview.allPages
}

function Select(props: { name: string; label: string; value: string | undefined; options: { value: string; label: string }[]; anyLabel: string }) {
  return (
    <label>
      <span>{props.label}</span>
      <select name={props.name}>
        <option value="">{props.anyLabel}</option>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  )
}

/** `/`: every page with its figures, sortable and filterable, paged on the server; the totals of the filtered set on top. */
export function Overview(props: OverviewProps) {
  const { i18n, query, result } = props
  const { t, fmt } = i18n
  const params = overviewParams(query)
  const sortParams = { ...params, sort: undefined, order: undefined }
  const header = (column: SortKey, label: string, cls?: string, pctColumn?: SortKey, pctLabel = t.overview.col.pct) => (
    <SortHeader
      label={label}
      sortLabel={t.overview.sortBy(label)}
      column={column}
      current={query}
      naturalOrder={defaultOrder(column)}
      params={sortParams}
      path="/"
      class={cls}
    >
      {pctColumn ? (
        <a
          class={`pct-sort${query.sort === pctColumn ? ' active' : ''}`}
          href={link('/', { ...sortParams, sort: pctColumn, order: query.sort === pctColumn && query.order === 'desc' ? 'asc' : 'desc' })}
          title={t.overview.sortBy(`${label}, ${pctLabel}`)}
          data-sort={pctColumn}
        >
          {pctLabel}
          {query.sort === pctColumn ? (query.order === 'asc' ? ' ▲' : ' ▼') : ''}
        </a>
      ) : null}
    </SortHeader>
  )
  const exportParams = { ...params, page: undefined, perPage: undefined, sort: query.sort, order: query.order }
  const filtered = Boolean(query.q || query.platform || query.region || query.tag || query.status)
  return (
    <Layout title={t.overview.title} i18n={i18n} section="overview">
      <h1>{t.overview.heading}</h1>
      <Notices notices={props.notices} />
      <form method="get" action="/" class="filters" aria-label={t.overview.filters}>
        <label class="grow">
          <span>{t.overview.search}</span>
          <input type="search" name="q" value={query.q ?? ''} placeholder={t.overview.searchPlaceholder} maxlength={200} />
        </label>
        <Select name="platform" label={t.overview.platform} value={query.platform} anyLabel={t.overview.any} options={props.filters.platforms.map((p) => ({ value: p, label: t.platform[p] ?? p }))} />
        <Select name="region" label={t.overview.region} value={query.region} anyLabel={t.overview.any} options={props.filters.regions.map((r) => ({ value: r, label: r }))} />
        <Select name="tag" label={t.overview.tag} value={query.tag} anyLabel={t.overview.any} options={props.filters.tags.map((tag) => ({ value: tag, label: tag }))} />
        <Select name="status" label={t.overview.status} value={query.status} anyLabel={t.overview.any} options={STATUS_FILTERS.map((s) => ({ value: s, label: t.status[s] ?? s }))} />
        <label>
          <span>{t.overview.perPage}</span>
          <select name="perPage">
            {PER_PAGE_CHOICES.map((n) => (
              <option value={String(n)} selected={n === query.perPage}>
                {String(n)}
              </option>
            ))}
          </select>
        </label>
        {query.sort !== 'followers' ? <input type="hidden" name="sort" value={query.sort} /> : null}
        {query.order !== defaultOrder(query.sort) ? <input type="hidden" name="order" value={query.order} /> : null}
        <div class="filter-actions">
          <button type="submit">{t.overview.apply}</button>
          {filtered ? <a href="/">{t.overview.reset}</a> : null}
        </div>
      </form>
      <p class="totals" data-totals>
        <strong>{scopeLabel(i18n, query)}:</strong> {t.totals.pages(result.totals.pages, fmt.count(result.totals.pages))},{' '}
        {t.totals.followers(fmt.compact(result.totals.followers))}, <span class={changeTone(result.totals.change7d)}>{t.totals.week(fmt.change(result.totals.change7d))}</span>
        <span class="downloads">
          {t.overview.download}: <a href={link('/api/overview', { ...exportParams, export: 'csv' })} download data-export="csv">CSV</a>{' '}
          <a href={link('/api/overview', { ...exportParams, export: 'json' })} download data-export="json">JSON</a>
        </span>
      </p>
      {result.rows.length === 0 ? (
        <section class="empty">
          <p>{t.overview.noMatch}</p>
          <p>
            <a href="/">{t.overview.clearFilters}</a>
          </p>
        </section>
      ) : (
        <div class="table-wrap">
          <table class="overview">
            <thead>
              <tr>
                {header('title', t.overview.col.title)}
                {header('platform', t.overview.col.platform)}
                {header('region', t.overview.col.region, 'col-region')}
                {header('followers', t.overview.col.followers, 'num')}
                {header('change1d', t.overview.col.change1d, 'num', 'pct1d')}
                {header('change7d', t.overview.col.change7d, 'num', 'pct7d')}
                {header('change30d', t.overview.col.change30d, 'num', 'pct30d')}
                {header('avgViews', t.overview.col.avgViews, 'num')}
                {header('err', t.overview.col.err, 'num')}
                <th class="col-spark" scope="col">
                  {t.overview.col.sparkline}
                </th>
                {header('status', t.overview.col.status, undefined, 'collectedAt', t.overview.col.collectedAt)}
              </tr>
            </thead>
            <tbody>
              {result.rows.map((row) => (
                <Row i18n={i18n} row={row} spark={props.sparklines.get(row.id) ?? []} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager i18n={i18n} page={query.page} perPage={query.perPage} total={result.total} path="/" params={params} />
      <Formulas i18n={i18n} />
    </Layout>
  )
}

/** `/` before any page is registered: what publicpulse does and how to add the first pages. */
export function FirstRun(props: { i18n: I18n }) {
  const { t } = props.i18n
  return (
    <Layout title={t.firstRun.title} i18n={props.i18n} section="overview">
      <section class="first-run">
        <h1>{t.firstRun.heading}</h1>
        <p>{t.firstRun.intro}</p>
        <p>
          {t.firstRun.form}
          <a href="/manage/pages/new">{t.firstRun.formLink}</a>, <a href="/manage/import">{t.firstRun.importLink}</a>.
        </p>
        <p>{t.firstRun.cli}</p>
        <pre>
          <code>{`npm run cli -- pages add https://t.me/durov\nnpm run cli -- pages add https://vk.com/club33438842 --region "Ростовская область" --tag governor`}</code>
        </pre>
        <p>{t.firstRun.api}</p>
        <pre>
          <code>{`curl -X POST http://127.0.0.1:3000/api/pages \\\n  -H "Authorization: Bearer $(cat data/operator-token)" \\\n  -H 'content-type: application/json' \\\n  -d '{"url": "https://t.me/durov", "region": "Ростовская область", "tags": ["governor"]}'`}</code>
        </pre>
        <p>
          {t.firstRun.collect}
          <code>npm run cli -- collect</code>
        </p>
        <p class="muted">{t.firstRun.history}</p>
      </section>
    </Layout>
  )
}
