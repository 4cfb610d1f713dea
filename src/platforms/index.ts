import type { Config } from '../config.ts'
import type { Sleep } from './http.ts'
import { createTelegram } from './telegram.ts'
import type { Platform, PlatformId } from './types.ts'
import { createVk } from './vk.ts'

export type Platforms = ReadonlyMap<PlatformId, Platform>

const RETRY = { attempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 }

/** The registry of platform collectors, built from configuration. `sleep` is injectable for tests. */
export function createPlatforms(config: Pick<Config, 'vk' | 'telegram' | 'httpTimeoutMs'>, options: { sleep?: Sleep } = {}): Platforms {
  const vk = createVk({
    tokens: config.vk.tokens,
    apiUrl: config.vk.apiUrl,
    requestsPerSecond: config.vk.requestsPerSecond,
    groupsBatchSize: config.vk.batchSize,
    postsPerPage: 20,
    timeoutMs: config.httpTimeoutMs,
    retry: RETRY,
    sleep: options.sleep,
  })
  const telegram = createTelegram({
    baseUrl: config.telegram.url,
    concurrency: config.telegram.concurrency,
    minIntervalMs: config.telegram.intervalMs,
    timeoutMs: config.httpTimeoutMs,
    retry: RETRY,
    sleep: options.sleep,
  })
  return new Map<PlatformId, Platform>([
    [vk.id, vk],
    [telegram.id, telegram],
  ])
}
