import { type Kysely, sql } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
//
// Operators and their traces. Low volume, so times are ISO-8601 UTC text (readable in a shell).
// Secrets are never stored: passwords as scrypt hashes, session ids and API tokens as SHA-256 digests
// (both are 256 random bits, so a fast digest is enough; a stolen database yields no usable credential).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull().unique().modifyEnd(sql`collate nocase`))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0)) // one-time password given
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('password_changed_at', 'text')
    .addColumn('last_login_at', 'text')
    .addCheckConstraint('users_role_check', sql`role in ('admin', 'operator', 'viewer')`)
    .execute()

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey()) // SHA-256 hex of the cookie value
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('user_agent', 'text')
    .execute()
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute()
  await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute()

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique()) // SHA-256 hex
    .addColumn('prefix', 'text', (c) => c.notNull()) // first characters, to recognise a token in a list
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .addCheckConstraint('api_tokens_role_check', sql`role in ('admin', 'operator', 'viewer')`)
    .execute()

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull()) // who, as shown: user name, token name, "cli (root)"
    .addColumn('actor_kind', 'text', (c) => c.notNull()) // session | token | bootstrap | cli | anonymous
    .addColumn('actor_id', 'integer') // users.id or api_tokens.id; no foreign key: the trail outlives them
    .addColumn('action', 'text', (c) => c.notNull()) // page.create, user.role, token.revoke, http.post ...
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('before', 'text') // JSON of the changed fields before an edit
    .addColumn('after', 'text') // JSON of the same fields after it
    .addColumn('address', 'text')
    .execute()
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute()
  await db.schema.createIndex('audit_log_target_idx').on('audit_log').columns(['target_type', 'target_id']).execute()

  // Page management: a category for the registry, archiving (hidden, history kept) and deleting while
  // keeping history (a tombstone: registering the link again brings the page back with its history).
  await db.schema.alterTable('pages').addColumn('category', 'text').execute()
  await db.schema.alterTable('pages').addColumn('archived_at', 'text').execute()
  await db.schema.alterTable('pages').addColumn('deleted_at', 'text').execute()
  await db.schema.createIndex('pages_category_idx').on('pages').column('category').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('pages_category_idx').execute()
  for (const column of ['deleted_at', 'archived_at', 'category']) await db.schema.alterTable('pages').dropColumn(column).execute()
  for (const table of ['audit_log', 'api_tokens', 'sessions', 'users']) await db.schema.dropTable(table).execute()
}
