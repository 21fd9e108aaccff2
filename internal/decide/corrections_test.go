package decide_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// holidayStore has three carriers at 100 of revenue and 80 of cost of
// goods an order (contribution 20), 0.1 contacts an order. In week index 6
// (2026-W08, from Monday 16 February) a store-wide holiday lifts revenue to
// 130 for everyone: contribution 50. target changes what the Target
// carrier does that week on top.
func holidayStore(target func(*cohortWeek)) scenario {
	return scenario{weeks: 8, cohorts: []string{"Target", "Rest1", "Rest2"}, spec: func(w int, c string) cohortWeek {
		cw := cohortWeek{orders: 70, revenue: 100, cogs: 80, contacts: 0.1}
		if w == 6 {
			cw.revenue = 130
			if c == "Target" {
				target(&cw)
			}
		}
		return cw
	}}
}

const holidayMonday = "2026-02-16"

func addCorrection(t *testing.T, d *decide.Decider, low float64) decide.Correction {
	t.Helper()
	c, err := d.AddCorrection(context.Background(), decide.Correction{Title: "Cheaper packaging for Target parcels", Metric: "contribution_per_order",
		Scope: decide.Scope{Dimension: "carrier", Group: "Target"}, Expected: decide.Expected{Low: low, Base: low * 2, High: low * 3},
		Owner: "Malik", Start: holidayMonday}, decide.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHolidayPeakAloneDoesNotMakeACorrectionLookGood(t *testing.T) {
	s := holidayStore(func(*cohortWeek) {}) // the correction does nothing
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		d := newDecider(db, s.now())
		c := addCorrection(t, d, 5)
		r, err := d.ReviewCorrection(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Before/after alone: 20 → 50, +30. The rest of the store moved
		// the same: realized 0.
		if r.Pre != 20 || r.Post != 50 || r.ControlPre != 20 || r.ControlPost != 50 || r.Realized != 0 || !r.Controlled {
			t.Errorf("review %+v", r)
		}
		if r.Verdict != "roll_back" || !strings.Contains(r.Reason, "no improvement") {
			t.Errorf("verdict %s: %s", r.Verdict, r.Reason)
		}
		got, _ := d.Correction(ctx, c.ID)
		if got.Status != decide.RolledBack || got.Realized == nil || *got.Realized != 0 {
			t.Errorf("stored %+v", got)
		}
	})
}

func TestCorrectionVerdicts(t *testing.T) {
	cases := []struct {
		name    string
		target  func(*cohortWeek)
		low     float64
		verdict string
		guardOK bool
	}{
		// Cost of goods 10 lower on top of the holiday: realized +10.
		{"keep", func(cw *cohortWeek) { cw.cogs = 70 }, 5, "keep", true},
		{"adjust", func(cw *cohortWeek) { cw.cogs = 77 }, 5, "adjust", true},
		// Better contribution, but five times the contacts: CPO is a guard.
		{"guard worsened", func(cw *cohortWeek) { cw.cogs = 70; cw.contacts = 0.5 }, 5, "roll_back", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := holidayStore(c.target)
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				s.build(t, db)
				d := newDecider(db, s.now())
				corr := addCorrection(t, d, c.low)
				r, err := d.ReviewCorrection(ctx, corr.ID)
				if err != nil {
					t.Fatal(err)
				}
				if r.Verdict != c.verdict {
					t.Errorf("verdict %s, want %s: %s", r.Verdict, c.verdict, r.Reason)
				}
				var cpo *decide.Guard
				for i := range r.Guards {
					if r.Guards[i].Metric == "cpo" {
						cpo = &r.Guards[i]
					}
				}
				if cpo == nil || cpo.OK != c.guardOK {
					t.Errorf("guards %+v", r.Guards)
				}
				if c.name == "keep" && r.Realized != 10 {
					t.Errorf("realized %v, want 10", r.Realized)
				}
				// The words state the difference-in-differences as computed,
				// in the verdict's direction.
				want := "an improvement"
				if r.Realized < 0 {
					want = "a worsening"
				}
				if !strings.Contains(r.Reason, "in the rest of the store from") || !strings.Contains(r.Reason, "realized impact of") || !strings.Contains(r.Reason, want) {
					t.Errorf("reason %q does not state the computation and its direction (%s)", r.Reason, want)
				}
			})
		})
	}
}

func TestOverrideNeedsAReason(t *testing.T) {
	s := holidayStore(func(*cohortWeek) {})
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		d := newDecider(db, s.now())
		c := addCorrection(t, d, 5)
		if _, err := d.Decide(ctx, c.ID, "keep", "", "dana"); err == nil {
			t.Fatal("a decision before the review was accepted")
		}
		if _, err := d.ReviewCorrection(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Decide(ctx, c.ID, "keep", "", "dana"); domain.ErrorCode(err) != domain.EInvalid {
			t.Fatalf("override without a reason: %v", err)
		}
		got, err := d.Decide(ctx, c.ID, "keep", "The packaging also cut damage claims, which show up next month.", "dana")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != decide.Kept || got.Verdict != "roll_back" || got.DecidedBy != "dana" || got.OverrideReason == "" {
			t.Errorf("after override %+v", got)
		}
		// A later review refreshes the figures and keeps the person's
		// decision.
		if r, err := d.ReviewCorrection(ctx, c.ID); err != nil || r.Status != decide.Kept {
			t.Errorf("review after override: %+v %v", r, err)
		}
	})
}

func TestPhaseTwoRunsThreeCorrectionsAtOnce(t *testing.T) {
	s := holidayStore(func(*cohortWeek) {})
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		// Day 0 on 10 January: 16 February is day 37, phase 2.
		if err := db.SetSetting(ctx, decide.ProgramStartSetting, "2026-01-10"); err != nil {
			t.Fatal(err)
		}
		d := newDecider(db, s.now())
		for range 3 {
			addCorrection(t, d, 1)
		}
		c := decide.Correction{Title: "A fourth", Metric: "cpo", Expected: decide.Expected{Low: 0.01, Base: 0.02, High: 0.03}, Owner: "Dana", Start: "2026-02-18"}
		_, err := d.AddCorrection(ctx, c, decide.AddOptions{})
		var e *domain.Error
		if !errors.As(err, &e) || e.Code != domain.EConflict || !strings.Contains(e.Message, "phase 2") {
			t.Fatalf("fourth correction: %v", err)
		}
		if _, err := d.AddCorrection(ctx, c, decide.AddOptions{Force: true}); err != nil {
			t.Fatalf("forced: %v", err)
		}
		// Once the program is past day 60 the limit is gone.
		c.Start = "2026-03-20"
		if _, err := d.AddCorrection(ctx, c, decide.AddOptions{}); err != nil {
			t.Errorf("phase 3: %v", err)
		}
		// Each correction gave its owner an action due on its review date.
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM actions WHERE title LIKE 'Review correction: %' AND due_date = '2026-02-23'`).Scan(&n)
		if n != 3 {
			t.Errorf("%d review actions due 2026-02-23, want 3", n)
		}
		p, err := d.Program(ctx)
		if err != nil || p.Phase != 2 || p.Day != 53 {
			t.Errorf("program %+v %v (now %s)", p, err, s.now())
		}
	})
}
