import type { Child } from 'hono/jsx'
import { AccountNav } from './account-nav.tsx'

export function Layout(props: { title: string; children: Child; scripts?: string[] }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · publicpulse`}</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            publicpulse
          </a>
          <nav>
            <a href="/">Pages</a>
            <a href="/api/runs">Runs (JSON)</a>
          </nav>
          <AccountNav />
        </header>
        <main>{props.children}</main>
        {(props.scripts ?? []).map((src) => (
          <script src={src} defer></script>
        ))}
      </body>
    </html>
  )
}

export function StatusBadge(props: { status: string; message: string | null; active: boolean }) {
  const label = !props.active ? 'paused' : props.status
  const tone = !props.active ? 'paused' : props.status === 'ok' ? 'ok' : props.status === 'pending' ? 'pending' : 'fail'
  return (
    <span class={`badge ${tone}`} title={props.message ?? undefined}>
      {label}
    </span>
  )
}
