import { Hono, type MiddlewareHandler } from 'hono'
import { listAudit } from '../auth/audit.ts'
import { findPageByHandle, displayTitle } from '../db/pages.ts'
import { findPageRow, historyCounts, listManagedPages, PAGE_STATES, type PageState } from '../db/page-admin.ts'
import type { Db } from '../db/schema.ts'
import { addPage, changePageState, deletePage, lookupPage, metaOf, pageMetaSchema, splitList, updatePageMeta, type PageAction } from '../page-admin.ts'
import type { Platforms } from '../platforms/index.ts'
import { parsePageLink } from '../platforms/links.ts'
import { i18nOf } from '../i18n/request.ts'
import { pageInputSchema } from '../registry.ts'
import { importCsv, MAX_CSV_BYTES, previewCsv } from '../registry-csv.ts'
import { ImportDone, ImportForm, ImportPreview } from '../views/import.tsx'
import { DeletePageConfirm, EditPage, emptyPageForm, ManagePagesList, NewPageForm, PagePreview, type PageFormValues } from '../views/manage-pages.tsx'
import { actorOf, type Auth } from './auth.ts'
import { formError, formFields, localPath, pageParam } from './forms.ts'

export interface ManageDeps {
  db: Db
  auth: Pick<Auth, 'address'>
  platforms?: Platforms
  /** Operator or admin (from createApp). */
  requireWrite: MiddlewareHandler
  now: () => Date
}

const PER_PAGE = 50

const formValues = (form: Record<string, string>): PageFormValues => ({
  url: form.url ?? '',
  title: form.title ?? '',
  region: form.region ?? '',
  category: form.category ?? '',
  tags: form.tags ?? '',
  aliases: form.aliases ?? '',
})

/** The registration body from form values: empty fields are left out. */
const registrationBody = (v: PageFormValues) =>
  pageInputSchema.parse({
    url: v.url,
    title: v.title || undefined,
    region: v.region || undefined,
    category: v.category || undefined,
    tags: v.tags ? splitList(v.tags) : undefined,
    aliases: v.aliases ? splitList(v.aliases) : undefined,
  })

/** Page management screens for operators: list, add by link with a platform lookup, edit, pause,
 * archive, delete, CSV import. Every route needs an operator, GET included. */
export function managePagesRoutes(deps: ManageDeps) {
  const { db, now } = deps
  const actor = (c: Parameters<MiddlewareHandler>[0]) => actorOf(c, deps.auth)

  return new Hono()
    .use('*', deps.requireWrite)
    .get('/pages', async (c) => {
      const stateParam = c.req.query('state') as PageState | undefined
      const filter = {
        q: (c.req.query('q') ?? '').trim().slice(0, 200),
        state: stateParam && PAGE_STATES.includes(stateParam) ? stateParam : 'live',
        platform: ['vk', 'telegram'].includes(c.req.query('platform') ?? '') ? c.req.query('platform')! : '',
      } as const
      const page = pageParam(c.req.query('page'))
      const { rows, total } = await listManagedPages(db, { ...filter, platform: filter.platform || undefined }, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
      return c.html(<ManagePagesList rows={rows} total={total} page={page} perPage={PER_PAGE} filter={filter} notice={c.req.query('notice')} />)
    })
    .get('/pages/new', (c) => c.html(<NewPageForm values={{ ...emptyPageForm(), url: (c.req.query('url') ?? '').slice(0, 2048) }} />))
    .post('/pages/preview', async (c) => {
      const values = formValues(await formFields(c))
      try {
        registrationBody(values) // every field checked before asking the platform
        const link = parsePageLink(values.url)
        const existing = await findPageByHandle(db, link.platform, link.handle)
        if (existing && !existing.deleted_at) {
          return c.html(<NewPageForm values={values} error={i18nOf(c).t.manage.alreadyRegistered(existing.id)} existing={existing} />, 409)
        }
        const lookup = await lookupPage(deps.platforms, link)
        return c.html(<PagePreview values={values} lookup={lookup} />)
      } catch (error) {
        const { message, status } = formError(error)
        return c.html(<NewPageForm values={values} error={message} />, status)
      }
    })
    .post('/pages', async (c) => {
      const values = formValues(await formFields(c))
      try {
        const { page, restored } = await addPage(db, registrationBody(values), actor(c), now())
        c.set('audited', true)
        return c.redirect(`/manage/pages/${page.id}?notice=${restored ? 'restored' : 'created'}`, 303)
      } catch (error) {
        const { message, status } = formError(error)
        return c.html(<NewPageForm values={values} error={message} />, status)
      }
    })
    .get('/pages/:id{[0-9]+}', async (c) => {
      const id = Number(c.req.param('id'))
      const row = await findPageRow(db, id)
      if (!row || row.deleted_at) return c.notFound()
      return c.html(await editView(id, c.req.query('notice')))
    })
    .post('/pages/:id{[0-9]+}', async (c) => {
      const id = Number(c.req.param('id'))
      const values = formValues(await formFields(c))
      try {
        const patch = pageMetaSchema.parse({ title: values.title, region: values.region, category: values.category, tags: splitList(values.tags), aliases: splitList(values.aliases) })
        const changed = await updatePageMeta(db, id, patch, actor(c), now())
        c.set('audited', true)
        return c.redirect(`/manage/pages/${id}?notice=${changed.length ? 'saved' : 'unchanged'}`, 303)
      } catch (error) {
        const { message, status } = formError(error)
        if (status === 404) return c.notFound()
        return c.html(await editView(id, undefined, { values, error: message }), status)
      }
    })
    .post('/pages/:id{[0-9]+}/:action{pause|resume|archive|unarchive}', async (c) => {
      const id = Number(c.req.param('id'))
      const action = c.req.param('action') as PageAction
      const form = await formFields(c)
      try {
        await changePageState(db, id, action, actor(c), now())
        c.set('audited', true)
        const back = localPath(form.back, `/manage/pages/${id}`)
        return c.redirect(`${back}${back.includes('?') ? '&' : '?'}notice=${action}d`, 303)
      } catch (error) {
        const { message, status } = formError(error)
        if (status === 404) return c.notFound()
        return c.html(await editView(id, undefined, { error: message }), status)
      }
    })
    .get('/pages/:id{[0-9]+}/delete', async (c) => {
      const id = Number(c.req.param('id'))
      const row = await findPageRow(db, id)
      if (!row || row.deleted_at) return c.notFound()
      return c.html(<DeletePageConfirm page={{ id, title: displayTitle(row), url: row.url }} history={await historyCounts(db, id)} />)
    })
    .post('/pages/:id{[0-9]+}/delete', async (c) => {
      const id = Number(c.req.param('id'))
      const withHistory = (await formFields(c)).history === 'remove'
      try {
        await deletePage(db, id, { withHistory }, actor(c), now())
        c.set('audited', true)
        return c.redirect(`/manage/pages?notice=${withHistory ? 'purged' : 'deleted'}`, 303)
      } catch (error) {
        const { status } = formError(error)
        if (status === 404) return c.notFound()
        throw error
      }
    })
    .get('/import', (c) => c.html(<ImportForm />))
    .post('/import/preview', async (c) => {
      const file = (await c.req.parseBody()).file
      if (!(file instanceof File) || file.size === 0) return c.html(<ImportForm error={i18nOf(c).t.importCsv.chooseFile} />, 400)
      if (file.size > MAX_CSV_BYTES) return c.html(<ImportForm error={i18nOf(c).t.importCsv.tooLarge(MAX_CSV_BYTES / 1024 / 1024)} />, 413)
      const bytes = new Uint8Array(await file.arrayBuffer())
      const preview = await previewCsv(db, bytes)
      const fileName = file.name.slice(0, 200) || 'upload.csv'
      // The file travels back with the confirmation (base64 in a hidden field): nothing is kept on the
      // server between the two steps, and what is imported is exactly what was previewed.
      return c.html(<ImportPreview preview={preview} fileName={fileName} payload={Buffer.from(bytes).toString('base64')} />, preview.fileErrors.length ? 400 : 200)
    })
    .post('/import', async (c) => {
      const form = await formFields(c)
      const bytes = new Uint8Array(Buffer.from(form.csv ?? '', 'base64'))
      if (bytes.length === 0) return c.html(<ImportForm error={i18nOf(c).t.importCsv.emptyForm} />, 400)
      const fileName = (form.file_name ?? 'upload.csv').slice(0, 200)
      const result = await importCsv(db, bytes, actor(c), now(), { fileName })
      c.set('audited', true)
      if (result.fileErrors.length) return c.html(<ImportPreview preview={result} fileName={fileName} payload="" />, 400)
      return c.html(<ImportDone result={result} fileName={fileName} />)
    })

  async function editView(id: number, notice?: string, override: { values?: PageFormValues; error?: string } = {}) {
    const row = (await findPageRow(db, id))!
    const meta = metaOf(row)
    const values: PageFormValues = override.values ?? {
      url: row.url,
      title: meta.title ?? '',
      region: meta.region ?? '',
      category: meta.category ?? '',
      tags: meta.tags.join(' | '),
      aliases: meta.aliases.join(' | '),
    }
    const [history, audit] = await Promise.all([historyCounts(db, id), listAudit(db, { targetType: 'page', targetId: String(id) }, { limit: 20, offset: 0 })])
    return (
      <EditPage
        page={{
          id,
          platform: row.platform,
          handle: row.handle,
          url: row.url,
          platformTitle: row.platform_title,
          active: row.active === 1,
          archived: row.archived_at !== null,
          pausedReason: row.paused_reason,
          status: row.status,
          statusMessage: row.status_message,
          createdAt: row.created_at,
        }}
        values={values}
        history={history}
        audit={audit.rows}
        notice={notice}
        error={override.error}
      />
    )
  }
}
