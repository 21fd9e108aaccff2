package web_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// recordCanvasText runs before each page's own scripts: it records, on
// each canvas, the box of every text drawn into it, in the canvas's
// pixels (uPlot draws its axes' labels with fillText, not as elements).
const recordCanvasText = `(() => {
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
    const m = this.measureText(text);
    const t = this.getTransform();
    const corners = [[x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent], [x + m.actualBoundingBoxRight, y + m.actualBoundingBoxDescent],
      [x - m.actualBoundingBoxLeft, y + m.actualBoundingBoxDescent], [x + m.actualBoundingBoxRight, y - m.actualBoundingBoxAscent]]
      .map(([cx, cy]) => [t.a * cx + t.c * cy + t.e, t.b * cx + t.d * cy + t.f]);
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    (this.canvas.texts = this.canvas.texts || []).push({ text: String(text),
      left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys) });
    return fill.call(this, text, x, y, ...rest);
  };
})()`

// clippedLabels lists, for every chart on the page, the texts drawn
// outside its canvas or outside the chart's box (its padding box: what a
// person sees as the chart), and counts the texts drawn.
const clippedLabels = `(() => {
  const out = { drawn: 0, clipped: [] };
  document.querySelectorAll('[data-chart]').forEach((el, i) => {
    const c = el.querySelector('canvas');
    if (!c) { out.clipped.push('chart ' + (i + 1) + ' has no canvas'); return; }
    const cr = c.getBoundingClientRect();
    const er = el.getBoundingClientRect();
    const box = { left: er.left + el.clientLeft, top: er.top + el.clientTop };
    box.right = box.left + el.clientWidth;
    box.bottom = box.top + el.clientHeight;
    const sx = cr.width / c.width;
    const sy = cr.height / c.height;
    const where = (el.id || el.getAttribute('aria-label') || 'chart ' + (i + 1));
    (c.texts || []).forEach((t) => {
      out.drawn++;
      const slack = 0.5;
      const onPage = { left: cr.left + t.left * sx, right: cr.left + t.right * sx, top: cr.top + t.top * sy, bottom: cr.top + t.bottom * sy };
      if (t.left < -slack || t.top < -slack || t.right > c.width + slack || t.bottom > c.height + slack) {
        out.clipped.push(where + ': "' + t.text + '" spans ' + [t.left, t.top, t.right, t.bottom].map(Math.round) + ' on a ' + c.width + '×' + c.height + ' canvas');
      } else if (onPage.left < box.left - slack || onPage.right > box.right + slack || onPage.top < box.top - slack || onPage.bottom > box.bottom + slack) {
        out.clipped.push(where + ': "' + t.text + '" spans x ' + Math.round(onPage.left) + '…' + Math.round(onPage.right) + ', y ' + Math.round(onPage.top) + '…' + Math.round(onPage.bottom) +
          ' outside its chart, x ' + Math.round(box.left) + '…' + Math.round(box.right) + ', y ' + Math.round(box.top) + '…' + Math.round(box.bottom));
      }
    });
  });
  return out;
})()`

// TestBrowserChartLabelsFit opens the pages with charts on the demo store
// and fails when an axis label is drawn, even in part, outside its chart:
// the last period's label cut by the chart's right edge, a long value cut
// on the left.
func TestBrowserChartLabelsFit(t *testing.T) {
	ctx, problems := chromium(t)
	s := demoSite(t)
	if _, err := chromedp.Call(step(t, ctx), page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordCanvasText}); err != nil {
		t.Fatal(err)
	}
	err := logIn(t, ctx, s.url+"/login", "admin@example.com", `nav.main`)
	if err != nil {
		t.Fatalf("log in: %v\nthe browser reported: %q", err, problems())
	}
	for _, path := range []string{
		"/explore",
		"/explore?metric=contacts&by=topic&grain=day&from=2026-10-01&to=2026-11-22",
		"/explore?metric=support_cost_per_order&grain=month&from=2025-12-01&to=2026-11-22",
		"/topics",
		"/alerts",
		"/",
	} {
		err := chromedp.Do(step(t, ctx),
			chromedp.Navigate(s.url+path),
			chromedp.WaitVisible(chromedp.CSS(`[data-chart]`)),
		)
		if err != nil {
			t.Fatalf("open %s: %v\nthe browser reported: %q", path, err, problems())
		}
		if _, err := chromedp.Run(step(t, ctx), chromedp.Poll[bool](`document.querySelectorAll('[data-chart]:not([data-drawn="true"])').length === 0`)); err != nil {
			t.Fatalf("%s: the charts were not drawn: %v\nthe browser reported: %q", path, err, problems())
		}
		got, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[struct {
			Drawn   int      `json:"drawn"`
			Clipped []string `json:"clipped"`
		}](clippedLabels))
		if err != nil {
			t.Fatalf("%s: measure the labels: %v", path, err)
		}
		if got.Drawn == 0 {
			t.Errorf("%s: no axis label recorded: the measurement is not working", path)
		}
		if len(got.Clipped) > 0 {
			t.Errorf("%s: %d of %d axis labels do not fit their chart:\n  %s", path, len(got.Clipped), got.Drawn, strings.Join(got.Clipped, "\n  "))
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}

// legendValues reads, for each chart with a legend, its legend's values:
// the period first, then each line's. hover moves the cursor onto the
// chart's middle first; leave takes it away again.
const legendValues = `((how) => Array.from(document.querySelectorAll('[data-chart]')).filter((el) => el.querySelector('.u-legend')).map((el) => {
  const over = el.querySelector('.u-over');
  const r = over.getBoundingClientRect();
  if (how === 'hover') {
    over.dispatchEvent(new MouseEvent('mouseenter', { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true }));
    over.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true }));
  } else if (how === 'leave') {
    over.dispatchEvent(new MouseEvent('mouseleave', { clientX: r.right + 50, clientY: r.bottom + 50, bubbles: false }));
  }
  const data = JSON.parse(el.dataset.chart);
  return { last: data.labels[data.labels.length - 1], values: Array.from(el.querySelectorAll('.u-legend .u-series .u-value'), (v) => v.textContent) };
}))`

// TestBrowserLegendsShowTheLatestPeriod: out of the chart, a legend reads
// the last period's values, never a row of dashes; on the chart it reads
// the period under the cursor, and back to the last when the cursor leaves.
func TestBrowserLegendsShowTheLatestPeriod(t *testing.T) {
	ctx, problems := chromium(t)
	s := demoSite(t)
	err := logIn(t, ctx, s.url+"/login", "admin@example.com", `nav.main`)
	if err != nil {
		t.Fatalf("log in: %v\nthe browser reported: %q", err, problems())
	}
	type legend struct {
		Last   string   `json:"last"`
		Values []string `json:"values"`
	}
	read := func(path, how string) []legend {
		t.Helper()
		got, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[]legend](legendValues+`('`+how+`')`))
		if err != nil {
			t.Fatalf("%s: read the legends: %v", path, err)
		}
		return got
	}
	for _, path := range []string{"/topics", "/alerts", "/explore?metric=contacts&by=channel"} {
		err := chromedp.Do(step(t, ctx), chromedp.Navigate(s.url+path), chromedp.WaitVisible(chromedp.CSS(`[data-chart][data-drawn="true"] .u-legend`)))
		if err != nil {
			t.Fatalf("open %s: %v\nthe browser reported: %q", path, err, problems())
		}
		dashes := func(l legend) bool {
			return slices.ContainsFunc(l.Values, func(v string) bool { return strings.Trim(v, "–- ") == "" && v != "" })
		}
		for how, want := range map[string]string{"": "last", "hover": "middle", "leave": "last"} {
			ls := read(path, how)
			if len(ls) == 0 {
				t.Fatalf("%s: no chart with a legend", path)
			}
			for i, l := range ls {
				if len(l.Values) < 2 || dashes(l) || (want == "last") != (l.Values[0] == l.Last) {
					t.Errorf("%s, chart %d, cursor %q: legend reads %q, want the %s period's values (last %s)", path, i+1, how, l.Values, want, l.Last)
				}
			}
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}

// headingSizes lists the font sizes of the page's visible headings by
// level: [[h1 sizes], [h2 sizes], [h3 sizes], [h4 sizes]].
const headingSizes = `[1, 2, 3, 4].map((n) => Array.from(document.querySelectorAll('main h' + n)).filter((h) => h.offsetParent !== null)
  .map((h) => parseFloat(getComputedStyle(h).fontSize)))`

// TestBrowserHeadingsAndDates: on every page each heading level reads
// smaller than the one above it, and on a narrow window the corrections'
// dates stay on one line.
func TestBrowserHeadingsAndDates(t *testing.T) {
	ctx, problems := chromium(t)
	s := demoSite(t)
	err := logIn(t, ctx, s.url+"/login", "admin@example.com", `nav.main`)
	if err != nil {
		t.Fatalf("log in: %v\nthe browser reported: %q", err, problems())
	}
	for _, path := range []string{"/", "/cohorts", "/explore", "/topics", "/review", "/review?week=2026-W37", "/alerts", "/corrections", "/guardrails"} {
		if err := chromedp.Do(step(t, ctx), chromedp.Navigate(s.url+path), chromedp.WaitReady(chromedp.CSS(`main`))); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		sizes, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[][]float64](headingSizes))
		if err != nil {
			t.Fatalf("%s: read the headings: %v", path, err)
		}
		for level := 1; level < len(sizes); level++ {
			if len(sizes[level-1]) == 0 || len(sizes[level]) == 0 {
				continue
			}
			if above, below := slices.Min(sizes[level-1]), slices.Max(sizes[level]); below >= above {
				t.Errorf("%s: an h%d is %.1fpx, not smaller than an h%d of %.1fpx", path, level+1, below, level, above)
			}
		}
	}

	// A narrow window squeezes the corrections' table.
	if _, err := chromedp.Call(step(t, ctx), emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 760, Height: 1000, DeviceScaleFactor: 1}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(step(t, ctx), chromedp.Navigate(s.url+"/corrections"), chromedp.WaitVisible(chromedp.CSS(`#corrections-table`))); err != nil {
		t.Fatalf("open the corrections: %v", err)
	}
	broken, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#corrections-table tbody tr')).flatMap((tr) => {
  const cell = tr.cells[4];
  const dates = cell.textContent.match(/\d{4}-\d{2}-\d{2}/g) || [];
  const range = document.createRange();
  return dates.filter((d) => {
    const node = Array.from(cell.querySelectorAll('*')).concat([cell]).flatMap((e) => Array.from(e.childNodes)).find((n) => n.nodeType === 3 && n.textContent.includes(d));
    const at = node.textContent.indexOf(d);
    range.setStart(node, at);
    range.setEnd(node, at + d.length);
    return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size > 1;
  }).map((d) => tr.id + ': ' + d);
})`))
	if err != nil {
		t.Fatalf("measure the dates: %v", err)
	}
	if len(broken) > 0 {
		t.Errorf("dates broken over two lines on the corrections page: %q", broken)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}
