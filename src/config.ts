import { validate as validateCron } from 'node-cron'

/** Everything publicpulse reads from its environment, validated once at start-up. */
export interface Config {
  /** HTTP port of the dashboard and API (`PORT`, 3000). */
  port: number
  /** Address to listen on (`HOST`, 127.0.0.1: only this machine; 0.0.0.0 to serve a network). */
  host: string
  /** SQLite file (`DATABASE_PATH`, ./data/publicpulse.db); its folder is created. `:memory:` for throwaway runs. */
  databasePath: string
  /** When collection runs (`COLLECT_CRON`, `0 * * * *`: hourly, on the hour). */
  collectCron: string
  /** Recent posts are re-read at most this often per page (`POSTS_INTERVAL_HOURS`, 6); counts every run. */
  postsIntervalHours: number
  /** A page is paused after this many consecutive permanent failures (`PAUSE_AFTER_FAILURES`, 5; 0 = never). */
  pauseAfterFailures: number
  /** Raw hourly samples are kept this many days, then only daily values (`RETENTION_DAYS`, 0 = forever). */
  retentionDays: number
  /** When the database maintenance job runs (`MAINTENANCE_CRON`, `17 3 * * *`). */
  maintenanceCron: string
  vk: {
    /** `VK_TOKEN`: one token, or several separated by commas, used in turn. Empty: VK pages report "VK_TOKEN not set". */
    tokens: readonly string[]
    /** `VK_API_URL`, https://api.vk.com/method */
    apiUrl: string
    /** `VK_REQUESTS_PER_SECOND`, 3 (VK's limit for user and service tokens), per token. */
    requestsPerSecond: number
    /** `VK_BATCH_SIZE`, 500 group ids per groups.getById call. */
    batchSize: number
  }
  telegram: {
    /** `TELEGRAM_URL`, https://t.me */
    url: string
    /** `TELEGRAM_CONCURRENCY`, 4 pages at once. */
    concurrency: number
    /** `TELEGRAM_INTERVAL_MS`, 250: at least this long between two requests to t.me. */
    intervalMs: number
  }
  /** `HTTP_TIMEOUT_MS`, 15000: deadline of one platform request. */
  httpTimeoutMs: number
  stories: {
    /** `STORIES_CRON`: when the news feeds are polled; every 15 minutes by default. */
    cron: string
    /** `FEED_TIMEOUT_MS`, 15000: deadline of one feed request, redirects and body included. */
    feedTimeoutMs: number
    /** `FEED_MAX_BYTES`, 5242880 (5 MB): larger feed bodies are refused. */
    feedMaxBytes: number
  }
  /** `OPERATOR_TOKEN`: bearer credential for writes; when unset one is generated and kept in the data folder. */
  operatorToken: string | undefined
  /** `PUBLIC_DASHBOARD`: reading (dashboard, read API) needs no login. Default: on only when HOST is a loopback address. */
  publicDashboard: boolean
  /** `TRUST_PROXY`, off: behind a reverse proxy, take the client address from X-Forwarded-For (login throttling, audit). */
  trustProxy: boolean
  /** `LOG_LEVEL`, info. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** `TIME_ZONE`, Europe/Moscow: the IANA zone the dashboard shows dates and times in. */
  timeZone: string
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

type Env = Record<string, string | undefined>

/** Reads and validates the environment; reports every bad variable at once. The only reader of process.env. */
export function readConfig(env: Env = process.env): Readonly<Config> {
  const problems: string[] = []
  const get = (name: string) => {
    const value = env[name]?.trim()
    return value === '' ? undefined : value
  }
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`)
      return fallback
    }
    return value
  }
  const url = (name: string, fallback: string): string => {
    const raw = get(name) ?? fallback
    try {
      const parsed = new URL(raw)
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error()
    } catch {
      problems.push(`${name} must be an http(s) URL, got "${raw}"`)
    }
    return raw.replace(/\/+$/, '')
  }
  const cron = (name: string, fallback: string): string => {
    const raw = get(name) ?? fallback
    if (!validateCron(raw)) problems.push(`${name} must be a cron expression like "0 * * * *", got "${raw}"`)
    return raw
  }

  const host = get('HOST') ?? '127.0.0.1'
  if (!/^[\w.:-]+$/.test(host)) problems.push(`HOST must be a host name or IP address, got "${host}"`)

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = get(name)?.toLowerCase()
    if (raw === undefined) return fallback
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true
    if (['0', 'false', 'no', 'off'].includes(raw)) return false
    problems.push(`${name} must be true or false, got "${raw}"`)
    return fallback
  }
  // Served only to this machine, the dashboard may stay open; on a network it needs a login unless told otherwise.
  const loopback = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i.test(host)

  const operatorToken = get('OPERATOR_TOKEN')
  if (operatorToken !== undefined && operatorToken.length < 16) {
    problems.push('OPERATOR_TOKEN must be at least 16 characters long (leave it unset to have one generated)')
  }

  const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
  const logLevel = (get('LOG_LEVEL') ?? 'info') as Config['logLevel']
  if (!logLevels.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${logLevel}"`)

  const timeZone = get('TIME_ZONE') ?? 'Europe/Moscow'
  try {
    new Intl.DateTimeFormat('en', { timeZone })
  } catch {
    problems.push(`TIME_ZONE must be an IANA time zone like "Europe/Moscow" or "UTC", got "${timeZone}"`)
  }

  const tokens = (get('VK_TOKEN') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)

  const config: Config = {
    port: int('PORT', 3000, 0, 65535),
    host,
    databasePath: get('DATABASE_PATH') ?? './data/publicpulse.db',
    collectCron: cron('COLLECT_CRON', '0 * * * *'),
    postsIntervalHours: int('POSTS_INTERVAL_HOURS', 6, 0, 24 * 30),
    pauseAfterFailures: int('PAUSE_AFTER_FAILURES', 5, 0, 1000),
    retentionDays: int('RETENTION_DAYS', 0, 0, 100 * 365),
    maintenanceCron: cron('MAINTENANCE_CRON', '17 3 * * *'),
    vk: {
      tokens,
      apiUrl: url('VK_API_URL', 'https://api.vk.com/method'),
      requestsPerSecond: int('VK_REQUESTS_PER_SECOND', 3, 1, 100),
      batchSize: int('VK_BATCH_SIZE', 500, 1, 500),
    },
    telegram: {
      url: url('TELEGRAM_URL', 'https://t.me'),
      concurrency: int('TELEGRAM_CONCURRENCY', 4, 1, 64),
      intervalMs: int('TELEGRAM_INTERVAL_MS', 250, 0, 60_000),
    },
    httpTimeoutMs: int('HTTP_TIMEOUT_MS', 15_000, 100, 300_000),
    stories: {
      cron: cron('STORIES_CRON', '*/15 * * * *'),
      feedTimeoutMs: int('FEED_TIMEOUT_MS', 15_000, 100, 300_000),
      feedMaxBytes: int('FEED_MAX_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    },
    operatorToken,
    publicDashboard: bool('PUBLIC_DASHBOARD', loopback),
    trustProxy: bool('TRUST_PROXY', false),
    logLevel,
    timeZone,
  }
  if (problems.length) throw new ConfigError(problems)
  return Object.freeze(config)
}
