// The connections page (settings/connections): polls GET /api/v1/connections
// and moves each connection's state, progress bar and sync times as its
// sync goes on. The page works without it; it only saves a reload.
(function () {
  'use strict';
  const root = document.getElementById('connections');
  if (!root || !window.fetch) { return; }
  const every = 2000;
  const tz = root.dataset.tz || 'UTC';
  let stamp;
  try {
    // sv-SE writes 2026-11-23 10:00, as the page does.
    stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  } catch (e) {
    stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }
  const when = (iso, none) => (iso ? stamp.format(new Date(iso)) : none);
  const grouped = (n) => n.toLocaleString('en-US');
  const set = (el, text) => { if (el && el.textContent !== text) { el.textContent = text; } };

  // typing: someone is filling in a form, so the page must not reload.
  const typing = () => Array.from(document.querySelectorAll('form.add-connection input:not([type=hidden])'))
    .some((el) => el.value !== el.defaultValue) || document.activeElement instanceof HTMLInputElement;

  function update(section, c) {
    set(section.querySelector('.state'), c.state);
    set(section.querySelector('.phase'), c.phase ? ' · ' + c.phase : '');
    const bar = section.querySelector('progress.bar');
    let records;
    if (c.total > 0) {
      const pct = Math.min(100, Math.floor(c.done * 100 / c.total));
      bar.value = pct;
      records = grouped(c.done) + ' of ' + grouped(c.total) + ' records (' + pct + '%)';
    } else if (c.total === 0) {
      bar.value = 100;
      records = 'nothing to read';
    } else {
      if (c.state === 'current') { bar.value = 100; } else { bar.removeAttribute('value'); }
      records = grouped(c.done) + ' records so far';
    }
    set(bar, records);
    set(section.querySelector('.records'), records);
    set(section.querySelector('.last'), when(c.last_sync_at, 'never'));
    set(section.querySelector('.next'), when(c.next_sync_at, 'when due'));
    const reason = section.querySelector('.reason');
    set(reason.querySelector('.reason-text'), c.reason);
    reason.hidden = !c.reason;
  }

  async function poll() {
    let body;
    try {
      const resp = await fetch(root.dataset.poll, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!resp.ok) { return; }
      body = await resp.json();
    } catch (e) {
      return; // the server is restarting: try again at the next turn
    }
    const sections = new Map(Array.from(root.querySelectorAll('section.connection')).map((s) => [s.dataset.name, s]));
    let changed = body.connections.length !== sections.size;
    for (const c of body.connections) {
      const section = sections.get(c.name);
      if (!section) { changed = true; continue; }
      if (section.dataset.state !== c.state) { changed = true; }
      update(section, c);
    }
    // A new state brings other buttons and advice: the page draws them.
    if (changed && !typing()) { window.location.reload(); }
  }

  let timer = null;
  const start = () => { if (timer === null) { timer = window.setInterval(poll, every); } };
  const stop = () => { if (timer !== null) { window.clearInterval(timer); timer = null; } };
  document.addEventListener('visibilitychange', () => { if (document.hidden) { stop(); } else { poll(); start(); } });
  start();
}());
