import { Hono } from 'hono'
import { fixture, serve, type RunningServer } from './replay-server.ts'

/**
 * One local server standing in for both api.vk.com (under /vk/method) and t.me (under /tg), replaying
 * the recorded real responses in tests/fixtures. Used by the end-to-end tests of the app and CLI.
 *
 * Where no real sample exists with the field we need, the response is built from a real one and the
 * change is named here: the v5.199 groups.getById sample was recorded without members_count, so
 * members_count is added (13 412, a governor-sized page).
 */
export const VK_GROUP_ID = 33438842
export const VK_GROUP_MEMBERS = 13_412

export interface PlatformServer extends RunningServer {
  vkUrl: string
  telegramUrl: string
  /** Requests seen, as "METHOD path" (no query), in order. */
  hits: string[]
  /** Override a route's answer: key "vk:<method>" or "tg:/<path>"; value a body or a function. */
  override: Map<string, () => Response | Promise<Response>>
}

export async function startPlatformServer(): Promise<PlatformServer> {
  const hits: string[] = []
  const override = new Map<string, () => Response | Promise<Response>>()
  const app = new Hono()
  app.use(async (c, next) => {
    hits.push(`${c.req.method} ${c.req.path}`)
    await next()
  })
  app.all('/vk/method/:method', async (c) => {
    const method = c.req.param('method')
    const custom = override.get(`vk:${method}`)
    if (custom) return custom()
    const params = { ...c.req.query(), ...(c.req.method === 'POST' ? ((await c.req.parseBody()) as Record<string, string>) : {}) }
    if (method === 'groups.getById') {
      const inner = JSON.parse(fixture('vk/selenscrapy_groups_getById_v5199_inner.json'))
      const ids = String(params.group_ids ?? '').split(',')
      const groups = ids
        .filter((id) => id === String(VK_GROUP_ID) || id === 'vladimirskilager29760')
        .map(() => ({ ...inner.groups[0], members_count: VK_GROUP_MEMBERS }))
      return c.json({ response: { groups, profiles: [] } })
    }
    if (method === 'users.get') return c.body(fixture('vk/vknet_users_get_durov_counters_followers.json'), 200, { 'content-type': 'application/json' })
    if (method === 'wall.get') {
      const inner = JSON.parse(fixture('vk/selenscrapy_wall_get_2025_inner.json'))
      return c.json({ response: inner })
    }
    if (method === 'utils.resolveScreenName') {
      if (params.screen_name === 'vladimirskilager29760') return c.json({ response: { type: 'group', object_id: VK_GROUP_ID } })
      return c.json({ response: [] })
    }
    return c.body(fixture('vk/vknet_error_100.json'), 200, { 'content-type': 'application/json' })
  })
  const pages: Record<string, string> = {
    '/durov': 'telegram/tme_page_durov_channel.html',
    '/s/durov': 'telegram/tme_s_durov.html',
    '/python': 'telegram/tme_page_python_group.html',
    '/nikolai': 'telegram/tme_page_user_nikolai.html',
  }
  app.get('/tg/*', (c) => {
    const path = c.req.path.slice('/tg'.length)
    const custom = override.get(`tg:${path}`)
    if (custom) return custom()
    if (path === '/s/python') return c.redirect('/tg/python', 302) // groups have no preview
    if (path === '/s/nikolai') return c.redirect('/tg/nikolai', 302)
    const file = pages[path] ?? 'telegram/tme_page_nonexistent.html'
    return c.html(fixture(file))
  })
  const server = await serve(app)
  return { ...server, vkUrl: `${server.url}/vk/method`, telegramUrl: `${server.url}/tg`, hits, override }
}
