import { insertPage } from '../../src/db/pages.ts'
import type { Db } from '../../src/db/schema.ts'
import { type OutcomeItem, recordOutcomes } from '../../src/db/snapshots.ts'
import { type PageSample, PlatformError, type PostSample } from '../../src/platforms/types.ts'

/**
 * A known history written through the real write path (recordOutcomes, as the collector writes it),
 * so the dashboard's figures can be checked against numbers computed by hand.
 *
 * Collection runs every hour on the hour for 35 days, ending at SEED_NOW (hour h = 0 … 840):
 * - governorVk  VK, Ростовская область, [governor]: 10 000 + 5·h followers; posts read every 6 hours,
 *   always two posts 2 and 3 days old with 3 000 and 5 000 views (average reach 4 000).
 * - governorTg  Telegram, Ростовская область, [governor]: 20 000 + 20·h; posts every 6 hours with
 *   8 000 and 10 000 views (reach 9 000). Collection failed (unavailable) for hours 700–709: a gap.
 * - ministry    VK, Московская область, [ministry]: 50 000 − 2·h; posts never read.
 * - city        Telegram, Ростовская область, [city], registered at h = 792: 1 000 + (h − 792).
 * - closed      VK, Ростовская область, registered at h = 838, refused as private at h = 838, 839, 840.
 * - gone        Telegram, no region, [ministry]: 7 000 + h until h = 240, then not found 5 times: paused.
 */
export const SEED_NOW = Date.UTC(2026, 10, 26, 12, 0, 0) / 1000
export const SEED_HOURS = 840
const HOUR = 3600
const DAY = 86_400
export const SEED_START = SEED_NOW - SEED_HOURS * HOUR

const sample = (followers: number, posts: PostSample[] | null = null, title: string | null = null): PageSample => ({
  followers,
  followersExact: true,
  title,
  platformId: null,
  posts,
})

const post = (pageKey: string, publishedAt: number, views: number): PostSample => ({
  postId: `${pageKey}-${publishedAt}`,
  url: pageKey.startsWith('vk') ? `https://vk.com/wall-1_${publishedAt}` : `https://t.me/governor_tg/${publishedAt}`,
  publishedAt,
  text: `Пост от ${new Date(publishedAt * 1000).toISOString().slice(0, 10)} <b>не жирный</b>`,
  views,
  likes: Math.round(views / 100),
  reposts: Math.round(views / 1000),
  comments: 3,
})

export interface SeededPages {
  governorVk: number
  governorTg: number
  ministry: number
  city: number
  closed: number
  gone: number
}

export async function seedHistory(db: Db): Promise<SeededPages> {
  const created = new Date(SEED_START * 1000)
  const add = async (platform: 'vk' | 'telegram', handle: string, title: string, region: string | null, tags: string[], at = created) =>
    (await insertPage(db, { platform, handle, url: platform === 'vk' ? `https://vk.com/${handle}` : `https://t.me/${handle}`, title, region, tags }, at)).id
  const ids: SeededPages = {
    governorVk: await add('vk', 'governor_vk', 'Губернатор Ростовской области', 'Ростовская область', ['governor']),
    governorTg: await add('telegram', 'governor_tg', 'Губернатор — Telegram', 'Ростовская область', ['governor']),
    ministry: await add('vk', 'minzdrav_mo', 'Минздрав Московской области', 'Московская область', ['ministry']),
    city: await add('telegram', 'rostov_city', 'Администрация Ростова', 'Ростовская область', ['city'], new Date((SEED_START + 792 * HOUR) * 1000)),
    closed: await add('vk', 'closed_group', 'Закрытая группа', 'Ростовская область', [], new Date((SEED_START + 838 * HOUR) * 1000)),
    gone: await add('telegram', 'gone_channel', 'Удалённый канал', null, ['ministry']),
  }
  const failures = new Map<number, number>()
  const page = (id: number) => ({ id, consecutiveFailures: failures.get(id) ?? 0 })
  const policy = { pauseAfterFailures: 5 }

  for (let h = 0; h <= SEED_HOURS; h++) {
    const at = SEED_START + h * HOUR
    const readPosts = h % 6 === 0
    const items: OutcomeItem[] = [
      { page: page(ids.governorVk), outcome: { ok: true, sample: sample(10_000 + 5 * h, readPosts ? [post('vk', at - 2 * DAY, 3000), post('vk', at - 3 * DAY, 5000)] : null) } },
      h >= 700 && h <= 709
        ? { page: page(ids.governorTg), outcome: { ok: false, error: new PlatformError('unavailable', 't.me did not answer in time') } }
        : { page: page(ids.governorTg), outcome: { ok: true, sample: sample(20_000 + 20 * h, readPosts ? [post('tg', at - 2 * DAY, 8000), post('tg', at - 3 * DAY, 10_000)] : null) } },
      { page: page(ids.ministry), outcome: { ok: true, sample: sample(50_000 - 2 * h) } },
    ]
    if (h >= 792) items.push({ page: page(ids.city), outcome: { ok: true, sample: sample(1000 + (h - 792)) } })
    if (h >= 838) items.push({ page: page(ids.closed), outcome: { ok: false, error: new PlatformError('private', 'Закрытая группа: участники скрыты') } })
    if (h <= 240) items.push({ page: page(ids.gone), outcome: { ok: true, sample: sample(7000 + h) } })
    else if (h <= 245) items.push({ page: page(ids.gone), outcome: { ok: false, error: new PlatformError('not_found', 'Канал не найден') } })

    const statuses = await recordOutcomes(db, items, at, policy)
    items.forEach((item, i) => {
      const status = statuses[i]
      failures.set(item.page.id, status === 'not_found' || status === 'private' || status === 'unsupported' ? item.page.consecutiveFailures + 1 : status === 'ok' ? 0 : item.page.consecutiveFailures)
    })
  }
  return ids
}
