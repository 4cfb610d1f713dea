import { z } from 'zod'
import { listStories, type StoryFilter, type StoryView } from '../db/stories.ts'
import type { Db } from '../db/schema.ts'
import { computeEffects, EFFECT_SORTS, type EffectSort, effectKey, excessOf, type StoryEffect } from './effect.ts'

/** What an operator sends to register a news feed (API body, CLI). */
export const sourceInputSchema = z
  .object({
    url: z
      .string({ error: 'url is required: the address of an RSS or Atom feed' })
      .trim()
      .max(2048, 'url must be at most 2048 characters')
      .refine((value) => isHttpUrl(value), 'url must be an http(s) address of an RSS or Atom feed, e.g. https://www.mos.ru/rss'),
    title: z.string().trim().min(1, 'title must not be empty').max(200, 'title must be at most 200 characters').optional(),
  })
  .strict()

/** Unix seconds from ISO-8601 text (with a zone, or read as UTC) or a unix-seconds number. */
const timeSchema = (name: string) =>
  z.union([z.string(), z.number()], { error: `${name} is required: an ISO date-time like 2026-11-26T10:00:00+03:00` }).transform((value, ctx) => {
    const seconds = parseTime(value)
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be an ISO date-time like 2026-11-26T10:00:00+03:00 or unix seconds, got ${JSON.stringify(value)}` })
      return z.NEVER
    }
    return seconds
  })

/** An analyst's dated note: "Governor's live broadcast", linked to the pages it concerns. */
export const manualStorySchema = z
  .object({
    title: z.string({ error: 'title is required' }).trim().min(1, 'title must not be empty').max(500, 'title must be at most 500 characters'),
    link: z
      .string()
      .trim()
      .max(2048, 'link must be at most 2048 characters')
      .refine((value) => isHttpUrl(value), 'link must be an http(s) address')
      .optional(),
    summary: z.string().trim().max(1000, 'summary must be at most 1000 characters').optional(),
    publishedAt: timeSchema('publishedAt'),
    pages: z
      .array(z.number({ error: 'pages must list page ids (numbers)' }).int('a page id is a whole number').positive('a page id is a positive number'), { error: 'pages is required: the ids of the pages this note is about' })
      .min(1, 'pages must name at least one page')
      .max(100, 'at most 100 pages'),
  })
  .strict()

export const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

/** Unix seconds from an API/CLI time value; undefined when it cannot be read. */
export function parseTime(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined
  // A date-time without a zone is read as UTC, never as the server's local time.
  const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text
  const ms = Date.parse(withZone)
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000)
}

export type StorySort = 'time' | EffectSort
export const STORY_SORTS: readonly StorySort[] = ['time', ...EFFECT_SORTS]

export interface StoryQuery extends StoryFilter {
  sort?: StorySort
  order?: 'asc' | 'desc'
  /** With pageId: list (and compute the effect on) that page only, not the story's other pages. */
  onlyThatPage?: boolean
}

export interface StoryWithEffects extends Omit<StoryView, 'pages'> {
  pages: (StoryView['pages'][number] & { effect: StoryEffect })[]
}

/** Effect sorts look at this many stories of the range at most, then page through them. */
const SORT_WINDOW = 2000

/**
 * Stories with the effect of each on each of its pages. Ordered newest first, or by the excess change
 * of a metric (the page's when filtered by page, else the largest among its pages), nulls last.
 */
export async function listStoriesWithEffects(db: Db, query: StoryQuery, now: number): Promise<StoryWithEffects[]> {
  const sort = query.sort ?? 'time'
  const limit = query.limit ?? 100
  const offset = query.offset ?? 0
  const listed = sort === 'time' ? await listStories(db, query) : await listStories(db, { ...query, limit: SORT_WINDOW, offset: 0 })
  const stories = query.onlyThatPage && query.pageId !== undefined ? listed.map((s) => ({ ...s, pages: s.pages.filter((p) => p.pageId === query.pageId) })) : listed
  const effects = await computeEffects(db, stories.flatMap((s) => s.pages.map((p) => ({ pageId: p.pageId, at: s.publishedAt }))), now)
  const withEffects: StoryWithEffects[] = stories.map((s) => ({ ...s, pages: s.pages.map((p) => ({ ...p, effect: effects.get(effectKey(p.pageId, s.publishedAt))! })) }))
  if (sort === 'time') return withEffects
  const desc = (query.order ?? 'desc') === 'desc'
  const key = (s: StoryWithEffects): number | null => {
    const values = s.pages.filter((p) => query.pageId === undefined || p.pageId === query.pageId).map((p) => excessOf(p.effect, sort)).filter((v): v is number => v !== null)
    if (values.length === 0) return null
    return desc ? Math.max(...values) : Math.min(...values)
  }
  const keyed = withEffects.map((s) => ({ s, k: key(s) }))
  keyed.sort((a, b) => {
    if (a.k === null || b.k === null) return a.k === null ? (b.k === null ? b.s.publishedAt - a.s.publishedAt : 1) : -1
    return desc ? b.k - a.k || b.s.publishedAt - a.s.publishedAt : a.k - b.k || b.s.publishedAt - a.s.publishedAt
  })
  return keyed.slice(offset, offset + limit).map((x) => x.s)
}
