import { describe, expect, it } from 'vitest'
import { ConfigError, readConfig } from '../src/config.ts'

describe('readConfig()', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = readConfig({})
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databasePath: './data/publicpulse.db',
      collectCron: '0 * * * *',
      operatorToken: undefined,
      vk: { tokens: [], apiUrl: 'https://api.vk.com/method', requestsPerSecond: 3, batchSize: 500 },
      telegram: { url: 'https://t.me' },
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('reads several VK tokens separated by commas and strips trailing slashes from URLs', () => {
    const config = readConfig({ VK_TOKEN: 'aaa, bbb,', VK_API_URL: 'http://127.0.0.1:9/method/', TELEGRAM_URL: 'http://127.0.0.1:9/' })
    expect(config.vk.tokens).toEqual(['aaa', 'bbb'])
    expect(config.vk.apiUrl).toBe('http://127.0.0.1:9/method')
    expect(config.telegram.url).toBe('http://127.0.0.1:9')
  })

  it('reports every bad variable at once, naming each', () => {
    let error: unknown
    try {
      readConfig({ PORT: 'eighty', COLLECT_CRON: 'every hour', VK_API_URL: 'ftp://x', OPERATOR_TOKEN: 'short', VK_BATCH_SIZE: '900' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message).toMatch(/PORT must be a whole number from 0 to 65535, got "eighty"/)
    expect(message).toMatch(/COLLECT_CRON must be a cron expression/)
    expect(message).toMatch(/VK_API_URL must be an http\(s\) URL/)
    expect(message).toMatch(/OPERATOR_TOKEN must be at least 16 characters/)
    expect(message).toMatch(/VK_BATCH_SIZE must be a whole number from 1 to 500/)
    expect((error as ConfigError).problems).toHaveLength(5)
  })

  it('never echoes the operator token in its message', () => {
    expect(() => readConfig({ OPERATOR_TOKEN: 'secret12' })).toThrow(ConfigError)
    try {
      readConfig({ OPERATOR_TOKEN: 'secret12' })
    } catch (e) {
      expect((e as Error).message).not.toContain('secret12')
    }
  })
})
