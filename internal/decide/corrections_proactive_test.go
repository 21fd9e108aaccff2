package decide_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest/ingesttest"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// holdoutStore is the holiday store with two proactive rules that decided
// week 6's orders (from holidayMonday): late_shipment notified O1261-O1365
// and held out O1366-O1470, whose customers then each wrote once more;
// carrier_exception notified ten orders and held out ten, with nothing
// added. The review runs a month later, once every order's window is over.
func holdoutStore(t *testing.T, db *store.DB) time.Time {
	t.Helper()
	ctx := context.Background()
	s := holidayStore(func(*cohortWeek) {})
	s.build(t, db)
	for _, name := range []string{"late_shipment", "carrier_exception"} {
		r := &proactive.Rule{Name: name, Kind: name, HoldoutPct: 10}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return proactive.SaveRule(ctx, tx, r, "ann", firstMonday) }); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(from, to int) string {
		var out []string
		for n := from; n <= to; n++ {
			out = append(out, fmt.Sprintf("'O%d'", n))
		}
		return strings.Join(out, ", ")
	}
	decide := func(rule, set string, held bool) {
		status, sent := "'sent'", "placed_at + 3600"
		if held {
			status, sent = "'held_out'", "NULL"
		}
		q := fmt.Sprintf(`INSERT INTO proactive_decisions (order_id, rule, decided_at, held_out, status, sent_at, channel)
			SELECT id, '%s', placed_at + 3600, %v, %s, %s, 'email' FROM orders WHERE external_id IN (%s)`, rule, held, status, sent, set)
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	decide("late_shipment", ids(1261, 1365), false)
	decide("late_shipment", ids(1366, 1470), true)
	decide("carrier_exception", ids(1261, 1270), false)
	decide("carrier_exception", ids(1271, 1280), true)
	rows, err := db.Query(ctx, `SELECT external_id, placed_at FROM orders WHERE external_id IN (`+ids(1366, 1470)+`)`)
	if err != nil {
		t.Fatal(err)
	}
	var contacts []string
	for rows.Next() {
		var id string
		var placed int64
		if err := rows.Scan(&id, &placed); err != nil {
			t.Fatal(err)
		}
		contacts = append(contacts, fmt.Sprintf("H%s,%s,email,%s", id, time.Unix(placed, 0).UTC().Add(48*time.Hour).Format(time.DateTime), id))
	}
	rows.Close()
	ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,order_id", contacts)
	return time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
}

// A correction whose lever is a proactive rule: the lever must name one,
// and the verdict follows the rule's holdout once its interval excludes
// zero, even against the difference-in-differences.
func TestCorrectionLeverProactiveRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := holdoutStore(t, db)
		d := newDecider(db, now)
		add := func(lever string) (decide.Correction, error) {
			return d.AddCorrection(ctx, decide.Correction{Title: "Tell late parcels' customers first", Metric: "cpo", Lever: lever,
				Expected: decide.Expected{Low: 0.01, Base: 0.02, High: 0.03}, Owner: "Malik", Start: holidayMonday}, decide.AddOptions{Force: true})
		}
		if _, err := add("proactive:nope"); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), `lever: there is no proactive rule "nope"`) {
			t.Errorf("a lever naming no rule: %v", err)
		}
		if _, err := add("proactive:"); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "lever:") {
			t.Errorf("a lever naming nothing: %v", err)
		}

		c, err := add("proactive:late_shipment")
		if err != nil {
			t.Fatal(err)
		}
		r, err := d.ReviewCorrection(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Notified: 105 orders with the store's 0.1 contacts each; held
		// out: the same and one more each. The difference-in-differences
		// sees CPO rise (the extra contacts) and would roll back; the
		// holdout says the notices cut contacts by about one per order.
		h := r.Holdout
		if h == nil || h.Rule != "late_shipment" || h.Notified != 105 || h.HeldOut != 105 || h.Pending != 0 || !h.Known || h.Difference > -0.9 || h.CI95[1] >= 0 {
			t.Fatalf("holdout %+v", h)
		}
		if r.Realized >= 0 {
			t.Errorf("the difference-in-differences realized %v: the fixture should make it a worsening", r.Realized)
		}
		// 10 contacts on 105 notified orders, 116 on 105 held out.
		want := "keep: the holdout of late_shipment: 105 notified orders at 0.095 contacts per order against 105 held out at 1.10, a difference of -1.01 (95% interval -1.09 to -0.928): "
		if r.Verdict != "keep" || !strings.HasPrefix(r.Reason, want) || !strings.Contains(r.Reason, ": the notices cut contacts, and no guard metric worsened; the difference-in-differences: no improvement; in the store, cpo went from") {
			t.Errorf("verdict %s: %s\nwant it to start %q", r.Verdict, r.Reason, want)
		}
		if got, _ := d.Correction(ctx, c.ID); got.Status != decide.Kept || got.Lever != "proactive:late_shipment" {
			t.Errorf("stored %+v", got)
		}

		// Ten against ten with the same contacts: not yet known, and the
		// verdict stays the difference-in-differences one.
		c2, err := add("proactive:carrier_exception")
		if err != nil {
			t.Fatal(err)
		}
		r2, err := d.MeasureCorrection(ctx, c2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Holdout == nil || r2.Holdout.Known || r2.Holdout.Notified != 10 || r2.Holdout.HeldOut != 10 {
			t.Fatalf("holdout %+v", r2.Holdout)
		}
		if r2.Verdict != "roll_back" || !strings.HasPrefix(r2.Reason, "roll back: no improvement;") || !strings.HasSuffix(r2.Reason, ": the effect is not yet known (the interval includes zero)") {
			t.Errorf("verdict %s: %s", r2.Verdict, r2.Reason)
		}

		// A free-text lever has no holdout.
		c3, err := add("packaging")
		if err != nil {
			t.Fatal(err)
		}
		if r3, err := d.MeasureCorrection(ctx, c3.ID); err != nil || r3.Holdout != nil {
			t.Errorf("a free-text lever: %+v %v", r3.Holdout, err)
		}
	})
}
