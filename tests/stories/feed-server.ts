import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'
import { onTestFinished } from 'vitest'
import { serve } from '../helpers/replay-server.ts'

const rssDir = fileURLToPath(new URL('../fixtures/rss/', import.meta.url))

/** The recorded feed's bytes, exactly as saved (the windows-1251 one is not valid UTF-8). */
export const feedBytes = (name: string): Buffer => readFileSync(rssDir + name)

export const MOS = 'mos_ru_official_rss20.xml'
export const XAKEP = 'xakep_ru_rss20_windows1251.xml'
export const ATOM = 'lagrange_atom_fr.xml'

/** The windows-1251 sample without its XML declaration: only the HTTP header can name the encoding. */
export const xakepWithoutDeclaration = () => {
  const bytes = feedBytes(XAKEP)
  const end = bytes.indexOf('?>') + 2
  return bytes.subarray(end)
}

/**
 * Built for the relative-link and HTML cases, which none of the recorded feeds has: relative item
 * links, an xml:base, CDATA HTML with a script, a `javascript:` link, an item without guid or link,
 * and a date in a named zone (MSK).
 */
export const SYNTHETIC_RSS = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Вести Дона</title><link>https://don.example/</link>
<item><title>Губернатор &amp; его &lt;команда&gt;</title><link>/news/1?utm_source=rss</link>
<description><![CDATA[<p>Встреча с <b>Голубевым</b>&nbsp;прошла.</p><script>alert(1)</script><img src="x" onerror="alert(2)">]]></description>
<pubDate>Mon, 16 Nov 2026 09:30 MSK</pubDate></item>
<item><title>Bad link</title><link>javascript:alert(1)</link><guid isPermaLink="false">bad-1</guid><pubDate>Mon, 16 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>No date, no link</title><description>Текст без даты</description></item>
</channel></rss>`

export interface FeedServer {
  url: string
  /** Requests seen: path and the conditional headers sent. */
  requests: { path: string; ifNoneMatch: string | null; ifModifiedSince: string | null }[]
}

/** A local server that replays the sample feeds in the ways real servers answer, closed when the test ends. */
export async function startFeedServer(): Promise<FeedServer> {
  const requests: FeedServer['requests'] = []
  const app = new Hono()
  app.use(async (c, next) => {
    requests.push({ path: c.req.path, ifNoneMatch: c.req.header('if-none-match') ?? null, ifModifiedSince: c.req.header('if-modified-since') ?? null })
    await next()
  })
  const xml = (body: Uint8Array | string, type = 'application/rss+xml', headers: Record<string, string> = {}) =>
    new Response(typeof body === 'string' ? body : new Uint8Array(body), { headers: { 'content-type': type, ...headers } })

  // UTF-8 feed with an ETag: answers 304 when asked with the same one.
  app.get('/mos.xml', (c) => (c.req.header('if-none-match') === '"mos-v1"' ? c.body(null, 304) : xml(feedBytes(MOS), 'application/rss+xml', { etag: '"mos-v1"' })))
  app.get('/mos-copy.xml', () => xml(feedBytes(MOS)))
  // Encoding named only in the XML declaration (the server sends no charset).
  app.get('/xakep.xml', () => xml(feedBytes(XAKEP), 'text/xml'))
  // Encoding named only in the HTTP header.
  app.get('/xakep-header.xml', () => xml(xakepWithoutDeclaration(), 'text/xml; charset=windows-1251'))
  // A blanket "utf-8" header over windows-1251 bytes whose declaration says so.
  app.get('/xakep-mislabelled.xml', () => xml(feedBytes(XAKEP), 'text/xml; charset=utf-8'))
  // Atom with only Last-Modified as a validator.
  const modified = 'Fri, 12 Apr 2013 13:38:13 GMT'
  app.get('/atom.xml', (c) => (c.req.header('if-modified-since') === modified ? c.body(null, 304) : xml(feedBytes(ATOM), 'application/atom+xml', { 'last-modified': modified })))
  app.get('/moved', (c) => c.redirect('/synthetic/feed.xml', 301))
  app.get('/synthetic/feed.xml', () => xml(SYNTHETIC_RSS))
  app.get('/broken.xml', () => xml(feedBytes(MOS).subarray(0, 1500)))
  app.get('/html', (c) => c.html('<!doctype html><html><body><h1>Too many requests</h1></body></html>'))
  app.get('/gone.xml', (c) => c.text('gone', 410))
  // Answers after ?ms= milliseconds (1500 by default).
  app.get('/slow.xml', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, Number(c.req.query('ms') ?? 1500)))
    return xml(feedBytes(MOS))
  })
  // Too large, announced in Content-Length.
  app.get('/big.xml', () => xml(feedBytes(ATOM)))
  // Too large, streamed without Content-Length: the limit holds while reading.
  app.get('/big-stream.xml', () => {
    const bytes = feedBytes(ATOM)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(new Uint8Array(bytes.subarray(i, i + 8192)))
        controller.close()
      },
    })
    return new Response(stream, { headers: { 'content-type': 'application/atom+xml' } })
  })
  const server = await serve(app)
  onTestFinished(() => server.close())
  return { url: server.url, requests }
}
