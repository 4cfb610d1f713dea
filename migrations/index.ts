import type { Migration } from 'kysely'
import * as createPages from './0001-create-pages.ts'
import * as createSnapshots from './0002-create-snapshots.ts'
import * as createPostsAndRuns from './0003-create-posts-and-runs.ts'
import * as createSettings from './0004-create-settings.ts'
import * as createStories from './0005-create-stories.ts'
import * as createAccounts from './0006-create-accounts.ts'
import * as addRunTimings from './0008-add-run-timings.ts'
import * as openDayInPageStats from './0009-open-day-in-page-stats.ts'
import * as dropFollowersAndPctIndexes from './0010-drop-followers-and-pct-indexes.ts'

/** Every migration, in order. Names are stored in kysely_migration: never rename one. */
export const migrations: Record<string, Migration> = {
  '0001-create-pages': createPages,
  '0002-create-snapshots': createSnapshots,
  '0003-create-posts-and-runs': createPostsAndRuns,
  '0004-create-settings': createSettings,
  '0005-create-stories': createStories,
  '0006-create-accounts': createAccounts,
  '0008-add-run-timings': addRunTimings,
  '0009-open-day-in-page-stats': openDayInPageStats,
  '0010-drop-followers-and-pct-indexes': dropFollowersAndPctIndexes,
}
