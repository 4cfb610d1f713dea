import iconv from 'iconv-lite'
import { FeedError } from './fetch-feed.ts'

/** The charset named in a Content-Type header (`text/xml; charset=windows-1251`), lower-cased. */
export function headerCharset(contentType: string | null | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? '')
  return match?.[1]?.toLowerCase()
}

/** The encoding named in the XML declaration (`<?xml version="1.0" encoding="windows-1251"?>`), lower-cased. */
export function declaredEncoding(bytes: Buffer): string | undefined {
  // The declaration is ASCII in every encoding a feed uses (UTF-16 is caught by its BOM first).
  const head = bytes.subarray(0, 200).toString('latin1')
  const match = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)
  return match?.[1]?.toLowerCase()
}

const isUtf8 = (name: string) => name === 'utf-8' || name === 'utf8'

/**
 * Turns a feed's bytes into text. Order: a byte-order mark; then the HTTP charset and the XML
 * declaration. When those two disagree, real feeds are more often right in the declaration (servers
 * send a blanket `charset=utf-8`), so the UTF-8 one wins only if the bytes are valid UTF-8.
 * Defaults to UTF-8. An encoding no decoder knows is a clear FeedError.
 */
export function decodeFeed(bytes: Buffer, contentType?: string | null): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: bytes.subarray(3).toString('utf8'), encoding: 'utf-8' }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: iconv.decode(bytes.subarray(2), 'utf-16le'), encoding: 'utf-16le' }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: iconv.decode(bytes.subarray(2), 'utf-16be'), encoding: 'utf-16be' }

  const fromHeader = headerCharset(contentType)
  const fromXml = declaredEncoding(bytes)
  let encoding = fromHeader ?? fromXml ?? 'utf-8'
  if (fromHeader && fromXml && fromHeader !== fromXml && iconv.encodingExists(fromXml)) {
    if (isUtf8(fromHeader)) encoding = validUtf8(bytes) ? fromHeader : fromXml
    else if (isUtf8(fromXml)) encoding = validUtf8(bytes) ? fromXml : fromHeader
  }
  if (!iconv.encodingExists(encoding)) {
    throw new FeedError('bad_feed', `the feed is in an encoding publicpulse cannot read: "${encoding}"`)
  }
  return { text: iconv.decode(bytes, encoding, { stripBOM: true }), encoding: isUtf8(encoding) ? 'utf-8' : encoding }
}

function validUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return true
  } catch {
    return false
  }
}
