import type { Generated, Insertable, Kysely, Selectable, Updateable } from 'kysely'
import type { ApiTokensTable, AuditLogTable, SessionsTable, UsersTable } from './account-tables.ts'

// Columns are typed the way better-sqlite3 returns them: 0 | 1 flags, integer unix seconds in the
// high-volume tables, ISO-8601 text where volume is low. Kysely never converts.

export interface PagesTable {
  id: Generated<number>
  platform: string
  handle: string
  platform_id: string | null
  url: string
  title: string | null
  platform_title: string | null
  region: string | null
  /** JSON array of strings. */
  tags: Generated<string>
  /** JSON array of strings. */
  aliases: Generated<string>
  active: Generated<0 | 1>
  paused_reason: string | null
  created_at: string
  /** 'pending' (never collected), 'ok', or a PlatformErrorKind. */
  status: Generated<string>
  status_message: string | null
  status_at: number | null
  consecutive_failures: Generated<number>
  posts_collected_at: number | null
  /** Registry category (migration 0006). */
  category: string | null
  /** Archived: hidden from the dashboard and not collected, history kept. */
  archived_at: string | null
  /** Deleted with its history kept (also archived); registering the link again restores it. */
  deleted_at: string | null
}

export interface SnapshotsTable {
  page_id: number
  collected_at: number
  followers: number
  exact: 0 | 1
}

export interface ReachSnapshotsTable {
  page_id: number
  collected_at: number
  avg_views: number | null
  posts_counted: number
}

export interface DailyRollupsTable {
  page_id: number
  day: number
  first: number
  last: number
  min: number
  max: number
  first_at: number
  last_at: number
  samples: number
  exact: 0 | 1
  avg_views: number | null
}

export interface PageStatsTable {
  page_id: number
  followers: number | null
  exact: 0 | 1 | null
  collected_at: number | null
  previous_followers: number | null
  change_prev: number | null
  change_1d: number | null
  change_7d: number | null
  change_30d: number | null
  pct_1d: number | null
  pct_7d: number | null
  pct_30d: number | null
  avg_views: number | null
  avg_views_at: number | null
  err: number | null
  /** Time of the page's earliest sample: baselines before it are missing without a seek. */
  since: number | null
  /** The day in progress (unix day number) and its roll-up so far; see the view daily_rollups. */
  day: number | null
  day_first: number | null
  day_last: number | null
  day_min: number | null
  day_max: number | null
  day_first_at: number | null
  day_last_at: number | null
  day_samples: number | null
  day_exact: 0 | 1 | null
  day_avg_views: number | null
}

export interface PostsTable {
  id: Generated<number>
  page_id: number
  post_id: string
  url: string
  published_at: number
  text: string | null
  views: number | null
  likes: number | null
  reposts: number | null
  comments: number | null
  first_seen_at: number
  updated_at: number
}

export interface RunsTable {
  id: Generated<number>
  trigger: string
  status: string
  started_at: number
  finished_at: number | null
  pages_total: Generated<number>
  pages_done: Generated<number>
  pages_ok: Generated<number>
  pages_failed: Generated<number>
  /** JSON object {status: count}. */
  status_counts: Generated<string>
  error: string | null
  /** JSON RunTimings {slowest, platforms}; '{}' before any was written (migration 0008). */
  timings: Generated<string>
}

export interface SettingsTable {
  key: string
  value: string
}

export interface Database {
  settings: SettingsTable
  pages: PagesTable
  snapshots: SnapshotsTable
  reach_snapshots: ReachSnapshotsTable
  /** Days that are over, one row per page per day. */
  closed_days: DailyRollupsTable
  /** A view: closed_days and each page's open day (page_stats.day_*). Read from here, never write. */
  daily_rollups: DailyRollupsTable
  page_stats: PageStatsTable
  posts: PostsTable
  runs: RunsTable
  users: UsersTable
  sessions: SessionsTable
  api_tokens: ApiTokensTable
  audit_log: AuditLogTable
  story_sources: StorySourcesTable
  stories: StoriesTable
  page_stories: PageStoriesTable
}

export interface StorySourcesTable {
  id: Generated<number>
  url: string
  title: string | null
  feed_title: string | null
  created_at: string
  etag: string | null
  last_modified: string | null
  /** 'pending', 'ok', 'not_modified', or a FeedErrorKind. */
  status: Generated<string>
  status_message: string | null
  status_at: number | null
  last_ok_at: number | null
  consecutive_failures: Generated<number>
}

export interface StoriesTable {
  id: Generated<number>
  /** Null for a manual note. */
  source_id: number | null
  guid: string | null
  link: string | null
  canonical_link: string | null
  title: string
  summary: string | null
  published_at: number
  /** 0 when the feed gave no usable date and the first-seen time stands in. */
  published_known: Generated<0 | 1>
  first_seen_at: number
  updated_at: number
}

export interface PageStoriesTable {
  page_id: number
  story_id: number
  /** 'match' (an alias was found) or 'manual' (linked by an operator). */
  origin: string
  matched_alias: string | null
  linked_at: number
  /** Set when an operator unlinked it; the row stays so re-matching never re-creates the link. */
  removed_at: number | null
}

export type Db = Kysely<Database>
export type PageRow = Selectable<PagesTable>
export type NewPage = Insertable<PagesTable>
export type PageUpdate = Updateable<PagesTable>
export type RunRow = Selectable<RunsTable>
