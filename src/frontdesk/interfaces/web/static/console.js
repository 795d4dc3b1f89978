/*
 * frontdesk agent console: the queue of conversations waiting for a person (left) and
 * the open case (right): its transcript, live, a reply box, the summary and suggested
 * introduction, the customer, what the assistant looked at, and the agent's verdict.
 *
 * Talks to /api/console/* (cookie session; every POST carries the page's CSRF token)
 * and /api/console/ws for live frames. All server and customer text is inserted as
 * text: nothing here parses HTML.
 */

const $ = (id) => document.getElementById(id);
const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
const AGENT_NAME = document.body.dataset.agentName || 'Agent';
const BASE_TITLE = document.title || 'Console';

const QUEUE_REFRESH_MS = 15000;
const PING_MS = 20000;
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 10000;
const RESEND_MAX = 15000;
const TYPING_ON_EVERY = 3000;  // at most one "typing on" per 3 s
const TYPING_IDLE = 4000;      // "typing off" after 4 s without a keystroke
const PEER_TYPING_TIMEOUT = 8000; // a lost "off" must not leave "Customer is typing…" up
const OUTBOX_KEY = 'frontdesk:console:outbox';
const SOUND_KEY = 'frontdesk:console:sound';

const VERDICTS = {
  right_answer: 'Right answer',
  wrong_answer: 'Wrong answer',
  escalated_needlessly: 'Escalated needlessly',
  should_have_escalated_sooner: 'Should have escalated sooner',
};
const TRIGGERS = {
  asked_for_human: 'asked',
  frustrated: 'frustrated',
  assistant_failing: 'failing',
  sensitive: 'sensitive',
};
const STATUS_TEXT = { queued: 'Queued', returned: 'Handed back', closed: 'Closed' };

/* ---------- small helpers ---------- */

// Builds elements; string children become text nodes, so nothing here parses HTML.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function uuid() {
  // randomUUID exists only in secure contexts (https or localhost).
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function parseTime(iso) {
  if (iso == null || iso === '') return null;
  // Some engines reject more than 3 fractional digits (Python's isoformat gives 6).
  const d = typeof iso === 'number' ? new Date(iso * 1000) : new Date(String(iso).replace(/(\.\d{3})\d+/, '$1'));
  return isNaN(d) ? null : d;
}
const pad = (n) => String(n).padStart(2, '0');
function hhmm(iso) {
  const d = parseTime(iso);
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : '';
}
function dayTime(iso) {
  const d = parseTime(iso);
  if (!d) return '';
  try {
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch (_) {
    return d.toString();
  }
}
// Waiting time as a clock: 0:45, 3:07, 1:02:05.
function elapsed(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  return hh ? `${hh}:${pad(mm)}:${pad(s % 60)}` : `${mm}:${pad(s % 60)}`;
}
function elapsedWords(seconds) {
  const m = Math.round(Math.max(0, seconds) / 60);
  if (m < 1) return 'under a minute';
  return m === 1 ? '1 minute' : `${m} minutes`;
}

function show(el, on) { el.hidden = !on; }

/* ---------- talking to the server ---------- */

class HttpError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `The server answered ${status}.`);
    this.status = status;
    this.code = err.code || null;
  }
}
class NetworkError extends Error {}

let leaving = false;
function toLogin() {
  if (leaving) return;
  leaving = true;
  const next = `${location.pathname}${location.hash}`;
  location.assign(`/console/login?next=${encodeURIComponent(next)}`);
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRF-Token'] = CSRF;
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (_) {
    throw new NetworkError('No connection to the server.');
  }
  let data = null;
  try { data = await res.json(); } catch (_) { /* no JSON body */ }
  if (res.status === 401) {
    toLogin();
    throw new HttpError(401, data);
  }
  if (!res.ok) throw new HttpError(res.status, data);
  return data;
}
// Worth trying again later: no connection, overload, or a server-side failure.
function retryable(err) {
  return err instanceof NetworkError ||
    (err instanceof HttpError && (err.status === 429 || err.status >= 500));
}

const caseUrl = (id, tail = '') => `/api/console/cases/${encodeURIComponent(id)}${tail}`;

/* ---------- storage (unsent replies survive a reload) ---------- */

const memory = {};
function readJson(key, fallback) {
  let raw = memory[key];
  try { raw = localStorage.getItem(key); } catch (_) { /* memory copy only */ }
  try { return raw ? JSON.parse(raw) : fallback; } catch (_) { return fallback; }
}
function writeJson(key, value) {
  const raw = JSON.stringify(value);
  memory[key] = raw;
  try { localStorage.setItem(key, raw); } catch (_) { /* memory copy only */ }
}
function outbox() {
  const list = readJson(OUTBOX_KEY, []);
  return Array.isArray(list) ? list.filter((m) => m && m.cmid && m.case_id) : [];
}
function outboxAdd(item) { writeJson(OUTBOX_KEY, [...outbox(), item]); }
function outboxDrop(cmid) { writeJson(OUTBOX_KEY, outbox().filter((m) => m.cmid !== cmid)); }

/* ---------- sound for a new case ---------- */

// Browsers allow audio only after the person has interacted with the page, so the
// AudioContext is made (or resumed) on the first click or key press.
let audio = null;
let interacted = false;
let soundOn = readJson(SOUND_KEY, true) !== false;
function unlockAudio() {
  interacted = true;
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) audio = new Ctx();
    if (audio && audio.state === 'suspended') audio.resume();
  } catch (_) { audio = null; }
}
document.addEventListener('pointerdown', unlockAudio, true);
document.addEventListener('keydown', unlockAudio, true);

function beep() {
  if (!soundOn || !interacted || !audio || audio.state !== 'running') return;
  try {
    const t = audio.currentTime;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, t);
    osc.frequency.setValueAtTime(1320, t + 0.12);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.18, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.32);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.34);
    document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  } catch (_) { /* no sound is not worth an error */ }
}

function showSoundToggle() {
  const btn = $('sound-toggle');
  btn.setAttribute('aria-pressed', String(soundOn));
  btn.textContent = soundOn ? 'Sound on' : 'Sound off';
}
$('sound-toggle').addEventListener('click', () => {
  soundOn = !soundOn;
  writeJson(SOUND_KEY, soundOn);
  showSoundToggle();
  if (soundOn) beep(); // so the agent hears what it sounds like
});
showSoundToggle();

/* ---------- connection status ---------- */

const CONN_TEXT = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: replies are kept and sent when the connection is back.',
};
function setConn(state) {
  if (state !== 'connected' && navigator.onLine === false) state = 'offline';
  const el = $('conn');
  el.dataset.state = state;
  el.textContent = CONN_TEXT[state];
}

/* ---------- the queue ---------- */

let queue = [];           // CaseRows, as last fetched
let agentsOnline = null;
let knownQueued = null;   // ids seen queued; null until the first load (no sound for those)
let queueLoading = null;
let queueAgain = false;

function customerName(row) {
  return (row && row.customer && row.customer.name) || 'Visitor';
}
function statusKey(row) {
  if (!row) return '';
  if (row.status === 'claimed') return row.mine ? 'mine' : 'claimed';
  return row.status || '';
}
function statusText(row) {
  const key = statusKey(row);
  if (key === 'mine') return 'Mine';
  if (key === 'claimed') return `Claimed by ${(row.agent && row.agent.name) || 'another agent'}`;
  return STATUS_TEXT[key] || key;
}
function triggerTag(trigger) {
  const kind = (trigger && trigger.kind) || '';
  return h('span', { class: `tag tag--${kind || 'none'}`, 'data-testid': 'trigger-kind', title: kind },
    TRIGGERS[kind] || kind || 'handover');
}

async function loadQueue() {
  if (queueLoading) { queueAgain = true; return queueLoading; }
  queueLoading = (async () => {
    try {
      const data = await api('/api/console/queue');
      queue = Array.isArray(data && data.cases) ? data.cases : [];
      agentsOnline = data && typeof data.agents_online === 'number' ? data.agents_online : null;
      const now = Date.now();
      for (const row of queue) row._since = now - (Number(row.waiting_s) || 0) * 1000;
      const queued = new Set(queue.filter((r) => r.status === 'queued').map((r) => r.id));
      if (knownQueued) {
        // Also catches a case that arrived while the socket was down.
        if ([...queued].some((id) => !knownQueued.has(id))) beep();
        for (const id of queued) knownQueued.add(id);
      } else {
        knownQueued = queued;
      }
      renderQueue();
      followCurrentRow();
    } catch (err) {
      if (!retryable(err) && err.status !== 401) console.warn('frontdesk console: queue', err);
    } finally {
      $('queue').setAttribute('aria-busy', 'false');
    }
  })();
  try { await queueLoading; } finally {
    queueLoading = null;
    if (queueAgain) { queueAgain = false; loadQueue(); }
  }
}

function renderQueue() {
  const list = $('queue');
  const active = document.activeElement;
  const focusedId = list.contains(active) && active.dataset ? active.dataset.caseId : null;
  list.replaceChildren(...queue.map((row) => h('li', { class: 'queue__item' },
    h('button', {
      type: 'button',
      class: 'qcase',
      'data-case-id': row.id,
      'data-testid': 'queue-item',
      'data-status': statusKey(row),
      'aria-current': current && current.id === row.id ? 'true' : null,
    },
    h('span', { class: 'qcase__top' },
      h('span', { class: 'qcase__name', 'data-testid': 'queue-name' }, customerName(row)),
      // Counts up while queued; once claimed, the server's figure is the wait it was.
      h('span', {
        class: 'qcase__wait',
        'data-since': row.status === 'queued' ? String(row._since) : null,
        'data-testid': 'queue-wait',
        title: `Waited ${elapsedWords(row.waiting_s || 0)}`,
      }, elapsed(row.waiting_s || 0))),
    h('span', { class: 'qcase__topic', 'data-testid': 'queue-topic' }, row.topic_label || row.topic || 'No topic'),
    h('span', { class: 'qcase__foot' },
      triggerTag(row.trigger),
      h('span', { class: 'qcase__reason' }, (row.trigger && row.trigger.reason) || ''),
      h('span', { class: `qcase__status status--${statusKey(row)}`, 'data-testid': 'queue-status' }, statusText(row))),
    row.last_message ? h('span', { class: 'qcase__last' }, row.last_message) : null))));
  if (focusedId) {
    const again = list.querySelector(`[data-case-id="${CSS.escape(focusedId)}"]`);
    if (again) again.focus();
  }
  show($('queue-empty'), queue.length === 0);
  tickWaits();

  const waiting = queue.filter((r) => r.status === 'queued').length;
  const badge = $('queue-badge');
  badge.textContent = String(waiting);
  badge.dataset.count = String(waiting);
  badge.setAttribute('aria-label', `${waiting} ${waiting === 1 ? 'case' : 'cases'} waiting`);
  document.title = waiting ? `(${waiting}) ${BASE_TITLE}` : BASE_TITLE;
  const online = agentsOnline == null ? ''
    : ` · ${agentsOnline} ${agentsOnline === 1 ? 'agent' : 'agents'} online`;
  $('queue-meta').textContent = `${waiting} waiting${online}`;
}

function tickWaits() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-since]')) {
    const seconds = (now - Number(el.dataset.since)) / 1000;
    el.textContent = elapsed(seconds);
    el.title = `Waiting ${elapsedWords(seconds)}`;
  }
}

// A new case announced on the socket: sound, and the badge moves before the re-fetch.
// Every console hears of every new case; only one in this agent's queues chimes (the
// re-fetched queue, which holds only those, also chimes for any this missed).
const AGENT_QUEUES = new Set((document.body.dataset.agentQueues || '').split(',').filter(Boolean));
const SEES_ALL = document.body.dataset.agentRole === 'admin';
function noteNewCase(row) {
  if (!row || !row.id || !knownQueued || knownQueued.has(row.id)) return;
  if (!SEES_ALL && row.queue && !AGENT_QUEUES.has(row.queue)) return;
  knownQueued.add(row.id);
  document.body.dataset.newCases = String(Number(document.body.dataset.newCases || 0) + 1);
  beep();
}

$('queue').addEventListener('click', (e) => {
  const btn = e.target.closest('[data-case-id]');
  if (btn) openCase(btn.dataset.caseId);
});
// Up and down arrows move through the queue.
$('queue').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const items = [...$('queue').querySelectorAll('[data-case-id]')];
  const at = items.indexOf(document.activeElement);
  if (at < 0) return;
  e.preventDefault();
  const next = items[Math.min(items.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)))];
  if (next) next.focus();
});

/* ---------- the open case ---------- */

let current = null;        // {id, conversation_id, row, data}
const events = new Map();  // seq -> event of the open case
let lastSeq = 0;
let caseLoading = null;
let caseAgain = false;
let introSentFor = null;   // the case whose introduction went out from this page
let aboutSeq = null;       // the bot answer the feedback is about
let chosenEntry = null;    // {id, question}: the right FAQ entry for a wrong answer

function alertCase(text) {
  const el = $('case-alert');
  el.textContent = text || '';
  show(el, !!text);
}

function openCase(id) {
  if (!id) return;
  if (!current || current.id !== id) {
    stopTyping(); // tells the previous case's customer we stopped
    current = { id, conversation_id: null, row: null, data: null, early: [] };
    events.clear();
    lastSeq = 0;
    aboutSeq = null;
    chosenEntry = null;
    $('transcript').replaceChildren();
    $('summary-body').replaceChildren();
    $('profile-body').replaceChildren();
    $('ledger-body').replaceChildren();
    $('intro-text').value = '';
    $('intro-note').textContent = '';
    resetFeedback();
    hideHandback();
    hidePeerTyping();
    alertCase('');
    $('case').dataset.caseId = id;
    $('case-title').textContent = 'Loading…';
    $('case-meta').replaceChildren();
    $('case-status').textContent = '';
    show($('case'), true);
    show($('case-empty'), false);
    if (location.hash !== `#case=${encodeURIComponent(id)}`) {
      history.replaceState(null, '', `#case=${encodeURIComponent(id)}`);
    }
    for (const el of $('queue').querySelectorAll('[data-case-id]')) {
      if (el.dataset.caseId === id) el.setAttribute('aria-current', 'true');
      else el.removeAttribute('aria-current');
    }
    const row = queue.find((r) => r.id === id);
    if (row) showRow(row);
    renderOutboxFor(id);
    updateControls();
  }
  watch();
  return loadCase();
}

function closeCaseView() {
  current = null;
  events.clear();
  show($('case'), false);
  show($('case-empty'), true);
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  for (const el of $('queue').querySelectorAll('[aria-current]')) el.removeAttribute('aria-current');
}

// Fetches the open case and merges it in: events by seq, so a refetch after a gap or
// a reconnect neither misses nor repeats one.
async function loadCase() {
  if (!current) return;
  if (caseLoading) { caseAgain = true; return caseLoading; }
  const id = current.id;
  caseLoading = (async () => {
    try {
      const data = await api(caseUrl(id));
      if (!current || current.id !== id) return;
      renderCase(data);
    } catch (err) {
      if (!current || current.id !== id) return;
      if (err instanceof HttpError && (err.status === 404 || err.status === 403)) {
        alertCase('This case is not in your queues any more.');
        $('case-title').textContent = 'Case not found';
        current.row = null;
        updateControls();
      } else if (!retryable(err)) {
        alertCase(err.message);
      }
    }
  })();
  try { await caseLoading; } finally {
    caseLoading = null;
    if (caseAgain) { caseAgain = false; loadCase(); }
  }
}

function renderCase(data) {
  const first = !current.data;
  current.data = data;
  if (data.case) showRow(data.case);
  renderSummary(data.summary, data.case);
  if (first) {
    $('intro-text').value = data.introduction || '';
    renderVerdicts(data.feedback_verdicts);
  }
  renderProfile(data.customer);
  renderLedger(data.ledger);
  const list = Array.isArray(data.events) ? data.events : [];
  const stick = first || nearBottom();
  for (const ev of list) mergeEvent(ev, false);
  // Frames that came before we knew the case's conversation.
  const early = current.early.splice(0).filter((f) => f.conversation_id === current.conversation_id);
  for (const f of early) mergeEvent(f.event, true);
  if (stick) scrollDown();
  pump();
}

function showRow(row) {
  if (!current) return;
  current.row = row;
  if (row.conversation_id) current.conversation_id = row.conversation_id;
  $('case-title').textContent = customerName(row);
  const meta = $('case-meta');
  meta.replaceChildren(
    h('span', { class: 'case-head__topic', 'data-testid': 'case-topic' }, row.topic_label || row.topic || 'No topic'),
    triggerTag(row.trigger),
    h('span', { class: 'case-head__reason', 'data-testid': 'case-reason' }, (row.trigger && row.trigger.reason) || ''),
    row.customer && row.customer.email ? h('span', { class: 'case-head__email' }, row.customer.email) : null,
    row.created_at ? h('span', { class: 'case-head__since' }, 'since ', h('time', { datetime: row.created_at }, dayTime(row.created_at))) : null,
  );
  const pill = $('case-status');
  pill.textContent = statusText(row);
  pill.dataset.status = statusKey(row);
  updateControls();
}

// When the queue changes, the open case's row may have too (claimed, closed).
function followCurrentRow() {
  if (!current || !current.row) return;
  const row = queue.find((r) => r.id === current.id);
  const was = current.row;
  if (row) {
    const changed = row.status !== was.status || row.mine !== was.mine ||
      ((row.agent && row.agent.id) || null) !== ((was.agent && was.agent.id) || null);
    if (changed) { showRow(row); loadCase(); }
  } else if (was.status === 'queued' || was.status === 'claimed') {
    loadCase(); // gone from the queue: handed back or closed
  }
}

function isMine() {
  const row = current && current.row;
  return !!(row && row.status === 'claimed' && row.mine);
}

function updateControls() {
  const row = current && current.row;
  const key = statusKey(row);
  const mine = isMine();
  show($('claim'), key === 'queued');
  show($('handback'), mine);
  show($('close'), mine);
  if (!mine) hideHandback();
  const input = $('reply-input');
  input.disabled = !mine;
  $('reply-send').disabled = !mine;
  input.placeholder = mine ? 'Write to the customer…'
    : key === 'queued' ? 'Claim the case to reply'
      : key === 'claimed' ? `${statusText(row)}: only they can reply`
        : row ? 'This conversation is no longer with a person' : '';
  $('intro-send').disabled = !mine || introSentFor === (current && current.id);
}

/* ---------- transcript ---------- */

const transcript = $('transcript');
function nearBottom() { return transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80; }
function scrollDown() { transcript.scrollTop = transcript.scrollHeight; }

function whoOf(ev) {
  if (ev.source === 'customer') return current && current.row ? customerName(current.row) : 'Customer';
  if (ev.source === 'bot') return 'Assistant';
  if (ev.source === 'agent') return ev.author || 'Agent';
  return 'System';
}

function timeEl(iso) {
  return h('time', { datetime: iso || null, title: dayTime(iso) || null }, hhmm(iso));
}

function renderEvent(ev) {
  const source = String(ev.source || 'system');
  const mode = ev.kind === 'mode';
  const el = h('li', {
    class: `ev ev--${source}${mode ? ' ev--mode' : ''}`,
    'data-testid': 'event',
    'data-seq': String(ev.seq),
    'data-source': source,
    'data-kind': ev.kind || 'message',
    'data-mode': mode && ev.mode ? ev.mode : null,
    'data-cmid': ev.client_message_id || null,
  });
  if (mode) {
    el.append(h('span', { class: 'ev__text', 'data-testid': 'event-text' }, ev.text || `Mode: ${ev.mode}`), timeEl(ev.at));
    return el;
  }
  el.append(
    h('div', { class: 'ev__head' }, h('span', { class: 'ev__who' }, whoOf(ev)), timeEl(ev.at)),
    h('div', { class: 'ev__text', 'data-testid': 'event-text' }, ev.text || ''));
  const reply = ev.reply;
  if (source === 'bot' && reply) {
    const facts = [];
    if (reply.kind) facts.push(reply.kind);
    if (typeof reply.confidence === 'number' && reply.kind !== 'handover') facts.push(`confidence ${reply.confidence.toFixed(2)}`);
    if (Array.isArray(reply.source_ids) && reply.source_ids.length) facts.push(reply.source_ids.join(', '));
    if (typeof ev.latency_ms === 'number') facts.push(`${Math.round(ev.latency_ms)} ms`);
    const opts = Array.isArray(reply.options) ? reply.options.filter((o) => o && o.label) : [];
    el.append(h('div', { class: 'ev__meta' },
      h('span', {}, facts.join(' · ')),
      opts.length ? h('span', { class: 'ev__options' }, `Offered: ${opts.map((o) => o.label).join(' / ')}`) : null,
      h('button', {
        type: 'button', class: 'link', 'data-feedback-seq': String(ev.seq), 'data-testid': 'feedback-on',
      }, 'Feedback on this answer')));
  }
  return el;
}

function placeInOrder(el, seq) {
  // Stored events in seq order; replies still sending stay below them.
  let before = null;
  if (seq <= lastSeq) {
    for (const child of transcript.children) {
      if (child.dataset.state === 'pending' || child.dataset.state === 'failed' ||
          Number(child.dataset.seq) > seq) { before = child; break; }
    }
  } else {
    before = transcript.querySelector('[data-state]');
  }
  transcript.insertBefore(el, before);
}

function mergeEvent(ev, live) {
  if (!ev || typeof ev.seq !== 'number') return;
  if (ev.client_message_id) confirmPending(ev.client_message_id);
  if (events.has(ev.seq)) return;
  const gap = live && lastSeq > 0 && ev.seq > lastSeq + 1;
  const stick = nearBottom();
  events.set(ev.seq, ev);
  placeInOrder(renderEvent(ev), ev.seq);
  lastSeq = Math.max(lastSeq, ev.seq);
  if (ev.source === 'customer') hidePeerTyping();
  if (live && (stick || ev.source === 'agent')) scrollDown();
  // Something happened that the socket did not bring: fetch the case to fill it in.
  // A mode change moves the case (claimed, handed back, closed): refresh its state.
  if (gap || (live && ev.kind === 'mode')) { loadCase(); loadQueue(); }
}

transcript.addEventListener('click', (e) => {
  const about = e.target.closest('[data-feedback-seq]');
  if (about) {
    setAbout(Number(about.dataset.feedbackSeq));
    $('feedback').scrollIntoView({ block: 'nearest' });
    const first = $('feedback-form').querySelector('input[name=verdict]');
    if (first) first.focus();
    return;
  }
  const retry = e.target.closest('[data-retry]');
  if (retry) { retryFailed(retry.closest('[data-cmid]')); return; }
  const drop = e.target.closest('[data-discard]');
  if (drop) drop.closest('[data-cmid]').remove();
});

/* ---------- replies: pending until their event comes back ---------- */

let pumping = false;
let resendTimer = null;
let resendAttempt = 0;

function pendingEl(cmid) {
  return transcript.querySelector(`[data-cmid="${CSS.escape(cmid)}"][data-state]`);
}

function renderPending(item) {
  if (pendingEl(item.cmid)) return;
  const el = h('li', {
    class: 'ev ev--agent', 'data-testid': 'event', 'data-source': 'agent', 'data-kind': 'message',
    'data-cmid': item.cmid, 'data-state': 'pending',
  },
  h('div', { class: 'ev__head' }, h('span', { class: 'ev__who' }, AGENT_NAME), timeEl(item.at)),
  h('div', { class: 'ev__text', 'data-testid': 'event-text' }, item.text),
  h('div', { class: 'ev__note', 'data-testid': 'event-note' }, 'Sending…'));
  transcript.append(el);
  scrollDown();
}
function renderOutboxFor(caseId) {
  for (const item of outbox()) if (item.case_id === caseId) renderPending(item);
}
function setPendingNote(cmid, state, note, actions) {
  const el = pendingEl(cmid);
  if (!el) return;
  el.dataset.state = state;
  el.querySelector('.ev__note').replaceChildren(note, ...(actions || []));
}
function confirmPending(cmid) {
  outboxDrop(cmid);
  const el = pendingEl(cmid);
  if (el) el.remove();
}

function sendMessage(text) {
  const clean = String(text).trim();
  if (!clean || !current) return false;
  const item = { case_id: current.id, cmid: uuid(), text: clean, at: new Date().toISOString() };
  outboxAdd(item);
  renderPending(item);
  pump();
  return true;
}

// Sends the outbox one message at a time, in order. A message the server may not have
// got stays and goes again (same client_message_id, so the server keeps it once);
// one the server refused is shown as not sent, with Retry.
async function pump() {
  if (pumping) return;
  pumping = true;
  clearTimeout(resendTimer);
  resendTimer = null;
  try {
    for (;;) {
      const item = outbox()[0];
      if (!item) { resendAttempt = 0; return; }
      try {
        const data = await api(caseUrl(item.case_id, '/messages'), {
          method: 'POST', body: { text: item.text, client_message_id: item.cmid },
        });
        outboxDrop(item.cmid);
        resendAttempt = 0;
        if (data && data.event && current && current.id === item.case_id) mergeEvent(data.event, false);
        else confirmPending(item.cmid);
      } catch (err) {
        if (retryable(err)) {
          setPendingNote(item.cmid, 'pending', 'Not sent yet: trying again when the connection is back…');
          const delay = Math.min(RESEND_MAX, 1000 * 2 ** resendAttempt++);
          resendTimer = setTimeout(pump, delay);
          return;
        }
        if (err instanceof HttpError && err.status === 401) return; // off to sign in; kept
        outboxDrop(item.cmid);
        setPendingNote(item.cmid, 'failed', `Not sent: ${err.message} `, [
          h('button', { type: 'button', class: 'link', 'data-retry': '' }, 'Retry'),
          ' ',
          h('button', { type: 'button', class: 'link', 'data-discard': '' }, 'Remove'),
        ]);
      }
    }
  } finally {
    pumping = false;
  }
}

function retryFailed(el) {
  if (!el || !current) return;
  const text = el.querySelector('.ev__text').textContent;
  el.remove();
  // A new id: the server refused the old one, so this is a new attempt, not a resend.
  sendMessage(text);
}

/* ---------- reply box, and telling the customer we are typing ---------- */

let typingOnAt = 0;
let typingSent = false;
let typingIdle = null;

function sendTyping(on) {
  if (!current || !ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify({ type: 'typing', case_id: current.id, on }));
  return true;
}
function noteTyping() {
  if (!isMine()) return;
  if (!$('reply-input').value.trim()) { stopTyping(); return; }
  const now = Date.now();
  if (now - typingOnAt >= TYPING_ON_EVERY && sendTyping(true)) {
    typingOnAt = now;
    typingSent = true;
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, TYPING_IDLE);
}
function stopTyping() {
  clearTimeout(typingIdle);
  typingIdle = null;
  if (typingSent) sendTyping(false);
  typingSent = false;
}

function submitReply() {
  const input = $('reply-input');
  if (input.disabled) return;
  stopTyping();
  if (sendMessage(input.value)) input.value = '';
  input.focus();
}
$('reply-form').addEventListener('submit', (e) => { e.preventDefault(); submitReply(); });
$('reply-input').addEventListener('keydown', (e) => {
  // isComposing: Enter that confirms an IME candidate must not send.
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submitReply();
  }
});
$('reply-input').addEventListener('input', noteTyping);

/* ---------- "Customer is typing…" ---------- */

let peerTypingTimer = null;
function showPeerTyping() {
  show($('typing'), true);
  clearTimeout(peerTypingTimer);
  peerTypingTimer = setTimeout(hidePeerTyping, PEER_TYPING_TIMEOUT);
}
function hidePeerTyping() {
  clearTimeout(peerTypingTimer);
  show($('typing'), false);
}

/* ---------- case actions ---------- */

async function act(button, run) {
  if (button.dataset.busy) return;
  button.dataset.busy = '1';
  button.disabled = true;
  alertCase('');
  try {
    await run();
  } catch (err) {
    if (!(err instanceof HttpError && err.status === 401)) {
      alertCase(err instanceof NetworkError ? 'No connection to the server. Please try again.' : err.message);
    }
  } finally {
    delete button.dataset.busy;
    button.disabled = false;
    updateControls();
  }
}

$('claim').addEventListener('click', () => act($('claim'), async () => {
  const id = current.id;
  try {
    const data = await api(caseUrl(id, '/claim'), { method: 'POST' });
    if (current && current.id === id && data && data.case) showRow(data.case);
    if (isMine()) $('reply-input').focus();
  } catch (err) {
    if (err instanceof HttpError && err.status === 409) {
      alertCase('Another agent took this one');
      loadCase();
      loadQueue();
      return;
    }
    throw err;
  }
  loadQueue();
}));

function hideHandback() {
  show($('handback-form'), false);
  $('handback').setAttribute('aria-expanded', 'false');
}
$('handback').addEventListener('click', () => {
  const open = $('handback-form').hidden;
  show($('handback-form'), open);
  $('handback').setAttribute('aria-expanded', String(open));
  if (open) $('handback-note').focus();
});
$('handback-cancel').addEventListener('click', () => { hideHandback(); $('handback').focus(); });
$('handback-form').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { e.preventDefault(); hideHandback(); $('handback').focus(); }
});
$('handback-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const note = $('handback-note').value.trim();
  if (!note) {
    alertCase('Write a short note of what you did, for the assistant and the customer.');
    $('handback-note').focus();
    return;
  }
  act($('handback-confirm'), async () => {
    const id = current.id;
    const data = await api(caseUrl(id, '/hand-back'), { method: 'POST', body: { note } });
    $('handback-note').value = '';
    hideHandback();
    if (current && current.id === id && data && data.case) showRow(data.case);
    loadQueue();
  });
});

$('close').addEventListener('click', () => act($('close'), async () => {
  const id = current.id;
  stopTyping();
  const data = await api(caseUrl(id, '/close'), { method: 'POST' });
  if (current && current.id === id && data && data.case) showRow(data.case);
  loadQueue();
}));

$('intro-send').addEventListener('click', () => {
  if (!isMine()) return;
  if (sendMessage($('intro-text').value)) {
    introSentFor = current.id;
    $('intro-note').textContent = 'Sent';
    updateControls();
  } else {
    $('intro-note').textContent = 'Write an introduction first.';
  }
});

/* ---------- side cards ---------- */

function dl(rows) {
  const list = h('dl', { class: 'facts' });
  for (const [label, value, testid] of rows) {
    if (value == null || value === '' || (Array.isArray(value) && !value.length)) continue;
    list.append(h('div', { class: 'facts__row', 'data-testid': testid || null }, h('dt', {}, label), h('dd', {}, value)));
  }
  return list;
}

function renderSummary(summary, row) {
  const body = $('summary-body');
  const s = summary || {};
  const answered = Array.isArray(s.answered) ? s.answered.filter(Boolean) : [];
  const sentiment = s.sentiment && (s.sentiment.label || s.sentiment.score != null)
    ? `${s.sentiment.label || ''}${typeof s.sentiment.score === 'number' ? ` (${s.sentiment.score.toFixed(2)})` : ''}`.trim()
    : null;
  const evidence = row && row.trigger && Array.isArray(row.trigger.evidence) ? row.trigger.evidence.filter(Boolean) : [];
  const rows = [
    ['Wants', s.wants, 'summary-wants'],
    ['Problem', s.problem, 'summary-problem'],
    ['Orders named', Array.isArray(s.orders) && s.orders.length ? s.orders.map((o) => `#${o}`).join(', ') : null, 'summary-orders'],
    ['Already answered', answered.length ? h('ul', { class: 'plain' }, answered.map((a) => h('li', {}, a))) : null, 'summary-answered'],
    ['Sentiment', sentiment ? h('span', { class: `sentiment sentiment--${s.sentiment.label || 'none'}` }, sentiment) : null, 'summary-sentiment'],
    ['Why a person', s.why, 'summary-why'],
    ['Evidence', evidence.length ? h('span', { class: 'chips' }, evidence.map((e) => h('q', { class: 'chip' }, e))) : null, 'summary-evidence'],
  ];
  const facts = dl(rows);
  if (facts.childElementCount) body.replaceChildren(facts);
  else body.replaceChildren(h('p', { class: 'muted' }, s.text || 'No summary for this case.'));
}

function plainValue(v) {
  if (v == null || v === '') return null;
  if (Array.isArray(v)) return v.every((x) => x == null || typeof x !== 'object') ? v.join(', ') : null;
  if (typeof v === 'object') return null;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}
function label(key) {
  const words = String(key).replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
function money(v) {
  if (typeof v === 'number') return v.toFixed(2);
  return v == null ? '' : String(v);
}

function renderProfile(customer) {
  const body = $('profile-body');
  if (!customer || (!customer.profile && !(customer.orders && customer.orders.length))) {
    const row = current && current.row;
    const who = row && row.customer;
    body.replaceChildren(h('p', { class: 'muted' },
      who ? `${who.name || 'Customer'}${who.email ? ` · ${who.email}` : ''}: no account details.`
        : 'Visitor: not signed in, so there is no account to show.'));
    return;
  }
  const parts = [];
  const p = customer.profile || {};
  const first = ['name', 'email', 'phone', 'plan', 'id'];
  const keys = [...first.filter((k) => k in p), ...Object.keys(p).filter((k) => !first.includes(k))];
  parts.push(dl(keys.map((k) => [label(k), plainValue(p[k]), `profile-${k}`])));
  const orders = Array.isArray(customer.orders) ? customer.orders : [];
  if (orders.length) {
    parts.push(h('table', { class: 'orders', 'data-testid': 'orders' },
      h('caption', { class: 'sr' }, 'Orders'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Order'), h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col', class: 'num' }, 'Total'), h('th', { scope: 'col' }, 'Placed'))),
      h('tbody', {}, orders.map((o) => h('tr', { 'data-order-id': o.id != null ? String(o.id) : null },
        h('td', {}, o.id != null ? String(o.id) : '',
          Array.isArray(o.items) && o.items.length ? h('span', { class: 'orders__items' }, o.items.join(', ')) : null),
        h('td', {}, o.status || '', o.tracking ? h('span', { class: 'orders__items' }, String(o.tracking)) : null),
        h('td', { class: 'num' }, [o.currency ? `${o.currency} ` : '', money(o.total)].join('')),
        h('td', {}, o.placed_at ? h('time', { datetime: o.placed_at }, dayTime(o.placed_at) || String(o.placed_at)) : ''))))));
  } else {
    parts.push(h('p', { class: 'muted' }, 'No orders.'));
  }
  body.replaceChildren(...parts);
}

function renderLedger(ledger) {
  const body = $('ledger-body');
  const rows = Array.isArray(ledger) ? ledger : [];
  if (!rows.length) {
    body.replaceChildren(h('p', { class: 'muted' }, "The assistant read nothing from the customer's account."));
    return;
  }
  body.replaceChildren(h('ul', { class: 'ledger' }, rows.map((r) => h('li', {
    class: 'ledger__row', 'data-testid': 'ledger-row', 'data-seq': r.seq != null ? String(r.seq) : null,
  },
  h('div', { class: 'ledger__head' },
    h('span', { class: 'ledger__record' }, r.record || ''),
    r.action ? h('span', { class: 'tag tag--action' }, r.action) : null,
    r.seq != null ? h('button', { type: 'button', class: 'link', 'data-goto-seq': String(r.seq) }, `message ${r.seq}`) : null,
    r.crm ? h('span', { class: 'ledger__crm' }, r.crm) : null),
  Array.isArray(r.fields) && r.fields.length
    ? h('div', { class: 'chips' }, r.fields.map((f) => h('code', { class: 'chip' }, String(f))))
    : null))));
}
$('ledger-body').addEventListener('click', (e) => {
  const go = e.target.closest('[data-goto-seq]');
  if (!go) return;
  const el = transcript.querySelector(`[data-seq="${CSS.escape(go.dataset.gotoSeq)}"]:not([data-state])`);
  if (!el) return;
  el.scrollIntoView({ block: 'center' });
  el.classList.add('ev--flash');
  setTimeout(() => el.classList.remove('ev--flash'), 1600);
});

/* ---------- feedback on the assistant ---------- */

function renderVerdicts(list) {
  const names = Array.isArray(list) && list.length ? list : Object.keys(VERDICTS);
  const set = $('feedback-verdicts');
  set.replaceChildren(h('legend', { class: 'sr' }, 'Verdict'),
    ...names.map((v) => h('label', { class: 'verdict', for: `verdict-${v}` },
      h('input', { type: 'radio', name: 'verdict', id: `verdict-${v}`, value: v, 'data-testid': `verdict-${v}` }),
      ` ${VERDICTS[v] || label(v)}`)));
}

function resetFeedback() {
  $('feedback-form').reset();
  renderVerdicts(null);
  setAbout(null);
  chooseEntry(null);
  $('entry-results').replaceChildren();
  show($('feedback-wrong'), false);
  $('feedback-status').textContent = '';
}

function setAbout(seq) {
  aboutSeq = seq != null && !isNaN(seq) ? seq : null;
  const ev = aboutSeq != null ? events.get(aboutSeq) : null;
  if (aboutSeq == null) {
    show($('feedback-about'), false);
    return;
  }
  const said = ev && ev.text ? `“${ev.text.length > 80 ? `${ev.text.slice(0, 80)}…` : ev.text}”` : '';
  $('feedback-about-text').textContent = `About the answer at ${ev ? hhmm(ev.at) : `message ${aboutSeq}`} ${said}`;
  show($('feedback-about'), true);
}
$('feedback-about-clear').addEventListener('click', () => setAbout(null));

function chooseEntry(entry) {
  chosenEntry = entry;
  show($('entry-chosen'), !!entry);
  $('entry-chosen-text').textContent = entry ? `Right entry: ${entry.question || entry.id} (${entry.id})` : '';
}
$('entry-clear').addEventListener('click', () => { chooseEntry(null); $('entry-search').focus(); });

$('feedback-form').addEventListener('change', (e) => {
  if (e.target.name === 'verdict') {
    show($('feedback-wrong'), e.target.value === 'wrong_answer');
    $('feedback-status').textContent = '';
  }
});

let searchTimer = null;
let searchSerial = 0;
$('entry-search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(searchEntries, 250);
});
$('entry-search').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') { e.preventDefault(); clearTimeout(searchTimer); searchEntries(); }
  if (e.key === 'ArrowDown') {
    const first = $('entry-results').querySelector('button');
    if (first) { e.preventDefault(); first.focus(); }
  }
});
async function searchEntries() {
  const q = $('entry-search').value.trim();
  const serial = ++searchSerial;
  const results = $('entry-results');
  if (q.length < 2) { results.replaceChildren(); return; }
  try {
    const data = await api(`/api/console/entries?q=${encodeURIComponent(q)}`);
    if (serial !== searchSerial) return;
    const entries = Array.isArray(data && data.entries) ? data.entries : [];
    results.replaceChildren(...(entries.length ? entries.map((en) => h('li', {},
      h('button', {
        type: 'button', class: 'entry', 'data-entry-id': String(en.id), 'data-testid': 'entry-result',
      }, h('span', { class: 'entry__q' }, en.question || String(en.id)), h('span', { class: 'entry__id' }, String(en.id)))))
      : [h('li', { class: 'muted' }, 'No entries match.')]));
  } catch (err) {
    if (serial === searchSerial) results.replaceChildren(h('li', { class: 'muted' }, 'Search failed; try again.'));
  }
}
$('entry-results').addEventListener('click', (e) => {
  const btn = e.target.closest('[data-entry-id]');
  if (!btn) return;
  chooseEntry({ id: btn.dataset.entryId, question: btn.querySelector('.entry__q').textContent });
  $('entry-results').replaceChildren();
  $('entry-clear').focus();
});
$('entry-results').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const items = [...$('entry-results').querySelectorAll('button')];
  const at = items.indexOf(document.activeElement);
  if (at < 0) return;
  e.preventDefault();
  if (e.key === 'ArrowUp' && at === 0) { $('entry-search').focus(); return; }
  const next = items[Math.min(items.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1))];
  if (next) next.focus();
});

$('feedback-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const status = $('feedback-status');
  const picked = $('feedback-form').querySelector('input[name=verdict]:checked');
  if (!picked) {
    status.textContent = 'Choose a verdict first.';
    const first = $('feedback-form').querySelector('input[name=verdict]');
    if (first) first.focus();
    return;
  }
  const body = { verdict: picked.value };
  if (aboutSeq != null) body.event_seq = aboutSeq;
  if (picked.value === 'wrong_answer') {
    if (chosenEntry) body.right_entry_id = chosenEntry.id;
    const answer = $('feedback-new-answer').value.trim();
    if (answer) body.new_answer = answer;
  }
  const comment = $('feedback-comment').value.trim();
  if (comment) body.comment = comment;
  status.textContent = 'Saving…';
  act($('feedback-submit'), async () => {
    try {
      await api(caseUrl(current.id, '/feedback'), { method: 'POST', body });
      status.textContent = 'Thanks, saved';
    } catch (err) {
      status.textContent = '';
      throw err;
    }
  });
});

/* ---------- the socket ---------- */

let ws = null;
let everOpen = false;
let attempt = 0;
let retryTimer = null;
let pingTimer = null;

function connect() {
  clearTimeout(retryTimer);
  retryTimer = null;
  if (ws) return;
  setConn(everOpen ? 'reconnecting' : 'connecting');
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/console/ws`;
  let sock;
  try {
    sock = new WebSocket(url);
  } catch (_) {
    reconnectLater();
    return;
  }
  ws = sock;
  sock.onopen = () => {
    if (ws !== sock) return;
    const again = everOpen;
    everOpen = true;
    attempt = 0;
    setConn('connected');
    clearInterval(pingTimer);
    pingTimer = setInterval(() => send({ type: 'ping' }), PING_MS);
    send({ type: 'ping' }); // marks this agent online straight away
    watch();
    if (again) {
      // Whatever happened while the socket was down: fetch it, merge by seq.
      loadQueue();
      loadCase();
    }
    pump();
  };
  sock.onmessage = (e) => { if (ws === sock) onFrame(e.data); };
  sock.onclose = () => {
    if (ws !== sock) return;
    ws = null;
    clearInterval(pingTimer);
    typingSent = false;
    hidePeerTyping();
    // A closed session shows as 401 here, which goes to the sign-in page.
    loadQueue();
    reconnectLater();
  };
}

function reconnectLater() {
  clearTimeout(retryTimer);
  // Backoff with jitter, so a server restart isn't hit by every console at once.
  const delay = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** attempt++) * (0.5 + Math.random() / 2);
  setConn(everOpen ? 'reconnecting' : 'connecting');
  retryTimer = setTimeout(connect, delay);
}

function send(frame) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(frame));
  return true;
}

function watch() {
  if (current) send({ type: 'watch', case_id: current.id });
}

function onFrame(raw) {
  let f;
  try { f = JSON.parse(raw); } catch (_) { return; }
  if (!f || typeof f !== 'object') return;
  if (f.type === 'queue') {
    if (f.new_case) noteNewCase(f.new_case);
    loadQueue();
  } else if (f.type === 'event') {
    if (!current) return;
    if (f.conversation_id === current.conversation_id) mergeEvent(f.event, true);
    else if (!current.conversation_id && current.early.length < 500) current.early.push(f);
  } else if (f.type === 'typing') {
    if (current && f.conversation_id === current.conversation_id && f.source !== 'agent') {
      if (f.on) showPeerTyping(); else hidePeerTyping();
    }
  } else if (f.type === 'error') {
    const err = f.error || {};
    if (err.code === 'unauthorized' || err.code === 'agent_auth') loadQueue();
  }
}

/* ---------- start ---------- */

function caseFromHash() {
  const m = /^#case=([^&]+)/.exec(location.hash);
  if (!m) return null;
  try { return decodeURIComponent(m[1]); } catch (_) { return null; }
}
window.addEventListener('hashchange', () => {
  const id = caseFromHash();
  if (id) openCase(id); else if (current) closeCaseView();
});
window.addEventListener('online', () => {
  attempt = 0;
  if (!ws) connect();
  pump();
});
window.addEventListener('offline', () => { if (!ws) setConn('offline'); });
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') loadQueue();
});

setInterval(loadQueue, QUEUE_REFRESH_MS);
setInterval(tickWaits, 1000);
setConn('connecting');
loadQueue();
connect();
const fromHash = caseFromHash();
if (fromHash) openCase(fromHash);
pump(); // replies left unsent by an earlier page
