/*
 * frontdesk console reports: escalations per week by trigger (stacked bars), top topics
 * (horizontal bars), rising topics, repeat customers, the agents' feedback per trigger
 * with tuning hints, and CSAT. Charts are inline SVG built here; no libraries.
 *
 * Reads GET /api/console/reports?weeks=N[&until=YYYY-MM-DD] (cookie session). All text
 * from the server is inserted as text: nothing here parses HTML.
 */

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const MAX_WEEKS = Number(document.body.dataset.maxWeeks || 104);
const TOP_TOPICS = 10;
const MIN_FEEDBACK_FOR_HINT = 3; // as core/escalation/report.py

const TRIGGERS = [
  ['asked_for_human', 'Asked for a person', '#1f6fb2'],
  ['frustrated', 'Frustrated', '#c62828'],
  ['assistant_failing', 'Assistant failing', '#b07d00'],
  ['sensitive', 'Sensitive', '#7b3fa0'],
];
const VERDICTS = [
  ['right_answer', 'Right answer'],
  ['wrong_answer', 'Wrong answer'],
  ['escalated_needlessly', 'Escalated needlessly'],
  ['should_have_escalated_sooner', 'Too late'],
];
const TRIGGER_NAME = Object.fromEntries(TRIGGERS.map(([k, name]) => [k, name]));

/* ---------- small helpers ---------- */

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function s(tag, attrs, ...children) {
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

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

function fill(id, ...children) {
  const el = $(id);
  clear(el);
  append(el, children);
}

function duration(seconds) {
  if (seconds == null) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

function day(epoch) {
  const d = new Date(epoch * 1000);
  return isNaN(d) ? '' : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

function shorten(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

// A round top for an axis: 1, 2, 5 × 10^k at or above ``value``.
function niceMax(value) {
  if (value <= 0) return 1;
  const base = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * base >= value) return m * base;
  return 10 * base;
}

// ``kinds[i]``: 'num' for a right-aligned figure, another class name, or null.
function table(headers, rows, kinds) {
  const head = h('tr', null, headers.map((t, i) => h('th', { scope: 'col', class: kinds[i] }, t)));
  const body = rows.map((cells) => h('tr', null, cells.map((c, i) => h('td', { class: kinds[i] }, c))));
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'rtable' }, h('thead', null, head), h('tbody', null, body)));
}

/* ---------- loading ---------- */

function params() {
  const q = new URLSearchParams();
  const weeks = Math.min(MAX_WEEKS, Math.max(1, Number($('report-weeks').value) || 8));
  q.set('weeks', String(weeks));
  const until = $('report-until').value;
  if (until) q.set('until', until);
  return q;
}

async function load() {
  const q = params();
  $('report-csv').href = `/api/console/reports.csv?${q}`;
  history.replaceState(null, '', `${location.pathname}?${q}`);
  $('report-status').textContent = 'Loading…';
  $('report-error').hidden = true;
  let response;
  try {
    response = await fetch(`/api/console/reports?${q}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  } catch (_) {
    return failed('The server cannot be reached. Check the connection and try again.');
  }
  if (response.status === 401) {
    location.href = `/console/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    return;
  }
  const body = await response.json().catch(() => null);
  if (!response.ok || !body) {
    return failed((body && body.error && body.error.message) || `The server answered ${response.status}.`);
  }
  render(body.report);
}

function failed(message) {
  $('report-status').textContent = '';
  $('report-error').textContent = message;
  $('report-error').hidden = false;
}

/* ---------- rendering ---------- */

function render(report) {
  const weeks = report.period.weeks;
  const span = weeks.length > 1 ? `${weeks[0]} to ${weeks[weeks.length - 1]}` : weeks[0];
  const visitors = report.visitor_cases ? `, ${report.visitor_cases} from visitors` : '';
  $('report-status').textContent =
    `${report.total} case${report.total === 1 ? '' : 's'} in ${span} (${report.period.timezone})${visitors}.`;
  $('report-body').hidden = report.total === 0;
  if (report.total === 0) {
    $('report-status').textContent = `No escalations in this period (${span}).`;
    return;
  }
  renderKpis(report);
  renderWeekly(report);
  renderTopics(report);
  renderRising(report);
  renderRepeat(report);
  renderFeedback(report);
  renderCsat(report.csat);
}

function kpi(label, value, note) {
  return h('div', { class: 'kpi' }, h('span', { class: 'kpi__label' }, label),
    h('strong', { class: 'kpi__value' }, value), note ? h('span', { class: 'kpi__note' }, note) : null);
}

function renderKpis(report) {
  const o = report.outcomes;
  const c = report.csat;
  fill('kpis',
    kpi('Cases', report.total),
    kpi('Handed back', o.returned),
    kpi('Closed', o.closed),
    kpi('Still open', o.open),
    kpi('Median wait', duration(o.median_wait_s), 'to be claimed'),
    kpi('Median handling', duration(o.median_handling_s), 'claimed to done'),
    kpi('CSAT', c.mean == null ? '–' : `${c.mean.toFixed(2)} / 5`, c.count ? `${c.count} rating${c.count === 1 ? '' : 's'}` : 'no ratings'));
}

function renderWeekly(report) {
  const weeks = report.weekly;
  const W = 960; const H = 300; const left = 36; const bottom = 48; const top = 12;
  const plotH = H - bottom - top;
  const plotW = W - left - 8;
  const most = niceMax(Math.max(...weeks.map((w) => w.total)));
  const slot = plotW / weeks.length;
  const barW = Math.max(4, Math.min(48, slot * 0.7));
  const every = Math.ceil(weeks.length / 12); // at most 12 week labels
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'svgchart', role: 'img',
    'aria-label': `Cases per week by trigger, ${weeks.length} weeks, most in one week ${Math.max(...weeks.map((w) => w.total))}. The table below has the figures.`,
  });
  for (const t of [0, most / 2, most]) {
    const y = top + plotH - (t / most) * plotH;
    svg.append(s('line', { x1: left, x2: W - 8, y1: y, y2: y, class: 'grid' }),
      s('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, String(Math.round(t * 10) / 10)));
  }
  weeks.forEach((week, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let y = top + plotH;
    for (const [kind, name, colour] of TRIGGERS) {
      const n = week.counts[kind] || 0;
      if (!n) continue;
      const hgt = (n / most) * plotH;
      y -= hgt;
      svg.append(s('rect', { x, y, width: barW, height: hgt, fill: colour },
        s('title', null, `${week.week} · ${name}: ${n}`)));
    }
    if (week.total) {
      svg.append(s('text', { x: x + barW / 2, y: y - 3, class: 'value', 'text-anchor': 'middle' }, String(week.total)));
    }
    if (i % every === 0 || i === weeks.length - 1) {
      const lx = x + barW / 2; const ly = top + plotH + 14;
      svg.append(s('text', { x: lx, y: ly, class: 'axis', 'text-anchor': 'end', transform: `rotate(-35 ${lx} ${ly})` },
        week.week));
    }
  });
  fill('weekly-chart', svg);
  fill('weekly-legend', TRIGGERS.map(([kind, name, colour]) => h('li', null,
    h('span', { class: 'swatch', style: `background:${colour}` }), `${name} (${report.by_trigger[kind] || 0})`)));
  fill('weekly-table', table(
    ['Week', ...TRIGGERS.map(([, name]) => name), 'Total'],
    weeks.map((w) => [w.week, ...TRIGGERS.map(([k]) => w.counts[k] || 0), w.total]),
    [null, 'num', 'num', 'num', 'num', 'num']));
}

function renderTopics(report) {
  const topics = report.topics.slice(0, TOP_TOPICS);
  const rowH = 28; const labelW = 380; const W = 960; const barMax = W - labelW - 48;
  const H = topics.length * rowH + 8;
  const most = Math.max(1, ...topics.map((t) => t.total));
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'svgchart', role: 'img',
    'aria-label': `Top ${topics.length} topics by cases: ` + topics.map((t) => `${t.label} ${t.total}`).join('; '),
  });
  topics.forEach((t, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(2, (t.total / most) * barMax);
    svg.append(
      s('text', { x: labelW - 8, y: y + rowH / 2 + 4, class: 'label', 'text-anchor': 'end' },
        shorten(t.label, 52), s('title', null, `${t.label} (${t.topic})`)),
      s('rect', { x: labelW, y: y + 5, width: w, height: rowH - 10, rx: 3, class: 'hbar' },
        s('title', null, `${t.label}: ${t.total}`)),
      s('text', { x: labelW + w + 6, y: y + rowH / 2 + 4, class: 'value' }, String(t.total)));
  });
  const more = report.topics.length - topics.length;
  fill('topics-chart', svg, more > 0 ? h('p', { class: 'rcard__note' }, `…and ${more} more topic${more === 1 ? '' : 's'} (in the CSV).`) : null);
}

function renderRising(report) {
  $('rising-rule').textContent = report.rising_rule;
  if (!report.rising.length) return fill('rising', h('p', { class: 'muted' }, 'No topic is rising.'));
  fill('rising', table(
    ['Topic', 'Recent', 'Before', 'Per week now', 'Per week before', 'Change'],
    report.rising.map((r) => [r.label, r.recent, r.before, r.recent_per_week, r.before_per_week,
      r.factor == null ? 'new' : `×${r.factor}`]),
    [null, 'num', 'num', 'num', 'num', 'num']));
}

function renderRepeat(report) {
  const repeats = report.repeat_customers;
  if (!repeats.length) return fill('repeat', h('p', { class: 'muted' }, 'No customer had two or more cases.'));
  fill('repeat', table(
    ['Customer', 'Cases', 'Last topic', 'Last case', 'Triggers'],
    repeats.map((r) => [r.customer_id, r.cases, r.last_topic, day(r.last_at),
      Object.entries(r.triggers).map(([k, n]) => `${TRIGGER_NAME[k] || k} ${n}`).join(', ')]),
    [null, 'num', null, null, null]));
}

function noHint(total) {
  if (!total) return 'No feedback yet.';
  return total < MIN_FEEDBACK_FOR_HINT ? 'Too few verdicts for a hint.' : 'No verdict dominates.';
}

function renderFeedback(report) {
  const rows = report.feedback.map((f) => [
    h('span', { class: `tag tag--${f.trigger}` }, TRIGGER_NAME[f.trigger] || f.trigger),
    f.cases,
    ...VERDICTS.map(([v]) => f.verdicts[v] || 0),
    f.hint ? h('strong', { class: 'hint' }, f.hint) : h('span', { class: 'muted' }, noHint(f.total)),
  ]);
  fill('feedback', table(['Trigger', 'Cases', ...VERDICTS.map(([, name]) => name), 'Hint'], rows,
    [null, 'num', 'num', 'num', 'num', 'num', 'hint-cell']));
}

function renderCsat(csat) {
  if (!csat.count) return fill('csat', h('p', { class: 'muted' }, 'No ratings yet.'));
  const most = Math.max(1, ...Object.values(csat.by_score));
  const bars = ['5', '4', '3', '2', '1'].map((score) => {
    const n = csat.by_score[score] || 0;
    return h('li', { class: 'stars' }, h('span', { class: 'stars__label' }, `${score}★`),
      h('span', { class: 'stars__bar', style: `width:${(n / most) * 100}%` }),
      h('span', { class: 'stars__n' }, String(n)));
  });
  fill('csat',
    h('p', { class: 'csat__mean' }, h('strong', null, `${csat.mean.toFixed(2)} / 5`),
      ` from ${csat.count} rating${csat.count === 1 ? '' : 's'}; ${Math.round(csat.satisfied_share * 100)}% gave 4 or 5.`),
    h('ul', { class: 'stars-list', 'aria-label': 'Ratings by stars' }, bars));
}

/* ---------- start ---------- */

function start() {
  const q = new URLSearchParams(location.search);
  const weeks = q.get('weeks');
  if (weeks && [...$('report-weeks').options].some((o) => o.value === weeks)) $('report-weeks').value = weeks;
  if (q.get('until')) $('report-until').value = q.get('until');
  $('report-form').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('report-weeks').addEventListener('change', load);
  load();
}

start();
