import type { Db } from '../db/schema.ts'
import { dayOf } from '../db/sql.ts'

const HOUR = 3600
const DAY = 86_400

/** A measured value at a time (unix seconds). `exact` false: the platform only showed it rounded. */
export interface SeriesPoint {
  t: number
  v: number
  exact: boolean
}

/** A page's history around some stories: followers and average views, oldest first. */
export interface EffectSeries {
  followers: SeriesPoint[]
  views: SeriesPoint[]
}

/** The before/after of one metric over one span around a story. */
export interface SpanEffect {
  /** The value at the story's time (the last sample at or before it). */
  base: number | null
  /** Change over the span after the story: value(t + span) − value(t). */
  after: number | null
  /** Change over the same span before it: value(t) − value(t − span). */
  before: number | null
  /** after − before: how much more (or less) the metric moved than in the span before. */
  excess: number | null
  /** True when the span after the story has not ended yet. */
  pending: boolean
}

export interface StoryEffect {
  followers: { h24: SpanEffect; d7: SpanEffect }
  avgViews: { h24: SpanEffect; d7: SpanEffect }
}

export const EFFECT_SPANS = { h24: DAY, d7: 7 * DAY } as const

/**
 * How far before a point in time a sample may be and still stand for it. Followers are sampled every
 * collection (hourly by default); average views only when posts are read (every 6 h by default), so
 * their samples may be older.
 */
export const EFFECT_TOLERANCE = {
  followers: { h24: 3 * HOUR, d7: 12 * HOUR },
  avgViews: { h24: 12 * HOUR, d7: DAY },
} as const

/** Index of the last point with t ≤ at, or -1. Points are sorted by t. */
function lastAtOrBefore(points: readonly SeriesPoint[], at: number): number {
  let lo = 0
  let hi = points.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (points[mid]!.t <= at) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

/** The value that stood at `at`: the last sample at or before it, no older than `tolerance`. */
export function valueAt(points: readonly SeriesPoint[], at: number, tolerance: number): SeriesPoint | undefined {
  const i = lastAtOrBefore(points, at)
  if (i < 0) return undefined
  const point = points[i]!
  return at - point.t <= tolerance ? point : undefined
}

// Never compare a rounded figure with an exact one (Social Blade's lesson).
const diff = (later: SeriesPoint | undefined, earlier: SeriesPoint | undefined) => (later && earlier && later.exact === earlier.exact ? later.v - earlier.v : null)

/** The before/after of one metric over one span around time `at`; `now` decides what is still pending. */
export function spanEffect(points: readonly SeriesPoint[], at: number, span: number, tolerance: number, now: number): SpanEffect {
  const base = valueAt(points, at, tolerance)
  const pending = at + span > now
  const after = pending ? null : diff(valueAt(points, at + span, tolerance), base)
  const before = diff(base, valueAt(points, at - span, tolerance))
  return { base: base?.v ?? null, after, before, excess: after !== null && before !== null ? after - before : null, pending }
}

/** Followers and average views, 24 hours and 7 days, after a story at `at` against the same span before it. */
export function storyEffect(series: EffectSeries, at: number, now: number): StoryEffect {
  const effect = (points: SeriesPoint[], metric: keyof typeof EFFECT_TOLERANCE) => ({
    h24: spanEffect(points, at, EFFECT_SPANS.h24, EFFECT_TOLERANCE[metric].h24, now),
    d7: spanEffect(points, at, EFFECT_SPANS.d7, EFFECT_TOLERANCE[metric].d7, now),
  })
  return { followers: effect(series.followers, 'followers'), avgViews: effect(series.views, 'avgViews') }
}

/**
 * A page's followers and average views between `from` and `to`: raw samples where they are kept, and
 * daily roll-ups (first and last sample of the day) for days whose raw samples retention removed.
 */
export async function loadEffectSeries(db: Db, pageId: number, from: number, to: number): Promise<EffectSeries> {
  const [raw, reach, rollups] = await Promise.all([
    db.selectFrom('snapshots').select(['collected_at', 'followers', 'exact']).where('page_id', '=', pageId).where('collected_at', '>=', from).where('collected_at', '<=', to).orderBy('collected_at').execute(),
    db.selectFrom('reach_snapshots').select(['collected_at', 'avg_views']).where('page_id', '=', pageId).where('collected_at', '>=', from).where('collected_at', '<=', to).where('avg_views', 'is not', null).orderBy('collected_at').execute(),
    db.selectFrom('daily_rollups').selectAll().where('page_id', '=', pageId).where('day', '>=', dayOf(from)).where('day', '<=', dayOf(to)).orderBy('day').execute(),
  ])
  const followers: SeriesPoint[] = raw.map((r) => ({ t: r.collected_at, v: r.followers, exact: r.exact === 1 }))
  const views: SeriesPoint[] = reach.map((r) => ({ t: r.collected_at, v: r.avg_views!, exact: true }))
  const rawDays = new Set(raw.map((r) => dayOf(r.collected_at)))
  const reachDays = new Set(reach.map((r) => dayOf(r.collected_at)))
  let added = false
  for (const day of rollups) {
    if (!rawDays.has(day.day)) {
      followers.push({ t: day.first_at, v: day.first, exact: day.exact === 1 })
      if (day.last_at !== day.first_at) followers.push({ t: day.last_at, v: day.last, exact: day.exact === 1 })
      added = true
    }
    if (!reachDays.has(day.day) && day.avg_views !== null) {
      views.push({ t: day.last_at, v: day.avg_views, exact: true })
      added = true
    }
  }
  if (added) {
    followers.sort((a, b) => a.t - b.t)
    views.sort((a, b) => a.t - b.t)
  }
  return { followers, views }
}

/**
 * Effects for many (page, story time) pairs: one history read per page, covering all of its stories,
 * so a list of a hundred stories costs a handful of range scans.
 */
export async function computeEffects(db: Db, pairs: readonly { pageId: number; at: number }[], now: number): Promise<Map<string, StoryEffect>> {
  const byPage = new Map<number, number[]>()
  for (const { pageId, at } of pairs) {
    const list = byPage.get(pageId)
    if (list) list.push(at)
    else byPage.set(pageId, [at])
  }
  const out = new Map<string, StoryEffect>()
  const margin = EFFECT_SPANS.d7 + EFFECT_TOLERANCE.avgViews.d7
  for (const [pageId, times] of byPage) {
    const series = await loadEffectSeries(db, pageId, Math.min(...times) - margin, Math.max(...times) + EFFECT_SPANS.d7)
    for (const at of times) out.set(effectKey(pageId, at), storyEffect(series, at, now))
  }
  return out
}

export const effectKey = (pageId: number, at: number) => `${pageId}:${at}`

/** The ways stories can be ordered by effect: metric and span of the excess change. */
export const EFFECT_SORTS = ['followers_24h', 'followers_7d', 'views_24h', 'views_7d'] as const
export type EffectSort = (typeof EFFECT_SORTS)[number]

/** The excess change a sort key reads. */
export function excessOf(effect: StoryEffect, sort: EffectSort): number | null {
  const metric = sort.startsWith('followers') ? effect.followers : effect.avgViews
  return sort.endsWith('24h') ? metric.h24.excess : metric.d7.excess
}
