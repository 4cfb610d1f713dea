import { describe, expect, it } from 'vitest'
import type { Actor } from '../../src/auth/audit.ts'
import { insertPage } from '../../src/db/pages.ts'
import { insertStorySource, storeFeedItems, unlinkStory } from '../../src/db/stories.ts'
import { updatePageMeta } from '../../src/page-admin.ts'
import { AliasMatcher } from '../../src/stories/match.ts'
import { testDb } from '../helpers/db.ts'

const NOW = new Date('2026-11-20T12:00:00Z')
const NOW_S = NOW.getTime() / 1000
const OPERATOR: Actor = { kind: 'session', name: 'olga', id: 1 }

const story = (guid: string, title: string) => ({ guid, link: `https://news.example/${guid}`, title, summary: null, publishedAt: NOW_S - 86_400 })

const linksOf = (db: Awaited<ReturnType<typeof testDb>>) =>
  db.selectFrom('page_stories').select(['page_id', 'story_id', 'origin', 'matched_alias', 'removed_at']).orderBy('story_id').execute()

describe('editing aliases in page management', () => {
  it('links stored stories that mention a new alias, and leaves a link removed by hand removed', async () => {
    const db = await testDb()
    const page = await insertPage(db, { platform: 'telegram', handle: 'gov_rostov', url: 'https://t.me/gov_rostov' }, NOW)
    const other = await insertPage(db, { platform: 'telegram', handle: 'mayor', url: 'https://t.me/mayor' }, NOW)
    const source = await insertStorySource(db, { url: 'https://news.example/rss' }, NOW)
    // Stored before the page had aliases: nothing links them yet.
    await storeFeedItems(
      db,
      source,
      { title: 'News', etag: null, lastModified: null, items: [story('a', 'Губернатор Голубев открыл мост'), story('b', 'Голубев провёл совещание'), story('c', 'Погода на выходные')] },
      () => new AliasMatcher([]),
      NOW_S - 3600,
    )
    expect(await linksOf(db)).toEqual([])

    // An operator linked story b by hand and then removed it: the edit must not bring it back.
    const ids = (await db.selectFrom('stories').select(['id', 'guid']).orderBy('id').execute()).map((s) => s.id)
    await db.insertInto('page_stories').values({ page_id: page.id, story_id: ids[1]!, origin: 'manual', matched_alias: null, linked_at: NOW_S - 1800, removed_at: null }).execute()
    expect(await unlinkStory(db, page.id, ids[1]!, NOW_S - 900)).toBe(true)

    expect(await updatePageMeta(db, page.id, { aliases: ['Голубев'] }, OPERATOR, NOW)).toEqual(['aliases'])
    expect(await linksOf(db)).toEqual([
      { page_id: page.id, story_id: ids[0], origin: 'match', matched_alias: 'Голубев', removed_at: null },
      { page_id: page.id, story_id: ids[1], origin: 'manual', matched_alias: null, removed_at: NOW_S - 900 },
    ])

    // Editing other fields does not rematch; the other page gets nothing from this page's aliases.
    await db.deleteFrom('page_stories').where('story_id', '=', ids[0]!).execute()
    expect(await updatePageMeta(db, page.id, { region: 'Ростовская область' }, OPERATOR, NOW)).toEqual(['region'])
    expect((await linksOf(db)).map((l) => l.story_id)).toEqual([ids[1]])
    expect((await linksOf(db)).some((l) => l.page_id === other.id)).toBe(false)
  })
})
