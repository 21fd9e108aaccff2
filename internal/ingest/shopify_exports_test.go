package ingest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/ingest"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Shopify exports as brands really share them: trimmed, one row per
// order, re-saved by spreadsheets, in several currencies. The small files
// here are derived at test time from the real exports beside the
// repository (shopifyDir), each test saying which rows and what changed.

// collectionDir holds real exports from public repositories whose licence
// allows keeping them, one folder per repository (SOURCE.md).
const collectionDir = "testdata/shopify-exports/"

// realOrders is how many orders each real export holds: its distinct
// non-empty Name values, counted by hand from the file and checked again
// by distinctNames below. Files of the collection are named by their
// folder too (exports are all called orders_export_1.csv); the shared
// exports by their file name.
var realOrders = map[string]int{
	"forezia-mock-data_devstore_2025_EUR.csv":      19,
	"kidsliving-api_2021_ZAR_pseudonymized.csv":    50,
	"customer_vip_2019-2022_USD_pseudonymized.csv": 409,
	// PKR, 115 rows, re-saved by a spreadsheet (CRLF, TRUE/FALSE, '74700
	// zips, 9.23228E+11 phones, whole-rupee amounts), multi-line notes.
	"abdullahyasir54__signal-analytics/orders_export_1.csv": 114,
}

// Every real export imports whole, each into a store of its own: every
// order is stored and none is refused.
func TestShopifyExportCollection(t *testing.T) {
	files, err := filepath.Glob(collectionDir + "*/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	for name := range realOrders {
		if _, err := os.Stat(shopifyDir + name); err != nil {
			t.Logf("skipped %s: the real Shopify exports are not beside the repository (%s)", name, shopifyDir)
			continue
		}
		files = append(files, shopifyDir+name)
	}
	if len(files) == 0 {
		t.Skip("skipped: no real Shopify export to import (the collection is empty and the shared exports are absent)")
	}
	for _, path := range files {
		name := strings.TrimPrefix(path, collectionDir)
		if name == path {
			name = filepath.Base(path)
		}
		want, ok := realOrders[name]
		if !ok {
			t.Errorf("%s: its order count is not in realOrders", path)
			continue
		}
		if got := distinctNames(t, path); got != want {
			t.Errorf("%s has %d distinct Names, realOrders says %d", path, got, want)
		}
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
				if sum.Format != "shopify" || sum.Read != want || sum.Rejected != 0 {
					t.Fatalf("summary %+v, want %d orders read as shopify, none rejected", sum, want)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != want {
					t.Fatalf("%d orders stored, want %d", n, want)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE revenue_unknown`); n != 0 {
					t.Fatalf("%d orders of unknown revenue in a full export", n)
				}
			})
		})
	}
}

// distinctNames counts the orders of an export the test's own way.
func distinctNames(t *testing.T, path string) int {
	t.Helper()
	header, rows := readCSV(t, path)
	col := -1
	for i, h := range header {
		if strings.TrimPrefix(strings.TrimSpace(h), "\ufeff") == "Name" {
			col = i
		}
	}
	names := map[string]bool{}
	for _, r := range rows {
		if col >= 0 && col < len(r) && strings.TrimSpace(r[col]) != "" {
			names[r[col]] = true
		}
	}
	return len(names)
}

// derived is a small file made from a real export's rows.
type derived struct {
	header []string
	rows   [][]string
}

// derive keeps the columns named (in that order) of the rows of the
// orders named, only each order's first row when firstOnly is set.
func derive(t *testing.T, export string, columns []string, orders []string, firstOnly bool) derived {
	t.Helper()
	header, rows := readCSV(t, shopifyExport(t, export))
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	want := map[string]bool{}
	for _, o := range orders {
		want[o] = true
	}
	d := derived{header: columns}
	seen := map[string]bool{}
	for _, r := range rows {
		name := r[col["Name"]]
		if !want[name] || firstOnly && seen[name] {
			continue
		}
		seen[name] = true
		var out []string
		for _, c := range columns {
			i, ok := col[c]
			if !ok {
				t.Fatalf("%s has no column %q", export, c)
			}
			out = append(out, r[i])
		}
		d.rows = append(d.rows, out)
	}
	return d
}

// set changes a column of every row through fn (row index, value).
func (d derived) set(column string, fn func(i int, v string) string) {
	for c, h := range d.header {
		if h == column {
			for i := range d.rows {
				d.rows[i][c] = fn(i, d.rows[i][c])
			}
		}
	}
}

// write writes the file as a spreadsheet would: with comma or semicolon
// fields, CRLF line ends and a byte-order mark when asked.
func (d derived) write(t *testing.T, comma rune, crlf, bom bool) string {
	t.Helper()
	var b bytes.Buffer
	if bom {
		b.WriteString("\ufeff")
	}
	w := csv.NewWriter(&b)
	w.Comma, w.UseCRLF = comma, crlf
	w.Write(d.header)
	w.WriteAll(d.rows)
	path := filepath.Join(t.TempDir(), "orders.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// storedOrder is what the tests compare of a stored order.
type storedOrder struct {
	placed                   int64
	revenue, discount, ship  int64
	lines                    int
	unknown                  bool
	currency, original, rate string
}

func readOrder(t *testing.T, db *store.DB, name string) storedOrder {
	t.Helper()
	var o storedOrder
	scan(t, db, `SELECT placed_at, item_revenue, discounts, shipping_charged, (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id),
		revenue_unknown, currency, original_currency, fx_rate FROM orders o WHERE name = ?`, []any{name},
		&o.placed, &o.revenue, &o.discount, &o.ship, &o.lines, &o.unknown, &o.currency, &o.original, &o.rate)
	return o
}

func unix(s string) int64 {
	t, err := time.Parse("2006-01-02 15:04:05 -0700", s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

// One row per order with only Subtotal, Shipping, Taxes and Total: from
// customer_vip_2019-2022_USD, the first rows of #1411 and #1410 (lines 2
// and 3), their line-item columns dropped. Subtotal is after discounts, so
// it is the item revenue and there is no discount to take off again.
func TestShopifyOneRowPerOrderSubtotal(t *testing.T) {
	d := derive(t, "customer_vip_2019-2022_USD_pseudonymized.csv",
		[]string{"Name", "Email", "Financial Status", "Paid at", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Created at"},
		[]string{"#1411", "#1410"}, true)
	path := d.write(t, ',', false, false)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if sum.Format != "shopify" || sum.Read != 2 || sum.Created != 2 {
			t.Fatalf("summary %+v", sum)
		}
		for name, want := range map[string]storedOrder{
			"#1411": {placed: unix("2022-01-11 04:32:30 -0500"), revenue: 9540, ship: 3000, currency: "USD"},
			"#1410": {placed: unix("2022-01-04 01:08:35 -0500"), revenue: 50900, currency: "USD"},
		} {
			if got := readOrder(t, db, name); got != want {
				t.Errorf("%s: %+v, want %+v", name, got, want)
			}
		}
		again := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if again.Unchanged != 2 || again.Created+again.Updated != 0 {
			t.Errorf("re-import: %+v", again.Counts)
		}
	})
}

// Only Total, Taxes and Shipping, and no Created at: the same two orders,
// dated by Paid at. The item revenue is Total less Taxes and Shipping.
// #1411's shop shows prices with tax, so this is 20.02 below its Subtotal.
func TestShopifyTotalOnlyDatedByPaidAt(t *testing.T) {
	d := derive(t, "customer_vip_2019-2022_USD_pseudonymized.csv",
		[]string{"Name", "Paid at", "Currency", "Shipping", "Taxes", "Total"}, []string{"#1411", "#1410"}, true)
	path := d.write(t, ',', false, false)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if sum.Format != "shopify" || sum.Created != 2 {
			t.Fatalf("summary %+v", sum)
		}
		for name, want := range map[string]storedOrder{
			"#1411": {placed: unix("2022-01-11 04:32:31 -0500"), revenue: 12540 - 2002 - 3000, ship: 3000, currency: "USD"},
			"#1410": {placed: unix("2022-01-04 01:08:37 -0500"), revenue: 50900, currency: "USD"},
		} {
			if got := readOrder(t, db, name); got != want {
				t.Errorf("%s: %+v, want %+v", name, got, want)
			}
		}
	})
}

// A spreadsheet re-save: from kidsliving-api_2021_ZAR, the rows of #13519
// to #13522 (lines 2 to 6), re-saved by a European spreadsheet: semicolon
// fields, CRLF, a byte-order mark, day-first dates without a zone, amounts
// as 3.227,00 and 699, TRUE/FALSE, and the zips' leading apostrophes kept.
func TestShopifySpreadsheetResave(t *testing.T) {
	d := derive(t, "kidsliving-api_2021_ZAR_pseudonymized.csv",
		[]string{"Name", "Email", "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Created at",
			"Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem requires shipping", "Billing Zip", "Shipping Country"},
		[]string{"#13519", "#13520", "#13521", "#13522"}, false)
	d.set("Created at", func(_ int, v string) string {
		t, err := time.Parse("2006-01-02 15:04:05 -0700", v)
		if err != nil {
			panic(err)
		}
		return t.Format("02/01/2006 15:04")
	})
	for _, c := range []string{"Subtotal", "Shipping", "Taxes", "Total", "Lineitem price"} {
		d.set(c, func(_ int, v string) string {
			w, f, _ := strings.Cut(v, ".")
			switch {
			case len(w) > 3:
				return w[:len(w)-3] + "." + w[len(w)-3:] + "," + f // 3227.00 → 3.227,00
			case f == "00":
				return w // 699.00 → 699
			case f != "":
				return w + "," + f // 91.17 → 91,17
			}
			return v
		})
	}
	d.set("Accepts Marketing", func(_ int, v string) string { return map[string]string{"yes": "TRUE", "no": "FALSE"}[v] })
	d.set("Lineitem requires shipping", func(_ int, v string) string { return strings.ToUpper(v) })
	path := d.write(t, ';', true, true)
	raw, _ := os.ReadFile(path)
	for _, want := range []string{";3.227,00;", "13/05/2021 15:15", "'4001", "TRUE", ";699;", ";91,17;", "\r\n"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Fatalf("the derived file lacks %q:\n%s", want, raw)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.SetSetting(context.Background(), "timezone", "Africa/Johannesburg"); err != nil {
			t.Fatal(err)
		}
		sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if sum.Format != "shopify" || sum.Read != 4 || sum.Created != 4 {
			t.Fatalf("summary %+v", sum)
		}
		for name, want := range map[string]storedOrder{
			"#13519": {placed: unix("2021-05-13 11:01:00 +0200"), revenue: 69900, ship: 8500, lines: 1, currency: "ZAR"},
			"#13520": {placed: unix("2021-05-13 11:06:00 +0200"), revenue: 25900, ship: 8500, lines: 1, currency: "ZAR"},
			"#13521": {placed: unix("2021-05-13 11:13:00 +0200"), revenue: 51900, ship: 8500, lines: 1, currency: "ZAR"},
			"#13522": {placed: unix("2021-05-13 15:15:00 +0200"), revenue: 22900 + 229900 + 69900, lines: 3, currency: "ZAR"},
		} {
			if got := readOrder(t, db, name); got != want {
				t.Errorf("%s: %+v, want %+v", name, got, want)
			}
		}
		var country string
		scan(t, db, `SELECT country FROM orders WHERE name = '#13519'`, nil, &country)
		if country != "ZA" {
			t.Errorf("#13519 country %q", country)
		}
	})
}

// A file of two currencies: from kidsliving-api_2021_ZAR, #13519 and
// #13520 (lines 2 and 3), then from customer_vip_2019-2022_USD, #1411 and
// #1410 with its six rows (lines 2 to 8), on the columns both share. The
// store is in ZAR with one USD rate, from 2022-01-05: #1411 converts,
// #1410 (4 January) has no rate yet and is refused on its line, naming
// the field and what to import; the others import.
func TestShopifyMixedCurrencies(t *testing.T) {
	columns := []string{"Name", "Created at", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Amount",
		"Lineitem quantity", "Lineitem name", "Lineitem price"}
	zar := derive(t, "kidsliving-api_2021_ZAR_pseudonymized.csv", columns, []string{"#13519", "#13520"}, false)
	usd := derive(t, "customer_vip_2019-2022_USD_pseudonymized.csv", columns, []string{"#1411", "#1410"}, false)
	path := derived{header: columns, rows: append(zar.rows, usd.rows...)}.write(t, ',', false, false)
	rates := writeFile(t, "fx_rates.csv", "currency,date,rate\nUSD,2022-01-05,15.5\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, "currency", "ZAR"); err != nil {
			t.Fatal(err)
		}
		// Without rates, both USD orders are refused on their lines, and
		// by default nothing of the file is stored.
		sum, err := ingest.ImportFile(ctx, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if !errors.Is(err, ingest.ErrRejected) || sum.Rejected != 2 || len(sum.Errors) != 2 {
			t.Fatalf("err = %v, summary %+v", err, sum)
		}
		for i, line := range []int{4, 5} {
			e := sum.Errors[i]
			if e.Line != line || e.Column != "Currency" || !strings.Contains(e.Reason, "USD, but the store's currency is ZAR: "+otherCurrencyAdvice) {
				t.Errorf("error %d: %+v", i, e)
			}
		}
		wantNone(t, db, "orders")

		importOK(t, db, rates, ingest.Options{Now: clocktest.Clock(), Kind: "fx_rates"})
		sum, rejected := importSkipping(t, db, path, "orders")
		if sum.Read != 4 || sum.Rejected != 1 || sum.Created != 3 || len(sum.Errors) != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if e := sum.Errors[0]; e.Line != 5 || e.Column != "Currency" ||
			e.Reason != "USD has no exchange rate into ZAR on or before 2022-01-04, the day the order was placed (the first USD rate is of 2022-01-05): import a rate for that day or earlier" {
			t.Errorf("error %+v", e)
		}
		// #1410's six rows are in the reject file, to import again whole.
		if len(rejected) != 6 || rejected[0][1] != "#1410" || rejected[5][1] != "#1410" {
			t.Errorf("rejects %v", rejected)
		}
		for name, want := range map[string]storedOrder{
			"#13519": {placed: unix("2021-05-13 11:01:12 +0200"), revenue: 69900, ship: 8500, lines: 1, currency: "ZAR"},
			"#13520": {placed: unix("2021-05-13 11:06:08 +0200"), revenue: 25900, ship: 8500, lines: 1, currency: "ZAR"},
			// 159.00, less 63.60, plus 30.00 shipping, at 15.5.
			"#1411": {placed: unix("2022-01-11 04:32:30 -0500"), revenue: 246450, discount: 98580, ship: 46500, lines: 1, currency: "ZAR", original: "USD", rate: "15.5"},
		} {
			if got := readOrder(t, db, name); got != want {
				t.Errorf("%s: %+v, want %+v", name, got, want)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE name = '#1410'`); n != 0 {
			t.Errorf("#1410 stored")
		}
	})
}

// An export without any amount: from forezia-mock-data_devstore_2025_EUR,
// every row, on Name, Email, Created at, Fulfillment Status and Subtotal,
// with the Subtotal emptied for every order but #1001 and #1002. The 19
// orders are stored; 17 of unknown revenue. Contacts per order counts all
// 19; net revenue and contribution cover the 2 known and say 17 are
// unknown; and with no known revenue at all they say unknown, not 0.
func TestShopifyUnknownRevenue(t *testing.T) {
	const export = "forezia-mock-data_devstore_2025_EUR.csv"
	columns := []string{"Name", "Email", "Created at", "Fulfillment Status", "Subtotal"}
	withAmounts := derive(t, export, columns, namesOf(t, export), false).write(t, ',', false, false)
	d := derive(t, export, columns, namesOf(t, export), false)
	keep := map[string]bool{"#1001": true, "#1002": true}
	d.set("Subtotal", func(i int, v string) string {
		if keep[d.rows[i][0]] {
			return v
		}
		return ""
	})
	path := d.write(t, ',', false, false)
	contacts := writeFile(t, "contacts.csv", "contact_id,started_at,channel,order_id\n"+
		"c1,2025-05-11 12:00:00 -0400,email,#1001\nc2,2025-05-12 16:00:00 -0400,chat,#1003\nc3,2025-05-13 17:00:00 -0400,email,#1004\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, "timezone", "America/New_York"); err != nil {
			t.Fatal(err)
		}
		sum := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if sum.Format != "shopify" || sum.Read != 19 || sum.Created != 19 {
			t.Fatalf("summary %+v", sum)
		}
		importOK(t, db, contacts, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if got := readOrder(t, db, "#1001"); got != (storedOrder{placed: unix("2025-05-11 09:55:16 -0400"), revenue: 165995}) {
			t.Errorf("#1001: %+v", got)
		}
		if got := readOrder(t, db, "#1003"); got != (storedOrder{placed: unix("2025-05-11 10:01:25 -0400"), unknown: true}) {
			t.Errorf("#1003: %+v", got)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE revenue_unknown`); n != 17 {
			t.Fatalf("%d orders of unknown revenue, want 17", n)
		}
		// A re-import writes nothing, the flags included.
		again := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if again.Unchanged != 19 {
			t.Errorf("re-import: %+v", again.Counts)
		}

		month := func(metric string, raw bool) metrics.Row {
			t.Helper()
			e := metrics.NewEngine(db, clocktest.Clock())
			e.Raw = raw
			if !raw {
				if err := e.Rebuild(ctx); err != nil {
					t.Fatal(err)
				}
			}
			res, err := e.Run(ctx, metrics.Query{Metric: metric, From: "2025-05-01", To: "2025-05-31", Grain: "month"})
			if err != nil || len(res.Rows) != 1 {
				t.Fatalf("%s: %+v %v", metric, res.Rows, err)
			}
			return res.Rows[0]
		}
		for _, raw := range []bool{true, false} { // the raw rows and the rollup agree
			cpo := month("cpo", raw)
			if cpo.Numerator != 3 || cpo.Denominator != 19 || cpo.RevenueUnknown != 0 || cpo.Value == nil || !near(*cpo.Value, 0.157895) {
				t.Errorf("raw %v: cpo %+v", raw, cpo)
			}
			net := month("net_revenue", raw)
			if net.Value == nil || *net.Value != 3275.85 || net.RevenueUnknown != 17 || net.RevenueCoverage == nil || *net.RevenueCoverage != 0.105263 {
				t.Errorf("raw %v: net revenue %+v", raw, net)
			}
			// No costs: contribution is the net revenue of the 2 known.
			c := month("contribution_per_order", raw)
			if c.Value == nil || *c.Value != 1637.925 || c.Denominator != 2 || c.RevenueUnknown != 17 {
				t.Errorf("raw %v: contribution %+v", raw, c)
			}
		}

		// Nothing known: the figures are unknown, with every order counted.
		if _, err := db.Exec(ctx, `UPDATE orders SET revenue_unknown = TRUE`); err != nil {
			t.Fatal(err)
		}
		for _, raw := range []bool{true, false} {
			net := month("net_revenue", raw)
			if net.Value != nil || net.RevenueUnknown != 19 || net.RevenueCoverage == nil || *net.RevenueCoverage != 0 {
				t.Errorf("raw %v: net revenue with none known %+v", raw, net)
			}
			if cpo := month("cpo", raw); cpo.Denominator != 19 || cpo.Value == nil {
				t.Errorf("raw %v: cpo %+v", raw, cpo)
			}
			res, _ := metrics.NewEngine(db, clocktest.Clock()).Run(ctx, metrics.Query{Metric: "net_revenue", From: "2025-05-01", To: "2025-05-31", Grain: "month"})
			var out bytes.Buffer
			if err := res.WriteCSV(&out); err != nil {
				t.Fatal(err)
			}
			if want := "2025-05,2025-05-01,unknown,0,1,false,19\n"; !strings.HasSuffix(out.String(), want) || !strings.Contains(out.String(), ",revenue_unknown_orders\n") {
				t.Errorf("CSV:\n%s\nwant it to end %q", out.String(), want)
			}
		}

		// The same orders imported again with their amounts are known again.
		full := importOK(t, db, withAmounts, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		if full.Updated != 17 {
			t.Errorf("with amounts: %+v", full.Counts)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE revenue_unknown`); n != 0 {
			t.Errorf("%d orders still of unknown revenue", n)
		}
	})
}

// namesOf lists the Names of an export's orders.
func namesOf(t *testing.T, export string) []string {
	t.Helper()
	header, rows := readCSV(t, shopifyExport(t, export))
	var out []string
	seen := map[string]bool{}
	for _, r := range rows {
		for i, h := range header {
			if h == "Name" && !seen[r[i]] {
				seen[r[i]] = true
				out = append(out, r[i])
			}
		}
	}
	return out
}
