// Number and date formatting for the dashboard (Russian conventions: 13 412, 26.11.2026).

const integer = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 0 })
const percent = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 2, minimumFractionDigits: 0 })

export const formatCount = (n: number | null | undefined, exact = true): string =>
  n === null || n === undefined ? '—' : `${exact ? '' : '≈'}${integer.format(n)}`

export const formatChange = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : n > 0 ? `+${integer.format(n)}` : n < 0 ? `−${integer.format(-n)}` : '0'

export const formatPercent = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : `${percent.format(n)} %`)

export const formatDateTime = (seconds: number | null | undefined): string => {
  if (seconds === null || seconds === undefined) return 'never'
  const d = new Date(seconds * 1000)
  const pad = (v: number) => String(v).padStart(2, '0')
  return `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`
}
