import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import { DuplicatePageError } from '../db/pages.ts'
import type { Logger } from '../logger.ts'
import { LinkError } from '../platforms/links.ts'
import { RunInProgressError } from '../scheduler/collect.ts'

/** A client mistake with a readable message; becomes `{"error": message}` with its status. */
export class BadRequestError extends HTTPException {
  constructor(message: string, status: ContentfulStatusCode = 400) {
    super(status, { message })
  }
}

/** Names the field and says what is wrong: `tags.2: a tag must not be empty`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.')
      if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`
      // zod 4 leaves `input` out of issues unless asked; its default message says "received undefined".
      const missing = 'input' in issue ? issue.input === undefined : /received undefined/.test(issue.message)
      if (issue.code === 'invalid_type' && missing) return issue.message.includes('required') ? issue.message : `${path} is required`
      return path ? `${path}: ${issue.message}` : issue.message
    })
    .join('; ')
}

/** The one place where typed errors become HTTP answers (JSON for /api, JSON everywhere else too). */
export function errorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    const json = (status: ContentfulStatusCode, message: string) => c.json({ error: message }, status)
    if (error instanceof LinkError) return json(400, error.message)
    if (error instanceof z.ZodError) return json(400, describeZodError(error))
    if (error instanceof DuplicatePageError) return c.json({ error: error.message, page: error.existing }, 409)
    if (error instanceof RunInProgressError) return json(409, error.message)
    if (error instanceof HTTPException) {
      if (error.status === 413) return json(413, 'The request body is too large.')
      return json(error.status, error.message || 'Request refused.')
    }
    logger.error({ err: error, path: c.req.path }, 'request failed')
    return json(500, 'Something went wrong on the server; the error was logged.')
  }
}

/** Reads a JSON body, answering 400 for anything that is not a JSON object. */
export async function readJson(c: Context): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw new BadRequestError('The request body must be JSON, e.g. {"url": "https://t.me/durov"}.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('The request body must be a JSON object.')
  return body as Record<string, unknown>
}
