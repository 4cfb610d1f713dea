import { CsrfField } from './csrf-field.tsx'
import { currentI18n } from '../i18n/request.ts'
import { Layout } from './layout.tsx'

export function LoginPage(props: { next: string; name?: string; error?: string }) {
  const t = currentI18n().t.account
  return (
    <Layout title={t.loginTitle}>
      <link rel="stylesheet" href="/static/manage.css" />
      <section class="narrow">
        <h1>{t.loginTitle}</h1>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/login" class="stack">
          <CsrfField />
          <input type="hidden" name="next" value={props.next} />
          <label>
            {t.name}
            <input name="name" autocomplete="username" required value={props.name ?? ''} autofocus />
          </label>
          <label>
            {t.password}
            <input name="password" type="password" autocomplete="current-password" required />
          </label>
          <button type="submit">{t.logIn}</button>
        </form>
        <p class="muted small">
          {t.loginHint}
          <code>npm run cli -- users add &lt;name&gt; --role operator</code>.</p>
      </section>
    </Layout>
  )
}
