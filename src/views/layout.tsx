import { tryGetContext } from 'hono/context-storage'
import type { Child } from 'hono/jsx'
import { AccountNav } from './account-nav.tsx'
import { createI18n, type I18n } from '../i18n/index.ts'
import { switchLanguageHref } from '../i18n/request.ts'
import { statusTone } from './components.tsx'

const FALLBACK_I18N = createI18n('ru', 'Europe/Moscow')

/**
 * The page frame. `i18n` defaults to the request's (set by i18nMiddleware, read through context
 * storage when the app enables it), else Russian. `section` marks the current nav link.
 */
export function Layout(props: { title: string; children: Child; scripts?: string[]; i18n?: I18n; section?: 'overview' | 'groups' | 'compare' | 'collection' | 'stories' }) {
  const c = tryGetContext()
  const i18n = props.i18n ?? c?.var.i18n ?? FALLBACK_I18N
  const { t } = i18n
  const current = (section: string) => (props.section === section ? 'page' : undefined)
  return (
    <html lang={i18n.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · publicpulse`}</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          {t.nav.skip}
        </a>
        <header class="top">
          <a class="brand" href="/">
            publicpulse
          </a>
          <nav aria-label={t.nav.label}>
            <a href="/" aria-current={current('overview')}>
              {t.nav.overview}
            </a>
            <a href="/groups" aria-current={current('groups')}>
              {t.nav.groups}
            </a>
            <a href="/compare" aria-current={current('compare')}>
              {t.nav.compare}
            </a>
            <a href="/stories" aria-current={current('stories')}>
              {t.nav.stories}
            </a>
            <a href="/collection" aria-current={current('collection')}>
              {t.nav.collection}
            </a>
          </nav>
          <a class="lang" href={c ? switchLanguageHref(c.req.url, i18n.locale) : `?lang=${i18n.locale === 'ru' ? 'en' : 'ru'}`} hreflang={i18n.locale === 'ru' ? 'en' : 'ru'} title={t.lang.switchLabel}>
            {t.lang.switchTo}
          </a>
          <AccountNav />
        </header>
        <main id="main">{props.children}</main>
        {(props.scripts ?? []).map((src) => (
          <script src={src} defer></script>
        ))}
      </body>
    </html>
  )
}

export function StatusBadge(props: { status: string; message: string | null; active: boolean }) {
  const label = !props.active ? 'paused' : props.status
  const tone = statusTone(props.status, !props.active)
  return (
    <span class={`badge ${tone}`} title={props.message ?? undefined}>
      {label}
    </span>
  )
}
