import type { ManagedPageRow, PageState } from '../db/page-admin.ts'
import type { AuditRow } from '../db/account-tables.ts'
import type { LookupResult } from '../page-admin.ts'
import { statusTone } from './components.tsx'
import { currentI18n } from '../i18n/request.ts'
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
  const t = currentI18n().t.manage.field
  return (
    <>
      <label>
        {t.title} <span class="muted small">{t.titleHint}</span>
        <input name="title" value={v.title} maxlength={200} />
      </label>
      <label>
        {t.region}
        <input name="region" value={v.region} maxlength={100} />
      </label>
      <label>
        {t.category}
        <input name="category" value={v.category} maxlength={100} />
      </label>
      <label>
        {t.tags} <span class="muted small">{t.tagsHint}</span>
        <input name="tags" value={v.tags} />
      </label>
      <label>
        {t.aliases} <span class="muted small">{t.aliasesHint}</span>
        <input name="aliases" value={v.aliases} />
      </label>
    </>
  )
}

function StateBadge(props: { row: Pick<ManagedPageRow, 'active' | 'archived_at' | 'status'> }) {
  const { t } = currentI18n()
  const label = props.row.archived_at ? t.manage.archived : props.row.active === 0 ? t.manage.paused : (t.status[props.row.status] ?? props.row.status)
  const tone = statusTone(props.row.status, Boolean(props.row.archived_at) || props.row.active === 0)
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
  const t = currentI18n().t.manage
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
    <ManageLayout title={t.listTitle} notice={props.notice}>
      <h1>{t.listHeading}</h1>
      <form method="get" action="/manage/pages" class="filters">
        <label>
          {t.search}
          <input name="q" value={filter.q} placeholder={t.searchPlaceholder} />
        </label>
        <label>
          {t.show}
          <select name="state">
            {(['live', 'active', 'paused', 'archived'] as const).map((value) => (
              <option value={value} selected={filter.state === value}>
                {t.states[value]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.platform}
          <select name="platform">
            <option value="">{t.any}</option>
            {Object.entries(PLATFORM_LABEL).map(([value, label]) => (
              <option value={value} selected={filter.platform === value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t.filter}</button>
        <a href="/manage/pages/new">{t.sections.add}</a>
        <a href="/manage/import">{t.sections.import}</a>
        <a href="/api/pages/export">{t.exportCsv}</a>
        <a href="/api/pages/export?excel=1">{t.exportExcel}</a>
      </form>
      <p class="muted small">
        {t.summary(props.total, props.page, pages)}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>{t.col.page}</th>
              <th>{t.col.platform}</th>
              <th>{t.col.region}</th>
              <th>{t.col.category}</th>
              <th class="num">{t.col.followers}</th>
              <th>{t.col.state}</th>
              <th>{t.col.actions}</th>
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
                    <ActionButton id={r.id} action="unarchive" label={t.restore} back={link(props.page)} />
                  ) : (
                    <>
                      {r.active ? <ActionButton id={r.id} action="pause" label={t.pause} back={link(props.page)} /> : <ActionButton id={r.id} action="resume" label={t.resume} back={link(props.page)} />}
                      <ActionButton id={r.id} action="archive" label={t.archive} back={link(props.page)} />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label={t.pager}>
        {props.page > 1 ? <a href={link(props.page - 1)}>{t.prev}</a> : null}
        {props.page < pages ? <a href={link(props.page + 1)}>{t.next}</a> : null}
      </nav>
    </ManageLayout>
  )
}

export function NewPageForm(props: { values: PageFormValues; error?: string; existing?: { id: number } }) {
  const t = currentI18n().t.manage
  return (
    <ManageLayout title={t.newTitle} error={props.error}>
      <h1>{t.newTitle}</h1>
      {props.existing ? (
        <p>
          <a href={`/manage/pages/${props.existing.id}`}>{t.openExisting(props.existing.id)}</a>
        </p>
      ) : null}
      <form method="post" action="/manage/pages/preview" class="stack narrow">
        <CsrfField />
        <label>
          {t.field.link} <span class="muted small">(vk.com/…, t.me/…, @name)</span>
          <input name="url" value={props.values.url} required maxlength={2048} autofocus />
        </label>
        <MetaFields values={props.values} />
        <button type="submit">{t.lookUp}</button>
        <p class="muted small">{t.nothingSavedYet}</p>
      </form>
    </ManageLayout>
  )
}

/** What the platform says about the link, and the form that saves it. Platform text is escaped like any text. */
export function PagePreview(props: { values: PageFormValues; lookup: LookupResult }) {
  const { lookup, values } = props
  const t = currentI18n().t.manage
  return (
    <ManageLayout title={t.previewTitle}>
      <h1>{t.previewTitle}</h1>
      <dl class="facts-list">
        <dt>{t.field.link}</dt>
        <dd>
          <a href={safeHref(lookup.link.url)} rel="noopener noreferrer">
            {lookup.link.url}
          </a>{' '}
          <span class="muted">({PLATFORM_LABEL[lookup.link.platform]})</span>
        </dd>
        {lookup.ok ? (
          <>
            <dt>{t.titleOn(PLATFORM_LABEL[lookup.link.platform] ?? lookup.link.platform)}</dt>
            <dd class="platform-title">{lookup.title ?? '—'}</dd>
            <dt>{t.followersNow}</dt>
            <dd class="platform-count">{formatCount(lookup.followers, lookup.exact)}</dd>
          </>
        ) : (
          <>
            <dt>{t.lookup}</dt>
            <dd class="error">{lookup.message}</dd>
          </>
        )}
      </dl>
      {!lookup.ok ? <p>{t.saveAnyway}</p> : null}
      <form method="post" action="/manage/pages" class="stack narrow">
        <CsrfField />
        <input type="hidden" name="url" value={values.url} />
        <MetaFields values={values} />
        <button type="submit">{t.savePage}</button>
      </form>
      <p>
        <a href="/manage/pages/new">{t.startOver}</a>
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
  const { t: all } = currentI18n()
  const t = all.manage
  return (
    <ManageLayout title={t.editTitle(page.id)} notice={props.notice} error={props.error}>
      <h1>{t.editHeading(page.id, props.values.title || page.platformTitle || page.handle)}</h1>
      <p class="page-facts">
        <a href={safeHref(page.url)} rel="noopener noreferrer">
          {page.url}
        </a>{' '}
        · {PLATFORM_LABEL[page.platform] ?? page.platform} · {t.registered(page.createdAt.slice(0, 10))} ·{' '}
        <span class={`badge ${page.archived || !page.active ? 'paused' : page.status === 'ok' ? 'ok' : 'pending'}`}>
          {page.archived ? t.archived : page.active ? (all.status[page.status] ?? page.status) : t.paused}
        </span>
        {page.pausedReason ? <span class="muted"> {page.pausedReason}</span> : null}
        {page.statusMessage ? <span class="muted"> {page.statusMessage}</span> : null}
        {' · '}
        <a href={`/pages/${page.id}`}>{t.dashboard}</a>
      </p>
      <form method="post" action={`/manage/pages/${page.id}`} class="stack narrow">
        <CsrfField />
        <MetaFields values={props.values} />
        <button type="submit">{t.saveChanges}</button>
      </form>
      <h2>{t.collection}</h2>
      <div class="actions">
        {page.archived ? (
          <ActionButton id={page.id} action="unarchive" label={t.restoreFromArchive} />
        ) : (
          <>
            {page.active ? <ActionButton id={page.id} action="pause" label={t.pauseCollection} /> : <ActionButton id={page.id} action="resume" label={t.resumeCollection} />}
            <ActionButton id={page.id} action="archive" label={t.archiveKeepHistory} />
          </>
        )}
        <a class="danger" href={`/manage/pages/${page.id}/delete`}>
          {t.deleteLink}
        </a>
      </div>
      <p class="muted small">{t.history(props.history)}</p>
      {props.audit.length ? (
        <>
          <h2>{t.changes}</h2>
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
  const t = currentI18n().t.manage
  return (
    <ManageLayout title={t.deleteTitle(page.id)}>
      <h1>{t.deleteHeading(page.title)}</h1>
      <p>{t.deleteBody(history, page.url)}</p>
      <p class="muted">{t.archiveInstead}</p>
      <form method="post" action={`/manage/pages/${page.id}/delete`} class="stack narrow">
        <CsrfField />
        <label class="check">
          <input type="checkbox" name="history" value="remove" /> {t.alsoHistory}
        </label>
        <button type="submit" class="danger">
          {t.deletePage}
        </button>
      </form>
      <p>
        <a href={`/manage/pages/${page.id}`}>{t.cancel}</a>
      </p>
    </ManageLayout>
  )
}
