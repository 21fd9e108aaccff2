package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	qclock "quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/kb"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// selfServiceStore holds, in a Paris store, the first two weeks of March
// 2026: five sessions shown the size guide (one of them 23:30 UTC on 1
// March, already 2 March in Paris), one that searched for a script and
// for Brazil and asked for a person, and two contacts (one inside the
// period). Resolved sessions 5, contacts 1: the self-service rate is 5/6.
func selfServiceStore(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.SetSetting(ctx, "timezone", "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	a, err := kb.ParseFile("s.md", []byte("---\ntitle: Find your size\nlocale: en\ncategory: Sizing\nslug: sizing-guide\ntopics: [sizing]\n---\nMeasure.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kb.Import(ctx, db, []*kb.Article{a}, "test", now.AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	customers := commerce.NewCustomers(qclock.Fixed(now))
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		starts := []time.Time{time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)}
		for d := 3; d <= 6; d++ {
			starts = append(starts, time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC))
		}
		for i, at := range starts {
			if _, err := kb.RecordEvent(ctx, tx, customers, kb.Event{Session: fmt.Sprintf("page-session-%06d", i), Channel: kb.ChannelHelpCentre, Type: kb.EventSearch,
				Query: "size", Shown: []string{"sizing-guide"}, Locale: "en", At: at, Customer: commerce.CustomerRef{Email: fmt.Sprintf("c%d@example.com", i)}}); err != nil {
				return err
			}
		}
		for i, q := range []string{`<script>alert(1)</script>`, "Do you ship to Brazil?"} {
			if _, err := kb.RecordEvent(ctx, tx, customers, kb.Event{Session: "page-session-escalates", Channel: kb.ChannelChat, Type: kb.EventSearch,
				Query: q, Locale: "en", At: time.Date(2026, 3, 10, 9, i, 0, 0, time.UTC)}); err != nil {
				return err
			}
		}
		if _, err := kb.RecordEvent(ctx, tx, customers, kb.Event{Session: "page-session-escalates", Channel: kb.ChannelChat, Type: kb.EventEscalate, At: time.Date(2026, 3, 10, 9, 5, 0, 0, time.UTC)}); err != nil {
			return err
		}
		_, _, err := desk.UpsertContacts(ctx, tx, customers, []desk.ImportedContact{
			{ExternalID: "K1", StartedAt: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), Channel: "email", Customer: commerce.CustomerRef{Email: "c2@example.com"}, Topic: "sizing", Text: "size?"},
			{ExternalID: "K2", StartedAt: time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC), Channel: "email", Customer: commerce.CustomerRef{Email: "c3@example.com"}, Topic: "sizing", Text: "size?"},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	customers.Commit()
}

func TestSelfServiceAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		selfServiceStore(t, db)
		s := startSite(t, db, func(srv *web.Server) { srv.Metrics = metrics.NewEngine(db, srv.Now) })
		r := s.do("GET", "/api/v1/self-service?from=2026-03-02&to=2026-03-15", "Bearer "+s.read, nil)
		if r.status != http.StatusOK {
			t.Fatalf("self-service: %d %s", r.status, r.body)
		}
		var rep kb.Report
		if err := json.Unmarshal(r.body, &rep); err != nil {
			t.Fatal(err)
		}
		// The rate is the metric's for the same days, to the last digit.
		m := s.do("GET", "/api/v1/metrics?metric=self_service_rate&grain=week&from=2026-03-02&to=2026-03-15", "Bearer "+s.read, nil)
		var res metrics.Result
		if err := json.Unmarshal(m.body, &res); err != nil || len(res.Rows) != 2 {
			t.Fatalf("metrics: %d %s", m.status, m.body)
		}
		num, den := res.Rows[0].Numerator+res.Rows[1].Numerator, res.Rows[0].Denominator+res.Rows[1].Denominator
		if rep.SelfServiceRate == nil || *rep.SelfServiceRate != 0.833333 || num != 5 || den != 6 || rep.SelfResolved != num || rep.Demand != den {
			t.Errorf("rate %v (%v/%v), metrics %v/%v; want 0.833333 = 5/6", rep.SelfServiceRate, rep.SelfResolved, rep.Demand, num, den)
		}
		if len(rep.Weekly) != 2 || rep.Weekly[0].Week != "2026-W10" || *rep.Weekly[0].Rate != *res.Rows[0].Value {
			t.Errorf("weekly %+v, metrics %+v", rep.Weekly, res.Rows)
		}
		// Sessions 6, escalated 1; the size guide was shown in 5, all
		// measured (now is 25 March): c2 wrote the next day, so 4 of 5 had
		// no contact, against 0 of 1 for the escalated session.
		if rep.Sessions != 6 || rep.Escalated != 1 || len(rep.Articles) != 1 {
			t.Fatalf("report %s", r.body)
		}
		if a := rep.Articles[0]; a.Slug != "sizing-guide" || a.Shown != 5 || a.ShownNoContact != 4 || a.Others != 1 || a.OthersNoContact != 0 || *a.Deflection != 0.8 || a.Verdict != kb.VerdictUnknown {
			t.Errorf("sizing-guide %+v", a)
		}
		if len(rep.NoResult) != 2 || rep.NoResult[0].Query != "<script>alert(1)</script>" || rep.NoResult[1].Query != "do you ship to brazil" {
			t.Errorf("no result %+v", rep.NoResult)
		}

		for _, bad := range []struct{ query, field string }{{"from=nope", "from"}, {"from=2026-03-15&to=2026-03-02", "to"}, {"week=2026-W10", "week"}} {
			r := s.do("GET", "/api/v1/self-service?"+bad.query, "Bearer "+s.read, nil)
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"field":"`+bad.field+`"`) {
				t.Errorf("%s: %d %s", bad.query, r.status, r.body)
			}
		}
		if r := s.do("GET", "/api/v1/self-service", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("without a token: %d", r.status)
		}
		if r := s.do("GET", "/api/v1/self-service", "Bearer "+s.ingest, nil); r.status != http.StatusForbidden {
			t.Errorf("with an ingest token: %d", r.status)
		}
	})
}

func TestSelfServicePage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	selfServiceStore(t, db)
	s := startSite(t, db, func(srv *web.Server) { srv.Metrics = metrics.NewEngine(db, srv.Now) })
	analyst := s.visitor().login("analyst@example.com")
	body := analyst.page("/self-service?from=2026-03-02&to=2026-03-15", http.StatusOK)
	mustContain(t, body, `href="/self-service"`, "83.3%", `id="self-service-chart" data-chart="`,
		`<tr id="article-sizing-guide"><td class="text"><a href="/kb/en/sizing-guide">Find your size</a>`, "&#43;80.0 pts", "&#43;44.9 pts to &#43;100.0 pts", "not yet known",
		`<a href="/kb/new?title=Do&#43;you&#43;ship&#43;to&#43;Brazil%3F">write this article</a>`, "&lt;script&gt;alert(1)&lt;/script&gt;")
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("a customer's search is written unescaped")
	}
	if body := analyst.page("/self-service?from=2026-03-15&to=2026-03-02", http.StatusBadRequest); !strings.Contains(body, "is before from") {
		t.Error("a bad period is not explained")
	}
	agent := s.visitor().login("agent@example.com")
	agent.page("/self-service", http.StatusForbidden)
	if strings.Contains(agent.page("/inbox", http.StatusOK), `href="/self-service"`) {
		t.Error("an agent is offered the self-service page")
	}
}
