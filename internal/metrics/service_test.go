package metrics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/ingest/ingesttest"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// seedService builds the team figures' worked example, in UTC. Week
// 2026-W10 runs from Monday 2 March to Sunday 8 March 2026.
//
// Imported contacts (another helpdesk's export):
//
//	A1 Mon 09:00 email Lea/tier1  first reply after 60 min, resolved after 24 h, 2 replies, rated 5
//	A2 Mon 10:00 email Lea/tier1  30 min, resolved after 4 h, 1 reply, rated 4
//	A3 Tue 08:00 chat  Sam/tier2  2 min, resolved after 20 min, 5 replies, rated 2
//	A4 Wed 12:00 email Sam/tier2  6 h, not resolved
//	A5 Thu 09:00 voice Lea/tier1  never answered
//	A6 Fri 09:00 email Sam/tier2  7 min 40 s (kept as 8 min), resolved the next Tuesday (W11), rated 1
//
// The desk's own conversations (Nia answers):
//
//	hal  Sun 1 March 09:00, answered 10:00, closed Mon 2 March 12:00 (27 h), rated 3 on Wednesday
//	ivy  Thu 26 February 09:00, still open
//	eve  Fri 6 March 10:00, answered 11:00, still open
//	gus  Sun 8 March 20:00, still open
func seedService(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,agent,team,first_response_at,resolved_at,replies,csat_score", []string{
		"A1,2026-03-02 09:00:00,email,Lea,tier1,2026-03-02 10:00:00,2026-03-03 09:00:00,2,5",
		"A2,2026-03-02 10:00:00,email,Lea,tier1,2026-03-02 10:30:00,2026-03-02 14:00:00,1,4",
		"A3,2026-03-03 08:00:00,chat,Sam,tier2,2026-03-03 08:02:00,2026-03-03 08:20:00,5,2",
		"A4,2026-03-04 12:00:00,email,Sam,tier2,2026-03-04 18:00:00,,1,",
		"A5,2026-03-05 09:00:00,voice,Lea,tier1,,,,",
		"A6,2026-03-06 09:00:00,email,Sam,tier2,2026-03-06 09:07:40,2026-03-10 09:00:00,3,1",
	})
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, m := range []desk.Message{
		{ExternalID: "h1", Customer: commerce.CustomerRef{Email: "hal@example.com"}, Channel: "email", Author: "customer", At: at("2026-03-01 09:00:00")},
		{ExternalID: "h2", Customer: commerce.CustomerRef{Email: "hal@example.com"}, Channel: "email", Author: "agent", Agent: "Nia", At: at("2026-03-01 10:00:00")},
		{ExternalID: "i1", Customer: commerce.CustomerRef{Email: "ivy@example.com"}, Channel: "email", Author: "customer", At: at("2026-02-26 09:00:00")},
		{ExternalID: "e1", Customer: commerce.CustomerRef{Email: "eve@example.com"}, Channel: "email", Author: "customer", At: at("2026-03-06 10:00:00")},
		{ExternalID: "e2", Customer: commerce.CustomerRef{Email: "eve@example.com"}, Channel: "email", Author: "agent", Agent: "Nia", At: at("2026-03-06 11:00:00")},
		{ExternalID: "g1", Customer: commerce.CustomerRef{Email: "gus@example.com"}, Channel: "email", Author: "customer", At: at("2026-03-08 20:00:00")},
	} {
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clocktest.Clock()), m)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var link string
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT v.id FROM conversations v JOIN customer_identities i ON i.customer_id = v.customer_id WHERE i.value = 'hal@example.com'`).Scan(&id); err != nil {
			return err
		}
		if err := desk.SetConversationState(ctx, tx, id, "closed", at("2026-03-02 12:00:00")); err != nil {
			return err
		}
		var err error
		link, err = desk.AskSatisfaction(ctx, tx, id, at("2026-03-02 12:00:00"), "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		_, err := desk.AnswerSatisfaction(ctx, tx, strings.TrimPrefix(link, "/csat/"), 3, "", at("2026-03-04 10:00:00"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTeamFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedService(t, db)
		e := metrics.NewEngine(db, clocktest.Clock())
		check := func(metric, by, group string, value, num, den float64) {
			t.Helper()
			v, n, d := one(t, run(t, e, metric, by), group)
			if !near(v, value) || !near(n, num) || !near(d, den) {
				t.Errorf("%s by %q %q = %v (%v / %v), want %v (%v / %v)", metric, by, group, v, n, d, value, num, den)
			}
		}
		// First responses of the contacts started in W10: 2, 8, 30, 60
		// (A1), 60 (eve) and 360 minutes; A5 is unanswered and left out.
		// The median of six is the mean of the third and fourth: 45 min.
		check("first_response_time", "", "", 0.75, 0.75*6, 6)
		check("first_response_time", "agent", "Lea", 0.75, 1.5, 2)        // 30 and 60 min
		check("first_response_time", "agent", "Sam", 8.0/60, 3*8.0/60, 3) // 2, 8 (from 7:40) and 360 min
		check("first_response_time", "team", "tier2", 8.0/60, 3*8.0/60, 3)
		check("first_response_time", "agent", "Nia", 1, 1, 1)
		check("first_response_time", "channel", "chat", 2.0/60, 2.0/60, 1)
		// Resolved in W10: A3 20 min, A2 4 h, A1 24 h and hal 27 h; A6
		// ended in W11. Median: (4 + 24) / 2 = 14 hours.
		check("resolution_time", "", "", 14, 14*4, 4)
		check("resolution_time", "team", "tier1", 14, 28, 2) // 4 and 24 hours
		check("replies_per_contact", "", "", 9.0/4, 9, 4)    // 2 + 1 + 5 + hal's 1
		check("replies_per_contact", "agent", "Sam", 5, 5, 1)
		// Answered in W10: A1 5, A2 4, A3 2 and hal 3.
		check("csat", "", "", 0.5, 2, 4)
		check("csat", "channel", "email", 2.0/3, 2, 3)
		check("csat", "agent", "Lea", 1, 2, 2)
		check("csat", "team", "tier2", 0, 0, 1)
		check("csat_responses", "", "", 4, 4, 1)
		// Open at the end of W10 (Monday 9 March 00:00): gus (4 h), eve
		// (38 h) and ivy (over 10 days); hal was closed.
		check("backlog", "", "", 3, 3, 1)
		check("backlog", "age", "4 to 24 hours", 1, 1, 1)
		check("backlog", "age", "1 to 3 days", 1, 1, 1)
		check("backlog", "age", "over 7 days", 1, 1, 1)
		check("backlog", "agent", "Nia", 1, 1, 1)

		// W11 holds A6: resolved after 4 days, rated 1.
		res, err := e.Run(context.Background(), metrics.Query{Metric: "resolution_time", From: "2026-03-09", To: "2026-03-15"})
		if err != nil || len(res.Rows) != 1 || *res.Rows[0].Value != 96 {
			t.Errorf("W11 resolution time: %+v %v", res.Rows, err)
		}

		// The age buckets run youngest first, and the week before had hal
		// (15 h) and ivy (3 days 15 h) open.
		res, err = e.Run(context.Background(), metrics.Query{Metric: "backlog", From: "2026-02-23", To: "2026-03-08", By: "age"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res.Rows {
			got = append(got, fmt.Sprintf("%s %s %g", r.Period, *r.Group, r.Numerator))
		}
		want := "2026-W09 4 to 24 hours 1|2026-W09 3 to 7 days 1|2026-W10 4 to 24 hours 1|2026-W10 1 to 3 days 1|2026-W10 over 7 days 1"
		if strings.Join(got, "|") != want {
			t.Errorf("backlog by age:\n got %s\nwant %s", strings.Join(got, "|"), want)
		}

		// A week not over is a snapshot of now, and says it is partial.
		mid := metrics.NewEngine(db, clock.Fixed(time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)))
		res, err = mid.Run(context.Background(), metrics.Query{Metric: "backlog", From: "2026-03-02", To: "2026-03-08"})
		if err != nil || len(res.Rows) != 1 || *res.Rows[0].Value != 2 || !res.Rows[0].Partial {
			t.Errorf("backlog of the week under way: %+v %v", res.Rows, err)
		}

		// Team figures take contact dimensions only.
		for _, q := range []metrics.Query{{Metric: "first_response_time", By: "carrier"}, {Metric: "csat", By: "age"}, {Metric: "cpo", By: "age"}} {
			q.From, q.To = "2026-03-02", "2026-03-08"
			if _, err := e.Run(context.Background(), q); err == nil || !strings.Contains(err.Error(), "by:") {
				t.Errorf("%s by %s: %v", q.Metric, q.By, err)
			}
		}
		sameAnswers(t, db, "the team figures' example")

		// Later writes mark the days they change: a customer changes
		// their mind, a resolved contact's topic is corrected, and a
		// re-export moves a resolution to another day.
		ctx := context.Background()
		if _, err := db.Exec(ctx, `UPDATE csat SET score = 5 WHERE token_hash IS NOT NULL`); err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, db, "a changed answer")
		check("csat", "", "", 0.75, 3, 4)
		if _, err := db.Exec(ctx, `UPDATE contacts SET topic = 'return' WHERE external_id = 'A1'`); err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, db, "a topic corrected after resolution")
		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,agent,team,first_response_at,resolved_at,replies,csat_score", []string{
			"A2,2026-03-02 10:00:00,email,Lea,tier1,2026-03-02 10:30:00,2026-03-12 14:00:00,1,4",
		})
		sameAnswers(t, db, "a resolution moved to another week")
		check("resolution_time", "", "", 24, 24*3, 3) // 20 min, 24 h and 27 h
	})
}
