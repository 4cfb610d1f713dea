import { z } from 'zod'
import { GROUP_BYS, SORT_KEYS, STATUS_FILTERS, type OverviewQuery, type SortKey } from '../db/overview.ts'
import { METRICS, RANGE_PRESETS, presetRange, type RangePreset } from '../db/series.ts'
import { PLATFORM_IDS } from '../platforms/types.ts'
import { BadRequestError, describeZodError } from './errors.ts'

// Query parameters of the dashboard and its JSON API, validated once here. The API refuses a bad value
// with a sentence (400); the HTML pages drop it, say so in a notice, and show the default instead.

const DAY = 86_400

/** Forms submit empty fields as `name=`: an empty value means "not set". */
const optionalText = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().max(max, `must be at most ${max} characters`).optional())
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

/** Columns whose natural first order is ascending (names); figures sort largest first. */
const ASCENDING_FIRST: ReadonlySet<SortKey> = new Set(['title', 'platform', 'region', 'status'])
export const defaultOrder = (sort: SortKey): 'asc' | 'desc' => (ASCENDING_FIRST.has(sort) ? 'asc' : 'desc')

export const PER_PAGE_CHOICES = [25, 50, 100, 200] as const
export const MAX_PER_PAGE = 500

export const overviewParamsSchema = z.object({
  sort: optional(z.enum(SORT_KEYS, { error: `must be one of ${SORT_KEYS.join(', ')}` })),
  order: optional(z.enum(['asc', 'desc'], { error: 'must be asc or desc' })),
  platform: optional(z.enum(PLATFORM_IDS as [string, ...string[]], { error: `must be one of ${PLATFORM_IDS.join(', ')}` })),
  region: optionalText(100),
  tag: optionalText(50),
  status: optional(z.enum(STATUS_FILTERS, { error: `must be one of ${STATUS_FILTERS.join(', ')}` })),
  q: optionalText(200),
  page: optional(z.coerce.number({ error: 'must be a whole number from 1' }).int('must be a whole number from 1').min(1, 'must be a whole number from 1').max(1_000_000)),
  perPage: optional(z.coerce.number({ error: `must be a whole number from 1 to ${MAX_PER_PAGE}` }).int().min(1, `must be a whole number from 1 to ${MAX_PER_PAGE}`).max(MAX_PER_PAGE, `must be a whole number from 1 to ${MAX_PER_PAGE}`)),
})

export function toOverviewQuery(p: z.infer<typeof overviewParamsSchema>): OverviewQuery {
  const sort = p.sort ?? 'followers'
  return {
    sort,
    order: p.order ?? defaultOrder(sort),
    platform: p.platform,
    region: p.region,
    tag: p.tag,
    status: p.status,
    q: p.q,
    page: p.page ?? 1,
    perPage: p.perPage ?? 50,
  }
}

/**
 * A time parameter: unix seconds, a date (YYYY-MM-DD, UTC; as `to` it means the end of that day) or an
 * ISO-8601 date-time. Undefined when absent.
 */
export function parseTime(value: string | undefined, name: string, end = false): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const text = value.trim()
  if (/^\d{1,12}$/.test(text)) return Number(text)
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`)
    if (!Number.isNaN(ms)) return ms / 1000 + (end ? DAY - 1 : 0)
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const ms = Date.parse(text)
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000)
  }
  throw new ParamError(`${name} must be a date (2026-11-26), an ISO date-time (2026-11-26T10:00:00Z) or unix seconds, got "${value}"`)
}

/** A query parameter the caller got wrong; the message is a sentence naming it. */
export class ParamError extends BadRequestError {
  override readonly name = 'ParamError'
  constructor(message: string) {
    super(message, 400)
  }
}

export const rangePresetSchema = optional(z.enum(RANGE_PRESETS as [RangePreset, ...RangePreset[]], { error: `must be one of ${RANGE_PRESETS.join(', ')}` }))
export const metricSchema = optional(z.enum(METRICS as ['followers', 'avgViews'], { error: `must be one of ${METRICS.join(', ')}` }))
export const groupBySchema = optional(z.enum(GROUP_BYS as ['region', 'tag'], { error: `must be one of ${GROUP_BYS.join(', ')}` }))
export const modeSchema = optional(z.enum(['abs', 'index'], { error: 'must be abs or index' }))
export const exportSchema = optional(z.enum(['csv', 'json'], { error: 'must be csv or json' }))

export const DEFAULT_RANGE: RangePreset = '30d'

/**
 * The time range of a request: explicit from/to win (to defaults to now, from to 30 days before to),
 * else the preset (30 days by default). `first` is when the data starts, for `all`.
 */
export function resolveRange(
  params: { range?: RangePreset; from?: number; to?: number },
  now: number,
  first: number | null,
): { from: number; to: number; preset: RangePreset | null } {
  if (params.from !== undefined || params.to !== undefined) {
    const to = params.to ?? now
    const from = params.from ?? to - 30 * DAY
    if (from >= to) throw new ParamError('from must be earlier than to')
    return { from, to, preset: null }
  }
  const preset = params.range ?? DEFAULT_RANGE
  return { ...presetRange(preset, now, first), preset }
}

/** Page ids of `pages=1,2,3` (compare): at most `max`, duplicates dropped. */
export function parsePageIds(value: string | undefined, max: number): number[] {
  if (!value || !value.trim()) return []
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean)
  const bad = parts.find((p) => !/^\d{1,9}$/.test(p))
  if (bad !== undefined) throw new ParamError(`pages must be page ids separated by commas (pages=1,2), got "${bad}"`)
  const ids = [...new Set(parts.map(Number))]
  if (ids.length > max) throw new ParamError(`at most ${max} pages can be compared, got ${ids.length}`)
  return ids
}

/** Strict parse for the API: the first problem becomes a ParamError naming the parameter. */
export function parseStrict<T extends z.ZodType>(schema: T, raw: Record<string, string>): z.infer<T> {
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  throw new ParamError(describeZodError(result.error))
}

/**
 * Lenient parse for HTML pages: a parameter that does not validate is dropped (the page shows its
 * default) and reported, so a mistyped link still opens.
 */
export function parseLenient<T extends z.ZodObject>(schema: T, raw: Record<string, string>): { value: z.infer<T>; dropped: { name: string; value: string }[] } {
  const input: Record<string, string> = { ...raw }
  const dropped: { name: string; value: string }[] = []
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = schema.safeParse(input)
    if (result.success) return { value: result.data, dropped }
    const names = new Set(result.error.issues.map((i) => String(i.path[0] ?? '')))
    for (const name of names) {
      if (!(name in input)) return { value: schema.parse({}), dropped }
      dropped.push({ name, value: input[name]! })
      delete input[name]
    }
  }
  return { value: schema.parse({}), dropped }
}
