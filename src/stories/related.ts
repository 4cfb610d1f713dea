import type { Db } from '../db/schema.ts'
import { listStoriesWithEffects, type StoryWithEffects } from './service.ts'

const HOUR = 3600
const DAY = 86_400

/** One marker on a page chart: a story, or several stories grouped into one line. */
export interface StoryMarker {
  /** Unix seconds: the earliest story of the group. */
  t: number
  /** The story's title (shortened), or "3 stories". */
  label: string
  items: { id: number; title: string; source: string; link: string | null; at: number }[]
}

/** Above this many stories in the chart's range, markers are grouped per day instead of per hour. */
export const MARKERS_PER_STORY_MAX = 20

/** Shortest a marker label gets: the chart has room for a few words. */
const LABEL_MAX = 40

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text)

/**
 * Markers for a chart: one per story, except that stories within the same hour share a line, and
 * with more than MARKERS_PER_STORY_MAX stories in range, stories of the same UTC day do (a wall of
 * lines is unreadable; Grafana's lesson).
 */
export function storyMarkers(stories: readonly Pick<StoryWithEffects, 'id' | 'title' | 'source' | 'link' | 'publishedAt'>[]): StoryMarker[] {
  const bucket = stories.length > MARKERS_PER_STORY_MAX ? DAY : HOUR
  const groups = new Map<number, StoryMarker['items']>()
  for (const s of [...stories].sort((a, b) => a.publishedAt - b.publishedAt || a.id - b.id)) {
    const key = Math.floor(s.publishedAt / bucket)
    const item = { id: s.id, title: s.title, source: s.source ? (s.source.title ?? s.source.url) : 'note', link: s.link, at: s.publishedAt }
    const group = groups.get(key)
    if (group) group.push(item)
    else groups.set(key, [item])
  }
  return [...groups.values()].map((items) => ({
    t: items[0]!.at,
    label: items.length === 1 ? shorten(items[0]!.title, LABEL_MAX) : `${items.length} stories`,
    items,
  }))
}

export interface RelatedStories {
  /** Newest first, with each story's effect on every page it is linked to. */
  stories: StoryWithEffects[]
  markers: StoryMarker[]
  /** True when the range held more stories than are listed. */
  truncated: boolean
}

/** How many stories a page's chart lists and marks at most. */
export const RELATED_MAX = 200

/** The stories linked to a page within a chart's range, with their effects and the chart's markers. */
export async function loadRelatedStories(db: Db, pageId: number, range: { from: number; to: number }, now: number): Promise<RelatedStories> {
  const stories = await listStoriesWithEffects(db, { pageId, onlyThatPage: true, from: range.from, to: range.to, limit: RELATED_MAX + 1 }, now)
  const listed = stories.slice(0, RELATED_MAX)
  return { stories: listed, markers: storyMarkers(listed), truncated: stories.length > RELATED_MAX }
}
