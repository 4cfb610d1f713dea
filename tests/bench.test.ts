import { describe, expect, it } from 'vitest'
import { formatTable, runBench } from '../bench/bench.ts'

// `npm run bench` at a tiny size, so the bench never rots. No timing is asserted here: the figures
// are for `npm run bench` on a quiet machine.
describe('npm run bench', () => {
  it('measures every figure the scale issue asks for', async () => {
    const { figures, machine } = await runBench({ pages: 60, hours: 2, seriesHours: 48, collectVk: 30, collectTg: 6, seconds: 1, apiRounds: 1 })
    const names = figures.map((f) => f.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'ingest_rows_per_s',
        'raw_insert_rows_per_s',
        'ingest_ratio',
        'bytes_per_sample',
        'overview_ms',
        'overview_region_ms',
        'series_ms',
        'collect_130k_vk_s',
        'collect_5k_tg_s',
        'peak_rss_mb',
        'api_rps',
        'hello_rps',
      ]),
    )
    for (const f of figures) expect(Number(f.value), f.name).toBeGreaterThan(0)
    expect(formatTable(figures)).toMatch(/^\| figure \| value/)
    expect(machine).toMatch(/Node \d+/)
  }, 60_000)
})
