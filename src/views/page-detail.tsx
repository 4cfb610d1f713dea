import type { PageView } from '../db/pages.ts'
import type { SnapshotPoint } from '../db/snapshots.ts'
import { formatCount, formatDateTime, formatPercent } from './format.ts'
import { Layout, StatusBadge } from './layout.tsx'

export interface PostRow {
  url: string
  published_at: number
  text: string | null
  views: number | null
  likes: number | null
  reposts: number | null
  comments: number | null
}

/** Only http(s) links from platforms become hrefs. */
const safeHref = (url: string) => (/^https?:\/\//i.test(url) ? url : undefined)

export function PageDetail(props: { page: PageView; series: SnapshotPoint[]; posts: PostRow[] }) {
  const { page } = props
  // Chart data travels in an attribute (escaped by JSX), never as inline script.
  const points = props.series.map((s) => ({ t: s.collectedAt * 1000, v: s.followers }))
  return (
    <Layout title={page.title} scripts={['/static/chart.umd.js', '/static/page-chart.js']}>
      <h1>{page.title}</h1>
      <p class="facts">
        <a href={safeHref(page.url)} rel="noopener noreferrer">
          {page.url}
        </a>
        {' · '}
        <StatusBadge status={page.status} message={page.pausedReason ?? page.statusMessage} active={page.active} />
        {page.statusMessage ? <span class="muted"> {page.statusMessage}</span> : null}
      </p>
      <dl class="stats">
        <div>
          <dt>Followers</dt>
          <dd>{formatCount(page.followers, page.followersExact ?? true)}</dd>
        </div>
        <div>
          <dt>Average views</dt>
          <dd>{formatCount(page.avgViews)}</dd>
        </div>
        <div>
          <dt>ERR</dt>
          <dd>{formatPercent(page.err)}</dd>
        </div>
        <div>
          <dt>Last collected</dt>
          <dd>{formatDateTime(page.collectedAt)}</dd>
        </div>
      </dl>
      <section>
        <h2>Followers over time</h2>
        {points.length === 0 ? (
          <p class="muted">No data yet: the first collection records the first point (history cannot be filled in later).</p>
        ) : (
          <div class="chart">
            <canvas id="followers-chart" data-series={JSON.stringify(points)} data-label="Followers" aria-label="Followers over time" role="img"></canvas>
          </div>
        )}
      </section>
      <section>
        <h2>Recent posts</h2>
        {props.posts.length === 0 ? (
          <p class="muted">No posts read yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Published</th>
                  <th>Text</th>
                  <th class="num">Views</th>
                  <th class="num">Likes</th>
                  <th class="num">Reposts</th>
                  <th class="num">Comments</th>
                </tr>
              </thead>
              <tbody>
                {props.posts.map((p) => (
                  <tr>
                    <td>
                      <a href={safeHref(p.url)} rel="noopener noreferrer">
                        {formatDateTime(p.published_at)}
                      </a>
                    </td>
                    <td class="excerpt">{(p.text ?? '').slice(0, 160)}</td>
                    <td class="num">{formatCount(p.views)}</td>
                    <td class="num">{formatCount(p.likes)}</td>
                    <td class="num">{formatCount(p.reposts)}</td>
                    <td class="num">{formatCount(p.comments)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <p class="muted small">
        Platform id: {page.platformId ?? 'not known yet'} · registered {page.createdAt.slice(0, 10)} · average views = mean views of posts 24 h – 7 days
        old; ERR = average views ÷ followers.
      </p>
    </Layout>
  )
}
