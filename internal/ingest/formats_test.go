package ingest_test

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The real Shopify exports live beside the repository (shared/ next to
// its directory), not in it; the hand-written samples of docs/formats.md
// live in testdata.
const (
	shopifyDir = "../../../shared/data/imports/shopify/"
	exportsDir = "../../testdata/exports/"
)

// shopifyExport is the path of one of the real Shopify exports. Without
// them the test is skipped, saying so, unless QUIETDESK_REQUIRE_SHARED_DATA
// is set (as CI sets it), when it fails.
func shopifyExport(t *testing.T, name string) string {
	t.Helper()
	path := shopifyDir + name
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("QUIETDESK_REQUIRE_SHARED_DATA") != "" {
			t.Fatalf("QUIETDESK_REQUIRE_SHARED_DATA is set but the real Shopify export %s is missing: %v", path, err)
		}
		t.Skipf("skipped: the real Shopify exports are not beside the repository (%s); set QUIETDESK_REQUIRE_SHARED_DATA=1 to require them", shopifyDir)
	}
	return path
}

func importOK(t *testing.T, db *store.DB, path string, opts ingest.Options) ingest.Summary {
	t.Helper()
	sum, err := ingest.ImportFile(context.Background(), db, path, opts)
	if err != nil {
		t.Fatalf("import %s: %v (errors: %v)", path, err, sum.Errors)
	}
	if sum.Rejected != 0 {
		t.Fatalf("import %s: %d rows rejected: %v", path, sum.Rejected, sum.Errors)
	}
	return sum
}

// scan runs a one-row query and fails the test on error.
func scan(t *testing.T, db *store.DB, query string, args []any, dest ...any) {
	t.Helper()
	if err := db.QueryRow(context.Background(), query, args...).Scan(dest...); err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	scan(t, db, query, args, &n)
	return n
}

func readCSV(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return all[0], all[1:]
}

func writeCSV(t *testing.T, path string, header []string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// project writes a copy of a CSV file keeping only some columns, as a user
// trimming an export would.
func project(t *testing.T, src string, keep func(col string) bool) string {
	t.Helper()
	header, rows := readCSV(t, src)
	var cols []int
	var out []string
	for i, h := range header {
		if keep(h) {
			cols = append(cols, i)
			out = append(out, h)
		}
	}
	var outRows [][]string
	for _, r := range rows {
		var o []string
		for _, i := range cols {
			o = append(o, r[i])
		}
		outRows = append(outRows, o)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	writeCSV(t, dst, out, outRows)
	return dst
}

// cents reads an amount the test's own way (not the importer's).
func cents(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return int64(math.Round(f * 100))
}

// shopifyFacts is what the test reads itself from a Shopify export.
type shopifyFacts struct {
	name              string
	lines             int
	revenue, discount int64
	refunded          int64
	cancelled         bool
}

func readShopify(t *testing.T, path string) []shopifyFacts {
	t.Helper()
	header, rows := readCSV(t, path)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var out []shopifyFacts
	for _, r := range rows {
		name := r[col["Name"]]
		if len(out) == 0 || out[len(out)-1].name != name {
			out = append(out, shopifyFacts{name: name, discount: cents(t, r[col["Discount Amount"]]),
				refunded: cents(t, r[col["Refunded Amount"]]), cancelled: r[col["Cancelled at"]] != ""})
		}
		o := &out[len(out)-1]
		qty, err := strconv.Atoi(r[col["Lineitem quantity"]])
		if err != nil {
			t.Fatal(err)
		}
		o.lines++
		o.revenue += int64(qty) * cents(t, r[col["Lineitem price"]])
	}
	return out
}

func TestShopifyRealExports(t *testing.T) {
	for _, tc := range []struct {
		file                       string
		orders, cancelled, refunds int // from the files' README and docs/formats.md §3.3
	}{
		{"forezia-mock-data_devstore_2025_EUR.csv", 19, 0, 0},
		{"kidsliving-api_2021_ZAR_pseudonymized.csv", 50, 2, 0},
		{"customer_vip_2019-2022_USD_pseudonymized.csv", 409, 20, 69},
	} {
		t.Run(strings.SplitN(tc.file, "-", 2)[0], func(t *testing.T) {
			path := shopifyExport(t, tc.file)
			facts := readShopify(t, path)
			var revenue, discounts, refunded int64
			cancelled, refunds := 0, 0
			names := map[string]bool{}
			most, discounted := facts[0], facts[0]
			for _, o := range facts {
				names[o.name] = true
				revenue += o.revenue
				discounts += o.discount
				if o.cancelled {
					cancelled++
				}
				if o.refunded > 0 {
					refunds++
					refunded += o.refunded
				}
				if o.lines > most.lines {
					most = o
				}
				if o.discount > discounted.discount {
					discounted = o
				}
			}
			if len(names) != tc.orders || len(facts) != tc.orders || cancelled != tc.cancelled || refunds != tc.refunds {
				t.Fatalf("the test reads %d names in %d groups, %d cancelled, %d refunds; want %d, %d, %d",
					len(names), len(facts), cancelled, refunds, tc.orders, tc.cancelled, tc.refunds)
			}

			storetest.Each(t, func(t *testing.T, db *store.DB) {
				sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
				// One record per order and one per refund.
				if sum.Format != "shopify" || sum.Read != tc.orders || sum.Created != tc.orders+tc.refunds || sum.Updated+sum.Unchanged != 0 {
					t.Fatalf("summary %+v, want shopify format, %d read, %d created", sum, tc.orders, tc.orders+tc.refunds)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != tc.orders {
					t.Errorf("orders = %d, want %d", n, tc.orders)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE status = 'cancelled' AND cancelled_at IS NOT NULL`); n != tc.cancelled {
					t.Errorf("cancelled = %d, want %d", n, tc.cancelled)
				}
				var gotRevenue, gotDiscounts int64
				scan(t, db, `SELECT COALESCE(SUM(item_revenue), 0), COALESCE(SUM(discounts), 0) FROM orders`, nil, &gotRevenue, &gotDiscounts)
				if gotRevenue != revenue || gotDiscounts != discounts {
					t.Errorf("total item revenue %d, discounts %d (cents); want %d, %d", gotRevenue, gotDiscounts, revenue, discounts)
				}
				var nReturns int
				var gotRefunded int64
				scan(t, db, `SELECT COUNT(*), COALESCE(SUM(refund_amount), 0) FROM returns WHERE external_id LIKE '%-refund'`, nil, &nReturns, &gotRefunded)
				if nReturns != refunds || gotRefunded != refunded {
					t.Errorf("refunds: %d returns of %d cents, want %d of %d", nReturns, gotRefunded, refunds, refunded)
				}
				for _, o := range []shopifyFacts{most, discounted} {
					var rev, disc int64
					var lines int
					scan(t, db, `SELECT item_revenue, discounts, (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) FROM orders o WHERE name = ?`,
						[]any{o.name}, &rev, &disc, &lines)
					if rev != o.revenue || disc != o.discount || lines != o.lines {
						t.Errorf("order %s: revenue %d, discount %d, %d lines; want %d, %d, %d", o.name, rev, disc, lines, o.revenue, o.discount, o.lines)
					}
				}

				again := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
				if again.Created+again.Updated != 0 || again.Unchanged != tc.orders+tc.refunds {
					t.Errorf("re-import changed something: %+v", again.Counts)
				}
			})
		})
	}
}

// kidsliving #13562 has no shipping address: its country comes from billing.
func TestShopifyCountryFallsBackToBilling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		importOK(t, db, shopifyExport(t, "kidsliving-api_2021_ZAR_pseudonymized.csv"), ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		var country, currency string
		scan(t, db, `SELECT country, currency FROM orders WHERE name = '#13562'`, nil, &country, &currency)
		if country != "ZA" || currency != "ZAR" {
			t.Fatalf("#13562 country %q currency %q, want ZA, ZAR", country, currency)
		}
	})
}

// The expected figures are docs/formats.md §3.4's table.
func TestShopifyResaved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, "timezone", "Europe/Berlin"); err != nil {
			t.Fatal(err)
		}
		path := exportsDir + "shopify_orders_resaved.csv"
		sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if sum.Format != "shopify" || sum.Read != 5 || sum.Created != 6 { // 5 orders + #2003's refund
			t.Fatalf("summary %+v", sum)
		}
		berlin, _ := time.LoadLocation("Europe/Berlin")
		for _, w := range []struct {
			name, status                string
			revenue, discount, shipping int64
			lines                       int
			country, channel            string
		}{
			{"#2001", "fulfilled", 6000, 0, 490, 2, "DE", "web"},
			{"#2002", "cancelled", 12900, 0, 0, 1, "AT", "web"},
			{"#2003", "fulfilled", 17000, 1700, 0, 3, "IT", "web"},
			{"#2004", "placed", 7800, 0, 0, 2, "FR", "pos"},
			{"#2005", "placed", 2500, 0, 490, 1, "NL", "web"},
		} {
			var status, country, channel, currency string
			var rev, disc, ship int64
			var lines int
			scan(t, db, `SELECT status, item_revenue, discounts, shipping_charged, country, sales_channel, currency,
				(SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) FROM orders o WHERE name = ?`, []any{w.name},
				&status, &rev, &disc, &ship, &country, &channel, &currency, &lines)
			if status != w.status || rev != w.revenue || disc != w.discount || ship != w.shipping || lines != w.lines ||
				country != w.country || channel != w.channel || currency != "EUR" {
				t.Errorf("%s: %s %d %d %d %d lines %s %s %s; want %+v", w.name, status, rev, disc, ship, lines, country, channel, currency, w)
			}
		}
		// Day-first dates without a zone, read in the store's zone.
		var placed, cancelledAt int64
		scan(t, db, `SELECT placed_at FROM orders WHERE name = '#2001'`, nil, &placed)
		scan(t, db, `SELECT cancelled_at FROM orders WHERE name = '#2002'`, nil, &cancelledAt)
		if want := time.Date(2025, 5, 3, 14, 22, 0, 0, berlin).Unix(); placed != want {
			t.Errorf("#2001 placed at %v, want 3 May 2025 14:22 Berlin", time.Unix(placed, 0).In(berlin))
		}
		if want := time.Date(2025, 5, 14, 10, 30, 0, 0, berlin).Unix(); cancelledAt != want {
			t.Errorf("#2002 cancelled at %v, want 14 May 2025 10:30 Berlin", time.Unix(cancelledAt, 0).In(berlin))
		}
		var tags, code, ext string
		var refund int64
		scan(t, db, `SELECT o.tags, o.discount_code, o.external_id, r.refund_amount FROM orders o JOIN returns r ON r.order_id = o.id WHERE o.name = '#2003'`,
			nil, &tags, &code, &ext, &refund)
		if tags != "returned, vip" || code != "SPRING10" || ext != "6701345001003" || refund != 3150 {
			t.Errorf("#2003: tags %q code %q id %q refund %d", tags, code, ext, refund)
		}
		// The Gift Wrap line has no SKU: its name is its key.
		if n := count(t, db, `SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.name = '#2003' AND l.line_key = 'Gift Wrap' AND l.sku = ''`); n != 1 {
			t.Errorf("#2003 Gift Wrap line missing")
		}
		again := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if again.Created+again.Updated != 0 || again.Unchanged != 6 {
			t.Errorf("re-import changed something: %+v", again.Counts)
		}
	})
}

// A day-first file read month-first would swap the days of every
// ambiguous date: refused as a whole.
func TestShopifyResavedRefusedInTheWrongDateOrder(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	_, err := ingest.ImportFile(context.Background(), db, exportsDir+"shopify_orders_resaved.csv", ingest.Options{Now: clocktest.Clock(), Kind: "orders", DateOrder: domain.MonthFirst})
	if err == nil || !strings.Contains(err.Error(), `"14/05/2025 08:05" can only be day-first`) {
		t.Fatalf("err = %v", err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 0 {
		t.Fatalf("%d orders stored", n)
	}
}

// A file of several currencies is checked order by order: the first
// sets the store's currency, and an order in another one without a rate
// is refused on its line, saying what to import (shopify_exports_test.go
// imports such a file with rates).
func TestShopifyMixedCurrencyRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum, err := ingest.ImportFile(context.Background(), db, exportsDir+"shopify_orders_mixed_currency.csv", ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if !errors.Is(err, ingest.ErrRejected) || len(sum.Errors) != 1 {
			t.Fatalf("err = %v, errors %v", err, sum.Errors)
		}
		want := "GBP, but the store's currency is EUR: import exchange rates first (quietdesk import fx_rates FILE"
		if e := sum.Errors[0]; e.Line != 3 || e.Column != "Currency" || !strings.Contains(e.Reason, want) {
			t.Fatalf("error %+v, want line 3, column Currency, %q", e, want)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 0 {
			t.Fatalf("%d orders stored", n)
		}
	})
}

// Problems name Shopify's columns and the line of the row at fault.
func TestShopifyRowProblems(t *testing.T) {
	header, rows := readCSV(t, exportsDir+"shopify_orders_mixed_currency.csv")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	rows[1][col["Currency"]] = "EUR"                         // line 3, #2102: no longer a second currency
	rows[0][col["Created at"]] = "2025-06-3O 16:40:02 +0200" // line 2, #2103
	rows[3][col["Lineitem quantity"]] = "-2"                 // line 5, #2101's second row
	path := filepath.Join(t.TempDir(), "orders.csv")
	writeCSV(t, path, header, rows)

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if !errors.Is(err, ingest.ErrRejected) || len(sum.Errors) != 2 {
			t.Fatalf("err = %v, errors %v", err, sum.Errors)
		}
		e0, e1 := sum.Errors[0], sum.Errors[1]
		if e0.Line != 2 || e0.Column != "Created at" || !strings.Contains(e0.Reason, `"2025-06-3O 16:40:02 +0200"`) {
			t.Errorf("first error %+v", e0)
		}
		if e1.Line != 4 || e1.Column != "Lineitem quantity" || !strings.Contains(e1.Reason, "-2") || !strings.Contains(e1.Reason, "line 5") {
			t.Errorf("second error %+v", e1)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 0 {
			t.Fatalf("%d orders stored", n)
		}

		sum, rejected := importSkipping(t, db, path, "orders")
		// #2101 spans two rows: both are in the reject file, so the order
		// can be fixed there and imported again whole.
		if sum.Created != 1 || sum.Rejected != 2 || len(rejected) != 3 || rejected[0][0] != "2" || rejected[1][0] != "4" || rejected[2][0] != "4" {
			t.Fatalf("with skip-bad: %+v, rejects %v", sum, rejected)
		}
		if q := rejected[2][1+col["Lineitem quantity"]]; q != "-2" {
			t.Fatalf("second row of #2101 in the reject file has quantity %q", q)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE name = '#2102'`); n != 1 {
			t.Fatal("#2102 not imported")
		}
	})
}

// An order whose rows are split by another order is refused: storing the
// second part would replace the first part's lines.
func TestShopifySplitOrderRefused(t *testing.T) {
	header, rows := readCSV(t, exportsDir+"shopify_orders_mixed_currency.csv")
	rows[1][7] = "EUR" // #2102 in EUR too (column 8 is Currency)
	if header[7] != "Currency" {
		t.Fatalf("column 8 is %q", header[7])
	}
	// #2101's two rows, lines 4 and 5, now sit around #2102.
	rows = [][]string{rows[0], rows[2], rows[1], rows[3]}
	path := filepath.Join(t.TempDir(), "orders.csv")
	writeCSV(t, path, header, rows)
	db := storetest.Open(t, store.SQLite)
	sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
	if !errors.Is(err, ingest.ErrRejected) || len(sum.Errors) != 1 {
		t.Fatalf("err = %v, errors %v", err, sum.Errors)
	}
	if e := sum.Errors[0]; e.Line != 5 || e.Column != "Name" || !strings.Contains(e.Reason, "#2101 already seen on line 3") {
		t.Fatalf("error %+v", e)
	}
}

// importSkipping imports the good rows and writes the bad ones to a reject
// file, which it returns read back.
func importSkipping(t *testing.T, db *store.DB, path, kind string) (ingest.Summary, [][]string) {
	t.Helper()
	rejects := filepath.Join(t.TempDir(), "rejects.csv")
	sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: kind, SkipBad: rejects})
	if err != nil {
		t.Fatalf("import %s skipping bad rows: %v", path, err)
	}
	_, rows := readCSV(t, rejects)
	return sum, rows
}

// An export trimmed to a few columns, without Id, still imports; the Name
// is then the order's id.
func TestShopifyTrimmedHeader(t *testing.T) {
	keep := map[string]bool{"Name": true, "Created at": true, "Lineitem quantity": true, "Lineitem price": true, "Lineitem name": true, "Currency": true}
	path := project(t, shopifyExport(t, "forezia-mock-data_devstore_2025_EUR.csv"), func(c string) bool { return keep[c] })
	var revenue int64
	for _, o := range readShopify(t, shopifyExport(t, "forezia-mock-data_devstore_2025_EUR.csv")) {
		revenue += o.revenue
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if sum.Format != "shopify" || sum.Created != 19 {
			t.Fatalf("summary %+v", sum)
		}
		var got int64
		scan(t, db, `SELECT SUM(item_revenue) FROM orders`, nil, &got)
		if got != revenue {
			t.Errorf("item revenue %d, want %d", got, revenue)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE external_id = '#1001'`); n != 1 {
			t.Error("#1001 is not keyed by its name")
		}
	})
}

func channelCounts(t *testing.T, db *store.DB, prefix string) map[string]int {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT channel, COUNT(*) FROM contacts WHERE external_id LIKE ? GROUP BY channel`, prefix+"%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var ch string
		var n int
		if err := rows.Scan(&ch, &n); err != nil {
			t.Fatal(err)
		}
		out[ch] = n
	}
	return out
}

// contactFields reads what a contact's test checks.
type contactFields struct {
	started                             int64
	channel, agent, team, subject, tags string
	order                               string
	customer                            int64
}

func readContact(t *testing.T, db *store.DB, id string) contactFields {
	t.Helper()
	var c contactFields
	scan(t, db, `SELECT started_at, channel, agent, team, subject, tags, external_order, COALESCE(customer_id, 0) FROM contacts WHERE external_id = ?`,
		[]any{id}, &c.started, &c.channel, &c.agent, &c.team, &c.subject, &c.tags, &c.order, &c.customer)
	return c
}

// identityOf returns the customer an identity belongs to, 0 when none.
func identityOf(t *testing.T, db *store.DB, kind, value string) int64 {
	t.Helper()
	var id int64
	db.QueryRow(context.Background(), `SELECT customer_id FROM customer_identities WHERE kind = ? AND value = ?`, kind, value).Scan(&id)
	return id
}

// Expected channels per docs/formats.md §1.3 applied to the sample's Via
// values: Mail 5, Web form 2, Web Widget, Mobile SDK → email; Chat 2,
// Native Messaging → chat; Phone call (inbound) 2, (outbound), Voicemail →
// voice; Text → sms; Twitter, Twitter DM, Facebook Post, Facebook Private
// Message, Instagram DM, WhatsApp → social; API, Closed Ticket, Help
// Center post → other.
func TestZendeskTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		path := exportsDir + "zendesk_tickets.csv"
		sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if sum.Format != "zendesk" || sum.Read != 26 || sum.Created != 26 {
			t.Fatalf("summary %+v", sum)
		}
		want := map[string]int{"email": 9, "chat": 3, "voice": 4, "sms": 1, "social": 6, "other": 3}
		if got := channelCounts(t, db, "zendesk-"); !equalCounts(got, want) {
			t.Errorf("channels %v, want %v", got, want)
		}
		c := readContact(t, db, "zendesk-48201")
		if c.started != time.Date(2026, 3, 2, 8, 14, 0, 0, time.UTC).Unix() || c.channel != "email" || c.agent != "Ana Ruiz" || c.team != "Shipping" ||
			c.subject != "Where is my order #1003?" || c.tags != "order_status, where_is_my_order" || c.order != "#1003" {
			t.Errorf("48201: %+v", c)
		}
		if c.customer == 0 || identityOf(t, db, "zendesk", "381204457701") != c.customer || identityOf(t, db, "email", "emma.schulz@example.com") != c.customer {
			t.Errorf("48201's customer %d is not known by its requester id and email", c.customer)
		}
		// A voicemail has no email, but its requester id still names the caller.
		if v := readContact(t, db, "zendesk-48204"); v.channel != "voice" || v.customer == 0 || identityOf(t, db, "zendesk", "381204457704") != v.customer {
			t.Errorf("48204: %+v", v)
		}
		again := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if again.Created+again.Updated != 0 || again.Unchanged != 26 {
			t.Errorf("re-import changed something: %+v", again.Counts)
		}
	})
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The "Order number [txt]" field links a ticket to its order.
func TestZendeskOrderNumberLinksTheOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		importOK(t, db, shopifyExport(t, "forezia-mock-data_devstore_2025_EUR.csv"), ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		importOK(t, db, exportsDir+"zendesk_tickets.csv", ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		var name, how string
		scan(t, db, `SELECT o.name, c.attribution FROM contacts c JOIN orders o ON o.id = c.order_id WHERE c.external_id = 'zendesk-48201'`, nil, &name, &how)
		if name != "#1003" || how != "explicit" {
			t.Fatalf("48201 linked to %s (%s), want #1003 (explicit)", name, how)
		}
	})
}

// docs/formats.md §1.7: three bad rows after the 26 good ones.
func TestZendeskBadRows(t *testing.T) {
	path := exportsDir + "zendesk_tickets_bad.csv"
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if !errors.Is(err, ingest.ErrRejected) || sum.Rejected != 3 || len(sum.Errors) != 3 {
			t.Fatalf("err = %v, summary %+v", err, sum)
		}
		for i, w := range []struct {
			line          int
			column, cause string
		}{
			{28, "Created at", `"2026-03-3O 09:15" is not a time`},
			{29, "Id", "is empty"},
			{30, "Id", "48214 already seen on line 15"},
		} {
			if e := sum.Errors[i]; e.Line != w.line || e.Column != w.column || !strings.Contains(e.Reason, w.cause) {
				t.Errorf("error %d = %+v, want line %d, column %s, %q", i, e, w.line, w.column, w.cause)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 0 {
			t.Fatalf("%d contacts stored from a refused file", n)
		}

		sum, rejected := importSkipping(t, db, path, "contacts")
		if sum.Created != 26 || sum.Rejected != 3 || count(t, db, `SELECT COUNT(*) FROM contacts`) != 26 {
			t.Fatalf("with skip-bad: %+v", sum)
		}
		if len(rejected) != 3 {
			t.Fatalf("reject file has %d rows, want 3", len(rejected))
		}
		for i, w := range []struct{ line, reason string }{
			{"28", "Created at: "}, {"29", "Id: is empty"}, {"30", "Id: 48214 already seen on line 15"},
		} {
			r := rejected[i]
			if r[0] != w.line || !strings.Contains(r[len(r)-1], w.reason) {
				t.Errorf("reject row %d: line %s, reason %q; want %s, %q", i, r[0], r[len(r)-1], w.line, w.reason)
			}
		}
		// The first 48214 (line 15) is the one kept.
		if c := readContact(t, db, "zendesk-48214"); c.started != time.Date(2026, 3, 11, 8, 26, 0, 0, time.UTC).Unix() || c.order != "#1025" {
			t.Errorf("48214 = %+v, want line 15's ticket", c)
		}
	})
}

// Expected channels per docs/formats.md §2.2 applied to the sample's
// channel values: email 7, contact_form, help-center → email; chat 2,
// google-business-messages → chat; phone, aircall → voice; sms; nine
// facebook/instagram/twitter/whatsapp → social; api, yotpo-review → other.
func TestGorgiasTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		path := exportsDir + "gorgias_tickets.csv"
		sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if sum.Format != "gorgias" || sum.Read != 26 || sum.Created != 26 {
			t.Fatalf("summary %+v", sum)
		}
		want := map[string]int{"email": 9, "chat": 3, "voice": 2, "sms": 1, "social": 9, "other": 2}
		if got := channelCounts(t, db, "gorgias-"); !equalCounts(got, want) {
			t.Errorf("channels %v, want %v", got, want)
		}
		c := readContact(t, db, "gorgias-91501")
		if c.started != time.Date(2026, 3, 2, 7, 48, 12, 0, time.UTC).Unix() || c.channel != "email" || c.agent != "Ana Ruiz" || c.team != "" ||
			c.subject != "Where is my order #2003?" || c.tags != "order-status, wismo" {
			t.Errorf("91501: %+v", c)
		}
		if c.customer == 0 || identityOf(t, db, "email", "sofia.marchetti@example.com") != c.customer {
			t.Errorf("91501's customer %d is not known by its email", c.customer)
		}
		if s := readContact(t, db, "gorgias-91525").subject; s != `Re: "Gift wrap" option missing, order #2019` {
			t.Errorf("91525 subject %q", s)
		}
		again := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if again.Created+again.Updated != 0 || again.Unchanged != 26 {
			t.Errorf("re-import changed something: %+v", again.Counts)
		}
		// Zendesk's and Gorgias's ticket numbers never collide.
		importOK(t, db, exportsDir+"zendesk_tickets.csv", ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 52 {
			t.Errorf("%d contacts after both exports, want 52", n)
		}
	})
}

// Without a "Ticket id" column the id comes from the ticket URL.
func TestGorgiasIDFromTicketURL(t *testing.T) {
	path := project(t, exportsDir+"gorgias_tickets.csv", func(c string) bool { return c != "Ticket id" })
	db := storetest.Open(t, store.SQLite)
	sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
	if sum.Format != "gorgias" || sum.Created != 26 || count(t, db, `SELECT COUNT(*) FROM contacts WHERE external_id = 'gorgias-91501'`) != 1 {
		t.Fatalf("summary %+v", sum)
	}
}

// A ticket naming an order number in its subject is linked to that order.
func TestGorgiasSubjectLinksTheOrder(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	importOK(t, db, exportsDir+"shopify_orders_resaved.csv", ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
	importOK(t, db, exportsDir+"gorgias_tickets.csv", ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
	var name string
	scan(t, db, `SELECT o.name FROM contacts c JOIN orders o ON o.id = c.order_id WHERE c.external_id = 'gorgias-91501'`, nil, &name)
	if name != "#2003" {
		t.Fatalf("91501 linked to %q, want #2003", name)
	}
}
