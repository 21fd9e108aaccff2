package decide_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"quietdesk/internal/decide"
	"quietdesk/internal/ingest/ingesttest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// surveys imports n rated contacts resolved on day, satisfied of them
// scoring 5 and the rest 2: a helpdesk export's ratings.
func surveys(prefix, day string, n, satisfied int) []string {
	var rows []string
	for i := range n {
		score := 2
		if i < satisfied {
			score = 5
		}
		rows = append(rows, fmt.Sprintf("%s%d,%s 10:00:00,email,%s 12:00:00,%d", prefix, i, day, day, score))
	}
	return rows
}

// A correction that improves contribution as expected is kept unless CSAT
// fell over its windows by more than 5 points beyond chance, on at least
// 30 answers in each window; fewer answers leave CSAT unjudged, and a
// store without surveys has no CSAT guard.
func TestCSATGuardVerdicts(t *testing.T) {
	cases := []struct {
		name          string
		before, after [2]int // answers, satisfied
		verdict       string
		guard, ok     bool
		reason, note  string
	}{
		{name: "no surveys", verdict: "keep"},
		{name: "steady", before: [2]int{40, 36}, after: [2]int{40, 35}, verdict: "keep", guard: true, ok: true},
		{name: "fell", before: [2]int{40, 36}, after: [2]int{40, 24}, verdict: "roll_back", guard: true, reason: "csat fell by 30.0 points"},
		// 80% → 63%: a fall of 17 points that 30 answers a side cannot
		// tell from chance (z = 1.43).
		{name: "within chance", before: [2]int{30, 24}, after: [2]int{30, 19}, verdict: "keep", guard: true, ok: true},
		{name: "too few answers", before: [2]int{10, 9}, after: [2]int{10, 3}, verdict: "keep", guard: true, ok: true, note: "not judged: 10 answers before and 10 after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := holidayStore(func(cw *cohortWeek) { cw.cogs = 70 }) // realized +10, expected low 5
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				s.build(t, db)
				if c.before[0]+c.after[0] > 0 {
					rows := append(surveys("B", "2026-02-10", c.before[0], c.before[1]), surveys("A", "2026-02-17", c.after[0], c.after[1])...)
					ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,resolved_at,csat_score", rows)
				}
				d := newDecider(db, s.now())
				r, err := d.ReviewCorrection(context.Background(), addCorrection(t, d, 5).ID)
				if err != nil {
					t.Fatal(err)
				}
				if r.Verdict != c.verdict || !strings.Contains(r.Reason, c.reason) {
					t.Errorf("verdict %s, want %s with %q: %s", r.Verdict, c.verdict, c.reason, r.Reason)
				}
				var g *decide.Guard
				for i := range r.Guards {
					if r.Guards[i].Metric == "csat" {
						g = &r.Guards[i]
					}
				}
				switch {
				case !c.guard && g != nil:
					t.Errorf("a store without surveys has a CSAT guard: %+v", g)
				case c.guard && g == nil:
					t.Errorf("no CSAT guard in %+v", r.Guards)
				case c.guard && (g.OK != c.ok || !strings.Contains(g.Note, c.note)):
					t.Errorf("CSAT guard %+v, want ok %v and note %q", g, c.ok, c.note)
				}
				if c.name == "fell" && (g.Change != -0.3 || !strings.Contains(r.Reason, "90% of 40 answers satisfied before, 60% of 40 after")) {
					t.Errorf("change %v, reason %s", g.Change, r.Reason)
				}
			})
		})
	}
}
