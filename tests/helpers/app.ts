import { onTestFinished } from 'vitest'
import { createApp } from '../../src/app.ts'
import { readConfig } from '../../src/config.ts'
import type { Db } from '../../src/db/schema.ts'
import { silentLogger } from '../../src/logger.ts'
import { createPlatforms } from '../../src/platforms/index.ts'
import { createCollector } from '../../src/scheduler/collect.ts'
import { startPlatformServer, type PlatformServer } from './platform-server.ts'
import { serve } from './replay-server.ts'

export const OPERATOR_TOKEN = 'test-operator-token-0123456789'
export const VK_TEST_TOKEN = 'vk-test-token-abcdef'

/** No real waiting in tests: back-offs and rate-limit pauses resolve at once (rate limiting has its own tests). */
export const noWait = async () => {}

/**
 * The whole app wired as main.ts wires it, against the local platform replay server, served over real
 * HTTP. Everything is closed when the test ends.
 */
export async function startTestApp(db: Db, options: { env?: Record<string, string>; now?: () => Date; platforms?: PlatformServer } = {}) {
  const platforms = options.platforms ?? (await startPlatformServer())
  if (!options.platforms) onTestFinished(() => platforms.close())
  const config = readConfig({ VK_TOKEN: VK_TEST_TOKEN, VK_API_URL: platforms.vkUrl, TELEGRAM_URL: platforms.telegramUrl, HTTP_TIMEOUT_MS: '2000', ...options.env })
  const logger = silentLogger()
  const collectors = createPlatforms(config, { sleep: noWait })
  const collector = createCollector({ db, platforms: collectors, logger, now: options.now, ...config })
  const app = createApp({ db, collector, logger, operatorToken: OPERATOR_TOKEN, now: options.now, platforms: collectors, access: config })
  const server = await serve(app)
  onTestFinished(() => server.close())
  const call = (method: string, path: string, body?: unknown, token: string | null = OPERATOR_TOKEN) =>
    fetch(server.url + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
  return { url: server.url, app, collector, platforms, call }
}
