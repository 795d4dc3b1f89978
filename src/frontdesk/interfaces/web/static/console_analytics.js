/*
 * frontdesk console analytics (admins): containment, escalations and their reasons,
 * CSAT, response, wait and handling times, booking completion, conversation length,
 * top unanswered questions and the entries agents rated wrong, over a chosen period
 * and channel. Reads GET /api/analytics?since=&until=&channel= (cookie session).
 */

import {
  $, TRIGGERS, columns, csatBlock, duration, fill, getJson, h, hbars, kpi, percent, plural, table,
} from './console_charts.js';

const VOLUME = [
  ['contained', 'Contained by the assistant', '#2e7d32'],
  ['escalated', 'Went to a person', '#c62828'],
];

function params() {
  const q = new URLSearchParams();
  for (const [key, id] of [['since', 'analytics-since'], ['until', 'analytics-until'], ['channel', 'analytics-channel']]) {
    const value = $(id).value;
    if (value) q.set(key, value);
  }
  return q;
}

let latest = 0; // only the newest request may draw: an older answer can arrive last

async function load() {
  const mine = ++latest;
  const q = params();
  $('analytics-json').href = `/api/analytics?${q}`;
  history.replaceState(null, '', `${location.pathname}${q.size ? `?${q}` : ''}`);
  $('analytics-status').textContent = 'Loading…';
  $('analytics-error').hidden = true;
  let figures;
  try {
    figures = await getJson(`/api/analytics?${q}`);
  } catch (error) {
    if (mine !== latest) return;
    $('analytics-status').textContent = '';
    $('analytics-error').textContent = error.message;
    $('analytics-error').hidden = false;
    return;
  }
  if (mine === latest) render(figures);
}

function render(f) {
  const p = f.period;
  const channel = p.channel ? ` on ${p.channel}` : '';
  // Show the period the figures cover, but never overwrite what someone has typed.
  if (!$('analytics-since').value) $('analytics-since').value = p.since;
  if (!$('analytics-until').value) $('analytics-until').value = p.until;
  renderChannels(f.channels, p.channel);
  $('analytics-status').textContent =
    `${plural(f.conversations, 'conversation')}${channel} from ${p.since} to ${p.until} (${p.timezone})` +
    (f.opened > f.conversations ? `; ${f.opened - f.conversations} more opened but never used.` : '.');
  $('analytics-body').hidden = f.conversations === 0;
  if (f.conversations === 0) {
    $('analytics-status').textContent = `No conversations${channel} from ${p.since} to ${p.until}.`;
    return;
  }
  renderKpis(f);
  renderVolume(f);
  renderReasons(f.escalation.reasons);
  renderTimes(f);
  renderUnanswered(f.top_unanswered, f.unanswered);
  renderWrong(f.wrong_entries);
  fill('csat', csatBlock(f.csat));
}

function renderChannels(channels, chosen) {
  const select = $('analytics-channel');
  const names = new Set(Object.keys(channels));
  if (chosen) names.add(chosen);
  fill('analytics-channel', h('option', { value: '' }, 'All channels'),
    [...names].sort().map((name) => h('option', { value: name, selected: name === chosen },
      `${name} (${channels[name] || 0})`)));
  select.value = chosen || '';
}

function renderKpis(f) {
  const c = f.csat;
  const b = f.booking_completion;
  fill('analytics-kpis',
    kpi('Conversations', f.conversations),
    kpi('Containment', percent(f.containment.rate), `${f.containment.count} without a person`),
    kpi('Escalation rate', percent(f.escalation.rate), plural(f.escalation.count, 'conversation')),
    kpi('CSAT', c.mean == null ? '–' : `${c.mean.toFixed(2)} / 5`, c.count ? plural(c.count, 'rating') : 'no ratings'),
    kpi('First bot reply', duration(f.first_bot_reply.p50_s), 'median'),
    kpi('First human response', duration(f.first_human_response.p50_s), 'median, from the hand-over'),
    kpi('Wait for an agent', duration(f.wait_for_agent.p50_s), 'median'),
    kpi('Handling', duration(f.handling.p50_s), 'median, claim to done'),
    kpi('Bookings completed', percent(b.rate), b.of ? `${b.count} of ${b.of} started` : 'none started'),
    kpi('Messages per chat', f.length.messages_mean == null ? '–' : f.length.messages_mean.toFixed(1),
      `median ${f.length.messages_p50 ?? '–'}`));
}

function renderVolume(f) {
  const periods = f.series.map((b) => ({
    label: b.bucket, values: { contained: b.conversations - b.escalated, escalated: b.escalated },
  }));
  const most = Math.max(...f.series.map((b) => b.conversations));
  fill('volume-chart', columns(periods, VOLUME,
    `Conversations per ${f.period.bucket}, contained and escalated, most in one ${f.period.bucket} ${most}. The table below has the figures.`));
  fill('volume-legend', VOLUME.map(([, name, colour]) => h('li', null,
    h('span', { class: 'swatch', style: `background:${colour}` }), name)));
  fill('volume-table', table(
    [f.period.bucket === 'week' ? 'Week' : 'Day', 'Conversations', 'Escalated', 'Containment', 'CSAT', 'Bookings'],
    f.series.map((b) => [b.bucket, b.conversations, b.escalated, percent(b.containment),
      b.csat_mean == null ? '–' : b.csat_mean.toFixed(2), b.bookings]),
    [null, 'num', 'num', 'num', 'num', 'num']));
}

function renderReasons(reasons) {
  const items = TRIGGERS.map(([kind, name]) => ({ label: name, value: reasons[kind] || 0 }));
  if (!items.some((i) => i.value)) return fill('reasons-chart', h('p', { class: 'muted' }, 'No hand-overs.'));
  items.sort((a, b) => b.value - a.value);
  fill('reasons-chart', hbars(items, 'Hand-overs by trigger: ' + items.map((i) => `${i.label} ${i.value}`).join('; '), true));
}

function renderTimes(f) {
  const row = (name, d, note) => [name, d.count, duration(d.p50_s), duration(d.p90_s), duration(d.mean_s), note || ''];
  const unanswered = f.first_human_response.unanswered;
  fill('times', table(['', 'Count', 'Median', '90th pct', 'Mean', ''], [
    row('First bot reply', f.first_bot_reply),
    row('First human response', f.first_human_response, unanswered ? `${unanswered} not answered yet` : ''),
    row('Wait for an agent', f.wait_for_agent, f.wait_for_agent.unclaimed ? `${f.wait_for_agent.unclaimed} not claimed yet` : ''),
    row('Handling', f.handling),
  ], [null, 'num', 'num', 'num', 'num', 'hint-cell']));
}

function renderUnanswered(topics, totals) {
  if (!topics.length) return fill('unanswered', h('p', { class: 'muted' }, 'The assistant answered everything it was asked.'));
  const grouped = totals.grouped < totals.messages ? `; the most recent ${totals.grouped} are grouped here` : '';
  fill('unanswered',
    h('p', { class: 'rcard__note' }, `${plural(totals.messages, 'message')} the assistant could not answer${grouped}.`),
    hbars(topics.map((t) => ({ label: t.label, value: t.count })),
      'Top unanswered questions: ' + topics.map((t) => `${t.label} ${t.count}`).join('; ')),
    table(['Question', 'Times', 'Also asked as'],
      topics.map((t) => [t.label, t.count, t.examples.join(' · ')]), [null, 'num', null]));
}

function renderWrong(entries) {
  if (!entries.length) return fill('wrong', h('p', { class: 'muted' }, 'No answer was rated wrong.'));
  fill('wrong', table(['Entry', 'Question', 'Rated wrong', 'Right instead'],
    entries.map((e) => [e.entry_id, e.question ?? '(no longer in the knowledge base)', e.count,
      [...e.right_entries, e.new_answers ? plural(e.new_answers, 'new answer') : null].filter(Boolean).join(', ') || '–']),
    [null, null, 'num', null]));
}

function start() {
  const q = new URLSearchParams(location.search);
  if (q.get('since')) $('analytics-since').value = q.get('since');
  if (q.get('until')) $('analytics-until').value = q.get('until');
  if (q.get('channel')) {
    const chosen = q.get('channel');
    fill('analytics-channel', h('option', { value: '' }, 'All channels'), h('option', { value: chosen }, chosen));
    $('analytics-channel').value = chosen;
  }
  $('analytics-form').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('analytics-channel').addEventListener('change', load);
  load();
}

start();
