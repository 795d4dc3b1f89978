/*
 * frontdesk chat widget.
 *
 *   <script src="https://your-frontdesk.example/widget.js"
 *           data-customer-token="..."   (optional: JWT from the shop backend)
 *           data-title="Chat with us"   (optional)
 *           data-greeting="..."         (optional)
 *           data-suggestions="Track my order|Book an appointment"
 *                                       (optional: quick replies before the first message)
 *           defer></script>
 *
 * Talks only to the server it was loaded from. Renders into an open shadow root so
 * the host page's CSS cannot reach it. Public API: window.FrontdeskWidget.
 * Any host-page element with a `data-frontdesk-open` attribute opens the chat.
 */
(() => {
  'use strict';

  // Included twice (e.g. by a tag manager): the first copy wins.
  if (window.FrontdeskWidget) return;

  // currentScript is null when this file is run from a module or injected later, so fall
  // back to the tag whose src ends in widget.js.
  const script = document.currentScript ||
    [...document.querySelectorAll('script[src]')].find((s) => /\/widget\.js([?#]|$)/.test(s.src));
  const BASE = new URL(script ? script.src : location.href).origin;
  const WS_BASE = BASE.replace(/^http/, 'ws');
  const data = (script && script.dataset) || {};
  const CUSTOMER_TOKEN = data.customerToken || null;
  // Cleared when the server refuses the token (expired, wrong secret): the shopper
  // still gets help, anonymously, instead of a widget that never connects.
  let customerToken = CUSTOMER_TOKEN;
  const TITLE = data.title || 'Chat with us';
  const GREETING = data.greeting ||
    'Hi! Ask me about orders, delivery, returns or anything else, and I will do my best to help.';
  // Starter quick replies, offered while the conversation has no messages yet.
  const STARTERS = String(data.suggestions || '').split('|').map((t) => t.trim())
    .filter(Boolean).slice(0, 6).map((label) => ({ id: 'starter', label }));
  // The shopper's timezone, so appointment times read in their own clock. Sent only
  // when it looks like an IANA name: the server refuses anything else.
  const TIMEZONE = (() => {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return typeof zone === 'string' && /^[A-Za-z0-9_+\-/]{1,64}$/.test(zone) ? zone : null;
    } catch (_) { return null; }
  })();
  const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

  // One record per server origin, so two frontdesk servers embedded on one site don't mix.
  const STORE_KEY = `frontdesk:v1:${BASE}`;
  const BACKOFF_MIN = 500;
  const BACKOFF_MAX = 10000;
  const TYPING_TIMEOUT = 30000; // a lost `on:false` must not leave the dots up forever
  // The shopper's own typing, told to the agent: at most one "on" every 3 s, and
  // "off" after 4 s without a keystroke (or when the message is sent).
  const TYPING_ON_EVERY = 3000;
  const TYPING_IDLE = 4000;
  const LABELS = { customer: 'You', bot: 'Assistant', agent: 'Agent', system: 'Notice' };
  const MODES = {
    bot: 'Automated assistant',
    queued: 'Waiting for a member of our team…',
    agent: 'Chatting with our team',
    closed: 'This conversation has ended',
  };
  // Modes in which a person may be reading along (so the shopper's typing is worth telling).
  const HUMAN_MODES = new Set(['queued', 'agent']);

  /* ---------- storage ---------- */

  // localStorage throws in some privacy modes; then the widget still works for this page.
  const memory = {};
  function load() {
    let raw = memory[STORE_KEY];
    try { raw = localStorage.getItem(STORE_KEY); } catch (_) { /* memory copy only */ }
    try { return raw ? JSON.parse(raw) : null; } catch (_) { return null; }
  }
  function save(value) {
    const raw = JSON.stringify(value);
    memory[STORE_KEY] = raw;
    try { localStorage.setItem(STORE_KEY, raw); } catch (_) { /* memory copy only */ }
  }

  // The conversation belongs to whoever the shop says is signed in. A shop may mint a
  // fresh JWT on every page view, so compare its subject, not the whole string; and keep
  // only a fingerprint so the credential itself is never written to storage.
  function identityOf(token) {
    if (!token) return '';
    try {
      const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      if (claims && claims.sub != null) return `${claims.iss || ''}|${claims.sub}`;
    } catch (_) { /* not a JWT: compare the whole token */ }
    return token;
  }
  function fingerprint(s) { // cyrb53: not for security, just to avoid storing the token
    let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h2 >>> 0).toString(16) + (h1 >>> 0).toString(16);
  }
  const IDENTITY = CUSTOMER_TOKEN ? fingerprint(identityOf(CUSTOMER_TOKEN)) : '';

  // Always read-modify-write, so two open tabs don't overwrite each other's outbox.
  // A different signed-in customer gets a clean record: neither the old conversation
  // nor the old customer's unsent texts carry over.
  function readStore() {
    const s = load();
    if (!s || s.customer !== IDENTITY) {
      return { customer: IDENTITY, id: null, token: null, lastSeq: 0, outbox: [], rated: null };
    }
    if (!Array.isArray(s.outbox)) s.outbox = [];
    return s;
  }
  function updateStore(fn) { const s = readStore(); fn(s); save(s); return s; }
  function dropFromOutbox(cmid) {
    updateStore((s) => { s.outbox = s.outbox.filter((m) => m.cmid !== cmid); });
  }

  /* ---------- small helpers ---------- */

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

  // Builds elements; string children become text nodes, so nothing here parses HTML.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, v);
    for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
    return el;
  }

  function hhmm(iso) {
    // Some engines reject more than 3 fractional digits (Python's isoformat gives 6).
    const d = new Date(String(iso).replace(/(\.\d{3})\d+/, '$1'));
    if (isNaN(d)) return '';
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  }

  // Icons are constant markup written by us; no server or user text ever goes through here.
  const SVG_NS = 'http://www.w3.org/2000/svg';
  function icon(d, cls) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    if (cls) svg.setAttribute('class', cls);
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  }
  const ICON_CHAT = 'M4 5h16v11H8l-4 4z';
  const ICON_CLOSE = 'M6 6l12 12M18 6L6 18';
  const ICON_DOWN = 'M6 9l6 6 6-6';
  const ICON_SEND = 'M4 12l16-8-6 16-2-6z';

  /* ---------- DOM ---------- */

  const host = h('div', { id: 'frontdesk-widget' });
  const root = host.attachShadow({ mode: 'open' });

  const launcher = h('button', {
    type: 'button', class: 'launcher', 'data-fd': 'launcher',
    'aria-label': 'Open chat', 'aria-expanded': 'false', 'aria-controls': 'fd-panel',
  }, icon(ICON_CHAT, 'icon-open'), icon(ICON_DOWN, 'icon-close'));
  const badge = h('span', { class: 'badge', hidden: '', 'aria-hidden': 'true' });
  launcher.append(badge);

  const subtitle = h('p', { class: 'subtitle' }, MODES.bot);
  const closeBtn = h('button', {
    type: 'button', class: 'close', 'data-fd': 'close', 'aria-label': 'Close chat',
  }, icon(ICON_CLOSE));
  const greeting = h('div', { class: 'msg msg--bot msg--greeting', 'data-fd': 'greeting' },
    h('span', { class: 'sr' }, `${LABELS.bot}: `),
    h('div', { class: 'msg__text' }, GREETING));
  // tabindex so keyboard users can scroll the history.
  const log = h('div', {
    class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages', tabindex: '0',
  }, greeting);
  const typingSlot = h('div', { class: 'typing-slot', 'aria-live': 'polite' });
  // The assistant's dots say who only to screen readers; a person's name is shown.
  const typingLabel = h('span', { class: 'sr', 'data-fd': 'typing-label' }, 'Assistant is typing');
  const typing = h('div', { class: 'typing', 'data-fd': 'typing' },
    h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), typingLabel);
  // Where the shopper stands in the queue for a person, while waiting.
  const waitBanner = h('p', { class: 'wait', 'data-fd': 'wait', role: 'status', hidden: '' });
  // The rating form once an agent has closed the conversation (and the thanks after).
  const ratingSlot = h('div', { class: 'rating-slot', 'data-fd': 'rating-slot' });
  const options = h('div', {
    class: 'options', 'data-fd': 'options', role: 'group', 'aria-label': 'Suggested replies', hidden: '',
  });
  const status = h('p', { class: 'status', 'data-fd': 'status', 'data-state': 'connecting', role: 'status' });
  const input = h('textarea', {
    id: 'fd-input', class: 'input', 'data-fd': 'input', rows: '1',
    placeholder: 'Type your message…', enterkeyhint: 'send', autocomplete: 'off',
  });
  const sendBtn = h('button', {
    type: 'submit', class: 'send', 'data-fd': 'send', 'aria-label': 'Send message',
  }, icon(ICON_SEND));
  const form = h('form', { class: 'composer' },
    h('label', { class: 'sr', for: 'fd-input' }, 'Message'), input, sendBtn);
  const panel = h('section', {
    id: 'fd-panel', class: 'panel', 'data-fd': 'panel', role: 'dialog', 'aria-label': TITLE, hidden: '',
  },
  h('header', { class: 'head' },
    h('div', { class: 'head__text' }, h('h2', { class: 'title' }, TITLE), subtitle), closeBtn),
  waitBanner, log, typingSlot, ratingSlot, options, status, form);

  // The inline rule keeps the unstyled markup invisible until widget.css has loaded
  // (widget.css, which comes later in the cascade, turns .fd back on).
  root.append(
    h('style', {}, ':host{all:initial}.fd{display:none}'),
    h('link', { rel: 'stylesheet', href: `${BASE}/widget.css` }),
    h('div', { class: 'fd' }, launcher, panel));

  /* ---------- state ---------- */

  let conv = null;          // {id, token} of the current conversation
  let ws = null;            // the live socket; callbacks from older sockets are ignored
  let ready = false;        // `ready` received on `ws`
  let everReady = false;    // picks "connecting" vs "reconnecting" for the status line
  let lastSeq = 0;          // highest seq rendered in this page: the `after` of the next hello
  let attempt = 0;          // consecutive failures, for backoff
  let serverErrors = 0;     // consecutive error frames, for the resend backoff
  let retryTimer = null;
  let creating = null;      // in-flight POST, so open() and send() don't create two
  let typingTimer = null;
  let mode = 'bot';         // the conversation's mode as last heard
  let agentName = '';       // the person the shopper is chatting with, once one joined
  let historyEnd = 0;       // events up to this seq were stored before the last `ready`
  let wait = null;          // the latest queue estimate, while queued
  let typingOnAt = 0;       // when the shopper's last typing "on" went out
  let typingSent = false;   // an "on" went out and its "off" has not
  let typingIdle = null;
  const bySeq = new Map();       // seq -> bubble: never render a seq twice
  const unconfirmed = new Map(); // client_message_id -> bubble still waiting for its event

  {
    const s = readStore();
    save(s); // drops another customer's record right away
    if (s.id && s.token) conv = { id: s.id, token: s.token };
  }
  // Messages newer than this arriving while the panel is closed light the unread badge.
  let seenAtLoad = readStore().lastSeq || 0;

  /* ---------- rendering ---------- */

  function bubble(source, author) {
    // A person from the shop's team is shown by name ("Sam"); the rest by role.
    const who = source === 'agent' && author ? String(author) : (LABELS[source] || source);
    const el = h('div', { class: `msg msg--${source}`, 'data-fd': 'message', 'data-source': source },
      h('span', { class: 'sr' }, `${who}: `),
      h('div', { class: 'msg__text', 'data-fd': 'text' }),
      h('div', { class: 'msg__meta' }, h('time'), h('span', { class: 'msg__note' })));
    if (source === 'agent') {
      el.prepend(h('span', { class: 'msg__author', 'data-fd': 'author', 'aria-hidden': 'true' }, who));
    }
    return el;
  }
  function setText(el, text) { el.querySelector('[data-fd=text]').textContent = text; }

  // Links a reply carries (a calendar file, a page to manage a booking): paths on the
  // frontdesk server, so they resolve against BASE, not the shop page. Anything but
  // http(s) (javascript:, data:) is dropped.
  function safeUrl(raw) {
    try {
      const url = new URL(String(raw), BASE);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (_) { return null; }
  }
  function setLinks(el, links) {
    const old = el.querySelector('[data-fd=links]');
    if (old) old.remove();
    const anchors = (Array.isArray(links) ? links : []).map((link) => {
      const href = link && link.label ? safeUrl(link.url) : null;
      return href && h('a', {
        class: 'msg__link', 'data-fd': 'link', href, target: '_blank', rel: 'noopener',
      }, String(link.label));
    }).filter(Boolean);
    if (anchors.length) {
      el.querySelector('[data-fd=text]').after(h('div', { class: 'msg__links', 'data-fd': 'links' }, ...anchors));
    }
  }
  function setTime(el, iso) {
    const t = el.querySelector('time');
    t.dateTime = iso;
    t.textContent = hhmm(iso);
  }
  function setState(el, state, note) {
    el.dataset.state = state;
    el.querySelector('.msg__note').textContent = note || '';
  }

  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // Stored messages go above the ones still sending, so the history reads in seq order
  // even while the outbox is being flushed.
  function placeStored(el) {
    const firstPending = log.querySelector('[data-fd=message][data-state=pending]');
    log.insertBefore(el, firstPending);
  }

  function renderPending(item) {
    const el = bubble('customer');
    el.dataset.cmid = item.cmid;
    setText(el, item.text);
    setTime(el, item.at);
    setState(el, 'pending', 'Sending…');
    unconfirmed.set(item.cmid, el);
    log.append(el);
    scrollDown();
  }

  function onEvent(ev) {
    if (!ev || typeof ev.seq !== 'number') return;
    const cmid = ev.client_message_id;
    if (cmid) dropFromOutbox(cmid);
    if (bySeq.has(ev.seq)) return;
    const stick = nearBottom();

    // Our own message coming back: the pending bubble becomes the stored one.
    let el = cmid && unconfirmed.get(cmid);
    if (el) {
      unconfirmed.delete(cmid);
      el.remove();
    } else {
      el = bubble(ev.source, ev.author);
    }
    el.dataset.seq = ev.seq;
    if (ev.kind === 'mode' && ev.mode) el.dataset.mode = ev.mode;
    setText(el, ev.text || '');
    if (ev.source === 'bot' && ev.reply) setLinks(el, ev.reply.links);
    setTime(el, ev.at);
    setState(el, 'sent');
    if (!ev.text) el.hidden = true; // e.g. a bare mode change: keep the seq, show nothing
    bySeq.set(ev.seq, el);
    placeStored(el);
    if (stick || ev.source === 'customer') scrollDown();

    lastSeq = Math.max(lastSeq, ev.seq);
    updateStore((s) => { if (conv && s.id === conv.id) s.lastSeq = Math.max(s.lastSeq || 0, ev.seq); });

    if (ev.source === 'bot' || ev.source === 'agent') hideTyping();
    if (ev.author && (ev.source === 'agent' || ev.mode === 'agent')) agentName = String(ev.author);
    // History replayed after `ready` shows what happened; the mode, banner and rating
    // form follow `ready` (the mode now), so only a live change moves them.
    if (ev.kind === 'mode' && ev.mode && ev.seq > historyEnd) setMode(ev.mode);
    else showSubtitle(); // the agent's name, once the history has told it
    // Quick replies belong to the newest event only, and only when that is the bot's.
    const opts = ev.source === 'bot' && ev.reply && ev.reply.options;
    showOptions(Array.isArray(opts) ? opts : []);
    if (!isOpen() && ev.seq > seenAtLoad && (ev.source === 'bot' || ev.source === 'agent')) {
      badge.hidden = false;
      launcher.setAttribute('aria-label', 'Open chat (new message)');
    }
  }

  function showOptions(list) {
    options.replaceChildren(...list.filter((o) => o && o.label).map((o) =>
      (String(o.id || '').startsWith('date:') ? datePicker(o)
        : h('button', { type: 'button', class: 'option', 'data-fd': 'option' }, String(o.label)))));
    options.hidden = options.childElementCount === 0;
  }

  // An option "date:MIN:MAX" (ISO dates) is a date input limited to MIN..MAX; "Show
  // times" sends the chosen date as YYYY-MM-DD, which the assistant reads as a day.
  let datePickers = 0;
  function datePicker(o) {
    const [, min, max] = String(o.id).split(':');
    const id = `fd-date-${++datePickers}`;
    const field = h('input', {
      id, type: 'date', class: 'date-input', 'data-fd': 'date-input',
      min: ISO_DAY.test(min || '') ? min : null, max: ISO_DAY.test(max || '') ? max : null,
    });
    const go = h('button', { type: 'button', class: 'option option--go', 'data-fd': 'date-go' }, 'Show times');
    return h('div', { class: 'date-pick', 'data-fd': 'date-pick' },
      h('label', { class: 'date-pick__label', for: id }, String(o.label)), field, go);
  }
  function sendDate(pick) {
    const field = pick.querySelector('[data-fd=date-input]');
    const day = field.value;
    // Out of range or half-typed: let the browser say why, and keep the picker up.
    if (!ISO_DAY.test(day) || (field.min && day < field.min) || (field.max && day > field.max)) {
      if (field.reportValidity) field.reportValidity();
      field.focus();
      return;
    }
    sendText(day);
    input.focus();
  }

  // Starters only before anything is said: no history, nothing waiting to be sent.
  function showStarters() {
    if (STARTERS.length && lastSeq === 0 && bySeq.size === 0 && unconfirmed.size === 0 &&
        readStore().outbox.length === 0) showOptions(STARTERS);
  }

  function showTyping(source, name) {
    const person = source === 'agent';
    // The assistant works in the background while a person has the chat: no dots then.
    if (!person && mode === 'agent') return;
    const who = person ? String(name || agentName || 'Agent') : 'Assistant';
    typingLabel.textContent = person ? `${who} is typing…` : `${who} is typing`;
    typingLabel.className = person ? 'typing__label' : 'sr';
    typing.dataset.source = person ? 'agent' : 'bot';
    if (!typing.isConnected) {
      const stick = nearBottom();
      typingSlot.append(typing);
      if (stick) scrollDown();
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    typing.remove();
  }

  function setMode(next) {
    const changed = next !== mode;
    mode = next || 'bot';
    showSubtitle();
    if (mode !== 'queued') wait = null; // the banner is for the queue only
    renderWait();
    if (mode === 'closed') showRating(); else hideRating();
    if (changed && !HUMAN_MODES.has(mode)) stopTyping();
  }

  function showSubtitle() {
    const text = mode === 'agent' && agentName ? `Chatting with ${agentName}` : (MODES[mode] || '');
    if (subtitle.textContent !== text) subtitle.textContent = text;
  }

  /* ---------- waiting for a person ---------- */

  function minutes(seconds) {
    const m = Math.max(1, Math.round(Number(seconds) / 60));
    return m === 1 ? 'about a minute' : `about ${m} minutes`;
  }
  function clock(at) { // epoch seconds or ISO text
    const d = typeof at === 'number' ? new Date(at * 1000) : new Date(String(at).replace(/(\.\d{3})\d+/, '$1'));
    return isNaN(d) ? '' : hhmm(d.toISOString());
  }
  function waitText(w) {
    if (w.text) return String(w.text);
    const parts = [];
    const n = Number(w.position);
    if (n === 1) parts.push("You're next in the queue");
    else if (n > 1) parts.push(`You're number ${n} in the queue`);
    if (w.open_now === false && w.opens_at != null && clock(w.opens_at)) {
      parts.push(`our team is back at ${clock(w.opens_at)}`);
    } else if (w.seconds != null && isFinite(Number(w.seconds))) {
      parts.push(minutes(w.seconds));
    }
    return parts.length ? `${parts.join('; ')}.` : 'Waiting for a member of our team…';
  }
  function renderWait() {
    const show = wait && mode === 'queued';
    waitBanner.textContent = show ? waitText(wait) : '';
    waitBanner.hidden = !show;
  }
  function onWait(w) {
    if (!w || typeof w !== 'object') return;
    wait = w;
    // A frame may beat the mode event it belongs to: kept, and shown once queued.
    renderWait();
  }

  /* ---------- rating, once an agent has closed the chat ---------- */

  let rating = null; // the form while it is up
  function rated() { return !!(conv && readStore().rated === conv.id); }

  function showRating() {
    if (!conv || rated() || rating) return;
    const scores = [1, 2, 3, 4, 5].map((n) => h('button', {
      type: 'button', class: 'rating__score', 'data-fd': 'rating-score', 'data-score': String(n),
      'aria-pressed': 'false',
    }, String(n)));
    const comment = h('textarea', {
      id: 'fd-rating-comment', class: 'rating__comment', 'data-fd': 'rating-comment', rows: '2',
      maxlength: '2000', placeholder: 'Anything you would like to add? (optional)',
    });
    const send = h('button', { type: 'submit', class: 'rating__send', 'data-fd': 'rating-send', disabled: '' }, 'Send');
    const error = h('p', { class: 'rating__error', 'data-fd': 'rating-error', role: 'alert', hidden: '' });
    const el = h('form', { class: 'rating', 'data-fd': 'rating', 'aria-labelledby': 'fd-rating-title' },
      h('p', { class: 'rating__title', id: 'fd-rating-title' }, 'How did we do?'),
      h('div', { class: 'rating__scores', role: 'group', 'aria-label': 'Rate from 1 (poor) to 5 (great)' },
        h('span', { class: 'rating__end', 'aria-hidden': 'true' }, 'Poor'), ...scores,
        h('span', { class: 'rating__end', 'aria-hidden': 'true' }, 'Great')),
      h('label', { class: 'sr', for: 'fd-rating-comment' }, 'Comment (optional)'),
      h('div', { class: 'rating__row' }, comment, send), error);
    let score = 0;
    el.addEventListener('click', (e) => {
      const btn = e.target.closest('[data-fd=rating-score]');
      if (!btn) return;
      score = Number(btn.dataset.score);
      for (const b of scores) b.setAttribute('aria-pressed', String(b === btn));
      send.disabled = false;
    });
    el.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!score || send.disabled) return;
      send.disabled = true;
      error.hidden = true;
      if (await postRating(score, comment.value.trim())) {
        thankForRating();
      } else {
        error.textContent = 'Sorry, that did not go through. Please try again.';
        error.hidden = false;
        send.disabled = false;
      }
    });
    rating = el;
    ratingSlot.replaceChildren(el);
    if (isOpen()) scrollDown();
  }
  function hideRating() {
    rating = null;
    ratingSlot.replaceChildren();
  }
  function thankForRating() {
    rating = null;
    const focused = root.activeElement && ratingSlot.contains(root.activeElement);
    updateStore((s) => { if (conv && s.id === conv.id) s.rated = conv.id; });
    ratingSlot.replaceChildren(h('p', {
      class: 'rating__thanks', 'data-fd': 'rating-thanks', role: 'status',
    }, 'Thanks for your feedback'));
    if (focused) input.focus();
  }
  // True once the server has it, or says there is nothing (more) to rate (409).
  async function postRating(score, comment) {
    if (!conv) return false;
    try {
      const res = await fetch(`${BASE}/api/conversations/${encodeURIComponent(conv.id)}/rating`, {
        method: 'POST',
        credentials: 'omit',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${conv.token}` },
        body: JSON.stringify({ score, comment }),
      });
      return res.ok || res.status === 409;
    } catch (_) {
      return false;
    }
  }

  /* ---------- the shopper's typing, for the agent ---------- */

  function sendTyping(on) {
    if (!ws || !ready || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify({ type: 'typing', on }));
    return true;
  }
  function noteTyping() {
    if (!HUMAN_MODES.has(mode)) return;
    if (!input.value.trim()) { stopTyping(); return; }
    const now = Date.now();
    // Still typing after 3 s: "on" again, which keeps the agent's indicator up.
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

  const STATUS_TEXT = {
    connected: '',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    offline: 'You are offline. Messages will be sent when the connection is back.',
  };
  function setStatus(state) {
    if (state !== 'connected' && navigator.onLine === false) state = 'offline';
    status.dataset.state = state;
    status.textContent = STATUS_TEXT[state];
  }

  /* ---------- connection ---------- */

  function retryLater(fn, seconds) {
    clearTimeout(retryTimer);
    // Full backoff with jitter, so a server restart isn't hit by every widget at once.
    const delay = seconds != null ? seconds * 1000
      : Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
    setStatus(everReady ? 'reconnecting' : 'connecting');
    retryTimer = setTimeout(fn, delay);
  }

  let sendTimezone = TIMEZONE != null;
  async function createConversation() {
    setStatus(everReady ? 'reconnecting' : 'connecting');
    try {
      const body = {};
      if (customerToken) body.customer_token = customerToken;
      if (sendTimezone) body.timezone = TIMEZONE;
      const res = await fetch(`${BASE}/api/conversations`, {
        method: 'POST',
        credentials: 'omit', // the API uses tokens; never send the host page's cookies
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status === 401 && customerToken) {
        console.warn('frontdesk: the customer token was refused; chatting anonymously');
        customerToken = null;
        return createConversation();
      }
      if (res.status === 422 && sendTimezone) { // an older server: chat without it
        sendTimezone = false;
        return createConversation();
      }
      if (res.status === 429) {
        retryLater(ensureConversation, Number(res.headers.get('Retry-After')) || null);
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const started = await res.json();
      conv = { id: String(started.conversation.id), token: started.token };
      updateStore((s) => { s.id = conv.id; s.token = conv.token; s.lastSeq = 0; });
      seenAtLoad = 0;
      historyEnd = 0;
      setMode(started.conversation.mode);
      connect();
    } catch (_) {
      retryLater(ensureConversation);
    }
  }

  function ensureConversation() {
    if (conv) { if (!ws && !retryTimer) connect(); return; }
    if (!creating) creating = createConversation().finally(() => { creating = null; });
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (!conv) { ensureConversation(); return; }
    if (ws) return;
    setStatus(everReady ? 'reconnecting' : 'connecting');
    let sock;
    try {
      sock = new WebSocket(`${WS_BASE}/api/conversations/${encodeURIComponent(conv.id)}/ws`);
    } catch (_) {
      retryLater(connect);
      return;
    }
    ws = sock;
    ready = false;
    const { token } = conv;
    // after=0 on the first hello in this page renders the whole history; later ones resume.
    sock.onopen = () => sock.send(JSON.stringify({ type: 'hello', token, after: lastSeq }));
    sock.onmessage = (e) => { if (ws === sock) onFrame(e.data); };
    sock.onclose = (e) => { if (ws === sock) onClose(e.code); };
  }

  function onClose(code) {
    ws = null;
    ready = false;
    typingSent = false; // a new socket starts with nothing shown to the agent
    hideTyping();
    if (code === 4404) {
      forgetConversation();
      retryLater(ensureConversation);
    } else {
      retryLater(connect);
    }
  }

  // The server no longer knows this conversation. Its history goes; texts the customer
  // has not seen stored stay in the outbox and are sent in the new conversation.
  function forgetConversation() {
    conv = null;
    lastSeq = 0;
    bySeq.clear();
    historyEnd = 0;
    agentName = '';
    updateStore((s) => { s.id = null; s.token = null; s.lastSeq = 0; s.rated = null; });
    const keep = new Set(readStore().outbox.map((m) => m.cmid));
    for (const el of log.querySelectorAll('[data-fd=message]')) {
      if (keep.has(el.dataset.cmid)) {
        delete el.dataset.seq;
        setState(el, 'pending', 'Sending…');
      } else {
        el.remove();
        unconfirmed.delete(el.dataset.cmid);
      }
    }
    showOptions([]);
    setMode('bot');
    showStarters();
  }

  function transmit(item) {
    if (!ws || !ready || ws.readyState !== WebSocket.OPEN) return; // the next `ready` resends it
    ws.send(JSON.stringify({ type: 'message', text: item.text, client_message_id: item.cmid }));
  }

  function onFrame(raw) {
    let f;
    try { f = JSON.parse(raw); } catch (_) { return; }
    if (!f || typeof f !== 'object') return;
    if (f.type === 'ready') {
      ready = true;
      everReady = true;
      attempt = 0;
      setStatus('connected');
      if (f.conversation) {
        historyEnd = Number(f.conversation.last_seq) || 0;
        // The estimate while queued: on the conversation (as documented) or on the frame.
        const w = f.conversation.wait || f.wait;
        if (w && typeof w === 'object') wait = w;
        setMode(f.conversation.mode);
      }
      if (f.conversation && f.conversation.last_seq === 0) showStarters();
      // Resend everything not yet seen stored; the server deduplicates by client_message_id.
      for (const item of readStore().outbox) {
        if (!unconfirmed.has(item.cmid)) renderPending(item); // queued by another tab
        transmit(item);
      }
    } else if (f.type === 'event') {
      onEvent(f.event);
    } else if (f.type === 'typing') {
      // The shopper's own typing comes back through the conversation's fan-out: not news.
      if (f.source === 'customer') return;
      if (f.on) showTyping(f.source, f.name);
      // An "off" ends only its own side's indicator (the assistant's, or the person's).
      else if (!f.source || (typing.dataset.source || 'bot') === (f.source === 'agent' ? 'agent' : 'bot')) hideTyping();
    } else if (f.type === 'wait') {
      onWait(f.wait);
    } else if (f.type === 'ack') {
      serverErrors = 0;
      const el = unconfirmed.get(f.client_message_id);
      if (!el) return;
      if (bySeq.has(f.seq)) { // its event already rendered through another path
        el.remove();
        unconfirmed.delete(f.client_message_id);
        dropFromOutbox(f.client_message_id);
        return;
      }
      el.dataset.seq = f.seq;
      setState(el, 'sent');
    } else if (f.type === 'error') {
      onErrorFrame(f);
    }
  }

  // Errors about the message itself: resending the same text cannot help.
  const FINAL_ERRORS = new Set(['message_too_long', 'invalid_message', 'input_error']);

  function onErrorFrame(f) {
    const err = f.error || {};
    const cmid = f.client_message_id;
    if (!FINAL_ERRORS.has(err.code)) {
      // rate_limited, storage_error, internal_error …: the server may already hold
      // the message, or will take it later; keep it and resend (deduplicated there).
      const wait = f.retry_after != null ? Number(f.retry_after) * 1000
        : Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** Math.min(serverErrors++, 5));
      setTimeout(() => {
        for (const item of readStore().outbox) if (!cmid || item.cmid === cmid) transmit(item);
      }, wait);
      return;
    }
    if (!cmid) return;
    dropFromOutbox(cmid);
    const el = unconfirmed.get(cmid);
    if (!el) return;
    unconfirmed.delete(cmid);
    setState(el, 'failed', err.message || 'This message could not be sent.');
  }

  /* ---------- sending ---------- */

  function sendText(raw) {
    const text = String(raw).trim();
    if (!text) return;
    const item = { cmid: uuid(), text, at: new Date().toISOString() };
    updateStore((s) => { s.outbox.push(item); });
    renderPending(item);
    showOptions([]);
    transmit(item);
    ensureConversation();
  }

  function resizeInput() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  /* ---------- open / close ---------- */

  function isOpen() { return !panel.hidden; }

  function open() {
    if (!isOpen()) {
      panel.hidden = false;
      launcher.setAttribute('aria-expanded', 'true');
      launcher.setAttribute('aria-label', 'Close chat');
      badge.hidden = true;
      scrollDown();
    }
    ensureConversation();
    input.focus();
  }

  function close() {
    if (!isOpen()) return;
    // Return focus only if it was inside the widget; a host-page close() must not steal it.
    const hadFocus = root.activeElement != null;
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', 'Open chat');
    if (hadFocus) launcher.focus();
  }

  /* ---------- wiring ---------- */

  launcher.addEventListener('click', () => (isOpen() ? close() : open()));
  closeBtn.addEventListener('click', close);
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && isOpen()) { e.preventDefault(); close(); }
  });
  function submitInput() {
    stopTyping();
    sendText(input.value);
    input.value = '';
    resizeInput();
    input.focus();
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); submitInput(); });
  input.addEventListener('keydown', (e) => {
    // isComposing: Enter that confirms an IME candidate (Japanese, Chinese…) must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submitInput();
    }
  });
  input.addEventListener('input', () => { resizeInput(); noteTyping(); });
  options.addEventListener('click', (e) => {
    const go = e.target.closest('[data-fd=date-go]');
    if (go) { sendDate(go.closest('[data-fd=date-pick]')); return; }
    const btn = e.target.closest('[data-fd=option]');
    if (!btn) return;
    sendText(btn.textContent);
    input.focus();
  });
  options.addEventListener('keydown', (e) => {
    // Enter in the date field sends it, as "Show times" does.
    if (e.key === 'Enter' && e.target.matches && e.target.matches('[data-fd=date-input]')) {
      e.preventDefault();
      sendDate(e.target.closest('[data-fd=date-pick]'));
    }
  });
  document.addEventListener('click', (e) => {
    const t = e.target instanceof Element && e.target.closest('[data-frontdesk-open]');
    if (t) { e.preventDefault(); open(); }
  });
  window.addEventListener('online', () => { attempt = 0; if (conv || readStore().outbox.length) connect(); });
  window.addEventListener('offline', () => { if (!ready) setStatus('offline'); });

  function mount() {
    setStatus('connecting');
    document.body.append(host);
    // Outbox texts from before a reload are shown straight away as "sending".
    for (const item of readStore().outbox) renderPending(item);
    if (!conv) showStarters(); // a known conversation shows them once it says it is empty
    if (conv || readStore().outbox.length) connect();
  }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);

  window.FrontdeskWidget = Object.freeze({ open, close, isOpen });
})();
