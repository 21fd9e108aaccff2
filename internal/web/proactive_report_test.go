package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/ingest"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// reportRule is a rule name as another tool may write it: the pages
// must escape it.
const reportRule = `late<b>"x"</b>`

// noticeStore holds orders O1–O8 placed on 1 January 2026 with their
// contacts (all where-is-my-order): O4 one, O5 and O6 one each, O7 two,
// O8 one.
func noticeStore(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var cid int64
		if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES ('Ann', 0) RETURNING id`).Scan(&cid); err != nil {
			return err
		}
		for i, n := range []int{0, 0, 0, 1, 1, 1, 2, 1} {
			var oid int64
			if err := tx.QueryRow(ctx, `INSERT INTO orders (external_id, customer_id, placed_at) VALUES (?, ?, ?) RETURNING id`,
				"O"+string(rune('1'+i)), cid, time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).Unix()).Scan(&oid); err != nil {
				return err
			}
			for k := range n {
				at := time.Date(2026, 1, 6+k, 9, 0, 0, 0, time.UTC).Unix()
				if _, err := tx.Exec(ctx, `INSERT INTO contacts (customer_id, order_id, channel, started_at, last_message_at, topic) VALUES (?, ?, 'email', ?, ?, 'where_is_my_order')`, cid, oid, at, at); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// noticeItems are O1–O4 notified, O5–O7 held out and O8 neither, decided
// on Monday 5 January 2026 (week 2026-W02).
func noticeItems() []obj {
	var items []obj
	for i := range 8 {
		item := obj{"order_id": "O" + string(rune('1'+i)), "rule": reportRule, "decided_at": "2026-01-05T10:00:00Z", "held_out": i >= 4 && i < 7}
		if i < 4 {
			item["sent_at"], item["channel"] = "2026-01-05T11:00:00Z", "email"
		}
		items = append(items, item)
	}
	return items
}

// POST /api/v1/notices stores another tool's decisions once, refuses a
// bad batch whole, naming each item, field and reason; the report then
// measures them: notified 0,0,0,1 contacts against held out 1,1,2 — cpo
// 0.25 against 1.333333, difference −1.083333 with the interval [−1.9,
// −0.266667] clipped below to −1.333333 (worked out in
// cmd/quietdesk/proactive_report_test.go): known.
func TestNoticesAPIAndReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		noticeStore(t, db)
		s := startSite(t, db)
		s.wantCounts(s.post("/api/v1/notices", batch(noticeItems()...)), counts{Created: 8})
		s.wantCounts(s.post("/api/v1/notices", batch(noticeItems()...)), counts{Unchanged: 8})
		if n := s.count("proactive_decisions"); n != 8 {
			t.Fatalf("%d decisions, want 8", n)
		}
		var held, sent, skipped int
		db.QueryRow(context.Background(), `SELECT
			(SELECT COUNT(*) FROM proactive_decisions WHERE status = 'held_out' AND held_out AND source = 'import'),
			(SELECT COUNT(*) FROM proactive_decisions WHERE status = 'sent' AND channel = 'email' AND sent_at IS NOT NULL AND source = 'import'),
			(SELECT COUNT(*) FROM proactive_decisions WHERE status = 'skipped' AND NOT held_out)`).Scan(&held, &sent, &skipped)
		if held != 3 || sent != 4 || skipped != 1 {
			t.Errorf("held %d sent %d skipped %d, want 3 4 1", held, sent, skipped)
		}

		r := s.post("/api/v1/notices", batch(
			obj{"order_id": "O1", "rule": "other", "decided_at": "2026-01-05T10:00:00Z", "held_out": false},
			obj{"order_id": "O2", "rule": "other", "decided_at": "2026-01-05T10:00:00Z", "held_out": "perhaps"},
			obj{"order_id": "#404", "rule": "other", "decided_at": "2026-01-05T10:00:00Z", "held_out": true},
			obj{"order_id": "O3", "rule": "other", "decided_at": "2026-01-05T10:00:00Z", "held_out": true, "channel": "sms"},
		))
		if r.status != http.StatusBadRequest {
			t.Fatalf("bad batch: %d %s", r.status, r.body)
		}
		for _, want := range []string{`"item":1,"field":"held_out","reason":"\"perhaps\" is not true, false, 1 or 0"`, `"item":2,"field":"order_id","reason":"order \"#404\" is not stored: send it to /api/v1/orders first"`,
			`"item":3,"field":"channel","reason":"a held-out order gets no notice`, `3 of 4 notices are invalid; nothing was stored`} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("bad batch lacks %s:\n%s", want, r.body)
			}
		}
		if n := s.count("proactive_decisions"); n != 8 {
			t.Errorf("%d decisions after a refused batch, want 8", n)
		}

		q := "/api/v1/proactive/report?" + url.Values{"rule": {reportRule}, "from": {"2026-01-01"}, "to": {"2026-01-31"}}.Encode()
		r = s.do("GET", q, "Bearer "+s.read, nil)
		if r.status != http.StatusOK {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		var rep proactive.Report
		if err := json.Unmarshal(r.body, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Eligible != 8 || rep.Notified.Orders != 4 || rep.Notified.Contacts != 1 || rep.HeldOut.Orders != 3 || rep.HeldOut.Contacts != 4 ||
			rep.Difference.CPO != -1.083333 || rep.Difference.CI95 != [2]float64{-1.333333, -0.266667} || !rep.Known || rep.Saved.Contacts != 4.333333 ||
			len(rep.Weeks) != 1 || rep.Weeks[0].Week != "2026-W02" || rep.Weeks[0].HeldOut.WismoRate != 1 {
			t.Errorf("report %s", r.body)
		}
		for _, bad := range []struct {
			query  string
			status int
			field  string
		}{{"rule=&from=2026-01-01", 400, "rule"}, {"rule=x&week=2026-W02", 400, "week"}, {"rule=x&from=2026-02-01&to=2026-01-01", 400, "to"}, {"rule=nothing", 404, ""}} {
			r := s.do("GET", "/api/v1/proactive/report?"+bad.query, "Bearer "+s.read, nil)
			if r.status != bad.status || !strings.Contains(string(r.body), `"field":"`+bad.field+`"`) && bad.field != "" {
				t.Errorf("%s: %d %s", bad.query, r.status, r.body)
			}
		}
		if r := s.do("GET", q, "Bearer "+s.ingest, nil); r.status != http.StatusForbidden {
			t.Errorf("with an ingest token: %d", r.status)
		}
	})
}

// The page shows the figures, says when the effect is not yet known,
// and escapes the rule's name.
func TestProactiveReportPage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	noticeStore(t, db)
	s := startSite(t, db)
	s.wantCounts(s.post("/api/v1/notices", batch(noticeItems()...)), counts{Created: 8})
	analyst := s.visitor().login("analyst@example.com")
	path := "/proactive/report/" + url.PathEscape(reportRule)
	body := analyst.page(path+"?from=2026-01-01&to=2026-01-31", http.StatusOK)
	mustContain(t, body, "late&lt;b&gt;&#34;x&#34;&lt;/b&gt;", `<p class="value" id="effect">-1.083</p>`, "95% interval -1.333 to -0.267",
		`<p class="value" id="saved">4.3 contacts</p>`, `id="group-notified"><th scope="row">Notified</th><td>4</td><td>1</td><td>0.250</td><td>25.0%</td>`,
		`id="group-held-out"><th scope="row">Held out</th><td>3</td><td>4</td><td>1.333</td><td>100.0%</td>`, "8 eligible orders", `id="proactive-report-chart" data-chart="`)
	if strings.Contains(body, `<b>"x"`) {
		t.Error("the rule's name is written unescaped")
	}
	// One week too few: the held-out side is empty, nothing is known.
	body = analyst.page(path+"?from=2026-01-12&to=2026-01-31", http.StatusOK)
	mustContain(t, body, `<p class="value" id="effect">Not yet known</p>`, `<p class="value" id="saved">Not yet known</p>`, "0 eligible orders")
	if body := analyst.page(path+"?from=2026-01-31&to=2026-01-01", http.StatusBadRequest); !strings.Contains(body, "is before from") {
		t.Error("a bad period is not explained")
	}
	agent := s.visitor().login("agent@example.com")
	agent.page(path, http.StatusForbidden)
}

// The notices schema is the Kind's: the same fields, the same required
// ones, and no others.
func TestOpenAPINoticesIsTheKind(t *testing.T) {
	a := start(t, storetest.Open(t, store.SQLite))
	doc, _ := loadDoc(t, a)
	op := doc.Paths.Value("/api/v1/notices").Post
	item := op.RequestBody.Value.Content.Get("application/json").Schema.Value.OneOf[0].Value
	if !slices.Equal(item.Required, ingest.Notices.Required) {
		t.Errorf("required %q, Kind %q", item.Required, ingest.Notices.Required)
	}
	want := append(slices.Clone(ingest.Notices.Required), ingest.Notices.Optional...)
	if got := slices.Sorted(mapKeys(item.Properties)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("properties %q, Kind %q", got, want)
	}
	var channels []string
	for _, v := range item.Properties["channel"].Value.Enum {
		if s, ok := v.(string); ok && s != "" {
			channels = append(channels, s)
		}
	}
	if !slices.Equal(channels, proactive.Channels) {
		t.Errorf("channels %q, want %q", channels, proactive.Channels)
	}
}
