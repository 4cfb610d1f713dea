import { type Kysely, sql } from 'kysely'

// Frozen in time: never import from src/, never edit after release; add a new migration instead.
//
// The day in progress moves from the roll-up table into page_stats. Every sample used to upsert its
// page's row of today in daily_rollups, keyed (page_id, day): one row per page scattered over the whole
// table, so each hourly batch touched a leaf per page of a table that grows by 130,000 rows a day. The
// latest-values row is rewritten by each sample anyway, so today's first/last/min/max now ride along in
// it, and a day is appended to history once, when the page's next day begins.
//
// page_stats.since is the time of the page's earliest sample: a growth baseline older than that is
// known to be missing without a seek (every 30-day baseline in a page's first month).
//
// closed_days holds the days that are over; the view daily_rollups shows them with each page's open day,
// so readers see every day as before.
const DAY_COLUMNS = ['first', 'last', 'min', 'max', 'first_at', 'last_at', 'samples', 'exact', 'avg_views'] as const

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table daily_rollups rename to closed_days`.execute(db)
  await db.schema.alterTable('page_stats').addColumn('day', 'integer').execute() // null: no sample yet
  for (const column of DAY_COLUMNS) {
    await db.schema.alterTable('page_stats').addColumn(`day_${column}`, 'integer').execute()
  }
  await db.schema.alterTable('page_stats').addColumn('since', 'integer').execute()
  await sql`update page_stats set since = (select min(t) from (
      select min(collected_at) as t from snapshots s where s.page_id = page_stats.page_id
      union all select min(first_at) from closed_days r where r.page_id = page_stats.page_id))`.execute(db)
  // Each page's latest day becomes its open day.
  await sql`update page_stats set day = r.day, ${sql.raw(DAY_COLUMNS.map((c) => `day_${c} = r.${c}`).join(', '))}
    from closed_days r
    where r.page_id = page_stats.page_id and r.day = (select max(day) from closed_days m where m.page_id = page_stats.page_id)`.execute(db)
  await sql`delete from closed_days where exists (select 1 from page_stats ps where ps.page_id = closed_days.page_id and ps.day = closed_days.day)`.execute(db)
  await sql`create view daily_rollups as
    select page_id, day, ${sql.raw(DAY_COLUMNS.join(', '))} from closed_days
    union all
    select page_id, day, ${sql.raw(DAY_COLUMNS.map((c) => `day_${c} as ${c}`).join(', '))} from page_stats where day is not null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop view daily_rollups`.execute(db)
  await sql`insert into closed_days (page_id, day, ${sql.raw(DAY_COLUMNS.join(', '))})
    select page_id, day, ${sql.raw(DAY_COLUMNS.map((c) => `day_${c}`).join(', '))} from page_stats where day is not null`.execute(db)
  for (const column of ['since', 'day', ...DAY_COLUMNS.map((c) => `day_${c}`)]) {
    await db.schema.alterTable('page_stats').dropColumn(column).execute()
  }
  await sql`alter table closed_days rename to daily_rollups`.execute(db)
}
