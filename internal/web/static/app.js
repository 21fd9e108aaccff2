// Quietdesk's pages: charts drawn with uPlot from each [data-chart]
// element's JSON, tables sorted by clicking their headings, and forms that
// submit when a choice changes. Loaded with defer, after the document is
// parsed and after the chart library.
(function () {
  'use strict';

  const palette = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

  function formatter(format) {
    const dash = '–';
    switch (format) {
      case 'percent':
        return (v) => (v == null ? dash : (v * 100).toFixed(1) + '%');
      case 'money':
        return (v) => (v == null ? dash : v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
      case 'ratio':
        return (v) => (v == null ? dash : v.toFixed(3));
      case 'hours':
        return (v) => (v == null ? dash : (Math.abs(v) < 1 ? (v * 60).toFixed(0) + ' min' : v.toFixed(1) + ' h'));
      default:
        return (v) => (v == null ? dash : v.toLocaleString('en-US', { maximumFractionDigits: 0 }));
    }
  }

  // axisFormatter writes tick values with as many decimals as the distance
  // between ticks needs, so ticks 0.1 apart do not all read "0".
  function axisFormatter(format) {
    const pct = format === 'percent';
    return (u, ticks, axis, space, incr) => {
      const step = pct ? incr * 100 : incr;
      const decimals = Math.min(4, Math.max(0, -Math.floor(Math.log10(step || 1))));
      return ticks.map((v) => (pct ? (v * 100).toFixed(decimals) + '%'
        : v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })));
    };
  }

  // The axes' font, set on the chart and used to measure its labels.
  const axisFont = '12px system-ui, -apple-system, "Segoe UI", "Liberation Sans", sans-serif';
  const measurer = document.createElement('canvas').getContext('2d');
  function textWidth(text) {
    measurer.font = axisFont;
    return measurer.measureText(text).width;
  }

  // contentWidth is the width inside the element's padding: the chart's.
  function contentWidth(el) {
    const style = getComputedStyle(el);
    const width = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return Math.max(Math.floor(width), 200);
  }

  // drawChart draws one chart. The x axis counts periods (0, 1, 2, …) and
  // labels them as the server does ("2026-W12", "2026-03", "2026-03-16"), so
  // days, weeks and months all read the same way and no time zone can shift
  // a period onto its neighbour.
  function drawChart(el) {
    const data = JSON.parse(el.dataset.chart);
    const fmt = formatter(data.format);
    const height = el.classList.contains('wide') ? 320 : 150;
    const n = data.labels.length;
    // A period's label is centred on its tick, and the first and last
    // ticks sit on the plot's edges: half the widest label must fit beyond
    // each edge, on the right in the padding, on the left in the y axis.
    const halfLabel = Math.ceil(Math.max(0, ...data.labels.map(textWidth)) / 2) + 2;
    // Out of the chart (the cursor elsewhere) the legend reads the last
    // period; a series without a value there shows none.
    const at = (idx) => (idx == null ? n - 1 : idx);
    const opts = {
      width: contentWidth(el),
      height: height,
      padding: [12, halfLabel, 0, 0],
      legend: { show: data.series.length > 1, live: true },
      scales: { x: { time: false, range: [0, Math.max(n - 1, 1)] } },
      axes: [
        {
          font: axisFont,
          size: 30,
          space: 72,
          incrs: [1, 2, 3, 4, 6, 8, 13, 26, 52, 104, 365],
          values: (u, ticks) => ticks.map((i) => (Number.isInteger(i) && data.labels[i]) || ''),
        },
        {
          font: axisFont,
          values: axisFormatter(data.format),
          // As wide as its longest value, and at least room for half the
          // first period's label.
          size: (u, values, axis) => {
            const a = u.axes[axis];
            const widest = Math.max(0, ...(values || []).map(textWidth));
            return Math.ceil(Math.max(widest + a.ticks.size + a.gap + 4, halfLabel));
          },
        },
      ],
      series: [
        { label: 'Period', value: (u, v, sidx, idx) => data.labels[at(idx)] || '' },
      ].concat(data.series.map((s, i) => ({
        label: s.label,
        stroke: palette[i % palette.length],
        width: 2,
        points: { show: n <= 60 },
        value: (u, v, sidx, idx) => {
          const x = s.values[at(idx)];
          return x == null ? (idx == null ? '' : fmt(null)) : fmt(x);
        },
      }))),
    };
    const xs = data.labels.map((_, i) => i);
    const chart = new uPlot(opts, [xs].concat(data.series.map((s) => s.values)), el);
    el.dataset.drawn = 'true';
    return () => chart.setSize({ width: contentWidth(el), height: height });
  }

  function drawCharts() {
    const els = document.querySelectorAll('[data-chart]');
    if (els.length === 0) {
      return;
    }
    if (typeof uPlot === 'undefined') {
      // Say it where people look and where tests listen.
      console.error('Quietdesk: the chart library (uPlot) did not load: run make assets and build again.');
      els.forEach((el) => {
        el.textContent = 'The chart library is missing from this build.';
        el.classList.add('broken');
      });
      return;
    }
    const resizers = Array.from(els, drawChart);
    let pending = 0;
    window.addEventListener('resize', () => {
      clearTimeout(pending);
      pending = setTimeout(() => resizers.forEach((r) => r()), 100);
    });
  }

  function sortable(table) {
    const heads = table.tHead.rows[0].cells;
    Array.from(heads).forEach((th, col) => {
      th.tabIndex = 0;
      th.classList.add('sort');
      const sort = () => sortBy(table, heads, col);
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sort();
        }
      });
    });
  }

  function sortBy(table, heads, col) {
    const th = heads[col];
    const dir = th.getAttribute('aria-sort') === 'descending' ? 'ascending' : 'descending';
    Array.from(heads).forEach((h) => h.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort', dir);
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const key = (r) => {
      const c = r.cells[col];
      return c.dataset.sort !== undefined ? c.dataset.sort : c.textContent.trim();
    };
    const numeric = rows.every((r) => key(r) === '' || isFinite(Number(key(r))));
    rows.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x === '' || y === '') {
        return (x === '') - (y === ''); // no value sorts last either way
      }
      const c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return dir === 'ascending' ? c : -c;
    });
    rows.forEach((r) => body.appendChild(r));
  }

  drawCharts();
  document.querySelectorAll('table.sortable').forEach(sortable);
  // Positions computed on the server (the corrections' range bars), set
  // here because the content security policy allows no inline styles.
  document.querySelectorAll('[data-left]').forEach((el) => {
    el.style.left = el.dataset.left + '%';
    if (el.dataset.width) el.style.width = el.dataset.width + '%';
  });
  document.querySelectorAll('form[data-autosubmit] select, form[data-autosubmit] input[type="checkbox"]').forEach((sel) => {
    sel.addEventListener('change', () => sel.form.requestSubmit());
  });
})();
