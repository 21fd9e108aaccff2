// The help centre's script (docs/help-centre.md#events). The pages work
// without it; with it, the visitor's self-service session is measured:
// a random session id kept for the tab (sessionStorage), reported with
// the searches and the articles shown, the articles read, and the forms
// sent. On the contact form it shows the answers that may help as the
// customer types. Every text is set as text, never parsed as HTML.
(function () {
  'use strict';
  var KEY = 'quietdesk.help.session';
  var memo = '';
  function random() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function session() {
    try {
      var s = sessionStorage.getItem(KEY);
      if (!s) { s = random(); sessionStorage.setItem(KEY, s); }
      return s;
    } catch (e) {
      return memo || (memo = random()); // storage refused: one id for the page
    }
  }
  var locale = document.body.getAttribute('data-locale') || '';
  function report(e) {
    e.session = session();
    e.channel = e.channel || 'help_centre';
    e.locale = e.locale || locale;
    return fetch('/api/v1/self-service/events', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(e), keepalive: true, credentials: 'same-origin'
    }).catch(function () { /* measuring must never break the page */ });
  }
  function words(s) { return (s || '').split(' ').filter(Boolean); }

  // The forms record their answers on this session.
  Array.prototype.forEach.call(document.querySelectorAll('input[data-session]'), function (i) { i.value = session(); });

  var article = document.querySelector('article[data-slug]');
  if (article) { report({ type: 'view', slug: article.getAttribute('data-slug'), locale: article.getAttribute('data-locale') }); }

  var results = document.querySelector('[data-query]');
  if (results && results.getAttribute('data-query')) {
    report({ type: 'search', query: results.getAttribute('data-query'), shown: words(results.getAttribute('data-shown')) });
  }

  // The contact form: answers for what the customer types, before the
  // message goes to a person.
  var message = document.getElementById('contact-message');
  var box = document.querySelector('[data-suggestions]');
  if (!message || !box) { return; }
  var list = box.querySelector('ul'), send = document.querySelector('.help-contact button[name=send]');
  var subject = document.getElementById('contact-subject');
  var timer = 0, asked = '';
  function suggest() {
    var q = ((subject ? subject.value : '') + ' ' + message.value).trim();
    if (q.length < 4 || q === asked) { return; }
    asked = q;
    fetch('/api/v1/kb/search?limit=3&locale=' + encodeURIComponent(locale) + '&q=' + encodeURIComponent(q.slice(0, 500)), { credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : { results: [] }; })
      .then(function (data) {
        if (q !== asked) { return; } // a later search is under way
        var found = (data.results || []).slice(0, 3);
        list.textContent = '';
        found.forEach(function (r) {
          var li = document.createElement('li'), a = document.createElement('a'), p = document.createElement('p');
          a.href = '/help/' + encodeURIComponent(locale) + '/articles/' + encodeURIComponent(r.slug);
          a.textContent = r.title;
          p.textContent = r.snippet || '';
          a.addEventListener('click', function () { report({ channel: 'contact_form', type: 'view', slug: r.slug }); });
          li.appendChild(a);
          li.appendChild(p);
          list.appendChild(li);
        });
        box.hidden = found.length === 0;
        if (found.length) {
          // The customer has seen the answers: the next send is to a person.
          send.value = 'anyway';
          send.textContent = 'Send anyway';
          report({ channel: 'contact_form', type: 'search', query: q.slice(0, 500), shown: found.map(function (r) { return r.slug; }) });
        }
      })
      .catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(suggest, 500); }
  message.addEventListener('input', later);
  if (subject) { subject.addEventListener('input', later); }
})();
