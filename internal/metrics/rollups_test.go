package metrics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/ingest/ingesttest"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// sameAnswers checks that the engine answers every metric, by a spread of
// cuts, exactly as the direct computation over raw rows does: first as
// the write left the store (reads answer changed days from raw rows and
// write nothing), then once the rollups task has refreshed the rollup.
func sameAnswers(t *testing.T, db *store.DB, after string) {
	t.Helper()
	dirty := func() int {
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM metric_dirty`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := dirty()
	compareWithRaw(t, db, after+", before the rollups task")
	if n := dirty(); n != before {
		t.Fatalf("after %s: reading changed the dirty days from %d to %d", after, before, n)
	}
	if err := metrics.NewEngine(db, clocktest.Clock()).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	compareWithRaw(t, db, after)
}

func compareWithRaw(t *testing.T, db *store.DB, after string) {
	t.Helper()
	ctx := context.Background()
	rolled := metrics.NewEngine(db, clocktest.Clock())
	raw := &metrics.Engine{DB: db, Now: clocktest.Clock(), Raw: true}
	cuts := []string{"", "carrier", "customer_type", "first_order_month", "discount_code", "channel", "topic", "agent", "team", "owner", "age"}
	checked := 0
	for _, m := range metrics.Names {
		for _, by := range cuts {
			for _, grain := range []string{"week", "day"} {
				q := metrics.Query{Metric: m, From: "2026-02-23", To: "2026-03-29", Grain: grain, By: by}
				want, err := raw.Run(ctx, q)
				if err != nil {
					continue // a cut that does not apply to the metric
				}
				got, err := rolled.Run(ctx, q)
				if err != nil {
					t.Fatalf("after %s: rollup %s by %q: %v", after, m, by, err)
				}
				got.PendingDays = 0 // how it was read, not what
				a, _ := json.Marshal(got)
				b, _ := json.Marshal(want)
				if string(a) != string(b) {
					t.Fatalf("after %s: %s by %q (%s) differs\nrollup: %s\nraw:    %s", after, m, by, grain, a, b)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d queries compared", checked)
	}
}

func TestRollupEqualsRawAfterEveryKindOfWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.SetSetting(ctx, "timezone", "Europe/Paris")
		sameAnswers(t, db, "an empty store")

		ingesttest.ImportCSV(t, db, "orders", "order_id,customer_email,placed_at,item_revenue,cogs,carrier,discount_code,status,fulfilled_at", []string{
			"O1,ana@example.com,2026-03-02 10:00:00,100,40,DHL,SPRING30,fulfilled,2026-03-03 10:00:00",
			"O2,ben@example.com,2026-03-03 23:30:00,80,30,UPS,,fulfilled,2026-03-04 10:00:00",
			"O3,ana@example.com,2026-03-10 09:00:00,60,20,DHL,,placed,",
			"O4,cy@example.com,2026-03-11 09:00:00,60,20,UPS,SPRING30,cancelled,",
		})
		sameAnswers(t, db, "importing orders")

		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,customer_email,topic,handle_seconds,team,agent,text", []string{
			"K1,2026-03-04 10:00:00,email,ana@example.com,where_is_my_order,300,tier1,Lea,where is my order",
			"K2,2026-03-05 10:00:00,voice,ben@example.com,delivery_delay,600,tier2,Sam,late",
			"K3,2026-03-12 10:00:00,chat,,sizing,120,,Lea,size?",
			"K4,2026-03-13 10:00:00,email,dan@example.com,return,200,tier1,Sam,return please",
		})
		sameAnswers(t, db, "importing contacts")

		ingesttest.ImportCSV(t, db, "costs", "kind,amount,start_date,end_date,team,channel", []string{
			"team_rate,36,2026-01-01,,tier1,", "team_rate,48,2026-01-01,,tier2,", "contact_fee,0.35,2026-01-01,,,voice",
			"fixed,300,2026-03-01,2026-03-15,,",
		})
		sameAnswers(t, db, "importing costs")

		ingesttest.ImportCSV(t, db, "returns", "return_id,order_id,returned_at,refund_amount,return_shipping_cost,restocked_cogs", []string{"R1,O1,2026-03-20 10:00:00,100,6,40"})
		sameAnswers(t, db, "a late return")

		ingesttest.ImportCSV(t, db, "self_service", "session_id,started_at,outcome,topic,order_id", []string{"S1,2026-03-06 10:00:00,resolved,where_is_my_order,O2", "S2,2026-03-07 10:00:00,escalated,return,"})
		ingesttest.ImportCSV(t, db, "actions", "action_id,owner,title,due_date,completed_at", []string{"A1,Dana,banner,2026-03-05,2026-03-05 10:00:00", "A2,Omar,guide,2026-03-12,"})
		sameAnswers(t, db, "self-service sessions and actions")

		// An edited order: another carrier and another day.
		ingesttest.ImportCSV(t, db, "orders", "order_id,customer_email,placed_at,item_revenue,cogs,carrier,discount_code,status,fulfilled_at", []string{
			"O2,ben@example.com,2026-03-05 08:00:00,80,30,GLS,,fulfilled,2026-03-06 10:00:00",
		})
		sameAnswers(t, db, "an edited order")

		// An earlier order makes ana's others returning, and her first
		// order month changes; dan's contact now links to his new order.
		ingesttest.ImportCSV(t, db, "orders", "order_id,customer_email,placed_at,item_revenue", []string{"O0,ana@example.com,2026-02-24 10:00:00,10", "O5,dan@example.com,2026-03-09 10:00:00,25"})
		sameAnswers(t, db, "an earlier order and a late-arriving order")

		// Native messages, a closed conversation, and a merge of two
		// customers proven to be one.
		for _, m := range []desk.Message{
			{ExternalID: "m1", Customer: commerce.CustomerRef{Email: "eve@example.com"}, Channel: "sms", Author: "customer", At: time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)},
			{ExternalID: "m2", Customer: commerce.CustomerRef{Email: "eve@example.com"}, Channel: "sms", Author: "agent", At: time.Date(2026, 3, 16, 9, 5, 0, 0, time.UTC)},
			{ExternalID: "m3", Customer: commerce.CustomerRef{Phone: "+33612345678"}, Channel: "voice", Author: "customer", At: time.Date(2026, 3, 17, 9, 0, 0, 0, time.UTC)},
		} {
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				_, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clocktest.Clock()), m)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		sameAnswers(t, db, "native messages")
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			var id int64
			if err := tx.QueryRow(ctx, `SELECT MIN(id) FROM conversations`).Scan(&id); err != nil {
				return err
			}
			return desk.SetConversationState(ctx, tx, id, "closed", time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC))
		})
		if err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, db, "closing a conversation")
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := commerce.NewCustomers(clocktest.Clock()).Resolve(ctx, tx, commerce.CustomerRef{Email: "eve@example.com", Phone: "+33612345678"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, db, "merging two customers")

		// The time zone moves every day boundary.
		db.SetSetting(ctx, "timezone", "America/New_York")
		sameAnswers(t, db, "changing the time zone")

		// And a rebuild from scratch gives the same answers again.
		if err := metrics.NewEngine(db, clocktest.Clock()).Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, db, "a rebuild")
	})
}

// TestOnlyTheTimeZoneDirtiesEverything: other settings, and writing the
// same zone again, leave the rollup alone; a new zone rebuilds it.
func TestOnlyTheTimeZoneDirtiesEverything(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.SetSetting(ctx, "timezone", "Europe/Paris")
		if err := metrics.NewEngine(db, clocktest.Clock()).Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		pending := func() int {
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM metric_dirty`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, kv := range [][2]string{{"program_start", "2026-01-05"}, {"review.sent_week", "2026-W12"}, {"program_start", "2026-02-02"}, {"timezone", "Europe/Paris"}} {
			if err := db.SetSetting(ctx, kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
			if n := pending(); n != 0 {
				t.Errorf("setting %s = %s left %d days to recompute", kv[0], kv[1], n)
			}
		}
		db.SetSetting(ctx, "timezone", "America/New_York")
		if n := pending(); n != 1 {
			t.Errorf("a new time zone: %d pending, want everything (1 row)", n)
		}
	})
}

// A date far in the future that got into the store (a fixed cost "ending"
// 9999-12-31, stored before dates were checked) costs the rollup nothing:
// its work follows the data, not the calendar.
func TestRollupIgnoresTheFarFuture(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue", []string{"F1,2026-03-02 10:00:00,100"})
	if _, err := db.Exec(ctx, `INSERT INTO cost_entries (natural_key, kind, amount, start_date, end_date) VALUES ('far', 'fixed', 1000000, '2026-03-01', '9999-12-31')`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := metrics.NewEngine(db, clocktest.Clock()).Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	// Unbounded, this took minutes; bounded it is a few years of days.
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("rebuild took %s", took)
	}
	var last string
	if err := db.QueryRow(ctx, `SELECT MAX(day) FROM metric_days`).Scan(&last); err != nil || last > "2100-01-01" {
		t.Fatalf("rolled up to %q (%v)", last, err)
	}
}

// A new contact of a customer with a long history marks only the days it
// changes: the repeat flags of the customer's other contacts are rewritten
// only where they change, so the rollups task has little to redo.
func TestANewContactMarksOnlyTheDaysItChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var rows []string
		for i := range 40 {
			day := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, 9*i)
			rows = append(rows, fmt.Sprintf("H%d,%s,email,long@example.com", i, day.Format(time.DateTime)))
		}
		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,customer_email", rows)
		if err := metrics.NewEngine(db, clocktest.Clock()).Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,customer_email", []string{"NEW,2026-01-10 10:00:00,chat,long@example.com"})
		var dirty int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM metric_dirty`).Scan(&dirty); err != nil {
			t.Fatal(err)
		}
		if dirty > 2 {
			t.Errorf("one new contact marked %d days for the rollup, want its own day (at most 2 buckets)", dirty)
		}
		sameAnswers(t, db, "a new contact of a long-standing customer")
	})
}

// Sending the same contacts again changes nothing, so it leaves the rollup
// nothing to redo (an agent rewritten with its own team used to make the
// whole rollup be rebuilt).
func TestResendingContactsMarksNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rows := []string{"A1,2026-03-02 10:00:00,email,ana@example.com,Lea,tier1", "A2,2026-03-03 10:00:00,chat,ben@example.com,Sam,"}
		header := "contact_id,started_at,channel,customer_email,agent,team"
		ingesttest.ImportCSV(t, db, "contacts", header, rows)
		if err := metrics.NewEngine(db, clocktest.Clock()).Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		ingesttest.ImportCSV(t, db, "contacts", header, rows)
		var dirty int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM metric_dirty`).Scan(&dirty); err != nil || dirty != 0 {
			t.Errorf("re-sending the same contacts marked %d buckets (%v)", dirty, err)
		}
	})
}

// On a store whose days hold many rows, a read does not recompute the
// days writes have touched: it answers from the rollup, saying which days
// are behind, until the rollups task has run; then it is current again.
func TestLargeStoreReadsSayWhatIsBehind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue", []string{"B1,2026-03-02 10:00:00,100", "B2,2026-03-03 10:00:00,100"})
		e := metrics.NewEngine(db, clocktest.Clock())
		e.RawBudget = 0.5 // any day with a row is "large"
		if err := e.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		q := metrics.Query{Metric: "orders", From: "2026-03-02", To: "2026-03-08"}
		ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue", []string{"B3,2026-03-03 11:00:00,100"})
		res, err := e.Run(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.PendingDays == 0 || res.Rows[0].Numerator != 2 {
			t.Fatalf("before the rollups task: %d orders, %d days pending; want the rollup's 2 and the days behind said", int(res.Rows[0].Numerator), res.PendingDays)
		}
		if err := e.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if res, err = e.Run(ctx, q); err != nil || res.PendingDays != 0 || res.Rows[0].Numerator != 3 {
			t.Fatalf("after the rollups task: %+v %v", res, err)
		}
	})
}

// A refresh that died after claiming its days leaves them in
// metric_refreshing: reads still treat them as not rolled up, and the next
// refresh redoes them.
func TestDaysOfADeadRefreshAreRedone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue", []string{"D1,2026-03-02 10:00:00,100"})
		if err := metrics.NewEngine(db, clocktest.Clock()).Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue", []string{"D2,2026-03-03 10:00:00,100"})
		// The claim of a refresh that then died.
		for _, q := range []string{`INSERT INTO metric_refreshing (bucket) SELECT bucket FROM metric_dirty WHERE true ON CONFLICT (bucket) DO NOTHING`, `DELETE FROM metric_dirty`} {
			if _, err := db.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		sameAnswers(t, db, "a refresh that died after claiming its days")
		var left int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM metric_refreshing`).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d claimed days left after the next refresh (%v)", left, err)
		}
	})
}
