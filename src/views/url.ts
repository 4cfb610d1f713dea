/** Query values a link carries; empty ones are left out so URLs stay short and shareable. */
export type Params = Record<string, string | number | null | undefined>

/** `path?a=1&b=2` with the empty values dropped. */
export function link(path: string, params: Params = {}): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue
    search.set(name, String(value))
  }
  const text = search.toString()
  return text ? `${path}?${text}` : path
}

/** Only http(s) links from platforms become hrefs (a `javascript:` URL in a feed must not). */
export const safeHref = (url: string | null | undefined): string | undefined => (url && /^https?:\/\//i.test(url) ? url : undefined)
