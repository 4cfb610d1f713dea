import type { Context, MiddlewareHandler } from 'hono'
import { tryGetContext } from 'hono/context-storage'
import { getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { createI18n, type I18n, LOCALE_COOKIE, LOCALES, type Locale, pickLocale } from './index.ts'

declare module 'hono' {
  interface ContextVariableMap {
    /** The reader's language and formatting, set by i18nMiddleware. */
    i18n: I18n
  }
}

/**
 * Chooses each request's language (`?lang=`, then the `lang` cookie, then Accept-Language, else
 * Russian) and remembers an explicit `?lang=` in a cookie for a year, so a switch sticks while links
 * stay clean. Views read it as `c.var.i18n`.
 */
export function i18nMiddleware(options: { timeZone: string }): MiddlewareHandler {
  const bundles = new Map<Locale, I18n>(LOCALES.map((l) => [l, createI18n(l, options.timeZone)]))
  return createMiddleware(async (c, next) => {
    const query = c.req.query('lang')
    const locale = pickLocale({ query, cookie: getCookie(c, LOCALE_COOKIE), acceptLanguage: c.req.header('accept-language') })
    if (query === locale) setCookie(c, LOCALE_COOKIE, locale, { path: '/', maxAge: 365 * 86_400, sameSite: 'Lax', httpOnly: true })
    c.set('i18n', bundles.get(locale)!)
    await next()
  })
}

/** The request's I18n (falls back to Russian in the given zone when the middleware did not run). */
export const i18nOf = (c: Context, timeZone = 'Europe/Moscow'): I18n => c.get('i18n') ?? createI18n('ru', timeZone)

const FALLBACK = createI18n('ru', 'Europe/Moscow')

/** The I18n of the request being rendered (through context storage), for components deep in a view; Russian outside a request. */
export const currentI18n = (): I18n => tryGetContext()?.var.i18n ?? FALLBACK

/** The current URL with `lang` set to the other language: the switch in the top bar. */
export function switchLanguageHref(url: string, current: Locale): string {
  const parsed = new URL(url, 'http://localhost')
  parsed.searchParams.set('lang', current === 'ru' ? 'en' : 'ru')
  return `${parsed.pathname}?${parsed.searchParams.toString()}`
}
