// Story markers on a page's chart: a vertical line at each story (or group of stories) linked to the
// page. Hovering a line shows the titles and sources; clicking opens the story (a group shows its
// stories as links). The data is in the related-stories list next to the chart:
//
//   <section data-chart="<canvas id>" data-story-markers='[{"t": ms, "label": "...",
//            "items": [{"id", "title", "source", "link", "when"}]}]'>
//
// Loaded before charts.js, it registers a hook that charts.js calls while building each chart. Feed
// text is untrusted: it only ever goes into textContent, and links are http(s) (checked again here).
;(function () {
  'use strict'
  const api = (window.publicpulseCharts = window.publicpulseCharts || {})
  api.configHooks = api.configHooks || []
  api.configHooks.push(addStoryMarkers)

  const tips = new WeakMap()

  function markersFor(canvas) {
    if (!canvas.id) return null
    const holder = document.querySelector('[data-story-markers][data-chart="' + CSS.escape(canvas.id) + '"]')
    if (!holder) return null
    try {
      const markers = JSON.parse(holder.dataset.storyMarkers || '[]')
      return Array.isArray(markers) ? markers : null
    } catch (error) {
      console.error('publicpulse: bad story markers', error)
      return null
    }
  }

  const shorten = (text, max) => (text.length > max ? text.slice(0, max - 1) + '…' : text)

  const httpLink = (url) => (typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null)

  function addStoryMarkers(config, canvas) {
    if (typeof Chart === 'undefined' || !Chart.registry.plugins.get('annotation')) return
    const markers = markersFor(canvas)
    if (!markers || markers.length === 0) return
    const color = getComputedStyle(document.documentElement).getPropertyValue('--marker').trim() || '#b45309'
    const annotations = {}
    markers.forEach(function (m, i) {
      const group = m.items.length > 1
      annotations['story' + i] = {
        type: 'line',
        scaleID: 'x',
        value: m.t,
        borderColor: color,
        borderWidth: group ? 2 : 1,
        borderDash: group ? [] : [4, 4],
        hitTolerance: 6,
        // Labels of neighbouring lines are staggered in three rows so they do not cover each other.
        label: { display: true, content: shorten(String(m.label || ''), 28), position: 'start', yAdjust: (i % 3) * 20, font: { size: 11 }, color: '#ffffff', backgroundColor: color },
        enter: function (ctx, event) {
          show(canvas, m, event, false)
          canvas.style.cursor = 'pointer'
        },
        leave: function () {
          canvas.style.cursor = ''
          const tip = tips.get(canvas)
          if (tip && !tip.pinned) hide(canvas)
        },
        click: function (ctx, event) {
          const link = httpLink(m.items[0].link)
          if (!group && link) window.open(link, '_blank', 'noopener,noreferrer')
          else show(canvas, m, event, true)
        },
      }
    })
    // Replaces charts.js's plain lines for the same stories with these richer ones.
    config.options.plugins.annotation = { annotations: annotations }
    canvas.dataset.storyMarkers = String(markers.length)
  }

  function tipFor(canvas) {
    let tip = tips.get(canvas)
    if (tip) return tip
    const container = canvas.parentNode
    if (getComputedStyle(container).position === 'static') container.style.position = 'relative'
    const el = document.createElement('div')
    el.className = 'story-tip'
    el.setAttribute('role', 'tooltip')
    el.hidden = true
    const s = el.style
    s.position = 'absolute'
    s.zIndex = '10'
    s.maxWidth = '22rem'
    s.padding = '.4rem .6rem'
    s.borderRadius = '6px'
    s.fontSize = '.85rem'
    s.lineHeight = '1.35'
    s.background = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#ffffff'
    s.color = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#1f2937'
    s.border = '1px solid ' + (getComputedStyle(document.documentElement).getPropertyValue('--line').trim() || '#e5e7eb')
    s.boxShadow = '0 2px 8px rgba(0,0,0,.15)'
    container.appendChild(el)
    tip = { el: el, pinned: false }
    tips.set(canvas, tip)
    return tip
  }

  function show(canvas, marker, event, pinned) {
    const tip = tipFor(canvas)
    if (tip.pinned && !pinned) return
    tip.pinned = pinned
    tip.el.replaceChildren()
    marker.items.slice(0, 12).forEach(function (item) {
      const row = document.createElement('div')
      row.className = 'story-tip-item'
      const link = httpLink(item.link)
      const title = document.createElement(pinned && link ? 'a' : 'strong')
      title.textContent = item.title
      title.style.display = 'block'
      title.style.fontWeight = '600'
      if (pinned && link) {
        title.href = link
        title.target = '_blank'
        title.rel = 'noopener noreferrer'
      }
      const meta = document.createElement('div')
      meta.className = 'story-tip-meta'
      meta.textContent = item.source + ' · ' + item.when
      meta.style.opacity = '.75'
      row.append(title, meta)
      row.style.margin = '0 0 .3rem'
      tip.el.appendChild(row)
    })
    if (marker.items.length > 12) {
      const more = document.createElement('div')
      more.textContent = '… +' + (marker.items.length - 12)
      tip.el.appendChild(more)
    }
    // A hover tip lets the mouse through (it must never cover the line and end the hover); a pinned one takes clicks.
    tip.el.style.pointerEvents = pinned ? 'auto' : 'none'
    tip.el.hidden = false
    // Right of the line, or left of it when there is no room: never under the pointer.
    const box = canvas.parentNode.getBoundingClientRect()
    const at = canvas.offsetLeft + event.x
    const width = tip.el.offsetWidth
    const left = at + 12 + width <= box.width ? at + 12 : Math.max(0, at - 12 - width)
    tip.el.style.left = left + 'px'
    tip.el.style.top = Math.max(0, canvas.offsetTop + event.y - 10) + 'px'
  }

  function hide(canvas) {
    const tip = tips.get(canvas)
    if (!tip) return
    tip.el.hidden = true
    tip.pinned = false
  }

  // A pinned list closes with Escape or a click elsewhere.
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') document.querySelectorAll('canvas').forEach(hide)
  })
  document.addEventListener('click', function (e) {
    document.querySelectorAll('canvas').forEach(function (canvas) {
      const tip = tips.get(canvas)
      if (tip && tip.pinned && e.target !== canvas && !tip.el.contains(e.target)) hide(canvas)
    })
  })
})()
