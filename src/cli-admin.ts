import { createWriteStream, existsSync, readFileSync } from 'node:fs'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { AccountError, createApiToken, createUser, findUserByName, listApiTokens, listUsers, resetPassword, revokeApiToken, roleSchema, setPassword, setUserDisabled, setUserRole } from './auth/accounts.ts'
import { cliActor } from './auth/audit.ts'
import { ROLES } from './auth/roles.ts'
import { BackupError, backupDatabase, restoreDatabase } from './backup.ts'
import type { Config } from './config.ts'
import { migrateToLatest } from './db/migrate.ts'
import { openDb } from './db/open.ts'
import type { Db } from './db/schema.ts'
import { describeZodError } from './http/errors.ts'
import { exportCsv, importCsv, MAX_CSV_BYTES, previewCsv } from './registry-csv.ts'

/** Usage lines of the commands this module runs, appended to the CLI's help. */
export const ADMIN_USAGE = `  users add <name> --role admin|operator|viewer [--prompt]
                     create a user; prints a one-time password (or, with --prompt, asks for one)
  users list         users with their roles and last login
  users reset-password <name>   a new one-time password (ends their sessions)
  users set-role <name> <role>  |  users disable <name>  |  users enable <name>
  tokens create <name> --role admin|operator|viewer   an API token, printed once
  tokens list        |  tokens revoke <id>
  pages import <file.csv> [--dry-run]   register pages from a CSV (url,title,region,category,tags,aliases)
  pages export [--out file] [--excel] [--archived]   the registry as CSV in the same format
  backup <file|folder>   consistent copy of the database, safe while the server runs
  restore <file>     put a backup in place (stop the server first; the current database is kept aside)`

export interface AdminCliIo {
  out: (line: string) => void
  err?: (line: string) => void
  /** Asks for a secret (no echo on a terminal; first line of stdin otherwise). Injectable for tests. */
  readSecret?: (prompt: string) => Promise<string>
}

class UsageError extends Error {}
/** A command that cannot be done as asked (file missing or existing): its message, exit code 1. */
class CommandError extends Error {}

const HANDLED = new Set(['users', 'tokens', 'backup', 'restore'])
const isAdminCommand = (command: string | undefined, sub: string | undefined) =>
  command !== undefined && (HANDLED.has(command) || (command === 'pages' && (sub === 'import' || sub === 'export')))

/**
 * Runs the account, token, registry CSV, backup and restore commands. Returns the exit code, or
 * undefined when the command is not one of these (the main CLI handles it).
 */
export async function runAdminCli(argv: string[], config: Pick<Config, 'databasePath'>, io: AdminCliIo): Promise<number | undefined> {
  const [command, sub, ...rest] = argv
  if (!isAdminCommand(command, sub)) return undefined
  const err = io.err ?? ((line: string) => console.error(line))
  try {
    if (command === 'backup') {
      const args = [sub, ...rest].filter((a): a is string => a !== undefined)
      if (args.length !== 1) throw new UsageError('backup takes one file or folder: publicpulse backup backups/')
      const info = await backupDatabase(config.databasePath, args[0]!)
      io.out(`Backed up to ${info.path}: ${info.pages} pages, ${info.snapshots} snapshots, ${(info.bytes / 1024 / 1024).toFixed(1)} MB, schema ${info.schema}, integrity ok.`)
      return 0
    }
    if (command === 'restore') {
      const args = [sub, ...rest].filter((a): a is string => a !== undefined)
      if (args.length !== 1) throw new UsageError('restore takes the backup file: publicpulse restore backups/publicpulse-20261126-030000.db')
      const result = await restoreDatabase(args[0]!, config.databasePath, cliActor())
      io.out(`Restored ${result.path} into ${config.databasePath}: ${result.pages} pages, ${result.snapshots} snapshots.`)
      if (result.migrated.length) io.out(`Migrated forward: ${result.migrated.join(', ')}.`)
      if (result.previous) io.out(`The database it replaced is kept as ${result.previous}.`)
      return 0
    }
    const db = openDb(config.databasePath)
    try {
      await migrateToLatest(db)
      return await withDb(db, command!, sub, rest, io)
    } finally {
      await db.destroy()
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n\n${ADMIN_USAGE}`)
      return 2
    }
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      err(`${error.message}\n\n${ADMIN_USAGE}`)
      return 2
    }
    if (error instanceof z.ZodError) {
      err(describeZodError(error))
      return 2
    }
    if (error instanceof AccountError || error instanceof BackupError || error instanceof CommandError) {
      err(error.message)
      return 1
    }
    throw error
  }
}

async function withDb(db: Db, command: string, sub: string | undefined, rest: string[], io: AdminCliIo): Promise<number> {
  const actor = cliActor()
  const userNamed = async (name: string | undefined) => {
    if (!name) throw new UsageError(`users ${sub} takes a user name`)
    const user = await findUserByName(db, name)
    if (!user) throw new AccountError(`There is no user named "${name}".`, 404)
    return user
  }

  if (command === 'users') {
    if (sub === 'add') {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { role: { type: 'string' }, prompt: { type: 'boolean' } } })
      if (positionals.length !== 1) throw new UsageError('users add takes one name')
      if (!values.role) throw new UsageError(`users add needs --role (${ROLES.join(', ')})`)
      const role = roleSchema.parse(values.role)
      let password: string | undefined
      if (values.prompt) {
        password = await (io.readSecret ?? readSecret)('Password: ')
        const again = await (io.readSecret ?? readSecret)('Again: ')
        if (password !== again) throw new AccountError('The two passwords differ; nothing was created.')
      }
      const { user, oneTimePassword } = await createUser(db, { name: positionals[0]!, role, password }, actor)
      io.out(`Created ${user.role} "${user.name}" (#${user.id}).`)
      if (oneTimePassword) io.out(`One-time password: ${oneTimePassword}\nIt is shown only now; they choose their own password at first login.`)
      return 0
    }
    if (sub === 'list') {
      const users = await listUsers(db)
      if (users.length === 0) io.out('No users yet. Add one: publicpulse users add <name> --role admin')
      for (const u of users) {
        io.out([`#${u.id}`, u.name.padEnd(24), u.role.padEnd(9), (u.disabled ? 'disabled' : u.mustChangePassword ? 'one-time password' : 'active').padEnd(18), `last login ${u.last_login_at ?? 'never'}`].join('  '))
      }
      return 0
    }
    if (sub === 'reset-password') {
      const user = await userNamed(rest[0])
      const password = await resetPassword(db, user.id, actor)
      io.out(`New one-time password for "${user.name}": ${password}\nTheir sessions have ended; they choose their own password at next login.`)
      return 0
    }
    if (sub === 'set-password') {
      const user = await userNamed(rest[0])
      const password = await (io.readSecret ?? readSecret)('New password: ')
      await setPassword(db, user.id, password, actor)
      io.out(`Password set for "${user.name}"; their sessions have ended.`)
      return 0
    }
    if (sub === 'set-role') {
      const user = await userNamed(rest[0])
      const updated = await setUserRole(db, user.id, roleSchema.parse(rest[1]), actor)
      io.out(`"${updated.name}" is now ${updated.role}.`)
      return 0
    }
    if (sub === 'disable' || sub === 'enable') {
      const user = await userNamed(rest[0])
      await setUserDisabled(db, user.id, sub === 'disable', actor)
      io.out(`"${user.name}" is ${sub}d.`)
      return 0
    }
    throw new UsageError(`unknown command "users ${sub ?? ''}"`)
  }

  if (command === 'tokens') {
    if (sub === 'create') {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { role: { type: 'string' } } })
      if (positionals.length !== 1) throw new UsageError('tokens create takes one name (what the token is for)')
      if (!values.role) throw new UsageError(`tokens create needs --role (${ROLES.join(', ')})`)
      const { token, view } = await createApiToken(db, { name: positionals[0]!, role: roleSchema.parse(values.role) }, actor)
      io.out(`Created ${view.role} token #${view.id} "${view.name}":\n${token}\nIt is shown only now; scripts send it as "Authorization: Bearer <token>".`)
      return 0
    }
    if (sub === 'list') {
      const tokens = await listApiTokens(db)
      if (tokens.length === 0) io.out('No API tokens yet. Create one: publicpulse tokens create <name> --role operator')
      for (const t of tokens) {
        io.out([`#${t.id}`, t.name.padEnd(24), t.role.padEnd(9), `${t.prefix}…`, t.revoked ? `revoked ${t.revoked_at}` : `last used ${t.last_used_at ?? 'never'}`].join('  '))
      }
      return 0
    }
    if (sub === 'revoke') {
      const id = Number(rest[0])
      if (!Number.isSafeInteger(id) || id < 1) throw new UsageError('tokens revoke takes the token number shown by tokens list')
      const view = await revokeApiToken(db, id, actor)
      io.out(`Revoked token #${view.id} "${view.name}": requests with it are refused from now on.`)
      return 0
    }
    throw new UsageError(`unknown command "tokens ${sub ?? ''}"`)
  }

  if (sub === 'import') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { 'dry-run': { type: 'boolean' } } })
    if (positionals.length !== 1) throw new UsageError('pages import takes one CSV file')
    let bytes: Uint8Array
    try {
      bytes = readFileSync(positionals[0]!)
    } catch (error) {
      throw new CommandError(`Cannot read ${positionals[0]}: ${(error as Error).message}`)
    }
    if (bytes.length > MAX_CSV_BYTES) throw new CommandError(`${positionals[0]} is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB; split it.`)
    const dryRun = values['dry-run'] === true
    const result = dryRun ? { ...(await previewCsv(db, bytes)), added: 0, restored: 0 } : await importCsv(db, bytes, actor, new Date(), { fileName: positionals[0] })
    if (result.fileErrors.length) {
      for (const e of result.fileErrors) (io.err ?? console.error)(e)
      return 1
    }
    for (const row of result.rows) if (row.status !== 'ready' && row.status !== 'restore') io.out(`line ${row.line}: skipped (${row.reason}) ${row.url}`)
    const c = result.counts
    const skipped = c.invalid + c.duplicate + c.exists
    io.out(
      dryRun
        ? `Dry run (${result.encoding}, "${result.separator}"): ${c.ready} would be added, ${c.restore} restored, ${skipped} skipped (${c.invalid} invalid, ${c.duplicate} duplicated in the file, ${c.exists} already registered). Nothing was saved.`
        : `Imported ${positionals[0]}: ${result.added} added, ${result.restored} restored, ${skipped} skipped (${c.invalid} invalid, ${c.duplicate} duplicated in the file, ${c.exists} already registered).`,
    )
    return 0
  }

  // pages export
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string' }, excel: { type: 'boolean' }, archived: { type: 'boolean' } } })
  const chunks = exportCsv(db, { separator: values.excel ? ';' : ',', bom: values.excel === true, includeArchived: values.archived === true })
  if (!values.out) {
    for await (const chunk of chunks) process.stdout.write(chunk)
    return 0
  }
  if (existsSync(values.out)) throw new CommandError(`${values.out} exists already; the export never overwrites a file.`)
  const file = createWriteStream(values.out, { flags: 'wx' }) // never overwrites, even in a race
  try {
    for await (const chunk of chunks) if (!file.write(chunk)) await once(file, 'drain')
  } finally {
    file.end()
    await once(file, 'close')
  }
  io.out(`Wrote the registry to ${values.out}.`)
  return 0
}

/** Reads a secret: without echo from a terminal, else the first line of stdin (pipes, scripts). */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) {
    readSecret.lines ??= (async () => {
      const chunks: Buffer[] = []
      for await (const chunk of stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)
    })()
    return (await readSecret.lines).shift() ?? ''
  }
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.resume()
  return new Promise((resolve, reject) => {
    let value = ''
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done()
          process.stderr.write('\n')
          return resolve(value)
        }
        if (ch === '\u0003') {
          done()
          return reject(new AccountError('Cancelled.'))
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else value += ch
      }
    }
    const done = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
    }
    stdin.on('data', onData)
  })
}
readSecret.lines = undefined as Promise<string[]> | undefined
