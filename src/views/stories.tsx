import type { StorySourceView } from '../db/stories.ts'
import type { StoryQuery, StoryWithEffects } from '../stories/service.ts'
import { formatChange, formatDateTime } from './format.ts'
import { Layout, StatusBadge } from './layout.tsx'
import { EffectLines } from './story-effect.tsx'

/** Only http(s) links from feeds become hrefs. */
const safeHref = (url: string | null | undefined) => (url && /^https?:\/\//i.test(url) ? url : undefined)

const SORT_LABELS: Record<string, string> = {
  time: 'Newest first',
  followers_24h: 'Effect on followers, 24 h',
  followers_7d: 'Effect on followers, 7 days',
  views_24h: 'Effect on average views, 24 h',
  views_7d: 'Effect on average views, 7 days',
}

const dateInput = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(seconds * 1000).toISOString().slice(0, 10))

export interface StoriesPageProps {
  stories: StoryWithEffects[]
  sources: StorySourceView[]
  pages: { id: number; title: string }[]
  query: StoryQuery
  error?: string
}

export function StoriesPage(props: StoriesPageProps) {
  const { query } = props
  const pageId = query.pageId
  const sourceValue = query.source === undefined ? '' : String(query.source)
  const sortHref = (sort: string) => {
    const params = new URLSearchParams()
    if (pageId !== undefined) params.set('page', String(pageId))
    if (query.source !== undefined) params.set('source', String(query.source))
    if (query.from !== undefined) params.set('from', dateInput(query.from)!)
    if (query.to !== undefined) params.set('to', dateInput(query.to)!)
    if (sort !== 'time') params.set('sort', sort)
    return `/stories?${params.toString()}`
  }
  return (
    <Layout title="Stories">
      <h1>Stories</h1>
      <p class="muted small">
        News from the registered feeds and analysts' notes, with the pages they are about. Effect: the change in followers and in average views
        over the 24 hours and 7 days after a story, next to the change over the same span before it ("+120 vs +40").
      </p>
      <form method="get" action="/stories" class="filters">
        <label>
          Source{' '}
          <select name="source">
            <option value="">All sources</option>
            <option value="manual" selected={sourceValue === 'manual'}>
              Analysts' notes
            </option>
            {props.sources.map((s) => (
              <option value={String(s.id)} selected={sourceValue === String(s.id)}>
                {s.title ?? s.url}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Page{' '}
          <select name="page">
            <option value="">All pages</option>
            {props.pages.map((p) => (
              <option value={String(p.id)} selected={pageId === p.id}>
                {p.title}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          From <input type="date" name="from" value={dateInput(query.from)} />
        </label>{' '}
        <label>
          To <input type="date" name="to" value={dateInput(query.to)} />
        </label>{' '}
        <label>
          Order{' '}
          <select name="sort">
            {Object.entries(SORT_LABELS).map(([value, label]) => (
              <option value={value} selected={(query.sort ?? 'time') === value}>
                {label}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="submit">Show</button>
      </form>
      {props.error ? <p class="badge fail">{props.error}</p> : null}
      {props.stories.length === 0 ? (
        <section class="empty">
          <p>No stories match.</p>
          <p>
            Register a news feed with <code>npm run cli -- stories sources add https://example.org/rss</code> or <code>POST /api/story-sources</code>; it is
            polled every 15 minutes (<code>STORIES_CRON</code>). Add a dated note with <code>POST /api/stories</code>.
          </p>
        </section>
      ) : (
        <div class="table-wrap">
          <table id="stories">
            <thead>
              <tr>
                <th>
                  <a href={sortHref('time')}>Published</a>
                </th>
                <th>Story</th>
                <th>Source</th>
                <th>
                  Pages and effect{' '}
                  <span class="small">
                    (sort: <a href={sortHref('followers_24h')}>followers 24 h</a>, <a href={sortHref('followers_7d')}>7 d</a>,{' '}
                    <a href={sortHref('views_24h')}>views 24 h</a>, <a href={sortHref('views_7d')}>7 d</a>)
                  </span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.stories.map((s) => (
                <tr data-story={String(s.id)}>
                  <td class="num">
                    {formatDateTime(s.publishedAt)}
                    {s.publishedKnown ? null : <div class="muted small">first seen (no date in the feed)</div>}
                  </td>
                  <td class="excerpt">
                    {safeHref(s.link) ? (
                      <a href={safeHref(s.link)} rel="noopener noreferrer">
                        {s.title}
                      </a>
                    ) : (
                      s.title
                    )}
                    {s.summary ? <div class="muted small">{s.summary.length > 240 ? `${s.summary.slice(0, 239)}…` : s.summary}</div> : null}
                  </td>
                  <td>{s.source ? (s.source.title ?? s.source.url) : <span class="muted">analyst's note</span>}</td>
                  <td>
                    {s.pages.length === 0 ? <span class="muted">no page</span> : null}
                    {s.pages
                      .filter((p) => pageId === undefined || p.pageId === pageId)
                      .map((p) => (
                        <div class="story-page" data-page={String(p.pageId)}>
                          <a href={`/pages/${p.pageId}`}>{p.pageTitle}</a>{' '}
                          <span class="muted small">{p.origin === 'manual' ? 'linked by hand' : `mentions “${p.alias ?? ''}”`}</span>
                          <EffectLines effect={p.effect} />
                        </div>
                      ))}
                    {pageId !== undefined && s.pages.length > 1 ? <div class="muted small">and {s.pages.length - 1} other page(s)</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>News feeds</h2>
      {props.sources.length === 0 ? (
        <p class="muted">No feeds registered yet.</p>
      ) : (
        <div class="table-wrap">
          <table id="sources">
            <thead>
              <tr>
                <th>Feed</th>
                <th class="num">Stories</th>
                <th>Last poll</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {props.sources.map((s) => (
                <tr>
                  <td>
                    <a href={`/stories?source=${s.id}`}>{s.title ?? s.url}</a>
                    <div class="muted small">{s.url}</div>
                  </td>
                  <td class="num">{String(s.stories)}</td>
                  <td>{formatDateTime(s.statusAt)}</td>
                  <td>
                    <StatusBadge status={s.status === 'not_modified' ? 'ok' : s.status} message={s.statusMessage} active={true} />
                    {s.statusMessage ? <div class="muted small">{s.statusMessage}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted small">
        How the effect is computed: each figure is the value at the last sample at or before a moment; "after" is value(story + span) − value(story),
        "before" is value(story) − value(story − span). Empty when samples that far are missing, or when a rounded count would be compared with an exact one.
        A story is not proven to cause a change: other news on the same day moves the same numbers.
      </p>
    </Layout>
  )
}
