import { en } from './en.ts'
import { createFormat, type Format } from './format.ts'
import { ru } from './ru.ts'

/** Interface languages. Russian is the default: the readers are Russian regional analysts. */
export type Locale = 'ru' | 'en'
export const LOCALES: readonly Locale[] = ['ru', 'en']
export const DEFAULT_LOCALE: Locale = 'ru'

/** The shape every language file fills in: ru.ts is the reference. */
export type Messages = typeof ru

const MESSAGES: Record<Locale, Messages> = { ru, en }

/** Everything a view needs to speak to its reader: strings, formatting, the language itself. */
export interface I18n {
  locale: Locale
  t: Messages
  fmt: Format
}

export function createI18n(locale: Locale, timeZone: string): I18n {
  return { locale, t: MESSAGES[locale], fmt: createFormat(locale, timeZone) }
}

export const isLocale = (value: string | undefined | null): value is Locale => value === 'ru' || value === 'en'

/** Name of the cookie that remembers the reader's choice. */
export const LOCALE_COOKIE = 'lang'

/**
 * The language of one request: an explicit `?lang=` wins, then the remembered choice (cookie), then the
 * browser's Accept-Language (highest q first), else Russian.
 */
export function pickLocale(input: { query?: string | null; cookie?: string | null; acceptLanguage?: string | null }): Locale {
  if (isLocale(input.query)) return input.query
  if (isLocale(input.cookie)) return input.cookie
  const ranked = (input.acceptLanguage ?? '')
    .split(',')
    .map((part, order) => {
      const [range = '', ...params] = part.trim().split(';')
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean)
      return { lang: range.trim().toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), order }
    })
    .filter((r) => r.lang && r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order)
  for (const r of ranked) if (isLocale(r.lang)) return r.lang
  return DEFAULT_LOCALE
}

export type { Format }
