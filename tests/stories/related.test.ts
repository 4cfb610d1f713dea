import { describe, expect, it } from 'vitest'
import { insertManualStory } from '../../src/db/stories.ts'
import { loadRelatedStories, MARKERS_PER_STORY_MAX, storyMarkers } from '../../src/stories/related.ts'
import { RelatedStoriesList } from '../../src/views/related-stories.tsx'
import { createI18n } from '../../src/i18n/index.ts'
import { testDb } from '../helpers/db.ts'
import { DAY, seedHistory, STORY } from './seed.ts'

const story = (id: number, at: number, title = `Story ${id}`) => ({ id, title, source: { id: 1, title: 'Дон-ТР', url: 'https://don.example/rss' }, link: `https://don.example/${id}`, publishedAt: at })

const i18n = createI18n('ru', 'UTC')

describe('story markers for a page chart', () => {
  it('gives each story its own line, sharing one only within the same hour', () => {
    const markers = storyMarkers([story(3, STORY + 2 * DAY), story(1, STORY), story(2, STORY + 20 * 60, 'A very long title that goes on and on beyond forty characters')])
    expect(markers).toEqual([
      { t: STORY, label: '2 stories', items: [expect.objectContaining({ id: 1, source: 'Дон-ТР', at: STORY }), expect.objectContaining({ id: 2 })] },
      { t: STORY + 2 * DAY, label: 'Story 3', items: [{ id: 3, title: 'Story 3', source: 'Дон-ТР', link: 'https://don.example/3', at: STORY + 2 * DAY }] },
    ])
    expect(storyMarkers([story(2, STORY, 'A very long title that goes on and on beyond forty characters')])[0]!.label).toBe('A very long title that goes on and on b…')
  })

  it(`groups per day when more than ${MARKERS_PER_STORY_MAX} stories are in range`, () => {
    const many = Array.from({ length: MARKERS_PER_STORY_MAX + 1 }, (_, i) => story(i + 1, STORY + (i % 3) * DAY + i * 60))
    const markers = storyMarkers(many)
    expect(markers.map((m) => m.items.length)).toEqual([7, 7, 7])
    expect(markers.map((m) => m.label)).toEqual(['7 stories', '7 stories', '7 stories'])
  })
})

describe('related stories beside the chart', () => {
  it('lists the page’s stories in range newest first with their effect, and carries the markers', async () => {
    const db = await testDb()
    const pageId = await seedHistory(db, 25)
    const now = STORY + 12 * DAY
    await insertManualStory(db, { title: 'Governor’s live broadcast <b>', link: 'javascript:alert(1)', publishedAt: STORY, pageIds: [pageId] }, now)
    await insertManualStory(db, { title: 'Quiet day', link: 'https://don.example/q', publishedAt: STORY + 3 * DAY, pageIds: [pageId] }, now)
    await insertManualStory(db, { title: 'Long ago', publishedAt: STORY - 60 * DAY, pageIds: [pageId] }, now)

    const related = await loadRelatedStories(db, pageId, { from: STORY - 5 * DAY, to: now }, now)
    expect(related.stories.map((s) => s.title)).toEqual(['Quiet day', 'Governor’s live broadcast <b>'])
    expect(related.stories[1]!.pages[0]!.effect.followers.h24).toEqual({ base: 3520, after: 720, before: 240, excess: 480, pending: false })

    const html = String(RelatedStoriesList({ i18n, pageId, chartId: 'followers-chart', related }))
    expect(html).toContain('data-chart="followers-chart"')
    expect(html).toContain('Governor’s live broadcast &lt;b&gt;')
    expect(html).not.toContain('javascript:')
    expect(html).toContain('href="https://don.example/q"')
    expect(html).toContain('data-excess="480"')
    expect(html).toContain(`${i18n.fmt.change(720)} <span class="muted">против ${i18n.fmt.change(240)}</span>`)
    expect(html).not.toContain('action="/stories/notes"') // no note form unless an operator reads it
    expect(String(RelatedStoriesList({ i18n, pageId, chartId: 'followers-chart', related, noteForm: { now } }))).toContain('action="/stories/notes"')
    const markers = JSON.parse(html.match(/data-story-markers="([^"]*)"/)![1]!.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>'))
    expect(markers).toEqual([
      { t: STORY * 1000, label: 'Governor’s live broadcast <b>', items: [{ id: expect.any(Number), title: 'Governor’s live broadcast <b>', source: 'заметка аналитика', link: null, when: i18n.fmt.dateTime(STORY) }] },
      { t: (STORY + 3 * DAY) * 1000, label: 'Quiet day', items: [expect.objectContaining({ link: 'https://don.example/q' })] },
    ])
  })
})
