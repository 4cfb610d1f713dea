import type { FailingPage } from '../db/collection.ts'
import type { RunView } from '../db/runs.ts'
import type { I18n } from '../i18n/index.ts'
import type { CurrentRun } from '../scheduler/collect.ts'
import { PlatformIcon, StatusBadge } from './components.tsx'
import { Layout } from './layout.tsx'

const duration = (run: RunView) => (run.finishedAt === null ? null : run.finishedAt - run.startedAt)

function seconds(i18n: I18n, s: number | null): string {
  if (s === null) return i18n.t.none
  if (s < 60) return `${s} ${i18n.t.collection.sec}`
  return `${Math.floor(s / 60)} ${i18n.t.collection.min} ${s % 60} ${i18n.t.collection.sec}`
}

/** The operator's view of collection: the run in flight, the last runs, the slowest pages, the failing pages. */
export function Collection(props: { i18n: I18n; current: CurrentRun | undefined; runs: RunView[]; failing: { pages: FailingPage[]; total: number } }) {
  const { i18n } = props
  const { t, fmt } = i18n
  const last = props.runs.find((r) => r.status !== 'running')
  return (
    <Layout title={t.collection.title} i18n={i18n} section="collection">
      <h1>{t.collection.title}</h1>
      <section aria-labelledby="now">
        <h2 id="now">{t.collection.now}</h2>
        {props.current ? (
          <p data-testid="current-run">
            {t.collection.running(props.current.id, fmt.dateTime(props.current.startedAt))}{' '}
            <progress max={props.current.total} value={props.current.progress.done}></progress>{' '}
            {fmt.count(props.current.progress.done)} / {fmt.count(props.current.total)} · {t.collection.failed}: {fmt.count(props.current.progress.failed)}
            {props.current.etaSeconds !== null ? ` · ${t.collection.eta}: ${seconds(i18n, props.current.etaSeconds)}` : ''}
          </p>
        ) : (
          <p class="muted">{t.collection.idle}</p>
        )}
      </section>

      <section aria-labelledby="runs">
        <h2 id="runs">{t.collection.runs}</h2>
        {props.runs.length === 0 ? (
          <p class="muted">{t.collection.noRuns}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>#</th>
                  <th>{t.collection.started}</th>
                  <th>{t.collection.trigger}</th>
                  <th>{t.collection.status}</th>
                  <th class="num">{t.collection.duration}</th>
                  <th class="num">{t.collection.pages}</th>
                  <th class="num">{t.collection.ok}</th>
                  <th class="num">{t.collection.failed}</th>
                  <th>{t.collection.byStatus}</th>
                </tr>
              </thead>
              <tbody>
                {props.runs.map((run) => (
                  <tr>
                    <td>{run.id}</td>
                    <td>{fmt.dateTime(run.startedAt)}</td>
                    <td>{t.collection.triggers[run.trigger] ?? run.trigger}</td>
                    <td>
                      <span class={`badge ${run.status === 'finished' ? 'ok' : run.status === 'running' ? 'pending' : 'fail'}`} title={run.error ?? undefined}>
                        {t.collection.runStatus[run.status] ?? run.status}
                      </span>
                    </td>
                    <td class="num">{seconds(i18n, duration(run))}</td>
                    <td class="num">{fmt.count(run.pages)}</td>
                    <td class="num">{fmt.count(run.ok)}</td>
                    <td class="num">{fmt.count(run.failed)}</td>
                    <td class="small">
                      {Object.entries(run.statusCounts)
                        .map(([status, n]) => `${t.status[status] ?? status}: ${fmt.count(n)}`)
                        .join(' · ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {last && last.timings.slowest.length > 0 ? (
        <section aria-labelledby="slowest">
          <h2 id="slowest">{t.collection.slowest(last.id)}</h2>
          <p class="muted small">{t.collection.slowestNote}</p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t.collection.page}</th>
                  <th class="num">{t.collection.time}</th>
                  <th>{t.collection.status}</th>
                </tr>
              </thead>
              <tbody>
                {last.timings.slowest.map((p) => (
                  <tr>
                    <td>
                      <PlatformIcon i18n={i18n} platform={p.platform} /> <a href={`/pages/${p.pageId}`}>{p.handle}</a>
                    </td>
                    <td class="num">
                      {fmt.count(Math.round(p.ms))} ms{p.measured === 'batch' ? ` (${t.collection.batchShare})` : ''}
                    </td>
                    <td>
                      <StatusBadge i18n={i18n} status={p.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section aria-labelledby="failing">
        <h2 id="failing">{t.collection.failing(props.failing.total)}</h2>
        {props.failing.total === 0 ? (
          <p class="muted">{t.collection.noFailing}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t.collection.page}</th>
                  <th>{t.collection.status}</th>
                  <th>{t.collection.reason}</th>
                  <th class="num">{t.collection.inARow}</th>
                  <th>{t.collection.since}</th>
                </tr>
              </thead>
              <tbody>
                {props.failing.pages.map((p) => (
                  <tr>
                    <td>
                      <PlatformIcon i18n={i18n} platform={p.platform} /> <a href={`/pages/${p.id}`}>{p.title}</a>
                    </td>
                    <td>
                      <StatusBadge i18n={i18n} status={p.status} active={p.active} />
                    </td>
                    <td class="small">{p.pausedReason ?? p.statusMessage ?? ''}</td>
                    <td class="num">{fmt.count(p.consecutiveFailures)}</td>
                    <td>{fmt.dateTime(p.statusAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Layout>
  )
}
