/** Failed-login limits: at most `perAccount` failures for one account name and `perAddress` from one
 * address within `windowMs`; further attempts are refused without checking the password. */
export interface ThrottleLimits {
  perAccount: number
  perAddress: number
  windowMs: number
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 }

/** Most keys remembered; beyond it the oldest are forgotten (bounded memory under a spray of names). */
const MAX_KEYS = 50_000

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; scope: 'account' | 'address' }

/**
 * Counts login attempts per account and per address in a sliding window, in memory (one server process;
 * a restart forgets, which only ever shortens a lock-out). Each attempt counts as a failure from the
 * moment it is allowed, before its password is checked, so a burst of simultaneous guesses gets no more
 * tries than a slow one; a success then clears the account's count. `now` is injectable for tests.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>()

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an attempt for `account` from `address` may be checked; an allowed one is counted at once. */
  attempt(account: string, address: string): ThrottleVerdict {
    const at = this.now()
    const byAccount = this.recent(`a:${account.toLowerCase()}`, at)
    if (byAccount.length >= this.limits.perAccount) return this.refuse(byAccount, at, 'account')
    const byAddress = this.recent(`i:${address}`, at)
    if (byAddress.length >= this.limits.perAddress) return this.refuse(byAddress, at, 'address')
    this.record(`a:${account.toLowerCase()}`, byAccount, at)
    this.record(`i:${address}`, byAddress, at)
    return { allowed: true }
  }

  /** A successful login clears the account's failures (not the address's: one good password must not
   * reset a spray against other accounts from the same address). */
  succeed(account: string): void {
    this.failures.delete(`a:${account.toLowerCase()}`)
  }

  private record(key: string, list: number[], at: number): void {
    list.push(at)
    this.failures.delete(key) // re-insert: Map order is then oldest-touched first
    this.failures.set(key, list)
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!)
  }

  private recent(key: string, at: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > at - this.limits.windowMs)
    if (list.length === 0) this.failures.delete(key)
    return list
  }

  private refuse(list: number[], at: number, scope: 'account' | 'address'): ThrottleVerdict {
    const limit = scope === 'account' ? this.limits.perAccount : this.limits.perAddress
    // The attempt becomes possible again when the failure that filled the window leaves it.
    const freeAt = list[list.length - limit]! + this.limits.windowMs
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - at) / 1000)), scope }
  }
}
