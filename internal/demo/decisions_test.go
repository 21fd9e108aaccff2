package demo

import (
	"context"
	"slices"
	"testing"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestDecisionsFindTheStories runs the decision loop on the default demo
// store: it must raise the alerts its stories imply — the high-return
// discount code under the contribution floor, the late carrier over the
// CPO ceiling, the owner who slips — and no other alert in any week since
// the thresholds were set.
func TestDecisionsFindTheStories(t *testing.T) {
	if testing.Short() {
		t.Skip("the default demo store takes a few seconds")
	}
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	sum := generate(t, db, Options{Seed: 1, Orders: DefaultOrders})
	if err := (&metrics.Engine{DB: db, Now: func() time.Time { return testNow }}).Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	dec, err := SetUpDecisions(ctx, db, sum, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if dec.ProgramStart != "2026-09-28" || len(dec.Accepted) != 2 || len(dec.Corrections) != 3 {
		t.Errorf("decisions %+v", dec)
	}
	clock := func() time.Time { return testNow }
	d := &decide.Decider{DB: db, Metrics: &metrics.Engine{DB: db, Now: clock}, Now: clock}
	loc, _ := store.TimeZone(ctx, db)
	expected := []string{"contribution_floor discount_code=SPRING30", "cpo_ceiling carrier=ParcelNow", "owner_completion owner=Tom"}
	seen := map[string]bool{}
	// Every week from the end of the baseline (2026-W44) to the last.
	for w := decide.WeekOf(time.Date(2026, 10, 26, 12, 0, 0, 0, loc), loc); !w.Start.After(sum.To); w = w.Add(1) {
		res, err := d.Evaluate(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range res.Alerts {
			k := a.Guardrail + " " + a.Scope.String()
			got = append(got, k)
			seen[k] = true
			if !slices.Contains(expected, k) {
				t.Errorf("%s: unexpected alert %s: %s", w, k, a.Why)
			}
		}
		t.Logf("%s: %v", w, got)
		if !slices.Contains(got, expected[0]) || !slices.Contains(got, expected[1]) {
			t.Errorf("%s: the SPRING30 and ParcelNow alerts should fire every week, got %v", w, got)
		}
	}
	if !seen[expected[2]] {
		t.Error("Tom's completion never fired")
	}
}
