import type { PageView } from '../db/pages.ts'
import { formatChange, formatCount, formatDateTime } from './format.ts'
import { Layout, StatusBadge } from './layout.tsx'

const PLATFORM_LABEL: Record<string, string> = { vk: 'VK', telegram: 'Telegram' }

export function PagesList(props: { pages: PageView[] }) {
  return (
    <Layout title="Pages">
      <h1>Tracked pages</h1>
      {props.pages.length === 0 ? (
        <section class="empty">
          <p>No pages are registered yet.</p>
          <p>
            Add one with <code>npm run cli -- pages add https://t.me/durov</code> or{' '}
            <code>POST /api/pages</code> with the operator token; the next collection records its followers.
          </p>
        </section>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Page</th>
                <th>Platform</th>
                <th class="num">Followers</th>
                <th class="num">Change</th>
                <th>Last collected</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {props.pages.map((p) => (
                <tr>
                  <td>
                    <a href={`/pages/${p.id}`}>{p.title}</a>
                    {p.region ? <span class="muted"> · {p.region}</span> : null}
                  </td>
                  <td>{PLATFORM_LABEL[p.platform] ?? p.platform}</td>
                  <td class="num">{formatCount(p.followers, p.followersExact ?? true)}</td>
                  <td class={`num ${(p.changePrev ?? 0) > 0 ? 'up' : (p.changePrev ?? 0) < 0 ? 'down' : ''}`}>{formatChange(p.changePrev)}</td>
                  <td>{formatDateTime(p.collectedAt)}</td>
                  <td>
                    <StatusBadge status={p.status} message={p.pausedReason ?? p.statusMessage} active={p.active} />
                    {p.status !== 'ok' && p.statusMessage ? <div class="muted small">{p.statusMessage}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  )
}
