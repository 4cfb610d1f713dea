import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * scrypt cost: N = 2^15, r = 8 (32 MiB of memory per hash, ~0.25 s on a 2-core server): memory-hard
 * enough that a stolen hash costs a GPU farm dearly, cheap enough for a login form. Stored with each
 * hash, so raising them later keeps old hashes valid.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 }
const KEY_LENGTH = 32
const SALT_BYTES = 16

export const MIN_PASSWORD_LENGTH = 10
export const MAX_PASSWORD_LENGTH = 200

const derive = (password: string, salt: Buffer, cost: { N: number; r: number; p: number }) =>
  new Promise<Buffer>((resolve, reject) => {
    // maxmem must exceed 128 * N * r; the default (32 MiB) is exactly the need, so leave headroom.
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...cost, maxmem: 256 * cost.N * cost.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })

/** scrypt parameters; a hash records the ones it was made with. */
export type ScryptCost = { N: number; r: number; p: number }

/** Hashes a password: `scrypt$N$r$p$salt$hash`. Runs off the event loop. `cost` defaults to the production one. */
export async function hashPassword(password: string, cost: ScryptCost = COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, cost)
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** Checks a password against a stored hash in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20) return false
  const expected = Buffer.from(parts[5]!, 'base64url')
  if (expected.length !== KEY_LENGTH) return false
  const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N, r, p })
  return timingSafeEqual(key, expected)
}

/** A hash of nothing anyone knows: checked when the account does not exist, so timing does not tell. */
let decoy: Promise<string> | undefined
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(randomBytes(16).toString('hex')))

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, name?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`
  if (password.length > MAX_PASSWORD_LENGTH) return `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`
  if (name && password.toLowerCase().includes(name.toLowerCase())) return 'The password must not contain the user name.'
  return undefined
}

// No 0/O, 1/l/I: one-time passwords are read off a screen and typed.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** A one-time password: 4 groups of 5 characters (about 99 bits), e.g. `k7mqa-x3ppe-...`. */
export function generateOneTimePassword(): string {
  const groups: string[] = []
  for (let g = 0; g < 4; g++) {
    let group = ''
    for (let i = 0; i < 5; i++) group += ALPHABET[randomInt(ALPHABET.length)]
    groups.push(group)
  }
  return groups.join('-')
}
