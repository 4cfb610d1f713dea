import { currentI18n } from '../i18n/request.ts'
import { Layout } from './layout.tsx'

/** A page with one sentence: refusals, errors and confirmations shown to a browser. */
export function MessagePage(props: { title: string; message: string; back?: { href: string; label: string } }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p class="message">{props.message}</p>
      <p>
        <a href={props.back?.href ?? '/'}>{props.back?.label ?? currentI18n().t.account.backToDashboard}</a>
      </p>
    </Layout>
  )
}
