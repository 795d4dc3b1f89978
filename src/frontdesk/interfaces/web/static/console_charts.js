/*
 * The console's page helpers: DOM builders that insert server text as text (nothing
 * here parses HTML), formatting, tables, KPI tiles and two inline-SVG charts (columns
 * per period, stacked by series; horizontal bars per label). No libraries.
 */

const SVG = 'http://www.w3.org/2000/svg';

export const $ = (id) => document.getElementById(id);

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function fill(id, ...children) {
  const el = $(id);
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

export function duration(seconds) {
  if (seconds == null) return '–';
  if (seconds < 10) return `${Math.round(seconds * 10) / 10} s`; // a bot's reply is sub-second
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function percent(rate) {
  return rate == null ? '–' : `${Math.round(rate * 1000) / 10}%`;
}

export function day(epoch) {
  const d = new Date(epoch * 1000);
  return isNaN(d) ? '' : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export function shorten(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// A round top for an axis: 1, 2, 5 × 10^k at or above ``value``.
function niceMax(value) {
  if (value <= 0) return 1;
  const base = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * base >= value) return m * base;
  return 10 * base;
}

// ``kinds[i]``: 'num' for a right-aligned figure, another class name, or null.
export function table(headers, rows, kinds) {
  const head = h('tr', null, headers.map((t, i) => h('th', { scope: 'col', class: kinds[i] }, t)));
  const body = rows.map((cells) => h('tr', null, cells.map((c, i) => h('td', { class: kinds[i] }, c))));
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'rtable' }, h('thead', null, head), h('tbody', null, body)));
}

export function kpi(label, value, note) {
  return h('div', { class: 'kpi' }, h('span', { class: 'kpi__label' }, label),
    h('strong', { class: 'kpi__value' }, value), note ? h('span', { class: 'kpi__note' }, note) : null);
}

/*
 * Columns, one per period, stacked by series. ``periods``: [{label, values: {key: n}}];
 * ``series``: [[key, name, colour]]. ``summary`` is the chart's accessible name.
 */
export function columns(periods, series, summary) {
  const W = 960; const H = 300; const left = 36; const bottom = 48; const top = 12;
  const plotH = H - bottom - top;
  const plotW = W - left - 8;
  const totals = periods.map((p) => series.reduce((sum, [k]) => sum + (p.values[k] || 0), 0));
  const most = niceMax(Math.max(0, ...totals));
  const slot = plotW / Math.max(1, periods.length);
  const barW = Math.max(4, Math.min(48, slot * 0.7));
  const every = Math.ceil(periods.length / 12); // at most 12 labels
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'svgchart', role: 'img', 'aria-label': summary });
  for (const t of [0, most / 2, most]) {
    const y = top + plotH - (t / most) * plotH;
    svg.append(s('line', { x1: left, x2: W - 8, y1: y, y2: y, class: 'grid' }),
      s('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, String(Math.round(t * 10) / 10)));
  }
  periods.forEach((period, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let y = top + plotH;
    for (const [key, name, colour] of series) {
      const n = period.values[key] || 0;
      if (!n) continue;
      const hgt = (n / most) * plotH;
      y -= hgt;
      svg.append(s('rect', { x, y, width: barW, height: hgt, fill: colour },
        s('title', null, `${period.label} · ${name}: ${n}`)));
    }
    if (totals[i]) {
      svg.append(s('text', { x: x + barW / 2, y: y - 3, class: 'value', 'text-anchor': 'middle' }, String(totals[i])));
    }
    if (i % every === 0 || i === periods.length - 1) {
      const lx = x + barW / 2; const ly = top + plotH + 14;
      svg.append(s('text', { x: lx, y: ly, class: 'axis', 'text-anchor': 'end', transform: `rotate(-35 ${lx} ${ly})` },
        period.label));
    }
  });
  return svg;
}

/*
 * Horizontal bars, one per item: [{label, value, title}], in the order given. ``narrow``
 * draws for a half-width card, so its text is as large as a full-width chart's.
 */
export function hbars(items, summary, narrow = false) {
  const rowH = 28; const labelW = narrow ? 180 : 380; const W = narrow ? 480 : 960;
  const barMax = W - labelW - 48;
  const H = items.length * rowH + 8;
  const most = Math.max(1, ...items.map((t) => t.value));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'svgchart', role: 'img', 'aria-label': summary });
  items.forEach((t, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(2, (t.value / most) * barMax);
    svg.append(
      s('text', { x: labelW - 8, y: y + rowH / 2 + 4, class: 'label', 'text-anchor': 'end' },
        shorten(t.label, narrow ? 24 : 52), s('title', null, t.title || t.label)),
      s('rect', { x: labelW, y: y + 5, width: w, height: rowH - 10, rx: 3, class: 'hbar' },
        s('title', null, `${t.label}: ${t.value}`)),
      s('text', { x: labelW + w + 6, y: y + rowH / 2 + 4, class: 'value' }, String(t.value)));
  });
  return svg;
}

/* The 1–5 star distribution of a CSAT record {count, mean, satisfied_share, by_score}. */
export function csatBlock(csat) {
  if (!csat.count) return h('p', { class: 'muted' }, 'No ratings yet.');
  const most = Math.max(1, ...Object.values(csat.by_score));
  const bars = ['5', '4', '3', '2', '1'].map((score) => {
    const n = csat.by_score[score] || 0;
    return h('li', { class: 'stars' }, h('span', { class: 'stars__label' }, `${score}★`),
      h('span', { class: 'stars__bar', style: `width:${(n / most) * 100}%` }),
      h('span', { class: 'stars__n' }, String(n)));
  });
  return [
    h('p', { class: 'csat__mean' }, h('strong', null, `${csat.mean.toFixed(2)} / 5`),
      ` from ${plural(csat.count, 'rating')}; ${Math.round(csat.satisfied_share * 100)}% gave 4 or 5.`),
    h('ul', { class: 'stars-list', 'aria-label': 'Ratings by stars' }, bars),
  ];
}

export const TRIGGERS = [
  ['asked_for_human', 'Asked for a person', '#1f6fb2'],
  ['frustrated', 'Frustrated', '#c62828'],
  ['assistant_failing', 'Assistant failing', '#b07d00'],
  ['sensitive', 'Sensitive', '#7b3fa0'],
];

/*
 * GET a console JSON endpoint with the session cookie. A signed-out console goes to
 * the sign-in page (and this never resolves); any other failure throws an Error whose
 * message a person can read.
 */
export async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  } catch (_) {
    throw new Error('The server cannot be reached. Check the connection and try again.');
  }
  if (response.status === 401) {
    location.href = `/console/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    return new Promise(() => {});
  }
  const body = await response.json().catch(() => null);
  if (!response.ok || !body) {
    throw new Error((body && body.error && body.error.message) || `The server answered ${response.status}.`);
  }
  return body;
}
