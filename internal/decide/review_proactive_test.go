package decide_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The review's "what changed" lists the proactive rules switched on or off
// and the campaigns sent in the week, with their counts; edits, and
// changes of other weeks, are left out.
func TestReviewListsProactiveRuleChanges(t *testing.T) {
	s := scenario{weeks: 3, cohorts: []string{"Alpha", "Beta"}, spec: func(w int, c string) cohortWeek {
		return cohortWeek{orders: 20, revenue: 100, cogs: 40, contacts: 0.2}
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		week := s.lastWeek()
		before, tue, thu := week.Start.AddDate(0, 0, -2), week.Start.AddDate(0, 0, 1).Add(10*time.Hour), week.Start.AddDate(0, 0, 3).Add(15*time.Hour)
		late := &proactive.Rule{Name: "late_shipment", Kind: proactive.KindLateShipment, HoldoutPct: 10}
		camp := &proactive.Rule{Name: "beta-delay", Kind: proactive.KindCampaign, HoldoutPct: 10, Scope: proactive.Scope{Carrier: "Beta"},
			Templates: []proactive.Template{{Channel: "email", Locale: "en", Subject: "Late", Body: "Order {{.OrderName}} is late."}}}
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.WriteTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		write(func(tx *store.Tx) error { return proactive.SaveRule(ctx, tx, late, "ann", before) })
		write(func(tx *store.Tx) error {
			_, err := proactive.SetEnabled(ctx, tx, "late_shipment", true, "ann", before)
			return err
		})
		write(func(tx *store.Tx) error {
			_, err := proactive.SetEnabled(ctx, tx, "late_shipment", false, "bob", tue)
			return err
		})
		write(func(tx *store.Tx) error { return proactive.SaveCampaign(ctx, tx, camp, "cara", tue) })
		sent, err := proactive.SendCampaign(ctx, db, "beta-delay", "cara", thu)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := proactive.SendCampaign(ctx, db, "beta-delay", "cara", thu.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if sent.Orders != 60 || sent.HeldOut == 0 {
			t.Fatalf("sent %+v: the fixture should give 60 Beta orders, some held out", sent)
		}
		r, err := newDecider(db, s.now()).Review(ctx, week)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(r.Changed.ProactiveRules)
		want := `[{"rule":"late_shipment","kind":"late_shipment","change":"disabled","by":"bob","at":"` + tue.Format(time.DateOnly) + `"},` +
			`{"rule":"beta-delay","kind":"campaign","change":"campaign_sent","by":"cara","at":"` + thu.Format(time.DateOnly) + `","orders":60,"scheduled":` +
			itoa(sent.Scheduled) + `,"held_out":` + itoa(sent.HeldOut) + `}]`
		if string(got) != want {
			t.Errorf("proactive rules changed:\n%s\nwant\n%s", got, want)
		}
		md := r.Markdown()
		line := "- Campaign beta-delay sent by cara on " + thu.Format(time.DateOnly) + ": 60 orders, " + itoa(sent.Scheduled) + " scheduled, " + itoa(sent.HeldOut) + " held out.\n"
		for _, w := range []string{"- Proactive rule late_shipment switched off by bob on " + tue.Format(time.DateOnly) + ".\n", line} {
			if !strings.Contains(md, w) {
				t.Errorf("the Markdown lacks %q:\n%s", w, md)
			}
		}
		html, err := r.HTMLBody()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(html), `<li class="proactive-rule">Campaign beta-delay sent by cara on `+thu.Format(time.DateOnly)+": 60 orders") {
			t.Errorf("the HTML lacks the campaign:\n%s", html)
		}
		// The week before saw the rule created and switched on.
		prev, err := newDecider(db, s.now()).Review(ctx, week.Add(-1))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(prev.Changed.ProactiveRules); !strings.Contains(string(got), `"change":"enabled","by":"ann"`) || strings.Contains(string(got), "campaign") {
			t.Errorf("the week before: %s", got)
		}
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
