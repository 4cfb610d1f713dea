import type { Db } from './schema.ts'

/**
 * Puts a sentence in front of the status message the collector's last write gave each page: things
 * the operator should know although the page was counted (a Telegram channel that now answers under
 * another name). Runs right after that write, so it never overwrites a newer status.
 */
export async function prependStatusNotices(db: Db, notices: readonly { pageId: number; notice: string }[]): Promise<void> {
  if (notices.length === 0) return
  await db.transaction().execute(async (trx) => {
    for (const { pageId, notice } of notices) {
      await trx
        .updateTable('pages')
        .set((eb) => ({
          status_message: eb
            .case()
            .when('status_message', 'is', null)
            .then(notice)
            .else(eb(eb.val(`${notice} `), '||', eb.ref('status_message')))
            .end(),
        }))
        .where('id', '=', pageId)
        .execute()
    }
  })
}
