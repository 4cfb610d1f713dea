import { Hono } from 'hono'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createVk, type VkOptions } from '../../src/platforms/vk.ts'
import type { PageOutcome, PageRef, PageSample, PlatformError } from '../../src/platforms/types.ts'
import { fixture, serve, type RunningServer } from '../helpers/replay-server.ts'

// Every token contains SECRET so the afterAll below can prove none leaked into a message.
const TOKEN = 'vk1.a.SECRET-main-token-7f3c'
const BAD_TOKEN = 'vk1.a.SECRET-revoked-token-0001'
const SECOND_TOKEN = 'vk1.a.SECRET-second-token-0002'

type Params = Record<string, string>
type Reply = string | Response
type Handler = Reply | ((params: Params, n: number) => Reply | Promise<Reply>)
interface Hit {
  method: string
  params: Params
  /** The query string of the request URL: must stay empty (the token travels in the POST body). */
  query: string
  /** Time on the test clock when the server saw the request. */
  at: number
}

interface Clock {
  t: number
  now: () => number
  sleep: (ms: number) => Promise<void>
}

/** A fake clock: sleeping only moves the time forward, so back-offs and the limiter cost nothing. */
function fakeClock(start = Date.UTC(2025, 0, 15, 12, 0, 0)): Clock {
  const clock: Clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms
    },
  }
  return clock
}

const servers: RunningServer[] = []
const messages: string[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

afterAll(() => {
  expect(messages.length).toBeGreaterThan(20)
  expect(messages.filter((message) => message.includes('SECRET'))).toEqual([])
})

/** A stand-in for api.vk.com/method/<name> over real HTTP, replaying the recorded answers. */
async function vkApi(handlers: Record<string, Handler>, clock: Pick<Clock, 'now' | 'sleep'> = fakeClock()) {
  const hits: Hit[] = []
  const app = new Hono().all('/method/:method', async (c) => {
    const method = c.req.param('method')
    const params: Params = { ...c.req.query() }
    if (c.req.method === 'POST') {
      for (const [key, value] of Object.entries(await c.req.parseBody())) if (typeof value === 'string') params[key] = value
    }
    const n = hits.filter((hit) => hit.method === method).length
    hits.push({ method, params, query: new URL(c.req.url).search, at: clock.now() })
    const handler = handlers[method]
    if (handler === undefined) return c.text(`no fixture for ${method}`, 404)
    const reply = typeof handler === 'function' ? await handler(params, n) : handler
    return typeof reply === 'string' ? new Response(reply, { headers: { 'content-type': 'application/json; charset=utf-8' } }) : reply
  })
  const server = await serve(app)
  servers.push(server)
  return { url: server.url, hits, clock, of: (method: string) => hits.filter((hit) => hit.method === method) }
}

function makeVk(api: { url: string; clock: Pick<Clock, 'now' | 'sleep'> }, overrides: Partial<VkOptions> = {}) {
  return createVk({
    tokens: [TOKEN],
    apiUrl: `${api.url}/method`,
    requestsPerSecond: 3,
    groupsBatchSize: 500,
    postsPerPage: 20,
    timeoutMs: 2000,
    retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 5000 },
    sleep: api.clock.sleep,
    now: api.clock.now,
    ...overrides,
  })
}

const page = (id: number, handle: string, platformId: string | null = null): PageRef => ({ id, platform: 'vk', handle, platformId })

/** Runs collect() and keeps every error message for the token-leak check. */
async function collect(vk: ReturnType<typeof createVk>, pages: PageRef[], withPosts = false, signal?: AbortSignal) {
  const outcomes = await vk.collect(pages, { withPosts, signal })
  for (const outcome of outcomes.values()) {
    if (!outcome.ok) messages.push(outcome.error.message)
    else if (outcome.sample.postsError) messages.push(outcome.sample.postsError.message)
  }
  return outcomes
}

function sampleOf(outcome: PageOutcome | undefined): PageSample {
  if (!outcome?.ok) throw new Error(`expected a sample, got ${outcome ? outcome.error.kind + ': ' + outcome.error.message : 'nothing'}`)
  return outcome.sample
}

function errorOf(outcome: PageOutcome | undefined): PlatformError {
  if (!outcome || outcome.ok) throw new Error('expected an error outcome')
  return outcome.error
}

/** Wraps a `*_inner.json` fixture the way VK sends it (the source saved only the inner object). */
const wrap = (inner: string) => `{"response": ${inner}}`

/**
 * groups.getById in the 5.199 shape with members_count. No real answer with members_count was found
 * (tests/fixtures/SOURCES.md), so each group is the real selenscrapy group with its id changed and
 * members_count added.
 */
function groupsAnswer(ids: number[], extra: (id: number) => Record<string, unknown> = (id) => ({ members_count: id * 10 })) {
  const real = JSON.parse(fixture('vk/selenscrapy_groups_getById_v5199_inner.json')) as { groups: Record<string, unknown>[] }
  const template = real.groups[0]!
  return JSON.stringify({
    response: { groups: ids.map((id) => ({ ...template, id, screen_name: `club${id}`, ...extra(id) })), profiles: [] },
  })
}

/** The same, answering whatever ids were asked for. */
const groupsByRequest = (extra?: (id: number) => Record<string, unknown>) => (params: Params) =>
  groupsAnswer(params.group_ids!.split(',').map(Number), extra)

/**
 * An error envelope for codes with no real sample (6, 9, 10, 18, 29, 30, 203): the real envelope of
 * vknet_error_1.json with error_code/error_msg taken from VK's official catalogue (vk_api_schema_errors.json).
 */
function builtError(code: number): string {
  const envelope = JSON.parse(fixture('vk/vknet_error_1.json')) as { error: Record<string, unknown> }
  const catalogue = JSON.parse(fixture('vk/vk_api_schema_errors.json')) as { errors: Record<string, { code: number; description: string }> }
  const entry = Object.values(catalogue.errors).find((error) => error.code === code)
  if (!entry) throw new Error(`error ${code} is not in VK's catalogue`)
  return JSON.stringify({ error: { ...envelope.error, error_code: code, error_msg: entry.description } })
}

describe('createVk()', () => {
  it('identifies as vk and takes groupsBatchSize pages at once', () => {
    const vk = createVk({ tokens: [TOKEN], apiUrl: 'http://127.0.0.1:1/method', requestsPerSecond: 3, groupsBatchSize: 321, postsPerPage: 20, timeoutMs: 100, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })
    expect(vk.id).toBe('vk')
    expect(vk.batchSize).toBe(321)
  })

  it('answers not_configured for every page without any request when no token is set', async () => {
    const api = await vkApi({ 'groups.getById': groupsByRequest() })
    const outcomes = await collect(makeVk(api, { tokens: [] }), [page(1, 'club1'), page(2, 'durov')], true)
    for (const id of [1, 2]) {
      expect(errorOf(outcomes.get(id))).toMatchObject({ kind: 'not_configured', message: 'VK_TOKEN not set' })
    }
    expect(api.hits).toEqual([])
  })
})

describe('VK counts', () => {
  it('reads exact member counts from groups.getById in the 5.199 shape', async () => {
    const api = await vkApi({ 'groups.getById': groupsAnswer([33438842], () => ({ members_count: 12_345 })) })
    const outcomes = await collect(makeVk(api), [page(1, 'club33438842')])
    expect(sampleOf(outcomes.get(1))).toEqual({
      followers: 12_345,
      followersExact: true,
      title: 'ВЧ Владимиркий лагерь 29760 (армия)',
      platformId: '-33438842',
      posts: null,
    })
    const [hit] = api.of('groups.getById')
    expect(hit!.params).toMatchObject({ group_ids: '33438842', fields: 'members_count', v: '5.199', access_token: TOKEN })
    expect(hit!.query).toBe('')
  })

  it('reads member counts from the legacy array shape of groups.getById', async () => {
    // The real pre-5.199 answer with members_count added to both groups (no real sample carries it).
    const legacy = JSON.parse(fixture('vk/vknet_groups_getById_legacy_array_two_groups.json')) as { response: Record<string, unknown>[] }
    legacy.response[0]!.members_count = 431
    legacy.response[1]!.members_count = 98_765
    const api = await vkApi({ 'groups.getById': JSON.stringify(legacy) })
    const outcomes = await collect(makeVk(api), [page(1, 'club17683660'), page(2, 'club637247')])
    expect(sampleOf(outcomes.get(1))).toMatchObject({ followers: 431, followersExact: true, platformId: '-17683660' })
    expect(sampleOf(outcomes.get(2))).toMatchObject({ followers: 98_765, title: 'Чак Паланик - Сумасшедший гений литературы', platformId: '-637247' })
    expect(api.of('groups.getById')).toHaveLength(1)
    expect(api.of('groups.getById')[0]!.params.group_ids).toBe('17683660,637247')
  })

  it('reports a closed group without members_count as private and keeps an open one with a null count', async () => {
    // Unchanged real answer: 637247 has is_closed 1, neither group has members_count.
    const api = await vkApi({ 'groups.getById': fixture('vk/vknet_groups_getById_legacy_array_two_groups.json') })
    const outcomes = await collect(makeVk(api), [page(1, 'club17683660'), page(2, 'club637247')])
    expect(errorOf(outcomes.get(2))).toMatchObject({ kind: 'private', message: 'VK group is closed and does not show its member count.' })
    expect(sampleOf(outcomes.get(1))).toMatchObject({ followers: null, followersExact: false, platformId: '-17683660' })
  })

  it('reads the single-event legacy answer', async () => {
    const api = await vkApi({ 'groups.getById': fixture('vk/vknet_groups_getById_legacy_array_event.json') })
    const outcomes = await collect(makeVk(api), [page(1, 'club17683660')])
    expect(sampleOf(outcomes.get(1))).toMatchObject({ title: 'Творческие каникулы ART CAMP с 21 по 29 июля', platformId: '-17683660' })
  })

  it('reports deleted and banned groups as not_found', async () => {
    const api = await vkApi({
      'groups.getById': groupsAnswer([5, 6], (id) => ({ deactivated: id === 5 ? 'deleted' : 'banned' })),
    })
    const outcomes = await collect(makeVk(api), [page(1, 'club5'), page(2, 'club6')], true)
    expect(errorOf(outcomes.get(1))).toMatchObject({ kind: 'not_found', message: 'VK group was deleted.' })
    expect(errorOf(outcomes.get(2))).toMatchObject({ kind: 'not_found', message: 'VK group was banned.' })
    expect(api.of('wall.get')).toEqual([])
  })

  it('reports a group missing from the answer as not_found', async () => {
    const api = await vkApi({ 'groups.getById': groupsAnswer([7]) })
    const outcomes = await collect(makeVk(api), [page(1, 'club7'), page(2, 'club8')])
    expect(sampleOf(outcomes.get(1)).followers).toBe(70)
    expect(errorOf(outcomes.get(2))).toMatchObject({ kind: 'not_found' })
    expect(errorOf(outcomes.get(2)).message).toContain('group 8')
  })

  it('batches groups.getById by groupsBatchSize and asks once per distinct group', async () => {
    const api = await vkApi({ 'groups.getById': groupsByRequest() })
    const pages = [1, 2, 3, 4, 5].map((id) => page(id, `club${id}`))
    // Two registered pages for one group (the second known by its platformId) cost no extra id.
    pages.push(page(6, 'someoldname', '-5'))
    const outcomes = await collect(makeVk(api, { groupsBatchSize: 2 }), pages)
    expect(api.of('groups.getById').map((hit) => hit.params.group_ids)).toEqual(['1,2', '3,4', '5'])
    expect([1, 2, 3, 4, 5, 6].map((id) => sampleOf(outcomes.get(id)).followers)).toEqual([10, 20, 30, 40, 50, 50])
    expect(api.of('utils.resolveScreenName')).toEqual([])
  })

  it('splits a batch refused with error 100 until the bad id is isolated', async () => {
    const api = await vkApi({
      'groups.getById': (params) =>
        params.group_ids!.split(',').includes('13') ? fixture('vk/vknet_error_100.json') : groupsByRequest()(params),
    })
    const outcomes = await collect(makeVk(api), [11, 12, 13, 14, 15].map((id) => page(id, `club${id}`)))
    expect(api.of('groups.getById').map((hit) => hit.params.group_ids)).toEqual([
      '11,12,13,14,15',
      '11,12,13',
      '11,12',
      '13',
      '14,15',
    ])
    expect([11, 12, 14, 15].map((id) => sampleOf(outcomes.get(id)).followers)).toEqual([110, 120, 140, 150])
    expect(errorOf(outcomes.get(13))).toMatchObject({
      kind: 'not_found',
      message: 'VK does not know this page (error 100: One of the parameters specified was missing or invalid: value should be positive)',
    })
  })

  it('reads followers from counters.followers of users.get (Durov, 5937280)', async () => {
    const api = await vkApi({ 'users.get': fixture('vk/vknet_users_get_durov_counters_followers.json') })
    const outcomes = await collect(makeVk(api), [page(1, 'id1')])
    expect(sampleOf(outcomes.get(1))).toEqual({
      followers: 5_937_280,
      followersExact: true,
      title: 'Павел Дуров',
      platformId: '1',
      posts: null,
    })
    expect(api.of('users.get')[0]!.params).toMatchObject({ user_ids: '1', fields: 'followers_count' })
  })

  it('prefers followers_count and reports deactivated and closed people', async () => {
    // Built from the real Durov answer: followers_count added / counters removed, as no real sample exists.
    const durov = (JSON.parse(fixture('vk/vknet_users_get_durov_counters_followers.json')) as { response: Record<string, unknown>[] }).response[0]!
    const answer = JSON.stringify({
      response: [
        { ...durov, followers_count: 5_937_999 },
        { id: 2, first_name: 'DELETED', last_name: '', deactivated: 'deleted' },
        { id: 3, first_name: 'Closed', last_name: 'Person', is_closed: true, can_access_closed: false },
      ],
    })
    const api = await vkApi({ 'users.get': answer })
    const outcomes = await collect(makeVk(api), [page(1, 'id1'), page(2, 'id2'), page(3, 'id3'), page(4, 'id4')])
    expect(sampleOf(outcomes.get(1)).followers).toBe(5_937_999)
    expect(errorOf(outcomes.get(2))).toMatchObject({ kind: 'not_found', message: 'VK user page was deleted.' })
    expect(errorOf(outcomes.get(3))).toMatchObject({ kind: 'private' })
    expect(errorOf(outcomes.get(4))).toMatchObject({ kind: 'not_found' })
    expect(api.of('users.get').map((hit) => hit.params.user_ids)).toEqual(['1,2,3,4'])
  })

  it('resolves screen names to groups and users and skips pages whose platformId is known', async () => {
    // utils.resolveScreenName answers are built (no real sample): the documented {type, object_id} / [] shapes.
    const resolutions: Record<string, unknown> = {
      vladimirskilager29760: { type: 'group', object_id: 33438842 },
      durov: { type: 'user', object_id: 1 },
      nosuchname: [],
      someapp: { type: 'application', object_id: 7 },
    }
    const api = await vkApi({
      'utils.resolveScreenName': (params) => JSON.stringify({ response: resolutions[params.screen_name!] ?? [] }),
      'groups.getById': groupsAnswer([33438842], () => ({ members_count: 2_024 })),
      'users.get': fixture('vk/vknet_users_get_durov_counters_followers.json'),
    })
    const outcomes = await collect(makeVk(api), [
      page(1, 'vladimirskilager29760'),
      page(2, 'durov'),
      page(3, 'nosuchname'),
      page(4, 'someapp'),
      page(5, 'apiclub', '-33438842'),
    ])
    expect(sampleOf(outcomes.get(1))).toMatchObject({ followers: 2_024, platformId: '-33438842' })
    expect(sampleOf(outcomes.get(2))).toMatchObject({ followers: 5_937_280, platformId: '1' })
    expect(errorOf(outcomes.get(3))).toMatchObject({ kind: 'not_found', message: 'VK does not know the screen name "nosuchname".' })
    expect(errorOf(outcomes.get(4))).toMatchObject({ kind: 'unsupported' })
    expect(sampleOf(outcomes.get(5))).toMatchObject({ followers: 2_024, platformId: '-33438842' })
    expect(api.of('utils.resolveScreenName').map((hit) => hit.params.screen_name)).toEqual([
      'vladimirskilager29760',
      'durov',
      'nosuchname',
      'someapp',
    ])
    expect(api.of('groups.getById').map((hit) => hit.params.group_ids)).toEqual(['33438842'])
  })
})

describe('VK posts', () => {
  it('reads wall.get posts with views (6063) and the public post link', async () => {
    const api = await vkApi({
      'groups.getById': groupsAnswer([74962618]),
      'wall.get': fixture('vk/vknet_wall_get_extended_views.json'),
    })
    const outcomes = await collect(makeVk(api), [page(1, 'club74962618')], true)
    expect(sampleOf(outcomes.get(1)).posts).toEqual([
      {
        postId: '111721',
        url: 'https://vk.com/wall-74962618_111721',
        publishedAt: 1588357800,
        text: 'язанова@cityhaze',
        views: 6063,
        likes: 175,
        reposts: 16,
        comments: 18,
      },
    ])
    expect(api.of('wall.get')[0]!.params).toMatchObject({ owner_id: '-74962618', count: '20', access_token: TOKEN })
  })

  it('keeps the numbers of a post whose text was saved as mojibake', async () => {
    const api = await vkApi({
      'groups.getById': groupsAnswer([96493329]),
      'wall.get': fixture('vk/vknet_wall_get_views_mojibake_text.json'),
    })
    const [post] = sampleOf((await collect(makeVk(api), [page(1, 'club96493329')], true)).get(1)).posts!
    expect(post).toMatchObject({ postId: '4284', url: 'https://vk.com/wall-96493329_4284', views: 3002, likes: 30, reposts: 5, comments: 17 })
  })

  it('stores null views, never 0, when wall.get posts carry no views (2021 test group)', async () => {
    const api = await vkApi({
      'groups.getById': groupsAnswer([205427305]),
      'wall.get': fixture('vk/wall_get_extended_test_group_no_views.json'),
    })
    const outcomes = await collect(makeVk(api, { postsPerPage: 7 }), [page(1, 'club205427305')], true)
    const posts = sampleOf(outcomes.get(1)).posts!
    expect(posts.map((post) => post.postId)).toEqual(['10', '9', '5', '4', '3', '2', '1'])
    for (const post of posts) {
      expect(post.views).toBeNull()
      for (const counter of [post.likes, post.reposts, post.comments]) expect(counter).toEqual(expect.any(Number))
    }
    expect(posts[2]).toEqual({
      postId: '5',
      url: 'https://vk.com/wall-205427305_5',
      publishedAt: 1624542225,
      text: '5',
      views: null,
      likes: 2,
      reposts: 1,
      comments: 0,
    })
    expect(api.of('wall.get')[0]!.params.count).toBe('7')
  })

  it('stores null views for the 2025 wall.get sample and shortens long texts to 500 characters', async () => {
    const api = await vkApi({
      'groups.getById': groupsAnswer([33438842]),
      'wall.get': wrap(fixture('vk/selenscrapy_wall_get_2025_inner.json')),
    })
    const posts = sampleOf((await collect(makeVk(api), [page(1, 'club33438842')], true)).get(1)).posts!
    expect(posts.map((post) => post.postId)).toEqual(['868', '867', '866', '865', '864'])
    expect(posts.map((post) => post.views)).toEqual([null, null, null, null, null])
    expect(posts[0]).toMatchObject({ url: 'https://vk.com/wall-33438842_868', publishedAt: 1736516635, likes: 0, reposts: 1, comments: 8 })
    expect(posts[0]!.text).toMatch(/^Ребят звоним говорят без вести пропал/)
    expect(Array.from(posts[1]!.text!)).toHaveLength(500)
  })

  it('returns posts newest first even when a pinned post comes first', async () => {
    // The real 2025 sample with its oldest post moved to the top and marked pinned, as VK orders a pinned post.
    const wall = JSON.parse(fixture('vk/selenscrapy_wall_get_2025_inner.json')) as { items: Record<string, unknown>[] }
    const oldest = wall.items.pop()!
    wall.items.unshift({ ...oldest, is_pinned: 1 })
    const api = await vkApi({ 'groups.getById': groupsAnswer([33438842]), 'wall.get': JSON.stringify({ response: wall }) })
    const posts = sampleOf((await collect(makeVk(api), [page(1, 'club33438842')], true)).get(1)).posts!
    expect(posts.map((post) => post.postId)).toEqual(['868', '867', '866', '865', '864'])
  })

  it('keeps the count and sets postsError when wall.get is refused (error 15)', async () => {
    const api = await vkApi({ 'groups.getById': groupsAnswer([637247]), 'wall.get': fixture('vk/vknet_error_15.json') })
    const sample = sampleOf((await collect(makeVk(api), [page(1, 'club637247')], true)).get(1))
    expect(sample).toMatchObject({ followers: 6_372_470, platformId: '-637247', posts: null })
    expect(sample.postsError).toMatchObject({
      kind: 'private',
      message: 'VK denies access to this page (error 15: Access denied: you can not join this private community)',
      details: { code: 15 },
    })
  })

  it('does not call wall.get unless posts are asked for', async () => {
    const api = await vkApi({ 'groups.getById': groupsAnswer([74962618]), 'wall.get': fixture('vk/vknet_wall_get_extended_views.json') })
    const sample = sampleOf((await collect(makeVk(api), [page(1, 'club74962618')], false)).get(1))
    expect(sample.posts).toBeNull()
    expect(sample.postsError).toBeUndefined()
    expect(api.of('wall.get')).toEqual([])
  })
})

describe('VK errors', () => {
  const cases = [
    { code: 5, body: () => fixture('vk/vknet_error_5.json'), kind: 'auth', calls: 1, message: 'VK rejected the access token (error 5: User authorization failed: access_token was given to another ip address.)' },
    { code: 6, body: () => builtError(6), kind: 'rate_limited', calls: 3, message: 'error 6: Too many requests per second' },
    { code: 9, body: () => builtError(9), kind: 'rate_limited', calls: 3, message: 'error 9: Flood control' },
    { code: 10, body: () => builtError(10), kind: 'unavailable', calls: 3, message: 'error 10: Internal server error' },
    { code: 14, body: () => fixture('vk/vknet_error_14.json'), kind: 'rate_limited', calls: 1, message: 'VK asks for a captcha before answering groups.getById (error 14: Captcha needed)' },
    { code: 15, body: () => fixture('vk/vknet_error_15.json'), kind: 'private', calls: 1, message: 'VK denies access to this page (error 15: Access denied: you can not join this private community)' },
    { code: 18, body: () => builtError(18), kind: 'not_found', calls: 1, message: 'error 18: User was deleted or banned' },
    { code: 29, body: () => builtError(29), kind: 'rate_limited', calls: 1, message: "VK's daily quota for groups.getById is used up (error 29: Rate limit reached)" },
    { code: 30, body: () => builtError(30), kind: 'private', calls: 1, message: 'VK denies access to this page (error 30: This profile is private)' },
    { code: 100, body: () => fixture('vk/vknet_error_100.json'), kind: 'not_found', calls: 1, message: 'VK does not know this page (error 100: One of the parameters specified was missing or invalid: value should be positive)' },
    { code: 203, body: () => builtError(203), kind: 'private', calls: 1, message: 'VK denies access to this page (error 203: Access to group denied)' },
    { code: 260, body: () => fixture('vk/vknet_error_260.json'), kind: 'private', calls: 1, message: 'error 260: Access to the groups list is denied due to the user privacy settings.' },
    { code: 1, body: () => fixture('vk/vknet_error_1.json'), kind: 'bad_response', calls: 1, message: 'VK answered groups.getById with error 1: Unknown error occured' },
    { code: 7, body: () => fixture('vk/vknet_error_7.json'), kind: 'bad_response', calls: 1, message: 'VK answered groups.getById with error 7: Permission to perform this action is denied' },
  ] as const

  it.each(cases)('maps VK error $code in an HTTP 200 body to $kind', async ({ code, body, kind, calls, message }) => {
    const api = await vkApi({ 'groups.getById': () => body() })
    const error = errorOf((await collect(makeVk(api), [page(1, 'club1')])).get(1))
    expect(error.kind).toBe(kind)
    expect(error.details.code).toBe(code)
    expect(error.message).toContain(message)
    expect(error.message).toContain(`error ${code}`)
    expect(error.message).not.toContain(TOKEN)
    expect(api.of('groups.getById')).toHaveLength(calls)
  })

  it('waits a second after error 6 and succeeds on the retry', async () => {
    const api = await vkApi({ 'groups.getById': (params, n) => (n === 0 ? builtError(6) : groupsByRequest()(params)) })
    const outcomes = await collect(makeVk(api), [page(1, 'club42')])
    expect(sampleOf(outcomes.get(1)).followers).toBe(420)
    const hits = api.of('groups.getById')
    expect(hits).toHaveLength(2)
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(1000)
  })

  it('retires a token refused with error 5 and carries on with the next one', async () => {
    const api = await vkApi({
      'groups.getById': (params) => (params.access_token === BAD_TOKEN ? fixture('vk/vknet_error_5.json') : groupsByRequest()(params)),
    })
    const vk = makeVk(api, { tokens: [BAD_TOKEN, SECOND_TOKEN], groupsBatchSize: 1 })
    const first = await collect(vk, [page(1, 'club1'), page(2, 'club2'), page(3, 'club3')])
    expect([1, 2, 3].map((id) => sampleOf(first.get(id)).followers)).toEqual([10, 20, 30])
    await collect(vk, [page(4, 'club4')])
    const tokens = api.of('groups.getById').map((hit) => hit.params.access_token)
    expect(tokens).toEqual([BAD_TOKEN, SECOND_TOKEN, SECOND_TOKEN, SECOND_TOKEN, SECOND_TOKEN])
  })

  it('gives every remaining page the auth error without further calls once the only token is refused', async () => {
    const api = await vkApi({ 'groups.getById': fixture('vk/vknet_error_5.json'), 'utils.resolveScreenName': '{"response":[]}' })
    const vk = makeVk(api, { groupsBatchSize: 1 })
    const first = await collect(vk, [page(1, 'club1'), page(2, 'club2'), page(3, 'club3')], true)
    const second = await collect(vk, [page(4, 'club4'), page(5, 'somename')], true)
    for (const outcome of [...first.values(), ...second.values()]) {
      expect(errorOf(outcome)).toMatchObject({
        kind: 'auth',
        message: 'VK rejected the access token (error 5: User authorization failed: access_token was given to another ip address.)',
      })
    }
    expect(api.hits).toHaveLength(1)
  })

  it('stops calling a method after error 29 until the next UTC day', async () => {
    const clock = fakeClock()
    const api = await vkApi({ 'groups.getById': groupsByRequest(), 'wall.get': builtError(29) }, clock)
    const vk = makeVk(api)
    const first = await collect(vk, [page(1, 'club1'), page(2, 'club2')], true)
    for (const id of [1, 2]) {
      const sample = sampleOf(first.get(id))
      expect(sample.followers).toBe(id * 10)
      expect(sample.posts).toBeNull()
      expect(sample.postsError).toMatchObject({
        kind: 'rate_limited',
        message: "VK's daily quota for wall.get is used up (error 29: Rate limit reached)",
      })
    }
    expect(api.of('wall.get')).toHaveLength(1)
    await collect(vk, [page(3, 'club3')], true)
    expect(api.of('wall.get')).toHaveLength(1)
    expect(api.of('groups.getById')).toHaveLength(2)
    clock.t = Date.UTC(2025, 0, 16, 0, 0, 1)
    await collect(vk, [page(3, 'club3')], true)
    expect(api.of('wall.get')).toHaveLength(2)
  })

  it('moves wall.get to another token when one has used up its daily quota', async () => {
    const api = await vkApi({
      'groups.getById': groupsByRequest(),
      'wall.get': (params) => (params.access_token === TOKEN ? builtError(29) : fixture('vk/vknet_wall_get_extended_views.json')),
    })
    const vk = makeVk(api, { tokens: [TOKEN, SECOND_TOKEN] })
    const outcomes = await collect(vk, [1, 2, 3, 4].map((id) => page(id, `club${id}`)), true)
    for (const id of [1, 2, 3, 4]) expect(sampleOf(outcomes.get(id)).posts).toHaveLength(1)
    expect(api.of('wall.get').filter((hit) => hit.params.access_token === TOKEN)).toHaveLength(1)
    expect(api.of('wall.get').filter((hit) => hit.params.access_token === SECOND_TOKEN)).toHaveLength(4)
  })

  it('retries HTTP 5xx and succeeds', async () => {
    const api = await vkApi({
      'groups.getById': (params, n) => (n < 2 ? new Response('<html>Bad Gateway</html>', { status: 502 }) : groupsByRequest()(params)),
    })
    const outcomes = await collect(makeVk(api), [page(1, 'club9')])
    expect(sampleOf(outcomes.get(1)).followers).toBe(90)
    expect(api.of('groups.getById')).toHaveLength(3)
  })

  it('reports unavailable after persistent HTTP 5xx', async () => {
    const api = await vkApi({ 'groups.getById': () => new Response('', { status: 503 }) })
    const error = errorOf((await collect(makeVk(api), [page(1, 'club9')])).get(1))
    expect(error).toMatchObject({ kind: 'unavailable', details: { status: 503 } })
    expect(error.message).toContain('HTTP 503')
    expect(api.of('groups.getById')).toHaveLength(3)
  })

  it('honours Retry-After on HTTP 429', async () => {
    const api = await vkApi({
      'groups.getById': (params, n) =>
        n === 0 ? new Response('', { status: 429, headers: { 'retry-after': '2' } }) : groupsByRequest()(params),
    })
    const outcomes = await collect(makeVk(api), [page(1, 'club9')])
    expect(sampleOf(outcomes.get(1)).followers).toBe(90)
    const hits = api.of('groups.getById')
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(2000)
  })

  it('reports rate_limited with the wait after persistent HTTP 429', async () => {
    const api = await vkApi({ 'groups.getById': () => new Response('', { status: 429, headers: { 'retry-after': '2' } }) })
    const error = errorOf((await collect(makeVk(api), [page(1, 'club9')])).get(1))
    expect(error).toMatchObject({ kind: 'rate_limited', details: { status: 429, retryAfterMs: 2000 } })
  })

  it('reports a body that is not JSON as bad_response after the retries', async () => {
    const api = await vkApi({ 'groups.getById': '<html><body>502 Bad Gateway</body></html>' })
    const error = errorOf((await collect(makeVk(api), [page(1, 'club9')])).get(1))
    expect(error.kind).toBe('bad_response')
    expect(error.message).toContain('not valid JSON')
    expect(api.of('groups.getById')).toHaveLength(3)
  })

  it('retries a truncated body and uses the complete one', async () => {
    const whole = fixture('vk/vknet_groups_getById_legacy_array_two_groups.json')
    const api = await vkApi({ 'groups.getById': (_params, n) => (n === 0 ? whole.slice(0, whole.length / 2) : whole) })
    const outcomes = await collect(makeVk(api), [page(1, 'club637247')])
    expect(errorOf(outcomes.get(1)).kind).toBe('private')
    expect(api.of('groups.getById')).toHaveLength(2)
  })

  it('reports a network failure as unavailable without the token', async () => {
    const api = await vkApi({})
    await servers.pop()!.close()
    const error = errorOf((await collect(makeVk(api, { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 } }), [page(1, 'club9')])).get(1))
    expect(error.kind).toBe('unavailable')
    expect(error.message).toContain(`${api.url}/method/groups.getById`)
    expect(error.message).not.toContain(TOKEN)
  })

  it('redacts the token when VK echoes it in a message', async () => {
    const real = JSON.parse(fixture('vk/vknet_error_5.json')) as { error: Record<string, unknown> }
    const echoed = JSON.stringify({
      error: { ...real.error, error_msg: `User authorization failed: invalid access_token ${TOKEN}.`, request_params: [{ key: 'access_token', value: TOKEN }] },
    })
    const api = await vkApi({ 'groups.getById': echoed })
    const error = errorOf((await collect(makeVk(api), [page(1, 'club9')])).get(1))
    expect(error.message).toBe('VK rejected the access token (error 5: User authorization failed: invalid access_token [token].)')
  })

  it('answers every page without throwing when the run is cancelled', async () => {
    const api = await vkApi({ 'groups.getById': groupsByRequest() })
    const controller = new AbortController()
    controller.abort()
    const outcomes = await collect(makeVk(api), [page(1, 'club1'), page(2, 'somename')], true, controller.signal)
    expect(errorOf(outcomes.get(1)).kind).toBe('unavailable')
    expect(errorOf(outcomes.get(2)).kind).toBe('unavailable')
    expect(api.hits).toEqual([])
  })
})

/** Consecutive times at least `gap` ms apart (the micro-tolerance absorbs float error on epoch-sized times). */
function expectSpaced(times: number[], gap: number) {
  for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(gap - 1e-3)
}

describe('VK rate limiting', () => {
  it('spaces calls of one token at least 1000/3 ms apart (fake clock)', async () => {
    const api = await vkApi({ 'groups.getById': groupsByRequest() })
    await collect(makeVk(api, { groupsBatchSize: 1 }), [1, 2, 3, 4, 5, 6].map((id) => page(id, `club${id}`)))
    const times = api.of('groups.getById').map((hit) => hit.at)
    expect(times).toHaveLength(6)
    expectSpaced(times, 1000 / 3)
  })

  it('gives each token its own limiter and uses the tokens in turn', async () => {
    const api = await vkApi({ 'groups.getById': groupsByRequest() })
    await collect(makeVk(api, { tokens: [TOKEN, SECOND_TOKEN], groupsBatchSize: 1 }), [1, 2, 3, 4, 5, 6].map((id) => page(id, `club${id}`)))
    const hits = api.of('groups.getById')
    expect(hits.map((hit) => hit.params.access_token)).toEqual([TOKEN, SECOND_TOKEN, TOKEN, SECOND_TOKEN, TOKEN, SECOND_TOKEN])
    for (const token of [TOKEN, SECOND_TOKEN]) {
      const times = hits.filter((hit) => hit.params.access_token === token).map((hit) => hit.at)
      expectSpaced(times, 1000 / 3)
    }
    // Two tokens, two budgets: six calls fit in the time three take on one token.
    expect(hits.at(-1)!.at - hits[0]!.at).toBeLessThan(1000)
  })

  it('never overlaps requests of one token, even across concurrent collect() calls', async () => {
    let inFlight = 0
    let most = 0
    const api = await vkApi({
      'groups.getById': async (params) => {
        most = Math.max(most, ++inFlight)
        await new Promise((resolve) => setTimeout(resolve, 15))
        inFlight--
        return groupsByRequest()(params)
      },
    })
    const vk = makeVk(api, { groupsBatchSize: 1 })
    await Promise.all([collect(vk, [page(1, 'club1'), page(2, 'club2')]), collect(vk, [page(3, 'club3'), page(4, 'club4')])])
    expect(api.of('groups.getById')).toHaveLength(4)
    expect(most).toBe(1)
  })

  it('takes about a second for four calls on the real clock', async () => {
    const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) }
    const api = await vkApi({ 'groups.getById': groupsByRequest() }, { now: () => performance.now(), sleep: realClock.sleep })
    const vk = makeVk({ url: api.url, clock: realClock }, { groupsBatchSize: 1 })
    const started = performance.now()
    await collect(vk, [1, 2, 3, 4].map((id) => page(id, `club${id}`)))
    expect(performance.now() - started).toBeGreaterThanOrEqual(960)
    const times = api.of('groups.getById').map((hit) => hit.at)
    // Timers may fire a few ms early against the clock the limiter read.
    expectSpaced(times, 1000 / 3 - 10)
  })
})
