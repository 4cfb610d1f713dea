import { describe, expect, it } from 'vitest'
import { insertPage, listPages } from '../../src/db/pages.ts'
import { listRuns, markInterruptedRuns } from '../../src/db/runs.ts'
import type { Db } from '../../src/db/schema.ts'
import { readConfig } from '../../src/config.ts'
import { silentLogger } from '../../src/logger.ts'
import { createPlatforms } from '../../src/platforms/index.ts'
import { parsePageLink } from '../../src/platforms/links.ts'
import { createCollector, RunInProgressError } from '../../src/scheduler/collect.ts'
import { catchUpDue } from '../../src/scheduler/schedule.ts'
import { testDb } from '../helpers/db.ts'
import { startPlatformServer } from '../helpers/platform-server.ts'
import { noWait } from '../helpers/app.ts'
import { onTestFinished } from 'vitest'
import { fixture } from '../helpers/replay-server.ts'

async function setup(env: Record<string, string> = {}) {
  const db = await testDb()
  const server = await startPlatformServer()
  onTestFinished(() => server.close())
  const config = readConfig({ VK_TOKEN: 'token-1', VK_API_URL: server.vkUrl, TELEGRAM_URL: server.telegramUrl, HTTP_TIMEOUT_MS: '1000', ...env })
  const collector = createCollector({ db, platforms: createPlatforms(config, { sleep: noWait }), logger: silentLogger(), ...config })
  return { db, server, collector }
}

const register = (db: Db, ...links: string[]) =>
  Promise.all(links.map((link) => insertPage(db, parsePageLink(link), new Date())))

describe('createCollector().run()', () => {
  it('keeps collecting other platforms when one platform is down', async () => {
    const { db, server, collector } = await setup()
    server.override.set('vk:groups.getById', () => new Response('<html>502 Bad Gateway</html>', { status: 502 }))
    await register(db, 'https://vk.com/club33438842', 'https://t.me/durov')
    const run = await collector.run('manual')
    expect(run).toMatchObject({ pages: 2, ok: 1, failed: 1, status: 'finished' })
    const pages = await listPages(db)
    expect(pages.find((p) => p.platform === 'vk')).toMatchObject({ status: 'unavailable', followers: null })
    expect(pages.find((p) => p.platform === 'telegram')).toMatchObject({ status: 'ok', followers: 11_286_994 })
  })

  it('reports VK pages as "VK_TOKEN not set" without a token, and still collects Telegram', async () => {
    const { db, server, collector } = await setup({ VK_TOKEN: '' })
    await register(db, 'https://vk.com/club33438842', 'https://t.me/python')
    const run = await collector.run('manual')
    expect(run.statusCounts).toEqual({ not_configured: 1, ok: 1 })
    const vk = (await listPages(db)).find((p) => p.platform === 'vk')
    expect(vk?.statusMessage).toMatch(/VK_TOKEN not set/)
    expect(server.hits.some((h) => h.includes('/vk/'))).toBe(false)
  })

  it('never runs twice at once', async () => {
    const { db, server, collector } = await setup()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    server.override.set('tg:/durov', async () => {
      await gate
      return new Response(fixture('telegram/tme_page_durov_channel.html'), { headers: { 'content-type': 'text/html' } })
    })
    await register(db, 'https://t.me/durov')
    const first = collector.run('schedule')
    await expect(collector.run('manual')).rejects.toBeInstanceOf(RunInProgressError)
    await expect(collector.run('manual')).rejects.toThrow(/already running/)
    release()
    expect(await first).toMatchObject({ status: 'finished', ok: 1 })
    expect((await listRuns(db)).map((r) => r.trigger)).toEqual(['schedule'])
  })

  it('stops between batches when asked to and marks the run interrupted', async () => {
    const { db, collector } = await setup({ TELEGRAM_CONCURRENCY: '1' })
    await register(db, 'https://t.me/durov', 'https://t.me/python', 'https://t.me/nikolai')
    const controller = new AbortController()
    controller.abort(new Error('shutting down'))
    const run = await collector.run('schedule', { signal: controller.signal })
    expect(run.status).toBe('interrupted')
    expect(run.done).toBeLessThan(3)
  })
})

describe('markInterruptedRuns()', () => {
  it('marks runs left running by a dead process as interrupted', async () => {
    const db = await testDb()
    await db.insertInto('runs').values({ trigger: 'schedule', status: 'running', started_at: 1000, finished_at: null, error: null }).execute()
    expect(await markInterruptedRuns(db, 2000)).toBe(1)
    const [run] = await listRuns(db)
    expect(run).toMatchObject({ status: 'interrupted', finishedAt: 2000 })
    expect(run?.error).toMatch(/stopped during this run/)
  })
})

describe('catchUpDue()', () => {
  const hourly = { getNextRuns: () => [new Date('2026-11-26T11:00:00Z'), new Date('2026-11-26T12:00:00Z')] }
  it('asks for one catch-up run when the last run is older than one interval', async () => {
    const db = await testDb()
    await db.insertInto('runs').values({ trigger: 'schedule', status: 'finished', started_at: Date.parse('2026-11-26T07:00:00Z') / 1000, finished_at: null, error: null }).execute()
    expect(await catchUpDue(db, hourly, new Date('2026-11-26T10:30:00Z'))).toBe(true)
  })
  it('does not when the last run is recent', async () => {
    const db = await testDb()
    await db.insertInto('runs').values({ trigger: 'schedule', status: 'finished', started_at: Date.parse('2026-11-26T10:00:00Z') / 1000, finished_at: null, error: null }).execute()
    expect(await catchUpDue(db, hourly, new Date('2026-11-26T10:30:00Z'))).toBe(false)
  })
})
