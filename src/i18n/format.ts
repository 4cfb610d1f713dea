import type { Locale } from './index.ts'

/** Number and date formatting for one reader: Russian `13 412`, `1,2 млн`, `26.11.2026`; English `13,412`, `1.2M`, `26 Nov 2026`. */
export interface Format {
  readonly locale: Locale
  readonly timeZone: string
  /** Whole number; `≈` in front of a figure the platform only showed rounded. `—` for null. */
  count(n: number | null | undefined, exact?: boolean | null): string
  /** Short form for large figures: `1,2 млн`, `12,4 тыс.` / `1.2M`. */
  compact(n: number | null | undefined): string
  /** Signed whole number: `+1 234`, `−56`, `0`. */
  change(n: number | null | undefined): string
  /** A number with at most two decimals: `104,5`. */
  decimal(n: number | null | undefined): string
  /** A share already in per cent (ERR 3.2 → `3,2 %`), at most two decimals. */
  percent(n: number | null | undefined): string
  /** A signed per-cent change: `+1,25 %`. */
  signedPercent(n: number | null | undefined): string
  /** Date of a unix-seconds time in the display time zone: `26.11.2026`. */
  date(seconds: number | null | undefined): string
  /** Time of day: `15:00`. */
  time(seconds: number | null | undefined): string
  /** Date and time: `26.11.2026 15:00`. */
  dateTime(seconds: number | null | undefined): string
  /** The same time as YYYY-MM-DD in the display time zone (for date inputs). */
  isoDate(seconds: number): string
}

const DASH = '—'
const MINUS = '\u2212'

/** Intl output for negatives uses a hyphen-minus; a real minus sign reads better next to "+". */
const withMinus = (text: string) => text.replace(/^-/, MINUS)

export function createFormat(locale: Locale, timeZone: string): Format {
  const tag = locale === 'ru' ? 'ru-RU' : 'en-GB'
  const integer = new Intl.NumberFormat(tag, { maximumFractionDigits: 0 })
  const signed = new Intl.NumberFormat(tag, { maximumFractionDigits: 0, signDisplay: 'exceptZero' })
  // en-GB abbreviates millions as "m"; analysts expect "M".
  const compact = new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-US', { notation: 'compact', maximumFractionDigits: 1 })
  const decimal = new Intl.NumberFormat(tag, { maximumFractionDigits: 2 })
  const percent = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 2 })
  const signedPercent = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 2, signDisplay: 'exceptZero' })
  const date = new Intl.DateTimeFormat(tag, { timeZone, day: '2-digit', month: locale === 'ru' ? '2-digit' : 'short', year: 'numeric' })
  const time = new Intl.DateTimeFormat(tag, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  const iso = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
  const ms = (seconds: number) => new Date(seconds * 1000)
  const missing = (n: number | null | undefined): n is null | undefined => n === null || n === undefined || Number.isNaN(n)
  return {
    locale,
    timeZone,
    count: (n, exact = true) => (missing(n) ? DASH : `${exact === false ? '≈' : ''}${withMinus(integer.format(n))}`),
    compact: (n) => (missing(n) ? DASH : withMinus(compact.format(n))),
    change: (n) => (missing(n) ? DASH : withMinus(signed.format(n))),
    decimal: (n) => (missing(n) ? DASH : withMinus(decimal.format(n))),
    percent: (n) => (missing(n) ? DASH : withMinus(percent.format(n / 100))),
    signedPercent: (n) => (missing(n) ? DASH : withMinus(signedPercent.format(n / 100))),
    date: (s) => (missing(s) ? DASH : date.format(ms(s))),
    time: (s) => (missing(s) ? DASH : time.format(ms(s))),
    dateTime: (s) => (missing(s) ? DASH : `${date.format(ms(s))} ${time.format(ms(s))}`),
    isoDate: (s) => iso.format(ms(s)),
  }
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>()

/** How far `timeZone` is ahead of UTC at the instant `ms`, in milliseconds. */
function zoneOffset(ms: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    offsetFormats.set(timeZone, format)
  }
  const part = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, Number(p.value)]))
  const asUtc = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!)
  return asUtc - Math.floor(ms / 1000) * 1000
}

/**
 * Unix seconds of midnight starting `date` (YYYY-MM-DD, plus `addDays`) in `timeZone`: a reader's
 * "from 01.11.2026" means their midnight, not UTC's. Undefined for a date that does not exist.
 */
export function zonedDayStart(date: string, timeZone: string, addDays = 0): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!m) return undefined
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const check = new Date(Date.UTC(y, mo - 1, d))
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined
  const utcMidnight = Date.UTC(y, mo - 1, d + addDays)
  let t = utcMidnight - zoneOffset(utcMidnight, timeZone)
  const again = utcMidnight - zoneOffset(t, timeZone) // the offset may differ across a DST change
  if (again !== t) t = again
  return t / 1000
}
