// Draws every <canvas data-series='[{"t": ms, "v": number}, ...]'> as a line chart over time.
// The data comes in an attribute (escaped by the server), never as inline script.
;(function () {
  'use strict'
  var dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' })
  var date = new Intl.DateTimeFormat(undefined, { day: '2-digit', month: '2-digit' })
  var number = new Intl.NumberFormat()
  var canvases = document.querySelectorAll('canvas[data-series]')
  for (var i = 0; i < canvases.length; i++) draw(canvases[i])

  function draw(canvas) {
    var points = JSON.parse(canvas.dataset.series || '[]')
    var styles = getComputedStyle(document.documentElement)
    var color = styles.getPropertyValue('--accent').trim() || '#2563eb'
    var chart = new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          {
            label: canvas.dataset.label || '',
            data: points.map(function (p) { return { x: p.t, y: p.v } }),
            borderColor: color,
            backgroundColor: color,
            pointRadius: points.length > 60 ? 0 : 3,
            tension: 0,
            spanGaps: false,
          },
        ],
      },
      options: {
        animation: false,
        parsing: false,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? dateTime.format(new Date(items[0].parsed.x)) : '' },
              label: function (item) { return number.format(item.parsed.y) },
            },
          },
        },
        scales: {
          x: { type: 'linear', ticks: { maxTicksLimit: 8, callback: function (v) { return date.format(new Date(v)) } } },
          y: { ticks: { callback: function (v) { return number.format(v) } } },
        },
      },
    })
    canvas.dataset.drawn = String(chart.data.datasets[0].data.length)
  }
})()
