import { createHash, timingSafeEqual } from 'node:crypto'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * Requires `Authorization: Bearer <operator token>`. Compares digests in constant time so the token
 * cannot be guessed byte by byte from response times.
 */
export function requireOperator(operatorToken: string) {
  const expected = digest(operatorToken)
  return createMiddleware(async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(.+)$/i.exec(header.trim())
    if (!match) {
      throw new HTTPException(401, { message: 'This action needs the operator token: send "Authorization: Bearer <token>".' })
    }
    if (!timingSafeEqual(digest(match[1]!.trim()), expected)) {
      throw new HTTPException(401, { message: 'The operator token is not valid.' })
    }
    await next()
  })
}
