import type { Identity } from '../http/auth.ts'
import { CsrfField } from './csrf-field.tsx'
import { ManageLayout } from './manage-layout.tsx'

export function AccountPage(props: { identity: Identity; error?: string; done?: string; minLength: number }) {
  const { identity } = props
  return (
    <ManageLayout title="Account" error={props.error}>
      <h1>Your account</h1>
      {props.done ? (
        <p class="notice" role="status">
          {props.done}
        </p>
      ) : null}
      <p>
        {identity.name} · role <strong>{identity.role}</strong>
      </p>
      {identity.mustChangePassword ? (
        <p class="notice" role="status">
          You logged in with a one-time password. Choose your own password to continue.
        </p>
      ) : null}
      {identity.kind === 'session' ? (
        <form method="post" action="/account/password" class="stack narrow">
          <h2>Change password</h2>
          <CsrfField />
          <label>
            Current password
            <input name="current" type="password" autocomplete="current-password" required />
          </label>
          <label>
            New password (at least {props.minLength} characters)
            <input name="password" type="password" autocomplete="new-password" required minlength={props.minLength} />
          </label>
          <label>
            New password again
            <input name="confirm" type="password" autocomplete="new-password" required minlength={props.minLength} />
          </label>
          <button type="submit">Change password</button>
          <p class="muted small">Changing it logs out every other session of yours.</p>
        </form>
      ) : (
        <p class="muted">This request uses a bearer credential; it has no password.</p>
      )}
    </ManageLayout>
  )
}
