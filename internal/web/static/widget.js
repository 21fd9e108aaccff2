// Quietdesk chat widget (docs/chat.md). A brand's page loads it with
//   <script src="https://desk.example/widget.js" data-quietdesk async></script>
// and optionally data-token="…" (an identity token signed by its server).
// It draws inside a shadow root, so the page's styles neither reach it nor
// are touched by it. It talks to the desk that served it: POST for what the
// visitor does, a fetch-read event stream for what the desk says. Every
// text from the desk is set as text, never parsed as HTML.
(function () {
  'use strict';
  if (window.__quietdeskChat) { return; }
  window.__quietdeskChat = true;
  var script = document.currentScript || document.querySelector('script[data-quietdesk]');
  if (!script || !script.src || !window.fetch || !document.body || !document.body.attachShadow) { return; }
  var base = new URL(script.src, location.href).origin;
  var identity = script.getAttribute('data-token') || '';
  var KEY = 'quietdesk.visitor';
  var memory = {};
  function load() { try { return localStorage.getItem(KEY) || ''; } catch (e) { return memory[KEY] || ''; } }
  function keep(v) { memory[KEY] = v; try { if (v) { localStorage.setItem(KEY, v); } else { localStorage.removeItem(KEY); } } catch (e) { /* private mode */ } }

  var visitor = load();
  var info = null;       // the session's answer
  var after = 0;         // the last message id shown
  var shown = {};        // message ids drawn
  var unseen = 0;        // the last message of the desk not yet acknowledged
  var unread = 0;
  var streaming = false;
  var retry = 1000;
  var lastTyping = 0;

  var host = document.createElement('div');
  host.setAttribute('data-quietdesk-widget', '');
  var root = host.attachShadow({ mode: 'open' });
  var css = '' +
    ':host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933}' +
    '*{box-sizing:border-box;font:inherit}' +
    '.launcher{width:56px;height:56px;border-radius:50%;border:0;background:#2563eb;color:#fff;font-size:24px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);position:relative}' +
    '.badge{position:absolute;top:-4px;right:-4px;background:#dc2626;color:#fff;border-radius:10px;font-size:12px;padding:1px 6px}' +
    '.panel{position:absolute;right:0;bottom:70px;width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 110px);background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}' +
    '[hidden]{display:none!important}' +
    'header{background:#2563eb;color:#fff;padding:10px 14px;display:flex;justify-content:space-between;align-items:center}' +
    'header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}' +
    '.status{margin:0;padding:8px 14px;background:#fef3c7;font-size:13px}' +
    '.log{flex:1;overflow-y:auto;padding:10px 14px;display:flex;flex-direction:column;gap:6px}' +
    '.msg{max-width:85%;padding:6px 10px;border-radius:10px;background:#f1f5f9;white-space:pre-wrap;word-wrap:break-word;align-self:flex-start}' +
    '.msg.mine{background:#2563eb;color:#fff;align-self:flex-end}.msg.pending{opacity:.6}.msg.failed{background:#fee2e2;color:#991b1b}' +
    '.from{display:block;font-size:11px;opacity:.75}.file{display:block;font-size:12px;text-decoration:underline dotted}' +
    '.greeting{margin:0 0 6px;color:#52606d}' +
    '.typing{margin:0;padding:0 14px;min-height:18px;font-size:12px;color:#52606d}' +
    '.person{margin:6px 14px 10px;padding:8px;border:1px solid #2563eb;background:#fff;color:#2563eb;border-radius:8px;cursor:pointer}' +
    'form{display:flex;gap:6px;padding:8px 10px;border-top:1px solid #e4e7eb;align-items:flex-end}' +
    'textarea,input[type=email]{flex:1;border:1px solid #cbd2d9;border-radius:8px;padding:6px 8px;resize:none;min-width:0}' +
    'form button,.attach{border:0;background:#2563eb;color:#fff;border-radius:8px;padding:7px 10px;cursor:pointer}' +
    '.attach{background:#e4e7eb;color:#1f2933}.attach input{display:none}' +
    '.error{margin:0;padding:0 14px;color:#b91c1c;font-size:12px}' +
    '.ask{margin:0;padding:6px 14px 0;font-size:12px;color:#52606d}' +
    '.tip{display:block;margin:4px 14px;padding:6px 8px;border:1px solid #cbd2d9;border-radius:8px;color:#1d4ed8;text-decoration:none}.tip span{display:block;max-height:3em;overflow:hidden;color:#52606d;font-size:12px}' +
    '';
  var markup = '' +
    '<button class="launcher" type="button" aria-label="Chat with us" aria-expanded="false">\u{1F4AC}<span class="badge" hidden></span></button>' +
    '<section class="panel" role="dialog" aria-label="Chat" hidden>' +
    '<header><b>Chat</b><button class="close" type="button" aria-label="Close the chat">\u00D7</button></header>' +
    '<p class="status" hidden></p>' +
    '<div class="log" aria-live="polite"><p class="greeting"></p></div>' +
    // Filled by self-service suggestions before the visitor asks a person.
    '<div data-slot="suggestions"></div>' +
    '<button class="person" type="button">Talk to a person</button>' +
    '<p class="typing" aria-live="polite"></p>' +
    '<p class="ask" hidden>Leave your email so we can reply if you go:</p>' +
    '<form class="email" hidden><input type="email" name="email" placeholder="you@example.com" required aria-label="Your email"><button type="submit">Save</button></form>' +
    '<p class="error" role="alert"></p>' +
    '<form class="compose" hidden><label class="attach" title="Attach an image or PDF">+<input type="file" accept="image/png,image/jpeg,image/gif,image/webp,application/pdf"></label>' +
    '<textarea name="text" rows="2" placeholder="Write a message…" aria-label="Message"></textarea><button type="submit">Send</button></form>' +
    '</section>';
  // A constructed style sheet is not inline style: pages whose content
  // security policy forbids inline styles (the desk's own among them) still
  // draw the widget as designed. Older browsers get a <style> element.
  if (window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync && 'adoptedStyleSheets' in root) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = markup;
  } else {
    root.innerHTML = '<style>' + css + '</style>' + markup;
  }
  function $(sel) { return root.querySelector(sel); }
  var launcher = $('.launcher'), panel = $('.panel'), log = $('.log'), compose = $('.compose'), text = $('textarea');
  var emailForm = $('.email'), ask = $('.ask'), person = $('.person'), errorLine = $('.error'), typingLine = $('.typing');
  document.body.appendChild(host);

  // Self-service (docs/help-centre.md#chat-suggestions): before the
  // visitor's first message, the help centre's answers for what they type,
  // each opening the article in a new tab. What was shown, opened and
  // whether they still asked a person is reported on a session kept for
  // the tab, so the desk counts the contacts the answers prevent.
  var tips = $('[data-slot="suggestions"]'), lang = (document.documentElement.lang || 'en').split('-')[0].toLowerCase();
  var tipTimer = 0, tipAsked = '', tipShown = [];
  function ssid() {
    var s = '';
    try { s = sessionStorage.getItem('quietdesk.ss') || ''; } catch (e) { s = memory.ss || ''; }
    if (!s) { s = Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(12)), function (b) { return (b + 256).toString(16).slice(1); }).join(''); memory.ss = s; try { sessionStorage.setItem('quietdesk.ss', s); } catch (e) { /* private mode */ } }
    return s;
  }
  function report(e) {
    e.session = ssid(); e.channel = 'chat'; e.locale = lang;
    fetch(base + '/api/v1/self-service/events', { method: 'POST', headers: headers(true), body: JSON.stringify(e), mode: 'cors', credentials: 'omit', keepalive: true }).catch(function () {});
  }
  function suggest() {
    var q = text.value.trim().slice(0, 500);
    if (q.length < 4 || q === tipAsked || Object.keys(shown).length) { return; }
    tipAsked = q;
    fetch(base + '/api/v1/kb/search?limit=3&locale=' + lang + '&q=' + encodeURIComponent(q), { mode: 'cors', credentials: 'omit' })
      .then(function (res) { return res.ok ? res.json() : {}; })
      .then(function (d) {
        if (q !== tipAsked) { return; }
        var found = (d.results || []).slice(0, 3);
        tips.textContent = '';
        found.forEach(function (r) {
          var a = document.createElement('a'), p = document.createElement('span');
          a.className = 'tip';
          a.href = base + '/help/' + lang + '/articles/' + encodeURIComponent(r.slug);
          a.target = '_blank';
          a.rel = 'noopener';
          a.textContent = r.title;
          p.textContent = r.snippet || '';
          a.appendChild(p);
          a.addEventListener('click', function () { report({ type: 'view', slug: r.slug }); });
          tips.appendChild(a);
        });
        if (found.length) {
          tipShown = found.map(function (r) { return r.slug; });
          report({ type: 'search', query: q, shown: tipShown });
        }
      }).catch(function () {});
  }

  function headers(json) {
    var h = {};
    if (visitor) { h['X-Quietdesk-Visitor'] = visitor; }
    if (identity) { h['X-Quietdesk-Identity'] = identity; }
    if (json) { h['Content-Type'] = 'application/json'; }
    return h;
  }
  function call(method, path, body, waited) {
    // A visitor quicker than their session (a message typed as the panel
    // opens) waits for it, once, rather than being refused.
    if (!visitor && !waited && path !== '/chat/session') { return start(true).then(function () { return call(method, path, body, true); }); }
    var json = body !== undefined && !(body instanceof FormData);
    return fetch(base + path, { method: method, headers: headers(json), body: json ? JSON.stringify(body) : body, mode: 'cors', credentials: 'omit' })
      .then(function (res) {
        if (res.status === 401 && identity) {
          // A refused identity token: carry on as an anonymous visitor.
          console.warn('quietdesk chat: the identity token was refused; chatting anonymously');
          identity = '';
          return call(method, path, body);
        }
        if (res.status === 401 && visitor && path !== '/chat/session') { visitor = ''; keep(''); return start(true).then(function () { return call(method, path, body); }); }
        return res.status === 204 ? {} : res.json().then(function (data) {
          if (!res.ok) { throw new Error(data.error ? reason(data.error) : 'status ' + res.status); }
          return data;
        });
      });
  }
  function reason(e) { return (e.fields || []).map(function (f) { return f.field + ' ' + f.reason; }).join('; ') || e.message; }

  // start opens the visitor's session; create: make a visitor when there
  // is none (only once the visitor opens the chat).
  var starting = null; // the session being opened, which every caller shares
  function start(create) {
    if (!visitor && !create) { return Promise.resolve(); }
    if (starting) { return starting; }
    var done = function () { starting = null; };
    starting = call('POST', '/chat/session').then(function (s) {
      info = s;
      if (s.visitor) { visitor = s.visitor; keep(visitor); }
      $('.greeting').textContent = s.greeting;
      var status = $('.status');
      status.textContent = s.open ? '' : s.away_message;
      status.hidden = s.open;
      if (s.conversation) { talk(); }
      if (s.conversation || open()) { stream(); }
    });
    starting.then(done, done);
    return starting;
  }

  function open() { return !panel.hidden; }
  function toggle() {
    panel.hidden = !panel.hidden;
    launcher.setAttribute('aria-expanded', String(open()));
    if (open()) {
      if (!info) { start(true).catch(fail); }
      acknowledge();
      (compose.hidden ? person : text).focus();
    }
  }
  function talk() {
    person.hidden = true;
    compose.hidden = false;
    askEmail();
  }
  function askEmail() {
    var need = info && !info.email_known && !info.identified && (Object.keys(shown).length > 0 || !info.open);
    ask.hidden = emailForm.hidden = !need;
  }
  function fail(err) { errorLine.textContent = 'Not sent: ' + (err && err.message || err); }

  function stream() {
    if (streaming || !visitor) { return; }
    streaming = true;
    fetch(base + '/chat/stream?after=' + after, { headers: headers(false), mode: 'cors', credentials: 'omit', cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { visitor = ''; keep(''); throw new Error('visitor refused'); }
      if (!res.ok || !res.body) { throw new Error('status ' + res.status); }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buf = '';
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) { throw new Error('stream ended'); }
          buf += decoder.decode(r.value, { stream: true });
          var i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            event(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      streaming = false;
      retry = Math.min(retry * 2, 30000);
      setTimeout(function () { (visitor ? stream : function () { start(open()).catch(function () {}); })(); }, retry);
    });
  }
  function event(frame) {
    var name = 'message', data = '';
    frame.split('\n').forEach(function (line) {
      if (line.indexOf('event: ') === 0) { name = line.slice(7); }
      if (line.indexOf('data: ') === 0) { data += line.slice(6); }
    });
    if (!data) { return; }
    var d = JSON.parse(data);
    if (name === 'ready') { retry = 1000; host.setAttribute('data-live', 'open'); }
    if (name === 'typing') { typingLine.textContent = d.name ? d.name + ' is typing\u2026' : ''; }
    if (name === 'messages') {
      d.messages.forEach(draw);
      if (d.messages.length) { talk(); }
      acknowledge();
    }
  }

  function draw(m) {
    after = Math.max(after, m.id);
    if (shown[m.id]) { return; }
    shown[m.id] = true;
    var el = bubble(m.mine, m.from, m.text, m.files);
    el.setAttribute('data-id', m.id);
    if (!m.mine) {
      unseen = Math.max(unseen, m.id);
      typingLine.textContent = '';
      if (!open() || document.hidden) { unread++; }
    }
    badge();
  }
  function bubble(mine, from, body, files) {
    var el = document.createElement('div');
    el.className = 'msg' + (mine ? ' mine' : '');
    if (!mine) { var f = document.createElement('span'); f.className = 'from'; f.textContent = from; el.appendChild(f); }
    el.appendChild(document.createTextNode(body || ''));
    (files || []).forEach(function (file) { var s = document.createElement('span'); s.className = 'file'; s.textContent = file.name; el.appendChild(s); });
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
    return el;
  }
  function badge() {
    var b = $('.badge');
    b.textContent = String(unread);
    b.hidden = unread === 0;
  }
  // acknowledge tells the desk the visitor saw the messages up to the
  // last one: replies they saw are not mailed to them.
  function acknowledge() {
    if (!open() || document.hidden || !unseen) { return; }
    var id = unseen;
    unseen = 0;
    unread = 0;
    badge();
    call('POST', '/chat/seen', { message_id: id }).catch(function () { unseen = Math.max(unseen, id); });
  }

  function send(body, file) {
    var id = 'w' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    var el = bubble(true, '', body, file ? [{ name: file.name }] : []);
    el.className += ' pending';
    var payload = { client_id: id, text: body };
    if (file) {
      payload = new FormData();
      payload.append('client_id', id);
      payload.append('text', body);
      payload.append('file', file, file.name);
    }
    errorLine.textContent = '';
    return call('POST', '/chat/messages', payload).then(function (r) {
      el.className = 'msg mine';
      el.setAttribute('data-id', r.id);
      if (shown[r.id]) { el.remove(); } else { shown[r.id] = true; }
      if (tipShown.length) { report({ type: 'escalate', conversation_id: r.conversation_id }); tipShown = []; tips.textContent = ''; }
      askEmail();
      stream();
    }).catch(function (err) { el.className = 'msg mine failed'; fail(err); });
  }

  launcher.addEventListener('click', toggle);
  $('.close').addEventListener('click', toggle);
  person.addEventListener('click', function () { talk(); text.focus(); });
  compose.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var body = text.value.trim();
    if (!body) { return; }
    text.value = '';
    send(body);
  });
  text.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); compose.requestSubmit(); }
  });
  text.addEventListener('input', function () {
    clearTimeout(tipTimer);
    tipTimer = setTimeout(suggest, 400);
    // Agents see "visitor is typing"; once every few seconds is enough.
    if (Date.now() - lastTyping > 3000 && info && Object.keys(shown).length) {
      lastTyping = Date.now();
      call('POST', '/chat/typing', {}).catch(function () {});
    }
  });
  $('input[type=file]').addEventListener('change', function (ev) {
    var file = ev.target.files[0];
    ev.target.value = '';
    if (!file) { return; }
    if (info && file.size > info.max_file_bytes) { fail(file.name + ' is larger than ' + Math.round(info.max_file_bytes / 1048576) + ' MB'); return; }
    send(text.value.trim(), file);
    text.value = '';
  });
  emailForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var email = emailForm.elements.email.value;
    call('POST', '/chat/email', { email: email }).then(function () {
      info.email_known = true;
      askEmail();
    }).catch(fail);
  });
  document.addEventListener('visibilitychange', acknowledge);
  // A returning visitor, or a customer the page vouches for, gets their
  // conversation back at once; anyone else makes no request until they
  // open the chat.
  start(!!identity).catch(function () {});
})();
