import type { I18n } from '../i18n/index.ts'
import { Layout } from './layout.tsx'

/** A 404 page in the reader's language. */
export function NotFound(props: { i18n: I18n; message: string }) {
  const { t } = props.i18n
  return (
    <Layout title={t.notFoundTitle} i18n={props.i18n}>
      <h1>{t.notFoundTitle}</h1>
      <p>{props.message}</p>
      <p>
        <a href="/">{t.backToOverview}</a>
      </p>
    </Layout>
  )
}
