import { describe, expect, it } from 'vitest'
import { en } from '../../src/i18n/en.ts'
import { createFormat, zonedDayStart } from '../../src/i18n/format.ts'
import { pickLocale } from '../../src/i18n/index.ts'
import { ru } from '../../src/i18n/ru.ts'

const NBSP = '\u00a0'
const at = (iso: string) => Date.parse(iso) / 1000

describe('pickLocale()', () => {
  it('takes ?lang= first, then the cookie, then Accept-Language by weight, else Russian', () => {
    expect(pickLocale({ query: 'en', cookie: 'ru', acceptLanguage: 'ru' })).toBe('en')
    expect(pickLocale({ query: 'de', cookie: 'en' })).toBe('en')
    expect(pickLocale({ acceptLanguage: 'en-US,en;q=0.9,ru;q=0.8' })).toBe('en')
    expect(pickLocale({ acceptLanguage: 'de-DE, en;q=0.5, ru;q=0.7' })).toBe('ru')
    expect(pickLocale({ acceptLanguage: 'fr, de;q=0.9' })).toBe('ru')
    expect(pickLocale({ acceptLanguage: 'en;q=0, ru-RU' })).toBe('ru')
    expect(pickLocale({ acceptLanguage: '*' })).toBe('ru')
    expect(pickLocale({})).toBe('ru')
  })
})

describe('createFormat()', () => {
  const ruFmt = createFormat('ru', 'Europe/Moscow')
  const enFmt = createFormat('en', 'Europe/Moscow')

  it('writes numbers the Russian way by default and the English way on request', () => {
    expect(ruFmt.count(13_412)).toBe(`13${NBSP}412`)
    expect(ruFmt.compact(1_200_000)).toBe(`1,2${NBSP}млн`)
    expect(ruFmt.compact(3_100_000)).toBe(`3,1${NBSP}млн`)
    expect(ruFmt.change(12_400)).toBe(`+12${NBSP}400`)
    expect(ruFmt.change(-336)).toBe('−336')
    expect(ruFmt.change(0)).toBe('0')
    expect(ruFmt.percent(28.169014)).toBe(`28,17${NBSP}%`)
    expect(ruFmt.signedPercent(-0.69057)).toBe(`−0,69${NBSP}%`)
    expect(ruFmt.count(11_300_000, false)).toBe(`≈11${NBSP}300${NBSP}000`)
    expect(ruFmt.count(null)).toBe('—')
    expect(enFmt.count(13_412)).toBe('13,412')
    expect(enFmt.compact(3_100_000)).toBe('3.1M')
    expect(enFmt.signedPercent(6.287425)).toBe('+6.29%')
  })

  it('writes dates in the display time zone: 26.11.2026 in Russian', () => {
    const t = at('2026-11-26T21:30:00Z') // 00:30 the next day in Moscow
    expect(ruFmt.date(t)).toBe('27.11.2026')
    expect(ruFmt.dateTime(t)).toBe('27.11.2026 00:30')
    expect(createFormat('ru', 'UTC').dateTime(t)).toBe('26.11.2026 21:30')
    expect(enFmt.date(t)).toBe('27 Nov 2026')
    expect(ruFmt.isoDate(t)).toBe('2026-11-27')
  })
})

describe('zonedDayStart()', () => {
  it('finds midnight of a date in a time zone, across DST changes, and refuses dates that do not exist', () => {
    expect(zonedDayStart('2026-11-26', 'Europe/Moscow')).toBe(at('2026-11-25T21:00:00Z'))
    expect(zonedDayStart('2026-11-26', 'UTC', 1)).toBe(at('2026-11-27T00:00:00Z'))
    expect(zonedDayStart('2026-03-30', 'Europe/Berlin')).toBe(at('2026-03-29T22:00:00Z')) // the day after the spring change
    expect(zonedDayStart('2026-03-29', 'Europe/Berlin')).toBe(at('2026-03-28T23:00:00Z'))
    expect(zonedDayStart('2026-02-31', 'UTC')).toBeUndefined()
    expect(zonedDayStart('yesterday', 'UTC')).toBeUndefined()
  })
})

describe('the language files', () => {
  it('have the same keys in Russian and English', () => {
    const shape = (o: object, prefix = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? shape(v, `${prefix}${k}.`) : [`${prefix}${k}`])).sort()
    expect(shape(en)).toEqual(shape(ru))
  })

  it('decline Russian nouns by number', () => {
    expect([1, 2, 5, 11, 21, 22, 25].map((n) => ru.totals.pages(n, String(n)))).toEqual(['1 страница', '2 страницы', '5 страниц', '11 страниц', '21 страница', '22 страницы', '25 страниц'])
    expect([1, 2].map((n) => en.totals.pages(n, String(n)))).toEqual(['1 page', '2 pages'])
  })
})
