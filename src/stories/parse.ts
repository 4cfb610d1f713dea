import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { parseFeedDate } from './dates.ts'
import { FeedError } from './fetch-feed.ts'
import { resolveLink } from './links.ts'
import { htmlToText, rawElementText, truncate } from './text.ts'

/** One story as a feed gives it, already cleaned: plain text, absolute http(s) link, unix time. */
export interface FeedItem {
  /** RSS guid / Atom id; null when the feed gives none (then the link identifies the story). */
  guid: string | null
  link: string | null
  title: string
  /** Plain text, at most SUMMARY_MAX characters. */
  summary: string | null
  /** Unix seconds; null when the feed gives no readable date. */
  publishedAt: number | null
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf'
  title: string | null
  items: FeedItem[]
}

/** Summaries are for recognising a story and matching it, not for reading the article. */
export const SUMMARY_MAX = 1000
const TITLE_MAX = 500

// Elements that hold HTML (or XHTML) are kept raw, so their markup is not mistaken for feed structure.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  stopNodes: ['*.description', '*.content', '*.summary', '*.content:encoded', '*.subtitle'],
  isArray: (name) => name === 'item' || name === 'entry' || name === 'link',
})

type Node = Record<string, unknown>

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v)
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v)

/** The text of an element, whether the parser gave a string or an object with attributes. */
const textOf = (v: unknown): string | undefined => {
  const value = first(v)
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (isNode(value) && value['#text'] !== undefined) return String(value['#text'])
  return undefined
}
const attr = (v: unknown, name: string): string | undefined => {
  const value = first(v)
  return isNode(value) && value[`@_${name}`] !== undefined ? String(value[`@_${name}`]) : undefined
}

/** Title text: feeds put entities and even tags in titles; plain text comes out. */
const cleanTitle = (v: unknown): string => {
  const text = textOf(v) ?? ''
  const type = attr(v, 'type')
  return truncate(type === 'xhtml' || /[<&]/.test(text) ? htmlToText(text) : text.replace(/\s+/g, ' ').trim(), TITLE_MAX)
}

/** Text of an element the parser left raw, by its Atom `type` (RSS descriptions are escaped HTML). */
const cleanRich = (v: unknown): string | null => {
  const raw = textOf(v)
  if (raw === undefined) return null
  const type = attr(v, 'type') ?? 'html'
  const text = type === 'xhtml' ? htmlToText(raw) : type === 'text' ? rawElementText(raw).replace(/\s+/g, ' ').trim() : htmlToText(rawElementText(raw))
  return text ? truncate(text, SUMMARY_MAX) : null
}

const baseOf = (node: unknown, parent: string): string => resolveLink(attr(node, 'xml:base'), parent) ?? parent

/**
 * Reads an RSS 2.0, RSS 1.0 (RDF) or Atom document. `baseUrl` (the feed's URL after redirects) resolves
 * relative links. Throws FeedError('bad_feed') with the line for XML that is not well formed, or
 * naming the root element when the document is not a feed (an HTML error page, say).
 */
export function parseFeed(xml: string, baseUrl: string): ParsedFeed {
  const text = xml.replace(/^\uFEFF/, '').trim()
  if (!text) throw new FeedError('bad_feed', 'the feed is empty')
  const valid = XMLValidator.validate(text)
  if (valid !== true) {
    throw new FeedError('bad_feed', `the feed is not well-formed XML (line ${valid.err.line}, column ${valid.err.col}): ${valid.err.msg}`)
  }
  let doc: Node
  try {
    doc = parser.parse(text) as Node
  } catch (error) {
    throw new FeedError('bad_feed', `the feed could not be parsed: ${(error as Error).message}`)
  }

  if (isNode(doc.rss)) {
    const channel = first(doc.rss.channel)
    if (!isNode(channel)) throw new FeedError('bad_feed', 'the RSS document has no <channel>')
    const base = baseOf(channel, baseUrl)
    return { format: 'rss', title: optionalTitle(channel.title), items: items(channel.item, (item) => rssItem(item, base)) }
  }
  if (isNode(doc['rdf:RDF'])) {
    const rdf = doc['rdf:RDF']
    const channel = first(rdf.channel)
    return { format: 'rdf', title: isNode(channel) ? optionalTitle(channel.title) : null, items: items(rdf.item, (item) => rssItem(item, baseUrl)) }
  }
  if (isNode(doc.feed)) {
    const feed = doc.feed
    const base = baseOf(feed, baseUrl)
    return { format: 'atom', title: optionalTitle(feed.title), items: items(feed.entry, (entry) => atomEntry(entry, baseOf(entry, base))) }
  }
  const root = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#')) ?? 'nothing'
  throw new FeedError('bad_feed', `this is not an RSS or Atom feed: its root element is <${root}>`)
}

const optionalTitle = (v: unknown) => cleanTitle(v) || null

/** Items in feed order; a repeated guid (or link) inside one feed is kept once; empty items are skipped. */
function items(list: unknown, read: (node: Node) => FeedItem | undefined): FeedItem[] {
  const out: FeedItem[] = []
  const seen = new Set<string>()
  for (const node of Array.isArray(list) ? list : list === undefined ? [] : [list]) {
    if (!isNode(node)) continue
    const item = read(node)
    if (!item) continue
    const key = item.guid ? `g:${item.guid}` : item.link ? `l:${item.link}` : `t:${item.title}:${item.publishedAt}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(item)
  }
  return out
}

function rssItem(item: Node, base: string): FeedItem | undefined {
  const guidText = textOf(item.guid)?.trim() || null
  const guidIsLink = attr(item.guid, 'isPermaLink') !== 'false'
  const link = resolveLink(textOf(item.link), base) ?? (guidText && guidIsLink ? resolveLink(guidText, base) : null)
  const summary = cleanRich(item.description) ?? cleanRich(item['content:encoded'])
  const title = cleanTitle(item.title) || (summary ? truncate(summary, 120) : '')
  if (!title) return undefined
  const date = textOf(item.pubDate) ?? textOf(item['dc:date']) ?? textOf(item['a10:updated'])
  return { guid: guidText, link, title, summary, publishedAt: parseFeedDate(date) }
}

function atomEntry(entry: Node, base: string): FeedItem | undefined {
  const links = Array.isArray(entry.link) ? entry.link : []
  const alternate =
    links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate' && /html/i.test(attr(l, 'type') ?? 'text/html')) ??
    links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate')
  const link = resolveLink(attr(alternate, 'href'), base)
  const summary = cleanRich(entry.summary) ?? cleanRich(entry.content)
  const title = cleanTitle(entry.title) || (summary ? truncate(summary, 120) : '')
  if (!title) return undefined
  return {
    guid: textOf(entry.id)?.trim() || null,
    link,
    title,
    summary,
    publishedAt: parseFeedDate(textOf(entry.published) ?? textOf(entry.updated) ?? textOf(entry.issued) ?? textOf(entry.modified)),
  }
}
