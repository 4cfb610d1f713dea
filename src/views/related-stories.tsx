import type { RelatedStories } from '../stories/related.ts'
import { CsrfField } from './csrf-field.tsx'
import { EFFECT_WORDS, EffectLines } from './story-effect.tsx'

/** What the list needs of the page's i18n: its language and two formatters (structurally the dashboard's I18n). */
export interface RelatedStoriesLocale {
  locale: 'ru' | 'en'
  fmt: {
    dateTime(seconds: number | null | undefined): string
    change(n: number | null | undefined): string
    isoDate(seconds: number): string
    time(seconds: number | null | undefined): string
  }
}

const WORDS = {
  en: {
    title: 'Related stories',
    explain: 'Newest first. For each story: the change over the 24 hours and 7 days after it, next to the change over the same span before it.',
    none: 'No stories linked to this page in this range.',
    byEffect: 'All stories of this page, by effect',
    note: "analyst's note",
    byHand: 'linked by hand',
    mentions: (alias: string) => `mentions “${alias}”`,
    more: (n: number) => `Only the newest ${n} are listed and marked.`,
    stories: (n: number) => `${n} stories`,
    addNote: 'Add a note for this page',
    noteTitle: 'What happened',
    notePlaceholder: 'Governor’s live broadcast',
    date: 'Date',
    time: 'Time',
    link: 'Link (optional)',
    add: 'Add',
  },
  ru: {
    title: 'Связанные новости',
    explain: 'Сначала новые. Для каждой новости: изменение за 24 часа и 7 дней после неё рядом с изменением за тот же срок до неё.',
    none: 'За этот период со страницей не связано ни одной новости.',
    byEffect: 'Все новости страницы по эффекту',
    note: 'заметка аналитика',
    byHand: 'связано вручную',
    mentions: (alias: string) => `упоминает «${alias}»`,
    more: (n: number) => `Показаны и отмечены только ${n} последних.`,
    stories: (n: number) => `новостей: ${n}`,
    addNote: 'Добавить заметку к этой странице',
    noteTitle: 'Что произошло',
    notePlaceholder: 'Прямой эфир губернатора',
    date: 'Дата',
    time: 'Время',
    link: 'Ссылка (необязательно)',
    add: 'Добавить',
  },
} as const

const httpOnly = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null)

/**
 * The stories linked to a page in the chart's range, beside the chart, with their effect figures. It
 * also carries the chart's markers in `data-story-markers` (escaped JSON, read by web/story-markers.js):
 * grouped lines, whose hover shows title and source and whose click opens the story.
 */
export function RelatedStoriesList(props: {
  i18n: RelatedStoriesLocale
  pageId: number
  chartId: string
  related: RelatedStories
  /** An operator is reading: show the form for a dated note (defaults to `now`, unix seconds). */
  noteForm?: { now: number }
}) {
  const { fmt } = props.i18n
  const locale = props.i18n.locale === 'en' ? 'en' : 'ru'
  const w = WORDS[locale]
  const { stories, markers } = props.related
  const forScript = markers.map((m) => ({
    t: m.t * 1000,
    label: m.items.length === 1 ? m.label : w.stories(m.items.length),
    items: m.items.map((i) => ({ id: i.id, title: i.title, source: i.source === 'note' ? w.note : i.source, link: httpOnly(i.link), when: fmt.dateTime(i.at) })),
  }))
  return (
    <section class="related-stories" id="related-stories" aria-labelledby="related-stories-title" data-chart={props.chartId} data-story-markers={JSON.stringify(forScript)}>
      <h2 id="related-stories-title">{w.title}</h2>
      <p class="muted small">
        {w.explain} <a href={`/stories?page=${props.pageId}&sort=followers_24h`}>{w.byEffect}</a>
      </p>
      {stories.length === 0 ? (
        <p class="muted">{w.none}</p>
      ) : (
        <ol class="story-list">
          {stories.map((s) => {
            const mine = s.pages.find((p) => p.pageId === props.pageId)
            const link = httpOnly(s.link)
            return (
              <li data-story={String(s.id)}>
                <div>
                  <time datetime={new Date(s.publishedAt * 1000).toISOString()}>{fmt.dateTime(s.publishedAt)}</time>
                  {' · '}
                  <span class="muted">{s.source ? (s.source.title ?? s.source.url) : w.note}</span>
                </div>
                <div>
                  {link ? (
                    <a href={link} rel="noopener noreferrer" target="_blank">
                      {s.title}
                    </a>
                  ) : (
                    s.title
                  )}
                  {mine ? <span class="muted small"> ({mine.origin === 'manual' ? w.byHand : w.mentions(mine.alias ?? '')})</span> : null}
                </div>
                {mine ? <EffectLines effect={mine.effect} words={EFFECT_WORDS[locale]} change={fmt.change} /> : null}
              </li>
            )
          })}
        </ol>
      )}
      {props.related.truncated ? <p class="muted small">{w.more(stories.length)}</p> : null}
      {props.noteForm ? (
        <details class="add-note">
          <summary>{w.addNote}</summary>
          <form method="post" action="/stories/notes" class="filters">
            <CsrfField />
            <input type="hidden" name="page" value={String(props.pageId)} />
            <input type="hidden" name="back" value={`/pages/${props.pageId}#related-stories`} />
            <label class="grow">
              {w.noteTitle}
              <input type="text" name="title" required maxlength={500} placeholder={w.notePlaceholder} />
            </label>
            <label>
              {w.date}
              <input type="date" name="date" required value={fmt.isoDate(props.noteForm.now)} />
            </label>
            <label>
              {w.time}
              <input type="time" name="time" value={fmt.time(props.noteForm.now)} />
            </label>
            <label class="grow">
              {w.link}
              <input type="url" name="link" maxlength={2048} placeholder="https://" />
            </label>
            <button type="submit">{w.add}</button>
          </form>
        </details>
      ) : null}
    </section>
  )
}
