// The Import page, enhanced: a chosen or dropped file is uploaded at once,
// and an import shows its progress as the server reads and writes the
// file (the server streams one JSON object a line). Without this script
// the same forms work as plain posts.
(function () {
  'use strict';

  document.querySelectorAll('form.import-upload').forEach(function (form) {
    var input = form.querySelector('input[type="file"]');
    var drop = form.querySelector('.drop');
    if (!input) { return; }
    input.addEventListener('change', function () {
      if (input.files.length > 0) { form.requestSubmit(); }
    });
    if (!drop) { return; }
    drop.addEventListener('dragover', function (e) {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      drop.classList.remove('over');
      if (e.dataTransfer && e.dataTransfer.files.length > 0) {
        input.files = e.dataTransfer.files;
        form.requestSubmit();
      }
    });
  });

  var run = document.getElementById('import-run');
  if (!run) { return; }
  var bar = document.getElementById('import-progress');
  var phase = document.getElementById('import-phase');
  var line = document.getElementById('import-progress-line');
  var names = { checking: 'Checking every row', 'checking ids': 'Checking ids', writing: 'Storing', rollups: 'Updating the figures' };

  function show(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + '%';
    phase.textContent = (names[p.phase] || p.phase || '') + ' · ' + p.percent + '%';
  }

  run.addEventListener('submit', function (e) {
    e.preventDefault();
    var button = run.querySelector('button[type="submit"]');
    button.disabled = true;
    line.hidden = false;
    fetch(run.action, { method: 'POST', body: new FormData(run), headers: { Accept: 'application/x-ndjson' }, credentials: 'same-origin' })
      .then(function (resp) {
        if (!resp.ok || !resp.body || (resp.headers.get('Content-Type') || '').indexOf('application/x-ndjson') !== 0) {
          run.submit(); // the server's own page says what went wrong
          return;
        }
        var reader = resp.body.getReader();
        var decoder = new TextDecoder();
        var buffered = '';
        var last = null;
        function read() {
          return reader.read().then(function (chunk) {
            if (!chunk.done) { buffered += decoder.decode(chunk.value, { stream: true }); }
            var lines = buffered.split('\n');
            buffered = chunk.done ? '' : lines.pop();
            lines.forEach(function (l) {
              if (l.trim() === '') { return; }
              var p = JSON.parse(l);
              show(p);
              if (p.final) { last = p; }
            });
            if (!chunk.done) { return read(); }
            if (last) {
              bar.dataset.finished = 'true';
              window.location.assign(last.url);
            } else {
              window.location.reload(); // the stream broke: the page says where the import stands
            }
          });
        }
        return read();
      })
      .catch(function () { window.location.reload(); });
  });
})();
