import { hasRole } from '../auth/roles.ts'
import { currentIdentity } from '../http/auth.ts'
import { currentI18n } from '../i18n/request.ts'
import { CsrfField } from './csrf-field.tsx'

/** The login state for the top bar: "Log in", or the user's links by role and a logout button. */
export function AccountNav() {
  const identity = currentIdentity()
  const t = currentI18n().t.account
  if (!identity) {
    return (
      <a class="account-link" href="/login">
        {t.logIn}
      </a>
    )
  }
  return (
    <span class="account-nav">
      <link rel="stylesheet" href="/static/manage.css" />
      {hasRole(identity.role, 'operator') ? <a href="/manage/pages">{t.nav.manage}</a> : null}
      {hasRole(identity.role, 'admin') ? <a href="/admin/users">{t.nav.admin}</a> : null}
      {identity.kind === 'session' ? (
        <>
          <a href="/account" title={t.nav.loggedInAs(identity.name, identity.role)}>
            {identity.name}
          </a>
          <form method="post" action="/logout" class="inline">
            <CsrfField />
            <button type="submit" class="link">
              {t.nav.logOut}
            </button>
          </form>
        </>
      ) : (
        <span class="muted">{identity.name}</span>
      )}
    </span>
  )
}
