package ingest_test

import (
	"context"
	"database/sql"
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

// march reads a metric over March 2026 (the samples' month), store-wide.
func march(t *testing.T, db *store.DB, metric string) (value, num, den float64) {
	t.Helper()
	res, err := metrics.NewEngine(db, clocktest.Clock()).Run(context.Background(), metrics.Query{Metric: metric, From: "2026-03-01", To: "2026-03-31", Grain: "month"})
	if err != nil || len(res.Rows) != 1 || res.Rows[0].Value == nil {
		t.Fatalf("%s over March: %+v %v", metric, res.Rows, err)
	}
	r := res.Rows[0]
	return *r.Value, r.Numerator, r.Denominator
}

type serviceFields struct {
	firstResponse, ended sql.NullInt64
	replies              int64
}

func readService(t *testing.T, db *store.DB, id string) serviceFields {
	t.Helper()
	var s serviceFields
	scan(t, db, `SELECT first_response_at, ended_at, replies FROM contacts WHERE external_id = ?`, []any{id}, &s.firstResponse, &s.ended, &s.replies)
	return s
}

// survey returns a ticket's stored rating: its score (0 for one offered
// and not answered) and whether there is one.
func survey(t *testing.T, db *store.DB, id string) (score int64, asked bool) {
	t.Helper()
	var s sql.NullInt64
	err := db.QueryRow(context.Background(), `SELECT s.score FROM csat s JOIN contacts c ON c.id = s.contact_id WHERE s.external_id = ? AND c.external_id = ?`, id, id).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return s.Int64, true
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

// The Zendesk sample's time metrics and ratings become the team figures
// (docs/formats.md §1.4): first reply = creation + "First reply time in
// minutes", resolution = creation + "Full resolution time in minutes",
// "Replies", and "Satisfaction Score" Good 5, Bad 1, Offered asked.
func TestZendeskServiceFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		path := exportsDir + "zendesk_tickets.csv"
		importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		created := time.Date(2026, 3, 2, 8, 14, 0, 0, time.UTC)
		if s := readService(t, db, "zendesk-48201"); s.firstResponse.Int64 != created.Add(95*time.Minute).Unix() || s.ended.Int64 != created.Add(240*time.Minute).Unix() || s.replies != 1 {
			t.Errorf("48201: %+v", s)
		}
		// Pending: answered, not resolved. New: neither.
		if s := readService(t, db, "zendesk-48216"); !s.firstResponse.Valid || s.ended.Valid {
			t.Errorf("48216 (pending): %+v", s)
		}
		if s := readService(t, db, "zendesk-48222"); s.firstResponse.Valid || s.ended.Valid || s.replies != 0 {
			t.Errorf("48222 (new): %+v", s)
		}
		for id, want := range map[string]int64{"zendesk-48201": 5, "zendesk-48215": 1, "zendesk-48202": 0} {
			if score, ok := survey(t, db, id); !ok || score != want {
				t.Errorf("%s rated %d (%v), want %d", id, score, ok, want)
			}
		}
		if _, ok := survey(t, db, "zendesk-48203"); ok {
			t.Error("a ticket whose survey was not offered has a rating")
		}
		// 25 first replies; the 13th in order is 55 minutes.
		if v, _, d := march(t, db, "first_response_time"); !near(v, 55.0/60) || d != 25 {
			t.Errorf("first response time %v over %v tickets, want 55 min over 25", v, d)
		}
		// 20 resolved; the 10th and 11th are 95 and 190 minutes.
		if v, _, d := march(t, db, "resolution_time"); !near(v, 142.5/60) || d != 20 {
			t.Errorf("resolution time %v over %v tickets, want 142.5 min over 20", v, d)
		}
		if v, n, d := march(t, db, "replies_per_contact"); !near(v, 1.6) || n != 32 || d != 20 {
			t.Errorf("replies per contact %v (%v / %v)", v, n, d)
		}
		if v, n, d := march(t, db, "csat"); !near(v, 7.0/8) || n != 7 || d != 8 {
			t.Errorf("csat %v (%v / %v), want 7 Good of 8 rated", v, n, d)
		}
		// Importing it again changes nothing; a re-export in which a
		// survey was answered updates that ticket alone.
		again := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if again.Created+again.Updated != 0 || count(t, db, `SELECT COUNT(*) FROM csat`) != 10 {
			t.Errorf("re-import: %+v, %d surveys", again.Counts, count(t, db, `SELECT COUNT(*) FROM csat`))
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rated := strings.Replace(string(data), ",,Offered,1,1,0,2,130,", ",,Good,1,1,0,2,130,", 1)
		next := filepath.Join(t.TempDir(), "zendesk_later.csv")
		if rated == string(data) || os.WriteFile(next, []byte(rated), 0o644) != nil {
			t.Fatal("could not write the later export")
		}
		later := importOK(t, db, next, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if later.Updated != 1 || later.Unchanged != 25 {
			t.Errorf("later export: %+v", later.Counts)
		}
		if score, _ := survey(t, db, "zendesk-48202"); score != 5 || count(t, db, `SELECT COUNT(*) FROM csat`) != 10 {
			t.Errorf("48202 now rated %d", score)
		}
	})
}

// The Gorgias sample's elapsed seconds, agent messages and survey scores
// become the team figures (docs/formats.md §2.4).
func TestGorgiasServiceFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		path := exportsDir + "gorgias_tickets.csv"
		importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		created := time.Date(2026, 3, 2, 7, 48, 12, 0, time.UTC)
		if s := readService(t, db, "gorgias-91501"); s.firstResponse.Int64 != created.Add(3120*time.Second).Unix() || s.ended.Int64 != created.Add(9480*time.Second).Unix() || s.replies != 1 {
			t.Errorf("91501: %+v", s)
		}
		if s := readService(t, db, "gorgias-91521"); s.firstResponse.Valid || s.ended.Valid {
			t.Errorf("91521 (open, unanswered): %+v", s)
		}
		if score, ok := survey(t, db, "gorgias-91511"); !ok || score != 2 {
			t.Errorf("91511 rated %d", score)
		}
		var comment string
		scan(t, db, `SELECT comment FROM csat WHERE external_id = 'gorgias-91525'`, nil, &comment)
		if !strings.HasPrefix(comment, "Good, but the gift n") || !strings.Contains(comment, "\n") {
			t.Errorf("91525's two-line comment: %q", comment)
		}
		// 23 first responses, in minutes as kept: the 12th is 21.
		if v, _, d := march(t, db, "first_response_time"); !near(v, 21.0/60) || d != 23 {
			t.Errorf("first response time %v over %v tickets", v, d)
		}
		// 23 closed; the 12th is 40 minutes.
		if v, _, d := march(t, db, "resolution_time"); !near(v, 40.0/60) || d != 23 {
			t.Errorf("resolution time %v over %v tickets", v, d)
		}
		if v, n, d := march(t, db, "replies_per_contact"); n != 35 || d != 23 || !near(v, 35.0/23) {
			t.Errorf("replies per contact %v (%v / %v)", v, n, d)
		}
		if v, n, d := march(t, db, "csat"); n != 7 || d != 9 || !near(v, 7.0/9) {
			t.Errorf("csat %v (%v / %v), want 7 of 9 scoring 4 or 5", v, n, d)
		}
		again := importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if again.Created+again.Updated != 0 || count(t, db, `SELECT COUNT(*) FROM csat`) != 9 {
			t.Errorf("re-import: %+v", again.Counts)
		}
	})
}

// Other spellings of Gorgias's time columns: minutes, and clock times.
func TestGorgiasElapsedSpellings(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	path := filepath.Join(t.TempDir(), "gorgias.csv")
	body := "Ticket id,Creation date,Initial channel,First response time (minutes),Resolution time,Satisfaction survey score\n" +
		"1,2026-03-02 10:00:00,email,90,01:30:00,5\n" +
		"2,2026-03-02 10:00:00,email,1h 05m,2d 1h,\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	importOK(t, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if s := readService(t, db, "gorgias-1"); s.firstResponse.Int64 != start.Add(90*time.Minute).Unix() || s.ended.Int64 != start.Add(90*time.Minute).Unix() {
		t.Errorf("ticket 1: %+v", s)
	}
	if s := readService(t, db, "gorgias-2"); s.firstResponse.Int64 != start.Add(65*time.Minute).Unix() || s.ended.Int64 != start.Add(49*time.Hour).Unix() {
		t.Errorf("ticket 2: %+v", s)
	}
	if score, _ := survey(t, db, "gorgias-1"); score != 5 {
		t.Errorf("ticket 1 rated %d", score)
	}
}

// The generic contacts file carries the same figures in its own columns,
// and a bad value is refused naming its column.
func TestGenericContactsServiceColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		header := "contact_id,started_at,channel,first_response_at,resolved_at,replies,csat_score,csat_comment\n"
		good := filepath.Join(dir, "good.csv")
		os.WriteFile(good, []byte(header+"K1,2026-03-02 10:00:00,email,2026-03-02 10:45:00,2026-03-03 10:00:00,2,4,fine\n"), 0o644)
		importOK(t, db, good, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if s := readService(t, db, "K1"); s.replies != 2 || s.firstResponse.Int64 != time.Date(2026, 3, 2, 10, 45, 0, 0, time.UTC).Unix() {
			t.Errorf("K1: %+v", s)
		}
		if score, _ := survey(t, db, "K1"); score != 4 {
			t.Errorf("K1 rated %d", score)
		}
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte(header+
			"K2,2026-03-02 10:00:00,email,2026-03-02 09:00:00,,,,\n"+
			"K3,2026-03-02 10:00:00,email,,,-1,7,\n"), 0o644)
		sum, err := ingest.ImportFile(context.Background(), db, bad, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"})
		if !errors.Is(err, ingest.ErrRejected) || sum.Rejected != 2 {
			t.Fatalf("bad file: %v %+v", err, sum)
		}
		var columns []string
		for _, e := range sum.Errors {
			columns = append(columns, e.Column)
		}
		if got := strings.Join(columns, ","); got != "first_response_at,replies,csat_score" {
			t.Errorf("problems name %s: %+v", got, sum.Errors)
		}
	})
}
