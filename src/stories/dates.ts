// Feed dates: RSS uses RFC 822 ("Wed, 27 Jul 2022 11:01:01 +0300"), Atom ISO 8601
// ("2013-04-10T23:17:00Z"). Real feeds add named zones (MSK), two-digit years, missing seconds and
// zoneless ISO times; each is read here rather than left to Date.parse, which guesses local time.

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 }

/** Offsets in minutes of the zone names RFC 822 defines, plus Moscow's (common in Russian feeds). */
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  MSK: 180, MSD: 240,
}

const RFC822 = /^(?:[a-z]{2,}\.?,?\s*)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([+-]\d{2}:?\d{2}|[a-z]{1,5}))?$/i
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[t\s](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(z|[+-]\d{2}(?::?\d{2})?)?$/i

const offsetMinutes = (zone: string | undefined): number | undefined => {
  if (!zone) return 0 // a time without a zone is read as UTC
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)
  if (numeric) return (numeric[1] === '-' ? -1 : 1) * (Number(numeric[2]) * 60 + Number(numeric[3] ?? 0))
  const upper = zone.toUpperCase()
  if (upper in ZONES) return ZONES[upper]
  // RFC 2822: military single letters were specified with the wrong sign; read them as UTC.
  if (/^[A-IK-Z]$/.test(upper)) return 0
  return undefined
}

const seconds = (y: number, mo: number, d: number, h: number, mi: number, s: number, offset: number): number | null => {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null
  const ms = Date.UTC(y, mo, d, h, mi, s) - offset * 60_000
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null
}

/** Unix seconds of a feed date, or null when it cannot be read. */
export function parseFeedDate(value: string | null | undefined): number | null {
  const text = value?.trim().replace(/\s+/g, ' ')
  if (!text) return null
  const iso = ISO.exec(text)
  if (iso) {
    const offset = offsetMinutes(iso[7])
    if (offset === undefined) return null
    return seconds(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]), Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0), offset)
  }
  const rfc = RFC822.exec(text)
  if (rfc) {
    const month = MONTHS[rfc[2]!.toLowerCase()]
    const offset = offsetMinutes(rfc[7])
    if (month === undefined || offset === undefined) return null
    let year = Number(rfc[3])
    if (rfc[3]!.length === 2) year += year < 50 ? 2000 : 1900
    return seconds(year, month, Number(rfc[1]), Number(rfc[4]), Number(rfc[5]), Number(rfc[6] ?? 0), offset)
  }
  return null
}
