import { Hono } from 'hono'
import { listFailingPages } from '../db/collection.ts'
import { listRuns } from '../db/runs.ts'
import type { Db } from '../db/schema.ts'
import { i18nOf } from '../i18n/request.ts'
import type { Collector } from '../scheduler/collect.ts'
import { Collection } from '../views/collection.tsx'

/** The operator's "Collection" page: progress, the last runs, the slowest and the failing pages. */
export function collectionRoutes({ db, collector }: { db: Db; collector: Collector }) {
  return new Hono().get('/', async (c) => {
    const [runs, failing] = await Promise.all([listRuns(db, 20), listFailingPages(db)])
    return c.html(<Collection i18n={i18nOf(c)} current={collector.current()} runs={runs} failing={failing} />)
  })
}
