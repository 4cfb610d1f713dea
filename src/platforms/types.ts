/** The platforms publicpulse can collect from. Stored as `pages.platform`. */
export type PlatformId = 'vk' | 'telegram'

export const PLATFORM_IDS: readonly PlatformId[] = ['vk', 'telegram']

/**
 * Why a page could not be collected. Stored as the page's status, so every kind must read well to an
 * operator on its own.
 * - `not_found`: the page does not exist (any more): deleted, banned, unknown name.
 * - `private`: it exists but its audience is hidden: closed group, private profile, access denied.
 * - `unsupported`: it exists but is not something we can count (a Telegram user or bot, a channel
 *   without a public preview when posts were asked for).
 * - `rate_limited`: the platform asked us to slow down or hit a quota; try again later.
 * - `unavailable`: network failure, timeout, 5xx: the platform did not answer properly this time.
 * - `bad_response`: the platform answered, but not in a shape we understand (garbage HTML, truncated JSON).
 * - `auth`: the credential was refused (VK error 5); affects every page of the platform.
 * - `not_configured`: the platform needs a credential that is not set (VK_TOKEN).
 */
export type PlatformErrorKind =
  | 'not_found'
  | 'private'
  | 'unsupported'
  | 'rate_limited'
  | 'unavailable'
  | 'bad_response'
  | 'auth'
  | 'not_configured'

/** Kinds after which trying again soon may succeed; the others say something about the page or the setup. */
export const TRANSIENT_KINDS: ReadonlySet<PlatformErrorKind> = new Set(['rate_limited', 'unavailable', 'bad_response'])

/** Kinds that describe the page itself; repeated ones eventually pause the page. */
export const PERMANENT_KINDS: ReadonlySet<PlatformErrorKind> = new Set(['not_found', 'private', 'unsupported'])

/** A typed failure of a platform call. `message` is a sentence for the operator; it never contains secrets. */
export class PlatformError extends Error {
  override readonly name = 'PlatformError'
  constructor(
    readonly kind: PlatformErrorKind,
    message: string,
    readonly details: { code?: number; retryAfterMs?: number; status?: number } = {},
  ) {
    super(message)
  }
}

/** What a collector needs to know about a registered page. */
export interface PageRef {
  /** publicpulse's own page id. */
  id: number
  platform: PlatformId
  /** Normalised handle as parsed from the link: `durov`, `club123`, `id1`, `apiclub`. */
  handle: string
  /** The platform's own id once known (VK numeric group/user id as text), else null. */
  platformId: string | null
}

/** One recent post with its counters as read now. Missing counters are null, never 0. */
export interface PostSample {
  /** The platform's id of the post within the page (`539` for t.me/durov/539, `111721` for a VK wall post). */
  postId: string
  url: string
  /** Unix seconds. */
  publishedAt: number
  /** Plain text, possibly shortened; untrusted. */
  text: string | null
  views: number | null
  likes: number | null
  reposts: number | null
  comments: number | null
}

/** What one page looks like right now. */
export interface PageSample {
  /** Followers / subscribers / members; null when the platform does not show it. */
  followers: number | null
  /** False when the platform only showed a rounded figure ("11.3M"). */
  followersExact: boolean
  /** The page's display name on the platform; untrusted. */
  title: string | null
  /** The platform's stable id, when learned (VK numeric id). */
  platformId: string | null
  /** Posts read this time, newest first; null when posts were not fetched (other cadence, no preview). */
  posts: PostSample[] | null
  /** Why posts could not be read although the count could (closed wall, preview disabled); else undefined. */
  postsError?: PlatformError
  /**
   * Something the operator should know although the count is good, as a sentence (a Telegram name that
   * now redirects to another: the channel was renamed); else undefined. Untrusted parts are plain text.
   */
  notice?: string
}

/**
 * One page's result. `elapsedMs` is the time spent on this page alone, waits for its turn excluded,
 * when the platform can tell (Telegram fetches page by page); VK answers hundreds of pages in one
 * call, so it leaves it out and the collector shares the batch's time among the batch's pages.
 */
export type PageOutcome = ({ ok: true; sample: PageSample } | { ok: false; error: PlatformError }) & { elapsedMs?: number }

export interface CollectOptions {
  /** Fetch recent posts as well as the follower count. */
  withPosts: boolean
  /** Aborts in-flight requests (shutdown). */
  signal?: AbortSignal
}

/**
 * One social network. Each platform module exports a factory that returns this; the collector only
 * ever talks to this interface.
 */
export interface Platform {
  readonly id: PlatformId
  /** How many pages `collect` takes at once (VK: a `groups.getById` batch; Telegram: its concurrency). */
  readonly batchSize: number
  /**
   * Collects a batch of pages. Never throws for a single page's failure: each page gets its own outcome.
   * May throw a PlatformError of kind `auth`/`not_configured` only by returning it for every page.
   */
  collect(pages: readonly PageRef[], options: CollectOptions): Promise<Map<number, PageOutcome>>
}
