import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createAdaptorServer } from '@hono/node-server'
import type { Hono } from 'hono'

const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url))

/** A recorded platform response from tests/fixtures, e.g. `fixture('vk/vknet_error_5.json')`. */
export function fixture(path: string): string {
  return readFileSync(fixturesDir + path, 'utf8')
}

export interface RunningServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string
  close(): Promise<void>
}

/**
 * Serves a Hono app over real HTTP on 127.0.0.1 and a free port: the stand-in for api.vk.com / t.me that
 * replays recorded responses, and the way API tests reach the real app.
 */
export async function serve(app: Pick<Hono, 'fetch'>): Promise<RunningServer> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
