import { CsrfField } from './csrf-field.tsx'
import { Layout } from './layout.tsx'

export function LoginPage(props: { next: string; name?: string; error?: string }) {
  return (
    <Layout title="Log in">
      <link rel="stylesheet" href="/static/manage.css" />
      <section class="narrow">
        <h1>Log in</h1>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/login" class="stack">
          <CsrfField />
          <input type="hidden" name="next" value={props.next} />
          <label>
            Name
            <input name="name" autocomplete="username" required value={props.name ?? ''} autofocus />
          </label>
          <label>
            Password
            <input name="password" type="password" autocomplete="current-password" required />
          </label>
          <button type="submit">Log in</button>
        </form>
        <p class="muted small">Accounts are created by an admin: <code>npm run cli -- users add &lt;name&gt; --role operator</code>.</p>
      </section>
    </Layout>
  )
}
