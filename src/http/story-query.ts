import { parseTime, STORY_SORTS, type StoryQuery, type StorySort } from '../stories/service.ts'
import { BadRequestError } from './errors.ts'

const positiveId = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined || value === '') return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new BadRequestError(`${name} must be a positive whole number (an id), got "${value}"`)
  return Number(value)
}

/**
 * Reads the stories filter shared by the API and the stories page: page, source (an id or "manual"),
 * from, to, sort, order, limit, offset. Every bad value is a 400 naming it. `day` turns a bare date
 * (YYYY-MM-DD, as date inputs send it) into the start of that day, or with `end` its last second; the
 * page reads days in the display time zone, the API in UTC.
 */
export function readStoryQuery(q: (name: string) => string | undefined, day?: (date: string, end: boolean) => number | undefined): StoryQuery {
  const time = (value: string | undefined, name: string, end: boolean): number | undefined => {
    if (value === undefined || value === '') return undefined
    const seconds = day && /^\d{4}-\d{2}-\d{2}$/.test(value) ? day(value, end) : parseTime(value)
    if (seconds === undefined) throw new BadRequestError(`${name} must be an ISO date-time (2026-11-26T10:00:00Z) or unix seconds, got "${value}"`)
    return seconds
  }
  const source = q('source')
  const sort = q('sort') || undefined
  if (sort !== undefined && !STORY_SORTS.includes(sort as StorySort)) throw new BadRequestError(`sort must be one of ${STORY_SORTS.join(', ')}, got "${sort}"`)
  const order = q('order') || undefined
  if (order !== undefined && order !== 'asc' && order !== 'desc') throw new BadRequestError(`order must be asc or desc, got "${order}"`)
  const limit = positiveId(q('limit'), 'limit')
  if (limit !== undefined && limit > 500) throw new BadRequestError(`limit must be at most 500, got ${limit}`)
  const offsetText = q('offset')
  if (offsetText && !/^\d+$/.test(offsetText)) throw new BadRequestError(`offset must be a whole number, got "${offsetText}"`)
  const from = time(q('from'), 'from', false)
  const to = time(q('to'), 'to', true)
  if (from !== undefined && to !== undefined && from > to) throw new BadRequestError('from must not be later than to')
  return {
    pageId: positiveId(q('page'), 'page'),
    source: source === 'manual' ? 'manual' : positiveId(source, 'source (a source id or "manual")'),
    from,
    to,
    sort: sort as StorySort | undefined,
    order,
    limit,
    offset: offsetText ? Number(offsetText) : undefined,
  }
}
