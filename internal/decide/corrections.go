package decide

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/actions"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// Correction statuses: the first three follow the dates, the last three
// are decisions.
const (
	Planned    = "planned"
	Running    = "running"
	ReviewDue  = "review_due"
	Kept       = "kept"
	Adjusted   = "adjusted"
	RolledBack = "rolled_back"
)

// Verdicts and the status each leads to.
var verdictStatus = map[string]string{"keep": Kept, "adjust": Adjusted, "roll_back": RolledBack}

// Levels of effort and impact potential.
var Levels = []string{"low", "medium", "high"}

// ReviewAfter is how long a correction runs before its review.
const ReviewAfter = 7

// Expected is an impact range written down before the change.
type Expected struct {
	Low  float64 `json:"low"`
	Base float64 `json:"base"`
	High float64 `json:"high"`
}

// Correction is one controlled change (§3.3). Impacts are improvements in
// the metric's own units, positive when the metric gets better (a drop of
// CPO by 0.02 is +0.02), so one rule reads every verdict.
type Correction struct {
	ID         int64    `json:"id"`
	Title      string   `json:"title"`
	Lever      string   `json:"lever,omitempty"`
	Metric     string   `json:"metric"`
	Scope      Scope    `json:"scope"`
	Expected   Expected `json:"expected"`
	Owner      string   `json:"owner"`
	Effort     string   `json:"effort"`
	Impact     string   `json:"impact"`
	ActionType string   `json:"action_type,omitempty"`
	Start      string   `json:"start"`
	ReviewDate string   `json:"review_date"`
	AlertID    *int64   `json:"alert_id,omitempty"`
	Status     string   `json:"status"`
	Realized   *float64 `json:"realized"`
	// Verdict is the computed one; Status holds the decision, which may
	// override it with OverrideReason.
	Verdict        string `json:"verdict,omitempty"`
	Reason         string `json:"reason,omitempty"`
	OverrideReason string `json:"override_reason,omitempty"`
	DecidedBy      string `json:"decided_by,omitempty"`
}

// improvement turns a change of a metric into an improvement. A
// correction on demand, which is neither better nor worse in itself, aims
// at fewer requests: every contact is a defect of the order experience.
func improvement(metric string, change float64) float64 {
	if metrics.Worse(metric) >= 0 {
		return -change
	}
	return change
}

// Validate checks a correction before it is added.
func (c *Correction) Validate() domain.Problems {
	var p domain.Problems
	p.Require("title", c.Title)
	p.Require("owner", c.Owner)
	if !slices.Contains(metrics.Names, c.Metric) {
		p.Add("metric", "%q is not a metric: use one of %s", c.Metric, strings.Join(metrics.Names, ", "))
	}
	if c.Scope.Dimension != "" {
		if !slices.Contains(metrics.Dimensions, c.Scope.Dimension) {
			p.Add("scope", "%q is not a dimension: use one of %s", c.Scope.Dimension, strings.Join(metrics.Dimensions, ", "))
		}
		if c.Scope.Group == "" {
			p.Add("scope", "name the cohort: DIMENSION=GROUP, like discount_code=SPRING30")
		}
	}
	if !(c.Expected.Low <= c.Expected.Base && c.Expected.Base <= c.Expected.High) {
		p.Add("expected", "low %v ≤ base %v ≤ high %v does not hold", c.Expected.Low, c.Expected.Base, c.Expected.High)
	}
	p.OneOf("effort", c.Effort, Levels...)
	p.OneOf("impact", c.Impact, Levels...)
	if c.ActionType != "" {
		p.OneOf("action_type", c.ActionType, ActionTypes...)
	}
	if _, err := time.Parse(dateLayout, c.Start); err != nil {
		p.Add("start", "%q is not a date (YYYY-MM-DD)", c.Start)
	}
	return p
}

// AddOptions are what adding a correction may be told.
type AddOptions struct {
	// Force starts a fourth parallel correction in phase 2.
	Force bool
	By    string
}

// scopeLookback is how far back a correction's cohort must have data.
const scopeLookback = 26

// checkScope refuses a scope the metric cannot be cut by, or a cohort with
// none of the metric's data in the weeks before the correction starts (a
// typo such as carrier=Nope would otherwise be measured as nothing, and
// reviewed as a failure), naming the cohorts there are.
func (d *Decider) checkScope(ctx context.Context, c Correction, p *domain.Problems) error {
	if !metrics.Applies(c.Metric, c.Scope.Dimension) {
		p.Add("scope", "%s cannot be cut by %s: choose a dimension it applies to, or leave the scope empty for the store", c.Metric, c.Scope.Dimension)
		return nil
	}
	start, _ := time.Parse(dateLayout, c.Start)
	q := metrics.Query{Metric: c.Metric, Grain: "week", By: c.Scope.Dimension,
		From: start.AddDate(0, 0, -7*scopeLookback).Format(dateLayout), To: start.AddDate(0, 0, -1).Format(dateLayout)}
	res, err := d.Metrics.Run(ctx, q)
	if err != nil {
		return err
	}
	var groups []string
	for _, r := range res.Rows {
		if r.Group != nil && !slices.Contains(groups, *r.Group) {
			groups = append(groups, *r.Group)
		}
	}
	if !slices.Contains(groups, c.Scope.Group) {
		slices.Sort(groups)
		if len(groups) > 12 {
			groups = append(groups[:12], "…")
		}
		p.Add("scope", "%s has no %s in the %d weeks before %s: the %s groups there are %s", c.Scope, c.Metric, scopeLookback, c.Start, c.Scope.Dimension, strings.Join(groups, ", "))
	}
	return nil
}

// AddCorrection records a correction, with an action for its owner to
// review it on its review date; a correction made against an alert moves
// that alert to correction_started. In phase 2 of the program a fourth
// correction running at once is refused unless forced.
func (d *Decider) AddCorrection(ctx context.Context, c Correction, opt AddOptions) (Correction, error) {
	if c.Effort == "" {
		c.Effort = "medium"
	}
	if c.Impact == "" {
		c.Impact = "medium"
	}
	p := c.Validate()
	if err := d.checkLever(ctx, c, &p); err != nil {
		return c, err
	}
	if len(p) == 0 && c.Scope.Dimension != "" {
		if err := d.checkScope(ctx, c, &p); err != nil {
			return c, err
		}
	}
	if len(p) > 0 {
		return c, &domain.Error{Code: domain.EInvalid, Message: "bad correction", Fields: p}
	}
	start, _ := time.Parse(dateLayout, c.Start)
	c.ReviewDate = start.AddDate(0, 0, ReviewAfter).Format(dateLayout)
	if !opt.Force {
		if err := d.checkParallel(ctx, c); err != nil {
			return c, err
		}
	}
	now := d.now()
	err := d.DB.WriteTx(ctx, func(tx *store.Tx) error {
		if c.AlertID != nil {
			res, err := tx.Exec(ctx, `UPDATE alerts SET state = 'correction_started', updated_at = ? WHERE id = ?`, now.Unix(), *c.AlertID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return domain.Errorf(domain.ENotFound, "no alert %d (quietdesk alerts lists them)", *c.AlertID)
			}
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO corrections (title, lever, metric, dimension, grp, expected_low, expected_base, expected_high, owner,
			effort, impact, action_type, start_date, review_date, alert_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.Title, c.Lever, c.Metric, c.Scope.Dimension, c.Scope.Group, c.Expected.Low, c.Expected.Base, c.Expected.High, c.Owner,
			c.Effort, c.Impact, c.ActionType, c.Start, c.ReviewDate, c.AlertID, now.Unix()).Scan(&id)
		if err != nil {
			return err
		}
		c.ID = id
		_, err = actions.Upsert(ctx, tx, []actions.Action{{ExternalID: reviewActionID(id), Owner: c.Owner,
			Title: "Review correction: " + c.Title, DueDate: c.ReviewDate}})
		return err
	})
	if err != nil {
		return c, err
	}
	return d.Correction(ctx, c.ID)
}

// checkParallel refuses a fourth correction running at once in phase 2.
func (d *Decider) checkParallel(ctx context.Context, c Correction) error {
	start, err := d.ProgramStart(ctx)
	if err != nil {
		return err
	}
	at, _ := time.ParseInLocation(dateLayout, c.Start, start.Location())
	day := int(at.Sub(start).Hours()/24 + 0.5)
	if day <= 30 || day > 60 {
		return nil
	}
	list, err := d.Corrections(ctx)
	if err != nil {
		return err
	}
	var overlapping []string
	for _, o := range list {
		if o.Status != RolledBack && o.Start < c.ReviewDate && c.Start < o.ReviewDate {
			overlapping = append(overlapping, fmt.Sprintf("#%d %q (%s to %s)", o.ID, o.Title, o.Start, o.ReviewDate))
		}
	}
	if len(overlapping) >= MaxParallelCorrections {
		return domain.Errorf(domain.EConflict, "day %d of the program is in phase 2, which runs at most %d corrections at once, and %s already run then: wait for a review, or start it anyway with --force",
			day, MaxParallelCorrections, strings.Join(overlapping, ", "))
	}
	return nil
}

const correctionColumns = `id, title, lever, metric, dimension, grp, expected_low, expected_base, expected_high, owner, effort, impact, action_type,
	start_date, review_date, alert_id, status, realized, computed_verdict, reason, override_reason, decided_by`

func scanCorrection(row interface{ Scan(...any) error }) (Correction, error) {
	var c Correction
	var alert sql.NullInt64
	var realized sql.NullFloat64
	err := row.Scan(&c.ID, &c.Title, &c.Lever, &c.Metric, &c.Scope.Dimension, &c.Scope.Group, &c.Expected.Low, &c.Expected.Base, &c.Expected.High,
		&c.Owner, &c.Effort, &c.Impact, &c.ActionType, &c.Start, &c.ReviewDate, &alert, &c.Status, &realized, &c.Verdict, &c.Reason, &c.OverrideReason, &c.DecidedBy)
	if alert.Valid {
		c.AlertID = &alert.Int64
	}
	if realized.Valid {
		c.Realized = &realized.Float64
	}
	return c, err
}

// status fills the date-driven status of an undecided correction.
func (d *Decider) status(c *Correction, today string) {
	if c.Status != "" {
		return
	}
	switch {
	case today < c.Start:
		c.Status = Planned
	case today < c.ReviewDate:
		c.Status = Running
	default:
		c.Status = ReviewDue
	}
}

func (d *Decider) today(ctx context.Context) (string, error) {
	loc, err := d.loc(ctx)
	if err != nil {
		return "", err
	}
	return d.now().In(loc).Format(dateLayout), nil
}

// Correction returns one correction.
func (d *Decider) Correction(ctx context.Context, id int64) (Correction, error) {
	c, err := scanCorrection(d.DB.QueryRow(ctx, `SELECT `+correctionColumns+` FROM corrections WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, domain.Errorf(domain.ENotFound, "no correction %d (quietdesk corrections list shows them)", id)
	}
	if err != nil {
		return c, err
	}
	today, err := d.today(ctx)
	d.status(&c, today)
	return c, err
}

// Corrections lists every correction in priority order (§3.4): by action
// type, then high impact potential, then low effort, then start.
func (d *Decider) Corrections(ctx context.Context) ([]Correction, error) {
	today, err := d.today(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := d.DB.Query(ctx, `SELECT `+correctionColumns+` FROM corrections`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Correction{}
	for rows.Next() {
		c, err := scanCorrection(rows)
		if err != nil {
			return nil, err
		}
		d.status(&c, today)
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := actionRank(a.ActionType), actionRank(b.ActionType); ra != rb {
			return ra < rb
		}
		if ia, ib := slices.Index(Levels, a.Impact), slices.Index(Levels, b.Impact); ia != ib {
			return ia > ib
		}
		if ea, eb := slices.Index(Levels, a.Effort), slices.Index(Levels, b.Effort); ea != eb {
			return ea < eb
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return a.ID < b.ID
	})
	return out, rows.Err()
}
