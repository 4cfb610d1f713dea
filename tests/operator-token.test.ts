import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dataDirOf, resolveOperatorToken } from '../src/operator-token.ts'
import { tempDir } from './helpers/db.ts'

describe('resolveOperatorToken()', () => {
  it('generates a strong token on first start, keeps it with mode 0600, and reuses it after', () => {
    const dir = join(tempDir(), 'data')
    const first = resolveOperatorToken(undefined, dir)
    expect(first).toMatchObject({ source: 'file', created: true, path: join(dir, 'operator-token') })
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/) // 256 random bits
    expect(statSync(first.path!).mode & 0o777).toBe(0o600)
    expect(readFileSync(first.path!, 'utf8').trim()).toBe(first.token)
    const again = resolveOperatorToken(undefined, dir)
    expect(again).toMatchObject({ token: first.token, created: false })
  })

  it('prefers OPERATOR_TOKEN and then writes no file', () => {
    const dir = tempDir()
    expect(resolveOperatorToken('my-own-operator-token', dir)).toEqual({ token: 'my-own-operator-token', source: 'env', created: false })
    expect(() => statSync(join(dir, 'operator-token'))).toThrow()
  })

  it('replaces an unusable token file and tightens its mode', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'operator-token'), 'short\n', { mode: 0o644 })
    const result = resolveOperatorToken(undefined, dir)
    expect(result.created).toBe(true)
    expect(statSync(join(dir, 'operator-token')).mode & 0o777).toBe(0o600)
  })

  it('keeps the token next to the database file', () => {
    expect(dataDirOf('/srv/publicpulse/db/p.db')).toBe('/srv/publicpulse/db')
  })
})
