import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'

const webDir = fileURLToPath(new URL('../../web/', import.meta.url))
const chartDir = dirname(createRequire(import.meta.url).resolve('chart.js'))
/** The dist folder of an installed package (its main file's folder). */
const moduleDir = (name: string) => dirname(createRequire(import.meta.url).resolve(name))

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png' }

/**
 * The only files the browser loads, all from this server (closed networks have no CDN): a fixed list
 * read once at start-up, so no request can name an arbitrary path.
 */
const FILES: Record<string, string> = {
  'chart.umd.js': join(chartDir, 'chart.umd.min.js'),
  // date-fns bundled in: Chart.js's time axis (real dates, uneven spacing) without another file.
  'chartjs-adapter-date-fns.js': join(moduleDir('chartjs-adapter-date-fns'), 'chartjs-adapter-date-fns.bundle.min.js'),
  'chartjs-plugin-annotation.js': join(moduleDir('chartjs-plugin-annotation'), 'chartjs-plugin-annotation.min.js'),
  'app.css': join(webDir, 'app.css'),
  'charts.js': join(webDir, 'charts.js'),
  'story-markers.js': join(webDir, 'story-markers.js'),
  'manage.css': join(webDir, 'manage.css'),
}

export function staticRoutes() {
  const loaded = new Map(
    Object.entries(FILES).map(([name, path]) => [name, { body: readFileSync(path), type: TYPES[path.slice(path.lastIndexOf('.'))]! }]),
  )
  return new Hono().get('/:name', (c) => {
    const file = loaded.get(c.req.param('name'))
    if (!file) return c.notFound()
    return c.body(new Uint8Array(file.body), 200, { 'content-type': file.type, 'cache-control': 'public, max-age=3600' })
  })
}
