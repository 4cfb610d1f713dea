import { domainToUnicode } from 'node:url'
import type { PlatformId } from './types.ts'

/** A pasted page link reduced to what identifies the page. Two links to the same page parse to equal values. */
export interface ParsedLink {
  platform: PlatformId
  /**
   * Normalised, lower-case handle: a Telegram @username (`durov`), a VK screen name (`apiclub`), `club<N>` for
   * VK group N (also pasted as `public<N>` or `event<N>`) or `id<N>` for VK user N.
   */
  handle: string
  /** The canonical link rebuilt from the handle: `https://vk.com/<handle>` or `https://t.me/<handle>`. */
  url: string
}

/** A pasted link publicpulse cannot register. `message` is one sentence for the operator, quoting the input. */
export class LinkError extends Error {
  override readonly name = 'LinkError'
}

/** Longer input is refused before any parsing: no page link comes close. */
export const MAX_LINK_LENGTH = 2048

const QUOTE_LENGTH = 64

const VK_HOSTS = new Set(['vk.com', 'm.vk.com', 'vk.ru', 'm.vk.ru'])
const TELEGRAM_HOSTS = new Set(['t.me', 'telegram.me', 'telegram.dog'])

const SUPPORTED = 'publicpulse tracks VK (vk.com) and Telegram (t.me) pages'
const PRIVATE_TELEGRAM = 'only public channels and groups with a @username can be tracked'

/** VK screen names: latin letters, digits, `_` and `.`; at least one letter so `..` or `123` are not names. */
const VK_SCREEN_NAME = /^[a-z0-9_.]{2,32}$/
/** Telegram usernames (case-insensitive): 4–32 chars, 4 being the shortest collectible ones sold since 2022. */
const TELEGRAM_NAME = /^[a-z][a-z0-9_]{3,31}$/

/** `<kind><owner>_<id>` links to one item of a page; negative owners are groups, positive ones users. */
const VK_ITEMS: Record<string, string> = {
  wall: 'a post',
  photo: 'a photo',
  video: 'a video',
  clip: 'a clip',
  album: 'a photo album',
  topic: 'a discussion',
  audio: 'a track',
  doc: 'a document',
  product: 'a product',
  story: 'a story',
  poll: 'a poll',
  note: 'a note',
  podcast: 'a podcast episode',
}

/** `<kind><owner>` links to one section of a page. */
const VK_SECTIONS: Record<string, string> = {
  wall: 'wall',
  photos: 'photos',
  albums: 'photo albums',
  videos: 'videos',
  clips: 'clips',
  audios: 'music',
  docs: 'documents',
  market: 'shop',
  board: 'discussions',
  podcasts: 'podcasts',
}

/** First path segments of vk.com that are the site's own screens, not somebody's page. */
const VK_SERVICE = new Set([
  'feed', 'im', 'mail', 'groups', 'search', 'friends', 'settings', 'login', 'logout', 'join', 'restore', 'apps',
  'app', 'audio', 'audios', 'video', 'videos', 'music', 'market', 'doc', 'docs', 'photos', 'albums', 'clips',
  'clip', 'stories', 'bookmarks', 'fave', 'notifications', 'edit', 'support', 'help', 'dev', 'about', 'terms',
  'privacy', 'blog', 'jobs', 'ads', 'games', 'gifts', 'stickers', 'services', 'vkpay', 'podcasts', 'calls',
  'discover', 'wall', 'page', 'pages', 'board', 'topic', 'id', 'club', 'public', 'event', 'write', 'away',
])

/** First path segments of t.me that are Telegram features, not a channel, group or bot (`c`, `s`, `+` and
 * `joinchat` have their own handling). */
const TELEGRAM_SERVICE = new Set([
  'addstickers', 'addemoji', 'addtheme', 'addlist', 'share', 'msg', 'proxy', 'socks', 'setlanguage', 'iv',
  'login', 'confirmphone', 'bg', 'invoice', 'contact', 'm', 'giftcode', 'boost',
])

/**
 * Parses a link an operator pasted into the platform and normalised handle of the page it names. Accepts
 * links with or without scheme, `www.`, mobile hosts, trailing slashes, query strings and fragments, and
 * Telegram `@name`. Throws LinkError, with a sentence saying what to paste instead, for anything else:
 * other sites, posts, private invites, service screens, bare words, malformed input.
 */
export function parsePageLink(input: string): ParsedLink {
  // Links copied from messengers often carry invisible marks (zero-width space, LRM) around them.
  const text = (typeof input === 'string' ? input : '').replace(/^[\s\u200B-\u200F\u2060]+|[\s\u200B-\u200F\u2060]+$/g, '')
  if (text === '') throw new LinkError('Paste a link to a VK or Telegram page.')
  if (text.length > MAX_LINK_LENGTH) {
    throw new LinkError(
      `${quote(text)} is too long for a page link (${text.length.toLocaleString('en-US')} characters, the limit is ${MAX_LINK_LENGTH.toLocaleString('en-US')}); paste just the page's address.`,
    )
  }
  if (/\s/.test(text)) throw new LinkError(`${quote(text)} contains spaces or line breaks; paste one link at a time, without spaces.`)
  if (text.startsWith('@')) return telegramPage(text.slice(1), text)

  const url = toUrl(text)
  if (url.username !== '' || url.password !== '') {
    throw new LinkError(`${quote(text)} has a user name or password in it; paste the page's address as the browser shows it.`)
  }
  let host = url.hostname.replace(/\.$/, '')
  if (host.startsWith('www.')) host = host.slice(4)
  const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeSegment)
  if (VK_HOSTS.has(host)) return vkPath(segments, text)
  if (TELEGRAM_HOSTS.has(host)) return telegramPath(segments, text)
  if (!host.includes('.') && !host.includes(':')) throw noPlatform(text, host)
  throw new LinkError(`${domainToUnicode(url.hostname) || url.hostname} is not a supported platform: ${SUPPORTED}.`)
}

function toUrl(text: string): URL {
  let candidate = text
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)
  if (text.startsWith('//')) {
    candidate = `https:${text}`
  } else if (scheme && !/^\d/.test(text.slice(scheme[0].length))) {
    // `vk.com:443/x` also matches the scheme pattern; a digit after the colon makes it a port instead.
    const name = scheme[1]!.toLowerCase()
    if (name !== 'http' && name !== 'https') {
      throw new LinkError(`${quote(text)} is not a web link; paste a link that starts with https://, or just vk.com/… or t.me/….`)
    }
  } else {
    if (!/[./:]/.test(text)) throw noPlatform(text, text)
    candidate = `https://${text}`
  }
  try {
    return new URL(candidate)
  } catch {
    throw new LinkError(`${quote(text)} is not a complete link; paste the page's full address, e.g. https://t.me/durov.`)
  }
}

function vkPath(segments: string[], text: string): ParsedLink {
  const [first, ...rest] = segments
  if (first === undefined) throw new LinkError(`${quote(text)} does not name a page; paste the page's own link, e.g. https://vk.com/durov.`)
  const name = first.toLowerCase()

  const item = /^([a-z]+)(-?\d+)(?:_(\d+))?$/.exec(name)
  if (item) {
    const [, kind = '', owner = ''] = item
    const isItem = item[3] !== undefined
    const what = isItem ? VK_ITEMS[kind] : VK_SECTIONS[kind]
    if (what !== undefined) {
      const page = vkOwnerPage(kind, owner)
      const instead = page ? `paste the page's own link (${page})` : `paste the page's own link instead`
      const says = isItem ? `links to ${what}, not a page` : `links to the ${what} of a page, not the page itself`
      throw new LinkError(`${quote(text)} ${says}; ${instead}.`)
    }
  }

  if (name.startsWith('@')) {
    // Articles are vk.com/@<owner screen name>-<slug>; screen names cannot contain `-`.
    const owner = name.slice(1).split('-')[0] ?? ''
    const instead = isVkScreenName(owner) ? `paste the page's own link (https://vk.com/${owner})` : `paste the page's own link instead`
    throw new LinkError(`${quote(text)} links to an article, not a page; ${instead}.`)
  }

  if (VK_SERVICE.has(name) || name.endsWith('.php') || /^(app|write)\d+/.test(name)) throw vkService(text)

  let handle: string
  const numbered = /^(id|club|public|event)(\d{1,15})$/.exec(name)
  if (numbered) {
    const [, kind, digits = ''] = numbered
    const n = Number(digits)
    if (n === 0) throw vkService(text)
    // public<N> and event<N> are the same group N as club<N>; one handle keeps it from being registered twice.
    handle = `${kind === 'id' ? 'id' : 'club'}${n}`
  } else if (/^\d+$/.test(name)) {
    throw new LinkError(
      `${quote(text)} does not say whether ${name} is a person or a group; paste https://vk.com/id${name} or https://vk.com/club${name}.`,
    )
  } else if (isVkScreenName(name)) {
    handle = name
  } else {
    throw new LinkError(`${quote(text)} does not contain a valid VK page name: names are 2–32 latin letters, digits, underscores and dots.`)
  }

  if (rest.length > 0) throw insidePage(text, `https://vk.com/${handle}`)
  return { platform: 'vk', handle, url: `https://vk.com/${handle}` }
}

function isVkScreenName(name: string): boolean {
  return VK_SCREEN_NAME.test(name) && /[a-z]/.test(name)
}

/** The page a VK item or section belongs to, when its owner id says which one. */
function vkOwnerPage(kind: string, owner: string): string | undefined {
  const n = Number(owner)
  if (!Number.isSafeInteger(n) || n === 0) return undefined
  // Discussion boards are numbered by the (positive) group id: vk.com/board123 is group 123's.
  if (kind === 'board' || n < 0) return `https://vk.com/club${Math.abs(n)}`
  return `https://vk.com/id${n}`
}

function telegramPath(segments: string[], text: string): ParsedLink {
  let [first, ...rest] = segments
  if (first === undefined) throw new LinkError(`${quote(text)} does not name a channel; paste the channel's own link, e.g. https://t.me/durov.`)
  if (first.startsWith('+') || first.toLowerCase() === 'joinchat') {
    const secret = first.startsWith('+') ? `+${first.slice(1)}` : `/${rest[0] ?? ''}`
    throw new LinkError(`${quoteInvite(text, secret)} is a private invite link; ${PRIVATE_TELEGRAM}.`)
  }
  const lower = first.toLowerCase()
  if (lower === 'c') throw new LinkError(`${quote(text)} links to a message in a private chat; ${PRIVATE_TELEGRAM}.`)
  if (lower === 's') {
    // t.me/s/<name> is the public web preview of the same channel.
    ;[first, ...rest] = rest
    if (first === undefined) throw new LinkError(`${quote(text)} does not name a channel; paste the channel's own link, e.g. https://t.me/durov.`)
  } else if (TELEGRAM_SERVICE.has(lower) || lower.startsWith('$')) {
    throw new LinkError(`${quote(text)} is a Telegram service link, not a channel or group; paste the link of the channel or group to track.`)
  }
  const page = telegramPage(first, text)
  if (rest.length > 0) {
    if (/^\d+$/.test(rest[0] ?? '')) throw new LinkError(`${quote(text)} links to a post, not a page; paste the page's own link (${page.url}).`)
    throw insidePage(text, page.url)
  }
  return page
}

function telegramPage(name: string, text: string): ParsedLink {
  const handle = name.toLowerCase()
  if (!TELEGRAM_NAME.test(handle)) {
    throw new LinkError(
      `${quote(text)} does not contain a valid Telegram name: names are 4–32 latin letters, digits and underscores, starting with a letter.`,
    )
  }
  return { platform: 'telegram', handle, url: `https://t.me/${handle}` }
}

function noPlatform(text: string, word: string): LinkError {
  const lower = word.toLowerCase()
  const example = TELEGRAM_NAME.test(lower) ? lower : 'durov'
  return new LinkError(
    `${quote(text)} does not say which platform; paste the full link, e.g. https://t.me/${example} or https://vk.com/${example}.`,
  )
}

function vkService(text: string): LinkError {
  return new LinkError(`${quote(text)} is a VK service address, not a page; paste the link of the group, public page or profile to track.`)
}

function insidePage(text: string, pageUrl: string): LinkError {
  return new LinkError(`${quote(text)} points inside a page, not at the page itself; paste the page's own link (${pageUrl}).`)
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The input in double quotes, on one line, shortened to QUOTE_LENGTH characters. */
function quote(text: string): string {
  const clean = text.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD')
  const chars = Array.from(clean)
  return `"${chars.length > QUOTE_LENGTH ? `${chars.slice(0, QUOTE_LENGTH - 1).join('')}…` : clean}"`
}

/**
 * Invite hashes admit anyone who has them, so messages (which may end up in logs) keep only their first
 * three characters. `marked` is the hash with the `+` or `/` before it, to find it in the pasted text.
 */
function quoteInvite(text: string, marked: string): string {
  const at = marked.length > 4 ? text.indexOf(marked) : -1
  return quote(at >= 0 ? `${text.slice(0, at + 4)}…` : text)
}
