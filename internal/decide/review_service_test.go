package decide_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/ingest/ingesttest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The review's service line gives the week's team figures against the
// week before, in Markdown, HTML and JSON; a store without any has none.
func TestReviewServiceLine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
		week, err := decide.ParseWeek("2026-W10", time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		// Orders make the weeks reviewable; no team figures yet.
		ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue", []string{"O1,2026-02-24 10:00:00,50", "O2,2026-03-03 10:00:00,50"})
		r, err := newDecider(db, now).Review(ctx, week)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Service) != 0 || strings.Contains(r.Markdown(), "Service") {
			t.Fatalf("a store without team figures shows %+v", r.Service)
		}
		// W09: answered after 60 and 120 minutes, resolved after 4 and 24
		// hours with 2 replies each, rated 5 and 3. W10: 30 minutes, 2
		// hours, 1 reply, rated 4.
		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,first_response_at,resolved_at,replies,csat_score", []string{
			"C1,2026-02-24 09:00:00,email,2026-02-24 10:00:00,2026-02-24 13:00:00,2,5",
			"C2,2026-02-25 09:00:00,email,2026-02-25 11:00:00,2026-02-26 09:00:00,2,3",
			"C3,2026-03-03 09:00:00,chat,2026-03-03 09:30:00,2026-03-03 11:00:00,1,4",
		})
		r, err = newDecider(db, now).Review(ctx, week)
		if err != nil {
			t.Fatal(err)
		}
		want := "first response 30 min (1.50 h the week before), resolution 2.00 h (14.0 h), 1.00 replies per contact (2.00), CSAT 100% of 1 answer (50% of 2 answers)."
		if got := r.ServiceLine(); got != want {
			t.Errorf("service line\n got %s\nwant %s", got, want)
		}
		if !strings.Contains(r.Markdown(), "**Service**: "+want) {
			t.Errorf("the Markdown lacks the service line:\n%s", r.Markdown())
		}
		html, err := r.HTML()
		if err != nil || !strings.Contains(html, `<p id="service"><b>Service</b>: first response 30 min`) {
			t.Errorf("the HTML lacks the service line (%v)", err)
		}
		if f := r.Service[0]; f.Metric != "first_response_time" || *f.Value != 0.5 || *f.Previous != 1.5 || f.Count != 1 || f.PreviousCount != 2 {
			t.Errorf("first response figure %+v", f)
		}
	})
}
