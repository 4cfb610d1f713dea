import { parse } from 'node-html-parser'

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Decodes the five XML entities and numeric references (what a raw XML text node may hold). */
export function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return XML_ENTITIES[name.toLowerCase()] ?? whole
  })
}

/**
 * The text of an element the XML parser left raw (description, content, summary): CDATA sections are
 * taken as they are, everything else has its XML entities decoded. What comes out is the HTML the
 * feed meant (RSS descriptions are escaped HTML).
 */
export function rawElementText(raw: string): string {
  let out = ''
  let rest = raw
  for (;;) {
    const start = rest.indexOf('<![CDATA[')
    if (start < 0) return out + decodeXmlEntities(rest)
    const end = rest.indexOf(']]>', start + 9)
    out += decodeXmlEntities(rest.slice(0, start)) + rest.slice(start + 9, end < 0 ? undefined : end)
    if (end < 0) return out
    rest = rest.slice(end + 3)
  }
}

const collapse = (text: string) => text.replace(/[\s\u00a0]+/g, ' ').trim()

/**
 * HTML to plain text for storing and showing: scripts, styles and tags dropped, entities decoded,
 * block elements separated by a space, whitespace collapsed. The result is still untrusted text: views
 * escape it like any other.
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return collapse(html)
  const root = parse(html, { comment: false })
  for (const el of root.querySelectorAll('script, style, noscript, template, iframe, object')) el.remove()
  return collapse(root.structuredText)
}

/** Cuts text to `max` characters at a word boundary, with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text
  const cut = text.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`
}
