import { describe, expect, it } from 'vitest'
import { listPages } from '../../src/db/pages.ts'
import { fixture } from '../helpers/replay-server.ts'
import { answer, type Hit, late, redirect, type Reply } from './fault-server.ts'
import { expectNoPartialSnapshots, harness, pageRow } from './harness.ts'

// Telegram through the whole collector (config → platforms → collector → SQLite) against a t.me
// stand-in that behaves like t.me: an unknown name gets the real "nonexistent" page with HTTP 200,
// and /s/<name> redirects to /<name> when there is no preview.

const CHANNEL = fixture('telegram/tme_page_durov_channel.html')
const PREVIEW = fixture('telegram/tme_s_durov.html')
const NOBODY = fixture('telegram/tme_page_nonexistent.html')

/** t.me with these channels (each served Durov's real pages); everything else is a name nobody holds. */
function tme(channels: readonly string[], overrides: (hit: Hit, n: number) => Reply | undefined = () => undefined) {
  return (hit: Hit, n: number): Reply => {
    const custom = overrides(hit, n)
    if (custom) return custom
    const path = hit.path.slice('/tg'.length)
    const preview = /^\/s\/(\w+)$/.exec(path)
    if (preview) return channels.includes(preview[1]!) ? answer(PREVIEW) : redirect(`/tg/${preview[1]}`)
    return answer(channels.includes(path.slice(1)) ? CHANNEL : NOBODY)
  }
}

const T0 = new Date('2026-08-10T12:00:00Z')

describe('a Telegram channel renamed (t.me redirects the old name to the new one)', () => {
  it('is counted under the new name, and its status says so', async () => {
    const h = await harness(
      tme(['durov_new'], (hit) => (hit.path === '/tg/durov_old' ? redirect('/tg/durov_new', 302) : hit.path === '/tg/s/durov_old' ? redirect('/tg/s/durov_new') : undefined)),
    )
    const [id] = await h.register('https://t.me/durov_old')
    expect(await h.collector.run('manual')).toMatchObject({ ok: 1, failed: 0 })
    const [page] = await listPages(h.db)
    expect(page).toMatchObject({ id, followers: 11_286_994, followersExact: true, status: 'ok' })
    expect(page!.statusMessage).toBe(
      't.me/durov_old now redirects to t.me/durov_new: the channel was renamed; counted under the new name. Update its link before someone takes the old name.',
    )
    // The preview is asked for under the new name straight away: no second redirect.
    expect(h.server.hits.map((hit) => hit.path)).toEqual(['/tg/durov_old', '/tg/durov_new', '/tg/s/durov_new'])
    expect(h.lines.some((line) => line.level === 40 && String(line.msg).startsWith('t.me/durov_old now redirects'))).toBe(true)
    expect(await h.db.selectFrom('posts').select('url').where('page_id', '=', id!).execute()).toHaveLength(20)
  })
})

describe('a Telegram channel deleted, and pausing after PAUSE_AFTER_FAILURES', () => {
  it('is not_found each run, paused at the third failure in a row with the reason, then left alone', async () => {
    let clock = T0.getTime()
    const h = await harness(tme(['durov']), { env: { PAUSE_AFTER_FAILURES: '3' }, now: () => new Date(clock) })
    const [live, gone] = await h.register('https://t.me/durov', 'https://t.me/gone_channel')
    const statuses: string[] = []
    for (let run = 0; run < 4; run++) {
      statuses.push(JSON.stringify((await h.collector.run('schedule')).statusCounts))
      clock += 3600_000
    }
    expect(statuses).toEqual([
      '{"ok":1,"not_found":1}',
      '{"ok":1,"not_found":1}',
      '{"ok":1,"paused":1}',
      '{"ok":1}', // paused: not asked any more
    ])
    expect(await pageRow(h.db, gone!)).toMatchObject({
      status: 'not_found',
      status_message: 'Telegram has no public channel or group @gone_channel',
      active: 0,
      consecutive_failures: 3,
      paused_reason: 'Paused after 3 failures in a row: Telegram has no public channel or group @gone_channel',
    })
    expect(h.server.of('/tg/gone_channel').length).toBeGreaterThanOrEqual(3)
    const beforeLast = h.server.hits.length
    await h.collector.run('manual')
    expect(h.server.hits.slice(beforeLast).map((hit) => hit.path)).toEqual(['/tg/durov'])
    expect(await pageRow(h.db, live!)).toMatchObject({ status: 'ok', active: 1, consecutive_failures: 0 })
  })

  it('a transient failure neither pauses a page nor wipes its count of permanent failures; a success does', async () => {
    let clock = T0.getTime()
    let mode: 'gone' | 'down' | 'back' = 'gone'
    const h = await harness(
      (hit) => {
        if (mode === 'down') return answer('<html>Bad gateway</html>', 502)
        return tme(mode === 'back' ? ['flaky'] : [])(hit, 0)
      },
      { env: { PAUSE_AFTER_FAILURES: '3' }, now: () => new Date(clock) },
    )
    const [id] = await h.register('https://t.me/flaky')
    const runWith = async (next: typeof mode) => {
      mode = next
      await h.collector.run('schedule')
      clock += 3600_000
      return (await pageRow(h.db, id!)).consecutive_failures
    }
    expect([await runWith('gone'), await runWith('down'), await runWith('gone'), await runWith('back'), await runWith('gone')]).toEqual([1, 1, 2, 0, 1])
    expect(await pageRow(h.db, id!)).toMatchObject({ active: 1 })
  })
})

describe('Telegram requests per cadence, concurrency and pacing', () => {
  it('one request per channel when only counts are due; the preview joins it once per posts cadence', async () => {
    let clock = T0.getTime()
    const h = await harness(tme(['a_chan', 'b_chan', 'c_chan']), { now: () => new Date(clock) })
    await h.register('https://t.me/a_chan', 'https://t.me/b_chan', 'https://t.me/c_chan')
    const paths = async () => {
      const before = h.server.hits.length
      await h.collector.run('schedule')
      clock += 3600_000
      return h.server.hits.slice(before).map((hit) => hit.path).sort()
    }
    expect(await paths()).toEqual(['/tg/a_chan', '/tg/b_chan', '/tg/c_chan', '/tg/s/a_chan', '/tg/s/b_chan', '/tg/s/c_chan'])
    // POSTS_INTERVAL_HOURS is 6: the next five hourly runs read counts only.
    for (let hour = 1; hour <= 5; hour++) expect(await paths()).toEqual(['/tg/a_chan', '/tg/b_chan', '/tg/c_chan'])
    expect(await paths()).toHaveLength(6)
  })

  it('keeps TELEGRAM_CONCURRENCY pages in flight at most, and every channel gets an outcome', async () => {
    const names = Array.from({ length: 9 }, (_, i) => `chan_${i}`)
    const slow = tme(names)
    const h = await harness((hit, n) => late(60, slow(hit, n)), { env: { TELEGRAM_CONCURRENCY: '3', POSTS_INTERVAL_HOURS: '0' } })
    await h.register(...names.map((name) => `https://t.me/${name}`))
    expect(await h.collector.run('manual')).toMatchObject({ ok: 9 })
    expect(h.server.inFlight.max).toBe(3)
  })

  it('starts requests to t.me at least TELEGRAM_INTERVAL_MS apart (real clock)', async () => {
    const names = ['p_one', 'p_two', 'p_three', 'p_four', 'p_five', 'p_six']
    const h = await harness(tme(names), { env: { TELEGRAM_CONCURRENCY: '3', TELEGRAM_INTERVAL_MS: '40' }, realSleep: true, now: () => T0 })
    await h.register(...names.map((name) => `https://t.me/${name}`))
    await h.collector.run('manual') // posts due: 12 requests
    const times = h.server.hits.map((hit) => hit.at)
    expect(times).toHaveLength(12)
    // Starts are scheduled 40 ms apart. Arrivals wobble: parsing a 140 KB preview blocks the event
    // loop for tens of ms, so one timer fires late and the next gap looks short. The span and the
    // typical gap have to hold (without pacing, 12 requests three at a time take a fraction of this).
    const gaps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b)
    expect(gaps[Math.floor(gaps.length / 2)]!).toBeGreaterThanOrEqual(35)
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(11 * 40 - 30)
  })

  it('a 429 with Retry-After holds back every channel, not just the one that was told (real clock)', async () => {
    const names = ['r_one', 'r_two', 'r_three', 'r_four']
    const h = await harness(
      tme(names, (hit, n) => (hit.path === '/tg/r_one' && n === 0 ? answer('<html>Too Many Requests</html>', 429, { 'retry-after': '1' }) : undefined)),
      { env: { TELEGRAM_CONCURRENCY: '2', TELEGRAM_INTERVAL_MS: '50' }, realSleep: true },
    )
    await h.register(...names.map((name) => `https://t.me/${name}`))
    const run = await h.collector.run('manual')
    expect(run).toMatchObject({ ok: 4, failed: 0 })
    const [refused, ...rest] = h.server.hits
    expect(refused!.path).toBe('/tg/r_one')
    expect(rest).toHaveLength(8) // four pages (r_one asked again) and four previews
    for (const hit of rest) expect(hit.at - refused!.at).toBeGreaterThanOrEqual(990)
  })

  it('a Retry-After longer than any back-off ends the run fast: no more requests, each channel says why', async () => {
    const names = ['l_one', 'l_two', 'l_three']
    const h = await harness(tme(names, () => answer('<html>Too Many Requests</html>', 429, { 'retry-after': '3600' })), {
      env: { TELEGRAM_CONCURRENCY: '1' },
      realSleep: true,
    })
    const ids = await h.register(...names.map((name) => `https://t.me/${name}`))
    const started = performance.now()
    expect(await h.collector.run('manual')).toMatchObject({ status: 'finished', statusCounts: { rate_limited: 3 } })
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(h.server.hits).toHaveLength(1)
    expect((await pageRow(h.db, ids[0]!)).status_message).toMatch(/answered 429 Too Many Requests$/)
    for (const id of ids.slice(1)) {
      expect((await pageRow(h.db, id)).status_message).toMatch(/^127\.0\.0\.1:\d+ asked publicpulse to wait 3600 s more before its next request/)
    }
    expect(await pageRow(h.db, ids[2]!)).toMatchObject({ consecutive_failures: 0, active: 1 })
  })

  it('a channel with its preview disabled keeps its exact count from t.me/<name>, and says why it has no posts', async () => {
    const h = await harness(tme(['quiet_chan'], (hit) => (hit.path === '/tg/s/quiet_chan' ? redirect('/tg/quiet_chan') : undefined)))
    const [id] = await h.register('https://t.me/quiet_chan')
    await h.collector.run('manual')
    const [page] = await listPages(h.db)
    expect(page).toMatchObject({ id, status: 'ok', followers: 11_286_994, followersExact: true, statusMessage: 'Counted; posts not read: the channel has disabled its public preview' })
    expect(await expectNoPartialSnapshots(h.db)).toBe(1)
  })
})
