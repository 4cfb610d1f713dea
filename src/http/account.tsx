import { Hono } from 'hono'
import { changeOwnPassword, findUserByName } from '../auth/accounts.ts'
import { recordAudit } from '../auth/audit.ts'
import { isRole } from '../auth/roles.ts'
import { decoyHash, MIN_PASSWORD_LENGTH, passwordProblem, verifyPassword } from '../auth/passwords.ts'
import type { Db } from '../db/schema.ts'
import { i18nOf } from '../i18n/request.ts'
import { AccountPage } from '../views/account.tsx'
import { LoginPage } from '../views/login.tsx'
import { MessagePage } from '../views/message.tsx'
import { actorOf, type Auth } from './auth.ts'
import { formError, formFields, localPath } from './forms.ts'

export interface AccountDeps {
  db: Db
  auth: Auth
  now: () => Date
}

/** Login, logout and one's own account (password). */
export function accountRoutes({ db, auth, now }: AccountDeps) {
  return new Hono()
    .get('/login', (c) => {
      const next = localPath(c.req.query('next'), '/')
      if (c.get('identity')?.kind === 'session') return c.redirect(next, 303)
      return c.html(<LoginPage next={next} />)
    })
    .post('/login', async (c) => {
      const form = await formFields(c)
      const name = (form.name ?? '').slice(0, 100)
      const password = form.password ?? ''
      const next = localPath(form.next, '/')
      const address = auth.address(c)
      const verdict = auth.throttle.attempt(name, address)
      if (!verdict.allowed) {
        c.header('Retry-After', String(verdict.retryAfterSeconds))
        const message = i18nOf(c).t.account.tooManyFailures(verdict.scope, Math.ceil(verdict.retryAfterSeconds / 60))
        return c.html(<LoginPage next={next} name={name} error={message} />, 429)
      }
      const user = name ? await findUserByName(db, name) : undefined
      // The hash is checked even for unknown names, so response times do not reveal which names exist.
      const valid = await verifyPassword(password, user?.password_hash ?? (await decoyHash()))
      c.set('audited', true)
      if (!user || !valid || user.disabled === 1) {
        await recordAudit(db, { kind: 'anonymous', name: 'anonymous', id: null, address }, { action: 'auth.login_failed', targetType: 'user', targetId: user?.id, summary: `Failed login as "${name}"${user?.disabled ? ' (disabled account)' : ''}` }, now())
        return c.html(<LoginPage next={next} name={name} error={i18nOf(c).t.account.wrongPassword} />, 401)
      }
      auth.throttle.succeed(name)
      await auth.startSession(c, { id: user.id, name: user.name, role: isRole(user.role) ? user.role : 'viewer', mustChangePassword: user.must_change_password === 1 })
      await recordAudit(db, { kind: 'session', name: user.name, id: user.id, address }, { action: 'auth.login', targetType: 'user', targetId: user.id, summary: `"${user.name}" logged in` }, now())
      return c.redirect(user.must_change_password ? '/account' : next, 303)
    })
    .post('/logout', async (c) => {
      const actor = actorOf(c, auth)
      await auth.endSession(c)
      c.set('audited', true)
      await recordAudit(db, actor, { action: 'auth.logout', targetType: 'user', targetId: actor.id ?? undefined, summary: `"${actor.name}" logged out` }, now())
      return c.redirect('/login', 303)
    })
    .get('/account', (c) => {
      const identity = c.get('identity')
      if (!identity) return c.redirect('/login?next=%2Faccount', 303)
      return c.html(<AccountPage identity={identity} minLength={MIN_PASSWORD_LENGTH} />)
    })
    .post('/account/password', async (c) => {
      const identity = c.get('identity')!
      if (identity.kind !== 'session' || identity.id === null) {
        const { t } = i18nOf(c)
        return c.html(MessagePage({ title: t.account.notPossible, message: t.account.onlyPasswordUsers }), 403)
      }
      const form = await formFields(c)
      const render = (error: string, status: 400 | 403 | 404 | 409) => c.html(<AccountPage identity={identity} minLength={MIN_PASSWORD_LENGTH} error={error} />, status)
      if ((form.password ?? '') !== (form.confirm ?? '')) return render(i18nOf(c).t.account.passwordsDiffer, 400)
      const problem = passwordProblem(form.password ?? '', identity.name)
      if (problem) return render(problem, 400)
      try {
        await changeOwnPassword(db, identity.id, form.current ?? '', form.password ?? '', actorOf(c, auth), now())
      } catch (error) {
        const { message, status } = formError(error)
        return render(message, status)
      }
      c.set('audited', true)
      // Every session of the user ended with the change; this browser gets a fresh one.
      await auth.startSession(c, { id: identity.id, name: identity.name, role: identity.role, mustChangePassword: false })
      return c.html(<AccountPage identity={c.get('identity')!} minLength={MIN_PASSWORD_LENGTH} done={i18nOf(c).t.account.passwordChanged} />)
    })
}
