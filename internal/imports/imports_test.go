package imports_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/domain"
	"quietdesk/internal/imports"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var at = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const renamed = "Order Number,Date,Total\nA-1,2026-03-02 09:15:00,120.00\nA-2,2026-03-03 10:00:00,45.50\n"

func write(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The --map flags, read by ParseRename, rename a file's columns for
// ImportFile; a mapping that does not fit the file is refused before any
// write.
func TestImportFileRename(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		path := write(t, "orders.csv", renamed)
		opts := ingest.Options{Kind: "orders", Now: clock.Fixed(at)}
		if _, err := ingest.ImportFile(ctx, db, path, opts); err == nil || !strings.Contains(err.Error(), "missing required column(s) order_id, placed_at, item_revenue") {
			t.Fatalf("without a mapping: %v", err)
		}
		for _, bad := range [][]string{{"Order Number"}, {"=order_id"}, {"Order Number=order_id", "Order Number=order_name"}} {
			if _, err := ingest.ParseRename(bad); err == nil {
				t.Errorf("ParseRename(%q) took it", bad)
			}
		}
		for pairs, want := range map[string]string{
			"Order Nmber=order_id":                 `names column "Order Nmber", which the header lacks`,
			"Order Number=order_id,Total=order_id": `gives two columns the name "order_id"`,
		} {
			m, err := ingest.ParseRename(strings.Split(pairs, ","))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ingest.ImportFile(ctx, db, path, ingest.Options{Kind: "orders", Now: clock.Fixed(at), Rename: m}); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", pairs, err, want)
			}
		}
		m, err := ingest.ParseRename([]string{"Order Number=order_id", " Date = placed_at ", "Total=item_revenue"})
		if err != nil {
			t.Fatal(err)
		}
		opts.Rename = m
		sum, err := ingest.ImportFile(ctx, db, path, opts)
		if err != nil || sum.Read != 2 || sum.Created != 2 || sum.Format != "generic" {
			t.Fatalf("mapped import: %+v, %v", sum, err)
		}
		var revenue int64
		if err := db.QueryRow(ctx, `SELECT item_revenue FROM orders WHERE external_id = 'A-1'`).Scan(&revenue); err != nil || revenue != 12000 {
			t.Errorf("A-1's revenue %d (%v), want 12000 cents", revenue, err)
		}
		if sum, err := ingest.ImportFile(ctx, db, path, opts); err != nil || sum.Unchanged != 2 {
			t.Errorf("again: %+v, %v", sum, err)
		}
	})
}

// NewCSV names the files that are not CSV text.
func TestNotCSV(t *testing.T) {
	for name, data := range map[string]string{
		"the file is a spreadsheet (.xlsx, .ods) or a zip archive": "PK\x03\x04rest",
		"the file is an old Excel spreadsheet (.xls)":              "\xD0\xCF\x11\xE0\xA1\xB1",
		"the file is a PDF":    "%PDF-1.7\n",
		"the file is an image": "\x89PNG\r\n\x1a\n",
		"the file is binary":   "a\x00,b\n1,2",
		`the file is UTF-16`:   "\xFF\xFEa\x00,\x00",
	} {
		_, err := ingest.NewCSV(strings.NewReader(data))
		if err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%q: %v, want %q", data, err, name)
		}
	}
	if _, err := ingest.NewCSV(strings.NewReader("a,b\n1,2\n")); err != nil {
		t.Errorf("CSV refused: %v", err)
	}
}

// An upload imports once; a failed one may run again; a stale running one
// (its server stopped) too.
func TestRunStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := imports.Run{User: "a@example.com", FileName: "orders.csv", Kind: "orders", Format: "generic", HeaderHash: "h",
			Mapping: map[string]string{"Order Number": "order_id", "Date": "placed_at", "Total": "item_revenue"}}
		id, err := imports.Create(ctx, db, r, []byte(renamed), at)
		if err != nil {
			t.Fatal(err)
		}
		run, err := imports.Get(ctx, db, id)
		if err != nil || run.State != imports.Ready || run.Size != int64(len(renamed)) || run.Mapping["Total"] != "item_revenue" {
			t.Fatalf("created: %+v, %v", run, err)
		}
		if err := imports.Start(ctx, db, id, at); err != nil {
			t.Fatal(err)
		}
		if err := imports.Start(ctx, db, id, at.Add(time.Minute)); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("a second start while running: %v", err)
		}
		if err := imports.Start(ctx, db, id, at.Add(2*time.Hour)); err != nil {
			t.Errorf("a start after a stale run: %v", err)
		}
		if err := imports.Finish(ctx, db, id, ingest.Summary{}, errors.New("cut short"), nil, at); err != nil {
			t.Fatal(err)
		}
		if run, _ := imports.Get(ctx, db, id); run.State != imports.Failed || run.Error != "cut short" {
			t.Errorf("failed run: %+v", run)
		}
		if err := imports.Start(ctx, db, id, at); err != nil {
			t.Fatalf("a failed run may run again: %v", err)
		}
		sum, err := imports.Execute(ctx, db, run, clock.Fixed(at), nil)
		if err != nil || sum.Created != 2 || sum.File != "orders.csv" {
			t.Fatalf("execute: %+v, %v", sum, err)
		}
		run, _ = imports.Get(ctx, db, id)
		if run.State != imports.Done || run.Summary == nil || run.Summary.Created != 2 || run.HasRejects {
			t.Errorf("done run: %+v", run)
		}
		if _, err := imports.File(ctx, db, id); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("the file of a done run: %v", err)
		}
		if err := imports.Start(ctx, db, id, at.Add(3*time.Hour)); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("a done run started again: %v", err)
		}
		if _, err := imports.Get(ctx, db, id+100); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("an unknown run: %v", err)
		}
	})
}
