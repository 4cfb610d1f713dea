import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { fixture } from '../helpers/replay-server.ts'

/**
 * A hostile stand-in for api.vk.com and t.me on 127.0.0.1: plain node:http so a test controls the
 * wire itself (headers sent and the body trickled, a socket destroyed mid-body, a body cut short),
 * which a framework's response object would smooth over. VK is served under /vk/method/<name>, t.me
 * under /tg/<path>; every answer comes from the test's `route` function.
 */

/** One request as the server saw it. `params` merges the query and a form-encoded POST body (VK). */
export interface Hit {
  method: string
  path: string
  params: Record<string, string>
  /** performance.now() when the request arrived. */
  at: number
}

/** Writes one answer. Returning a promise keeps the request open until it settles. */
export type Reply = (res: ServerResponse, req: IncomingMessage) => void | Promise<void>

export interface FaultServer {
  url: string
  vkUrl: string
  telegramUrl: string
  hits: Hit[]
  /** Requests seen for one path (e.g. `/vk/method/groups.getById`, `/tg/durov`). */
  of(path: string): Hit[]
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight: { now: number; max: number }
  close(): Promise<void>
}

/**
 * Starts the server. `route(hit, n)` picks the answer; `n` counts earlier requests to the same path,
 * so a test can fail the first attempts and then answer properly.
 */
export async function startFaultServer(route: (hit: Hit, n: number) => Reply): Promise<FaultServer> {
  const hits: Hit[] = []
  const inFlight = { now: 0, max: 0 }
  const sockets = new Set<Socket>()
  const server = createServer(async (req, res) => {
    inFlight.max = Math.max(inFlight.max, ++inFlight.now)
    res.on('close', () => inFlight.now--)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const params: Record<string, string> = Object.fromEntries(url.searchParams)
    const body = await readBody(req)
    if (req.method === 'POST' && body) for (const [key, value] of new URLSearchParams(body)) params[key] = value
    const hit: Hit = { method: req.method ?? 'GET', path: url.pathname, params, at: performance.now() }
    const n = hits.filter((h) => h.path === hit.path).length
    hits.push(hit)
    try {
      await route(hit, n)(res, req)
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error))
      else res.destroy()
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    vkUrl: `${url}/vk/method`,
    telegramUrl: `${url}/tg`,
    hits,
    of: (path) => hits.filter((h) => h.path === path),
    inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const JSON_TYPE = 'application/json; charset=utf-8'
const HTML_TYPE = 'text/html; charset=utf-8'

/** A complete answer with its Content-Length. */
export const answer =
  (body: string, status = 200, headers: Record<string, string> = {}): Reply =>
  (res) => {
    const bytes = Buffer.from(body, 'utf8')
    res.writeHead(status, { 'content-type': body.trimStart().startsWith('<') ? HTML_TYPE : JSON_TYPE, 'content-length': bytes.length, ...headers })
    res.end(bytes)
  }

/** A recorded response from tests/fixtures, whole. */
export const recorded = (path: string, status = 200): Reply => answer(fixture(path), status)

/** Answers after `ms` (headers included): a server that is slow to start answering. */
export const late =
  (ms: number, reply: Reply): Reply =>
  async (res, req) => {
    await wait(ms)
    if (!res.destroyed) await reply(res, req)
  }

/**
 * Sends the headers and the first `headBytes` at once, then `chunkBytes` every `everyMs`: a body that
 * trickles in, each chunk soon enough to keep an idle-socket timeout happy, the whole far too late.
 */
export const trickle =
  (body: string, options: { headBytes?: number; chunkBytes?: number; everyMs?: number } = {}): Reply =>
  async (res) => {
    const bytes = Buffer.from(body, 'utf8')
    const { headBytes = 64, chunkBytes = 16, everyMs = 50 } = options
    res.writeHead(200, { 'content-type': body.trimStart().startsWith('<') ? HTML_TYPE : JSON_TYPE, 'content-length': bytes.length })
    res.write(bytes.subarray(0, headBytes))
    for (let at = headBytes; at < bytes.length && !res.destroyed; at += chunkBytes) {
      await wait(everyMs)
      if (!res.destroyed) res.write(bytes.subarray(at, at + chunkBytes))
    }
    if (!res.destroyed) res.end()
  }

/** Declares the whole length, sends `fraction` of the body, then destroys the socket (a connection reset). */
export const resetMidBody =
  (body: string, fraction = 0.5): Reply =>
  async (res) => {
    const bytes = Buffer.from(body, 'utf8')
    res.writeHead(200, { 'content-type': body.trimStart().startsWith('<') ? HTML_TYPE : JSON_TYPE, 'content-length': bytes.length })
    res.write(bytes.subarray(0, Math.floor(bytes.length * fraction)))
    await wait(20)
    res.socket?.resetAndDestroy()
  }

/**
 * A body cut short but delivered as a complete answer (its Content-Length matches what is sent): what
 * a misbehaving proxy or a crashed upstream behind a buffering one produces. Nothing on the wire is wrong.
 */
export const cutShort = (body: string, fraction = 0.5): Reply => answer(body.slice(0, Math.floor(body.length * fraction)))

export const redirect =
  (location: string, status = 302): Reply =>
  (res) => {
    res.writeHead(status, { location, 'content-length': 0 })
    res.end()
  }

/** Each reply in turn, repeating the last. */
export const inTurn = (...replies: Reply[]): Reply => {
  let call = 0
  return (res, req) => replies[Math.min(call++, replies.length - 1)]!(res, req)
}

/** A "too many requests" page as proxies, CDNs and anti-bot walls serve it: HTML where JSON or a t.me page was expected. */
export const TOO_MANY_REQUESTS_PAGE =
  '<!DOCTYPE html><html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1><p>Please complete the captcha below to continue.</p><form><img src="/captcha.png"><input name="captcha_key"></form></body></html>'

/**
 * groups.getById in the 5.199 shape for the ids asked, from the real selenscrapy group: id changed and
 * members_count added (no real answer with members_count was recorded; tests/fixtures/SOURCES.md).
 */
export function vkGroups(ids: readonly number[], members: (id: number) => number = (id) => id * 10): string {
  const real = JSON.parse(fixture('vk/selenscrapy_groups_getById_v5199_inner.json')) as { groups: Record<string, unknown>[] }
  const template = real.groups[0]!
  return JSON.stringify({ response: { groups: ids.map((id) => ({ ...template, id, screen_name: `club${id}`, members_count: members(id) })), profiles: [] } })
}

/** groups.getById answering whatever ids the request asked for. */
export const vkGroupsFor = (hit: Hit): Reply => answer(vkGroups((hit.params.group_ids ?? '').split(',').filter(Boolean).map(Number)))

/**
 * VK's error envelope for `code`: the real envelope of vknet_error_1.json with error_code/error_msg
 * from VK's official catalogue (vk_api_schema_errors.json), for codes with no recorded sample.
 */
export function vkError(code: number): string {
  const recordedCodes: Record<number, string> = { 5: 'vk/vknet_error_5.json', 14: 'vk/vknet_error_14.json', 15: 'vk/vknet_error_15.json', 100: 'vk/vknet_error_100.json' }
  if (recordedCodes[code]) return fixture(recordedCodes[code])
  const envelope = JSON.parse(fixture('vk/vknet_error_1.json')) as { error: Record<string, unknown> }
  const catalogue = JSON.parse(fixture('vk/vk_api_schema_errors.json')) as { errors: Record<string, { code: number; description: string }> }
  const entry = Object.values(catalogue.errors).find((error) => error.code === code)
  if (!entry) throw new Error(`error ${code} is not in VK's catalogue`)
  return JSON.stringify({ error: { ...envelope.error, error_code: code, error_msg: entry.description } })
}
