import { describe, expect, it } from 'vitest'
import { ConfigError, readConfig } from '../../src/config.ts'

describe('stories configuration', () => {
  it('polls every 15 minutes with a 15 s deadline and a 5 MB limit unless told otherwise', () => {
    expect(readConfig({}).stories).toEqual({ cron: '*/15 * * * *', feedTimeoutMs: 15_000, feedMaxBytes: 5 * 1024 * 1024 })
    expect(readConfig({ STORIES_CRON: '*/5 * * * *', FEED_TIMEOUT_MS: '3000', FEED_MAX_BYTES: '1048576' }).stories).toEqual({ cron: '*/5 * * * *', feedTimeoutMs: 3000, feedMaxBytes: 1_048_576 })
  })

  it('names every bad stories variable at once', () => {
    let error: unknown
    try {
      readConfig({ STORIES_CRON: 'often', FEED_TIMEOUT_MS: '-1', FEED_MAX_BYTES: '10GB' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toEqual([
      'STORIES_CRON must be a cron expression like "0 * * * *", got "often"',
      'FEED_TIMEOUT_MS must be a whole number from 100 to 300000, got "-1"',
      'FEED_MAX_BYTES must be a whole number from 1024 to 104857600, got "10GB"',
    ])
  })
})
