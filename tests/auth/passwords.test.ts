import { describe, expect, it } from 'vitest'
import { generateOneTimePassword, hashPassword, passwordProblem, verifyPassword } from '../../src/auth/passwords.ts'
import { LoginThrottle } from '../../src/auth/throttle.ts'

describe('password hashing', () => {
  it('stores scrypt with its parameters and a fresh salt, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery staple')
    const b = await hashPassword('correct horse battery staple')
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
    expect(a).not.toBe(b)
    expect(a).not.toContain('horse')
    expect(await verifyPassword('correct horse battery staple', a)).toBe(true)
    expect(await verifyPassword('correct horse battery stapler', a)).toBe(false)
    expect(await verifyPassword('', a)).toBe(false)
  })

  it('never matches a malformed or foreign hash', async () => {
    for (const stored of ['', 'plain', 'scrypt$1$2$3', 'bcrypt$10$abc$def$ghi$jkl', 'scrypt$99999999$8$1$AAAA$BBBB', 'scrypt$32768$8$1$AAAA$short']) {
      expect(await verifyPassword('x', stored), stored).toBe(false)
    }
  })

  it('refuses short passwords and ones containing the user name', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/)
    expect(passwordProblem('olga-is-the-best', 'Olga')).toMatch(/user name/)
    expect(passwordProblem('x'.repeat(201))).toMatch(/at most 200/)
    expect(passwordProblem('a fine long passphrase', 'olga')).toBeUndefined()
  })

  it('makes one-time passwords that are easy to type and never repeat', () => {
    const seen = new Set(Array.from({ length: 200 }, generateOneTimePassword))
    expect(seen.size).toBe(200)
    for (const p of seen) expect(p).toMatch(/^[a-hjkmnp-z2-9]{5}(-[a-hjkmnp-z2-9]{5}){3}$/)
  })
})

describe('LoginThrottle', () => {
  it('blocks an account after 5 attempts in 15 minutes and frees it as the window slides', () => {
    let now = 0
    const throttle = new LoginThrottle(undefined, () => now)
    for (let i = 0; i < 5; i++) {
      expect(throttle.attempt('Olga', `10.0.0.${i}`).allowed).toBe(true)
      now += 60_000
    }
    expect(throttle.attempt('olga', '10.0.0.200')).toEqual({ allowed: false, scope: 'account', retryAfterSeconds: 600 }) // the first leaves at 15:00
    now = 15 * 60_000 + 1
    expect(throttle.attempt('olga', '10.0.0.200').allowed).toBe(true)
  })

  it('counts an attempt before its password is checked, so a burst gets no more tries than a trickle', () => {
    const throttle = new LoginThrottle(undefined, () => 0)
    const burst = Array.from({ length: 12 }, (_, i) => throttle.attempt('olga', `10.0.${i}.1`).allowed)
    expect(burst.filter(Boolean)).toHaveLength(5)
  })

  it('blocks an address after 20 attempts whatever the names, and a success clears only the account', () => {
    let now = 0
    const throttle = new LoginThrottle(undefined, () => now)
    for (let i = 0; i < 20; i++) expect(throttle.attempt(`user${i}`, '192.0.2.1').allowed).toBe(true)
    expect(throttle.attempt('fresh', '192.0.2.1')).toMatchObject({ allowed: false, scope: 'address' })
    expect(throttle.attempt('fresh', '192.0.2.2').allowed).toBe(true)
    throttle.succeed('user1')
    expect(throttle.attempt('user1', '192.0.2.1')).toMatchObject({ allowed: false, scope: 'address' })
    now += 15 * 60_000
    expect(throttle.attempt('fresh', '192.0.2.1').allowed).toBe(true)
  })
})
