// The desk's pages (the inbox and a conversation): live updates from
// /inbox/events, keyboard shortcuts, and forms sent without leaving the
// page. Every form also works without this script. Loaded with defer by
// the desk's pages only. docs/desk.md describes the shortcuts.
(function () {
  'use strict';

  const desk = document.getElementById('desk');
  if (!desk) {
    return;
  }
  const page = desk.dataset.page;
  const userID = Number(desk.dataset.userId);
  const conversationID = Number(desk.dataset.conversationId || 0);

  // The shortcuts, as the help overlay lists them.
  const shortcuts = {
    inbox: [['j / k', 'next / previous conversation'], ['o or Enter', 'open it'], ['x', 'select it for a bulk action'],
      ['e', 'close it (or the selected ones)'], ['a', 'assign it to me'], ['/', 'search'], ['?', 'this help']],
    conversation: [['r', 'reply: go to the composer'], ['n', 'write a note'], ['Ctrl+Enter or ⌘+Enter', 'send (in the composer or the note)'],
      ['e', 'close the conversation'], ['a', 'assign it to me'], ['s', 'snooze: choose until when'], ['u', 'back to the inbox'], ['?', 'this help']],
  };

  // typingIn reports whether a key goes to a field: shortcuts never fire
  // while someone types.
  function typingIn(el) {
    if (!el) {
      return false;
    }
    const tag = el.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
  }

  // api sends JSON to the API with the session's cookie.
  async function api(path, body) {
    const res = await fetch(path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw new Error((data.error && data.error.message) || ('HTTP ' + res.status));
    }
    return data;
  }

  function notice(text) {
    let el = document.getElementById('desk-notice');
    if (!el) {
      el = document.createElement('p');
      el.id = 'desk-notice';
      el.className = 'notice';
      el.setAttribute('role', 'alert');
      desk.parentNode.insertBefore(el, desk);
    }
    el.textContent = text;
    el.hidden = !text;
  }

  // swap replaces the page's regions with those of html (the same page
  // drawn again), leaving alone a region someone is typing in unless
  // force lists it. The server escaped everything in html; parsing it runs
  // no script.
  function swap(html, ids, force) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    ids.forEach((id) => {
      const now = document.getElementById(id);
      const next = doc.getElementById(id);
      if (!now || !next) {
        return;
      }
      if (now.contains(document.activeElement) && typingIn(document.activeElement) && !(force || []).includes(id)) {
        return;
      }
      now.replaceWith(document.importNode(next, true));
    });
    const served = doc.querySelector('main > p.notice');
    notice(served ? served.textContent : '');
  }

  async function fetchPage(url) {
    const res = await fetch(url || location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    return res.text();
  }

  // Live updates: the server says which conversations changed; the page
  // fetches itself again and swaps what moved. No reload: what is typed,
  // selected and scrolled stays.
  let refreshing = null;
  function refreshSoon(regions) {
    if (refreshing) {
      return;
    }
    refreshing = setTimeout(async () => {
      try {
        const html = await fetchPage();
        const kept = keepSelection();
        swap(html, regions);
        restoreSelection(kept);
        wire();
      } catch (e) {
        // The next change tries again.
      } finally {
        refreshing = null;
      }
    }, 250);
  }

  function listen() {
    if (!window.EventSource) {
      return;
    }
    const es = new EventSource('/inbox/events?since=' + encodeURIComponent(desk.dataset.since || ''));
    es.addEventListener('open', () => { desk.dataset.live = 'open'; });
    es.addEventListener('error', () => { desk.dataset.live = 'retrying'; });
    es.addEventListener('changed', (ev) => {
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (page === 'inbox') {
        refreshSoon(['inbox-views', 'inbox-list']);
      } else if (data.all || (data.ids || []).includes(conversationID)) {
        refreshSoon(['conv-head', 'thread', 'conv-controls']);
      }
    });
  }

  // The help overlay.
  function toggleHelp() {
    let el = document.getElementById('shortcut-help');
    if (el) {
      el.remove();
      return;
    }
    el = document.createElement('div');
    el.id = 'shortcut-help';
    el.setAttribute('role', 'dialog');
    el.setAttribute('aria-label', 'Keyboard shortcuts');
    const h = document.createElement('h2');
    h.textContent = 'Keyboard shortcuts';
    el.appendChild(h);
    const table = document.createElement('table');
    (shortcuts[page] || []).forEach(([key, what]) => {
      const tr = table.insertRow();
      const k = document.createElement('th');
      k.textContent = key;
      tr.appendChild(k);
      tr.insertCell().textContent = what;
    });
    el.appendChild(table);
    const p = document.createElement('p');
    p.className = 'hint';
    p.textContent = 'Shortcuts do nothing while you type in a field. Esc closes this.';
    el.appendChild(p);
    document.body.appendChild(el);
  }

  // ---- The inbox ----

  let current = -1;
  function rows() {
    return Array.from(document.querySelectorAll('#inbox-table tbody tr.conv'));
  }
  function setCurrent(i) {
    const list = rows();
    if (!list.length) {
      current = -1;
      return;
    }
    current = Math.max(0, Math.min(i, list.length - 1));
    list.forEach((tr, j) => tr.classList.toggle('current', j === current));
    list[current].scrollIntoView({ block: 'nearest' });
  }
  function currentRow() {
    return rows()[current];
  }
  function keepSelection() {
    const cur = currentRow();
    return {
      current: cur ? cur.dataset.id : null,
      checked: Array.from(document.querySelectorAll('#inbox-table input[name="ids"]:checked')).map((el) => el.value),
    };
  }
  function restoreSelection(kept) {
    if (page !== 'inbox') {
      return;
    }
    document.querySelectorAll('#inbox-table input[name="ids"]').forEach((el) => {
      el.checked = kept.checked.includes(el.value);
    });
    const list = rows();
    const i = list.findIndex((tr) => tr.dataset.id === kept.current);
    if (i >= 0) {
      setCurrent(i);
    } else if (current >= list.length) {
      setCurrent(list.length - 1);
    }
    countSelected();
  }
  function selectedIDs() {
    return Array.from(document.querySelectorAll('#inbox-table input[name="ids"]:checked')).map((el) => Number(el.value));
  }
  function countSelected() {
    const el = document.getElementById('bulk-count');
    if (el) {
      const n = selectedIDs().length;
      el.textContent = n ? n + ' selected' : 'Select conversations with the boxes (x)';
    }
  }
  async function closeFromInbox() {
    const ids = selectedIDs();
    const row = currentRow();
    try {
      if (ids.length) {
        await api('/api/v1/conversations/bulk', { ids: ids, action: 'close' });
      } else if (row) {
        await api('/api/v1/conversations/' + row.dataset.id + '/state', { state: 'closed' });
      }
    } catch (e) {
      notice(e.message);
    }
    refreshSoon(['inbox-views', 'inbox-list']);
  }
  async function assignFromInbox() {
    const row = currentRow();
    if (!row) {
      return;
    }
    try {
      await api('/api/v1/conversations/' + row.dataset.id + '/assign', { user_id: userID });
    } catch (e) {
      notice(e.message);
    }
    refreshSoon(['inbox-views', 'inbox-list']);
  }
  function inboxKey(ev) {
    switch (ev.key) {
      case 'j':
        setCurrent(current + 1);
        break;
      case 'k':
        setCurrent(current < 0 ? 0 : current - 1);
        break;
      case 'o':
      case 'Enter': {
        const row = currentRow();
        if (!row) {
          return false;
        }
        location.href = row.dataset.url;
        break;
      }
      case 'x': {
        const row = currentRow();
        if (!row) {
          return false;
        }
        const box = row.querySelector('input[name="ids"]');
        box.checked = !box.checked;
        countSelected();
        break;
      }
      case 'e':
        closeFromInbox();
        break;
      case 'a':
        assignFromInbox();
        break;
      case '/': {
        const search = document.getElementById('inbox-search');
        if (search) {
          search.focus();
          search.select();
        }
        break;
      }
      default:
        return false;
    }
    return true;
  }

  // ---- A conversation ----

  // sendForm posts a form of the page as the browser would, and draws
  // what comes back in place: the server answers with the page again
  // (after its redirect), or with the page and the error beside the field.
  async function sendForm(form, submitter) {
    const body = new FormData(form, submitter);
    try {
      const res = await fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin' });
      const html = await res.text();
      if (res.status >= 500 || !res.headers.get('Content-Type').startsWith('text/html')) {
        notice('The server could not do that (' + res.status + '); try again.');
        return;
      }
      // The form sent is drawn again too: emptied after a reply went,
      // or keeping the text beside an error.
      const regions = ['conv-head', 'thread', 'conv-controls', 'reply-form', 'note-form'];
      swap(html, regions, [form.id]);
      wire();
      if (res.ok && form.id === 'reply-form') {
        const thread = document.getElementById('thread');
        if (thread && thread.lastElementChild) {
          thread.lastElementChild.scrollIntoView({ block: 'nearest' });
        }
      }
    } catch (e) {
      notice('The page could not reach the server: ' + e.message);
    }
  }

  // Presence and handle time: a heartbeat every 15 s while the page is
  // open, saying whether the agent types a reply and whether the page is
  // visible and in use (input, pointer or keys in the last minute). The
  // server's clock measures the time; the page only says it is there.
  const beatEvery = 15000;
  const idleAfter = 60000;
  const typingFor = 10000;
  let lastActivity = Date.now();
  let lastTyping = 0;
  let lastBeat = 0;
  function active() {
    return document.visibilityState === 'visible' && Date.now() - lastActivity < idleAfter;
  }
  function typing() {
    const composer = document.getElementById('composer');
    return Date.now() - lastTyping < typingFor && !!composer && composer.value.trim() !== '';
  }
  function showPresence(others) {
    const el = document.getElementById('presence-warning');
    if (!el) {
      return;
    }
    el.replaceChildren();
    others.forEach((o) => {
      const span = document.createElement('span');
      span.className = o.typing ? 'typing' : 'hint';
      span.textContent = o.name + (o.typing ? ' is replying' : ' is viewing');
      el.appendChild(span);
      el.appendChild(document.createTextNode(' '));
    });
  }
  async function beat() {
    lastBeat = Date.now();
    try {
      const out = await api('/api/v1/conversations/' + conversationID + '/presence', { typing: typing(), active: active() });
      showPresence(out.others || []);
      if (out.mentions_read) {
        const bar = document.getElementById('mentions-unread');
        if (bar) {
          bar.remove();
        }
      }
    } catch (e) {
      // The next heartbeat tries again.
    }
  }

  async function fillSavedReply(id) {
    const composer = document.getElementById('composer');
    const missing = document.getElementById('fill-missing');
    if (!composer || !id) {
      return;
    }
    try {
      const out = await api('/api/v1/conversations/' + conversationID + '/fill', { saved_reply_id: Number(id) });
      composer.value = composer.value.trim() ? composer.value.replace(/\s*$/, '\n\n') + out.text : out.text;
      if (missing) {
        missing.textContent = out.missing.length ? 'No value for: ' + out.missing.join(', ') + '. Write it in before sending.' : '';
      }
      composer.focus();
      lastTyping = Date.now();
    } catch (e) {
      notice(e.message);
    }
  }

  // Articles as saved replies (docs/knowledge-base.md#saved-replies): a
  // picker beside the composer lists the knowledge base's published
  // articles, searched by what is typed; choosing one inserts its text for
  // this channel, filled like a saved reply, and shows its internal note
  // to the agent only. Built here, so the page without script is unchanged.
  async function getJSON(path) {
    const res = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw new Error((data.error && data.error.message) || ('HTTP ' + res.status));
    }
    return data;
  }
  function wireArticles() {
    const before = document.getElementById('note-form');
    if (!before || document.getElementById('kb-replies')) {
      return;
    }
    const base = '/api/v1/conversations/' + conversationID + '/articles';
    const box = document.createElement('div');
    box.className = 'inline saved-replies';
    box.id = 'kb-replies';
    const search = document.createElement('input');
    search.type = 'search';
    search.id = 'kb-search';
    search.placeholder = 'Search articles';
    search.setAttribute('aria-label', 'Search knowledge-base articles');
    const label = document.createElement('label');
    label.textContent = 'Article ';
    const select = document.createElement('select');
    select.id = 'kb-article';
    label.appendChild(select);
    const insert = document.createElement('button');
    insert.type = 'button';
    insert.id = 'kb-insert';
    insert.textContent = 'Insert';
    const note = document.createElement('p');
    note.id = 'kb-internal';
    note.className = 'hint';
    note.hidden = true;
    box.append(search, ' ', label, ' ', insert, note);
    before.parentNode.insertBefore(box, before);

    async function list(q) {
      try {
        const out = await getJSON(base + (q ? '?q=' + encodeURIComponent(q) : ''));
        const blank = document.createElement('option');
        blank.value = '';
        blank.textContent = out.articles.length ? '—' : 'no article found';
        select.replaceChildren(blank);
        out.articles.forEach((a) => {
          const o = document.createElement('option');
          o.value = a.slug;
          o.textContent = a.title + (a.locale !== out.locale ? ' (' + a.locale + ')' : '');
          select.appendChild(o);
        });
        box.dataset.loaded = q || '*';
      } catch (e) {
        notice(e.message);
      }
    }
    async function insertArticle() {
      const composer = document.getElementById('composer');
      const missing = document.getElementById('fill-missing');
      if (!composer || !select.value) {
        return;
      }
      try {
        const out = await getJSON(base + '/' + encodeURIComponent(select.value));
        composer.value = composer.value.trim() ? composer.value.replace(/\s*$/, '\n\n') + out.text : out.text;
        if (missing) {
          missing.textContent = out.missing.length ? 'No value for: ' + out.missing.join(', ') + '. Write it in before sending.' : '';
        }
        note.textContent = out.internal ? 'Note for agents: ' + out.internal : '';
        note.hidden = !out.internal;
        composer.focus();
        lastTyping = Date.now();
      } catch (e) {
        notice(e.message);
      }
    }
    let searching = null;
    search.addEventListener('input', () => {
      clearTimeout(searching);
      searching = setTimeout(() => list(search.value.trim()), 200);
    });
    select.addEventListener('change', insertArticle);
    insert.addEventListener('click', insertArticle);
    list('');
  }

  function conversationKey(ev) {
    const focusOn = (id) => {
      const el = document.getElementById(id);
      if (el) {
        el.focus();
      }
    };
    const submit = (id) => {
      const el = document.getElementById(id);
      if (el) {
        el.click();
      }
    };
    switch (ev.key) {
      case 'r':
        focusOn('composer');
        break;
      case 'n':
        focusOn('note');
        break;
      case 's':
        focusOn('snooze-until');
        break;
      case 'e':
        submit('close-button');
        break;
      case 'a': {
        const form = document.getElementById('assign-me-form');
        if (form) {
          form.requestSubmit();
        }
        break;
      }
      case 'u':
        location.href = '/inbox';
        break;
      default:
        return false;
    }
    return true;
  }

  // wire attaches the handlers to what a swap may have replaced.
  function wire() {
    if (page === 'inbox') {
      document.querySelectorAll('#inbox-table input[name="ids"]').forEach((el) => {
        el.addEventListener('change', countSelected);
      });
      return;
    }
    document.querySelectorAll('#desk form[method="post"]').forEach((form) => {
      if (form.dataset.wired) {
        return;
      }
      form.dataset.wired = '1';
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        sendForm(form, ev.submitter);
      });
    });
    const topic = document.getElementById('topic-select');
    if (topic && !topic.dataset.wired) {
      topic.dataset.wired = '1';
      topic.addEventListener('change', () => topic.form.requestSubmit());
    }
    const saved = document.getElementById('saved-reply-form');
    if (saved && !saved.dataset.wired) {
      saved.dataset.wired = '1';
      const select = document.getElementById('saved-reply');
      saved.addEventListener('submit', (ev) => {
        ev.preventDefault();
        fillSavedReply(select.value);
      });
      // Choosing a reply inserts it; Insert inserts the chosen one again.
      select.addEventListener('change', () => fillSavedReply(select.value));
    }
    const composer = document.getElementById('composer');
    if (composer && !composer.dataset.wired) {
      composer.dataset.wired = '1';
      composer.addEventListener('input', () => {
        const was = typing();
        lastTyping = Date.now();
        // Colleagues learn at once that someone started a reply.
        if (!was && Date.now() - lastBeat > 3000) {
          beat();
        }
      });
    }
  }

  document.addEventListener('keydown', (ev) => {
    lastActivity = Date.now();
    const target = ev.target;
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && target && (target.id === 'composer' || target.id === 'note')) {
      ev.preventDefault();
      if (target.id === 'composer') {
        document.getElementById('send').click();
      } else {
        target.form.requestSubmit();
      }
      return;
    }
    if (ev.key === 'Escape') {
      const help = document.getElementById('shortcut-help');
      if (help) {
        help.remove();
      } else if (typingIn(target)) {
        target.blur();
      }
      return;
    }
    if (typingIn(target) || ev.ctrlKey || ev.metaKey || ev.altKey) {
      return;
    }
    let done = false;
    if (ev.key === '?') {
      toggleHelp();
      done = true;
    } else if (page === 'inbox') {
      done = inboxKey(ev);
    } else if (page === 'conversation') {
      done = conversationKey(ev);
    }
    if (done) {
      ev.preventDefault();
    }
  });

  ['mousemove', 'mousedown', 'scroll', 'input', 'touchstart'].forEach((name) => {
    document.addEventListener(name, () => { lastActivity = Date.now(); }, { passive: true });
  });

  wire();
  listen();
  if (page === 'conversation') {
    wireArticles();
    beat();
    setInterval(beat, beatEvery);
    // A hidden page pauses the count at once; a page shown again starts it.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') {
        lastActivity = Date.now();
      }
      beat();
    });
  }
}());
