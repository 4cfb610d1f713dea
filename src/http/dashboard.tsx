import { Hono } from 'hono'
import { findPage, listPages } from '../db/pages.ts'
import type { Db } from '../db/schema.ts'
import { listPosts, listSnapshots } from '../db/snapshots.ts'
import { PageDetail } from '../views/page-detail.tsx'
import { PagesList } from '../views/pages-list.tsx'

/** Server-rendered HTML pages. */
export function dashboardRoutes({ db }: { db: Db }) {
  return new Hono()
    .get('/', async (c) => c.html(<PagesList pages={await listPages(db)} />))
    .get('/pages/:id{[0-9]+}', async (c) => {
      const page = await findPage(db, Number(c.req.param('id')))
      if (!page) return c.notFound()
      const [series, posts] = await Promise.all([listSnapshots(db, page.id, { limit: 2000 }), listPosts(db, page.id, 20)])
      return c.html(<PageDetail page={page} series={series} posts={posts} />)
    })
}
