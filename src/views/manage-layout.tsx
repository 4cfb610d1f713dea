import type { Child } from 'hono/jsx'
import { hasRole } from '../auth/roles.ts'
import { currentIdentity } from '../http/auth.ts'
import { Layout } from './layout.tsx'

const SECTIONS = [
  { href: '/manage/pages', label: 'Pages', role: 'operator' },
  { href: '/manage/pages/new', label: 'Add a page', role: 'operator' },
  { href: '/manage/import', label: 'Import CSV', role: 'operator' },
  { href: '/admin/users', label: 'Users', role: 'admin' },
  { href: '/admin/tokens', label: 'API tokens', role: 'admin' },
  { href: '/admin/audit', label: 'Audit log', role: 'admin' },
] as const

/** Fixed notices shown after a redirect (`?notice=`): never text taken from the URL. */
export const NOTICES: Record<string, string> = {
  created: 'The page is registered; its followers are recorded at the next collection.',
  restored: 'The page is registered again, with the history it had.',
  saved: 'Saved.',
  unchanged: 'Nothing changed.',
  paused: 'Paused: the page is not collected until it is resumed.',
  resumed: 'Resumed: the page is collected again from the next run.',
  archived: 'Archived: hidden from the dashboard and not collected; its history is kept.',
  unarchived: 'Restored from the archive and collected again.',
  deleted: 'The page is deleted; its history is kept (registering its link again brings it back).',
  purged: 'The page and its history are deleted.',
  role: 'Role changed.',
  disabled: 'User disabled; their sessions have ended.',
  enabled: 'User enabled.',
  revoked: 'Token revoked: requests with it are refused from now on.',
}

/** Operator and admin screens: the dashboard layout with the management sub-navigation. */
export function ManageLayout(props: { title: string; children: Child; notice?: string; error?: string }) {
  const identity = currentIdentity()
  const notice = props.notice ? NOTICES[props.notice] : undefined
  return (
    <Layout title={props.title}>
      <link rel="stylesheet" href="/static/manage.css" />
      <nav class="manage-nav" aria-label="Management">
        {SECTIONS.filter((s) => identity && hasRole(identity.role, s.role)).map((s) => (
          <a href={s.href}>{s.label}</a>
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
