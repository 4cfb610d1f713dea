import { sql } from 'kysely'
import type { Db } from './schema.ts'
import { dayOf } from './sql.ts'

const DAY = 86_400

/** What a series plots: follower counts, or the average reach of recent posts. */
export type Metric = 'followers' | 'avgViews'
export const METRICS: readonly Metric[] = ['followers', 'avgViews']

/** One point of a chart. `v` null marks a gap: collection failed there, so the line breaks. */
export interface SeriesPoint {
  /** Unix seconds. */
  t: number
  v: number | null
}

/**
 * How the points were made: `raw` every collection, `bucketed` the last sample of equal time slices
 * (more than MAX_POINTS samples), `daily` the daily roll-ups (ranges longer than RAW_MAX_SPAN, or days
 * whose raw samples were thinned by retention).
 */
export type Resolution = 'raw' | 'bucketed' | 'daily'

export interface Series {
  points: SeriesPoint[]
  resolution: Resolution
  /** Width of one slice when bucketed, in seconds. */
  bucketSeconds: number | null
  from: number
  to: number
}

/** A chart never gets more points than this per series: a year of hourly samples draws instantly. */
export const MAX_POINTS = 1000
/** Ranges up to this long plot every collection; longer ones plot daily values. */
export const RAW_MAX_SPAN = 90 * DAY
/** A missing stretch longer than this many usual spacings is a gap (a failed collection), not a slope. */
export const GAP_FACTOR = 2.5

export type RangePreset = '7d' | '30d' | '90d' | '1y' | 'all'
export const RANGE_PRESETS: readonly RangePreset[] = ['7d', '30d', '90d', '1y', 'all']
const PRESET_SECONDS: Record<Exclude<RangePreset, 'all'>, number> = { '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY, '1y': 365 * DAY }

/** The time range of a preset ending at `now`; `all` starts at `first` (the earliest data), or a day back when there is none. */
export function presetRange(preset: RangePreset, now: number, first: number | null): { from: number; to: number } {
  if (preset === 'all') return { from: Math.min(first ?? now - DAY, now - DAY), to: now }
  return { from: now - PRESET_SECONDS[preset], to: now }
}

/** The usual spacing between consecutive points: the median gap (null with fewer than two gaps). */
export function usualSpacing(points: readonly SeriesPoint[]): number | null {
  if (points.length < 3) return null
  const deltas = points.slice(1).map((p, i) => p.t - points[i]!.t).sort((a, b) => a - b)
  return deltas[Math.floor(deltas.length / 2)]! || null
}

/** Inserts a null point in every stretch longer than GAP_FACTOR × the usual spacing, so the line breaks there. */
export function markGaps(points: readonly SeriesPoint[], spacing = usualSpacing(points)): SeriesPoint[] {
  if (spacing === null) return [...points]
  const out: SeriesPoint[] = []
  for (const [i, p] of points.entries()) {
    const prev = points[i - 1]
    if (prev && p.t - prev.t > GAP_FACTOR * spacing) out.push({ t: Math.round((prev.t + p.t) / 2), v: null })
    out.push(p)
  }
  return out
}

/**
 * At most `maxPoints` points: as they are (gaps marked) when few enough, else the first sample and
 * one point per equal time slice, the slice's last sample (the figure at that time, so the line ends
 * at the latest count). A
 * gap is kept when whole slices are empty and the stretch is longer than GAP_FACTOR × the usual
 * spacing, so the result never exceeds the slice count.
 */
export function downsample(points: readonly SeriesPoint[], maxPoints = MAX_POINTS): { points: SeriesPoint[]; bucketSeconds: number | null } {
  const spacing = usualSpacing(points)
  if (points.length <= maxPoints) {
    const marked = markGaps(points, spacing)
    if (marked.length <= maxPoints) return { points: marked, bucketSeconds: null }
  }
  const first = points[0]!.t
  const last = points[points.length - 1]!.t
  // One slot is kept for the very first sample, so the line (and an index to 100) starts where the data does.
  const width = Math.floor((last - first) / (maxPoints - 1)) + 1
  const out: SeriesPoint[] = [{ ...points[0]! }]
  let slice = 0
  let previous: SeriesPoint | undefined = points[0]
  for (const p of points.slice(1)) {
    const index = Math.floor((p.t - first) / width)
    if (index !== slice || out.length === 1) {
      if (previous && spacing !== null && index > slice + 1 && p.t - previous.t > GAP_FACTOR * spacing) {
        out.push({ t: Math.round((previous.t + p.t) / 2), v: null })
      }
      out.push({ ...p })
      slice = index
    } else {
      out[out.length - 1] = { ...p }
    }
    previous = p
  }
  return { points: out, bucketSeconds: width }
}

/** The series indexed to 100 at its first figure (compare mode); all null when that figure is 0 or missing. */
export function indexTo100(points: readonly SeriesPoint[]): SeriesPoint[] {
  const base = points.find((p) => p.v !== null)?.v
  return points.map((p) => ({ t: p.t, v: p.v === null || !base ? null : Math.round((p.v / base) * 100 * 100) / 100 }))
}

async function rawPoints(db: Db, pageId: number, metric: Metric, from: number, to: number): Promise<SeriesPoint[]> {
  // Followers are the hourly samples; average reach lives apart, written when posts are read.
  const [table, column] = metric === 'followers' ? (['snapshots', 'followers'] as const) : (['reach_snapshots', 'avg_views'] as const)
  const rows = await db
    .selectFrom(table)
    .select(['collected_at', sql<number | null>`${sql.ref(column)}`.as('v')])
    .where('page_id', '=', pageId)
    .where('collected_at', '>=', from)
    .where('collected_at', '<=', to)
    .orderBy('collected_at')
    .execute()
  return rows.map((r) => ({ t: r.collected_at, v: r.v }))
}

async function dailyPoints(db: Db, pageId: number, metric: Metric, from: number, to: number): Promise<SeriesPoint[]> {
  let query = db
    .selectFrom('daily_rollups')
    .select(['last_at', 'last', 'avg_views'])
    .where('page_id', '=', pageId)
    .where('day', '>=', dayOf(from))
    .where('day', '<=', dayOf(to))
  if (metric === 'avgViews') query = query.where('avg_views', 'is not', null)
  const rows = await query.orderBy('day').execute()
  return rows.filter((r) => r.last_at >= from && r.last_at <= to).map((r) => ({ t: r.last_at, v: metric === 'followers' ? r.last : r.avg_views }))
}

/**
 * A page's series over a range, ready to draw: raw samples for ranges up to 90 days (older days whose
 * raw rows were thinned come from the daily roll-ups), daily values beyond; at most MAX_POINTS points;
 * gaps as null points. Reads only the page's rows in the range (primary-key range scans).
 */
export async function pageSeries(db: Db, pageId: number, metric: Metric, range: { from: number; to: number }): Promise<Series> {
  const { from, to } = range
  if (to - from > RAW_MAX_SPAN) {
    const { points, bucketSeconds } = downsample(await dailyPoints(db, pageId, metric, from, to))
    return { points, resolution: 'daily', bucketSeconds, from, to }
  }
  const raw = await rawPoints(db, pageId, metric, from, to)
  const firstRaw = raw[0]?.t ?? to + 1
  // Retention keeps only daily values of old days: fill the part of the range before the first raw sample.
  const older = firstRaw - from > DAY ? (await dailyPoints(db, pageId, metric, from, firstRaw - 1)).filter((p) => dayOf(p.t) < dayOf(firstRaw)) : []
  if (older.length > 0 && raw.length === 0) {
    const { points, bucketSeconds } = downsample(older)
    return { points, resolution: 'daily', bucketSeconds, from, to }
  }
  // Each part keeps its own spacing for gap detection (a daily step is not a gap in daily data).
  const budget = MAX_POINTS - older.length
  const shaped = raw.length ? downsample(raw, budget) : { points: [], bucketSeconds: null }
  return {
    points: [...markGaps(older), ...shaped.points].slice(-MAX_POINTS),
    resolution: shaped.bucketSeconds !== null ? 'bucketed' : older.length ? 'daily' : 'raw',
    bucketSeconds: shaped.bucketSeconds,
    from,
    to,
  }
}

/** When a page's history starts (its earliest sample, raw or daily), or null before the first collection. */
export async function firstDataAt(db: Db, pageId: number): Promise<number | null> {
  const [raw, daily] = await Promise.all([
    db.selectFrom('snapshots').select('collected_at').where('page_id', '=', pageId).orderBy('collected_at').limit(1).executeTakeFirst(),
    db.selectFrom('daily_rollups').select('first_at').where('page_id', '=', pageId).orderBy('day').limit(1).executeTakeFirst(),
  ])
  const times = [raw?.collected_at, daily?.first_at].filter((t): t is number => t !== undefined)
  return times.length ? Math.min(...times) : null
}
