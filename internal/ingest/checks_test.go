package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// writeFile writes content, byte for byte, as a file named name.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// goodOrders returns n valid generic order rows, O1 to On.
func goodOrders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "O%d,2026-03-02 10:00:00,20.00,o%d@example.com\n", i, i)
	}
	return b.String()
}

// importRefused imports a file that must be refused as a whole. Batches of
// two rows make a refusal that came only while writing visible: the
// batches before it would be stored.
func importRefused(t *testing.T, db *store.DB, path, kind string) ingest.Summary {
	t.Helper()
	sum, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: kind, BatchSize: 2})
	if !errors.Is(err, ingest.ErrRejected) {
		t.Fatalf("import %s: err = %v (errors %v), want rows rejected", filepath.Base(path), err, sum.Errors)
	}
	return sum
}

// wantErrors checks that the summary lists exactly these errors, in any
// order within a line; a wanted reason is a part of the reason.
func wantErrors(t *testing.T, sum ingest.Summary, want ...ingest.RowError) {
	t.Helper()
	if len(sum.Errors) != len(want) {
		t.Errorf("%d errors, want %d: %v", len(sum.Errors), len(want), sum.Errors)
	}
	for _, w := range want {
		found := false
		for _, e := range sum.Errors {
			found = found || e.Line == w.Line && e.Column == w.Column && strings.Contains(e.Reason, w.Reason)
		}
		if !found {
			t.Errorf("no error at line %d, column %q, saying %q; errors: %v", w.Line, w.Column, w.Reason, sum.Errors)
		}
	}
}

func wantNone(t *testing.T, db *store.DB, table string) {
	t.Helper()
	if n := count(t, db, `SELECT COUNT(*) FROM `+table); n != 0 {
		t.Errorf("%d rows stored in %s from a refused file", n, table)
	}
}

// Bytes that are not UTF-8, and NUL bytes, are refused in the checking
// pass wherever they are, even in a column nothing reads; before, SQLite
// stored them and PostgreSQL failed mid-write with batches already stored.
func TestBadBytesRefusedBeforeAnythingIsWritten(t *testing.T) {
	const header = "order_id,placed_at,item_revenue,customer_email"
	latin1 := writeFile(t, "orders.csv", header+"\n"+goodOrders(11)+"O12,2026-03-02 10:00:00,20.00,caf\xe9@example.com\n")
	ignored := writeFile(t, "orders.csv", header+",note\nO1,2026-03-02 10:00:00,20.00,a@example.com,fine\nO2,2026-03-02 10:00:00,20.00,b@example.com,na\xefve\n")
	nul := writeFile(t, "contacts.csv", "contact_id,started_at,channel,text\nC1,2026-03-02 10:00:00,email,hello\nC2,2026-03-02 10:00:00,email,he\x00llo\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum := importRefused(t, db, latin1, "orders")
		wantErrors(t, sum, ingest.RowError{Line: 13, Column: "customer_email", Reason: "invalid UTF-8 (byte 0xe9): save the file as UTF-8"})
		if got := sum.Errors[0].Error(); !strings.HasSuffix(got, "orders.csv:13 column customer_email: invalid UTF-8 (byte 0xe9): save the file as UTF-8") {
			t.Errorf("error reads %q", got)
		}
		wantErrors(t, importRefused(t, db, ignored, "orders"), ingest.RowError{Line: 3, Column: "note", Reason: "invalid UTF-8 (byte 0xef)"})
		wantNone(t, db, "orders")

		wantErrors(t, importRefused(t, db, nul, "contacts"), ingest.RowError{Line: 3, Column: "text", Reason: "contains a NUL byte"})
		wantNone(t, db, "contacts")
	})
}

// A header that is not UTF-8 text refuses the file, naming the column.
func TestBadHeaderTextRefused(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"latin-1", "order_id,placed_at,item_revenue,r\xe9f\n" + goodOrders(1), "line 1: column 4 of the header: invalid UTF-8 (byte 0xe9)"},
		{"utf-16", "\xff\xfeo\x00r\x00d\x00", "the file is UTF-16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "orders.csv", tc.content)
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				_, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want it to say %q", err, tc.want)
				}
				wantNone(t, db, "orders")
			})
		})
	}
}

// A row wider or narrower than the header has its values under the wrong
// columns: it is refused with the counts, and nothing else is said of it.
func TestRowOfAnotherWidthRefused(t *testing.T) {
	path := writeFile(t, "orders.csv", "order_id,placed_at,item_revenue,customer_name\n"+
		"O1,2026-03-02 10:00:00,20.00,Ann Lee\n"+
		"O2,2026-03-02 10:00:00,20.00,Smith, John\n"+ // an unquoted comma
		"O3,2026-03-02 10:00:00,20.00\n"+
		"O4,2026-03-02 10:00:00,20.00,\"Smith, Jane\"\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		wantErrors(t, importRefused(t, db, path, "orders"),
			ingest.RowError{Line: 3, Reason: "has 5 fields but the header has 4: a value holding a comma must be in double quotes"},
			ingest.RowError{Line: 4, Reason: "has 3 fields but the header has 4"})
		wantNone(t, db, "orders")

		// Such rows are bad rows like any other: --skip-bad sets them aside.
		sum, rejected := importSkipping(t, db, path, "orders")
		if sum.Created != 2 || len(rejected) != 2 || rejected[0][0] != "3" || rejected[1][0] != "4" {
			t.Fatalf("with skip-bad: %+v, rejects %v", sum, rejected)
		}
	})
}

// Two columns of the same name (ignoring case, as exports are read) leave
// it unclear which to read.
func TestHeaderWithARepeatedColumnRefused(t *testing.T) {
	for _, tc := range []struct{ name, header, want string }{
		{"same", "order_id,placed_at,item_revenue,placed_at", `the header has column "placed_at" twice (columns 2 and 4)`},
		{"case", "order_id,placed_at,item_revenue,Item_Revenue", `the header has column "Item_Revenue" twice (columns 3 and 4)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "orders.csv", tc.header+"\nO1,2026-03-02 10:00:00,20.00,2026-03-02 11:00:00\n")
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				_, err := ingest.ImportFile(context.Background(), db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want it to say %q", err, tc.want)
				}
				wantNone(t, db, "orders")
			})
		})
	}
}

// Dates outside 1990 to 2100 are typing errors or placeholders, refused as
// such: 0001-01-01 was reported as missing ("is required"), and 9999 dates
// were stored.
func TestDatesOutsideTheAcceptedRangeRefused(t *testing.T) {
	orders := writeFile(t, "orders.csv", "order_id,placed_at,item_revenue,delivered_at\n"+
		"O1,0001-01-01,20.00,\n"+
		"O2,9999-06-01 12:00:00,20.00,\n"+
		"O3,2026-03-02 10:00:00,20.00,1970-01-01\n"+
		"O4,1990-01-01 00:00:00,20.00,2100-01-01\n") // the bounds themselves are accepted
	costs := writeFile(t, "costs.csv", "kind,amount,start_date,end_date,team,description\n"+
		"team_rate,32.50,2026-01-01,9999-12-31,tier1,\n"+
		"fixed,1200.00,2026-03-01,9999-12-31,,helpdesk\n"+
		"fixed,1200.00,1899-12-30,2026-03-31,,spreadsheet day zero\n"+
		"team_rate,41.00,2026-01-01,,tier2,\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const outside = "is outside the accepted range (1990-01-01 to 2100-01-01)"
		sum := importRefused(t, db, orders, "orders")
		wantErrors(t, sum,
			ingest.RowError{Line: 2, Column: "placed_at", Reason: `"0001-01-01" ` + outside},
			ingest.RowError{Line: 3, Column: "placed_at", Reason: `"9999-06-01 12:00:00" ` + outside},
			ingest.RowError{Line: 4, Column: "delivered_at", Reason: `"1970-01-01" ` + outside})
		wantNone(t, db, "orders")

		sum = importRefused(t, db, costs, "costs")
		wantErrors(t, sum,
			ingest.RowError{Line: 2, Column: "end_date", Reason: `"9999-12-31" ` + outside + ": leave end_date empty for an open end"},
			ingest.RowError{Line: 3, Column: "end_date", Reason: "leave end_date empty for an open end of a rate or fee; a fixed cost is spread evenly up to its end_date, so give its real last day"},
			ingest.RowError{Line: 4, Column: "start_date", Reason: `"1899-12-30" ` + outside})
		wantNone(t, db, "cost_entries")
	})
}

// Values that parse but cannot be right are refused with the reason.
func TestImplausibleOrdersRefused(t *testing.T) {
	path := writeFile(t, "orders.csv", "order_id,placed_at,item_revenue,shipping_charged,discounts,customer_email,tags\n"+
		"O1,2026-03-02 10:00:00,20.00,4.90,30.00,a@example.com,\n"+
		"O2,2026-03-02 10:00:00,20.00,4.90,24.90,b@example.com,\n"+ // everything free: passes
		"O3,2026-03-02 10:00:00,20.00,0,0,not-an-email,\n"+
		"O4,2026-03-02 10:00:00,20.00,0,0,d@example.com,"+strings.Repeat("x", 1<<20+1)+"\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		wantErrors(t, importRefused(t, db, path, "orders"),
			ingest.RowError{Line: 2, Column: "discounts", Reason: "30.00 is more than the order's items and shipping together (24.90)"},
			ingest.RowError{Line: 4, Column: "customer_email", Reason: `"not-an-email" is not an email address`},
			ingest.RowError{Line: 5, Column: "tags", Reason: "is 1.0 MiB long, over the 1 MiB a field may hold"})
		wantNone(t, db, "orders")
	})
}

// A return is held to its stored order: not before it, and not a refund
// that is 100 times the order or more (an amount written in cents).
func TestImplausibleReturnsRefused(t *testing.T) {
	orders := writeFile(t, "orders.csv", "order_id,placed_at,item_revenue,shipping_charged\n"+
		"5001,2026-03-02 09:15:00,110.00,0\n"+
		"5002,2026-03-02 09:15:00,0,0\n")
	returns := writeFile(t, "returns.csv", "return_id,order_id,returned_at,refund_amount\n"+
		"R1,5001,2026-03-01 10:00:00,10.00\n"+
		"R2,5001,2026-03-02,10.00\n"+ // a date on the order's day: passes
		"R3,5001,2026-03-16 10:00:00,11000\n"+
		"R4,5001,2026-03-16 10:00:00,130.00\n"+ // above the order, not absurdly: passes
		"R5,5002,2026-03-16 10:00:00,5.00\n")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		importOK(t, db, orders, ingest.Options{Now: clocktest.Clock(), Kind: "orders"})
		wantErrors(t, importRefused(t, db, returns, "returns"),
			ingest.RowError{Line: 2, Column: "returned_at", Reason: "2026-03-01 10:00 is before order 5001 was placed (2026-03-02 09:15)"},
			ingest.RowError{Line: 4, Column: "refund_amount", Reason: "11000.00 is 100 times or more what order 5001 charged for items and shipping (110.00): was it written in cents?"},
			ingest.RowError{Line: 6, Column: "refund_amount", Reason: "5.00 refunded on order 5002, which charged nothing"})
		wantNone(t, db, "returns")
	})
}

// The same rules name a Shopify export's own columns.
func TestImplausibleShopifyOrdersRefused(t *testing.T) {
	header, rows := readCSV(t, exportsDir+"shopify_orders_mixed_currency.csv")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	rows[1][col["Currency"]] = "EUR"             // line 3, #2102: no longer a second currency
	rows[0][col["Email"]] = "Nina Berg"          // line 2, #2103
	rows[1][col["Discount Amount"]] = "100.00"   // line 3, #2102: 76.00 of items, 3.95 of shipping
	rows[2][col["Lineitem price"]] = "35.0\xe90" // line 4, #2101's first row
	path := filepath.Join(t.TempDir(), "orders.csv")
	writeCSV(t, path, header, rows)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		wantErrors(t, importRefused(t, db, path, "orders"),
			ingest.RowError{Line: 2, Column: "Email", Reason: `"Nina Berg" is not an email address`},
			ingest.RowError{Line: 3, Column: "Discount Amount", Reason: "100.00 is more than the order's items and shipping together (79.95)"},
			ingest.RowError{Line: 4, Column: "Lineitem price", Reason: "invalid UTF-8 (byte 0xe9)"})
		wantNone(t, db, "orders")
	})
}
