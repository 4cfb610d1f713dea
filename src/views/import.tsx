import type { CsvPreview, CsvRow, ImportResult } from '../registry-csv.ts'
import { CSV_COLUMNS } from '../registry-csv.ts'
import { currentI18n } from '../i18n/request.ts'
import { CsrfField } from './csrf-field.tsx'
import { ManageLayout } from './manage-layout.tsx'

/** Problem rows shown at most; the counts always cover the whole file. */
const MAX_SHOWN = 1000

function RowsTable(props: { rows: CsvRow[]; caption: string }) {
  if (props.rows.length === 0) return null
  const shown = props.rows.slice(0, MAX_SHOWN)
  const t = currentI18n().t.importCsv
  return (
    <>
      <h2>{props.caption}</h2>
      <div class="table-wrap">
        <table class="import-rows">
          <thead>
            <tr>
              <th class="num">{t.col.line}</th>
              <th>url</th>
              <th>{t.col.status}</th>
              <th>{t.col.why}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr class={`row-${r.status}`}>
                <td class="num">{r.line}</td>
                <td class="excerpt">{r.url}</td>
                <td>{t.status[r.status]}</td>
                <td>{r.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.rows.length > shown.length ? <p class="muted small">{t.more(props.rows.length - shown.length)}</p> : null}
    </>
  )
}

function Counts(props: { preview: CsvPreview }) {
  const { counts } = props.preview
  const t = currentI18n().t.importCsv.counts
  return (
    <ul class="counts">
      <li>
        <strong>{counts.ready}</strong> {t.ready}
      </li>
      {counts.restore ? (
        <li>
          <strong>{counts.restore}</strong> {t.restore}
        </li>
      ) : null}
      <li>
        <strong>{counts.invalid}</strong> {t.invalid}
      </li>
      <li>
        <strong>{counts.duplicate}</strong> {t.duplicate}
      </li>
      <li>
        <strong>{counts.exists}</strong> {t.exists}
      </li>
    </ul>
  )
}

export function ImportForm(props: { error?: string }) {
  const t = currentI18n().t.importCsv
  return (
    <ManageLayout title={t.title} error={props.error}>
      <h1>{t.heading}</h1>
      <p>
        {t.intro.columns}
        <code>{CSV_COLUMNS.join(',')}</code>
        {t.intro.onlyUrl}
        <code>url</code>
        {t.intro.encoding}
        <code>,</code>
        {t.intro.or}
        <code>;</code>
        {t.intro.excel}
        <code>|</code>
        {t.intro.orCommas}
      </p>
      <form method="post" action="/manage/import/preview" enctype="multipart/form-data" class="stack narrow">
        <CsrfField />
        <label>
          {t.file}
          <input type="file" name="file" accept=".csv,text/csv" required />
        </label>
        <button type="submit">{t.preview}</button>
        <p class="muted small">{t.nothingSaved}</p>
      </form>
    </ManageLayout>
  )
}

export function ImportPreview(props: { preview: CsvPreview; fileName: string; payload: string }) {
  const { preview } = props
  const problems = preview.rows.filter((r) => r.status !== 'ready' && r.status !== 'restore')
  const importable = preview.counts.ready + preview.counts.restore
  const t = currentI18n().t.importCsv
  return (
    <ManageLayout title={t.previewTitle}>
      <h1>{t.previewHeading(props.fileName)}</h1>
      <p class="muted small">{t.readAs(preview.encoding, preview.separator, preview.rows.length)}</p>
      {preview.fileErrors.length ? (
        <div class="error" role="alert">
          <p>{t.cannotImport}</p>
          <ul>
            {preview.fileErrors.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
        </div>
      ) : (
        <>
          <Counts preview={preview} />
          {importable > 0 ? (
            <form method="post" action="/manage/import" class="stack narrow">
              <CsrfField />
              <input type="hidden" name="file_name" value={props.fileName} />
              <input type="hidden" name="csv" value={props.payload} />
              <button type="submit">{t.importButton(importable, problems.length)}</button>
            </form>
          ) : (
            <p>{t.nothingImportable}</p>
          )}
          <RowsTable rows={problems} caption={t.skippedCaption} />
          <RowsTable rows={preview.rows.filter((r) => r.status === 'ready' || r.status === 'restore').slice(0, 20)} caption={t.firstRows} />
        </>
      )}
      <p>
        <a href="/manage/import">{t.another}</a>
      </p>
    </ManageLayout>
  )
}

export function ImportDone(props: { result: ImportResult; fileName: string }) {
  const { result } = props
  const t = currentI18n().t.importCsv
  return (
    <ManageLayout title={t.doneTitle}>
      <h1>{t.doneHeading(props.fileName)}</h1>
      <p class="notice" role="status">
        {t.doneSummary(result.added, result.restored, result.skipped)}
      </p>
      <Counts preview={result} />
      <RowsTable rows={result.rows.filter((r) => r.status !== 'ready' && r.status !== 'restore')} caption={t.skippedRows} />
      <p>
        <a href="/manage/pages">{t.backToPages}</a>
      </p>
    </ManageLayout>
  )
}
