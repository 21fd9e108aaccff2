package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/kb"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// kb report prints the figures kb.BuildReport reads, as JSON exactly and
// as a table a person reads; a bad date names the flag.
func TestKBReport(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		customers := commerce.NewCustomers(clocktest.Clock())
		yes := false
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			for i, e := range []kb.Event{
				{Session: "report-session-0001", Type: kb.EventSearch, Query: "size", Shown: []string{"sizing-guide"}},
				{Session: "report-session-0001", Type: kb.EventFeedback, Slug: "sizing-guide", Helpful: &yes},
				{Session: "report-session-0002", Type: kb.EventSearch, Query: "ship to Brazil"},
				{Session: "report-session-0002", Type: kb.EventEscalate},
			} {
				e.Channel, e.Locale, e.At = kb.ChannelHelpCentre, "en", time.Date(2026, 11, 10, 9, i, 0, 0, time.UTC)
				if _, err := kb.RecordEvent(ctx, tx, customers, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want, err := kb.BuildReport(ctx, db, metrics.NewEngine(db, clocktest.Clock()), "2026-11-09", "2026-11-15", clocktest.Default)
		if err != nil {
			t.Fatal(err)
		}
		var wantJSON bytes.Buffer
		enc := json.NewEncoder(&wantJSON)
		enc.SetIndent("", "  ")
		enc.Encode(want)
		r := mustRun(t, "kb", "report", "--from", "2026-11-09", "--to", "2026-11-15", "--format", "json", "--db", dsn)
		if r.stdout != wantJSON.String() {
			t.Errorf("kb report --format json:\n%s\nwant\n%s", r.stdout, wantJSON.String())
		}
		table := mustRun(t, "kb", "report", "--from", "2026-11-09", "--to", "2026-11-15", "--db", dsn).stdout
		for _, s := range []string{"Self-service 2026-11-09 to 2026-11-15", "Self-service rate: 100.0% (1 resolved sessions of a demand of 1)",
			"Sessions: 2 (1 resolved, 1 escalated); followed by a contact within 72 h: 1 of 2 measured",
			"sizing-guide", "100.0% of 1", "0.0% of 1", "100.0", "not yet known", "0/1",
			"sizing-guide (en): rated unhelpful 1 times, helpful 0", "1  en  ship to brazil"} {
			if !strings.Contains(table, s) {
				t.Errorf("the table lacks %q:\n%s", s, table)
			}
		}
		if r := run(t, "kb", "report", "--from", "9 Nov", "--db", dsn); r.code == 0 || !strings.Contains(r.stderr, "from") || !strings.Contains(r.stderr, "YYYY-MM-DD") {
			t.Errorf("bad date: exit %d %s", r.code, r.stderr)
		}
	})
}
