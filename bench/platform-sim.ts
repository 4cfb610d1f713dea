// A stand-in for api.vk.com and t.me for `npm run bench`: answers like the real platforms (bodies
// built from the recorded samples in tests/fixtures), adds a fixed latency to every request, and
// enforces VK's 3 requests/second per token by answering error 6 past it, as VK does.
// Runs in its own process so the bench measures the collector's memory, not the simulator's.
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'

const latencyMs = Number(process.env.SIM_LATENCY_MS ?? 20)
const vkRps = Number(process.env.SIM_VK_RPS ?? 3)
const fixtures = new URL('../tests/fixtures/', import.meta.url)
const tgPage = readFileSync(new URL('telegram/tme_page_durov_channel.html', fixtures), 'utf8')
const tgPreview = readFileSync(new URL('telegram/tme_s_durov.html', fixtures), 'utf8')
const delay = () => new Promise((resolve) => setTimeout(resolve, latencyMs))

const counters = { vk: 0, vkThrottled: 0, tg: 0 }
const recent = new Map<string, number[]>()

/** True if this token already made `vkRps` requests in the last second (VK would answer error 6). */
function overLimit(token: string, now: number): boolean {
  const times = (recent.get(token) ?? []).filter((t) => now - t < 1000)
  times.push(now)
  recent.set(token, times)
  return times.length > vkRps
}

const app = new Hono()
app.post('/vk/method/groups.getById', async (c) => {
  const body = (await c.req.parseBody()) as Record<string, string>
  counters.vk++
  const throttled = overLimit(body.access_token ?? '', Date.now())
  await delay()
  if (throttled) {
    counters.vkThrottled++
    return c.json({ error: { error_code: 6, error_msg: 'Too many requests per second', request_params: [] } })
  }
  const groups = String(body.group_ids ?? '')
    .split(',')
    .filter(Boolean)
    .map((id) => ({ id: Number(id), name: `Group ${id}`, screen_name: `club${id}`, is_closed: 0, type: 'page', members_count: 10_000 + (Number(id) % 5000) }))
  return c.json({ response: { groups, profiles: [] } })
})
app.get('/tg/s/:name', async (c) => {
  counters.tg++
  await delay()
  return c.html(tgPreview)
})
app.get('/tg/:name', async (c) => {
  counters.tg++
  await delay()
  const n = 30_000 + (c.req.param('name').length * 7919) % 10_000
  return c.html(tgPage.replace('11 286 994 subscribers', `${n.toLocaleString('en-US').replace(/,/g, ' ')} subscribers`))
})
app.get('/counters', (c) => c.json(counters))

const server = createAdaptorServer({ fetch: app.fetch })
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
process.on('disconnect', () => process.exit(0))
