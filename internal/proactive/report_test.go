package proactive_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"quietdesk/internal/costs"
	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// day returns a moment of autumn 2026 in UTC (the store's zone here).
func day(month time.Month, d, hour int) time.Time {
	return time.Date(2026, month, d, hour, 0, 0, 0, time.UTC)
}

// reportStore is the hand-made store of the golden test. Rule
// late_shipment decided over ISO weeks 2026-W40 (from Monday 28
// September) and W41:
//
//	notified N1–N7 (N7 imported, sent by another tool), contacts counted
//	0,0,1,0,2,0,0 — N3's is where-is-my-order, N5 has one of each topic
//	held out H1–H5 (H5 imported): contacts 1,2,1,1,2 — where-is-my-order
//	on H1, H2 (both), H3 and H5 (one of two); H4's is about a damaged item
//
// and what must not count: N1's contact before its decision, N2's 31 days
// after it (past the 30-day window), a contact of N4's customer naming no
// order, S1 (not held out, skipped: opted out) with 3 contacts, P1 held
// out on 2 November whose window is still open on 23 November (pending),
// and a decision of another rule on N1.
//
// The period's support cost is a fixed 3,400.00 over its 49 days and it
// has 17 contacts (every contact above starts inside it: 1 + 1 + 1 + 2 +
// 7 + 1 + 3 + 1), so a contact costs 200.00.
func reportStore(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var cid int64
		if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES ('Ann', 0) RETURNING id`).Scan(&cid); err != nil {
			return err
		}
		orders := map[string]int64{}
		decide := func(ext, rule string, at time.Time, held bool, status, source string, sent *time.Time) error {
			id, ok := orders[ext]
			if !ok {
				if err := tx.QueryRow(ctx, `INSERT INTO orders (external_id, customer_id, placed_at) VALUES (?, ?, ?) RETURNING id`, ext, cid, at.Add(-72*time.Hour).Unix()).Scan(&id); err != nil {
					return err
				}
				orders[ext] = id
			}
			var sentAt *int64
			if sent != nil {
				u := sent.Unix()
				sentAt = &u
			}
			_, err := tx.Exec(ctx, `INSERT INTO proactive_decisions (order_id, rule, decided_at, held_out, status, sent_at, channel, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				id, rule, at.Unix(), held, status, sentAt, "email", source)
			return err
		}
		contact := func(ext string, at time.Time, topic string) error {
			var order *int64
			if ext != "" {
				id := orders[ext]
				order = &id
			}
			_, err := tx.Exec(ctx, `INSERT INTO contacts (customer_id, order_id, channel, started_at, last_message_at, topic) VALUES (?, ?, 'email', ?, ?, ?)`,
				cid, order, at.Unix(), at.Unix(), topic)
			return err
		}
		sent := func(t time.Time) *time.Time { t = t.Add(time.Hour); return &t }
		steps := []error{
			decide("N1", "late_shipment", day(9, 29, 10), false, "sent", "", sent(day(9, 29, 10))),
			decide("N2", "late_shipment", day(9, 29, 10), false, "sent", "", sent(day(9, 29, 10))),
			decide("N3", "late_shipment", day(9, 29, 10), false, "sent", "", sent(day(9, 29, 10))),
			decide("N4", "late_shipment", day(9, 29, 10), false, "sent", "", sent(day(9, 29, 10))),
			decide("N5", "late_shipment", day(10, 6, 10), false, "sent", "", sent(day(10, 6, 10))),
			decide("N6", "late_shipment", day(10, 6, 10), false, "sent", "", sent(day(10, 6, 10))),
			decide("N7", "late_shipment", day(10, 6, 10), false, "sent", "import", sent(day(10, 6, 10))),
			decide("H1", "late_shipment", day(9, 30, 10), true, "held_out", "", nil),
			decide("H2", "late_shipment", day(9, 30, 10), true, "held_out", "", nil),
			decide("H3", "late_shipment", day(9, 30, 10), true, "held_out", "", nil),
			decide("H4", "late_shipment", day(10, 7, 10), true, "held_out", "", nil),
			decide("H5", "late_shipment", day(10, 7, 10), true, "held_out", "import", nil),
			decide("S1", "late_shipment", day(9, 30, 10), false, "skipped", "", nil),
			decide("P1", "late_shipment", day(11, 2, 10), true, "held_out", "", nil),
			decide("N1", "carrier_exception", day(9, 29, 10), false, "sent", "", sent(day(9, 29, 10))),

			contact("N3", day(9, 30, 9), "where_is_my_order"),
			contact("N5", day(10, 8, 9), "where_is_my_order"),
			contact("N5", day(10, 9, 9), "returns"),
			contact("H1", day(10, 1, 9), "where_is_my_order"),
			contact("H2", day(10, 1, 9), "where_is_my_order"),
			contact("H2", day(10, 3, 9), "where_is_my_order"),
			contact("H3", day(10, 2, 9), "where_is_my_order"),
			contact("H4", day(10, 8, 9), "damaged_item"),
			contact("H5", day(10, 8, 9), "where_is_my_order"),
			contact("H5", day(10, 9, 9), "returns"),

			contact("N1", day(9, 28, 9), "where_is_my_order"),   // before its decision
			contact("N2", day(10, 30, 11), "where_is_my_order"), // 31 days after
			contact("", day(9, 30, 9), "where_is_my_order"),     // names no order
			contact("S1", day(10, 1, 9), "where_is_my_order"),
			contact("S1", day(10, 2, 9), "where_is_my_order"),
			contact("S1", day(10, 3, 9), "returns"),
			contact("P1", day(11, 3, 9), "where_is_my_order"),
		}
		if err := errors.Join(steps...); err != nil {
			return err
		}
		_, err := costs.Upsert(ctx, tx, []costs.Entry{{Kind: "fixed", Amount: domain.Money(340000), StartDate: "2026-09-28", EndDate: "2026-11-15", Description: "support team"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReportGolden checks every figure of the report against the hand
// computation below.
//
// Notified: n = 7, contacts 3, cpo = 3/7 = 0.428571; sample variance
// Σ(x−x̄)²/(n−1) = (5·(3/7)² + (4/7)² + (11/7)²)/6 = (182/49)/6 = 0.619048.
// Where-is-my-order: N3, N5 → 2/7 = 0.285714.
// Held out: n = 5, contacts 7, cpo = 1.4; variance (3·0.4² + 2·0.6²)/4 =
// 1.2/4 = 0.3. Where-is-my-order: H1, H2, H3, H5 → 4/5 = 0.8.
//
// cpo difference = 3/7 − 7/5 = −34/35 = −0.971429. Welch standard error
// √(0.619048/7 + 0.3/5) = √(0.088435 + 0.06) = √0.148435 = 0.385273, so
// ±1.96·0.385273 = ±0.755136: [−1.726564, −0.216293]. A notified cpo
// cannot be below 0, so the lower end is clipped to −1.4: [−1.4,
// −0.216293]. It excludes zero: known.
//
// Rate difference = 2/7 − 4/5 = −0.514286; standard error
// √(2/7·5/7/7 + 0.8·0.2/5) = √(0.029155 + 0.032) = 0.247294, ±0.484697:
// [−0.998983, −0.029589], clipped below to −0.8: [−0.8, −0.029589].
//
// Saved: 34/35 · 7 = 6.8 contacts, at 3,400.00 ÷ 17 = 200.00 each:
// 1,360.00. Eligible 14 (N1–N7, H1–H5, S1, P1), one of them pending.
func TestReportGolden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		reportStore(t, db)
		now := day(11, 23, 12)
		rep, err := proactive.BuildReport(context.Background(), db, "late_shipment", day(9, 28, 0), day(11, 16, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		rep.SplitByWeek(func(t time.Time) string { y, w := t.ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) })
		got, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"rule":"late_shipment","from":"2026-09-28T00:00:00Z","to":"2026-11-16T00:00:00Z","as_of":"2026-11-23T12:00:00Z",` +
			`"eligible":14,"pending":1,"window_days":30,` +
			`"notified":{"orders":7,"contacts":3,"cpo":0.428571,"wismo_rate":0.285714,"wismo_orders":2},` +
			`"held_out":{"orders":5,"contacts":7,"cpo":1.4,"wismo_rate":0.8,"wismo_orders":4},` +
			`"difference":{"cpo":-0.971429,"ci95":[-1.4,-0.216293],"wismo_rate":-0.514286,"wismo_rate_ci95":[-0.8,-0.029589]},` +
			`"saved":{"contacts":6.8,"support_cost":1360,"cost_per_contact":200},"known":true,` +
			`"weeks":[` +
			`{"week":"2026-W40","eligible":8,"notified":{"orders":4,"contacts":1,"cpo":0.25,"wismo_rate":0.25,"wismo_orders":1},"held_out":{"orders":3,"contacts":4,"cpo":1.333333,"wismo_rate":1,"wismo_orders":3}},` +
			`{"week":"2026-W41","eligible":5,"notified":{"orders":3,"contacts":2,"cpo":0.666667,"wismo_rate":0.333333,"wismo_orders":1},"held_out":{"orders":2,"contacts":3,"cpo":1.5,"wismo_rate":0.5,"wismo_orders":1}},` +
			`{"week":"2026-W45","eligible":1,"notified":{"orders":0,"contacts":0,"cpo":0,"wismo_rate":0,"wismo_orders":0},"held_out":{"orders":0,"contacts":0,"cpo":0,"wismo_rate":0,"wismo_orders":0}}]}`
		if string(got) != want {
			t.Errorf("report\n got %s\nwant %s", got, want)
		}
	})
}

// Until the interval excludes zero the effect is not known and nothing is
// counted as saved: the first week alone (4 notified, 3 held out) has
// cpo 0.25 against 1.333333 with variances 0.25 and 0.333333, standard
// error √(0.0625 + 0.111111) = 0.416667, interval −1.083333 ± 0.816667 =
// [−1.9, −0.266667] → clipped [−1.333333, −0.266667]: known. The second
// week alone (3 against 2): cpo 0.666667 − 1.5 = −0.833333, variances
// 1.333333 and 0.5, error √(0.444444 + 0.25) = 0.833333, ±1.633333:
// [−2.466667, 0.8] → [−1.5, 0.8], not known.
func TestReportNotYetKnown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		reportStore(t, db)
		now := day(11, 23, 12)
		rep, err := proactive.BuildReport(context.Background(), db, "late_shipment", day(10, 5, 0), day(10, 12, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Known || rep.Difference.CI95 != [2]float64{-1.5, 0.8} || rep.Difference.CPO != -0.833333 || rep.Saved != (proactive.Saved{}) {
			t.Errorf("second week: known %v, cpo %v %v, saved %+v", rep.Known, rep.Difference.CPO, rep.Difference.CI95, rep.Saved)
		}
		rep, err = proactive.BuildReport(context.Background(), db, "late_shipment", day(9, 28, 0), day(10, 5, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Known || rep.Difference.CI95 != [2]float64{-1.333333, -0.266667} {
			t.Errorf("first week: known %v, interval %v", rep.Known, rep.Difference.CI95)
		}
	})
}

// A report asks for a rule that exists and a period that is one.
func TestReportRefusals(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	now := day(11, 23, 12)
	_, err := proactive.BuildReport(ctx, db, "nothing_like_it", day(9, 28, 0), day(10, 5, 0), now)
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.ENotFound {
		t.Errorf("unknown rule: %v", err)
	}
	_, err = proactive.BuildReport(ctx, db, "", day(10, 5, 0), day(9, 28, 0), now)
	if !errors.As(err, &e) || e.Code != domain.EInvalid || len(e.Fields) != 2 {
		t.Errorf("no rule, to before from: %v", err)
	}
	if _, err := proactive.ReportPeriod(ctx, db, "2026-10-05", "2026-09-28", now); err == nil {
		t.Error("a period ending before it starts was accepted")
	}
	p, err := proactive.ReportPeriod(ctx, db, "2026-09-28", "2026-10-04", now)
	if err != nil || !p.From.Equal(day(9, 28, 0)) || !p.To.Equal(day(10, 5, 0)) {
		t.Errorf("period %+v %v", p, err)
	}
}
