import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { z } from 'zod'
import { DuplicatePageError } from '../db/pages.ts'
import { LinkError } from '../platforms/links.ts'
import { describeZodError } from './errors.ts'

/** The text fields of a posted form (files left out), each trimmed. */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody()
  const fields: Record<string, string> = {}
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value.trim()
  return fields
}

/** The sentence to show in a form for a mistake a person can fix; rethrows anything else (a real fault). */
export function formError(error: unknown): { message: string; status: 400 | 403 | 404 | 409 } {
  if (error instanceof z.ZodError) return { message: describeZodError(error), status: 400 }
  if (error instanceof LinkError) return { message: error.message, status: 400 }
  if (error instanceof DuplicatePageError) return { message: error.message, status: 409 }
  if (error instanceof HTTPException && [400, 403, 404, 409].includes(error.status)) return { message: error.message, status: error.status as 400 }
  throw error
}

/** A page number from the query: 1 when absent or not a positive whole number. */
export const pageParam = (value: string | undefined) => {
  const n = Number(value)
  return Number.isSafeInteger(n) && n >= 1 ? n : 1
}

/** A local path to go back to after a form; anything else (other sites, `//host`) becomes `fallback`. */
export const localPath = (value: string | undefined, fallback: string) =>
  value && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : fallback
