package ingest_test

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// fxRates are USD and ZAR rates into EUR, made up for the tests near the
// real ones, on the days the real Shopify exports need.
const fxRates = "../../testdata/generic/fx_rates.csv"

const otherCurrencyAdvice = "import exchange rates first (quietdesk import fx_rates FILE with columns currency,date,rate) or import this shop into a store of its own"

func setting(t *testing.T, db *store.DB, key string) string {
	t.Helper()
	v, err := db.Setting(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func importOpts(kind string) ingest.Options {
	return ingest.Options{Now: clocktest.Clock(), Kind: kind}
}

// The real USD, EUR and ZAR exports into one store: the first sets the
// store's currency, the others are refused whole until there are rates,
// and then stored converted. Nothing ever adds two currencies.
func TestRealExportsInThreeCurrencies(t *testing.T) {
	eur := shopifyExport(t, "forezia-mock-data_devstore_2025_EUR.csv")
	usd := shopifyExport(t, "customer_vip_2019-2022_USD_pseudonymized.csv")
	zar := shopifyExport(t, "kidsliving-api_2021_ZAR_pseudonymized.csv")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		importOK(t, db, eur, importOpts("orders"))
		if c := setting(t, db, "currency"); c != "EUR" {
			t.Fatalf("store currency %q after the EUR export, want EUR", c)
		}

		for _, f := range []struct {
			path, currency string
			orders         int
		}{{usd, "USD", 409}, {zar, "ZAR", 50}} {
			sum, err := ingest.ImportFile(context.Background(), db, f.path, importOpts("orders"))
			if !errors.Is(err, ingest.ErrRejected) || sum.Rejected != f.orders {
				t.Fatalf("%s export: err = %v, %d rejected; want all %d orders rejected", f.currency, err, sum.Rejected, f.orders)
			}
			want := ":2 column Currency: " + f.currency + ", but the store's currency is EUR: " + otherCurrencyAdvice
			if got := sum.Errors[0].Error(); !strings.HasSuffix(got, want) {
				t.Errorf("first error %q, want it to end %q", got, want)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 19 {
			t.Fatalf("%d orders stored, want the EUR export's 19 alone", n)
		}
		wantNone(t, db, "returns")

		if sum := importOK(t, db, fxRates, importOpts("fx_rates")); sum.Created != 8 {
			t.Fatalf("rates: %+v, want 8 created", sum)
		}
		if sum := importOK(t, db, usd, importOpts("orders")); sum.Created != 409+69 {
			t.Fatalf("USD export with rates: %+v, want 409 orders and 69 refunds created", sum.Counts)
		}
		if sum := importOK(t, db, zar, importOpts("orders")); sum.Created != 50 {
			t.Fatalf("ZAR export with rates: %+v, want 50 created", sum.Counts)
		}

		// #1324, placed 2021-09-06 21:23 -04:00, is 2021-09-07 in the
		// store's zone (UTC): USD at that day's 0.8429.
		//   items    216.00 (67 + 84 + 65) × 0.8429 = 182.0664 → 182.07
		//   discount  21.60 × 0.8429 =  18.20664 →  18.21
		//   shipping  15.00 × 0.8429 =  12.6435  →  12.64
		//   net revenue 182.07 − 18.21 + 12.64 = 176.50
		//   refund    75.60 × 0.8429 =  63.72324 →  63.72
		//   lines 67.00 → 56.4743 → 56.47, 84.00 → 70.8036 → 70.80, 65.00 → 54.7885 → 54.79
		var net, refund int64
		var currency, original, rate string
		scan(t, db, `SELECT item_revenue - discounts + shipping_charged, currency, original_currency, fx_rate,
			(SELECT refund_amount FROM returns r WHERE r.order_id = o.id) FROM orders o WHERE name = '#1324'`, nil,
			&net, &currency, &original, &rate, &refund)
		if net != 17650 || currency != "EUR" || original != "USD" || rate != "0.8429" || refund != 6372 {
			t.Errorf("#1324: net revenue %d, %s from %s at %s, refund %d; want 17650, EUR from USD at 0.8429, 6372", net, currency, original, rate, refund)
		}
		if got := intList(t, db, `SELECT unit_price FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.name = '#1324' ORDER BY unit_price`); got != "5479,5647,7080" {
			t.Errorf("#1324 line prices %s, want 5479,5647,7080", got)
		}
		// #13519, 2021-05-13: ZAR at 0.0571 from 2021-05-01.
		//   items 699.00 × 0.0571 = 39.9129 → 39.91; shipping 85.00 × 0.0571 = 4.8535 → 4.85
		scan(t, db, `SELECT item_revenue - discounts + shipping_charged, fx_rate FROM orders WHERE name = '#13519'`, nil, &net, &rate)
		if net != 3991+485 || rate != "0.0571" {
			t.Errorf("#13519: net revenue %d at %s, want 4476 at 0.0571", net, rate)
		}

		// Every order of the two files: its day's rate, and its amounts
		// converted by the test's own arithmetic. (The USD shop's order
		// names repeat the EUR shop's: #1001 is in both.)
		rates := readRates(t, fxRates)
		for _, f := range []struct{ path, currency string }{{usd, "USD"}, {zar, "ZAR"}} {
			days := placedDays(t, f.path)
			for _, o := range readShopify(t, f.path) {
				want := rateOn(rates[f.currency], days[o.name])
				var rev, disc, refunded int64
				var rate string
				scan(t, db, `SELECT item_revenue, discounts, fx_rate, COALESCE((SELECT SUM(refund_amount) FROM returns r WHERE r.order_id = o.id), 0)
					FROM orders o WHERE name = ? AND original_currency = ?`, []any{o.name, f.currency}, &rev, &disc, &rate, &refunded)
				if !sameRate(t, rate, want) || rev != convert(t, o.revenue, want) || disc != convert(t, o.discount, want) || refunded != convert(t, o.refunded, want) {
					t.Errorf("%s %s: revenue %d, discount %d, refunded %d at %s; want %d, %d, %d at %s", f.currency, o.name, rev, disc, refunded, rate,
						convert(t, o.revenue, want), convert(t, o.discount, want), convert(t, o.refunded, want), want)
				}
			}
		}

		for _, path := range []string{eur, fxRates, usd, zar} {
			kind := "orders"
			if path == fxRates {
				kind = "fx_rates"
			}
			if again := importOK(t, db, path, importOpts(kind)); again.Created+again.Updated != 0 {
				t.Errorf("re-importing %s changed something: %+v", path, again.Counts)
			}
		}
		if c := setting(t, db, "currency"); c != "EUR" {
			t.Errorf("store currency %q, want EUR still", c)
		}
	})
}

// intList returns a one-column query's numbers joined by commas.
func intList(t *testing.T, db *store.DB, query string) string {
	t.Helper()
	rows, err := db.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// readRates reads a rates file: currency → date → rate.
func readRates(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	_, rows := readCSV(t, path)
	out := map[string]map[string]string{}
	for _, r := range rows {
		if out[r[0]] == nil {
			out[r[0]] = map[string]string{}
		}
		out[r[0]][r[1]] = r[2]
	}
	return out
}

// rateOn is the rate of the latest date on or before day.
func rateOn(rates map[string]string, day string) string {
	best, rate := "", ""
	for d, r := range rates {
		if d <= day && d > best {
			best, rate = d, r
		}
	}
	return rate
}

func sameRate(t *testing.T, a, b string) bool {
	t.Helper()
	x, okA := new(big.Rat).SetString(a)
	y, okB := new(big.Rat).SetString(b)
	if !okA || !okB {
		t.Fatalf("rates %q, %q", a, b)
	}
	return x.Cmp(y) == 0
}

// placedDays maps a Shopify export's order names to the UTC day they were
// placed.
func placedDays(t *testing.T, path string) map[string]string {
	t.Helper()
	header, rows := readCSV(t, path)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	out := map[string]string{}
	for _, r := range rows {
		if _, seen := out[r[col["Name"]]]; seen {
			continue
		}
		at, err := time.Parse("2006-01-02 15:04:05 -0700", r[col["Created at"]])
		if err != nil {
			t.Fatal(err)
		}
		out[r[col["Name"]]] = at.UTC().Format(time.DateOnly)
	}
	return out
}

// convert is cents × rate rounded half away from zero, in exact fractions.
func convert(t *testing.T, cents int64, rate string) int64 {
	t.Helper()
	r, ok := new(big.Rat).SetString(rate)
	if !ok {
		t.Fatalf("rate %q", rate)
	}
	x := new(big.Rat).Mul(new(big.Rat).SetInt64(cents), r)
	x.Add(x, big.NewRat(int64(x.Sign()), 2)) // half away from zero, then truncate
	return new(big.Int).Quo(x.Num(), x.Denom()).Int64()
}

// A generic file: an order in a second currency is refused by line and
// column, and the file stores nothing, not even the currency its first
// order would have given the store.
func TestSecondCurrencyRefusedByLine(t *testing.T) {
	const header = "order_id,placed_at,item_revenue,currency\n"
	mixed := writeFile(t, "orders.csv", header+
		"O1,2026-03-02 10:00:00,20.00,EUR\n"+
		"O2,2026-03-02 11:00:00,20.00,\n"+
		"O3,2026-03-02 12:00:00,20.00,USD\n"+
		"O4,2026-03-02 13:00:00,20.00,eur\n")
	good := writeFile(t, "orders.csv", header+
		"O2,2026-03-02 11:00:00,20.00,\n"+ // names none: the first to name one sets it
		"O1,2026-03-02 10:00:00,20.00,EUR\n"+
		"O4,2026-03-02 13:00:00,20.00,eur\n")
	badCode := writeFile(t, "orders.csv", header+"O5,2026-03-02 10:00:00,20.00,Euro\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum := importRefused(t, db, mixed, "orders")
		wantErrors(t, sum, ingest.RowError{Line: 4, Column: "currency", Reason: "USD, but the store's currency is EUR: " + otherCurrencyAdvice})
		if got, want := sum.Errors[0].Error(), "orders.csv:4 column currency: USD, but the store's currency is EUR: "+otherCurrencyAdvice; !strings.HasSuffix(got, want) {
			t.Errorf("error reads %q, want it to end %q", got, want)
		}
		wantNone(t, db, "orders")
		if c := setting(t, db, "currency"); c != "" {
			t.Errorf("a refused file set the store's currency to %q", c)
		}

		importOK(t, db, good, importOpts("orders"))
		if c := setting(t, db, "currency"); c != "EUR" {
			t.Errorf("store currency %q, want EUR from the first order naming one", c)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE fx_rate = '' AND original_currency = ''`); n != 3 {
			t.Errorf("%d orders stored as given, want 3", n)
		}
		wantErrors(t, importRefused(t, db, badCode, "orders"), ingest.RowError{Line: 2, Column: "currency", Reason: `"EURO" is not a currency code`})
	})
}

// An order is converted at the latest rate on or before its day in the
// store's zone; without one it is refused by line. Its later lines and
// returns are in its currency and converted at its rate.
func TestRateOfTheOrdersDay(t *testing.T) {
	rates := writeFile(t, "rates.csv", "currency,date,rate\nUSD,2026-03-02,0.9\nUSD,2026-03-09,0.95\n")
	orders := writeFile(t, "orders.csv", "order_id,placed_at,item_revenue,shipping_charged,currency\n"+
		"E1,2026-03-01 10:00:00,5.00,0,EUR\n"+
		"U1,2026-03-02T04:30:00Z,10.00,0,USD\n"+ // 1 March 23:30 in New York
		"U2,2026-03-02T12:00:00Z,10.00,1.25,USD\n"+
		"U3,2026-02-27 10:00:00,10.00,0,usd\n")
	lines := writeFile(t, "order_lines.csv", "order_id,sku,quantity,unit_price,unit_cost\nU2,CAP,1,10.00,3.33\n")
	returns := writeFile(t, "returns.csv", "return_id,order_id,returned_at,refund_amount,return_shipping_cost\nR1,U2,2026-03-10,10.00,2.50\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, "currency", "EUR"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetSetting(ctx, "timezone", "America/New_York"); err != nil {
			t.Fatal(err)
		}
		// No USD rate at all yet.
		wantErrors(t, importRefused(t, db, orders, "orders"),
			ingest.RowError{Line: 3, Column: "currency", Reason: "USD, but the store's currency is EUR: " + otherCurrencyAdvice},
			ingest.RowError{Line: 4, Column: "currency", Reason: "USD, but the store's currency is EUR"},
			ingest.RowError{Line: 5, Column: "currency", Reason: "USD, but the store's currency is EUR"})
		importOK(t, db, rates, importOpts("fx_rates"))
		noRate := "has no exchange rate into EUR on or before %s, the day the order was placed (the first USD rate is of 2026-03-02)"
		wantErrors(t, importRefused(t, db, orders, "orders"),
			ingest.RowError{Line: 3, Column: "currency", Reason: strings.Replace(noRate, "%s", "2026-03-01", 1)},
			ingest.RowError{Line: 5, Column: "currency", Reason: strings.Replace(noRate, "%s", "2026-02-27", 1)})
		wantNone(t, db, "orders")

		// In UTC, U1 was placed on 2 March.
		if err := db.SetSetting(ctx, "timezone", "UTC"); err != nil {
			t.Fatal(err)
		}
		sum, rejected := importSkipping(t, db, orders, "orders")
		if sum.Created != 3 || len(rejected) != 1 || rejected[0][0] != "5" || !strings.Contains(rejected[0][len(rejected[0])-1], "2026-02-27") {
			t.Fatalf("with skip-bad: %+v, rejects %v", sum.Counts, rejected)
		}
		// U2: 10.00 × 0.9 = 9.00, 1.25 × 0.9 = 1.125 → 1.13 (half away from zero).
		var rev, ship int64
		var rate string
		scan(t, db, `SELECT item_revenue, shipping_charged, fx_rate FROM orders WHERE external_id = 'U2'`, nil, &rev, &ship, &rate)
		if rev != 900 || ship != 113 || rate != "0.9" {
			t.Errorf("U2: %d, %d at %s; want 900, 113 at 0.9", rev, ship, rate)
		}

		importOK(t, db, lines, importOpts("order_lines"))
		importOK(t, db, returns, importOpts("returns"))
		var price, cost, refund, returnShipping int64
		scan(t, db, `SELECT unit_price, unit_cost FROM order_lines`, nil, &price, &cost)
		scan(t, db, `SELECT refund_amount, return_shipping_cost FROM returns`, nil, &refund, &returnShipping)
		// 3.33 × 0.9 = 2.997 → 3.00; 2.50 × 0.9 = 2.25.
		if price != 900 || cost != 300 || refund != 900 || returnShipping != 225 {
			t.Errorf("U2's line %d/%d and return %d/%d, want 900/300 and 900/225", price, cost, refund, returnShipping)
		}
		for _, f := range []struct{ path, kind string }{{rates, "fx_rates"}, {lines, "order_lines"}, {returns, "returns"}} {
			if again := importOK(t, db, f.path, importOpts(f.kind)); again.Created+again.Updated != 0 {
				t.Errorf("re-importing %s changed something: %+v", f.kind, again.Counts)
			}
		}
		if again, _ := importSkipping(t, db, orders, "orders"); again.Created+again.Updated != 0 || again.Unchanged != 3 {
			t.Errorf("re-importing the orders changed something: %+v", again.Counts)
		}
	})
}

// A return is held to its order in the store's currency: a refund is
// converted at the order's rate before it is compared with what the order
// charged.
func TestReturnOfAConvertedOrderIsCheckedConverted(t *testing.T) {
	rates := writeFile(t, "rates.csv", "currency,date,rate\nZAR,2026-01-01,0.05\n")
	orders := writeFile(t, "orders.csv", "order_id,placed_at,item_revenue,currency\nE1,2026-03-02 10:00:00,20.00,EUR\nZ1,2026-03-02 10:00:00,100.00,ZAR\n")
	// 100.00 ZAR is 5.00 EUR: a refund of 1000.00 ZAR is 50.00 EUR, ten
	// times the order, which passes; 10000.00 ZAR is a hundred times.
	returns := writeFile(t, "returns.csv", "return_id,order_id,returned_at,refund_amount\nR1,Z1,2026-03-03,1000.00\nR2,Z1,2026-03-03,10000.00\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		importOK(t, db, writeFile(t, "orders.csv", "order_id,placed_at,item_revenue,currency\nE0,2026-03-01 10:00:00,1.00,EUR\n"), importOpts("orders"))
		importOK(t, db, rates, importOpts("fx_rates"))
		importOK(t, db, orders, importOpts("orders"))
		wantErrors(t, importRefused(t, db, returns, "returns"),
			ingest.RowError{Line: 3, Column: "refund_amount", Reason: "500.00 is 100 times or more what order Z1 charged for items and shipping (5.00)"})
	})
}

// Rates are prices in the store's currency: refused while the store has
// none, and refused by line when they cannot be right.
func TestFXRatesChecked(t *testing.T) {
	bad := writeFile(t, "rates.csv", "currency,date,rate\n"+
		"USD,2026-03-02,\"1,25\"\n"+
		"USD,2026-03-03,0\n"+
		"EUR,2026-03-02,1\n"+
		"US,2026-03-02,1.1\n"+
		"GBP,2026-03-02,1.17\n"+
		"GBP,2026-03-02,1.18\n"+
		"CHF,2026-03-32,1.05\n"+
		"JPY,2026-03-02,-0.006\n")
	good := writeFile(t, "rates.csv", "currency,date,rate\nusd,2026-03-02,0.9200\nGBP,2026-03-02,1.17\n")
	changed := writeFile(t, "rates.csv", "currency,date,rate\nUSD,2026-03-02,0.93\nGBP,2026-03-02,1.17\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, err := ingest.ImportFile(context.Background(), db, good, importOpts("fx_rates"))
		if err == nil || !strings.Contains(err.Error(), "the store has no currency yet") || !strings.Contains(err.Error(), "quietdesk settings set currency") {
			t.Fatalf("rates into a store without a currency: err = %v", err)
		}
		wantNone(t, db, "fx_rates")

		if err := db.SetSetting(context.Background(), "currency", "EUR"); err != nil {
			t.Fatal(err)
		}
		wantErrors(t, importRefused(t, db, bad, "fx_rates"),
			ingest.RowError{Line: 2, Column: "rate", Reason: "write the rate with a dot"},
			ingest.RowError{Line: 3, Column: "rate", Reason: "a rate must be above 0"},
			ingest.RowError{Line: 4, Column: "currency", Reason: "EUR is the store's currency: its amounts need no rate"},
			ingest.RowError{Line: 5, Column: "currency", Reason: `"US" is not a currency code`},
			ingest.RowError{Line: 7, Reason: "duplicate row: line 6 describes the same fx_rate"},
			ingest.RowError{Line: 8, Column: "date", Reason: `"2026-03-32"`},
			ingest.RowError{Line: 9, Column: "rate", Reason: `"-0.006" is not a rate`})
		wantNone(t, db, "fx_rates")

		if sum := importOK(t, db, good, importOpts("fx_rates")); sum.Created != 2 {
			t.Fatalf("rates: %+v", sum.Counts)
		}
		var rate string
		scan(t, db, `SELECT rate FROM fx_rates WHERE currency = 'USD' AND rate_date = '2026-03-02'`, nil, &rate)
		if rate != "0.92" {
			t.Errorf("USD rate stored as %q, want 0.92", rate)
		}
		if sum := importOK(t, db, changed, importOpts("fx_rates")); sum.Updated != 1 || sum.Unchanged != 1 {
			t.Errorf("a changed rate: %+v, want 1 updated, 1 unchanged", sum.Counts)
		}
	})
}

// The JSON API parses and writes with the kinds: an order in a currency
// the store cannot take fails the whole write, naming the item and field,
// and the first order naming a currency sets the store's in the write.
func TestOrdersKindWriteHoldsTheStoreCurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		write := func(items ...ingest.MapRow) (store.Counts, error) {
			recs := make([]any, len(items))
			for i, item := range items {
				rec, p := ingest.Orders.Parse(item, domain.TimeParser{Loc: time.UTC})
				if len(p) > 0 {
					t.Fatalf("item %d: %v", i, p)
				}
				recs[i] = rec
			}
			var counts store.Counts
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				var err error
				counts, err = ingest.Orders.Write(ctx, tx, ingest.NewEnv(clocktest.Clock()), recs)
				return err
			})
			return counts, err
		}
		order := func(id, currency, revenue string) ingest.MapRow {
			return ingest.MapRow{"order_id": id, "placed_at": "2026-03-02T10:00:00Z", "item_revenue": revenue, "currency": currency}
		}

		if _, err := write(order("A1", "GBP", "10"), order("A2", "USD", "10")); err == nil {
			t.Fatal("GBP and USD orders in one write into a store without a currency were stored")
		} else {
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EInvalid || len(de.Fields) != 1 || de.Fields[0].Item != 1 || de.Fields[0].Field != "currency" ||
				de.Fields[0].Reason != "USD, but the store's currency is GBP: "+otherCurrencyAdvice {
				t.Fatalf("err = %#v", err)
			}
		}
		wantNone(t, db, "orders")
		if c := setting(t, db, "currency"); c != "" {
			t.Fatalf("a refused write set the store's currency to %q", c)
		}

		if counts, err := write(order("A1", "", "10"), order("A2", "GBP", "10")); err != nil || counts.Created != 2 {
			t.Fatalf("counts %+v, err %v", counts, err)
		}
		if c := setting(t, db, "currency"); c != "GBP" {
			t.Fatalf("store currency %q, want GBP", c)
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := commerce.UpsertFXRates(ctx, tx, []commerce.FXRate{{Currency: "USD", Date: "2026-03-01", Rate: "0.7512"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// 19.99 × 0.7512 = 15.016488 → 15.02
		if _, err := write(order("A3", "USD", "19.99")); err != nil {
			t.Fatal(err)
		}
		var rev int64
		var original string
		scan(t, db, `SELECT item_revenue, original_currency FROM orders WHERE external_id = 'A3'`, nil, &rev, &original)
		if rev != 1502 || original != "USD" {
			t.Errorf("A3: %d from %s, want 1502 from USD", rev, original)
		}
	})
}
