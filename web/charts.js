// Draws every <canvas data-series> (one line) or <canvas data-datasets> (several) as a line chart on a
// real time axis. The server puts the data in attributes (escaped), never in an inline script: the
// page's Content-Security-Policy allows scripts from this server only.
//
//   data-series    [{"t": ms, "v": number|null}, ...]   null = collection failed there: the line breaks
//   data-datasets  [{"label": "...", "points": [{"t", "v"}, ...]}, ...]
//   data-label     the single series' name          data-unit   count | index
//   data-locale    ru | en                          data-from / data-to  the axis range (ms)
//   data-markers   [{"t": ms, "label": "..."}]: vertical lines, drawn when chartjs-plugin-annotation is loaded
//
// Other scripts extend a chart before it is created through window.publicpulseCharts.configHooks
// (functions called with (config, canvas)), and reach a drawn chart with Chart.getChart(canvas).
// After drawing, canvas.dataset.drawn holds the number of points drawn (tests wait for it).
;(function () {
  'use strict'
  const api = (window.publicpulseCharts = window.publicpulseCharts || {})
  api.configHooks = api.configHooks || []
  api.buildConfig = buildConfig
  api.draw = draw

  const AXIS_FORMATS = {
    ru: { hour: 'HH:mm', day: 'dd.MM', week: 'dd.MM', month: 'MM.yyyy', quarter: 'MM.yyyy', year: 'yyyy' },
    en: { hour: 'HH:mm', day: 'd MMM', week: 'd MMM', month: 'MMM yyyy', quarter: 'MMM yyyy', year: 'yyyy' },
  }

  function css(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
    return value || fallback
  }

  function colors() {
    const series = []
    for (let i = 1; i <= 10; i++) series.push(css('--series-' + i, '#2563eb'))
    return { series: series, fg: css('--fg', '#1f2937'), muted: css('--muted', '#6b7280'), line: css('--line', '#e5e7eb'), bg: css('--bg', '#ffffff'), marker: css('--marker', '#b45309') }
  }

  function readJson(canvas, name) {
    const text = canvas.dataset[name]
    if (!text) return null
    try {
      return JSON.parse(text)
    } catch (error) {
      console.error('publicpulse: bad chart data in data-' + name, error)
      return null
    }
  }

  function datasetsOf(canvas) {
    const many = readJson(canvas, 'datasets')
    if (Array.isArray(many)) return many
    return [{ label: canvas.dataset.label || '', points: readJson(canvas, 'series') || [] }]
  }

  // Fills the canvas with the page background before drawing, so a downloaded PNG is not transparent.
  const background = {
    id: 'ppBackground',
    beforeDraw: function (chart) {
      const ctx = chart.ctx
      ctx.save()
      ctx.globalCompositeOperation = 'destination-over'
      ctx.fillStyle = colors().bg
      ctx.fillRect(0, 0, chart.width, chart.height)
      ctx.restore()
    },
  }

  function buildConfig(canvas) {
    const locale = canvas.dataset.locale === 'en' ? 'en' : 'ru'
    const tag = locale === 'ru' ? 'ru-RU' : 'en-GB'
    const unit = canvas.dataset.unit === 'index' ? 'index' : 'count'
    const c = colors()
    const whole = new Intl.NumberFormat(tag, { maximumFractionDigits: unit === 'index' ? 2 : 0 })
    const compact = new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-US', { notation: 'compact', maximumFractionDigits: 2 })
    const when = new Intl.DateTimeFormat(tag, { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' })
    const sets = datasetsOf(canvas)
    const datasets = sets.map(function (set, i) {
      const color = c.series[i % c.series.length]
      const points = (set.points || []).map(function (p) {
        return { x: p.t, y: p.v }
      })
      return {
        label: set.label || '',
        data: points,
        borderColor: color,
        backgroundColor: color,
        borderWidth: 2,
        pointRadius: points.length > 90 ? 0 : 2,
        pointHitRadius: 6,
        tension: 0,
        spanGaps: false, // a null point is a failed collection: show the gap, never a line through it
      }
    })
    const x = { type: 'time', time: { displayFormats: AXIS_FORMATS[locale], tooltipFormat: undefined }, ticks: { color: c.muted, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { color: c.line } }
    if (canvas.dataset.from) x.min = Number(canvas.dataset.from)
    if (canvas.dataset.to) x.max = Number(canvas.dataset.to)
    const config = {
      type: 'line',
      data: { datasets: datasets },
      plugins: [background],
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        scales: {
          x: x,
          y: {
            ticks: {
              color: c.muted,
              // Whole figures up to a million (13 500, not "13,5 тыс." twice); short forms above.
              callback: function (v) {
                return unit === 'index' || Math.abs(v) < 1e6 ? whole.format(v) : compact.format(v)
              },
            },
            grid: { color: c.line },
          },
        },
        plugins: {
          legend: { display: datasets.length > 1, labels: { color: c.fg } },
          tooltip: {
            callbacks: {
              // The reader's local date and time, and the exact figure.
              title: function (items) {
                return items.length ? when.format(new Date(items[0].parsed.x)) : ''
              },
              label: function (item) {
                const value = item.parsed.y === null ? '—' : whole.format(item.parsed.y)
                return datasets.length > 1 ? item.dataset.label + ': ' + value : value
              },
            },
          },
        },
      },
    }
    const markers = readJson(canvas, 'markers')
    if (Array.isArray(markers) && markers.length && Chart.registry.plugins.get('annotation')) {
      const annotations = {}
      markers.forEach(function (m, i) {
        annotations['marker' + i] = {
          type: 'line',
          scaleID: 'x',
          value: m.t,
          borderColor: c.marker,
          borderWidth: 1,
          borderDash: [4, 4],
          label: { display: true, content: String(m.label || '').slice(0, 60), position: 'start', font: { size: 11 }, backgroundColor: c.marker },
        }
      })
      config.options.plugins.annotation = { annotations: annotations }
    }
    api.configHooks.forEach(function (hook) {
      hook(config, canvas)
    })
    return config
  }

  function draw(canvas) {
    const existing = Chart.getChart(canvas)
    if (existing) existing.destroy()
    const chart = new Chart(canvas, buildConfig(canvas))
    let drawn = 0
    chart.data.datasets.forEach(function (d) {
      d.data.forEach(function (p) {
        if (p.y !== null) drawn++
      })
    })
    canvas.dataset.drawn = String(drawn)
    canvas.dispatchEvent(new CustomEvent('publicpulse:chart', { bubbles: true, detail: { chart: chart } }))
    return chart
  }

  function drawAll() {
    document.querySelectorAll('canvas[data-series], canvas[data-datasets]').forEach(draw)
  }

  // PNG of a chart, made in the browser: the buttons are hidden until this script runs.
  document.querySelectorAll('button[data-png]').forEach(function (button) {
    button.hidden = false
    button.addEventListener('click', function () {
      const canvas = document.getElementById(button.dataset.png)
      if (!canvas) return
      canvas.toBlob(function (blob) {
        if (!blob) return
        const url = URL.createObjectURL(blob)
        const link = document.createElement('a')
        link.href = url
        link.download = button.dataset.filename || 'chart.png'
        document.body.appendChild(link)
        link.click()
        link.remove()
        setTimeout(function () {
          URL.revokeObjectURL(url)
        }, 10000)
      }, 'image/png')
    })
  })

  drawAll()
  // Light and dark follow the system; redraw with the other palette when it changes.
  if (window.matchMedia) window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', drawAll)
})()
