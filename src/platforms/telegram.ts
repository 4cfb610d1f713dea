import { HTMLElement, TextNode, parse, type Node } from 'node-html-parser'
import { fetchText, RateLimiter, retryAfterMs, safeUrl, sleep, withRetry, type HttpResponse, type RetryPolicy, type Sleep } from './http.ts'
import {
  PlatformError,
  type CollectOptions,
  type PageOutcome,
  type PageRef,
  type PageSample,
  type Platform,
  type PostSample,
} from './types.ts'

/** How the Telegram platform reaches t.me. Built by the composition root from Config; tests point `baseUrl` at a replay server. */
export interface TelegramOptions {
  /** TELEGRAM_URL, default https://t.me (no trailing slash). */
  baseUrl: string
  /** Pages fetched at once; also the Platform's batchSize. */
  concurrency: number
  /** Per-host pacing between request starts (a RateLimiter of 1000/minIntervalMs per second); 0 = none. */
  minIntervalMs: number
  /** Whole-request deadline, headers and body included. */
  timeoutMs: number
  /** Body limit; default 2 MB (a real t.me/s/ page is ~150 KB). */
  maxBytes?: number
  retry: RetryPolicy
  /** Injectable so tests don't wait for real. */
  sleep?: Sleep
  now?: () => number
}

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024
/** Post links are always the public ones, whatever host we read them from (a mirror, a proxy, a test server). */
const PUBLIC_ORIGIN = 'https://t.me'
const TEXT_LIMIT = 500

/**
 * Telegram channels and public groups, read from the public web pages (no login, no token):
 * `t.me/<name>` for the exact subscriber/member count, `t.me/s/<name>` for the newest posts.
 *
 * Post counters, as far as the preview shows them:
 * - `views`: the abbreviated figure under the post ("8.67M" → 8 670 000), null when absent.
 * - `likes`: the sum of the post's reaction counts when reactions are shown, else null. Paid reactions
 *   (Telegram Stars) are left out: their figure counts Stars sent, not people reacting, so one generous
 *   fan would weigh as thousands of likes. Reaction counts are abbreviated too, so the sum is approximate
 *   for big channels.
 * - `reposts`, `comments`: always null; the preview shows neither.
 */
export function createTelegram(options: TelegramOptions): Platform {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const now = options.now ?? Date.now
  const wait = options.sleep ?? sleep
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const concurrency = Math.max(1, Math.floor(options.concurrency))
  // One limiter for the host, shared by every collect() call of this Platform: pacing is about what
  // t.me sees from this process, not about one batch.
  // A Retry-After longer than any back-off makes every page of the run fail fast (rate_limited, no
  // request) instead of holding the run until then.
  const limiter = new RateLimiter(
    options.minIntervalMs > 0 ? 1000 / options.minIntervalMs : Number.POSITIVE_INFINITY,
    { now, sleep: wait },
    { maxWaitMs: options.retry.maxDelayMs, label: hostOf(baseUrl) },
  )

  // withRetry itself gives up on a Retry-After longer than its longest wait.
  const retryable = (error: PlatformError): boolean =>
    error.kind === 'unavailable' || error.kind === 'bad_response' || error.kind === 'rate_limited'

  /**
   * GETs a t.me URL and reads it with `read`, retrying transient failures (a captcha page is one).
   * Time spent waiting for the host's pacing is added to `cost.waitedMs`.
   */
  function fetchPage<T>(url: string, signal: AbortSignal | undefined, read: (response: HttpResponse) => T, cost: Cost): Promise<T> {
    return withRetry(
      async () => {
        const queued = performance.now()
        await limiter.take(signal)
        cost.waitedMs += performance.now() - queued
        const response = await fetchText(url, {
          timeoutMs: options.timeoutMs,
          maxBytes,
          signal,
          // t.me, 2026-08: the English page says "subscribers"/"members", which is what we parse.
          headers: { accept: 'text/html', 'accept-language': 'en' },
        })
        checkStatus(response, url, now())
        return read(response)
      },
      options.retry,
      { sleep: wait, signal, retryable },
    )
  }

  function checkStatus(response: HttpResponse, url: string, at: number): void {
    const { status } = response
    if (status >= 200 && status < 300) return
    const where = safeUrl(url)
    if (status === 429) {
      const hint = retryAfterMs(response.headers, at)
      // Every page of this Platform slows down, not just the one that was told.
      if (hint !== undefined) limiter.pause(hint)
      const retryAfter = hint === undefined ? {} : { retryAfterMs: hint }
      throw new PlatformError('rate_limited', `${where} answered 429 Too Many Requests`, { status, ...retryAfter })
    }
    if (status >= 500) throw new PlatformError('unavailable', `${where} answered HTTP ${status}`, { status })
    // t.me answers 200 even for names that do not exist, so any other status means something between
    // us and Telegram (a proxy, a wrong TELEGRAM_URL) rather than a verdict on the page.
    throw new PlatformError('bad_response', `${where} answered HTTP ${status}`, { status })
  }

  async function collectPage(ref: PageRef, options: CollectOptions, cost: Cost): Promise<PageOutcome> {
    const { page, renamedTo } = await fetchPage(
      `${baseUrl}/${encodeURIComponent(ref.handle)}`,
      options.signal,
      (response) => ({ page: readPlainPage(response.body, ref.handle), renamedTo: renamedName(response.url, ref.handle, baseUrl) }),
      cost,
    )
    const outcome = await completePage(ref.handle, page, renamedTo, options, cost)
    if (!renamedTo || !outcome.ok) return outcome
    // t.me follows a channel's new name only while it holds the old one free; once someone takes it,
    // the old link counts a stranger. The operator has to know, though the count is good.
    const notice = `t.me/${ref.handle} now redirects to t.me/${renamedTo}: the channel was renamed; counted under the new name. Update its link before someone takes the old name.`
    return ok({ ...outcome.sample, notice })
  }

  /** The rest of a page once its plain page is read: the preview when posts are due. */
  async function completePage(handle: string, page: PlainPage, renamedTo: string | null, { withPosts, signal }: CollectOptions, cost: Cost): Promise<PageOutcome> {
    // A renamed channel's preview lives under its new name: asking there saves a redirect.
    const name = encodeURIComponent(renamedTo ?? handle)
    if (!withPosts) {
      if (page.kind === 'missing') return failed(notFound(handle))
      return ok(sampleOf(page, null))
    }

    // t.me, 2026-08: groups never have a preview (/s/<group> redirects to /<group>); asking would only
    // cost two requests per group and cycle.
    if (page.kind === 'group') {
      return ok({ ...sampleOf(page, null), postsError: new PlatformError('unsupported', 'Telegram shows no public preview of groups') })
    }

    let preview: Preview
    try {
      preview = await fetchPage(`${baseUrl}/s/${name}`, signal, (response) => readPreview(response.body, renamedTo ?? handle), cost)
    } catch (error) {
      const postsError = asPlatformError(error, signal)
      // Without a count from the plain page we cannot tell "missing" from "preview failed this time";
      // report the transient failure rather than a not_found that would eventually pause the page.
      if (page.kind === 'missing') return failed(postsError)
      return ok({ ...sampleOf(page, null), postsError })
    }

    if (preview.kind === 'disabled') {
      if (page.kind === 'missing') return failed(notFound(handle))
      return ok({ ...sampleOf(page, null), postsError: new PlatformError('unsupported', 'the channel has disabled its public preview') })
    }

    if (page.followers !== null) return ok(sampleOf(page, preview.posts, preview.title))
    // The plain page showed no count although the preview proves a live channel (its count hidden, or
    // a page t.me served without it): the preview's rounded counter is better than nothing, and is
    // marked not exact even when it is short ("301") so rounded and exact figures never mix.
    return ok({
      followers: preview.subscribers,
      followersExact: false,
      title: page.title ?? preview.title,
      platformId: null,
      posts: preview.posts,
    })
  }

  return {
    id: 'telegram',
    batchSize: concurrency,
    async collect(pages, collectOptions) {
      const outcomes = new Map<number, PageOutcome>()
      let next = 0
      // A fixed pool of workers, each taking the next page when it is done: at most `concurrency`
      // pages in flight, and one slow page does not hold back a whole wave.
      const worker = async () => {
        while (next < pages.length) {
          const ref = pages[next++]!
          const started = performance.now()
          const cost: Cost = { waitedMs: 0 }
          let outcome: PageOutcome
          try {
            outcome = await collectPage(ref, collectOptions, cost)
          } catch (error) {
            outcome = failed(asPlatformError(error, collectOptions.signal))
          }
          // Time this page cost, its waits for the host's pacing left out: those say nothing about it.
          outcome.elapsedMs = Math.max(0, Math.round(performance.now() - started - cost.waitedMs))
          outcomes.set(ref.id, outcome)
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, pages.length) }, worker))
      return outcomes
    },
  }
}

/**
 * Reads a count as Telegram prints it: exact with thousands separators ("11 286 994", "11,286,994",
 * spaces may be non-breaking or thin) or abbreviated ("826K", "1.4K", "11.3M"). `exact` is false for
 * abbreviated figures. Null for anything else.
 */
export function parseCount(text: string): { value: number; exact: boolean } | null {
  const trimmed = text.trim()
  const abbreviated = /^(\d+)(?:[.,](\d+))?\s?([KMB])$/i.exec(trimmed)
  if (abbreviated) {
    const [, whole = '', fraction = '', suffix = ''] = abbreviated
    const scale = SCALE[suffix.toUpperCase()] ?? 1
    // Integer arithmetic: 8.67 * 1e6 is 8670000.000000001 in floating point.
    const value = Number(whole) * scale + Math.round((Number(fraction || '0') * scale) / 10 ** fraction.length)
    return Number.isSafeInteger(value) ? { value, exact: false } : null
  }
  // Groups of three after the first, one separator kind throughout ("1 234,567" is not a number).
  const grouped = /^\d{1,3}(?:([ \u00a0\u2009\u202f,])\d{3})?(?:\1\d{3})*$/.exec(trimmed)
  if (grouped || /^\d+$/.test(trimmed)) {
    const value = Number(trimmed.replace(/\D/g, ''))
    return Number.isSafeInteger(value) ? { value, exact: true } : null
  }
  return null
}

const SCALE: Record<string, number> = { K: 1_000, M: 1_000_000, B: 1_000_000_000 }

/** Per-page accounting: time spent waiting for the host's pacing (not the page's fault). */
interface Cost {
  waitedMs: number
}

/**
 * The name t.me redirected `handle` to, if it did: a renamed channel. Null when the answer came from
 * the name asked for, or from another site (t.me sends names it refuses to telegram.org).
 */
function renamedName(finalUrl: string, handle: string, baseUrl: string): string | null {
  let path: string
  try {
    const url = new URL(finalUrl)
    if (url.origin !== new URL(baseUrl).origin) return null
    path = url.pathname
  } catch {
    return null
  }
  // The base URL may carry a path prefix (a mirror, a test server): only the last segment is the name.
  const name = /\/([A-Za-z][A-Za-z0-9_]{3,31})\/?$/.exec(path)?.[1]
  if (!name || name.toLowerCase() === handle.toLowerCase()) return null
  return name
}

interface PlainPage {
  /** `missing`: neither a title nor a count, the page t.me shows for a name nobody holds. `unknown`: a title but no count. */
  kind: 'channel' | 'group' | 'unknown' | 'missing'
  title: string | null
  followers: number | null
}

type Preview =
  | { kind: 'disabled' }
  | { kind: 'preview'; title: string | null; subscribers: number | null; posts: PostSample[] }

// t.me, 2026-08: "11 286 994 subscribers" for a channel, "97 957 members, 4 138 online" for a group;
// the separators are spaces. The first figure is the audience, the online one is not.
const AUDIENCE = /^(\d[\d\s,]*?)\s*(subscribers?|members?)\b/i

// t.me, 2026-08: every page ends with </html> (then a "page generated in" comment). A body cut short by a
// proxy or a dying upstream still parses as HTML; without this check, a cut before the subscriber line
// read as "count hidden" and a cut before the title as "no such channel", which pauses the page.
const COMPLETE = /<\/html\s*>/i

function assertComplete(html: string, where: string): void {
  if (!COMPLETE.test(html)) throw new PlatformError('bad_response', `${where} sent an incomplete page (it stops before </html>)`)
}

function readPlainPage(html: string, handle: string): PlainPage {
  assertComplete(html, `t.me/${handle}`)
  const root = parseHtml(html)
  const page = root.querySelector('.tgme_page')
  if (!page) throw new PlatformError('bad_response', `t.me/${handle} did not answer with a Telegram page (a captcha or an error page?)`)
  const title = titleOf(page.querySelector('.tgme_page_title'))
  const extras = page.querySelectorAll('.tgme_page_extra').map((el) => squash(el.text)).filter((text) => text !== '')
  const button = squash(page.querySelector('.tgme_page_action a')?.text ?? '')

  for (const extra of extras) {
    const match = AUDIENCE.exec(extra)
    const count = match ? parseCount(match[1]!) : null
    if (match && count) return { kind: /^member/i.test(match[2]!) ? 'group' : 'channel', title, followers: count.value }
  }
  // t.me, 2026-08: a user's page shows just "@name" with "Send Message" (tme_page_user_nikolai.html).
  // A bot's says "7 618 841 monthly users" with "Start Bot" (t.me, 2026-10, from another project's
  // trimmed markup; no bot page is recorded here). Neither has an audience we can follow.
  if (extras.some((extra) => /monthly users?/i.test(extra)) || /^start bot$/i.test(button)) {
    throw new PlatformError('unsupported', `@${handle} is a Telegram bot, not a channel or group`)
  }
  if (extras.some((extra) => /^@\w+$/.test(extra)) || (title !== null && /^send message$/i.test(button))) {
    throw new PlatformError('unsupported', `@${handle} is a Telegram user account, not a channel or group`)
  }
  if (extras.length > 0) {
    throw new PlatformError('bad_response', `t.me/${handle} shows an audience line publicpulse does not understand: "${extras[0]!.slice(0, 80)}"`)
  }
  return { kind: title === null ? 'missing' : 'unknown', title, followers: null }
}

function readPreview(html: string, handle: string): Preview {
  // The preview lists the oldest post first: a cut drops the newest ones and would pass for a full list.
  assertComplete(html, `t.me/s/${handle}`)
  const root = parseHtml(html)
  if (!root.querySelector('.tgme_channel_history') && !root.querySelector('.tgme_widget_message')) {
    // t.me, 2026-08: a channel that disabled its preview (and every group) redirects /s/<name> to
    // /<name>. Judged by the markup so a plain page served without a redirect counts too, while a
    // captcha stays a (retried) bad_response instead of a permanent "disabled".
    if (root.querySelector('.tgme_page')) return { kind: 'disabled' }
    throw new PlatformError('bad_response', `t.me/s/${handle} did not answer with a channel preview (a captcha or an error page?)`)
  }
  return {
    kind: 'preview',
    title: titleOf(root.querySelector('.tgme_channel_info_header_title') ?? root.querySelector('.tgme_header_title')),
    subscribers: previewSubscribers(root),
    posts: readPosts(root),
  }
}

/** The rounded "11.3M subscribers" counter of a preview. */
function previewSubscribers(root: HTMLElement): number | null {
  for (const counter of root.querySelectorAll('.tgme_channel_info_counter')) {
    const type = squash(counter.querySelector('.counter_type')?.text ?? '')
    if (!/^(subscribers?|members?)$/i.test(type)) continue
    return parseCount(counter.querySelector('.counter_value')?.text ?? '')?.value ?? null
  }
  const header = /^(\S+)\s+(subscribers?|members?)$/i.exec(squash(root.querySelector('.tgme_header_counter')?.text ?? ''))
  return header ? (parseCount(header[1]!)?.value ?? null) : null
}

function readPosts(root: HTMLElement): PostSample[] {
  const posts: PostSample[] = []
  for (const message of root.querySelectorAll('.tgme_widget_message[data-post]')) {
    // data-post is "<name>/<id>" with the channel's own spelling ("DUCKS_POKER/303").
    const ref = message.getAttribute('data-post') ?? ''
    const slash = ref.lastIndexOf('/')
    const channel = ref.slice(0, slash)
    const postId = ref.slice(slash + 1)
    if (slash <= 0 || !/^\d+$/.test(postId)) continue
    // Service messages ("channel created", "pinned a message") carry no date: they are not posts.
    // The date is the one in the footer link; a video's duration is a <time> without datetime.
    const time = message.querySelector('.tgme_widget_message_date time[datetime]') ?? message.querySelector('time[datetime]')
    const publishedMs = Date.parse(time?.getAttribute('datetime') ?? '')
    if (Number.isNaN(publishedMs)) continue
    const views = message.querySelector('.tgme_widget_message_views')
    posts.push({
      postId,
      url: `${PUBLIC_ORIGIN}/${channel}/${postId}`,
      publishedAt: Math.floor(publishedMs / 1000),
      text: messageText(message),
      views: views ? (parseCount(views.text)?.value ?? null) : null,
      likes: reactionSum(message),
      reposts: null,
      comments: null,
    })
  }
  // The preview lists oldest first; ids only grow within a channel, so they order posts for sure.
  return posts.sort((a, b) => Number(b.postId) - Number(a.postId))
}

/** The post's own text: not the quoted text of the message it replies to. */
function messageText(message: HTMLElement): string | null {
  const element = message
    .querySelectorAll('.tgme_widget_message_text')
    .find((candidate) => !hasAncestor(candidate, message, 'tgme_widget_message_reply'))
  if (!element) return null
  const text = plainText(element)
  return text === '' ? null : shorten(text, TEXT_LIMIT)
}

function reactionSum(message: HTMLElement): number | null {
  const container = message.querySelector('.tgme_widget_message_reactions')
  if (!container) return null
  let sum = 0
  for (const reaction of container.querySelectorAll('.tgme_reaction')) {
    if (reaction.classList.contains('tgme_reaction_paid')) continue
    // The emoji sits in a child element (a custom one is an empty <tg-emoji>, a standard one may carry
    // the character): the count is the reaction's own text.
    const own = reaction.childNodes.filter((node): node is TextNode => node instanceof TextNode).map((node) => node.text)
    sum += parseCount(own.join(''))?.value ?? 0
  }
  return sum
}

function parseHtml(html: string): HTMLElement {
  // Scripts and styles are skipped rather than kept as text: nothing is read from them, and <pre> is
  // parsed as markup because a post's code block holds <code> and entities.
  return parse(html, { blockTextElements: { script: false, noscript: false, style: false } })
}

/** The display name inside a title element, without the verified / scam badge next to it. */
function titleOf(element: HTMLElement | null): string | null {
  if (!element) return null
  const name = element.querySelector('span') ?? element
  const text = squash(plainText(name, (el) => el.classList.contains('verified-icon')))
  return text === '' ? null : text
}

const BLOCK_TAGS = new Set(['div', 'p', 'blockquote', 'pre', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'])

/** Text as it reads on screen: entities decoded, <br> and block ends as line breaks, source whitespace collapsed. */
function plainText(element: HTMLElement, skip: (element: HTMLElement) => boolean = () => false): string {
  const parts: string[] = []
  const walk = (node: Node) => {
    for (const child of node.childNodes) {
      if (child instanceof TextNode) {
        parts.push(child.text.replace(/[ \t\r\n]+/g, ' '))
      } else if (child instanceof HTMLElement && !skip(child)) {
        const tag = child.rawTagName.toLowerCase()
        if (tag === 'br') {
          parts.push('\n')
        } else if (BLOCK_TAGS.has(tag)) {
          parts.push('\n')
          walk(child)
          parts.push('\n')
        } else {
          walk(child)
        }
      }
    }
  }
  walk(element)
  return parts
    .join('')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** At most `limit` UTF-16 units, never splitting an emoji's surrogate pair, with "…" when cut. */
function shorten(text: string, limit: number): string {
  if (text.length <= limit) return text
  let out = ''
  for (const char of text) {
    if (out.length + char.length > limit - 1) break
    out += char
  }
  return `${out.trimEnd()}…`
}

function hasAncestor(element: HTMLElement, stop: HTMLElement, className: string): boolean {
  for (let node = element.parentNode; node && node !== stop; node = node.parentNode) {
    if (node.classList.contains(className)) return true
  }
  return false
}

function sampleOf(page: PlainPage, posts: PostSample[] | null, fallbackTitle: string | null = null): PageSample {
  return {
    followers: page.followers,
    followersExact: page.followers !== null,
    title: page.title ?? fallbackTitle,
    platformId: null,
    posts,
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'Telegram'
  }
}

function notFound(handle: string): PlatformError {
  return new PlatformError('not_found', `Telegram has no public channel or group @${handle}`)
}

function asPlatformError(error: unknown, signal: AbortSignal | undefined): PlatformError {
  if (error instanceof PlatformError) return error
  if (signal?.aborted) return new PlatformError('unavailable', 'the collection was cancelled')
  const reason = error instanceof Error ? error.message : String(error)
  return new PlatformError('bad_response', `reading a t.me page failed: ${reason}`)
}

const ok = (sample: PageSample): PageOutcome => ({ ok: true, sample })
const failed = (error: PlatformError): PageOutcome => ({ ok: false, error })
