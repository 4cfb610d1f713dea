import iconv from 'iconv-lite'
import { CsvError, parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { z } from 'zod'
import { type Actor, recordAudit } from './auth/audit.ts'
import { streamRegistry } from './db/page-admin.ts'
import type { Db, NewPage } from './db/schema.ts'
import { LinkError, parsePageLink } from './platforms/links.ts'
import { splitList } from './page-admin.ts'
import { describeZodError } from './http/errors.ts'

/** The registry CSV's columns, in export order. Only `url` is required on import. */
export const CSV_COLUMNS = ['url', 'title', 'region', 'category', 'tags', 'aliases'] as const
type Column = (typeof CSV_COLUMNS)[number]

/** Largest CSV accepted (a 5,000-row regional registry is ~0.5 MB). */
export const MAX_CSV_BYTES = 8 * 1024 * 1024

/** What will happen to one row: added, restored (deleted earlier with its history kept), or skipped and why. */
export type RowStatus = 'ready' | 'restore' | 'duplicate' | 'exists' | 'invalid'

export interface CsvRow {
  /** Line of the file the row ends on (the header is line 1), as a spreadsheet shows it. */
  line: number
  url: string
  status: RowStatus
  /** Why the row is skipped (or what restoring means); undefined for ready rows. */
  reason?: string
  page?: PageFields & { platform: string; handle: string; canonicalUrl: string }
  /** The registered page the row duplicates or restores. */
  pageId?: number
}

interface PageFields {
  title: string | null
  region: string | null
  category: string | null
  tags: string[]
  aliases: string[]
}

export interface CsvPreview {
  encoding: 'UTF-8' | 'UTF-8 with BOM' | 'Windows-1251'
  separator: ',' | ';'
  /** Problems with the file as a whole (unknown column, no url column, broken quoting): nothing is imported. */
  fileErrors: string[]
  rows: CsvRow[]
  counts: Record<RowStatus, number>
}

export interface ImportResult extends CsvPreview {
  added: number
  restored: number
  skipped: number
  /** Ids of the pages added or restored, in file order. */
  pageIds: number[]
}

/** Reads bytes as UTF-8 (BOM or not); a file that is not valid UTF-8 is read as Windows-1251, what
 * Excel's plain "CSV" writes in Russian locales. */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvPreview['encoding'] } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'UTF-8 with BOM' }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' }
  } catch {
    return { text: iconv.decode(Buffer.from(bytes), 'win1251'), encoding: 'Windows-1251' }
  }
}

/** `;` when the header line has more of them than commas (outside quotes), else `,`. */
function detectSeparator(text: string): ',' | ';' {
  let commas = 0
  let semicolons = 0
  let quoted = false
  for (const ch of text) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && (ch === '\n' || ch === '\r')) break
    else if (!quoted && ch === ',') commas++
    else if (!quoted && ch === ';') semicolons++
  }
  return semicolons > commas ? ';' : ','
}

const field = (what: string, max: number) => z.string().max(max, `${what} must be at most ${max} characters`)
const rowSchema = z.object({
  title: field('title', 200),
  region: field('region', 100),
  category: field('category', 100),
  tags: z.array(field('a tag', 50)).max(50, 'at most 50 tags'),
  aliases: z.array(field('an alias', 100)).max(50, 'at most 50 aliases'),
})

const emptyCounts = (): Record<RowStatus, number> => ({ ready: 0, restore: 0, duplicate: 0, exists: 0, invalid: 0 })

/**
 * Parses and checks a registry CSV without saving anything: every row gets a status, and every skipped
 * row a reason (bad link, duplicate of an earlier row, already registered, field too long, extra cells).
 */
export async function previewCsv(db: Db, bytes: Uint8Array): Promise<CsvPreview> {
  const { text, encoding } = decodeCsv(bytes)
  const separator = detectSeparator(text)
  const preview: CsvPreview = { encoding, separator, fileErrors: [], rows: [], counts: emptyCounts() }

  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(text, { delimiter: separator, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true }) as never
  } catch (error) {
    preview.fileErrors.push(error instanceof CsvError ? `The file is not valid CSV: ${error.message}` : String(error))
    return preview
  }
  const [header, ...body] = records
  if (!header) {
    preview.fileErrors.push(`The file is empty; the first line must name the columns: ${CSV_COLUMNS.join(',')}.`)
    return preview
  }
  const columns = header.record.map((c) => c.trim().toLowerCase())
  const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c))
  if (unknown.length) {
    preview.fileErrors.push(`Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')} in the first line; the columns are ${CSV_COLUMNS.join(', ')} (only url is required).`)
  }
  const repeated = columns.filter((c, i) => c && columns.indexOf(c) !== i)
  if (repeated.length) preview.fileErrors.push(`Column "${repeated[0]}" appears twice in the first line.`)
  if (!columns.includes('url')) preview.fileErrors.push(`There is no url column; the first line must name the columns, e.g. ${CSV_COLUMNS.join(separator)}.`)
  if (body.length === 0 && preview.fileErrors.length === 0) preview.fileErrors.push('The file has a header but no rows.')
  if (preview.fileErrors.length) return preview

  const index = Object.fromEntries(CSV_COLUMNS.map((c) => [c, columns.indexOf(c)])) as Record<Column, number>
  const firstLine = new Map<string, number>()
  for (const { record, info } of body) {
    const cell = (c: Column) => (index[c] >= 0 ? unescapeCell((record[index[c]] ?? '').trim()) : '')
    const url = cell('url')
    const row: CsvRow = { line: info.lines, url, status: 'ready' }
    preview.rows.push(row)
    const invalid = (reason: string) => Object.assign(row, { status: 'invalid', reason })
    if (record.length > columns.length && record.slice(columns.length).some((c) => c.trim() !== '')) {
      invalid(`the row has ${record.length} cells but the first line names ${columns.length} columns (a separator inside a value needs quotes)`)
      continue
    }
    if (url === '') {
      invalid('url is empty')
      continue
    }
    let link
    try {
      link = parsePageLink(url)
    } catch (error) {
      if (!(error instanceof LinkError)) throw error
      invalid(error.message)
      continue
    }
    const fields = rowSchema.safeParse({ title: cell('title'), region: cell('region'), category: cell('category'), tags: splitList(cell('tags')), aliases: splitList(cell('aliases')) })
    if (!fields.success) {
      invalid(describeZodError(fields.error))
      continue
    }
    const key = `${link.platform}:${link.handle}`
    const earlier = firstLine.get(key)
    if (earlier !== undefined) {
      Object.assign(row, { status: 'duplicate', reason: `the same page as line ${earlier}` })
      continue
    }
    firstLine.set(key, row.line)
    const f = fields.data
    row.page = { platform: link.platform, handle: link.handle, canonicalUrl: link.url, title: f.title || null, region: f.region || null, category: f.category || null, tags: f.tags, aliases: f.aliases }
  }

  // Pages already registered, looked up per platform in chunks (SQLite takes ~32,000 parameters).
  const byPlatform = new Map<string, CsvRow[]>()
  for (const row of preview.rows) if (row.page) byPlatform.set(row.page.platform, [...(byPlatform.get(row.page.platform) ?? []), row])
  for (const [platform, rows] of byPlatform) {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500)
      const existing = await db
        .selectFrom('pages')
        .select(['id', 'handle', 'deleted_at'])
        .where('platform', '=', platform)
        .where('handle', 'in', chunk.map((r) => r.page!.handle))
        .execute()
      const found = new Map(existing.map((e) => [e.handle, e]))
      for (const row of chunk) {
        const page = found.get(row.page!.handle)
        if (!page) continue
        row.pageId = page.id
        if (page.deleted_at) Object.assign(row, { status: 'restore', reason: `page #${page.id} was deleted with its history kept; it comes back with that history` })
        else Object.assign(row, { status: 'exists', reason: `already registered as #${page.id}` })
      }
    }
  }
  for (const row of preview.rows) preview.counts[row.status]++
  return preview
}

/**
 * Imports a registry CSV: checks it as previewCsv does, then adds the ready rows (and restores deleted
 * ones) in one transaction with one audit entry. A file-level error imports nothing. Other rows are
 * skipped, each with its reason in the result.
 */
export async function importCsv(db: Db, bytes: Uint8Array, actor: Actor, now: Date, options: { fileName?: string } = {}): Promise<ImportResult> {
  return db.transaction().execute(async (trx) => {
    const preview = await previewCsv(trx, bytes)
    const result: ImportResult = { ...preview, added: 0, restored: 0, skipped: preview.rows.length, pageIds: [] }
    if (preview.fileErrors.length) return result
    const created = now.toISOString()
    const toRow = (p: NonNullable<CsvRow['page']>): NewPage => ({
      platform: p.platform,
      handle: p.handle,
      url: p.canonicalUrl,
      title: p.title,
      region: p.region,
      category: p.category,
      tags: JSON.stringify(p.tags),
      aliases: JSON.stringify(p.aliases),
      platform_id: null,
      platform_title: null,
      paused_reason: null,
      created_at: created,
      status_message: null,
      status_at: null,
      posts_collected_at: null,
    })
    const ready = preview.rows.filter((r) => r.status === 'ready')
    // 13 values a row: 500 rows a statement stays far below SQLite's parameter limit.
    for (let i = 0; i < ready.length; i += 500) {
      const chunk = ready.slice(i, i + 500)
      const inserted = await trx
        .insertInto('pages')
        .values(chunk.map((r) => toRow(r.page!)))
        .onConflict((oc) => oc.columns(['platform', 'handle']).doNothing())
        .returning(['id', 'platform', 'handle'])
        .execute()
      const ids = new Map(inserted.map((p) => [`${p.platform}:${p.handle}`, p.id]))
      for (const row of chunk) {
        const id = ids.get(`${row.page!.platform}:${row.page!.handle}`)
        if (id === undefined) continue
        row.pageId = id
        result.pageIds.push(id)
        result.added++
      }
    }
    for (const row of preview.rows.filter((r) => r.status === 'restore')) {
      const p = toRow(row.page!)
      // Cells left empty keep what the page had before it was deleted.
      const given = Object.fromEntries((['title', 'region', 'category', 'tags', 'aliases'] as const).filter((k) => p[k] !== null && p[k] !== '[]').map((k) => [k, p[k]]))
      await trx
        .updateTable('pages')
        .set({ ...given, active: 1, paused_reason: null, consecutive_failures: 0, archived_at: null, deleted_at: null })
        .where('id', '=', row.pageId!)
        .execute()
      result.pageIds.push(row.pageId!)
      result.restored++
    }
    result.skipped = preview.rows.length - result.added - result.restored
    const skippedBy = { duplicate: preview.counts.duplicate, exists: preview.counts.exists, invalid: preview.counts.invalid }
    await recordAudit(
      trx,
      actor,
      {
        action: 'page.import',
        targetType: 'page',
        summary: `Imported ${options.fileName ? `"${options.fileName}"` : 'a CSV'}: ${result.added} added, ${result.restored} restored, ${result.skipped} skipped (${skippedBy.invalid} invalid, ${skippedBy.duplicate} duplicated in the file, ${skippedBy.exists} already registered)`,
        after: { file: options.fileName ?? null, rows: preview.rows.length, added: result.added, restored: result.restored, skipped: skippedBy, pageIds: compactIds(result.pageIds) },
      },
      now,
    )
    return result
  })
}

/** Ids as ranges ("1-4800,4802"): an import of thousands stays a short audit entry. */
function compactIds(ids: number[]): string {
  const sorted = [...ids].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return parts.join(',')
}

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab/CR) as a formula ("CSV injection"): such cells
 * are written with a leading apostrophe, which spreadsheets hide and the importer removes again.
 */
export const spreadsheetSafe = (cell: string): string => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)
const unescapeCell = (cell: string): string => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell)

/** Joins a list for a CSV cell so that splitList reads it back the same (a lone item with , or ; gets a
 * trailing `|`, which makes `|` the separator). */
export function joinList(items: string[]): string {
  const joined = items.join('|')
  return items.length === 1 && /[,;]/.test(items[0]!) ? `${joined}|` : joined
}

const parseJsonList = (json: string): string[] => {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

export interface ExportOptions {
  /** `;` for Excel in Russian locales. */
  separator?: ',' | ';'
  /** Start with a UTF-8 BOM, so Excel reads Cyrillic right. */
  bom?: boolean
  includeArchived?: boolean
}

/**
 * The registry as CSV in the import format (url,title,region,category,tags,aliases), in chunks: importing
 * it into an empty database gives the same registry. `title` is the operator's title (empty when the
 * platform's is used).
 */
export async function* exportCsv(db: Db, options: ExportOptions = {}): AsyncGenerator<string> {
  const delimiter = options.separator ?? ','
  yield (options.bom ? '\uFEFF' : '') + stringify([[...CSV_COLUMNS]], { delimiter, record_delimiter: 'windows' })
  for await (const rows of streamRegistry(db, { includeArchived: options.includeArchived ?? false })) {
    yield stringify(
      rows.map((r) => [r.url, r.title ?? '', r.region ?? '', r.category ?? '', joinList(parseJsonList(r.tags)), joinList(parseJsonList(r.aliases))].map(spreadsheetSafe)),
      { delimiter, record_delimiter: 'windows' },
    )
  }
}

/** The whole export as one string (CLI, tests). */
export async function exportCsvText(db: Db, options: ExportOptions = {}): Promise<string> {
  let text = ''
  for await (const chunk of exportCsv(db, options)) text += chunk
  return text
}
