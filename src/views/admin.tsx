import type { ApiTokenView, UserView } from '../auth/accounts.ts'
import { ROLES, type Role } from '../auth/roles.ts'
import type { AuditRow } from '../db/account-tables.ts'
import { currentI18n } from '../i18n/request.ts'
import { CsrfField } from './csrf-field.tsx'
import { ManageLayout } from './manage-layout.tsx'

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—')

function RoleSelect(props: { name?: string; value?: Role }) {
  return (
    <select name={props.name ?? 'role'} aria-label={currentI18n().t.admin.role}>
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
  const t = currentI18n().t.admin
  return (
    <ManageLayout title={t.usersTitle} notice={props.notice} error={props.error}>
      <h1>{t.usersTitle}</h1>
      {props.oneTime ? (
        <OneTime
          label={t.oneTimeFor(props.oneTime.name)}
          secret={props.oneTime.password}
          note={t.oneTimeNote}
        />
      ) : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t.col.name}</th>
              <th>{t.col.role}</th>
              <th>{t.col.state}</th>
              <th>{t.col.lastLogin}</th>
              <th>{t.col.created}</th>
              <th>{t.col.actions}</th>
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
                      <button type="submit">{t.setRole}</button>
                    </form>
                  )}
                </td>
                <td>{u.disabled ? t.userState.disabled : u.mustChangePassword ? t.userState.oneTime : t.userState.active}</td>
                <td>{when(u.last_login_at)}</td>
                <td>{when(u.created_at)}</td>
                <td class="actions">
                  {u.id === props.selfId ? (
                    <a href="/account">{t.yourAccount}</a>
                  ) : (
                    <>
                      <form method="post" action={`/admin/users/${u.id}/reset-password`} class="inline">
                        <CsrfField />
                        <button type="submit">{t.newOneTime}</button>
                      </form>
                      <form method="post" action={`/admin/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`} class="inline">
                        <CsrfField />
                        <button type="submit">{u.disabled ? t.enable : t.disable}</button>
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
        <h2>{t.addUserHeading}</h2>
        <CsrfField />
        <label>
          {t.name}
          <input name="name" required autocomplete="off" />
        </label>
        <label>
          {t.role}
          <RoleSelect value="operator" />
        </label>
        <ul class="muted small">
          {ROLES.map((r) => (
            <li>
              <strong>{r}</strong>: {t.roles[r]}
            </li>
          ))}
        </ul>
        <button type="submit">{t.addUser}</button>
        <p class="muted small">{t.addUserNote}</p>
      </form>
    </ManageLayout>
  )
}

export function TokensPage(props: { tokens: ApiTokenView[]; notice?: string; error?: string; created?: { name: string; token: string } }) {
  const t = currentI18n().t.admin
  return (
    <ManageLayout title={t.tokensTitle} notice={props.notice} error={props.error}>
      <h1>{t.tokensTitle}</h1>
      {props.created ? (
        <OneTime
          label={t.tokenFor(props.created.name)}
          secret={props.created.token}
          note={t.tokenNote}
        />
      ) : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t.col.name}</th>
              <th>{t.col.role}</th>
              <th>{t.col.token}</th>
              <th>{t.col.created}</th>
              <th>{t.col.lastUsed}</th>
              <th>{t.col.state}</th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((k) => (
              <tr class={k.revoked ? 'muted' : ''}>
                <td>{k.name}</td>
                <td>{k.role}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>
                  {when(k.created_at)}
                  {k.created_by ? <span class="muted small">{t.createdBy(k.created_by)}</span> : null}
                </td>
                <td>{when(k.last_used_at)}</td>
                <td>
                  {k.revoked ? (
                    t.revokedAt(when(k.revoked_at))
                  ) : (
                    <form method="post" action={`/admin/tokens/${k.id}/revoke`} class="inline">
                      <CsrfField />
                      <button type="submit">{t.revoke}</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action="/admin/tokens" class="stack narrow">
        <h2>{t.createTokenHeading}</h2>
        <CsrfField />
        <label>
          {t.tokenName}
          <input name="name" required maxlength={100} autocomplete="off" />
        </label>
        <label>
          {t.role}
          <RoleSelect value="operator" />
        </label>
        <button type="submit">{t.createToken}</button>
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
  const t = currentI18n().t.admin
  return (
    <ManageLayout title={t.auditTitle}>
      <h1>{t.auditTitle}</h1>
      <form method="get" action="/admin/audit" class="filters">
        <label>
          {t.actionStartsWith}
          <input name="action" value={props.filter.action ?? ''} placeholder="page, user.role, token…" />
        </label>
        <label>
          {t.actor}
          <input name="actor" value={props.filter.actor ?? ''} />
        </label>
        <button type="submit">{t.filter}</button>
        <a href={`/admin/audit.csv${exportQuery}`}>{t.exportCsv}</a>
      </form>
      <p class="muted small">
        {t.auditSummary(props.total, props.page, pages)}
      </p>
      <div class="table-wrap">
        <table class="audit">
          <thead>
            <tr>
              <th>{t.auditCol.when}</th>
              <th>{t.auditCol.who}</th>
              <th>{t.auditCol.action}</th>
              <th>{t.auditCol.what}</th>
              <th>{t.auditCol.diff}</th>
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
      <nav class="pager" aria-label={t.pager}>
        {props.page > 1 ? <a href={`/admin/audit${query(props.page - 1)}`}>{t.newer}</a> : null}
        {props.page < pages ? <a href={`/admin/audit${query(props.page + 1)}`}>{t.older}</a> : null}
      </nav>
    </ManageLayout>
  )
}
