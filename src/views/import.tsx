import type { CsvPreview, CsvRow, ImportResult, RowStatus } from '../registry-csv.ts'
import { CSV_COLUMNS } from '../registry-csv.ts'
import { CsrfField } from './csrf-field.tsx'
import { ManageLayout } from './manage-layout.tsx'

/** Problem rows shown at most; the counts always cover the whole file. */
const MAX_SHOWN = 1000

const STATUS_LABEL: Record<RowStatus, string> = {
  ready: 'to add',
  restore: 'to restore',
  duplicate: 'duplicate in the file',
  exists: 'already registered',
  invalid: 'error',
}

function RowsTable(props: { rows: CsvRow[]; caption: string }) {
  if (props.rows.length === 0) return null
  const shown = props.rows.slice(0, MAX_SHOWN)
  return (
    <>
      <h2>{props.caption}</h2>
      <div class="table-wrap">
        <table class="import-rows">
          <thead>
            <tr>
              <th class="num">Line</th>
              <th>url</th>
              <th>Status</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr class={`row-${r.status}`}>
                <td class="num">{r.line}</td>
                <td class="excerpt">{r.url}</td>
                <td>{STATUS_LABEL[r.status]}</td>
                <td>{r.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.rows.length > shown.length ? <p class="muted small">…and {props.rows.length - shown.length} more (the API's answer lists them all).</p> : null}
    </>
  )
}

function Counts(props: { preview: CsvPreview }) {
  const { counts } = props.preview
  return (
    <ul class="counts">
      <li>
        <strong>{counts.ready}</strong> to add
      </li>
      {counts.restore ? (
        <li>
          <strong>{counts.restore}</strong> to restore (deleted earlier, history kept)
        </li>
      ) : null}
      <li>
        <strong>{counts.invalid}</strong> with errors
      </li>
      <li>
        <strong>{counts.duplicate}</strong> duplicated in the file
      </li>
      <li>
        <strong>{counts.exists}</strong> already registered
      </li>
    </ul>
  )
}

export function ImportForm(props: { error?: string }) {
  return (
    <ManageLayout title="Import pages" error={props.error}>
      <h1>Import pages from CSV</h1>
      <p>
        Columns: <code>{CSV_COLUMNS.join(',')}</code> — only <code>url</code> is required. UTF-8 with or without BOM (Windows-1251 is recognised too), separated by
        <code>,</code> or <code>;</code> (what Excel writes in Russian locales). Several tags or aliases in one cell: separate them with <code>|</code> (or commas).
      </p>
      <form method="post" action="/manage/import/preview" enctype="multipart/form-data" class="stack narrow">
        <CsrfField />
        <label>
          CSV file
          <input type="file" name="file" accept=".csv,text/csv" required />
        </label>
        <button type="submit">Preview</button>
        <p class="muted small">Nothing is saved until you confirm on the next screen.</p>
      </form>
    </ManageLayout>
  )
}

export function ImportPreview(props: { preview: CsvPreview; fileName: string; payload: string }) {
  const { preview } = props
  const problems = preview.rows.filter((r) => r.status !== 'ready' && r.status !== 'restore')
  const importable = preview.counts.ready + preview.counts.restore
  return (
    <ManageLayout title="Import preview">
      <h1>Preview of “{props.fileName}”</h1>
      <p class="muted small">
        Read as {preview.encoding}, separated by “{preview.separator}”, {preview.rows.length} rows.
      </p>
      {preview.fileErrors.length ? (
        <div class="error" role="alert">
          <p>This file cannot be imported:</p>
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
              <button type="submit">
                Import {importable} {importable === 1 ? 'page' : 'pages'}
                {problems.length ? `, skip ${problems.length}` : ''}
              </button>
            </form>
          ) : (
            <p>No row can be imported.</p>
          )}
          <RowsTable rows={problems} caption="Rows that will be skipped" />
          <RowsTable rows={preview.rows.filter((r) => r.status === 'ready' || r.status === 'restore').slice(0, 20)} caption="First rows to import" />
        </>
      )}
      <p>
        <a href="/manage/import">Choose another file</a>
      </p>
    </ManageLayout>
  )
}

export function ImportDone(props: { result: ImportResult; fileName: string }) {
  const { result } = props
  return (
    <ManageLayout title="Import finished">
      <h1>Imported “{props.fileName}”</h1>
      <p class="notice" role="status">
        {result.added} added, {result.restored} restored, {result.skipped} skipped.
      </p>
      <Counts preview={result} />
      <RowsTable rows={result.rows.filter((r) => r.status !== 'ready' && r.status !== 'restore')} caption="Skipped rows" />
      <p>
        <a href="/manage/pages">Back to the pages</a>
      </p>
    </ManageLayout>
  )
}
