import type { SpanEffect, StoryEffect } from '../stories/effect.ts'
import { formatChange } from './format.ts'
import { changeTone } from './components.tsx'

/** The words of the effect figures, per interface language. */
export interface EffectWords {
  followers: string
  avgViews: string
  h24: string
  d7: string
  vs: string
  pending: string
  /** Tooltip: "followers, 24 h: after +120; the same span before: +40; difference +80". */
  explain: (metric: string, after: string, before: string, excess: string | null, pending: boolean) => string
}

export const EFFECT_WORDS: Record<'ru' | 'en', EffectWords> = {
  en: {
    followers: 'Followers',
    avgViews: 'Avg views',
    h24: '24 h',
    d7: '7 d',
    vs: 'vs',
    pending: 'pending',
    explain: (metric, after, before, excess, pending) =>
      `${metric}: ${pending ? 'the span after the story is not over yet' : `after ${after}`}; the same span before: ${before}${excess === null ? '' : `; difference ${excess}`}`,
  },
  ru: {
    followers: 'Подписчики',
    avgViews: 'Ср. охват',
    h24: '24 ч',
    d7: '7 дн',
    vs: 'против',
    pending: 'ждём',
    explain: (metric, after, before, excess, pending) =>
      `${metric}: ${pending ? 'срок после новости ещё не прошёл' : `после ${after}`}; тот же срок до: ${before}${excess === null ? '' : `; разница ${excess}`}`,
  },
}

interface FigureProps {
  effect: SpanEffect
  label: string
  words: EffectWords
  change: (n: number | null | undefined) => string
}

/** "+120 vs +40": the change over the span after the story against the same span before it. */
export function EffectFigure(props: FigureProps) {
  const { effect: e, words, change } = props
  if (e.pending && e.before === null) return <span class="muted">{words.pending}</span>
  const tone = changeTone(e.excess)
  const title = words.explain(props.label, change(e.after), change(e.before), e.excess === null ? null : change(e.excess), e.pending)
  return (
    <span class={tone} title={title} data-excess={e.excess === null ? '' : String(e.excess)}>
      {e.pending ? words.pending : change(e.after)} <span class="muted">{`${words.vs} ${change(e.before)}`}</span>
    </span>
  )
}

/** The four figures of one story on one page: followers and average views, 24 hours and 7 days. */
export function EffectLines(props: { effect: StoryEffect; words?: EffectWords; change?: (n: number | null | undefined) => string }) {
  const { followers, avgViews } = props.effect
  const words = props.words ?? EFFECT_WORDS.en
  const change = props.change ?? formatChange
  const figure = (effect: SpanEffect, metric: string, span: string) => <EffectFigure effect={effect} label={`${metric}, ${span}`} words={words} change={change} />
  return (
    <div class="small effect">
      <div>
        {words.followers}: {words.h24} {figure(followers.h24, words.followers, words.h24)} · {words.d7} {figure(followers.d7, words.followers, words.d7)}
      </div>
      <div>
        {words.avgViews}: {words.h24} {figure(avgViews.h24, words.avgViews, words.h24)} · {words.d7} {figure(avgViews.d7, words.avgViews, words.d7)}
      </div>
    </div>
  )
}
