import { z } from 'zod'
import { insertPage, type PageView } from './db/pages.ts'
import type { Db } from './db/schema.ts'
import { parsePageLink } from './platforms/links.ts'

const label = (what: string, max: number) => z.string().trim().min(1, `${what} must not be empty`).max(max, `${what} must be at most ${max} characters`)

/** What an operator sends to register a page (API body, CLI flags). */
export const pageInputSchema = z
  .object({
    url: z.string({ error: 'url is required: a link to a VK or Telegram page' }).max(2048, 'url must be at most 2048 characters'),
    title: label('title', 200).optional(),
    region: label('region', 100).optional(),
    category: label('category', 100).optional(),
    tags: z.array(label('a tag', 50)).max(50, 'at most 50 tags').optional(),
    aliases: z.array(label('an alias', 100)).max(50, 'at most 50 aliases').optional(),
  })
  .strict()

export type PageInputBody = z.infer<typeof pageInputSchema>

/**
 * Registers a page from what an operator pasted: parses the link (LinkError if it is not a page we can
 * track), then inserts it (DuplicatePageError if already registered).
 */
export async function registerPage(db: Db, body: PageInputBody, now: Date): Promise<PageView> {
  const link = parsePageLink(body.url)
  const unique = (list?: string[]) => (list ? [...new Set(list)] : undefined)
  return insertPage(db, { ...link, title: body.title, region: body.region, category: body.category, tags: unique(body.tags), aliases: unique(body.aliases) }, now)
}
