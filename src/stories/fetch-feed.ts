import { USER_AGENT } from '../platforms/http.ts'

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
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
  }
  if (options.etag) headers['if-none-match'] = options.etag
  if (options.lastModified) headers['if-modified-since'] = options.lastModified

  let response: Response
  try {
    response = await fetch(url, { headers, redirect: 'follow', signal })
  } catch (error) {
    throw networkError(error, where, timeout, options.timeoutMs)
  }
  if (response.status === 304) {
    await response.body?.cancel().catch(() => {})
    return { notModified: true }
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {})
    throw new FeedError('http_error', `${where} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`)
  }
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw new FeedError('too_large', `${where} is ${declared} bytes, more than the ${options.maxBytes} allowed (FEED_MAX_BYTES)`)
  }
  let body: Buffer
  try {
    body = await readLimited(response, options.maxBytes, where)
  } catch (error) {
    if (error instanceof FeedError) throw error
    throw networkError(error, where, timeout, options.timeoutMs)
  }
  return {
    notModified: false,
    body,
    contentType: response.headers.get('content-type'),
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
    url: response.url || url,
  }
}

async function readLimited(response: Response, maxBytes: number, where: string): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0)
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      throw new FeedError('too_large', `${where} sent more than the ${maxBytes} bytes allowed (FEED_MAX_BYTES)`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

function networkError(error: unknown, where: string, timeout: AbortSignal, timeoutMs: number): FeedError {
  if (timeout.aborted) return new FeedError('unavailable', `${where} did not answer within ${timeoutMs} ms (FEED_TIMEOUT_MS)`)
  if ((error as Error)?.name === 'AbortError') return new FeedError('unavailable', `the request to ${where} was cancelled`)
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause
  const reason = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error)
  return new FeedError('unavailable', `could not reach ${where}: ${reason}`)
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
