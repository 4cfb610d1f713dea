import { describe, expect, test } from 'vitest'
import { LinkError, parsePageLink, type ParsedLink } from '../../src/platforms/links.ts'

const vk = (handle: string): ParsedLink => ({ platform: 'vk', handle, url: `https://vk.com/${handle}` })
const tg = (handle: string): ParsedLink => ({ platform: 'telegram', handle, url: `https://t.me/${handle}` })

const accepted: { input: string; expected: ParsedLink }[] = [
  // VK screen names, hosts and schemes
  { input: 'https://vk.com/durov', expected: vk('durov') },
  { input: 'vk.com/durov', expected: vk('durov') },
  { input: 'http://vk.com/durov', expected: vk('durov') },
  { input: 'https://www.vk.com/durov', expected: vk('durov') },
  { input: 'https://m.vk.com/durov', expected: vk('durov') },
  { input: 'vk.ru/durov', expected: vk('durov') },
  { input: 'https://m.vk.ru/durov/', expected: vk('durov') },
  { input: 'HTTPS://VK.COM/Durov', expected: vk('durov') },
  { input: '  https://vk.com/durov/?from=search#wall  ', expected: vk('durov') },
  { input: 'vk.com/ivan.petrov_93', expected: vk('ivan.petrov_93') },
  { input: '//vk.com/apiclub', expected: vk('apiclub') },
  // VK numbered groups and people
  { input: 'vk.com/club123', expected: vk('club123') },
  { input: 'https://vk.com/public123', expected: vk('club123') },
  { input: 'vk.com/event123', expected: vk('club123') },
  { input: 'vk.com/Public123/', expected: vk('club123') },
  { input: 'vk.com/club0123', expected: vk('club123') },
  { input: 'vk.com/id1', expected: vk('id1') },
  { input: 'https://m.vk.com/ID1?z=photo1_456239017', expected: vk('id1') },
  { input: 'vk.com/club1?w=wall-1_2', expected: vk('club1') },
  // Telegram hosts and forms
  { input: 'https://t.me/durov', expected: tg('durov') },
  { input: 't.me/durov', expected: tg('durov') },
  { input: 'http://www.t.me/durov/', expected: tg('durov') },
  { input: 'https://t.me/s/durov', expected: tg('durov') },
  { input: 'T.ME/S/DUROV/?before=539', expected: tg('durov') },
  { input: 'telegram.me/durov', expected: tg('durov') },
  { input: 'https://telegram.dog/durov', expected: tg('durov') },
  { input: '@durov', expected: tg('durov') },
  { input: ' @Durov ', expected: tg('durov') },
  { input: 't.me/Durov#top', expected: tg('durov') },
  { input: 't.me/BotFather?start=hello', expected: tg('botfather') },
  { input: 't.me/python_ru', expected: tg('python_ru') },
  { input: 't.me/abcd', expected: tg('abcd') },
  // Invisible marks copied from messengers around the link
  { input: '\u200Bhttps://t.me/durov\u200E', expected: tg('durov') },
]

const refused: { why: string; input: string; message: RegExp }[] = [
  { why: 'empty input', input: '', message: /^Paste a link to a VK or Telegram page\.$/ },
  { why: 'blank input', input: ' \n\t ', message: /^Paste a link to a VK or Telegram page\.$/ },
  { why: 'another site', input: 'https://example.com/durov', message: /^example\.com is not a supported platform: publicpulse tracks VK \(vk\.com\) and Telegram \(t\.me\) pages\.$/ },
  { why: 'a look-alike domain', input: 'vk.com.example.org/durov', message: /^vk\.com\.example\.org is not a supported platform/ },
  { why: 'a non-web scheme', input: 'tg://resolve?domain=durov', message: /^"tg:\/\/resolve\?domain=durov" is not a web link/ },
  { why: 'a script', input: 'javascript:alert(1)', message: /is not a web link/ },
  { why: 'a Telegram invite', input: 'https://t.me/+AbCdEfGhIjK', message: /^"https:\/\/t\.me\/\+AbC…" is a private invite link; only public channels and groups with a @username can be tracked\.$/ },
  { why: 'an old Telegram invite', input: 't.me/joinchat/AbCdEfGhIjK', message: /^"t\.me\/joinchat\/AbC…" is a private invite link/ },
  { why: 'a Telegram post', input: 't.me/durov/123', message: /^"t\.me\/durov\/123" links to a post, not a page; paste the page's own link \(https:\/\/t\.me\/durov\)\.$/ },
  { why: 'a Telegram preview post', input: 'https://t.me/s/durov/123', message: /links to a post, not a page.*\(https:\/\/t\.me\/durov\)/ },
  { why: 'a Telegram mini app', input: 't.me/somebot/app', message: /points inside a page, not at the page itself.*\(https:\/\/t\.me\/somebot\)/ },
  { why: 'a private message link', input: 't.me/c/1234567/89', message: /links to a message in a private chat; only public channels/ },
  { why: 'a sticker set', input: 'https://t.me/addstickers/Cats', message: /is a Telegram service link, not a channel or group/ },
  { why: 'a share link', input: 't.me/share/url?url=https://example.com', message: /is a Telegram service link/ },
  { why: 'a proxy link', input: 't.me/proxy?server=1.2.3.4&port=443', message: /is a Telegram service link/ },
  { why: 'an instant view link', input: 't.me/iv?url=https://example.com&rhash=1', message: /is a Telegram service link/ },
  { why: 'the preview without a name', input: 't.me/s/', message: /does not name a channel/ },
  { why: 'a group wall post', input: 'https://vk.com/wall-1_2', message: /^"https:\/\/vk\.com\/wall-1_2" links to a post, not a page; paste the page's own link \(https:\/\/vk\.com\/club1\)\.$/ },
  { why: 'a person\'s wall post', input: 'vk.com/wall1_2', message: /links to a post, not a page.*\(https:\/\/vk\.com\/id1\)/ },
  { why: 'a VK photo', input: 'vk.com/photo-1_2', message: /links to a photo, not a page.*\(https:\/\/vk\.com\/club1\)/ },
  { why: 'a VK video', input: 'm.vk.com/video-1_2', message: /links to a video, not a page.*\(https:\/\/vk\.com\/club1\)/ },
  { why: 'a VK wall section', input: 'vk.com/wall-1', message: /links to the wall of a page, not the page itself.*\(https:\/\/vk\.com\/club1\)/ },
  { why: 'a VK article', input: 'vk.com/@apiclub-how-to', message: /links to an article, not a page.*\(https:\/\/vk\.com\/apiclub\)/ },
  { why: 'the VK feed', input: 'https://vk.com/feed', message: /^"https:\/\/vk\.com\/feed" is a VK service address, not a page/ },
  { why: 'VK messages', input: 'vk.com/im?sel=1', message: /is a VK service address/ },
  { why: 'VK search', input: 'vk.com/search?c[q]=news', message: /is a VK service address/ },
  { why: 'VK\'s redirector', input: 'vk.com/away.php?to=https%3A%2F%2Fexample.com', message: /is a VK service address/ },
  { why: 'VK video catalogue', input: 'vk.com/video', message: /is a VK service address/ },
  { why: 'user id 0', input: 'vk.com/id0', message: /is a VK service address/ },
  { why: 'group id 0', input: 'vk.com/club0', message: /is a VK service address/ },
  { why: 'a bare VK number', input: 'vk.com/123', message: /does not say whether 123 is a person or a group; paste https:\/\/vk\.com\/id123 or https:\/\/vk\.com\/club123\./ },
  { why: 'a path inside a VK page', input: 'vk.com/durov/photos', message: /points inside a page.*\(https:\/\/vk\.com\/durov\)/ },
  { why: 'a bare word', input: 'durov', message: /^"durov" does not say which platform; paste the full link, e.g\. https:\/\/t\.me\/durov or https:\/\/vk\.com\/durov\.$/ },
  { why: 'a bare word with a path', input: 'durov/123', message: /does not say which platform/ },
  { why: 'spaces inside', input: 'vk.com/du rov', message: /^"vk\.com\/du rov" contains spaces or line breaks/ },
  { why: 'two links on two lines', input: 't.me/durov\nt.me/telegram', message: /^"t\.me\/durov t\.me\/telegram" contains spaces or line breaks/ },
  { why: 'a scheme and nothing else', input: 'http://', message: /^"http:\/\/" is not a complete link/ },
  { why: 'VK without a name', input: 'vk.com/', message: /^"vk\.com\/" does not name a page/ },
  { why: 'Telegram without a name', input: 'https://t.me', message: /does not name a channel/ },
  { why: 'a VK name in Cyrillic', input: 'vk.com/дуров', message: /^"vk\.com\/дуров" does not contain a valid VK page name/ },
  { why: 'a VK name with symbols', input: 'vk.com/du$rov', message: /does not contain a valid VK page name/ },
  { why: 'a too short Telegram name', input: '@abc', message: /^"@abc" does not contain a valid Telegram name: names are 4–32/ },
  { why: 'a Telegram name starting with a digit', input: 't.me/1durov', message: /does not contain a valid Telegram name/ },
  { why: 'a Telegram name with a dot', input: 't.me/du.rov', message: /does not contain a valid Telegram name/ },
  { why: 'credentials in the link', input: 'https://user:secret@t.me/durov', message: /has a user name or password in it/ },
  { why: 'overlong input', input: `https://vk.com/${'a'.repeat(2100)}`, message: /^"https:\/\/vk\.com\/a+…" is too long for a page link \(2,115 characters, the limit is 2,048\)/ },
]

function refusal(input: string): LinkError {
  try {
    parsePageLink(input)
  } catch (error) {
    if (error instanceof LinkError) return error
    throw error
  }
  throw new Error(`parsePageLink(${JSON.stringify(input)}) accepted the input`)
}

describe('parsePageLink()', () => {
  test.each(accepted)('accepts $input', ({ input, expected }) => {
    expect(parsePageLink(input)).toEqual(expected)
  })

  test.each(refused)('refuses $why with a sentence saying why', ({ input, message }) => {
    const error = refusal(input)
    expect(error.name).toBe('LinkError')
    expect(error.message).toMatch(message)
  })

  test('gives every form of the same page the same handle and url', () => {
    const forms = [
      'https://vk.com/club42',
      'vk.com/public42',
      'm.vk.ru/event42/',
      'VK.COM/CLUB42?w=wall-42_1',
      'www.vk.com/club42#top',
    ]
    const parsed = forms.map((form) => parsePageLink(form))
    expect(new Set(parsed.map((p) => JSON.stringify(p)))).toEqual(new Set([JSON.stringify(vk('club42'))]))
  })

  test('keeps only the start of a Telegram invite hash out of the message', () => {
    const { message } = refusal('https://t.me/+AbCdEfGhIjKlMnOp')
    expect(message).not.toContain('AbCdEfGhIjKlMnOp')
    expect(message).not.toContain('AbCd')
  })

  test('shortens long input when quoting it', () => {
    const { message } = refusal(`https://example.com/${'x'.repeat(200)} trailing`)
    expect(message.length).toBeLessThan(160)
    expect(message).toContain('…')
  })

  test('quotes control characters as replacement marks', () => {
    const { message } = refusal('vk.com/du\u0000rov')
    expect(message).not.toContain('\u0000')
  })

  test('throws an Error subclass that callers can tell apart with instanceof', () => {
    const error = refusal('durov')
    expect(error).toBeInstanceOf(Error)
    expect(error).toBeInstanceOf(LinkError)
  })
})
