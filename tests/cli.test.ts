import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { onTestFinished, describe, expect, it, vi } from 'vitest'
import { cli } from './helpers/cli.ts'
import { tempDir } from './helpers/db.ts'
import { startPlatformServer } from './helpers/platform-server.ts'

const root = fileURLToPath(new URL('..', import.meta.url))


describe('publicpulse CLI', () => {
  it('adds, lists and collects pages on the configured database', async () => {
    const dir = tempDir()
    const server = await startPlatformServer()
    onTestFinished(() => server.close())
    vi.stubEnv('DATABASE_PATH', join(dir, 'cli.db'))
    vi.stubEnv('TELEGRAM_URL', server.telegramUrl)
    vi.stubEnv('TELEGRAM_INTERVAL_MS', '0')
    vi.stubEnv('VK_TOKEN', '')
    vi.stubEnv('LOG_LEVEL', 'silent')
    onTestFinished(() => {
      vi.unstubAllEnvs()
    })

    expect(await cli(['migrate'])).toEqual({ code: 0, out: 'Database is at the latest schema.' })
    const added = await cli(['pages', 'add', 'https://t.me/durov', '--region', 'Москва', '--tag', 'founder'])
    expect(added).toMatchObject({ code: 0 })
    expect(added.out).toMatch(/Registered #1: telegram https:\/\/t\.me\/durov/)
    expect(await cli(['pages', 'add', '@durov'])).toMatchObject({ code: 1, out: expect.stringMatching(/already registered as #1/) })
    expect(await cli(['pages', 'add', 'https://example.com'])).toMatchObject({ code: 1, out: expect.stringMatching(/not a supported platform/) })
    expect(await cli(['pages', 'add'])).toMatchObject({ code: 2, out: expect.stringMatching(/exactly one link/) })

    const collected = await cli(['collect'])
    expect(collected.out).toMatch(/Run #1 finished: 1 of 1 pages ok, 0 failed/)
    const listed = await cli(['pages', 'list'])
    expect(listed.out).toMatch(/#1 +telegram +Pavel Durov +11\s286\s994/)
    const json = JSON.parse((await cli(['pages', 'list', '--json'])).out)
    expect(json.pages[0]).toMatchObject({ followers: 11_286_994, region: 'Москва', tags: ['founder'] })
  })

  it('explains unknown commands and bad configuration', async () => {
    vi.stubEnv('DATABASE_PATH', join(tempDir(), 'x.db'))
    onTestFinished(() => {
      vi.unstubAllEnvs()
    })
    expect(await cli(['frobnicate'])).toMatchObject({ code: 2, out: expect.stringMatching(/unknown command "frobnicate"[\s\S]*Usage/) })
    vi.stubEnv('PORT', 'abc')
    expect(await cli(['pages', 'list'])).toMatchObject({ code: 2, out: expect.stringMatching(/PORT must be a whole number/) })
  })

  it('runs as the publicpulse bin', async () => {
    const dir = tempDir()
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin/publicpulse.js'), 'pages', 'list'], {
      env: { ...process.env, DATABASE_PATH: join(dir, 'bin.db') },
    })
    expect(stdout).toMatch(/No pages registered yet/)
  })
})
