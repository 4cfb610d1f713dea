import { hasRole } from '../auth/roles.ts'
import { currentIdentity } from '../http/auth.ts'
import { CsrfField } from './csrf-field.tsx'

/** The login state for the top bar: "Log in", or the user's links by role and a logout button. */
export function AccountNav() {
  const identity = currentIdentity()
  if (!identity) {
    return (
      <a class="account-link" href="/login">
        Log in
      </a>
    )
  }
  return (
    <span class="account-nav">
      <link rel="stylesheet" href="/static/manage.css" />
      {hasRole(identity.role, 'operator') ? <a href="/manage/pages">Manage</a> : null}
      {hasRole(identity.role, 'admin') ? <a href="/admin/users">Admin</a> : null}
      {identity.kind === 'session' ? (
        <>
          <a href="/account" title={`Logged in as ${identity.name} (${identity.role})`}>
            {identity.name}
          </a>
          <form method="post" action="/logout" class="inline">
            <CsrfField />
            <button type="submit" class="link">
              Log out
            </button>
          </form>
        </>
      ) : (
        <span class="muted">{identity.name}</span>
      )}
    </span>
  )
}
