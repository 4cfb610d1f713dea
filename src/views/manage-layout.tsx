import type { Child } from 'hono/jsx'
import { hasRole } from '../auth/roles.ts'
import { currentIdentity } from '../http/auth.ts'
import { currentI18n } from '../i18n/request.ts'
import { Layout } from './layout.tsx'

const SECTIONS = [
  { href: '/manage/pages', label: 'pages', role: 'operator' },
  { href: '/manage/pages/new', label: 'add', role: 'operator' },
  { href: '/manage/import', label: 'import', role: 'operator' },
  { href: '/admin/users', label: 'users', role: 'admin' },
  { href: '/admin/tokens', label: 'tokens', role: 'admin' },
  { href: '/admin/audit', label: 'audit', role: 'admin' },
] as const

/** Operator and admin screens: the dashboard layout with the management sub-navigation. */
export function ManageLayout(props: { title: string; children: Child; notice?: string; error?: string }) {
  const identity = currentIdentity()
  const t = currentI18n().t.manage
  // Fixed notices shown after a redirect (`?notice=`): never text taken from the URL.
  const notice = props.notice && Object.hasOwn(t.notices, props.notice) ? t.notices[props.notice] : undefined
  return (
    <Layout title={props.title}>
      <link rel="stylesheet" href="/static/manage.css" />
      <nav class="manage-nav" aria-label={t.navLabel}>
        {SECTIONS.filter((s) => identity && hasRole(identity.role, s.role)).map((s) => (
          <a href={s.href}>{t.sections[s.label]}</a>
        ))}
      </nav>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.children}
    </Layout>
  )
}
