import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { cliActor } from '../src/auth/audit.ts'
import { listPages } from '../src/db/pages.ts'
import { deletePage } from '../src/page-admin.ts'
import { exportCsvText, importCsv, previewCsv } from '../src/registry-csv.ts'
import { registerPage } from '../src/registry.ts'
import { testDb } from './helpers/db.ts'

const NOW = new Date('2026-11-26T10:00:00Z')
const utf8 = (text: string) => new TextEncoder().encode(text)
const actor = cliActor()

describe('registry CSV import', () => {
  it('imports 5,000 rows with errors in them: adds the good ones, skips the rest and says why for each', async () => {
    const db = await testDb()
    await registerPage(db, { url: 'https://t.me/region_channel_0007' }, NOW) // already registered
    const lines = ['url;title;region;category;tags;aliases']
    const expected = { invalid: new Map<number, RegExp>(), duplicate: new Map<number, RegExp>(), exists: new Map<number, RegExp>() }
    for (let i = 0; i < 5000; i++) {
      const line = i + 2
      const handle = `region_channel_${String(i).padStart(4, '0')}`
      let url = i % 2 ? `https://t.me/${handle}` : `vk.com/${handle}`
      let title = `Администрация района №${i}`
      if (i % 500 === 3) {
        url = 'https://example.com/news'
        expected.invalid.set(line, /not a supported platform/)
      } else if (i % 500 === 4) {
        url = 'https://t.me/+AbCdEfGh'
        expected.invalid.set(line, /private invite link/)
      } else if (i % 500 === 5) {
        url = ''
        expected.invalid.set(line, /url is empty/)
      } else if (i % 500 === 6) {
        title = 'x'.repeat(201)
        expected.invalid.set(line, /title must be at most 200 characters/)
      } else if (i % 500 === 8) {
        url = `https://t.me/region_channel_${String(i - 1).padStart(4, '0')}` // same page as the line before
        expected.duplicate.set(line, new RegExp(`the same page as line ${line - 1}`))
      } else if (i === 7) {
        expected.exists.set(line, /already registered as #1/)
      }
      lines.push([url, `"${title}"`, 'Ростовская область', 'администрация', 'район|мо', `Глава района ${i}`].join(';'))
    }
    const bytes = utf8(`\uFEFF${lines.join('\r\n')}\r\n`)

    const preview = await previewCsv(db, bytes)
    expect(preview).toMatchObject({ encoding: 'UTF-8 with BOM', separator: ';', fileErrors: [] })
    expect(preview.counts).toEqual({ ready: 5000 - 40 - 10 - 1, restore: 0, invalid: 40, duplicate: 10, exists: 1 })
    expect(await db.selectFrom('pages').select('id').execute()).toHaveLength(1) // a preview saves nothing

    const started = performance.now()
    const result = await importCsv(db, bytes, actor, NOW, { fileName: 'region.csv' })
    const seconds = (performance.now() - started) / 1000
    console.info(`imported 5,000 CSV rows in ${seconds.toFixed(2)} s`)
    expect(result).toMatchObject({ added: 4949, restored: 0, skipped: 51 })
    for (const [kind, byLine] of Object.entries(expected)) {
      for (const [line, reason] of byLine) {
        const row = result.rows.find((r) => r.line === line)!
        expect(row.status, `line ${line}`).toBe(kind)
        expect(row.reason, `line ${line}`).toMatch(reason)
      }
    }
    const stored = await db.selectFrom('pages').selectAll().where('handle', '=', 'region_channel_0010').executeTakeFirstOrThrow()
    expect(stored).toMatchObject({ platform: 'vk', url: 'https://vk.com/region_channel_0010', title: 'Администрация района №10', region: 'Ростовская область', category: 'администрация', tags: '["район","мо"]', aliases: '["Глава района 10"]', active: 1 })
    expect(await db.selectFrom('pages').select('id').execute()).toHaveLength(4950)

    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'page.import').executeTakeFirstOrThrow()
    expect(audit.summary).toBe('Imported "region.csv": 4949 added, 0 restored, 51 skipped (40 invalid, 10 duplicated in the file, 1 already registered)')
    expect(JSON.parse(audit.after!).pageIds).toBe('2-4950')

    // The same file again adds nothing: every good row is now "already registered".
    const again = await importCsv(db, bytes, actor, NOW)
    expect(again).toMatchObject({ added: 0, skipped: 5000 })
    expect(again.counts.exists).toBe(4950)
  })

  it('reads commas or semicolons, with or without BOM, and Excel\'s Windows-1251', async () => {
    const db = await testDb()
    const comma = await previewCsv(db, utf8('url,title,tags\nhttps://t.me/durov,"Durov, Pavel","a, b"\n'))
    expect(comma).toMatchObject({ encoding: 'UTF-8', separator: ',', counts: { ready: 1 } })
    expect(comma.rows[0]!.page).toMatchObject({ title: 'Durov, Pavel', tags: ['a', 'b'] })

    const cp1251 = iconv.encode('url;title;region\r\nhttps://vk.com/club1;Правительство;Ростовская область\r\n', 'win1251')
    const windows = await previewCsv(db, cp1251)
    expect(windows).toMatchObject({ encoding: 'Windows-1251', separator: ';' })
    expect(windows.rows[0]!.page).toMatchObject({ title: 'Правительство', region: 'Ростовская область' })
  })

  it('refuses a file with an unknown or missing column before looking at any row', async () => {
    const db = await testDb()
    const unknown = await importCsv(db, utf8('url,title,colour\nhttps://t.me/durov,Durov,red\n'), actor, NOW)
    expect(unknown.fileErrors).toEqual(['Unknown column "colour" in the first line; the columns are url, title, region, category, tags, aliases (only url is required).'])
    expect(unknown.added).toBe(0)
    const noUrl = await previewCsv(db, utf8('link;title\nhttps://t.me/durov;Durov\n'))
    expect(noUrl.fileErrors.join(' ')).toMatch(/Unknown column "link".*There is no url column/)
    expect((await previewCsv(db, utf8(''))).fileErrors).toEqual([expect.stringMatching(/The file is empty/)])
    expect((await previewCsv(db, utf8('url\n'))).fileErrors).toEqual(['The file has a header but no rows.'])
    const extra = await previewCsv(db, utf8('url,title\nhttps://t.me/durov,Durov, Pavel\n'))
    expect(extra.rows[0]).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/3 cells but the first line names 2 columns/) })
    expect(await db.selectFrom('pages').select('id').execute()).toEqual([])
  })

  it('exports the registry in the import format, and the export imports back to the same registry', async () => {
    const source = await testDb()
    const input = [
      'url,title,region,category,tags,aliases',
      'https://t.me/durov,"Pavel ""the founder"" Durov",Москва,основатель,"a|b","Дуров, Павел|"',
      'vk.com/public5,,,,,',
      'https://vk.com/apiclub,=HYPERLINK("http://evil"),-1 region,@cat,+tag,',
    ].join('\n')
    const imported = await importCsv(source, utf8(input), actor, NOW)
    expect(imported.added).toBe(3)
    const exported = await exportCsvText(source)
    expect(exported.split('\r\n')[0]).toBe('url,title,region,category,tags,aliases')
    // Formula-looking cells are defused for spreadsheets.
    expect(exported).toContain(`'=HYPERLINK`)
    expect(exported).toContain(`'-1 region`)

    const target = await testDb()
    const back = await importCsv(target, utf8(exported), actor, NOW)
    expect(back.added).toBe(3)
    const registry = async (db: typeof source) =>
      (await listPages(db)).map(({ platform, handle, url, title, region, category, tags, aliases }) => ({ platform, handle, url, title, region, category, tags, aliases }))
    expect(await registry(target)).toEqual(await registry(source))
    expect((await registry(target))[0]).toMatchObject({ title: 'Pavel "the founder" Durov', tags: ['a', 'b'], aliases: ['Дуров, Павел'] })
    expect((await registry(target))[2]).toMatchObject({ title: '=HYPERLINK("http://evil")', region: '-1 region', category: '@cat', tags: ['+tag'] })

    // Excel flavour: BOM and semicolons, same content.
    const excel = await exportCsvText(source, { separator: ';', bom: true })
    expect(excel.startsWith('\uFEFFurl;title;region;category;tags;aliases\r\n')).toBe(true)
    expect((await previewCsv(await testDb(), utf8(excel))).counts.ready).toBe(3)
  })

  it('restores a page deleted with its history kept, history and all', async () => {
    const db = await testDb()
    const page = await registerPage(db, { url: 'https://t.me/durov' }, NOW)
    await db.insertInto('snapshots').values({ page_id: page.id, collected_at: 1_700_000_000, followers: 10, exact: 1 }).execute()
    await deletePage(db, page.id, { withHistory: false }, actor, NOW)
    expect(await listPages(db)).toEqual([])
    const result = await importCsv(db, utf8('url,title\nhttps://t.me/durov,Back again\n'), actor, NOW)
    expect(result).toMatchObject({ added: 0, restored: 1 })
    expect(result.rows[0]!.reason).toMatch(/comes back with that history/)
    expect((await listPages(db))[0]).toMatchObject({ id: page.id, title: 'Back again', active: true })
    expect(await db.selectFrom('snapshots').select('followers').where('page_id', '=', page.id).execute()).toEqual([{ followers: 10 }])
  })
})
