import { getUser } from '../../src/auth/accounts.ts'
import { hashPassword } from '../../src/auth/passwords.ts'
import type { Role } from '../../src/auth/roles.ts'
import type { Db } from '../../src/db/schema.ts'

export const PASSWORD = 'correct horse battery staple'

/**
 * Test scrypt cost: the hash records its parameters and verifyPassword reads them, so logins of these
 * users run the real check at a fraction of the production cost (which the password tests cover).
 */
const TEST_COST = { N: 2 ** 10, r: 8, p: 1 }
const hashes = new Map<string, Promise<string>>()

/** A user with a known password (no one-time password to change), stored as createUser stores one. */
export async function addUser(db: Db, name: string, role: Role, password = PASSWORD) {
  if (!hashes.has(password)) hashes.set(password, hashPassword(password, TEST_COST))
  const { id } = await db
    .insertInto('users')
    .values({ name, role, password_hash: await hashes.get(password)!, created_at: new Date().toISOString(), password_changed_at: null, last_login_at: null })
    .returning('id')
    .executeTakeFirstOrThrow()
  return getUser(db, id)
}

/** The value of a cookie set by a response, or undefined. */
export function setCookieValue(response: Response, name: string): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';')
    const [key, ...value] = pair!.split('=')
    if (key!.trim() === name) return value.join('=')
  }
  return undefined
}

/** The CSRF token of the first form in an HTML page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]*)"/.exec(html)
  if (!match) throw new Error('no CSRF field in the page')
  return match[1]!
}

/** Headers of a browser whose reader prefers English: the tests that assert the English wording of the screens. */
export const ENGLISH = { 'accept-language': 'en' } as const

/**
 * A browser-like client: keeps cookies, sends forms with the page's CSRF token, never follows redirects.
 * `headers` go with every request (e.g. ENGLISH; without Accept-Language the screens are Russian).
 */
export class Browser {
  readonly cookies = new Map<string, string>()
  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private remember(response: Response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';')
      const [key, ...value] = pair!.split('=')
      const expired = attributes.some((a) => /max-age=0/i.test(a.trim())) || value.join('=') === ''
      if (expired) this.cookies.delete(key!.trim())
      else this.cookies.set(key!.trim(), value.join('='))
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(this.base + path, { redirect: 'manual', headers: { accept: 'text/html', ...this.headers, cookie: this.cookieHeader(), ...headers } })
    this.remember(response)
    return response
  }

  /** Posts a urlencoded form; `csrf: true` reads the token from `from` (a page of the app) first. */
  async post(path: string, fields: Record<string, string>, options: { csrfFrom?: string; csrf?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    let token = options.csrf
    if (token === undefined && options.csrfFrom) token = csrfFrom(await (await this.get(options.csrfFrom)).text())
    const body = new URLSearchParams({ ...fields, ...(token !== undefined ? { _csrf: token } : {}) })
    const response = await fetch(this.base + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { accept: 'text/html', ...this.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...options.headers },
      body,
    })
    this.remember(response)
    return response
  }

  /** Logs in through the form; throws unless the app answered with a redirect. */
  async login(name: string, password = PASSWORD): Promise<Response> {
    const response = await this.post('/login', { name, password, next: '/' }, { csrfFrom: '/login' })
    if (response.status !== 303) throw new Error(`login as ${name} answered ${response.status}`)
    return response
  }
}
