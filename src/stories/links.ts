/** Resolves a feed link against a base (xml:base or the feed's URL); null unless the result is http(s). */
export function resolveLink(href: string | null | undefined, base: string): string | null {
  const value = href?.trim()
  if (!value) return null
  try {
    const url = new URL(value, base)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    url.hash = ''
    return url.href
  } catch {
    return null
  }
}

// Tracking parameters: the same story shared through two feeds often differs only by these.
const TRACKING = /^(utm_\w+|yclid|gclid|fbclid|_openstat)$/i

/**
 * The key under which two links are the same story: scheme and "www." ignored, host lower-cased,
 * default port, fragment and tracking parameters dropped, remaining parameters sorted, no trailing
 * slash. Only for comparing; the link shown is the one the feed gave.
 */
export function canonicalLink(link: string | null | undefined): string | null {
  if (!link) return null
  let url: URL
  try {
    url = new URL(link)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  const params = [...url.searchParams.entries()].filter(([k]) => !TRACKING.test(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const query = params.length ? `?${new URLSearchParams(params).toString()}` : ''
  const host = url.hostname.toLowerCase().replace(/^www\./, '')
  const port = url.port ? `:${url.port}` : ''
  const path = url.pathname.replace(/\/+$/, '') || ''
  return `${host}${port}${path}${query}`
}
