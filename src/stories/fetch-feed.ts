import { type FetchFailure, fetchBytes } from '../platforms/http.ts'

/** Why a feed could not be read; stored on its source as the status. */
export type FeedErrorKind = 'unavailable' | 'http_error' | 'too_large' | 'bad_feed'

/** A feed problem with a sentence an operator can act on. Never carries the query string of the URL. */
export class FeedError extends Error {
  override readonly name = 'FeedError'
  constructor(
    readonly kind: FeedErrorKind,
    message: string,
  ) {
    super(message)
  }
}

export interface FeedFetchOptions {
  /** Whole-request deadline, redirects and body included. */
  timeoutMs: number
  /** Bodies larger than this are refused (a feed is rarely over 1 MB; this protects memory). */
  maxBytes: number
  /** Validators from the last body stored: sent as If-None-Match / If-Modified-Since. */
  etag?: string | null
  lastModified?: string | null
  signal?: AbortSignal
}

export type FeedResponse =
  | { notModified: true }
  | {
      notModified: false
      body: Buffer
      /** The Content-Type header, for its charset. */
      contentType: string | null
      etag: string | null
      lastModified: string | null
      /** The URL after redirects: relative links resolve against it. */
      url: string
    }

/**
 * GETs a feed as bytes (the encoding is decided later, from the BOM, the HTTP header or the XML
 * declaration). Sends a conditional request when validators are known, follows redirects, enforces
 * the deadline and the size limit while reading, and turns every failure into a FeedError.
 */
export async function fetchFeed(url: string, options: FeedFetchOptions): Promise<FeedResponse> {
  const where = describeUrl(url)
  const headers: Record<string, string> = {
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
  }
  if (options.etag) headers['if-none-match'] = options.etag
  if (options.lastModified) headers['if-modified-since'] = options.lastModified
  const response = await fetchBytes(url, { ...options, headers, readBody: (status) => status >= 200 && status < 300 }, (f) => feedFailure(f, where))
  if (response.status === 304) return { notModified: true }
  if (response.status < 200 || response.status >= 300) throw new FeedError('http_error', `${where} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`)
  return {
    notModified: false,
    body: response.body,
    contentType: response.headers.get('content-type'),
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
    url: response.url,
  }
}

function feedFailure(f: FetchFailure, where: string): FeedError {
  switch (f.kind) {
    case 'timeout':
      return new FeedError('unavailable', `${where} did not answer within ${f.timeoutMs} ms (FEED_TIMEOUT_MS)`)
    case 'cancelled':
      return new FeedError('unavailable', `the request to ${where} was cancelled`)
    case 'network':
      return new FeedError('unavailable', `could not reach ${where}: ${f.reason}`)
    case 'too_large':
      return f.declared !== undefined
        ? new FeedError('too_large', `${where} is ${f.declared} bytes, more than the ${f.maxBytes} allowed (FEED_MAX_BYTES)`)
        : new FeedError('too_large', `${where} sent more than the ${f.maxBytes} bytes allowed (FEED_MAX_BYTES)`)
  }
}

/** The URL without query string or credentials: safe in messages and logs (some feeds carry a key). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}
