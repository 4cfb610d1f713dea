import type { Db } from './schema.ts'

/** A page that is not being counted: failing now, or paused after repeated failures. */
export interface FailingPage {
  id: number
  platform: string
  handle: string
  url: string
  title: string
  status: string
  statusMessage: string | null
  statusAt: number | null
  consecutiveFailures: number
  active: boolean
  pausedReason: string | null
}

/** Failing and paused pages, most recent status first, with how many there are in all. */
export async function listFailingPages(db: Db, limit = 200): Promise<{ pages: FailingPage[]; total: number }> {
  const failing = db.selectFrom('pages').where((eb) => eb.or([eb('status', 'not in', ['ok', 'pending']), eb('active', '=', 0)]))
  const [rows, count] = await Promise.all([
    failing
      .select(['id', 'platform', 'handle', 'url', 'title', 'platform_title', 'status', 'status_message', 'status_at', 'consecutive_failures', 'active', 'paused_reason'])
      .orderBy('status_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute(),
    failing.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ])
  return {
    total: Number(count.n),
    pages: rows.map((r) => ({
      id: r.id,
      platform: r.platform,
      handle: r.handle,
      url: r.url,
      title: r.title ?? r.platform_title ?? r.handle,
      status: r.status,
      statusMessage: r.status_message,
      statusAt: r.status_at,
      consecutiveFailures: r.consecutive_failures,
      active: r.active === 1,
      pausedReason: r.paused_reason,
    })),
  }
}
