import { userInfo } from 'node:os'
import type { Kysely } from 'kysely'
import type { AuditRow } from '../db/account-tables.ts'
import type { Database } from '../db/schema.ts'

/** Who did something, as the audit log names them. */
export interface Actor {
  kind: 'session' | 'token' | 'bootstrap' | 'cli' | 'anonymous'
  /** User name, token name, "operator token", "cli (root)". */
  name: string
  /** users.id for sessions, api_tokens.id for tokens, else null. */
  id: number | null
  /** Client address, when the action came over HTTP. */
  address?: string | null
}

/** The shell user running a CLI command. */
export function cliActor(): Actor {
  let who = 'unknown'
  try {
    who = userInfo().username
  } catch {
    // no passwd entry (some containers): still audited, as "unknown"
  }
  return { kind: 'cli', name: `cli (${who})`, id: null }
}

export interface AuditEntry {
  /** Dotted verb: `page.create`, `page.update`, `user.role`, `token.revoke`, `http.post`... */
  action: string
  targetType?: string
  targetId?: string | number
  /** One sentence a person reads in the log. */
  summary: string
  /** For edits: the changed fields before and after. */
  before?: unknown
  after?: unknown
}

/** Appends to the audit log; pass the write's transaction so both land together or not at all. */
export async function recordAudit(db: Kysely<Database>, actor: Actor, entry: AuditEntry, at: Date = new Date()): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: at.toISOString(),
      actor: actor.name,
      actor_kind: actor.kind,
      actor_id: actor.id,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId === undefined ? null : String(entry.targetId),
      summary: entry.summary,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      address: actor.address ?? null,
    })
    .execute()
}

/** The fields whose values differ, as `{before, after}` holding only those fields; undefined if none. */
export function changedFields<T extends Record<string, unknown>>(before: T, after: Partial<T>): { before: Partial<T>; after: Partial<T> } | undefined {
  const was: Partial<T> = {}
  const now: Partial<T> = {}
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (after[key] === undefined) continue
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      was[key] = before[key]
      now[key] = after[key]
    }
  }
  return Object.keys(now).length ? { before: was, after: now } : undefined
}

export interface AuditFilter {
  action?: string
  actor?: string
  targetType?: string
  targetId?: string
}

function filtered(db: Kysely<Database>, filter: AuditFilter) {
  let query = db.selectFrom('audit_log')
  // A prefix range, not LIKE: `page` finds page.create, page.update... and needs no escaping.
  if (filter.action) query = query.where('action', '>=', filter.action).where('action', '<', `${filter.action}\uffff`)
  if (filter.actor) query = query.where('actor', '=', filter.actor)
  if (filter.targetType) query = query.where('target_type', '=', filter.targetType)
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId)
  return query
}

/** Newest first, `limit` at a time, with the total matching. */
export async function listAudit(db: Kysely<Database>, filter: AuditFilter, page: { limit: number; offset: number }): Promise<{ rows: AuditRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    filtered(db, filter).selectAll().orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
    filtered(db, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ])
  return { rows, total: Number(count.n) }
}

/** Every matching entry, oldest first, in chunks (the export never holds the whole log in memory). */
export async function* streamAudit(db: Kysely<Database>, filter: AuditFilter, chunk = 1000): AsyncGenerator<AuditRow[]> {
  let after = 0
  for (;;) {
    const rows = await filtered(db, filter).selectAll().where('id', '>', after).orderBy('id').limit(chunk).execute()
    if (rows.length === 0) return
    yield rows
    after = rows[rows.length - 1]!.id
    if (rows.length < chunk) return
  }
}

/** Column order of the audit CSV export. */
export const AUDIT_CSV_COLUMNS = ['id', 'at', 'actor', 'actor_kind', 'actor_id', 'action', 'target_type', 'target_id', 'summary', 'before', 'after', 'address'] as const
