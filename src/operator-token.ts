import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/** Folder of the database file (where the generated operator token lives too). */
export const dataDirOf = (databasePath: string): string =>
  databasePath === ':memory:' || databasePath.startsWith('file:') ? resolve('data') : dirname(resolve(databasePath))

/**
 * The operator token: OPERATOR_TOKEN if set; otherwise the one kept in `<data dir>/operator-token`,
 * generated (256 random bits) with mode 0600 on first start. Returns where it came from, never logs it.
 */
export function resolveOperatorToken(configured: string | undefined, dataDir: string): { token: string; source: 'env' | 'file'; path?: string; created: boolean } {
  if (configured) return { token: configured, source: 'env', created: false }
  const path = join(dataDir, 'operator-token')
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim()
    if (token.length >= 16) return { token, source: 'file', path, created: false }
  }
  mkdirSync(dataDir, { recursive: true })
  const token = randomBytes(32).toString('base64url')
  writeFileSync(path, `${token}\n`, { mode: 0o600 })
  chmodSync(path, 0o600) // an existing (unusable) file keeps its old mode otherwise
  return { token, source: 'file', path, created: true }
}
