/*
 * Booking pages: adds the visitor's own clock beside a shop time when the two differ
 * ("11:30–12:00 (Tue 12:30 your time)"). Optional: the pages work without it.
 */
(() => {
  'use strict';
  let mine;
  try { mine = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (_) { return; }
  const clock = (zone) => new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  for (const el of document.querySelectorAll('time[data-shop-zone]')) {
    const at = new Date(el.dateTime);
    if (isNaN(at)) continue;
    let shop;
    try { shop = clock(el.dataset.shopZone).format(at); } catch (_) { continue; }
    const local = clock(mine).format(at);
    if (local === shop) continue;
    const note = document.createElement('span');
    note.className = 'local-time';
    note.textContent = ` (${local} your time)`;
    el.after(note);
  }
})();
