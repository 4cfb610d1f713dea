import type { Identity } from '../http/auth.ts'
import { CsrfField } from './csrf-field.tsx'
import { currentI18n } from '../i18n/request.ts'
import { ManageLayout } from './manage-layout.tsx'

export function AccountPage(props: { identity: Identity; error?: string; done?: string; minLength: number }) {
  const { identity } = props
  const t = currentI18n().t.account
  return (
    <ManageLayout title={t.title} error={props.error}>
      <h1>{t.heading}</h1>
      {props.done ? (
        <p class="notice" role="status">
          {props.done}
        </p>
      ) : null}
      <p>
        {identity.name} · {t.role} <strong>{identity.role}</strong>
      </p>
      {identity.mustChangePassword ? (
        <p class="notice" role="status">
          {t.oneTimeNotice}
        </p>
      ) : null}
      {identity.kind === 'session' ? (
        <form method="post" action="/account/password" class="stack narrow">
          <h2>{t.changePassword}</h2>
          <CsrfField />
          <label>
            {t.currentPassword}
            <input name="current" type="password" autocomplete="current-password" required />
          </label>
          <label>
            {t.newPassword(props.minLength)}
            <input name="password" type="password" autocomplete="new-password" required minlength={props.minLength} />
          </label>
          <label>
            {t.newPasswordAgain}
            <input name="confirm" type="password" autocomplete="new-password" required minlength={props.minLength} />
          </label>
          <button type="submit">{t.changePasswordButton}</button>
          <p class="muted small">{t.changeNote}</p>
        </form>
      ) : (
        <p class="muted">{t.bearer}</p>
      )}
    </ManageLayout>
  )
}
