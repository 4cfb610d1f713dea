import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context, MiddlewareHandler } from 'hono'
import { tryGetContext } from 'hono/context-storage'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import { createSession, deleteSession, digestHex, findApiToken, findSession } from '../auth/accounts.ts'
import { type Actor, recordAudit } from '../auth/audit.ts'
import { hasRole, type Role } from '../auth/roles.ts'
import { LoginThrottle } from '../auth/throttle.ts'
import { dataVersion } from '../db/data-version.ts'
import type { Db } from '../db/schema.ts'
import { MessagePage } from '../views/message.tsx'
import { ttlCache } from './ttl-cache.ts'

/**
 * Who is making the request: a logged-in user (session cookie), a script (API token), or the bootstrap
 * OPERATOR_TOKEN (an admin). Null when anonymous.
 */
export interface Identity extends Actor {
  kind: 'session' | 'token' | 'bootstrap'
  role: Role
  /** The session's CSRF token (forms must echo it); null for bearer credentials, which browsers never send on their own. */
  csrfToken: string | null
  /** Digest of the session cookie, for logout. */
  sessionId: string | null
  /** Logged in with a one-time password: only the account page and logout until a new one is chosen. */
  mustChangePassword: boolean
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the auth middleware on every request (null: anonymous). */
    identity: Identity | null
    /** A route that wrote its own detailed audit entry sets this, so the generic one is skipped. */
    audited: boolean
  }
}

export const SESSION_COOKIE = 'pp_session'
/** Double-submit CSRF cookie for forms shown before login (the login form itself). */
export const ANONYMOUS_CSRF_COOKIE = 'pp_csrf'
/** Form field (or `x-csrf-token` header) carrying the CSRF token. */
export const CSRF_FIELD = '_csrf'

/** Readable by anyone even when PUBLIC_DASHBOARD is off. */
const PUBLIC_PATHS = new Set(['/login', '/healthz'])
const isPublicPath = (path: string) => PUBLIC_PATHS.has(path) || path.startsWith('/static/')

/**
 * Writes open to less than an operator: logging in (anyone) and looking after one's own account (any
 * logged-in role). Every other non-GET request needs an operator or admin, whichever route it is: a
 * route added without a guard is still closed.
 */
export const SELF_SERVICE_WRITES: ReadonlyMap<string, 'anyone' | 'identified'> = new Map([
  ['/login', 'anyone'],
  ['/logout', 'identified'],
  ['/account/password', 'identified'],
])

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * How long a live session or API token is trusted without reading the database again while no write
 * happens anywhere (see `recall` in createAuth). Short, so last-seen touches still happen.
 */
export const CREDENTIAL_REUSE_MS = 10_000

export interface AuthOptions {
  db: Db
  /** The bootstrap credential (OPERATOR_TOKEN): acts as an admin. */
  operatorToken: string
  /** Whether reading needs no login (PUBLIC_DASHBOARD). */
  publicDashboard: boolean
  /** Take the client address from X-Forwarded-For (TRUST_PROXY: behind a reverse proxy). */
  trustProxy: boolean
  now: () => Date
  throttle?: LoginThrottle
}

const digest = (value: string) => createHash('sha256').update(value).digest()
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b))

/** Browsers navigating or posting forms ask for HTML; scripts get JSON errors. */
export const wantsHtml = (c: Context) => (c.req.header('accept') ?? '').includes('text/html') && !c.req.path.startsWith('/api/')

/** Behind a TLS-terminating proxy the app sees http; the proxy says https in X-Forwarded-Proto. Trusting
 * it only ever adds the Secure flag, so it needs no TRUST_PROXY. */
export const isHttps = (c: Context) =>
  new URL(c.req.url).protocol === 'https:' || (c.req.header('x-forwarded-proto') ?? '').split(',')[0]!.trim().toLowerCase() === 'https'

/** Where a request came from: the socket's peer, or with TRUST_PROXY the address the proxy appended. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    if (forwarded.length) return forwarded[forwarded.length - 1]!
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown' // app.request() in tests has no socket
  }
}

/** Refuses a request: a login redirect or an HTML page for browsers, `{"error"}` for scripts. */
async function refuse(c: Context, status: 401 | 403 | 429, message: string): Promise<Response> {
  if (wantsHtml(c)) {
    if (status === 401) {
      const next = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search ?? '') : '/'
      return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303)
    }
    return c.html(MessagePage({ title: status === 403 ? 'Not allowed' : 'Slow down', message }), status)
  }
  throw new HTTPException(status, { message })
}

const NEEDS_LOGIN = 'This action needs an operator: log in, or send "Authorization: Bearer <token>" with the operator token or an API token.'
const roleRefusal = (identity: Identity, needed: Role) =>
  `Your role (${identity.role}) cannot do this: it needs ${needed === 'admin' ? 'an admin' : 'an operator or admin'}.`
const CHANGE_PASSWORD_FIRST = 'You logged in with a one-time password: choose your own password on the Account page first.'

/** The CSRF token a form shown to this request must carry (sets the anonymous cookie when needed). */
export function csrfTokenFor(c: Context): string {
  const identity = c.get('identity')
  if (identity?.csrfToken) return identity.csrfToken
  if (identity) return '' // bearer credentials need none
  const existing = getCookie(c, ANONYMOUS_CSRF_COOKIE)
  if (existing && /^[\w-]{32}$/.test(existing)) return existing
  const fresh = randomBytes(24).toString('base64url')
  setCookie(c, ANONYMOUS_CSRF_COOKIE, fresh, { httpOnly: true, sameSite: 'Lax', secure: isHttps(c), path: '/' })
  return fresh
}

export type Auth = ReturnType<typeof createAuth>

/**
 * Access control in one place: who is asking (session cookie or bearer credential), whether they may
 * read (PUBLIC_DASHBOARD), whether they may write (operator or admin, except self-service), CSRF on
 * every cookie-authenticated or anonymous write, and an audit entry for every successful write.
 */
export function createAuth(options: AuthOptions) {
  const { db, now } = options
  const throttle = options.throttle ?? new LoginThrottle()
  const operatorDigest = digest(options.operatorToken)

  /**
   * Dashboards poll, and looking a session up through Kysely (~70 µs, 2026) cost more than serving the
   * cached answer it guards. So a live credential is remembered by its digest, keyed on the database's
   * data version like the response cache: any write, from this process or another (a logout, a revoked
   * token, a disabled user, a role change), makes every remembered credential stale at once, and
   * expiry is checked on each use. A request sees what a lookup would find; unknown or dead
   * credentials are never remembered.
   */
  const known = ttlCache<{ identity: Identity; expiresAt: string | null }>({
    ttlMs: CREDENTIAL_REUSE_MS,
    maxEntries: 1000,
    now: () => now().getTime(),
    version: () => dataVersion(db),
  })
  async function recall(key: string, lookup: () => Promise<{ identity: Identity; expiresAt: string | null } | undefined>): Promise<Identity | undefined> {
    const stamp = known.stamp() // before the lookup: a logout landing meanwhile leaves the entry already stale
    const hit = known.peek(key, stamp)
    if (hit && (hit.expiresAt === null || hit.expiresAt > now().toISOString())) return hit.identity
    const found = await lookup()
    if (found) known.set(key, { ...found, identity: Object.freeze(found.identity) }, stamp)
    return found?.identity
  }

  async function identify(c: Context): Promise<Identity | null> {
    const authorization = c.req.header('authorization')
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim())
      if (!match) throw new HTTPException(401, { message: 'The Authorization header must be "Bearer <token>".' })
      const token = match[1]!
      if (timingSafeEqual(digest(token), operatorDigest)) {
        return { kind: 'bootstrap', role: 'admin', name: 'operator token', id: null, csrfToken: null, sessionId: null, mustChangePassword: false }
      }
      const found = await recall(`token ${digestHex(token)}`, async () => {
        const live = await findApiToken(db, token, now())
        if (!live) return undefined
        return { identity: { kind: 'token', role: live.role, name: `token "${live.name}"`, id: live.id, csrfToken: null, sessionId: null, mustChangePassword: false }, expiresAt: null }
      })
      if (!found) throw new HTTPException(401, { message: 'The token is not valid: unknown or revoked.' })
      return found
    }
    const cookie = getCookie(c, SESSION_COOKIE)
    if (!cookie) return null
    const session = await recall(`session ${digestHex(cookie)}`, async () => {
      const live = await findSession(db, cookie, now())
      if (!live) return undefined
      const identity: Identity = {
        kind: 'session',
        role: live.role,
        name: live.name,
        id: live.userId,
        csrfToken: live.csrfToken,
        sessionId: live.sessionId,
        mustChangePassword: live.mustChangePassword,
      }
      return { identity, expiresAt: live.expiresAt }
    })
    return session ?? null
  }

  async function checkCsrf(c: Context, identity: Identity | null): Promise<Response | undefined> {
    const refusal = 'This form could not be verified (CSRF check failed): reload the page and submit it again.'
    // Browsers say where a request comes from; another site's forms never get through.
    if (c.req.header('sec-fetch-site') === 'cross-site') return refuse(c, 403, refusal)
    const expected = identity ? identity.csrfToken : (getCookie(c, ANONYMOUS_CSRF_COOKIE) ?? null)
    let sent = c.req.header('x-csrf-token')
    const type = c.req.header('content-type') ?? ''
    if (!sent && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
      const field = (await c.req.parseBody())[CSRF_FIELD]
      if (typeof field === 'string') sent = field
    }
    if (!expected || !sent || !sameSecret(sent, expected)) return refuse(c, 403, refusal)
    return undefined
  }

  async function checkRole(c: Context, needed: Role): Promise<Response | undefined> {
    const identity = c.get('identity')
    if (!identity) return refuse(c, 401, NEEDS_LOGIN)
    if (!hasRole(identity.role, needed)) return refuse(c, 403, roleRefusal(identity, needed))
    if (identity.mustChangePassword) return refuse(c, 403, CHANGE_PASSWORD_FIRST)
    return undefined
  }

  const middleware = createMiddleware(async (c, next) => {
    const safe = SAFE_METHODS.has(c.req.method)
    if (safe && (c.req.path.startsWith('/static/') || c.req.path === '/healthz')) return next()
    const identity = await identify(c)
    c.set('identity', identity)
    c.set('audited', false)
    if (safe) {
      if (!identity && !options.publicDashboard && !isPublicPath(c.req.path)) {
        return refuse(c, 401, 'Log in to read publicpulse (PUBLIC_DASHBOARD is off), or send "Authorization: Bearer <token>".')
      }
      if (identity?.mustChangePassword && wantsHtml(c) && c.req.path !== '/account' && c.req.path !== '/login') return c.redirect('/account', 303)
      return next()
    }
    const selfService = SELF_SERVICE_WRITES.get(c.req.path)
    if (!selfService) {
      const refused = await checkRole(c, 'operator')
      if (refused) return refused
    } else if (selfService === 'identified' && !identity) {
      return refuse(c, 401, 'Log in first.')
    }
    if (!identity || identity.kind === 'session') {
      const refused = await checkCsrf(c, identity)
      if (refused) return refused
    }
    await next()
    if (identity && c.res.status < 400 && !c.get('audited')) {
      await recordAudit(
        db,
        { ...identity, address: clientAddress(c, options.trustProxy) },
        { action: `http.${c.req.method.toLowerCase()}`, summary: `${c.req.method} ${c.req.path} → ${c.res.status}`, after: await requestSummary(c) },
        now(),
      )
    }
  })

  /** Route guard: at least `role`. */
  const requireRole = (role: Role): MiddlewareHandler =>
    createMiddleware(async (c, next) => {
      const refused = await checkRole(c, role)
      if (refused) return refused
      await next()
    })

  /** Starts a session for a user who just proved their password; sets the cookie, and the identity of
   * the rest of this request (so a page rendered now carries the new session's CSRF token). */
  async function startSession(c: Context, user: { id: number; name: string; role: Role; mustChangePassword: boolean }): Promise<void> {
    const { cookie, csrfToken } = await createSession(db, user.id, { address: clientAddress(c, options.trustProxy), userAgent: c.req.header('user-agent') }, now())
    setCookie(c, SESSION_COOKIE, cookie, { httpOnly: true, sameSite: 'Lax', secure: isHttps(c), path: '/', maxAge: 30 * 86_400 })
    deleteCookie(c, ANONYMOUS_CSRF_COOKIE, { path: '/' })
    c.set('identity', { kind: 'session', role: user.role, name: user.name, id: user.id, csrfToken, sessionId: digestHex(cookie), mustChangePassword: user.mustChangePassword })
  }

  /** Ends this request's session (logout). */
  async function endSession(c: Context): Promise<void> {
    const identity = c.get('identity')
    if (identity?.sessionId) await deleteSession(db, identity.sessionId)
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) })
  }

  return {
    middleware,
    requireRole,
    /** Every write route takes this: an operator or admin. */
    requireWrite: requireRole('operator'),
    throttle,
    csrfToken: csrfTokenFor,
    startSession,
    endSession,
    address: (c: Context) => clientAddress(c, options.trustProxy),
  }
}

/** The actor of this request for audit entries (identity plus address). */
export function actorOf(c: Context, auth: Pick<Auth, 'address'>): Actor {
  const identity = c.get('identity')
  const address = auth.address(c)
  return identity ? { kind: identity.kind, name: identity.name, id: identity.id, address } : { kind: 'anonymous', name: 'anonymous', id: null, address }
}

const SECRET_KEY = /pass|token|secret|csrf|key|authorization/i
const MAX_SUMMARY = 4000

/** What a generic write sent, for the audit trail: JSON or form fields, secrets replaced, files named. */
async function requestSummary(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  let body: unknown
  try {
    if (/json/i.test(type)) body = await c.req.json()
    else if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) body = await c.req.parseBody()
    else return undefined
  } catch {
    return undefined // already consumed elsewhere, or not what it claimed to be
  }
  const clean = (value: unknown, key = ''): unknown => {
    if (SECRET_KEY.test(key)) return '[redacted]'
    if (value instanceof File) return `[file ${value.name}, ${value.size} bytes]`
    if (Array.isArray(value)) return value.slice(0, 50).map((v) => clean(v))
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v, k)]))
    return value
  }
  const text = JSON.stringify(clean(body))
  return text === undefined ? undefined : text.length > MAX_SUMMARY ? { truncated: text.slice(0, MAX_SUMMARY) } : JSON.parse(text)
}

/** The identity of the request being rendered, for views (the nav's login state). */
export function currentIdentity(): Identity | null {
  return tryGetContext()?.get('identity') ?? null
}

/** The CSRF token for a form in the view being rendered ('' outside a request). */
export function currentCsrfToken(): string {
  const c = tryGetContext()
  return c ? csrfTokenFor(c) : ''
}
