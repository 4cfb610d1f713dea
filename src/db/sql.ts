import { sql } from 'kysely'

// The only home of dialect-specific SQL expressions.

const DAY = 86_400

/** Unix day number of a unix-seconds time (integer division works the same in SQLite and PostgreSQL). */
export const dayOf = (seconds: number): number => Math.floor(seconds / DAY)

/** SQL condition: the JSON array in `column` contains `value` (tags, aliases). */
export const jsonArrayContains = (column: string, value: string) =>
  sql<boolean>`exists (select 1 from json_each(${sql.ref(column)}) where json_each.value = ${value})`

/**
 * A table expression with one row per element of the JSON array in `column` (a page's tags), read as
 * `<alias>.value`: `selectFrom(['pages', jsonArrayElements('pages.tags').as('tag')])`.
 */
export const jsonArrayElements = (column: string) => sql<{ value: string }>`json_each(${sql.ref(column)})`
