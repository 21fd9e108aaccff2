// The chat side of an agent's conversation page (docs/chat.md#agents):
// says when the visitor is typing and where replies they miss are mailed.
// Loaded only on chat conversations.
(function () {
  'use strict';
  const desk = document.getElementById('desk');
  if (!desk || !desk.dataset.conversationId) { return; }
  const url = '/chat/conversations/' + encodeURIComponent(desk.dataset.conversationId) + '/visitor';
  // The head is drawn again on live updates: find or make the line each time.
  function line() {
    let el = document.getElementById('chat-visitor');
    const anchor = document.getElementById('presence-warning');
    if (!el && anchor) {
      el = document.createElement('p');
      el.id = 'chat-visitor';
      el.className = 'presence';
      el.setAttribute('role', 'status');
      el.setAttribute('aria-live', 'polite');
      anchor.after(el);
    }
    return el;
  }
  async function poll() {
    try {
      const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (res.ok) {
        const st = await res.json();
        const el = line();
        if (el) {
          el.textContent = '';
          if (st.typing) {
            const t = document.createElement('span');
            t.className = 'typing';
            t.textContent = 'visitor is typing…';
            el.append(t, ' ');
          }
          if (st.email) {
            const e = document.createElement('span');
            e.className = 'hint';
            e.textContent = 'missed replies are emailed to ' + st.email;
            el.append(e);
          }
          el.dataset.typing = String(!!st.typing);
        }
      }
    } catch (e) { /* offline: try again */ }
    setTimeout(poll, document.hidden ? 10000 : 1500);
  }
  poll();
})();
