import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { tempDir } from './helpers/db.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

/** `npm start` as a user runs it (node + tsx on src/main.ts), with its output collected. */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

describe('npm start', () => {
  it('creates the data folder and database, serves /healthz, keeps the token out of the log, and stops on SIGTERM', async () => {
    const dir = join(tempDir(), 'nested', 'data')
    const server = start({ DATABASE_PATH: join(dir, 'publicpulse.db'), PORT: '0', COLLECT_CRON: '0 0 1 1 *' })
    let url: string | undefined
    await expect
      .poll(() => (url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(server.output())?.[1]), { timeout: 20_000, interval: 50 })
      .toBeTruthy()
    const health = await fetch(`${url}/healthz`)
    expect(health.status).toBe(200)
    expect(existsSync(join(dir, 'publicpulse.db'))).toBe(true)
    const token = readFileSync(join(dir, 'operator-token'), 'utf8').trim()
    expect(server.output()).toContain(join(dir, 'operator-token'))
    expect(server.output()).not.toContain(token)

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.output()).toMatch(/"msg":"stopped"/)
  }, 30_000)

  it('refuses to start on bad configuration, naming each bad variable', async () => {
    const server = start({ DATABASE_PATH: join(tempDir(), 'x.db'), PORT: 'http', COLLECT_CRON: 'hourly' })
    expect(await server.exited).toBe(2)
    expect(server.output()).toMatch(/PORT must be a whole number/)
    expect(server.output()).toMatch(/COLLECT_CRON must be a cron expression/)
  }, 30_000)
})
