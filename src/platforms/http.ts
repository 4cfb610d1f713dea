import { PlatformError } from './types.ts'

export const USER_AGENT = 'publicpulse/0.1 (+self-hosted audience tracker of official public pages)'

export interface HttpResponse {
  status: number
  /** The URL after redirects. */
  url: string
  headers: Headers
  body: string
}

export interface FetchTextOptions {
  /** Whole-request deadline, headers and body included. */
  timeoutMs: number
  /** Bodies larger than this are refused as `bad_response` (protects memory from a hostile answer). */
  maxBytes: number
  signal?: AbortSignal
  headers?: Record<string, string>
  method?: 'GET' | 'POST'
  body?: string
  /** Follow redirects (default). `manual` lets a caller see the 3xx itself. */
  redirect?: 'follow' | 'manual'
}

/** Why a request failed before its answer could be judged; each caller words it for its own readers. */
export type FetchFailure =
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'cancelled' }
  /** `connect`: nothing came back (refused, unreachable); `body`: the connection broke after the headers. */
  | { kind: 'network'; phase: 'connect' | 'body'; reason: string }
  /** The body is (`declared`) or grew past `maxBytes`. */
  | { kind: 'too_large'; maxBytes: number; declared?: number }

export interface RawResponse {
  status: number
  statusText: string
  /** The URL after redirects. */
  url: string
  headers: Headers
  body: Buffer
}

/**
 * The one HTTP client of publicpulse (platforms and news feeds): a whole-request deadline, the body
 * read under a size limit (declared or streamed), and every network-level failure handed to `fail`
 * as a FetchFailure, so each caller throws its own error type with its own words. `readBody` may skip
 * the body of answers the caller will not read (an error status), without counting it against the limit.
 */
export async function fetchBytes(
  url: string,
  options: FetchTextOptions & { readBody?: (status: number) => boolean },
  fail: (failure: FetchFailure) => Error,
): Promise<RawResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  const failure = (error: unknown, phase: 'connect' | 'body'): Error => {
    if (timeout.aborted) return fail({ kind: 'timeout', timeoutMs: options.timeoutMs })
    if (options.signal?.aborted || (error as Error)?.name === 'AbortError') return fail({ kind: 'cancelled' })
    const cause = (error as { cause?: { code?: string; message?: string } })?.cause
    return fail({ kind: 'network', phase, reason: cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error) })
  }
  let response: Response
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: { 'user-agent': USER_AGENT, ...options.headers },
      body: options.body,
      redirect: options.redirect ?? 'follow',
      signal,
    })
  } catch (error) {
    throw failure(error, 'connect')
  }
  const answer = (body: Buffer): RawResponse => ({ status: response.status, statusText: response.statusText, url: response.url || url, headers: response.headers, body })
  if (options.readBody && !options.readBody(response.status)) {
    await response.body?.cancel().catch(() => {})
    return answer(Buffer.alloc(0))
  }
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw fail({ kind: 'too_large', maxBytes: options.maxBytes, declared })
  }
  if (!response.body) return answer(Buffer.alloc(0))
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch (error) {
      throw failure(error, 'body')
    }
    if (chunk.done) break
    size += chunk.value.byteLength
    if (size > options.maxBytes) {
      await reader.cancel().catch(() => {})
      throw fail({ kind: 'too_large', maxBytes: options.maxBytes })
    }
    chunks.push(chunk.value)
  }
  return answer(Buffer.concat(chunks))
}

/**
 * GET/POST a URL and read its body as text, turning every network-level failure into a PlatformError
 * of kind `unavailable` with a readable message. Status codes are left to the caller, except that the
 * message never includes the query string (it may carry an access token).
 */
export async function fetchText(url: string, options: FetchTextOptions): Promise<HttpResponse> {
  const where = safeUrl(url)
  const raw = await fetchBytes(url, options, (f) => platformFailure(f, where))
  return { status: raw.status, url: raw.url, headers: raw.headers, body: new TextDecoder('utf-8').decode(raw.body) }
}

function platformFailure(f: FetchFailure, where: string): PlatformError {
  switch (f.kind) {
    case 'timeout':
      return new PlatformError('unavailable', `${where} did not answer within ${f.timeoutMs} ms`)
    case 'cancelled':
      return new PlatformError('unavailable', `request to ${where} was cancelled`)
    case 'network':
      return f.phase === 'body'
        ? new PlatformError('unavailable', `the connection to ${where} broke while reading the answer (${f.reason})`)
        : new PlatformError('unavailable', `could not reach ${where}: ${f.reason}`)
    case 'too_large':
      return f.declared !== undefined
        ? new PlatformError('bad_response', `${where} answered with ${f.declared} bytes, more than the ${f.maxBytes} allowed`)
        : new PlatformError('bad_response', `${where} sent more than the ${f.maxBytes} bytes allowed`)
  }
}

/** The URL without its query string: safe for messages and logs (VK puts the token in the query). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date); undefined if absent or bad. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

/** A real timer-based sleep that ends early (rejecting) when the signal aborts. */
export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/**
 * Spaces calls so that at most `perSecond` start in any second: one limiter per credential, shared by
 * every call made with it in this process. Calls queue in order (FIFO).
 *
 * `pause()` records a platform's "come back later". When that pause reaches further than `maxWaitMs`
 * ahead, `take()` refuses at once with a `rate_limited` PlatformError instead of sleeping: a
 * `Retry-After: 3600` must not hold a run (and every later tick) for an hour, and asking earlier would
 * only earn another refusal.
 */
export class RateLimiter {
  private next = 0
  private pausedUntil = 0
  /** Counts pause() calls, so a caller can tell one came while it slept. */
  private pauses = 0
  private readonly intervalMs: number

  constructor(
    perSecond: number,
    private readonly clock: { now(): number; sleep: Sleep } = { now: () => Date.now(), sleep },
    private readonly limits: { maxWaitMs?: number; label?: string; margin?: number } = {},
  ) {
    this.intervalMs = (1000 / perSecond) * (1 + (limits.margin ?? 0))
  }

  /** Resolves when the caller may start its request; throws `rate_limited` if a long pause is in force. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.clock.now()
      const paused = this.pausedUntil - now
      if (this.limits.maxWaitMs !== undefined && paused > this.limits.maxWaitMs) {
        throw new PlatformError(
          'rate_limited',
          `${this.limits.label ?? 'the platform'} asked publicpulse to wait ${Math.ceil(paused / 1000)} s more before its next request; not asked again until then`,
          { retryAfterMs: paused },
        )
      }
      const at = Math.max(now, this.next)
      this.next = at + this.intervalMs
      const pauses = this.pauses
      // Timers have millisecond resolution: a wait shorter than that is not worth a timer.
      if (at - now >= 1) await this.clock.sleep(at - now, signal)
      // A pause that came while this caller waited for its slot (another request got a 429) holds it
      // back too: it queues again behind the pause instead of going out on its old slot.
      if (this.pauses === pauses || this.clock.now() >= this.pausedUntil) {
        // Timers fire late, never early: space the next call from when this one really starts, or a
        // late start followed by an on-time one squeezes four calls into VK's one second.
        this.next = Math.max(this.next, this.clock.now() + this.intervalMs)
        return
      }
    }
  }

  /** Pushes every later call back by `ms` (after the platform said "too many requests"). */
  pause(ms: number): void {
    const until = this.clock.now() + ms
    this.next = Math.max(this.next, until)
    this.pausedUntil = Math.max(this.pausedUntil, until)
    this.pauses++
  }
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number
  /** First back-off; doubles each time, with full jitter. */
  baseDelayMs: number
  maxDelayMs: number
}

/**
 * Runs `fn` again after transient failures (as `retryable` decides), waiting an exponentially growing
 * delay with jitter: attempt n waits between half and all of `baseDelayMs * 2^(n-1)`, capped at
 * `maxDelayMs`, so the waits grow from one attempt to the next and many clients refused at once do not
 * come back in step. A platform's own hint (`retryAfterMs`: Retry-After, VK's "too many per second") is a
 * floor under that wait; a hint longer than `maxDelayMs` ends the attempts at once, since asking before
 * it has passed only earns another refusal. Permanent failures are thrown at once.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: { sleep?: Sleep; signal?: AbortSignal; random?: () => number; retryable: (error: PlatformError) => boolean },
): Promise<T> {
  const wait = options.sleep ?? sleep
  const random = options.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (!(error instanceof PlatformError) || !options.retryable(error) || attempt >= policy.attempts) throw error
      if (options.signal?.aborted) throw error
      const hint = error.details.retryAfterMs
      if (hint !== undefined && hint > policy.maxDelayMs) throw error
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
      const jittered = backoff / 2 + random() * (backoff / 2)
      await wait(Math.min(policy.maxDelayMs, Math.max(hint ?? 0, jittered)), options.signal)
    }
  }
}
