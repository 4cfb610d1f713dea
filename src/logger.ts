import { pino, type Logger } from 'pino'

export type { Logger }

/** JSON lines on stdout (one object per event), ready for journald or a log shipper. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'publicpulse' }, redact: ['token', 'accessToken', 'authorization'] })
}

/** A logger that drops everything (tests, one-shot CLI commands with --quiet). */
export const silentLogger = (): Logger => pino({ level: 'silent' })
