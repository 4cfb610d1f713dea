import {
  fetchText,
  RateLimiter,
  retryAfterMs,
  sleep as realSleep,
  withRetry,
  type RetryPolicy,
  type Sleep,
} from './http.ts'
import {
  PERMANENT_KINDS,
  PlatformError,
  type CollectOptions,
  type PageOutcome,
  type PageRef,
  type PageSample,
  type Platform,
  type PostSample,
} from './types.ts'

/** How publicpulse talks to the VK API. Built by config.ts; tests point `apiUrl` at a replay server. */
export interface VkOptions {
  /**
   * One or more access tokens (service or user); empty → every page gets PlatformError('not_configured',
   * 'VK_TOKEN not set'). Several are used in turn; each token has its own RateLimiter.
   */
  tokens: readonly string[]
  /** e.g. `https://api.vk.com/method` (no trailing slash). */
  apiUrl: string
  /** API version sent as `v`; default `5.199`. */
  apiVersion?: string
  /** Per token: 3 for user and service tokens (VK's limit). */
  requestsPerSecond: number
  /** Ids per `groups.getById` / `users.get` call (500 is the common practice); also the platform's batchSize. */
  groupsBatchSize: number
  /** `wall.get` count (20 is a sensible default, VK allows up to 100). */
  postsPerPage: number
  timeoutMs: number
  retry: RetryPolicy
  /** Injectable so tests don't wait for real; also the RateLimiter's clock. */
  sleep?: Sleep
  /** Millisecond clock for the limiters, Retry-After and the daily quota (tests pass a fake one with `sleep`). */
  now?: () => number
}

const DEFAULT_API_VERSION = '5.199'
/** Extra spacing between calls with one token (see createVk): 3.6 %, so 3 calls span 1,036 ms, not 1,000. */
const VK_SPACING_MARGIN = 0.036
const DAY_MS = 86_400_000
/** wall.get with 100 posts and attachments stays well under this; it only guards memory. */
const MAX_BODY_BYTES = 16 * 1024 * 1024
const POST_TEXT_CHARS = 500
const ERROR_MSG_CHARS = 300
/** Handles the link parser produces for numeric pages. public/event are normalised to club already. */
const GROUP_HANDLE = /^(?:club|public|event)([1-9][0-9]*)$/
const USER_HANDLE = /^id([1-9][0-9]*)$/
const SCREEN_NAME = /^[a-z0-9_.]{1,64}$/
/** VK error codes worth another try with the same token: too many requests/s, flood control, internal error. */
const TRANSIENT_VK_CODES: ReadonlySet<number> = new Set([6, 9, 10])

type Target = { kind: 'group'; id: number } | { kind: 'user'; id: number }
type CountMethod = 'groups.getById' | 'users.get'
type PostsResult = { ok: true; posts: PostSample[] } | { ok: false; error: PlatformError }

interface TokenSlot {
  readonly token: string
  readonly limiter: RateLimiter
  /** Set after VK error 5: the token is not used again in this process. */
  retired: PlatformError | null
  /** Method → the UTC day on which VK said its daily quota (error 29) was used up. */
  readonly spent: Map<string, { day: number; error: PlatformError }>
  /** Tail of this token's request queue: calls with one token never overlap. */
  tail: Promise<unknown>
}

/** The VK platform: counts from groups.getById / users.get, posts from wall.get. */
export function createVk(options: VkOptions): Platform {
  const apiUrl = options.apiUrl.replace(/\/+$/, '')
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION
  const sleep = options.sleep ?? realSleep
  const now = options.now ?? (() => Date.now())
  const batchSize = Math.max(1, Math.floor(options.groupsBatchSize))
  const tokens = options.tokens.filter((token) => token.length > 0)
  const slots: TokenSlot[] = tokens.map((token) => ({
    token,
    // A pause asked for (HTTP 429 Retry-After) longer than any back-off fails this token's calls fast.
    // A few ms more than the exact 1000/3 spacing: requests reach VK with some jitter, and one late
    // arrival followed by an on-time one puts four calls in its one-second window (the bench's
    // simulator answered error 6 to 40 of 260 calls without this margin).
    limiter: new RateLimiter(options.requestsPerSecond, { now, sleep }, { maxWaitMs: options.retry.maxDelayMs, label: 'VK', margin: VK_SPACING_MARGIN }),
    retired: null,
    spent: new Map(),
    tail: Promise.resolve(),
  }))
  let cursor = 0

  /** VK may echo parameters in its messages; the token must never reach a log or the UI. */
  const redact = (text: string): string => tokens.reduce((out, token) => out.split(token).join('[token]'), text)

  const toPlatformError = (error: unknown, signal?: AbortSignal): PlatformError => {
    if (error instanceof PlatformError) return error
    if (signal?.aborted) return new PlatformError('unavailable', 'The VK request was cancelled before it finished.')
    const reason = error instanceof Error ? error.message : String(error)
    return new PlatformError('bad_response', redact(`VK's answer could not be processed: ${reason}`))
  }

  /** The next token that may call `method` now (round robin), or the reason none may. */
  const pickSlot = (method: string): TokenSlot => {
    const day = Math.floor(now() / DAY_MS)
    let quota: PlatformError | undefined
    let auth: PlatformError | undefined
    for (let i = 0; i < slots.length; i++) {
      const index = (cursor + i) % slots.length
      const slot = slots[index]!
      if (slot.retired) {
        auth = slot.retired
        continue
      }
      const spent = slot.spent.get(method)
      if (spent && spent.day === day) {
        quota = spent.error
        continue
      }
      cursor = (index + 1) % slots.length
      return slot
    }
    throw quota ?? auth ?? new PlatformError('not_configured', 'VK_TOKEN not set')
  }

  const exclusive = <T>(slot: TokenSlot, fn: () => Promise<T>): Promise<T> => {
    const run = slot.tail.then(fn, fn)
    slot.tail = run.catch(() => {})
    return run
  }

  /** One HTTP request with one token. Throws a PlatformError for every failure, VK's body errors included. */
  const attempt = async (slot: TokenSlot, method: string, params: Record<string, string>, signal?: AbortSignal) => {
    if (signal?.aborted) throw new PlatformError('unavailable', 'The VK request was cancelled before it started.')
    await slot.limiter.take(signal)
    // POST keeps the token out of URLs (proxy and server logs); fetchText only ever reports safeUrl(url).
    const response = await fetchText(`${apiUrl}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...params, access_token: slot.token, v: apiVersion }).toString(),
      timeoutMs: options.timeoutMs,
      maxBytes: MAX_BODY_BYTES,
      signal,
    })
    if (response.status === 429) {
      const wait = retryAfterMs(response.headers, now())
      slot.limiter.pause(wait ?? 1000)
      throw new PlatformError(
        'rate_limited',
        `VK answered ${method} with HTTP 429 (too many requests)${wait === undefined ? '' : `; it asked to wait ${Math.ceil(wait / 1000)} s`}.`,
        wait === undefined ? { status: 429 } : { status: 429, retryAfterMs: wait },
      )
    }
    if (response.status >= 500) {
      throw new PlatformError('unavailable', `VK answered ${method} with HTTP ${response.status}; its servers are having trouble.`, {
        status: response.status,
      })
    }
    let json: unknown
    let parsed = true
    try {
      json = JSON.parse(response.body)
    } catch {
      parsed = false
    }
    // VK reports errors in the body with HTTP 200: detect them from the body, not the status.
    if (parsed && isRecord(json) && isRecord(json.error)) {
      const error = vkError(method, json.error, redact)
      if (error.details.code === 6) slot.limiter.pause(1000)
      throw error
    }
    if (response.status < 200 || response.status > 299) {
      throw new PlatformError('bad_response', `VK answered ${method} with HTTP ${response.status} instead of an API answer.`, {
        status: response.status,
      })
    }
    if (!parsed && /^\s*</.test(response.body)) {
      // A captcha wall, a proxy's "too many requests" or an error page, served with HTTP 200.
      throw new PlatformError('bad_response', `VK answered ${method} with an HTML page, not valid JSON (a captcha or an error page?).`)
    }
    if (!parsed) {
      throw new PlatformError(
        'bad_response',
        `VK answered ${method} with a body that is not valid JSON (${response.body.length} characters; truncated or not an API answer).`,
      )
    }
    if (!isRecord(json) || !('response' in json)) {
      throw new PlatformError('bad_response', `VK answered ${method} with JSON that has neither "response" nor "error".`)
    }
    return json.response
  }

  /**
   * Calls a VK method with retries on transient failures, switching tokens when one is refused (error 5,
   * retired for good) or has used up the method's daily quota (error 29, skipped until the next UTC day).
   */
  const call = async (method: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> => {
    for (;;) {
      const slot = pickSlot(method)
      try {
        return await withRetry(() => exclusive(slot, () => attempt(slot, method, params, signal)), options.retry, {
          sleep,
          signal,
          retryable: isRetryable,
        })
      } catch (error) {
        const failure = toPlatformError(error, signal)
        if (failure.details.code === 5) {
          slot.retired ??= failure
          continue
        }
        if (failure.details.code === 29) {
          slot.spent.set(method, { day: Math.floor(now() / DAY_MS), error: failure })
          continue
        }
        throw failure
      }
    }
  }

  const resolveScreenName = async (name: string, signal?: AbortSignal): Promise<Target> => {
    const response = await call('utils.resolveScreenName', { screen_name: name }, signal)
    // Unknown names come back as `{"response": []}`.
    if (!isRecord(response) || response.type === undefined) {
      throw new PlatformError('not_found', `VK does not know the screen name "${name}".`)
    }
    const id = toCount(response.object_id)
    if (!id) throw new PlatformError('bad_response', `VK resolved the screen name "${name}" without a usable object id.`)
    switch (response.type) {
      case 'group':
      case 'page':
      case 'event':
        return { kind: 'group', id }
      case 'user':
        return { kind: 'user', id }
      case 'application':
      case 'vk_app':
        throw new PlatformError('unsupported', `The VK screen name "${name}" belongs to an application, not to a page.`)
      default: {
        const type = typeof response.type === 'string' && /^[a-z_]{1,32}$/.test(response.type) ? response.type : 'something'
        throw new PlatformError('unsupported', `The VK screen name "${name}" belongs to a ${type}, not to a page publicpulse can count.`)
      }
    }
  }

  /** Fills `out` with one outcome per id; splits the batch when VK refuses it for a page-level reason. */
  const countChunk = async (method: CountMethod, ids: number[], out: Map<number, PageOutcome>, signal?: AbortSignal) => {
    const params: Record<string, string> =
      method === 'groups.getById'
        ? { group_ids: ids.join(','), fields: 'members_count' }
        : { user_ids: ids.join(','), fields: 'followers_count' }
    let response: unknown
    try {
      response = await call(method, params, signal)
    } catch (error) {
      const failure = toPlatformError(error, signal)
      // Error 100 (or any other page-level refusal) for a batch may come from a single bad id: halve the
      // batch until the bad ids are isolated, so the others still get counts.
      if (ids.length > 1 && PERMANENT_KINDS.has(failure.kind)) {
        const half = Math.ceil(ids.length / 2)
        await countChunk(method, ids.slice(0, half), out, signal)
        await countChunk(method, ids.slice(half), out, signal)
        return
      }
      for (const id of ids) out.set(id, { ok: false, error: failure })
      return
    }
    const items = method === 'groups.getById' ? groupItems(response) : Array.isArray(response) ? response : null
    if (!items) {
      const failure = new PlatformError('bad_response', `VK answered ${method} in a shape publicpulse does not understand.`)
      for (const id of ids) out.set(id, { ok: false, error: failure })
      return
    }
    const byId = new Map<number, Record<string, unknown>>()
    for (const item of items) if (isRecord(item) && toCount(item.id)) byId.set(toCount(item.id)!, item)
    for (const id of ids) {
      const item = byId.get(id)
      if (method === 'groups.getById') {
        out.set(id, item ? groupOutcome(id, item) : fail('not_found', `VK did not return group ${id}; it does not exist or was removed.`))
      } else {
        out.set(id, item ? userOutcome(id, item) : fail('not_found', `VK did not return user ${id}; the page does not exist.`))
      }
    }
  }

  const countAll = async (method: CountMethod, ids: number[], signal?: AbortSignal) => {
    const out = new Map<number, PageOutcome>()
    for (let start = 0; start < ids.length; start += batchSize) {
      await countChunk(method, ids.slice(start, start + batchSize), out, signal)
    }
    return out
  }

  const readPosts = async (ownerId: string, signal?: AbortSignal): Promise<PostSample[]> => {
    const response = await call('wall.get', { owner_id: ownerId, count: String(options.postsPerPage) }, signal)
    if (!isRecord(response) || !Array.isArray(response.items)) {
      throw new PlatformError('bad_response', `VK answered wall.get for ${ownerId} without a list of posts.`)
    }
    const posts = response.items.flatMap((item) => {
      const post = toPost(item, ownerId)
      return post ? [post] : []
    })
    // A pinned post comes first whatever its age: order by date so "newest first" holds.
    return posts.sort((a, b) => b.publishedAt - a.publishedAt || Number(b.postId) - Number(a.postId))
  }

  const collectCounts = async (pages: readonly PageRef[], outcomes: Map<number, PageOutcome>, signal?: AbortSignal) => {
    const targets = new Map<number, Target>()
    const toResolve = new Map<string, PageRef[]>()
    for (const page of pages) {
      const known = targetFromPlatformId(page.platformId) ?? targetFromHandle(page.handle)
      if (known) targets.set(page.id, known)
      else if (SCREEN_NAME.test(page.handle)) toResolve.set(page.handle, [...(toResolve.get(page.handle) ?? []), page])
      else outcomes.set(page.id, fail('not_found', `"${page.handle.slice(0, 80)}" is not a VK page name.`))
    }
    for (const [name, refs] of toResolve) {
      try {
        const target = await resolveScreenName(name, signal)
        for (const ref of refs) targets.set(ref.id, target)
      } catch (error) {
        const failure = toPlatformError(error, signal)
        for (const ref of refs) outcomes.set(ref.id, { ok: false, error: failure })
      }
    }
    const idsOf = (kind: Target['kind']) => [...new Set([...targets.values()].filter((t) => t.kind === kind).map((t) => t.id))]
    const groups = await countAll('groups.getById', idsOf('group'), signal)
    const users = await countAll('users.get', idsOf('user'), signal)
    for (const [pageId, target] of targets) {
      const outcome = (target.kind === 'group' ? groups : users).get(target.id)
      if (!outcome) continue
      outcomes.set(pageId, outcome.ok ? { ok: true, sample: { ...outcome.sample } } : outcome)
    }
  }

  const collectPosts = async (pages: readonly PageRef[], outcomes: Map<number, PageOutcome>, signal?: AbortSignal) => {
    const byOwner = new Map<string, PostsResult>()
    for (const page of pages) {
      const outcome = outcomes.get(page.id)
      if (!outcome?.ok || outcome.sample.platformId === null) continue
      const owner = outcome.sample.platformId
      let result = byOwner.get(owner)
      if (!result) {
        try {
          result = { ok: true, posts: await readPosts(owner, signal) }
        } catch (error) {
          // The count is already good: keep it and say why the posts are missing.
          result = { ok: false, error: toPlatformError(error, signal) }
        }
        byOwner.set(owner, result)
      }
      const sample: PageSample = result.ok
        ? { ...outcome.sample, posts: result.posts.map((post) => ({ ...post })) }
        : { ...outcome.sample, posts: null, postsError: result.error }
      outcomes.set(page.id, { ok: true, sample })
    }
  }

  return {
    id: 'vk',
    batchSize,
    async collect(pages: readonly PageRef[], collectOptions: CollectOptions): Promise<Map<number, PageOutcome>> {
      const outcomes = new Map<number, PageOutcome>()
      if (slots.length === 0) {
        const failure = new PlatformError('not_configured', 'VK_TOKEN not set')
        for (const page of pages) outcomes.set(page.id, { ok: false, error: failure })
        return outcomes
      }
      const { signal } = collectOptions
      try {
        await collectCounts(pages, outcomes, signal)
        if (collectOptions.withPosts) await collectPosts(pages, outcomes, signal)
      } catch (error) {
        // Only a bug gets here; it must not cost the other platforms their run.
        const failure = toPlatformError(error, signal)
        for (const page of pages) if (!outcomes.has(page.id)) outcomes.set(page.id, { ok: false, error: failure })
      }
      for (const page of pages) {
        if (!outcomes.has(page.id)) outcomes.set(page.id, fail('bad_response', 'publicpulse could not match VK’s answer to this page.'))
      }
      return outcomes
    },
  }
}

/** Maps VK's `{"error": {...}}` body to a PlatformError whose message names the code. */
function vkError(method: string, raw: Record<string, unknown>, redact: (text: string) => string): PlatformError {
  const code = typeof raw.error_code === 'number' ? raw.error_code : Number(raw.error_code)
  const text = typeof raw.error_msg === 'string' && raw.error_msg.trim() ? raw.error_msg.trim() : 'no message'
  const msg = redact(text.length > ERROR_MSG_CHARS ? `${text.slice(0, ERROR_MSG_CHARS)}…` : text)
  if (!Number.isInteger(code)) return new PlatformError('bad_response', `VK answered ${method} with an error without a code: ${msg}`)
  const why = `(error ${code}: ${msg})`
  switch (code) {
    case 5:
      return new PlatformError('auth', `VK rejected the access token ${why}`, { code })
    case 6:
      return new PlatformError('rate_limited', `VK refused ${method}: too many requests per second ${why}`, { code, retryAfterMs: 1000 })
    case 9:
      return new PlatformError('rate_limited', `VK's flood control refused ${method} ${why}`, { code })
    case 10:
      return new PlatformError('unavailable', `VK had an internal error while answering ${method} ${why}`, { code })
    case 14:
      return new PlatformError('rate_limited', `VK asks for a captcha before answering ${method} ${why}`, { code })
    case 29:
      return new PlatformError('rate_limited', `VK's daily quota for ${method} is used up ${why}`, { code })
    case 15:
    case 30:
    case 203:
    case 260:
      return new PlatformError('private', `VK denies access to this page ${why}`, { code })
    case 18:
      return new PlatformError('not_found', `VK says this page was deleted or banned ${why}`, { code })
    case 100:
    case 113:
      return new PlatformError('not_found', `VK does not know this page ${why}`, { code })
    default:
      return new PlatformError('bad_response', `VK answered ${method} with error ${code}: ${msg}`, { code })
  }
}

/** VK codes 6/9/10, HTTP 429/5xx, network failures and unreadable bodies are worth another try. */
function isRetryable(error: PlatformError): boolean {
  if (error.details.code !== undefined) return TRANSIENT_VK_CODES.has(error.details.code)
  if (error.details.status !== undefined) return error.details.status === 429 || error.details.status >= 500
  return error.kind === 'unavailable' || error.kind === 'bad_response'
}

/** 5.199 answers `{groups: [...], profiles: [...]}`; versions up to 5.131 answered a bare array. */
function groupItems(response: unknown): unknown[] | null {
  if (Array.isArray(response)) return response
  if (isRecord(response) && Array.isArray(response.groups)) return response.groups
  return null
}

function groupOutcome(id: number, item: Record<string, unknown>): PageOutcome {
  if (item.deactivated) {
    const how = item.deactivated === 'deleted' ? 'was deleted' : item.deactivated === 'banned' ? 'was banned' : 'is deactivated'
    return fail('not_found', `VK group ${how}.`)
  }
  const count = toCount(item.members_count)
  const closed = Number(item.is_closed)
  if (count === null && (closed === 1 || closed === 2)) {
    return fail('private', `VK group is ${closed === 1 ? 'closed' : 'private'} and does not show its member count.`)
  }
  return ok({ followers: count, title: text(item.name), platformId: `-${id}` })
}

function userOutcome(id: number, item: Record<string, unknown>): PageOutcome {
  if (item.deactivated) {
    const how = item.deactivated === 'deleted' ? 'was deleted' : item.deactivated === 'banned' ? 'was banned' : 'is deactivated'
    return fail('not_found', `VK user page ${how}.`)
  }
  // users.get answers followers_count when asked; older answers carried counters.followers.
  const count = toCount(item.followers_count) ?? (isRecord(item.counters) ? toCount(item.counters.followers) : null)
  if (count === null && (item.is_closed === true || item.is_closed === 1)) {
    return fail('private', 'VK user page is private and does not show its followers.')
  }
  const name = [text(item.first_name), text(item.last_name)].filter(Boolean).join(' ')
  return ok({ followers: count, title: name || null, platformId: String(id) })
}

function toPost(item: unknown, ownerId: string): PostSample | null {
  if (!isRecord(item)) return null
  const id = toCount(item.id)
  const date = toCount(item.date)
  if (!id || date === null) return null
  const owner = typeof item.owner_id === 'number' && Number.isInteger(item.owner_id) ? String(item.owner_id) : ownerId
  const body = typeof item.text === 'string' ? item.text : ''
  const chars = Array.from(body)
  return {
    postId: String(id),
    // Always the public link, whatever apiUrl points at.
    url: `https://vk.com/wall${owner}_${id}`,
    publishedAt: date,
    text: body.trim() ? (chars.length > POST_TEXT_CHARS ? chars.slice(0, POST_TEXT_CHARS).join('') : body) : null,
    // views is absent on many posts (2021–2025 samples): null, never 0.
    views: counter(item.views),
    likes: counter(item.likes),
    reposts: counter(item.reposts),
    comments: counter(item.comments),
  }
}

function targetFromPlatformId(platformId: string | null): Target | null {
  if (!platformId || !/^-?[1-9][0-9]*$/.test(platformId)) return null
  const n = Number(platformId)
  return n < 0 ? { kind: 'group', id: -n } : { kind: 'user', id: n }
}

function targetFromHandle(handle: string): Target | null {
  const group = GROUP_HANDLE.exec(handle)
  if (group) return { kind: 'group', id: Number(group[1]) }
  const user = USER_HANDLE.exec(handle)
  if (user) return { kind: 'user', id: Number(user[1]) }
  return null
}

function ok(fields: { followers: number | null; title: string | null; platformId: string }): PageOutcome {
  return { ok: true, sample: { ...fields, followersExact: fields.followers !== null, posts: null } }
}

function fail(kind: PlatformError['kind'], message: string): PageOutcome {
  return { ok: false, error: new PlatformError(kind, message) }
}

function counter(value: unknown): number | null {
  return isRecord(value) ? toCount(value.count) : null
}

/** A non-negative integer from a number or a numeric string (VK sends both); else null. */
function toCount(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : NaN
  return Number.isSafeInteger(n) && n >= 0 ? n : null
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value : null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
