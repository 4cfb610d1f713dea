import type { ManagedPageRow, PageState } from '../db/page-admin.ts'
import type { AuditRow } from '../db/account-tables.ts'
import type { LookupResult } from '../page-admin.ts'
import { CsrfField } from './csrf-field.tsx'
import { formatCount } from './format.ts'
import { ManageLayout } from './manage-layout.tsx'

const PLATFORM_LABEL: Record<string, string> = { vk: 'VK', telegram: 'Telegram' }
/** Only http(s) links become hrefs (a stored URL is ours, but never trust a string into href). */
const safeHref = (url: string) => (/^https?:\/\//i.test(url) ? url : undefined)

/** The metadata an operator types: the same fields in the add, preview and edit forms. */
export interface PageFormValues {
  url: string
  title: string
  region: string
  category: string
  tags: string
  aliases: string
}

export const emptyPageForm = (): PageFormValues => ({ url: '', title: '', region: '', category: '', tags: '', aliases: '' })

function MetaFields(props: { values: PageFormValues }) {
  const v = props.values
  return (
    <>
      <label>
        Title <span class="muted small">(empty: the platform's)</span>
        <input name="title" value={v.title} maxlength={200} />
      </label>
      <label>
        Region
        <input name="region" value={v.region} maxlength={100} />
      </label>
      <label>
        Category
        <input name="category" value={v.category} maxlength={100} />
      </label>
      <label>
        Tags <span class="muted small">(separated by commas or |)</span>
        <input name="tags" value={v.tags} />
      </label>
      <label>
        Aliases <span class="muted small">(names stories may use; commas or |)</span>
        <input name="aliases" value={v.aliases} />
      </label>
    </>
  )
}

function StateBadge(props: { row: Pick<ManagedPageRow, 'active' | 'archived_at' | 'status'> }) {
  const label = props.row.archived_at ? 'archived' : props.row.active === 0 ? 'paused' : props.row.status
  const tone = props.row.archived_at || props.row.active === 0 ? 'paused' : props.row.status === 'ok' ? 'ok' : props.row.status === 'pending' ? 'pending' : 'fail'
  return <span class={`badge ${tone}`}>{label}</span>
}

function ActionButton(props: { id: number; action: 'pause' | 'resume' | 'archive' | 'unarchive'; label: string; back?: string }) {
  return (
    <form method="post" action={`/manage/pages/${props.id}/${props.action}`} class="inline">
      <CsrfField />
      {props.back ? <input type="hidden" name="back" value={props.back} /> : null}
      <button type="submit">{props.label}</button>
    </form>
  )
}

export function ManagePagesList(props: {
  rows: ManagedPageRow[]
  total: number
  page: number
  perPage: number
  filter: { q: string; state: PageState; platform: string }
  notice?: string
}) {
  const { filter } = props
  const pages = Math.max(1, Math.ceil(props.total / props.perPage))
  const link = (page: number) => {
    const params = new URLSearchParams()
    if (filter.q) params.set('q', filter.q)
    if (filter.state !== 'live') params.set('state', filter.state)
    if (filter.platform) params.set('platform', filter.platform)
    if (page > 1) params.set('page', String(page))
    const s = params.toString()
    return `/manage/pages${s ? `?${s}` : ''}`
  }
  return (
    <ManageLayout title="Manage pages" notice={props.notice}>
      <h1>Pages</h1>
      <form method="get" action="/manage/pages" class="filters">
        <label>
          Search
          <input name="q" value={filter.q} placeholder="title, handle, region, category" />
        </label>
        <label>
          Show
          <select name="state">
            {(
              [
                ['live', 'all but archived'],
                ['active', 'collected'],
                ['paused', 'paused'],
                ['archived', 'archived'],
              ] as const
            ).map(([value, label]) => (
              <option value={value} selected={filter.state === value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Platform
          <select name="platform">
            <option value="">any</option>
            {Object.entries(PLATFORM_LABEL).map(([value, label]) => (
              <option value={value} selected={filter.platform === value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <a href="/manage/pages/new">Add a page</a>
        <a href="/manage/import">Import CSV</a>
        <a href="/api/pages/export">Export CSV</a>
        <a href="/api/pages/export?excel=1">Export for Excel</a>
      </form>
      <p class="muted small">
        {props.total} pages · page {props.page} of {pages}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Page</th>
              <th>Platform</th>
              <th>Region</th>
              <th>Category</th>
              <th class="num">Followers</th>
              <th>State</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td class="muted">{r.id}</td>
                <td>
                  <a href={`/manage/pages/${r.id}`}>{r.title ?? r.platform_title ?? r.handle}</a>
                  <div class="muted small">
                    <a href={safeHref(r.url)} rel="noopener noreferrer">
                      {r.url}
                    </a>
                  </div>
                </td>
                <td>{PLATFORM_LABEL[r.platform] ?? r.platform}</td>
                <td>{r.region ?? ''}</td>
                <td>{r.category ?? ''}</td>
                <td class="num">{formatCount(r.followers, r.exact === null ? true : r.exact === 1)}</td>
                <td>
                  <StateBadge row={r} />
                </td>
                <td class="actions">
                  {r.archived_at ? (
                    <ActionButton id={r.id} action="unarchive" label="Restore" back={link(props.page)} />
                  ) : (
                    <>
                      {r.active ? <ActionButton id={r.id} action="pause" label="Pause" back={link(props.page)} /> : <ActionButton id={r.id} action="resume" label="Resume" back={link(props.page)} />}
                      <ActionButton id={r.id} action="archive" label="Archive" back={link(props.page)} />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        {props.page > 1 ? <a href={link(props.page - 1)}>← Previous</a> : null}
        {props.page < pages ? <a href={link(props.page + 1)}>Next →</a> : null}
      </nav>
    </ManageLayout>
  )
}

export function NewPageForm(props: { values: PageFormValues; error?: string; existing?: { id: number } }) {
  return (
    <ManageLayout title="Add a page" error={props.error}>
      <h1>Add a page</h1>
      {props.existing ? (
        <p>
          <a href={`/manage/pages/${props.existing.id}`}>Open page #{props.existing.id}</a>
        </p>
      ) : null}
      <form method="post" action="/manage/pages/preview" class="stack narrow">
        <CsrfField />
        <label>
          Link <span class="muted small">(vk.com/…, t.me/…, @name)</span>
          <input name="url" value={props.values.url} required maxlength={2048} autofocus />
        </label>
        <MetaFields values={props.values} />
        <button type="submit">Look it up</button>
        <p class="muted small">Nothing is saved yet: the next step shows what the platform says about the page.</p>
      </form>
    </ManageLayout>
  )
}

/** What the platform says about the link, and the form that saves it. Platform text is escaped like any text. */
export function PagePreview(props: { values: PageFormValues; lookup: LookupResult }) {
  const { lookup, values } = props
  return (
    <ManageLayout title="Check and save">
      <h1>Check and save</h1>
      <dl class="facts-list">
        <dt>Link</dt>
        <dd>
          <a href={safeHref(lookup.link.url)} rel="noopener noreferrer">
            {lookup.link.url}
          </a>{' '}
          <span class="muted">({PLATFORM_LABEL[lookup.link.platform]})</span>
        </dd>
        {lookup.ok ? (
          <>
            <dt>Title on {PLATFORM_LABEL[lookup.link.platform]}</dt>
            <dd class="platform-title">{lookup.title ?? '—'}</dd>
            <dt>Followers now</dt>
            <dd class="platform-count">{formatCount(lookup.followers, lookup.exact)}</dd>
          </>
        ) : (
          <>
            <dt>Lookup</dt>
            <dd class="error">{lookup.message}</dd>
          </>
        )}
      </dl>
      {!lookup.ok ? <p>You can still save it: the collector keeps trying and the page's status will say what is wrong.</p> : null}
      <form method="post" action="/manage/pages" class="stack narrow">
        <CsrfField />
        <input type="hidden" name="url" value={values.url} />
        <MetaFields values={values} />
        <button type="submit">Save page</button>
      </form>
      <p>
        <a href="/manage/pages/new">Start over</a>
      </p>
    </ManageLayout>
  )
}

export interface EditablePage {
  id: number
  platform: string
  handle: string
  url: string
  platformTitle: string | null
  active: boolean
  archived: boolean
  pausedReason: string | null
  status: string
  statusMessage: string | null
  createdAt: string
}

export function EditPage(props: { page: EditablePage; values: PageFormValues; history: { snapshots: number; posts: number; days: number }; audit: AuditRow[]; notice?: string; error?: string }) {
  const { page } = props
  return (
    <ManageLayout title={`Edit page #${page.id}`} notice={props.notice} error={props.error}>
      <h1>
        Page #{page.id}: {props.values.title || page.platformTitle || page.handle}
      </h1>
      <p class="page-facts">
        <a href={safeHref(page.url)} rel="noopener noreferrer">
          {page.url}
        </a>{' '}
        · {PLATFORM_LABEL[page.platform] ?? page.platform} · registered {page.createdAt.slice(0, 10)} ·{' '}
        <span class={`badge ${page.archived || !page.active ? 'paused' : page.status === 'ok' ? 'ok' : 'pending'}`}>
          {page.archived ? 'archived' : page.active ? page.status : 'paused'}
        </span>
        {page.pausedReason ? <span class="muted"> {page.pausedReason}</span> : null}
        {page.statusMessage ? <span class="muted"> {page.statusMessage}</span> : null}
        {' · '}
        <a href={`/pages/${page.id}`}>Dashboard</a>
      </p>
      <form method="post" action={`/manage/pages/${page.id}`} class="stack narrow">
        <CsrfField />
        <MetaFields values={props.values} />
        <button type="submit">Save changes</button>
      </form>
      <h2>Collection</h2>
      <div class="actions">
        {page.archived ? (
          <ActionButton id={page.id} action="unarchive" label="Restore from the archive" />
        ) : (
          <>
            {page.active ? <ActionButton id={page.id} action="pause" label="Pause collection" /> : <ActionButton id={page.id} action="resume" label="Resume collection" />}
            <ActionButton id={page.id} action="archive" label="Archive (hide, keep history)" />
          </>
        )}
        <a class="danger" href={`/manage/pages/${page.id}/delete`}>
          Delete…
        </a>
      </div>
      <p class="muted small">
        History: {props.history.snapshots} snapshots over {props.history.days} days, {props.history.posts} posts.
      </p>
      {props.audit.length ? (
        <>
          <h2>Changes</h2>
          <ul class="changes">
            {props.audit.map((a) => (
              <li>
                <span class="muted small">
                  {a.at.slice(0, 16).replace('T', ' ')} · {a.actor}
                </span>{' '}
                {a.summary}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </ManageLayout>
  )
}

export function DeletePageConfirm(props: { page: { id: number; title: string; url: string }; history: { snapshots: number; posts: number; days: number } }) {
  const { page, history } = props
  return (
    <ManageLayout title={`Delete page #${page.id}`}>
      <h1>Delete “{page.title}”?</h1>
      <p>
        The page leaves the registry and is no longer collected. Its history — {history.snapshots} snapshots over {history.days} days and {history.posts} posts —
        is kept unless you tick the box; registering {page.url} again then brings it back.
      </p>
      <p class="muted">To only hide it from the dashboard, archive it instead.</p>
      <form method="post" action={`/manage/pages/${page.id}/delete`} class="stack narrow">
        <CsrfField />
        <label class="check">
          <input type="checkbox" name="history" value="remove" /> Also delete its history for good (cannot be undone; a backup is the only way back)
        </label>
        <button type="submit" class="danger">
          Delete page
        </button>
      </form>
      <p>
        <a href={`/manage/pages/${page.id}`}>Cancel</a>
      </p>
    </ManageLayout>
  )
}
