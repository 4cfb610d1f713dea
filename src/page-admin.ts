import { z } from 'zod'
import { type Actor, changedFields, recordAudit } from './auth/audit.ts'
import { findPageRow, historyCounts } from './db/page-admin.ts'
import { displayTitle, getPage, type PageView } from './db/pages.ts'
import { listAliasOwners, rematchStories } from './db/stories.ts'
import type { Db, PageRow } from './db/schema.ts'
import { BadRequestError } from './http/errors.ts'
import type { Platforms } from './platforms/index.ts'
import { type ParsedLink, parsePageLink } from './platforms/links.ts'
import { registerPage, type PageInputBody } from './registry.ts'
import { AliasMatcher } from './stories/match.ts'

// Page management as operators do it (forms, API, CLI): every change is checked, done in one transaction
// with its audit entry, and says what it did.

const optionalText = (what: string, max: number) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .max(max, `${what} must be at most ${max} characters`)
    .nullable()
    .transform((v) => (v === '' ? null : v))
const list = (what: string, max: number) => z.array(z.string({ error: `${what} must be text` }).trim().min(1, `${what} must not be empty`).max(max, `${what} must be at most ${max} characters`)).max(50, `at most 50 ${what}s`)

/** An edit of a page's metadata; absent fields stay as they are, null or "" clears. */
export const pageMetaSchema = z
  .object({
    title: optionalText('title', 200).optional(),
    region: optionalText('region', 100).optional(),
    category: optionalText('category', 100).optional(),
    tags: list('tag', 50).optional(),
    aliases: list('alias', 100).optional(),
  })
  .strict()
export type PageMeta = z.infer<typeof pageMetaSchema>

/** Splits a list typed in one field or CSV cell: by `|` when present, else by `,` or `;`. */
export function splitList(text: string | undefined | null): string[] {
  if (!text) return []
  const parts = text.includes('|') ? text.split('|') : text.split(/[,;]/)
  return [...new Set(parts.map((p) => p.trim()).filter(Boolean))]
}

const parseTags = (json: string): string[] => {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

/** The metadata fields of a registry row, as edits and audit entries show them. */
export const metaOf = (row: PageRow) => ({
  title: row.title,
  region: row.region,
  category: row.category,
  tags: parseTags(row.tags),
  aliases: parseTags(row.aliases),
})

async function pageRowOr404(db: Db, id: number): Promise<PageRow> {
  const row = await findPageRow(db, id)
  if (!row || row.deleted_at) throw new BadRequestError(`There is no page #${id}.`, 404)
  return row
}

const describe = (row: Pick<PageRow, 'id' | 'title' | 'platform_title' | 'handle' | 'platform'>) => `#${row.id} "${displayTitle(row)}" (${row.platform})`

/** Registers a page (or brings back one deleted with its history) and audits it. */
export async function addPage(db: Db, body: PageInputBody, actor: Actor, now: Date): Promise<{ page: PageView; restored: boolean }> {
  return db.transaction().execute(async (trx) => {
    const link = parsePageLink(body.url)
    const before = await trx.selectFrom('pages').select(['id', 'deleted_at']).where('platform', '=', link.platform).where('handle', '=', link.handle).executeTakeFirst()
    const page = await registerPage(trx, body, now)
    const restored = Boolean(before?.deleted_at)
    await recordAudit(
      trx,
      actor,
      {
        action: restored ? 'page.restore' : 'page.create',
        targetType: 'page',
        targetId: page.id,
        summary: restored ? `Registered ${page.url} again: page #${page.id} is back with its history` : `Registered ${page.url} as #${page.id}`,
        after: { url: page.url, title: body.title ?? null, region: body.region ?? null, category: body.category ?? null, tags: page.tags, aliases: page.aliases },
      },
      now,
    )
    return { page, restored }
  })
}

/**
 * Edits metadata; the audit entry keeps the changed fields before and after. Returns the fields changed.
 * New aliases are matched against the stories already stored (see rematchPageStories).
 */
export async function updatePageMeta(db: Db, id: number, patch: PageMeta, actor: Actor, now: Date): Promise<string[]> {
  const fields = await db.transaction().execute(async (trx) => {
    const row = await pageRowOr404(trx, id)
    const next = { ...patch }
    if (next.tags) next.tags = [...new Set(next.tags)]
    if (next.aliases) next.aliases = [...new Set(next.aliases)]
    const diff = changedFields(metaOf(row), next)
    if (!diff) return []
    const set: Record<string, string | null> = {}
    for (const [key, value] of Object.entries(diff.after)) set[key] = Array.isArray(value) ? JSON.stringify(value) : (value as string | null)
    await trx.updateTable('pages').set(set).where('id', '=', id).execute()
    const fields = Object.keys(diff.after)
    await recordAudit(trx, actor, { action: 'page.update', targetType: 'page', targetId: id, summary: `Edited ${fields.join(', ')} of ${describe(row)}`, before: diff.before, after: diff.after }, now)
    return fields
  })
  if (fields.includes('aliases')) await rematchPageStories(db, id, now)
  return fields
}

/**
 * Matches the stored feed stories against one page's current aliases, so a story that already names a
 * new alias is linked without waiting for its feed to change. Adds links only: a link an operator removed
 * by hand stays removed, other pages' links are untouched. Archived and deleted pages get no new links.
 */
export async function rematchPageStories(db: Db, pageId: number, now: Date): Promise<{ stories: number; linked: number }> {
  const owners = (await listAliasOwners(db)).filter((o) => o.pageId === pageId)
  if (owners.length === 0) return { stories: 0, linked: 0 }
  return rematchStories(db, new AliasMatcher(owners), Math.floor(now.getTime() / 1000))
}

export type PageAction = 'pause' | 'resume' | 'archive' | 'unarchive'

/**
 * Pause (not collected, still listed), resume, archive (hidden and not collected, history kept) and
 * unarchive. Refuses transitions that make no sense with a sentence (409).
 */
export async function changePageState(db: Db, id: number, action: PageAction, actor: Actor, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await pageRowOr404(trx, id)
    const archived = row.archived_at !== null
    const conflict = (message: string) => new BadRequestError(message, 409)
    let set: Partial<Pick<PageRow, 'active' | 'paused_reason' | 'archived_at' | 'consecutive_failures'>>
    if (action === 'pause') {
      if (archived) throw conflict(`Page #${id} is archived; restore it first.`)
      if (row.active === 0) throw conflict(`Page #${id} is already paused.`)
      set = { active: 0, paused_reason: `Paused by ${actor.name}` }
    } else if (action === 'resume') {
      if (archived) throw conflict(`Page #${id} is archived; restore it first.`)
      if (row.active === 1) throw conflict(`Page #${id} is not paused.`)
      set = { active: 1, paused_reason: null, consecutive_failures: 0 }
    } else if (action === 'archive') {
      if (archived) throw conflict(`Page #${id} is already archived.`)
      set = { active: 0, paused_reason: `Archived by ${actor.name}`, archived_at: now.toISOString() }
    } else {
      if (!archived) throw conflict(`Page #${id} is not archived.`)
      set = { active: 1, paused_reason: null, archived_at: null, consecutive_failures: 0 }
    }
    await trx.updateTable('pages').set(set).where('id', '=', id).execute()
    const verb = { pause: 'Paused', resume: 'Resumed', archive: 'Archived', unarchive: 'Restored from the archive' }[action]
    await recordAudit(
      trx,
      actor,
      {
        action: `page.${action}`,
        targetType: 'page',
        targetId: id,
        summary: `${verb} ${describe(row)}`,
        before: { active: row.active === 1, archived: archived },
        after: { active: set.active === 1, archived: action === 'archive' || (archived && action !== 'unarchive') },
      },
      now,
    )
  })
}

/**
 * Deletes a page. Without `withHistory` the page leaves the registry but its snapshots and posts stay
 * (registering the link again brings them back); with it, the page and all its history are removed.
 */
export async function deletePage(db: Db, id: number, options: { withHistory: boolean }, actor: Actor, now: Date): Promise<{ snapshots: number; posts: number; days: number }> {
  return db.transaction().execute(async (trx) => {
    const row = await pageRowOr404(trx, id)
    const counts = await historyCounts(trx, id)
    if (options.withHistory) {
      await trx.deleteFrom('pages').where('id', '=', id).execute() // history goes by ON DELETE CASCADE
    } else {
      await trx
        .updateTable('pages')
        .set({ active: 0, paused_reason: `Deleted by ${actor.name}`, archived_at: row.archived_at ?? now.toISOString(), deleted_at: now.toISOString() })
        .where('id', '=', id)
        .execute()
    }
    await recordAudit(
      trx,
      actor,
      {
        action: options.withHistory ? 'page.delete_with_history' : 'page.delete',
        targetType: 'page',
        targetId: id,
        summary: options.withHistory
          ? `Deleted ${describe(row)} and its history (${counts.snapshots} snapshots, ${counts.posts} posts)`
          : `Deleted ${describe(row)}; its history (${counts.snapshots} snapshots, ${counts.posts} posts) is kept`,
        before: { url: row.url, ...metaOf(row), ...counts },
      },
      now,
    )
    return counts
  })
}

export type LookupResult =
  | { ok: true; link: ParsedLink; title: string | null; followers: number | null; exact: boolean }
  | { ok: false; link: ParsedLink; message: string }

/**
 * Looks a page up on its platform before it is saved (a one-page batch through the Platform interface,
 * without posts): what the operator is about to track. Never throws for a platform failure.
 */
export async function lookupPage(platforms: Platforms | undefined, link: ParsedLink): Promise<LookupResult> {
  const platform = platforms?.get(link.platform)
  if (!platform) return { ok: false, link, message: `Looking pages up on ${link.platform} is not available here.` }
  try {
    const outcomes = await platform.collect([{ id: 0, platform: link.platform, handle: link.handle, platformId: null }], { withPosts: false, signal: AbortSignal.timeout(30_000) })
    const outcome = outcomes.get(0)
    if (!outcome) return { ok: false, link, message: `${link.platform} gave no answer for ${link.handle}.` }
    if (!outcome.ok) return { ok: false, link, message: outcome.error.message }
    return { ok: true, link, title: outcome.sample.title, followers: outcome.sample.followers, exact: outcome.sample.followersExact }
  } catch (error) {
    return { ok: false, link, message: `The lookup failed: ${(error as Error).message}` }
  }
}
