import type { PageTiming, RunTimings } from '../db/runs.ts'

/** How many of the slowest pages a run keeps. */
export const SLOWEST_PAGES = 10

/**
 * Collects a run's timings as batches come in, in constant memory: the `limit` slowest pages so far
 * (a small sorted list, never every page) and, per platform, pages done and the time from its first
 * batch's start to its last batch's end.
 */
export class RunTimer {
  private readonly slowest: PageTiming[] = []
  private readonly platforms = new Map<string, { pages: number; startedAt: number; endedAt: number }>()

  constructor(
    private readonly limit = SLOWEST_PAGES,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Marks the start of a platform's work (the wall time counts from its first batch). */
  startPlatform(platform: string): void {
    if (!this.platforms.has(platform)) {
      const now = this.clock()
      this.platforms.set(platform, { pages: 0, startedAt: now, endedAt: now })
    }
  }

  /** Records one written page. */
  add(timing: PageTiming): void {
    const platform = this.platforms.get(timing.platform)
    if (platform) {
      platform.pages++
      platform.endedAt = this.clock()
    }
    if (this.slowest.length === this.limit && timing.ms <= this.slowest[this.limit - 1]!.ms) return
    const at = this.slowest.findIndex((t) => t.ms < timing.ms)
    this.slowest.splice(at === -1 ? this.slowest.length : at, 0, timing)
    if (this.slowest.length > this.limit) this.slowest.pop()
  }

  snapshot(): RunTimings {
    const platforms: RunTimings['platforms'] = {}
    for (const [id, p] of this.platforms) platforms[id] = { pages: p.pages, ms: Math.round(p.endedAt - p.startedAt) }
    return { slowest: this.slowest.map((t) => ({ ...t })), platforms }
  }
}
