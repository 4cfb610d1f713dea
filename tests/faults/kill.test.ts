import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import { describe, expect, it, onTestFinished } from 'vitest'
import { insertPage } from '../../src/db/pages.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { openDb } from '../../src/db/open.ts'
import { listRuns } from '../../src/db/runs.ts'
import { parsePageLink } from '../../src/platforms/links.ts'
import { tempDir } from '../helpers/db.ts'
import { fixture } from '../helpers/replay-server.ts'
import { answer, late, startFaultServer, vkGroupsFor } from './fault-server.ts'
import { expectNoPartialSnapshots } from './harness.ts'

// `kill -9` in the middle of a collection: a real child process (`publicpulse collect`, the CLI as an
// operator runs it) against a slow local replay server and a SQLite file, killed with SIGKILL once
// some pages are written and others are in flight. Then the file is reopened as the next start does.

const root = fileURLToPath(new URL('../..', import.meta.url))
const CHANNEL = fixture('telegram/tme_page_durov_channel.html')
const CHANNELS = Array.from({ length: 16 }, (_, i) => `kill_chan_${i}`)

/** `node --import tsx src/cli.ts collect`: node itself is the child, so SIGKILL reaches the process that writes. */
function collectProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'collect'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return child
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', (code, signal) => resolve({ code, signal, output }))
  })

describe('kill -9 during a collection', () => {
  it('leaves a sound database, the run is marked interrupted at the next start, and no page is half-written', async () => {
    let slow = true
    const server = await startFaultServer((hit) => {
      const reply = hit.path.startsWith('/vk/') ? vkGroupsFor(hit) : answer(CHANNEL)
      // Slow enough that the run outlasts the collector's 1 s write interval: some pages are on disk, others not.
      return slow ? late(400, reply) : reply
    })
    onTestFinished(() => server.close())

    const path = join(tempDir(), 'publicpulse.db')
    const setup = openDb(path)
    await migrateToLatest(setup)
    for (const link of [...CHANNELS.map((name) => `https://t.me/${name}`), 'https://vk.com/club1', 'https://vk.com/club2']) {
      await insertPage(setup, parsePageLink(link), new Date())
    }
    // Posts were read a moment ago, so each page costs one request.
    await setup.updateTable('pages').set({ posts_collected_at: Math.floor(Date.now() / 1000) }).execute()
    await setup.destroy()

    const env = {
      DATABASE_PATH: path,
      TELEGRAM_URL: server.telegramUrl,
      TELEGRAM_CONCURRENCY: '2',
      TELEGRAM_INTERVAL_MS: '0',
      VK_API_URL: server.vkUrl,
      VK_TOKEN: 'vk1.a.kill-test-token',
      HTTP_TIMEOUT_MS: '5000',
    }

    // 1. Run, and SIGKILL the process as soon as a few pages are on disk (read through a second connection).
    const child = collectProcess(env)
    const done = exited(child)
    const watcher = new SQLite(path, { readonly: true, fileMustExist: true })
    onTestFinished(() => {
      if (watcher.open) watcher.close()
    })
    const written = () => (watcher.prepare('select count(distinct page_id) as n from snapshots').get() as { n: number }).n
    await expect.poll(written, { timeout: 15_000, interval: 10 }).toBeGreaterThanOrEqual(4)
    child.kill('SIGKILL')
    const killed = await done
    expect(killed.signal, killed.output).toBe('SIGKILL')
    const writtenBeforeKill = written()
    watcher.close()
    expect(writtenBeforeKill).toBeLessThan(CHANNELS.length + 2) // it really was mid-run

    // 2. Reopen as the next start does: the file is sound, the run is left 'running', nothing is half-written.
    const reopened = openDb(path)
    onTestFinished(() => reopened.destroy())
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(reopened)
    expect(integrity.rows).toEqual([{ integrity_check: 'ok' }])
    expect((await sql`pragma foreign_key_check`.execute(reopened)).rows).toEqual([])
    expect((await listRuns(reopened)).map((r) => r.status)).toEqual(['running'])
    expect(await expectNoPartialSnapshots(reopened)).toBe(writtenBeforeKill)
    await reopened.destroy()

    // 3. The next start (the same command) marks the killed run interrupted and collects everything.
    slow = false
    const next = await exited(collectProcess(env))
    expect(next.code, next.output).toBe(0)
    const after = openDb(path)
    onTestFinished(() => after.destroy())
    const [latest, killedRun] = await listRuns(after)
    expect(killedRun).toMatchObject({ status: 'interrupted', error: 'The process stopped during this run.', finishedAt: expect.any(Number) })
    expect(latest).toMatchObject({ status: 'finished', ok: CHANNELS.length + 2 })
    expect(await expectNoPartialSnapshots(after)).toBe(CHANNELS.length + 2)
    expect((await sql<{ integrity_check: string }>`pragma integrity_check`.execute(after)).rows).toEqual([{ integrity_check: 'ok' }])
  })
})
