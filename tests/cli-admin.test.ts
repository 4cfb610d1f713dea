import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { findApiToken } from '../src/auth/accounts.ts'
import { verifyPassword } from '../src/auth/passwords.ts'
import { runAdminCli } from '../src/cli-admin.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { openDb } from '../src/db/open.ts'
import { tempDir } from './helpers/db.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

function cli(databasePath: string, secrets: string[] = []) {
  return async (...args: string[]) => {
    const out: string[] = []
    const err: string[] = []
    const code = await runAdminCli(args, { databasePath }, { out: (l) => out.push(l), err: (l) => err.push(l), readSecret: async () => secrets.shift() ?? '' })
    return { code, out: out.join('\n'), err: err.join('\n') }
  }
}

describe('publicpulse CLI for accounts, tokens and the registry CSV', () => {
  it('adds users with a one-time password or a typed one, and manages roles, passwords and tokens', async () => {
    const path = join(tempDir(), 'cli.db')
    const run = cli(path, ['a typed long password', 'a typed long password', 'one', 'two'])
    const added = await run('users', 'add', 'olga', '--role', 'operator')
    expect(added.code).toBe(0)
    const password = /One-time password: ([a-z0-9-]{23})/.exec(added.out)![1]!
    expect(await run('users', 'add', 'adam', '--role', 'admin', '--prompt')).toMatchObject({ code: 0, out: 'Created admin "adam" (#2).' })
    expect(await run('users', 'add', 'ivan', '--role', 'viewer', '--prompt')).toMatchObject({ code: 1, err: 'The two passwords differ; nothing was created.' })
    expect(await run('users', 'add', 'Olga', '--role', 'viewer')).toMatchObject({ code: 1, err: 'A user named "Olga" exists already.' })
    expect(await run('users', 'add', 'x', '--role', 'operator')).toMatchObject({ code: 2, err: expect.stringMatching(/name must be 2–40 letters/) })
    expect(await run('users', 'add', 'ivan', '--role', 'root')).toMatchObject({ code: 2, err: 'role must be one of viewer, operator, admin' })
    expect(await run('users', 'add', 'ivan')).toMatchObject({ code: 2, err: expect.stringMatching(/needs --role/) })

    const db = openDb(path)
    await migrateToLatest(db)
    const users = await db.selectFrom('users').selectAll().orderBy('id').execute()
    expect(users.map((u) => [u.name, u.role, u.must_change_password])).toEqual([['olga', 'operator', 1], ['adam', 'admin', 0]])
    expect(await verifyPassword(password, users[0]!.password_hash)).toBe(true)
    expect(await verifyPassword('a typed long password', users[1]!.password_hash)).toBe(true)

    expect((await run('users', 'list')).out).toMatch(/#2 +adam +admin +active +last login never\n#1 +olga +operator +one-time password +last login never/)
    expect(await run('users', 'set-role', 'olga', 'viewer')).toMatchObject({ code: 0, out: '"olga" is now viewer.' })
    const reset = await run('users', 'reset-password', 'olga')
    expect(reset.out).toMatch(/New one-time password for "olga": [a-z0-9-]{23}/)
    expect(await run('users', 'disable', 'nobody')).toMatchObject({ code: 1, err: 'There is no user named "nobody".' })

    const token = await run('tokens', 'create', 'nightly import', '--role', 'operator')
    const value = /\n(ppt_[\w-]{43})\n/.exec(token.out)![1]!
    expect((await findApiToken(db, value))?.name).toBe('nightly import')
    expect((await run('tokens', 'list')).out).toMatch(/#1 +nightly import +operator +ppt_\S{6}… +last used/)
    expect(await run('tokens', 'revoke', '1')).toMatchObject({ code: 0, out: 'Revoked token #1 "nightly import": requests with it are refused from now on.' })
    expect(await run('tokens', 'revoke', '1')).toMatchObject({ code: 1, err: expect.stringMatching(/already revoked/) })
    expect(await findApiToken(db, value)).toBeUndefined()

    const audit = (await db.selectFrom('audit_log').select(['action', 'actor']).orderBy('id').execute()).map((a) => a.action)
    expect(audit).toEqual(['user.create', 'user.create', 'user.role', 'user.password_reset', 'token.create', 'token.revoke'])
    await db.destroy()
  })

  it('imports a CSV (dry run first) and exports the registry without overwriting files', async () => {
    const dir = tempDir()
    const path = join(dir, 'cli.db')
    const run = cli(path)
    const csv = join(dir, 'pages.csv')
    writeFileSync(csv, 'url;title;region\nhttps://t.me/durov;Дуров;Москва\nhttps://example.com;x;\n@durov;;\n')
    const dry = await run('pages', 'import', csv, '--dry-run')
    expect(dry.code).toBe(0)
    expect(dry.out).toMatch(/line 3: skipped \(example\.com is not a supported platform.*\) https:\/\/example\.com/)
    expect(dry.out).toMatch(/line 4: skipped \(the same page as line 2\) @durov/)
    expect(dry.out).toMatch(/Dry run \(UTF-8, ";"\): 1 would be added, 0 restored, 2 skipped \(1 invalid, 1 duplicated in the file, 0 already registered\)\. Nothing was saved\./)
    expect((await run('pages', 'import', csv)).out).toMatch(/Imported .*pages\.csv: 1 added, 0 restored, 2 skipped/)
    expect(await run('pages', 'import', join(dir, 'missing.csv'))).toMatchObject({ code: 1, err: expect.stringMatching(/Cannot read .*missing\.csv/) })
    writeFileSync(join(dir, 'bad.csv'), 'link\nx\n')
    expect(await run('pages', 'import', join(dir, 'bad.csv'))).toMatchObject({ code: 1, err: expect.stringMatching(/Unknown column "link"/) })

    const out = join(dir, 'export.csv')
    expect(await run('pages', 'export', '--out', out)).toMatchObject({ code: 0 })
    expect(readFileSync(out, 'utf8')).toBe('url,title,region,category,tags,aliases\r\nhttps://t.me/durov,Дуров,Москва,,,\r\n')
    expect(await run('pages', 'export', '--out', out)).toMatchObject({ code: 1, err: expect.stringMatching(/export\.csv exists already; the export never overwrites a file/) })
  })

  it('reads the password from stdin when not on a terminal (the publicpulse bin, piped)', async () => {
    const dir = tempDir()
    const databasePath = join(dir, 'bin.db')
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [join(root, 'bin/publicpulse.js'), 'users', 'add', 'anna', '--role', 'operator', '--prompt'], { cwd: dir, env: { ...process.env, DATABASE_PATH: databasePath } }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      )
      child.stdin!.end('piped secret phrase\npiped secret phrase\n')
    })
    expect(result).toMatchObject({ code: 0, stdout: 'Created operator "anna" (#1).\n' })
    const db = openDb(databasePath)
    const user = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow()
    expect(await verifyPassword('piped secret phrase', user.password_hash)).toBe(true)
    expect(user.must_change_password).toBe(0)
    await db.destroy()
  })
})
