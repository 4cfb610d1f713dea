import type { Generated, Selectable } from 'kysely'

// Tables of migration 0006 (accounts, sessions, API tokens, audit log), listed in Database (schema.ts).
// ISO-8601 UTC text times: low volume, readable.

export interface UsersTable {
  id: Generated<number>
  name: string
  role: string
  /** `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url parts). */
  password_hash: string
  must_change_password: Generated<0 | 1>
  disabled: Generated<0 | 1>
  created_at: string
  password_changed_at: string | null
  last_login_at: string | null
}

export interface SessionsTable {
  /** SHA-256 hex of the cookie value; the value itself is never stored. */
  id: string
  user_id: number
  csrf_token: string
  created_at: string
  last_seen_at: string
  expires_at: string
  address: string | null
  user_agent: string | null
}

export interface ApiTokensTable {
  id: Generated<number>
  name: string
  role: string
  /** SHA-256 hex of the token. */
  token_hash: string
  prefix: string
  created_by: string | null
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
  revoked_by: string | null
}

export interface AuditLogTable {
  id: Generated<number>
  at: string
  actor: string
  actor_kind: string
  actor_id: number | null
  action: string
  target_type: string | null
  target_id: string | null
  summary: string
  /** JSON. */
  before: string | null
  /** JSON. */
  after: string | null
  address: string | null
}

export type UserRow = Selectable<UsersTable>
export type ApiTokenRow = Selectable<ApiTokensTable>
export type AuditRow = Selectable<AuditLogTable>
