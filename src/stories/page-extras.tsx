import { hasRole } from '../auth/roles.ts'
import { currentIdentity } from '../http/auth.ts'
import type { PageExtras } from '../http/dashboard.tsx'
import type { Db } from '../db/schema.ts'
import type { I18n } from '../i18n/index.ts'
import { RelatedStoriesList } from '../views/related-stories.tsx'
import { loadRelatedStories } from './related.ts'

/**
 * What stories add to a page's view (the dashboard's `pageExtras` seam): markers on the followers
 * chart, the related-stories list with effect figures under the charts, and the script that makes the
 * markers answer hover and click. Operators also get the form for a dated note.
 */
const operator = () => {
  const identity = currentIdentity()
  return identity !== null && hasRole(identity.role, 'operator')
}

export function storyPageExtras(db: Db, now: () => Date) {
  return async (args: { pageId: number; range: { from: number; to: number }; i18n: I18n }): Promise<PageExtras> => {
    const seconds = Math.floor(now().getTime() / 1000)
    const related = await loadRelatedStories(db, args.pageId, args.range, seconds)
    return {
      // Plain lines that charts.js draws by itself; story-markers.js replaces them with interactive ones.
      markers: related.markers.map((m) => ({ t: m.t, label: m.items.length === 1 ? m.label : `${m.items.length}` })),
      children: <RelatedStoriesList i18n={args.i18n} pageId={args.pageId} chartId="followers-chart" related={related} noteForm={operator() ? { now: seconds } : undefined} />,
      scripts: related.markers.length ? ['/static/story-markers.js'] : [],
    }
  }
}
