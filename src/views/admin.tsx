import type { ApiTokenView, UserView } from '../auth/accounts.ts'
import { ROLE_DESCRIPTIONS, ROLES, type Role } from '../auth/roles.ts'
import type { AuditRow } from '../db/account-tables.ts'
import { CsrfField } from './csrf-field.tsx'
import { ManageLayout } from './manage-layout.tsx'

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—')

function RoleSelect(props: { name?: string; value?: Role }) {
  return (
    <select name={props.name ?? 'role'} aria-label="Role">
      {ROLES.map((r) => (
        <option value={r} selected={r === (props.value ?? 'viewer')}>
          {r}
        </option>
      ))}
    </select>
  )
}

/** A secret shown once, right after it was made. */
function OneTime(props: { label: string; secret: string; note: string }) {
  return (
    <div class="secret" role="status">
      <p>{props.label}</p>
      <p>
        <code class="secret-value">{props.secret}</code>
      </p>
      <p class="muted small">{props.note}</p>
    </div>
  )
}

export function UsersPage(props: { users: UserView[]; selfId: number | null; notice?: string; error?: string; oneTime?: { name: string; password: string } }) {
  return (
    <ManageLayout title="Users" notice={props.notice} error={props.error}>
      <h1>Users</h1>
      {props.oneTime ? (
        <OneTime
          label={`One-time password for "${props.oneTime.name}":`}
          secret={props.oneTime.password}
          note="Shown only now. Give it to them through a safe channel; they choose their own password when they first log in."
        />
      ) : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>State</th>
              <th>Last login</th>
              <th>Created</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((u) => (
              <tr>
                <td>{u.name}</td>
                <td>
                  {u.id === props.selfId ? (
                    u.role
                  ) : (
                    <form method="post" action={`/admin/users/${u.id}/role`} class="inline">
                      <CsrfField />
                      <RoleSelect value={u.role} />
                      <button type="submit">Set role</button>
                    </form>
                  )}
                </td>
                <td>{u.disabled ? 'disabled' : u.mustChangePassword ? 'one-time password' : 'active'}</td>
                <td>{when(u.last_login_at)}</td>
                <td>{when(u.created_at)}</td>
                <td class="actions">
                  {u.id === props.selfId ? (
                    <a href="/account">Your account</a>
                  ) : (
                    <>
                      <form method="post" action={`/admin/users/${u.id}/reset-password`} class="inline">
                        <CsrfField />
                        <button type="submit">New one-time password</button>
                      </form>
                      <form method="post" action={`/admin/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`} class="inline">
                        <CsrfField />
                        <button type="submit">{u.disabled ? 'Enable' : 'Disable'}</button>
                      </form>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action="/admin/users" class="stack narrow">
        <h2>Add a user</h2>
        <CsrfField />
        <label>
          Name
          <input name="name" required autocomplete="off" />
        </label>
        <label>
          Role
          <RoleSelect value="operator" />
        </label>
        <ul class="muted small">
          {ROLES.map((r) => (
            <li>
              <strong>{r}</strong>: {ROLE_DESCRIPTIONS[r]}
            </li>
          ))}
        </ul>
        <button type="submit">Add user</button>
        <p class="muted small">A one-time password is shown once; the user sets their own at first login.</p>
      </form>
    </ManageLayout>
  )
}

export function TokensPage(props: { tokens: ApiTokenView[]; notice?: string; error?: string; created?: { name: string; token: string } }) {
  return (
    <ManageLayout title="API tokens" notice={props.notice} error={props.error}>
      <h1>API tokens</h1>
      {props.created ? (
        <OneTime
          label={`API token "${props.created.name}":`}
          secret={props.created.token}
          note='Shown only now; only its digest is stored. Scripts send it as "Authorization: Bearer <token>".'
        />
      ) : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Token</th>
              <th>Created</th>
              <th>Last used</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((t) => (
              <tr class={t.revoked ? 'muted' : ''}>
                <td>{t.name}</td>
                <td>{t.role}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>
                  {when(t.created_at)}
                  {t.created_by ? <span class="muted small"> by {t.created_by}</span> : null}
                </td>
                <td>{when(t.last_used_at)}</td>
                <td>
                  {t.revoked ? (
                    `revoked ${when(t.revoked_at)}`
                  ) : (
                    <form method="post" action={`/admin/tokens/${t.id}/revoke`} class="inline">
                      <CsrfField />
                      <button type="submit">Revoke</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action="/admin/tokens" class="stack narrow">
        <h2>Create a token</h2>
        <CsrfField />
        <label>
          Name (what uses it)
          <input name="name" required maxlength={100} autocomplete="off" />
        </label>
        <label>
          Role
          <RoleSelect value="operator" />
        </label>
        <button type="submit">Create token</button>
      </form>
    </ManageLayout>
  )
}

export function AuditPage(props: { rows: AuditRow[]; total: number; page: number; perPage: number; filter: { action?: string; actor?: string } }) {
  const query = (page: number) => {
    const params = new URLSearchParams()
    if (props.filter.action) params.set('action', props.filter.action)
    if (props.filter.actor) params.set('actor', props.filter.actor)
    if (page > 1) params.set('page', String(page))
    const s = params.toString()
    return s ? `?${s}` : ''
  }
  const pages = Math.max(1, Math.ceil(props.total / props.perPage))
  const exportQuery = query(1)
  return (
    <ManageLayout title="Audit log">
      <h1>Audit log</h1>
      <form method="get" action="/admin/audit" class="filters">
        <label>
          Action starts with
          <input name="action" value={props.filter.action ?? ''} placeholder="page, user.role, token…" />
        </label>
        <label>
          Actor
          <input name="actor" value={props.filter.actor ?? ''} />
        </label>
        <button type="submit">Filter</button>
        <a href={`/admin/audit.csv${exportQuery}`}>Export CSV</a>
      </form>
      <p class="muted small">
        {props.total} entries · page {props.page} of {pages}
      </p>
      <div class="table-wrap">
        <table class="audit">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>What</th>
              <th>Before → after</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td class="nowrap">{when(r.at)}</td>
                <td>
                  {r.actor}
                  {r.address ? <div class="muted small">{r.address}</div> : null}
                </td>
                <td>
                  <code>{r.action}</code>
                </td>
                <td>{r.summary}</td>
                <td class="diff">
                  {r.before ? <div class="before">{r.before}</div> : null}
                  {r.after ? <div class="after">{r.after}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        {props.page > 1 ? <a href={`/admin/audit${query(props.page - 1)}`}>← Newer</a> : null}
        {props.page < pages ? <a href={`/admin/audit${query(props.page + 1)}`}>Older →</a> : null}
      </nav>
    </ManageLayout>
  )
}
