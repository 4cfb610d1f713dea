import type { StorySourceView } from '../db/stories.ts'
import type { StoryQuery, StoryWithEffects } from '../stories/service.ts'
import { CsrfField } from './csrf-field.tsx'
import { Layout, StatusBadge } from './layout.tsx'
import { EFFECT_WORDS, EffectLines } from './story-effect.tsx'

/** Only http(s) links from feeds become hrefs. */
const safeHref = (url: string | null | undefined) => (url && /^https?:\/\//i.test(url) ? url : undefined)

/** What the page needs of the request's i18n (structurally the dashboard's I18n). */
export interface StoriesLocale {
  locale: 'ru' | 'en'
  fmt: { dateTime(seconds: number | null | undefined): string; change(n: number | null | undefined): string; isoDate(seconds: number): string }
}

const WORDS = {
  en: {
    title: 'Stories',
    intro:
      'News from the registered feeds and analysts’ notes, with the pages they are about. Effect: the change in followers and in average views over the 24 hours and 7 days after a story, next to the change over the same span before it ("+120 vs +40").',
    source: 'Source',
    allSources: 'All sources',
    notes: 'Analysts’ notes',
    page: 'Page',
    allPages: 'All pages',
    from: 'From',
    to: 'To',
    order: 'Order',
    show: 'Show',
    sorts: { time: 'Newest first', followers_24h: 'Effect on followers, 24 h', followers_7d: 'Effect on followers, 7 days', views_24h: 'Effect on average views, 24 h', views_7d: 'Effect on average views, 7 days' },
    none: 'No stories match.',
    howToAdd: 'Register a news feed below, with `npm run cli -- stories sources add <url>` or `POST /api/story-sources`; feeds are polled every 15 minutes (STORIES_CRON). Notes are added on a page’s view or with `POST /api/stories`.',
    published: 'Published',
    story: 'Story',
    pagesAndEffect: 'Pages and effect',
    sortBy: 'sort',
    noDate: 'first seen (no date in the feed)',
    note: 'analyst’s note',
    noPage: 'no page',
    byHand: 'linked by hand',
    mentions: (alias: string) => `mentions “${alias}”`,
    otherPages: (n: number) => `and ${n} other page(s)`,
    unlink: 'Unlink',
    unlinkTitle: 'Not about this page: unlink it (matching will not link it again)',
    feeds: 'News feeds',
    noFeeds: 'No feeds registered yet.',
    feed: 'Feed',
    stories: 'Stories',
    lastPoll: 'Last poll',
    status: 'Status',
    never: 'never',
    remove: 'Remove',
    removeTitle: 'Remove this feed with its stories (notes stay)',
    addFeed: 'Add a news feed',
    feedUrl: 'RSS or Atom address',
    feedTitle: 'Name (optional)',
    add: 'Add',
    pollNow: 'Poll all feeds now',
    computed:
      'How the effect is computed: each value is the last sample at or before a moment; "after" is value(story + span) − value(story), "before" is value(story) − value(story − span). Empty when samples that far are missing, or when a rounded count would be compared with an exact one. It is a before/after, not proof of cause: other news on the same days moves the same numbers.',
    notices: { 'source-added': 'The feed is registered; it is read at the next poll.', 'source-removed': 'The feed and its stories were removed.', polled: 'All feeds were polled: see their status below.', unlinked: 'Unlinked. Matching will not link this story to that page again.' } as Record<string, string>,
  },
  ru: {
    title: 'Новости',
    intro:
      'Новости из подключённых лент и заметки аналитиков, со страницами, о которых они. Эффект: изменение подписчиков и среднего охвата за 24 часа и 7 дней после новости рядом с изменением за тот же срок до неё («+120 против +40»).',
    source: 'Источник',
    allSources: 'Все источники',
    notes: 'Заметки аналитиков',
    page: 'Страница',
    allPages: 'Все страницы',
    from: 'С',
    to: 'По',
    order: 'Порядок',
    show: 'Показать',
    sorts: { time: 'Сначала новые', followers_24h: 'Эффект на подписчиков, 24 ч', followers_7d: 'Эффект на подписчиков, 7 дней', views_24h: 'Эффект на средний охват, 24 ч', views_7d: 'Эффект на средний охват, 7 дней' },
    none: 'Нет подходящих новостей.',
    howToAdd: 'Подключите ленту ниже, командой `npm run cli -- stories sources add <url>` или `POST /api/story-sources`; ленты опрашиваются каждые 15 минут (STORIES_CRON). Заметки добавляются на странице паблика или через `POST /api/stories`.',
    published: 'Опубликовано',
    story: 'Новость',
    pagesAndEffect: 'Страницы и эффект',
    sortBy: 'сортировать',
    noDate: 'впервые замечена (в ленте нет даты)',
    note: 'заметка аналитика',
    noPage: 'нет страниц',
    byHand: 'связано вручную',
    mentions: (alias: string) => `упоминает «${alias}»`,
    otherPages: (n: number) => `и ещё страниц: ${n}`,
    unlink: 'Отвязать',
    unlinkTitle: 'Не об этой странице: отвязать (сопоставление больше её не привяжет)',
    feeds: 'Ленты новостей',
    noFeeds: 'Лент пока нет.',
    feed: 'Лента',
    stories: 'Новостей',
    lastPoll: 'Последний опрос',
    status: 'Состояние',
    never: 'никогда',
    remove: 'Удалить',
    removeTitle: 'Удалить ленту вместе с её новостями (заметки останутся)',
    addFeed: 'Подключить ленту',
    feedUrl: 'Адрес RSS или Atom',
    feedTitle: 'Название (необязательно)',
    add: 'Добавить',
    pollNow: 'Опросить все ленты сейчас',
    computed:
      'Как считается эффект: значение в момент — последний замер не позже него; «после» = значение(новость + срок) − значение(новость), «до» = значение(новость) − значение(новость − срок). Пусто, если замеров так далеко нет или пришлось бы сравнить округлённое число с точным. Это сравнение «до и после», а не доказательство причины: другие события тех же дней двигают те же цифры.',
    notices: { 'source-added': 'Лента подключена; она будет прочитана при следующем опросе.', 'source-removed': 'Лента и её новости удалены.', polled: 'Все ленты опрошены: их состояние — ниже.', unlinked: 'Отвязано. Сопоставление больше не привяжет эту новость к этой странице.' } as Record<string, string>,
  },
}

export interface StoriesPageProps {
  i18n: StoriesLocale
  stories: StoryWithEffects[]
  sources: StorySourceView[]
  pages: { id: number; title: string }[]
  query: StoryQuery
  /** Operators see the forms (add a feed, poll, remove, unlink). */
  canWrite: boolean
  error?: string
  notice?: string
  /** What the add-a-feed form held when it was refused. */
  feedForm?: { url: string; title: string }
}

export function StoriesPage(props: StoriesPageProps) {
  const { query, i18n } = props
  const { fmt } = i18n
  const locale = i18n.locale === 'en' ? 'en' : 'ru'
  const w = WORDS[locale]
  const pageId = query.pageId
  const sourceValue = query.source === undefined ? '' : String(query.source)
  const params = (sort?: string) => {
    const p = new URLSearchParams()
    if (pageId !== undefined) p.set('page', String(pageId))
    if (query.source !== undefined) p.set('source', String(query.source))
    if (query.from !== undefined) p.set('from', fmt.isoDate(query.from))
    if (query.to !== undefined) p.set('to', fmt.isoDate(query.to))
    if (sort && sort !== 'time') p.set('sort', sort)
    return p.toString()
  }
  const withQuery = (query: string) => (query ? `/stories?${query}` : '/stories')
  const here = withQuery(params(query.sort))
  const sortHref = (sort: string) => withQuery(params(sort))
  return (
    <Layout title={w.title} section="stories">
      <h1>{w.title}</h1>
      <p class="muted small">{w.intro}</p>
      {props.notice && w.notices[props.notice] ? (
        <p class="notice" role="status">
          {w.notices[props.notice]}
        </p>
      ) : null}
      {props.error ? (
        <p class="notice" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="get" action="/stories" class="filters">
        <label>
          {w.source}
          <select name="source">
            <option value="">{w.allSources}</option>
            <option value="manual" selected={sourceValue === 'manual'}>
              {w.notes}
            </option>
            {props.sources.map((s) => (
              <option value={String(s.id)} selected={sourceValue === String(s.id)}>
                {s.title ?? s.url}
              </option>
            ))}
          </select>
        </label>
        <label>
          {w.page}
          <select name="page">
            <option value="">{w.allPages}</option>
            {props.pages.map((p) => (
              <option value={String(p.id)} selected={pageId === p.id}>
                {p.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          {w.from}
          <input type="date" name="from" value={query.from === undefined ? undefined : fmt.isoDate(query.from)} />
        </label>
        <label>
          {w.to}
          <input type="date" name="to" value={query.to === undefined ? undefined : fmt.isoDate(query.to)} />
        </label>
        <label>
          {w.order}
          <select name="sort">
            {Object.entries(w.sorts).map(([value, label]) => (
              <option value={value} selected={(query.sort ?? 'time') === value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{w.show}</button>
      </form>
      {props.stories.length === 0 ? (
        <section class="empty">
          <p>{w.none}</p>
          <p class="small">{w.howToAdd}</p>
        </section>
      ) : (
        <div class="table-wrap">
          <table id="stories">
            <thead>
              <tr>
                <th scope="col">
                  <a href={sortHref('time')}>{w.published}</a>
                </th>
                <th scope="col">{w.story}</th>
                <th scope="col">{w.source}</th>
                <th scope="col">
                  {w.pagesAndEffect}{' '}
                  <span class="small">
                    ({w.sortBy}: <a href={sortHref('followers_24h')}>{w.sorts.followers_24h}</a>, <a href={sortHref('followers_7d')}>{w.sorts.followers_7d}</a>,{' '}
                    <a href={sortHref('views_24h')}>{w.sorts.views_24h}</a>, <a href={sortHref('views_7d')}>{w.sorts.views_7d}</a>)
                  </span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.stories.map((s) => (
                <tr data-story={String(s.id)}>
                  <td class="num">
                    <time datetime={new Date(s.publishedAt * 1000).toISOString()}>{fmt.dateTime(s.publishedAt)}</time>
                    {s.publishedKnown ? null : <div class="muted small">{w.noDate}</div>}
                  </td>
                  <td class="excerpt">
                    {safeHref(s.link) ? (
                      <a href={safeHref(s.link)} rel="noopener noreferrer">
                        {s.title}
                      </a>
                    ) : (
                      s.title
                    )}
                    {s.summary ? <div class="muted small">{s.summary.length > 240 ? `${s.summary.slice(0, 239)}…` : s.summary}</div> : null}
                  </td>
                  <td>{s.source ? (s.source.title ?? s.source.url) : <span class="muted">{w.note}</span>}</td>
                  <td>
                    {s.pages.length === 0 ? <span class="muted">{w.noPage}</span> : null}
                    {s.pages
                      .filter((p) => pageId === undefined || p.pageId === pageId)
                      .map((p) => (
                        <div class="story-page" data-page={String(p.pageId)}>
                          <a href={`/pages/${p.pageId}`}>{p.pageTitle}</a> <span class="muted small">{p.origin === 'manual' ? w.byHand : w.mentions(p.alias ?? '')}</span>
                          {props.canWrite ? (
                            <form method="post" action={`/stories/${s.id}/unlink`} class="inline-form">
                              <CsrfField />
                              <input type="hidden" name="page" value={String(p.pageId)} />
                              <input type="hidden" name="back" value={here} />
                              <button type="submit" class="link-button small" title={w.unlinkTitle}>
                                {w.unlink}
                              </button>
                            </form>
                          ) : null}
                          <EffectLines effect={p.effect} words={EFFECT_WORDS[locale]} change={fmt.change} />
                        </div>
                      ))}
                    {pageId !== undefined && s.pages.length > 1 ? <div class="muted small">{w.otherPages(s.pages.length - 1)}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2 id="feeds">{w.feeds}</h2>
      {props.sources.length === 0 ? (
        <p class="muted">{w.noFeeds}</p>
      ) : (
        <div class="table-wrap">
          <table id="sources">
            <thead>
              <tr>
                <th scope="col">{w.feed}</th>
                <th scope="col" class="num">
                  {w.stories}
                </th>
                <th scope="col">{w.lastPoll}</th>
                <th scope="col">{w.status}</th>
                {props.canWrite ? <th scope="col"></th> : null}
              </tr>
            </thead>
            <tbody>
              {props.sources.map((s) => (
                <tr data-source={String(s.id)}>
                  <td>
                    <a href={`/stories?source=${s.id}`}>{s.title ?? s.url}</a>
                    <div class="muted small">{s.url}</div>
                  </td>
                  <td class="num">{String(s.stories)}</td>
                  <td>{s.statusAt === null ? w.never : fmt.dateTime(s.statusAt)}</td>
                  <td>
                    <StatusBadge status={s.status === 'not_modified' ? 'ok' : s.status} message={s.statusMessage} active={true} />
                    {s.statusMessage ? <div class="muted small">{s.statusMessage}</div> : null}
                  </td>
                  {props.canWrite ? (
                    <td>
                      <form method="post" action={`/stories/sources/${s.id}/delete`} class="inline-form">
                        <CsrfField />
                        <button type="submit" class="link-button small" title={w.removeTitle}>
                          {w.remove}
                        </button>
                      </form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.canWrite ? (
        <section aria-labelledby="add-feed">
          <h2 id="add-feed">{w.addFeed}</h2>
          <form method="post" action="/stories/sources" class="filters">
            <CsrfField />
            <label class="grow">
              {w.feedUrl}
              <input type="url" name="url" required maxlength={2048} placeholder="https://www.mos.ru/rss" value={props.feedForm?.url} />
            </label>
            <label>
              {w.feedTitle}
              <input type="text" name="title" maxlength={200} value={props.feedForm?.title} />
            </label>
            <button type="submit">{w.add}</button>
          </form>
          <form method="post" action="/stories/poll">
            <CsrfField />
            <button type="submit">{w.pollNow}</button>
          </form>
        </section>
      ) : null}
      <p class="muted small">{w.computed}</p>
    </Layout>
  )
}
