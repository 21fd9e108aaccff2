package demo

import (
	"context"
	"fmt"
	"quietdesk/internal/domain"
	"strings"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// ProgramWeeks is how many weeks before the end the demo's 30-60-90
// program started: its first four weeks are the baseline the thresholds
// are proposed from, and it is in phase 2 on the day the store is made.
const ProgramWeeks = 8

// guardrailOwners gives each default guardrail the owner whose area it is.
var guardrailOwners = map[string]string{
	"contribution_floor": "Tom", "return_cost_spike": "Inès", "variable_cost_trend": "Malik", "owner_completion": "Dana", "cpo_ceiling": "Malik",
}

// Decisions is what SetUpDecisions did.
type Decisions struct {
	ProgramStart string
	Accepted     []decide.Proposal
	Alerts       []decide.Alert // firing in the last week
	Corrections  []decide.Correction
	// Skipped says what the store's data could not support (a small
	// store may have no orders of a cohort in a correction's weeks).
	Skipped []string
}

// SetUpDecisions runs the decision loop on a fresh demo store as its
// support lead would have: the program started ProgramWeeks before the
// end, owners named, the proposed thresholds accepted after the baseline,
// every week since evaluated, and three corrections — one reviewed, one due
// for review on the day the store is made, one just started. The metrics
// rollups should be built first (it works without, slowly).
func SetUpDecisions(ctx context.Context, db *store.DB, sum Summary, now time.Time) (Decisions, error) {
	var out Decisions
	loc, err := store.TimeZone(ctx, db)
	if err != nil {
		return out, err
	}
	end := decide.WeekOf(sum.To, loc)
	start := end.Add(-(ProgramWeeks - 1))
	out.ProgramStart = start.Start.Format(time.DateOnly)
	if err := db.SetSetting(ctx, decide.ProgramStartSetting, out.ProgramStart); err != nil {
		return out, err
	}
	for _, o := range owners {
		email := strings.ToLower(strings.NewReplacer("è", "e").Replace(o.name)) + "@atelier-brume.example"
		if _, err := db.Exec(ctx, `INSERT INTO owners (name, email) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, o.name, email); err != nil {
			return out, err
		}
	}
	clock := func() time.Time { return now }
	d := &decide.Decider{DB: db, Metrics: &metrics.Engine{DB: db, Now: clock}, Now: clock}
	for name, owner := range guardrailOwners {
		if _, err := decide.SetGuardrail(ctx, db, name, decide.Edit{Owner: &owner}, false, "Dana", start.Start); err != nil {
			return out, err
		}
	}
	// The thresholds, accepted on the first Monday after the baseline.
	d.Now = func() time.Time { return start.Add(5).Start.Add(9 * time.Hour) }
	if out.Accepted, err = d.Accept(ctx, nil, "Dana"); err != nil {
		return out, fmt.Errorf("accept the proposed thresholds: %w", err)
	}
	d.Now = clock
	var alerts decide.WeekAlerts
	for w := start.Add(4); !end.Before(w); w = w.Add(1) {
		if alerts, err = d.Evaluate(ctx, w); err != nil {
			return out, err
		}
	}
	out.Alerts = alerts.Alerts
	alertOf := func(guardrail string) *int64 {
		for _, a := range alerts.Alerts {
			if a.Guardrail == guardrail {
				id := a.ID
				return &id
			}
		}
		return nil
	}
	day := func(w decide.Week) string { return w.Start.Format(time.DateOnly) }
	corrections := []decide.Correction{
		{Title: "Escalate ParcelNow's late deliveries with their account manager", Lever: "carrier management", Metric: "cpo",
			Scope: decide.Scope{Dimension: "carrier", Group: "ParcelNow"}, Expected: decide.Expected{Low: 0.02, Base: 0.04, High: 0.06},
			Owner: "Malik", Effort: "low", Impact: "high", ActionType: "guardrail_update", Start: day(end.Add(-2)), AlertID: alertOf("cpo_ceiling")},
		{Title: "Pause SPRING30 on coupon sites", Lever: "offer", Metric: "contribution_per_order",
			Scope: decide.Scope{Dimension: "discount_code", Group: "SPRING30"}, Expected: decide.Expected{Low: 2, Base: 5, High: 8},
			Owner: "Tom", Effort: "low", Impact: "high", ActionType: "guardrail_update", Start: day(end), AlertID: alertOf("contribution_floor")},
		{Title: "Rewrite the shoe size guide", Lever: "self-service", Metric: "cpo",
			Scope: decide.Scope{Dimension: "category", Group: SizingCategory}, Expected: decide.Expected{Low: 0.005, Base: 0.01, High: 0.02},
			Owner: "Inès", Effort: "medium", Impact: "medium", ActionType: "clarity_fix", Start: day(end.Add(1))},
	}
	for _, c := range corrections {
		added, err := d.AddCorrection(ctx, c, decide.AddOptions{By: "Dana"})
		if domain.ErrorCode(err) == domain.EInvalid {
			out.Skipped = append(out.Skipped, fmt.Sprintf("correction %q not added: %v", c.Title, err))
			continue
		}
		if err != nil {
			return out, fmt.Errorf("correction %q: %w", c.Title, err)
		}
		if added.Status == decide.ReviewDue && added.ReviewDate < now.In(loc).Format(time.DateOnly) {
			// Reviewed on its review day, in the Monday meeting.
			reviewDay, _ := time.ParseInLocation(time.DateOnly, added.ReviewDate, loc)
			d.Now = func() time.Time { return reviewDay.Add(10 * time.Hour) }
			_, err := d.ReviewCorrection(ctx, added.ID)
			d.Now = clock
			switch {
			case domain.ErrorCode(err) == domain.EInvalid:
				// Too small a store to measure it: left due, as a real
				// one would be.
				out.Skipped = append(out.Skipped, fmt.Sprintf("correction %q not reviewed: %v", c.Title, err))
			case err != nil:
				return out, err
			default:
				added, _ = d.Correction(ctx, added.ID)
			}
		}
		out.Corrections = append(out.Corrections, added)
	}
	// The review actions written above touched the owners' days.
	return out, (&metrics.Engine{DB: db, Now: clock}).Refresh(ctx)
}
