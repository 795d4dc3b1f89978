/*
 * frontdesk console reports: escalations per week by trigger (stacked bars), top topics
 * (horizontal bars), rising topics, repeat customers, the agents' feedback per trigger
 * with tuning hints, and CSAT. Charts are inline SVG from console_charts.js.
 *
 * Reads GET /api/console/reports?weeks=N[&until=YYYY-MM-DD] (cookie session). All text
 * from the server is inserted as text: nothing here parses HTML.
 */

import {
  $, TRIGGERS, columns, csatBlock, day, duration, fill, getJson, h, hbars, kpi, table,
} from './console_charts.js';

const MAX_WEEKS = Number(document.body.dataset.maxWeeks || 104);
const TOP_TOPICS = 10;
const MIN_FEEDBACK_FOR_HINT = 3; // as core/escalation/report.py

const VERDICTS = [
  ['right_answer', 'Right answer'],
  ['wrong_answer', 'Wrong answer'],
  ['escalated_needlessly', 'Escalated needlessly'],
  ['should_have_escalated_sooner', 'Too late'],
];
const TRIGGER_NAME = Object.fromEntries(TRIGGERS.map(([k, name]) => [k, name]));

/* ---------- loading ---------- */

function params() {
  const q = new URLSearchParams();
  const weeks = Math.min(MAX_WEEKS, Math.max(1, Number($('report-weeks').value) || 8));
  q.set('weeks', String(weeks));
  const until = $('report-until').value;
  if (until) q.set('until', until);
  return q;
}

let latest = 0; // only the newest request may draw: an older answer can arrive last

async function load() {
  const mine = ++latest;
  const q = params();
  $('report-csv').href = `/api/console/reports.csv?${q}`;
  history.replaceState(null, '', `${location.pathname}?${q}`);
  $('report-status').textContent = 'Loading…';
  $('report-error').hidden = true;
  let body;
  try {
    body = await getJson(`/api/console/reports?${q}`);
  } catch (error) {
    return mine === latest ? failed(error.message) : undefined;
  }
  if (mine === latest) render(body.report);
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
  const most = Math.max(...weeks.map((w) => w.total));
  const svg = columns(weeks.map((w) => ({ label: w.week, values: w.counts })), TRIGGERS,
    `Cases per week by trigger, ${weeks.length} weeks, most in one week ${most}. The table below has the figures.`);
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
  const svg = hbars(topics.map((t) => ({ label: t.label, value: t.total, title: `${t.label} (${t.topic})` })),
    `Top ${topics.length} topics by cases: ` + topics.map((t) => `${t.label} ${t.total}`).join('; '));
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
  fill('csat', csatBlock(csat));
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
