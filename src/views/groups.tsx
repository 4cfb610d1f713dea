import type { GroupBy, GroupRow } from '../db/overview.ts'
import type { RangePreset, SeriesPoint } from '../db/series.ts'
import type { I18n } from '../i18n/index.ts'
import { ChartFigure, changeTone, Notices, RangePicker } from './components.tsx'
import { Layout } from './layout.tsx'
import { link, type Params } from './url.ts'

export interface GroupsProps {
  i18n: I18n
  by: GroupBy
  groups: GroupRow[]
  /** The group whose chart is shown (undefined: none has a key). */
  selected: string | undefined
  series: SeriesPoint[]
  range: { from: number; to: number; preset: RangePreset | null }
  notices: string[]
}


/** `/groups?by=region|tag`: the overview's figures summed per region or tag, and one group's total followers over time. */
export function Groups(props: GroupsProps) {
  const { i18n, by, groups, selected, range } = props
  const { t, fmt } = i18n
  const state: Params = {
    by: by === 'region' ? undefined : by,
    key: selected,
    range: range.preset && range.preset !== '30d' ? range.preset : undefined,
    from: range.preset ? undefined : fmt.isoDate(range.from),
    to: range.preset ? undefined : fmt.isoDate(range.to),
  }
  const api = (format: 'csv' | 'json') => link('/api/groups', { by, key: selected, from: range.from, to: range.to, export: format })
  return (
    <Layout title={t.groups.title} i18n={i18n} section="groups" scripts={selected !== undefined ? ['/static/chart.umd.js', '/static/chartjs-adapter-date-fns.js', '/static/charts.js'] : []}>
      <h1>{t.groups.heading}</h1>
      <Notices notices={props.notices} />
      <nav class="controls" aria-label={t.groups.heading}>
        <a href="/groups" aria-current={by === 'region' ? 'page' : undefined} class="toggle">
          {t.groups.byRegion}
        </a>
        <a href="/groups?by=tag" aria-current={by === 'tag' ? 'page' : undefined} class="toggle">
          {t.groups.byTag}
        </a>
        <span class="downloads">
          <a href={link('/api/groups', { by, export: 'csv' })} download>
            CSV
          </a>{' '}
          <a href={link('/api/groups', { by, export: 'json' })} download>
            JSON
          </a>
        </span>
      </nav>
      {groups.length === 0 ? (
        <p class="empty">{t.groups.empty}</p>
      ) : (
        <>
          {selected !== undefined ? (
            <>
              <RangePicker i18n={i18n} path="/groups" params={state} preset={range.preset} from={fmt.isoDate(range.from)} to={fmt.isoDate(range.to)} />
              <ChartFigure
                i18n={i18n}
                id="group-chart"
                title={t.groups.chart(selected)}
                datasets={[{ label: selected, points: props.series.map((p) => ({ t: p.t * 1000, v: p.v })) }]}
                csvHref={api('csv')}
                jsonHref={api('json')}
                range={range}
                note={t.groups.chartNote}
              />
            </>
          ) : null}
          <div class="table-wrap">
            <table class="groups">
              <thead>
                <tr>
                  <th scope="col">{t.groups.key[by]}</th>
                  <th scope="col" class="num">
                    {t.groups.pages}
                  </th>
                  <th scope="col" class="num">
                    {t.groups.followers}
                  </th>
                  <th scope="col" class="num">
                    {t.groups.change1d}
                  </th>
                  <th scope="col" class="num">
                    {t.groups.change7d}
                  </th>
                  <th scope="col" class="num">
                    {t.groups.pct7d}
                  </th>
                  <th scope="col" class="num">
                    {t.groups.change30d}
                  </th>
                  <th scope="col" class="num">
                    {t.groups.avgViews}
                  </th>
                  <th scope="col" class="num">
                    ERR
                  </th>
                  <th scope="col"></th>
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => (
                  <tr data-group={g.key ?? ''} class={g.key !== null && g.key === selected ? 'selected' : undefined}>
                    <td>{g.key === null ? <span class="muted">{t.groups.none}</span> : <a href={link('/', { [by]: g.key })}>{g.key}</a>}</td>
                    <td class="num">{fmt.count(g.pages)}</td>
                    <td class="num">{fmt.count(g.followers)}</td>
                    <td class={`num ${changeTone(g.change1d)}`}>{fmt.change(g.change1d)}</td>
                    <td class={`num ${changeTone(g.change7d)}`}>{fmt.change(g.change7d)}</td>
                    <td class={`num ${changeTone(g.pct7d)}`}>{fmt.signedPercent(g.pct7d)}</td>
                    <td class={`num ${changeTone(g.change30d)}`}>{fmt.change(g.change30d)}</td>
                    <td class="num">{fmt.count(g.avgViews)}</td>
                    <td class="num">{fmt.percent(g.err)}</td>
                    <td>
                      {g.key !== null ? (
                        <a href={link('/groups', { ...state, key: g.key })} aria-current={g.key === selected ? 'true' : undefined}>
                          {t.groups.showChart}
                        </a>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Layout>
  )
}
