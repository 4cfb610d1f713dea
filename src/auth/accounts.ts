import { createHash, randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { ApiTokenRow, UserRow } from '../db/account-tables.ts'
import type { Db } from '../db/schema.ts'
import { BadRequestError } from '../http/errors.ts'
import { type Actor, recordAudit } from './audit.ts'
import { generateOneTimePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.ts'
import { isRole, type Role, ROLES } from './roles.ts'

/** A request about users, sessions or tokens that cannot be done; `message` says why, for a person. */
export class AccountError extends BadRequestError {
  override readonly name = 'AccountError'
}

const SESSION_IDLE_MS = 7 * 86_400_000
const SESSION_MAX_MS = 30 * 86_400_000
/** last_seen_at / last_used_at are rewritten at most this often (not one write per request). */
const TOUCH_EVERY_MS = 60_000

/** SHA-256 hex: how session ids and API tokens are stored. */
export const digestHex = (value: string) => createHash('sha256').update(value).digest('hex')

export const userNameSchema = z
  .string({ error: 'name is required' })
  .trim()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}._@-]{1,39}$/u, 'name must be 2–40 letters or digits (dots, dashes, underscores and @ allowed after the first)')

export const roleSchema = z.enum(ROLES as [Role, ...Role[]], { error: `role must be one of ${ROLES.join(', ')}` })

const iso = (d: Date) => d.toISOString()

// ---- users ---------------------------------------------------------------------------------------

export type UserView = Pick<UserRow, 'id' | 'name' | 'created_at' | 'last_login_at' | 'password_changed_at'> & {
  role: Role
  disabled: boolean
  mustChangePassword: boolean
}

const toUserView = (u: UserRow): UserView => ({
  id: u.id,
  name: u.name,
  role: isRole(u.role) ? u.role : 'viewer',
  disabled: u.disabled === 1,
  mustChangePassword: u.must_change_password === 1,
  created_at: u.created_at,
  last_login_at: u.last_login_at,
  password_changed_at: u.password_changed_at,
})

export const findUserByName = (db: Db, name: string) => db.selectFrom('users').selectAll().where('name', '=', name.trim()).executeTakeFirst()

export async function getUser(db: Db, id: number): Promise<UserView> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new AccountError(`There is no user #${id}.`, 404)
  return toUserView(row)
}

/** Users that can log in (not disabled). */
export const countActiveUsers = async (db: Db): Promise<number> =>
  Number((await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('disabled', '=', 0).executeTakeFirstOrThrow()).n)

export const listUsers = async (db: Db): Promise<UserView[]> => (await db.selectFrom('users').selectAll().orderBy('name').execute()).map(toUserView)

/**
 * Creates a user. Without `password`, a one-time password is generated and returned (shown once; the user
 * must choose their own at first login).
 */
export async function createUser(db: Db, input: { name: string; role: Role; password?: string }, actor: Actor, now = new Date()): Promise<{ user: UserView; oneTimePassword?: string }> {
  const name = userNameSchema.parse(input.name)
  const role = roleSchema.parse(input.role)
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password, name)
    if (problem) throw new AccountError(problem)
  }
  if (await findUserByName(db, name)) throw new AccountError(`A user named "${name}" exists already.`, 409)
  const oneTimePassword = input.password === undefined ? generateOneTimePassword() : undefined
  const password_hash = await hashPassword(input.password ?? oneTimePassword!)
  const user = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('users')
      .values({ name, role, password_hash, must_change_password: oneTimePassword ? 1 : 0, created_at: iso(now), password_changed_at: null, last_login_at: null })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(trx, actor, { action: 'user.create', targetType: 'user', targetId: row.id, summary: `Created ${role} "${name}"`, after: { name, role } }, now)
    return row
  })
  return { user: toUserView(user), oneTimePassword }
}

async function refuseSelf(actor: Actor, user: UserView, what: string) {
  if (actor.kind === 'session' && actor.id === user.id) throw new AccountError(`You cannot ${what} yourself; ask another admin.`, 403)
}

export async function setUserRole(db: Db, id: number, role: Role, actor: Actor, now = new Date()): Promise<UserView> {
  roleSchema.parse(role)
  const user = await getUser(db, id)
  await refuseSelf(actor, user, 'change the role of')
  if (user.role === role) return user
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ role }).where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: 'user.role', targetType: 'user', targetId: id, summary: `Changed the role of "${user.name}" from ${user.role} to ${role}`, before: { role: user.role }, after: { role } }, now)
  })
  return getUser(db, id)
}

/** Disabling also ends the user's sessions at once. */
export async function setUserDisabled(db: Db, id: number, disabled: boolean, actor: Actor, now = new Date()): Promise<UserView> {
  const user = await getUser(db, id)
  await refuseSelf(actor, user, 'disable')
  if (user.disabled === disabled) return user
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ disabled: disabled ? 1 : 0 }).where('id', '=', id).execute()
    if (disabled) await trx.deleteFrom('sessions').where('user_id', '=', id).execute()
    await recordAudit(trx, actor, { action: disabled ? 'user.disable' : 'user.enable', targetType: 'user', targetId: id, summary: `${disabled ? 'Disabled' : 'Enabled'} "${user.name}"`, before: { disabled: user.disabled }, after: { disabled } }, now)
  })
  return getUser(db, id)
}

/** Sets a password chosen by the user (or typed at the CLI) and ends every session of that user. */
export async function setPassword(db: Db, id: number, password: string, actor: Actor, options: { oneTime?: boolean; now?: Date } = {}): Promise<void> {
  const now = options.now ?? new Date()
  const user = await getUser(db, id)
  const problem = passwordProblem(password, user.name)
  if (problem) throw new AccountError(problem)
  const password_hash = await hashPassword(password)
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash, must_change_password: options.oneTime ? 1 : 0, password_changed_at: iso(now) })
      .where('id', '=', id)
      .execute()
    await trx.deleteFrom('sessions').where('user_id', '=', id).execute()
    const self = actor.kind === 'session' && actor.id === id
    await recordAudit(trx, actor, { action: self ? 'user.password_change' : 'user.password_reset', targetType: 'user', targetId: id, summary: self ? `"${user.name}" changed their password` : `Set a ${options.oneTime ? 'one-time ' : ''}password for "${user.name}"` }, now)
  })
}

/** Gives the user a new one-time password (returned, shown once) and ends their sessions. */
export async function resetPassword(db: Db, id: number, actor: Actor, now = new Date()): Promise<string> {
  const password = generateOneTimePassword()
  await setPassword(db, id, password, actor, { oneTime: true, now })
  return password
}

/** Checks the current password before setting a new one (self-service). */
export async function changeOwnPassword(db: Db, id: number, current: string, next: string, actor: Actor, now = new Date()): Promise<void> {
  const row = await db.selectFrom('users').select(['password_hash']).where('id', '=', id).executeTakeFirst()
  if (!row || !(await verifyPassword(current, row.password_hash))) throw new AccountError('The current password is not right.', 403)
  if (current === next) throw new AccountError('Choose a password different from the current one.')
  await setPassword(db, id, next, actor, { now })
}

// ---- sessions ------------------------------------------------------------------------------------

export interface SessionIdentity {
  sessionId: string
  userId: number
  name: string
  role: Role
  csrfToken: string
  mustChangePassword: boolean
  /** When the session ends unless used again (ISO-8601 UTC). */
  expiresAt: string
}

/** Starts a server-side session. The cookie value is returned once; only its digest is stored. */
export async function createSession(db: Db, userId: number, client: { address?: string | null; userAgent?: string | null }, now = new Date()): Promise<{ cookie: string; csrfToken: string }> {
  const cookie = randomBytes(32).toString('base64url')
  const csrfToken = randomBytes(24).toString('base64url')
  await db
    .insertInto('sessions')
    .values({
      id: digestHex(cookie),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: iso(now),
      last_seen_at: iso(now),
      expires_at: iso(new Date(now.getTime() + SESSION_IDLE_MS)),
      address: client.address ?? null,
      user_agent: client.userAgent?.slice(0, 300) ?? null,
    })
    .execute()
  await db.updateTable('users').set({ last_login_at: iso(now) }).where('id', '=', userId).execute()
  // Expired sessions of everyone are cleared here, at a login, rather than by a job.
  await db.deleteFrom('sessions').where('expires_at', '<', iso(now)).execute()
  return { cookie, csrfToken }
}

/**
 * The live session behind a cookie value, or undefined (unknown, expired, user disabled). Sliding
 * expiry: each use pushes it SESSION_IDLE_MS ahead, never past SESSION_MAX_MS after the login.
 */
export async function findSession(db: Db, cookie: string, now = new Date()): Promise<SessionIdentity | undefined> {
  if (!/^[\w-]{20,100}$/.test(cookie)) return undefined
  const id = digestHex(cookie)
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.csrf_token', 'sessions.created_at', 'sessions.last_seen_at', 'sessions.expires_at', 'users.id as user_id', 'users.name', 'users.role', 'users.disabled', 'users.must_change_password'])
    .where('sessions.id', '=', id)
    .executeTakeFirst()
  if (!row || row.disabled === 1 || row.expires_at <= iso(now) || !isRole(row.role)) return undefined
  let expiresAt = row.expires_at
  if (now.getTime() - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
    expiresAt = iso(new Date(Math.min(now.getTime() + SESSION_IDLE_MS, Date.parse(row.created_at) + SESSION_MAX_MS)))
    await db.updateTable('sessions').set({ last_seen_at: iso(now), expires_at: expiresAt }).where('id', '=', id).execute()
  }
  return { sessionId: id, userId: row.user_id, name: row.name, role: row.role, csrfToken: row.csrf_token, mustChangePassword: row.must_change_password === 1, expiresAt }
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute()
}

// ---- API tokens ----------------------------------------------------------------------------------

/** Prefix of every API token; lets a leaked one be recognised (secret scanners, logs). */
export const API_TOKEN_PREFIX = 'ppt_'

export type ApiTokenView = Omit<ApiTokenRow, 'token_hash' | 'role'> & { role: Role; revoked: boolean }

const toTokenView = ({ token_hash: _, ...t }: ApiTokenRow): ApiTokenView => ({ ...t, role: isRole(t.role) ? t.role : 'viewer', revoked: t.revoked_at !== null })

export const tokenNameSchema = z.string({ error: 'name is required' }).trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters')

/** Creates an API token: returned once in full; stored as a digest with its role. */
export async function createApiToken(db: Db, input: { name: string; role: Role }, actor: Actor, now = new Date()): Promise<{ token: string; view: ApiTokenView }> {
  const name = tokenNameSchema.parse(input.name)
  const role = roleSchema.parse(input.role)
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url')
  const row = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('api_tokens')
      .values({ name, role, token_hash: digestHex(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6), created_by: actor.name, created_at: iso(now), last_used_at: null, revoked_at: null, revoked_by: null })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(trx, actor, { action: 'token.create', targetType: 'token', targetId: inserted.id, summary: `Created ${role} API token "${name}"`, after: { name, role } }, now)
    return inserted
  })
  return { token, view: toTokenView(row) }
}

export const listApiTokens = async (db: Db): Promise<ApiTokenView[]> =>
  (await db.selectFrom('api_tokens').selectAll().orderBy('revoked_at').orderBy('id', 'desc').execute()).map(toTokenView)

/** The live (not revoked) token with this value; records its use at most once a minute. */
export async function findApiToken(db: Db, token: string, now = new Date()): Promise<ApiTokenView | undefined> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return undefined
  const row = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', digestHex(token)).where('revoked_at', 'is', null).executeTakeFirst()
  if (!row || !isRole(row.role)) return undefined
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_EVERY_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: iso(now) }).where('id', '=', row.id).execute()
  }
  return toTokenView(row)
}

/** Revokes a token at once (the next request with it is refused). Revoking twice is refused. */
export async function revokeApiToken(db: Db, id: number, actor: Actor, now = new Date()): Promise<ApiTokenView> {
  const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new AccountError(`There is no API token #${id}.`, 404)
  if (row.revoked_at) throw new AccountError(`API token #${id} ("${row.name}") was already revoked at ${row.revoked_at}.`, 409)
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('api_tokens').set({ revoked_at: iso(now), revoked_by: actor.name }).where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: 'token.revoke', targetType: 'token', targetId: id, summary: `Revoked API token "${row.name}" (${row.prefix}…)` }, now)
  })
  return toTokenView({ ...row, revoked_at: iso(now), revoked_by: actor.name })
}
