package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// testNow is a Monday: the store's last week is 16–22 November 2026.
var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const testOrders = 3000

func generate(t *testing.T, db *store.DB, opt Options) Summary {
	t.Helper()
	if opt.Now.IsZero() {
		opt.Now = testNow
	}
	sum, err := Generate(context.Background(), db, opt)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return sum
}

// q reads one number.
func q(t *testing.T, db *store.DB, query string, args ...any) float64 {
	t.Helper()
	var v *float64
	if err := db.QueryRow(context.Background(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if v == nil {
		return 0
	}
	return *v
}

// TestStories generates a small store and checks that every story the
// README promises is in the data, that every record is well formed, and that
// a second run changes nothing.
func TestStories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sum := generate(t, db, Options{Seed: 1, Orders: testOrders})
		from := time.Date(2026, 5, 25, 0, 0, 0, 0, mustZone(t)).Unix()
		to := time.Date(2026, 11, 23, 0, 0, 0, 0, mustZone(t)).Unix()
		if sum.From.Format(time.DateOnly) != "2026-05-25" || sum.To.Format(time.DateOnly) != "2026-11-22" || !sum.Complete {
			t.Fatalf("summary %+v: want the 26 weeks 2026-05-25 to 2026-11-22, complete", sum)
		}
		if tz, _ := db.Setting(ctx, "timezone"); tz != TimeZone {
			t.Errorf("timezone setting %q, want %s", tz, TimeZone)
		}

		// Size: exactly the orders asked for in the weeks shown.
		if n := q(t, db, `SELECT COUNT(*) FROM orders WHERE placed_at >= ? AND placed_at < ?`, from, to); n != testOrders {
			t.Errorf("%v orders in the 26 weeks, want %d", n, testOrders)
		}
		if n := q(t, db, `SELECT COUNT(*) FROM orders WHERE placed_at >= ?`, to); n != 0 {
			t.Errorf("%v orders after the last Sunday", n)
		}
		for _, table := range []string{"contacts", "self_service_sessions"} {
			if n := q(t, db, `SELECT COUNT(*) FROM `+table+` WHERE started_at >= ?`, to); n != 0 {
				t.Errorf("%v %s after the last Sunday", n, table)
			}
		}

		// Contacts per order in the weeks shown.
		contacts := q(t, db, `SELECT COUNT(*) FROM contacts WHERE started_at >= ? AND started_at < ?`, from, to)
		if cpo := contacts / testOrders; cpo < 0.15 || cpo > 0.30 {
			t.Errorf("contacts per order %.3f, want 0.15–0.30", cpo)
		}

		// Story 1: SPRING30 buyers return about three times as often.
		returned := `AVG(CASE WHEN EXISTS (SELECT 1 FROM returns r WHERE r.order_id = o.id) THEN 1.0 ELSE 0 END)`
		spring := q(t, db, `SELECT `+returned+` FROM orders o WHERE discount_code = ? AND status <> 'cancelled'`, SpringCode)
		others := q(t, db, `SELECT `+returned+` FROM orders o WHERE discount_code <> ? AND status <> 'cancelled'`, SpringCode)
		if spring < 2.5*others {
			t.Errorf("SPRING30 return rate %.3f, others %.3f: want at least 2.5×", spring, others)
		}

		// Story 2: ParcelNow is late a third of the time, the others rarely,
		// and its late parcels drive where-is-my-order contacts.
		late := `AVG(CASE WHEN delivered_at > promised_delivery_at THEN 1.0 ELSE 0 END)`
		rows, err := db.Query(ctx, `SELECT carrier, `+late+` FROM orders WHERE delivered_at IS NOT NULL AND carrier <> '' GROUP BY carrier`)
		if err != nil {
			t.Fatal(err)
		}
		carriers := map[string]float64{}
		for rows.Next() {
			var c string
			var v float64
			rows.Scan(&c, &v)
			carriers[c] = v
		}
		rows.Close()
		for c, v := range carriers {
			switch {
			case c == LateCarrier && v < 0.30:
				t.Errorf("%s late share %.3f, want ≥ 0.30", c, v)
			case c != LateCarrier && v > 0.10:
				t.Errorf("%s late share %.3f, want ≤ 0.10", c, v)
			}
		}
		if len(carriers) < 5 {
			t.Errorf("carriers %v, want five", carriers)
		}
		wismo := `(SELECT COUNT(*) FROM contacts c WHERE c.order_id = o.id AND c.topic = 'where_is_my_order')`
		lateWISMO := q(t, db, `SELECT AVG(`+wismo+`) FROM orders o WHERE carrier = ? AND delivered_at > promised_delivery_at`, LateCarrier)
		onTimeWISMO := q(t, db, `SELECT AVG(`+wismo+`) FROM orders o WHERE delivered_at <= promised_delivery_at`)
		if lateWISMO < 3*onTimeWISMO || lateWISMO < 0.15 {
			t.Errorf("WISMO contacts per order: ParcelNow late %.3f, on time %.3f: want late ≥ 3× and ≥ 0.15", lateWISMO, onTimeWISMO)
		}
		if n := q(t, db, `SELECT COUNT(*) FROM fulfillment_events e JOIN orders o ON o.id = e.order_id WHERE e.kind = 'delayed' AND o.carrier = ?`, LateCarrier); n == 0 {
			t.Error("no delayed events for ParcelNow")
		}

		// Story 3: shoes come back for size, and their buyers ask about sizes.
		shoes := q(t, db, `SELECT `+returned+` FROM orders o WHERE category = ? AND status <> 'cancelled'`, SizingCategory)
		rest := q(t, db, `SELECT `+returned+` FROM orders o WHERE category <> ? AND status <> 'cancelled'`, SizingCategory)
		if shoes < 2*rest {
			t.Errorf("shoes return rate %.3f, others %.3f: want at least 2×", shoes, rest)
		}
		sizing := `(SELECT COUNT(*) FROM contacts c WHERE c.order_id = o.id AND c.topic = 'sizing')`
		if s, o := q(t, db, `SELECT AVG(`+sizing+`) FROM orders o WHERE category = ?`, SizingCategory), q(t, db, `SELECT AVG(`+sizing+`) FROM orders o WHERE category <> ?`, SizingCategory); s < 3*o {
			t.Errorf("sizing contacts per order: shoes %.3f, others %.3f: want ≥ 3×", s, o)
		}
		if n := q(t, db, `SELECT AVG(CASE WHEN r.reason LIKE 'size%' THEN 1.0 ELSE 0 END) FROM returns r JOIN orders o ON o.id = r.order_id WHERE o.category = ?`, SizingCategory); n < 0.6 {
			t.Errorf("%.2f of shoe returns are for size, want most", n)
		}

		// Story 4: about 40% of the orders shown are from returning customers.
		ret := q(t, db, `SELECT AVG(CASE WHEN EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id AND p.placed_at < o.placed_at) THEN 1.0 ELSE 0 END)
			FROM orders o WHERE placed_at >= ? AND status <> 'test'`, from)
		if ret < 0.35 || ret > 0.5 {
			t.Errorf("returning share %.3f, want 0.35–0.50", ret)
		}

		// Story 5: owners complete most actions on time, Tom far fewer.
		onTime := `AVG(CASE WHEN completed_at IS NOT NULL AND completed_at <= ? THEN 1.0 ELSE 0 END)`
		if v := q(t, db, `SELECT `+onTime+` FROM actions WHERE owner <> 'Tom' AND due_date < '2026-11-16'`, to); v < 0.8 {
			t.Errorf("owners' on-time share %.2f, want ≥ 0.8", v)
		}
		if v := q(t, db, `SELECT COUNT(*) FROM actions WHERE owner = 'Tom'`); v == 0 {
			t.Error("Tom has no actions")
		}

		// Seasonality: weekends sell less than weekdays (local days).
		loc := mustZone(t)
		var weekday, weekend float64
		placed, err := db.Query(ctx, `SELECT placed_at FROM orders WHERE placed_at >= ? AND placed_at < ?`, from, to)
		if err != nil {
			t.Fatal(err)
		}
		for placed.Next() {
			var at int64
			placed.Scan(&at)
			switch time.Unix(at, 0).In(loc).Weekday() {
			case time.Saturday, time.Sunday:
				weekend++
			default:
				weekday++
			}
		}
		placed.Close()
		if perWeekend, perWeekday := weekend/2, weekday/5; perWeekend > 0.9*perWeekday {
			t.Errorf("orders per weekend day %.0f, per weekday %.0f: want weekends lower", perWeekend, perWeekday)
		}

		// Every dimension has variety.
		for col, want := range map[string]int{"sales_channel": 4, "campaign": 5, "country": 7, "warehouse": 3, "discount_code": 4, "category": 7} {
			if n := q(t, db, `SELECT COUNT(DISTINCT `+col+`) FROM orders`); int(n) < want {
				t.Errorf("%v distinct %s, want ≥ %d", n, col, want)
			}
		}

		// Contacts: every channel, every topic, calls take longest.
		for _, c := range contactChannels {
			if n := q(t, db, `SELECT COUNT(*) FROM contacts WHERE channel = ?`, c); n == 0 {
				t.Errorf("no %s contacts", c)
			}
		}
		if n := q(t, db, `SELECT COUNT(*) FROM contacts WHERE topic NOT IN (`+store.Placeholders(len(Topics))+`)`, anys(Topics)...); n != 0 {
			t.Errorf("%v contacts without a known topic", n)
		}
		if n := q(t, db, `SELECT COUNT(DISTINCT topic) FROM contacts`); int(n) != len(Topics) {
			t.Errorf("%v topics used, want all %d", n, len(Topics))
		}
		voice := q(t, db, `SELECT AVG(handle_seconds) FROM contacts WHERE channel = 'voice'`)
		for _, c := range []string{"email", "chat", "sms", "social"} {
			if v := q(t, db, `SELECT AVG(handle_seconds) FROM contacts WHERE channel = ?`, c); v >= voice {
				t.Errorf("%s handle time %.0f ≥ voice %.0f", c, v, voice)
			}
		}
		if n := q(t, db, `SELECT COUNT(*) FROM contacts WHERE body = '' OR customer_id IS NULL OR team NOT IN ('tier1', 'tier2') OR agent = ''`); n != 0 {
			t.Errorf("%v contacts without a text, customer, team or agent", n)
		}

		// Attribution, as docs/metrics.md#contacts defines it.
		for how, cond := range map[string]string{
			"explicit or text order of another customer": `attribution IN ('explicit', 'text') AND (order_id IS NULL OR (SELECT customer_id FROM orders o WHERE o.id = c.order_id) <> c.customer_id)`,
			"recent order outside the lookback":          `attribution = 'recent' AND (order_id IS NULL OR NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = c.order_id AND o.customer_id = c.customer_id AND o.placed_at <= c.started_at AND o.placed_at >= c.started_at - 5184000))`,
			"recent order not the most recent":           `attribution = 'recent' AND EXISTS (SELECT 1 FROM orders o, orders l WHERE l.id = c.order_id AND o.customer_id = c.customer_id AND o.placed_at <= c.started_at AND o.placed_at > l.placed_at)`,
			"none though an order is in the lookback":    `attribution = 'none' AND (order_id IS NOT NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id AND o.placed_at <= c.started_at AND o.placed_at >= c.started_at - 5184000))`,
			"unknown attribution":                        `attribution NOT IN ('explicit', 'text', 'recent', 'none')`,
		} {
			if n := q(t, db, `SELECT COUNT(*) FROM contacts c WHERE `+cond); n != 0 {
				t.Errorf("%v contacts with %s", n, how)
			}
		}
		for _, how := range []string{"explicit", "text", "recent", "none"} {
			if n := q(t, db, `SELECT COUNT(*) FROM contacts WHERE attribution = ?`, how); n == 0 {
				t.Errorf("no contact attributed %s", how)
			}
		}

		// Returns arrive 5–30 days after delivery.
		if n := q(t, db, `SELECT COUNT(*) FROM returns r JOIN orders o ON o.id = r.order_id
			WHERE o.delivered_at IS NULL OR r.returned_at < o.delivered_at + 5*86400 OR r.returned_at > o.delivered_at + 31*86400`); n != 0 {
			t.Errorf("%v returns outside 5–30 days after delivery", n)
		}

		// Self-service: each kind both resolved and escalated.
		for _, kind := range []string{"article", "order_status", "return"} {
			for _, outcome := range []string{"resolved", "escalated"} {
				if n := q(t, db, `SELECT COUNT(*) FROM self_service_sessions WHERE kind = ? AND outcome = ?`, kind, outcome); n == 0 {
					t.Errorf("no %s %s self-service session", outcome, kind)
				}
			}
		}

		// Costs: both teams' rates, the call fee, monthly tools.
		for _, cond := range []string{`kind = 'team_rate' AND team = 'tier1'`, `kind = 'team_rate' AND team = 'tier2'`, `kind = 'contact_fee' AND channel = 'voice'`, `kind = 'fixed'`} {
			if n := q(t, db, `SELECT COUNT(*) FROM cost_entries WHERE `+cond); n == 0 {
				t.Errorf("no cost entry with %s", cond)
			}
		}

		// Native conversations: one contact each, with a topic.
		if n := q(t, db, `SELECT COUNT(*) FROM contacts WHERE source = 'native'`); n == 0 || n != float64(sum.Conversations) {
			t.Errorf("%v native contacts, want one for each of the %d conversations", n, sum.Conversations)
		}
		if n := q(t, db, `SELECT COUNT(*) FROM messages WHERE direction = 'out'`); n == 0 {
			t.Error("no agent replies")
		}

		// A second run changes nothing.
		before := fingerprint(t, db)
		_, err = Generate(ctx, db, Options{Seed: 1, Orders: testOrders, Now: testNow})
		if !errors.Is(err, ErrExists) {
			t.Fatalf("second run: %v, want ErrExists", err)
		}
		if after := fingerprint(t, db); after != before {
			t.Errorf("second run changed the store:\n%s\n%s", before, after)
		}
	})
}

// fingerprint sums up a store: counts and sums of every table that matters.
func fingerprint(t *testing.T, db *store.DB) string {
	var b strings.Builder
	for _, query := range []string{
		`SELECT COUNT(*), SUM(item_revenue), SUM(discounts), SUM(cogs), SUM(placed_at % 100000), SUM(COALESCE(delivered_at, 0) % 100000) FROM orders`,
		`SELECT COUNT(*), SUM(quantity * unit_price), 0, 0, 0, 0 FROM order_lines`,
		`SELECT COUNT(*), SUM(at % 100000), 0, 0, 0, 0 FROM fulfillment_events`,
		`SELECT COUNT(*), SUM(refund_amount), SUM(restocked_cogs), 0, 0, 0 FROM returns`,
		`SELECT COUNT(*), SUM(handle_seconds), SUM(started_at % 100000), SUM(COALESCE(order_id, 0)), SUM(LENGTH(body)), 0 FROM contacts`,
		`SELECT COUNT(*), SUM(started_at % 100000), SUM(COALESCE(order_id, 0)), 0, 0, 0 FROM self_service_sessions`,
		`SELECT COUNT(*), SUM(LENGTH(name)), 0, 0, 0, 0 FROM customers`,
		`SELECT COUNT(*), SUM(at % 100000), 0, 0, 0, 0 FROM messages`,
		`SELECT COUNT(*), SUM(amount), 0, 0, 0, 0 FROM cost_entries`,
		`SELECT COUNT(*), SUM(COALESCE(completed_at, 0) % 100000), 0, 0, 0, 0 FROM actions`,
	} {
		var v [6]float64
		if err := db.QueryRow(context.Background(), query).Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5]); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		fmt.Fprintln(&b, v)
	}
	return b.String()
}

func TestSameSeedSameStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := generate(t, db, Options{Seed: 42, Orders: 1500})
		db2 := storetest.Open(t, db.Dialect)
		b := generate(t, db2, Options{Seed: 42, Orders: 1500})
		db3 := storetest.Open(t, db.Dialect)
		c := generate(t, db3, Options{Seed: 43, Orders: 1500})
		if a != b {
			t.Errorf("same seed, different summaries:\n%+v\n%+v", a, b)
		}
		if fa, fb := fingerprint(t, db), fingerprint(t, db2); fa != fb {
			t.Errorf("same seed, different stores:\n%s\n%s", fa, fb)
		}
		if fingerprint(t, db) == fingerprint(t, db3) || a.Contacts == c.Contacts && a.Sessions == c.Sessions {
			t.Error("seeds 42 and 43 made the same store")
		}
	})
}

// TestBulkMatchesNormalWrites holds the demo's bulk load to the import
// paths: the same generated records, written both ways, must leave every
// table identical, the metrics' rollups included once they are refreshed.
func TestBulkMatchesNormalWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, bulk *store.DB) {
		normal := storetest.Open(t, bulk.Dialect)
		generate(t, bulk, Options{Seed: 7, Orders: 1200, chunkOrders: 400})
		generate(t, normal, Options{Seed: 7, Orders: 1200, chunkOrders: 400, normal: true})
		for _, db := range []*store.DB{bulk, normal} {
			if err := (&metrics.Engine{DB: db, Now: func() time.Time { return testNow }}).Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		tables := tableNames(t, bulk)
		if len(tables) < 15 {
			t.Fatalf("tables %v: too few", tables)
		}
		for _, table := range tables {
			if table == "schema_migrations" {
				continue
			}
			b, n := dump(t, bulk, table), dump(t, normal, table)
			if len(b) != len(n) {
				t.Errorf("%s: %d rows in bulk, %d through the import paths", table, len(b), len(n))
				continue
			}
			for i := range b {
				if b[i] != n[i] {
					t.Errorf("%s differs (if it is derived data, the demo must rebuild it after its bulk load):\nbulk:   %s\nnormal: %s", table, b[i], n[i])
					break
				}
			}
		}
	})
}

func tableNames(t *testing.T, db *store.DB) []string {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Dialect == store.Postgres {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// dump returns a table's rows as text, sorted; the demo's own marker is
// left out (it holds the time the run took).
func dump(t *testing.T, db *store.DB, table string) []string {
	rows, err := db.Query(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				v = string(x)
			case float64:
				v = math.Round(x*1e6) / 1e6
			case bool: // SQLite has no booleans
				v = map[bool]int64{false: 0, true: 1}[x]
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		if table == "settings" && strings.HasPrefix(b.String(), "key="+markerKey+" ") {
			continue
		}
		out = append(out, b.String())
	}
	sort.Strings(out)
	return out
}

// TestDefaultStore checks the default store's plan without writing it:
// exactly DefaultOrders in the 26 weeks, the contacts per order asked for.
func TestDefaultStore(t *testing.T) {
	opt, err := Options{Seed: 1, Now: testNow}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	g, err := newGen(opt)
	if err != nil {
		t.Fatal(err)
	}
	var orders, contacts int
	windowStart := g.days[g.windowStart].start
	chunks := make(chan *chunk, 1)
	go func() {
		if err := g.run(context.Background(), chunks); err != nil {
			t.Error(err)
		}
		close(chunks)
	}()
	for c := range chunks {
		for i := range c.orders {
			if c.orders[i].PlacedAt.Unix() >= windowStart {
				orders++
			}
		}
		for i := range c.contacts {
			if c.contacts[i].StartedAt.Unix() >= windowStart {
				contacts++
			}
		}
	}
	for _, n := range g.natives {
		if n.messages[0].at >= windowStart {
			contacts++
		}
	}
	if orders != DefaultOrders || g.stats.Orders != DefaultOrders {
		t.Errorf("%d orders in the weeks shown (summary %d), want %d", orders, g.stats.Orders, DefaultOrders)
	}
	if cpo := float64(contacts) / float64(orders); math.Abs(cpo-DefaultContactsPerOrder) > 0.02 {
		t.Errorf("contacts per order %.3f, want %.2f ± 0.02", cpo, DefaultContactsPerOrder)
	}
	if lead := g.stats.TotalOrders - g.stats.Orders; lead < DefaultOrders*LeadWeeks/DefaultWeeks*8/10 {
		t.Errorf("%d lead-in orders, want about %d", lead, DefaultOrders*LeadWeeks/DefaultWeeks)
	}
	if n := len(g.natives); n < NativeConversations/2 || n > NativeConversations*2 {
		t.Errorf("%d native conversations, want about %d", n, NativeConversations)
	}
}

// TestOrderNumbersInTexts: a contact's text names an order exactly when the
// generator meant it to (attribution "text", or sometimes "explicit"), and
// then names that order first, so the import paths link what the bulk load
// links.
func TestOrderNumbersInTexts(t *testing.T) {
	opt, _ := Options{Seed: 3, Orders: 20_000, Now: testNow}.withDefaults()
	g, err := newGen(opt)
	if err != nil {
		t.Fatal(err)
	}
	chunks := make(chan *chunk, 1)
	go func() {
		g.run(context.Background(), chunks)
		close(chunks)
	}()
	seen := map[string]int{}
	for c := range chunks {
		for i := range c.contacts {
			k := &c.contacts[i]
			refs := desk.OrderNumbersIn(k.Subject + "\n" + k.Text)
			how := c.contactHow[i]
			seen[how]++
			var want string
			if c.contactOrder[i] >= 0 {
				want = c.orders[c.contactOrder[i]].ExternalID
			}
			switch {
			case how == desk.AttrText && (len(refs) == 0 || refs[0] != want):
				t.Fatalf("contact %s (text) names %v, want %s first: %q", k.ExternalID, refs, want, k.Text)
			case how == desk.AttrExplicit && len(refs) > 0 && (refs[0] != k.OrderExternalID || len(refs) > 1):
				t.Fatalf("contact %s (explicit %s) names %v: %q", k.ExternalID, k.OrderExternalID, refs, k.Text)
			case how == desk.AttrNone && len(refs) > 0:
				t.Fatalf("contact %s (no order) names %v: %q", k.ExternalID, refs, k.Text)
			}
			if strings.Contains(k.Text, "{") || strings.Contains(k.Subject, "{") {
				t.Fatalf("contact %s has an unfilled slot: %q", k.ExternalID, k.Text)
			}
		}
	}
	for _, how := range []string{desk.AttrExplicit, desk.AttrText, desk.AttrNone} {
		if seen[how] == 0 {
			t.Errorf("no %s contacts", how)
		}
	}
}

func TestRefusesAStoreWithOrders(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		_, _, err := commerce.UpsertOrders(ctx, tx, commerce.NewCustomers(clocktest.Clock()), []commerce.Order{{ExternalID: "1", PlacedAt: testNow, Status: "placed"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Generate(ctx, db, Options{Seed: 1, Orders: 500, Now: testNow})
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("got %v, want ErrNotEmpty", err)
	}
	if n := q(t, db, `SELECT COUNT(*) FROM orders`); n != 1 {
		t.Errorf("%v orders after the refusal, want 1", n)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	for _, opt := range []Options{{Orders: 10}, {Weeks: -1}, {Orders: MaxOrders + 1}, {ContactsPerOrder: -1}} {
		if _, err := Generate(context.Background(), db, opt); err == nil {
			t.Errorf("%+v accepted", opt)
		}
	}
}

func mustZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func anys(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

var _ = slices.Contains[[]string]
