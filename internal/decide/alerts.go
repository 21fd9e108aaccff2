package decide

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"quietdesk/internal/actions"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Alert states.
const (
	Open              = "open"
	Acknowledged      = "acknowledged"
	CorrectionStarted = "correction_started"
	Resolved          = "resolved"
)

// AlertStates lists them.
var AlertStates = []string{Open, Acknowledged, CorrectionStarted, Resolved}

// Alert is a guardrail firing for a scope, in the shape of docs/decisions.md#alerts plus its
// id, state and evidence.
type Alert struct {
	ID        int64    `json:"id"`
	Guardrail string   `json:"guardrail"`
	Metric    string   `json:"metric"`
	Trigger   string   `json:"trigger"`
	Scope     Scope    `json:"scope"`
	Value     *float64 `json:"value"`
	Threshold *float64 `json:"threshold"`
	Owner     string   `json:"owner"`
	Action    string   `json:"action"`
	Since     string   `json:"since"`
	// LastWeek is the latest week it fired in.
	LastWeek   string  `json:"last_week"`
	State      string  `json:"state"`
	Note       string  `json:"note,omitempty"`
	ActionType string  `json:"action_type"`
	Why        string  `json:"why,omitempty"`
	Orders     float64 `json:"orders,omitempty"`
}

// WeekAlerts is `quietdesk alerts`' answer.
type WeekAlerts struct {
	Week   string  `json:"week"`
	Alerts []Alert `json:"alerts"`
	// Waiting lists guardrails that are not evaluated yet because they
	// have no threshold: accept or set one.
	Waiting []string `json:"waiting,omitempty"`
	// Evaluated is false until the guardrails task has recorded the
	// week's alerts (within a minute of the week's end while serve runs).
	Evaluated bool `json:"evaluated"`
}

// Evaluate fires every guardrail for a complete week, records the alerts
// (one per guardrail and scope for as long as it keeps firing; a run that
// ended is resolved) and returns those firing in the week, in priority
// order. Evaluating a week again changes nothing. It is the guardrails
// task's work (EvaluateDue); pages and the API read with WeekAlerts.
func (d *Decider) Evaluate(ctx context.Context, week Week) (WeekAlerts, error) {
	out, firings, err := d.fire(ctx, week)
	if err != nil {
		return out, err
	}
	if err := d.record(ctx, week, firings); err != nil {
		return out, err
	}
	if err := d.DB.SetSetting(ctx, EvaluatedSetting, maxWeek(d.evaluatedWeek(ctx), week.String())); err != nil {
		return out, err
	}
	return d.withFigures(ctx, out, week, firings)
}

// WeekAlerts reads the alerts recorded for a complete week, with the
// week's own figures, and writes nothing. Evaluated says whether the
// guardrails task has evaluated the week yet.
func (d *Decider) WeekAlerts(ctx context.Context, week Week) (WeekAlerts, error) {
	out, firings, err := d.fire(ctx, week)
	if err != nil {
		return out, err
	}
	return d.withFigures(ctx, out, week, firings)
}

// EvaluatedSetting records the latest week the guardrails were evaluated for.
const EvaluatedSetting = "guardrails.evaluated_week"

func (d *Decider) evaluatedWeek(ctx context.Context) string {
	v, _ := d.DB.Setting(ctx, EvaluatedSetting)
	return v
}

func maxWeek(a, b string) string {
	if a > b {
		return a
	}
	return b
}

// EvaluateDue evaluates every complete week since the last one evaluated
// (at most sinceLookback of them), oldest first, so alerts are recorded
// in order: the guardrails background task.
func (d *Decider) EvaluateDue(ctx context.Context) error {
	loc, err := d.loc(ctx)
	if err != nil {
		return err
	}
	last := LastCompleteWeek(d.now(), loc)
	first := last
	if done, err := ParseWeek(d.evaluatedWeek(ctx), loc); err == nil {
		if !done.Before(last) {
			// Evaluated already; run it again, cheaply, for late data.
			_, err := d.Evaluate(ctx, last)
			return err
		}
		first = done.Add(1)
	}
	if oldest := last.Add(-(sinceLookback - 1)); first.Before(oldest) {
		first = oldest
	}
	for w := first; !last.Before(w); w = w.Add(1) {
		if _, err := d.Evaluate(ctx, w); err != nil {
			return fmt.Errorf("evaluate %s: %w", w, err)
		}
	}
	return nil
}

// fire computes every guardrail's firings for a complete week without
// writing anything.
func (d *Decider) fire(ctx context.Context, week Week) (WeekAlerts, []Firing, error) {
	out := WeekAlerts{Week: week.String(), Alerts: []Alert{}}
	loc, err := d.loc(ctx)
	if err != nil {
		return out, nil, err
	}
	if last := LastCompleteWeek(d.now(), loc); last.Before(week) {
		return out, nil, domain.Errorf(domain.EInvalid, "week %s is not complete yet: the latest complete week is %s", week, last)
	}
	out.Evaluated = d.evaluatedWeek(ctx) >= week.String()
	guardrails, err := Guardrails(ctx, d.DB)
	if err != nil {
		return out, nil, err
	}
	var firings []Firing
	for _, g := range guardrails {
		if g.Enabled && !g.Ready() {
			out.Waiting = append(out.Waiting, g.Name)
			continue
		}
		f, err := d.Fire(ctx, g, week)
		if err != nil {
			return out, nil, err
		}
		firings = append(firings, f...)
	}
	return out, firings, nil
}

// withFigures fills out with the alerts recorded for the week, each with
// the figures of this week rather than of its run's latest one, and as it
// stood then: an alert that fired in the week and resolved later was not
// resolved in it.
func (d *Decider) withFigures(ctx context.Context, out WeekAlerts, week Week, firings []Firing) (WeekAlerts, error) {
	var err error
	if out.Alerts, err = d.Alerts(ctx, week); err != nil {
		return out, err
	}
	for i := range out.Alerts {
		if a := &out.Alerts[i]; a.State == Resolved && a.LastWeek >= week.String() {
			a.State = Open
		}
	}
	byScope := map[[3]string]Firing{}
	for _, f := range firings {
		byScope[[3]string{f.Guardrail, f.Scope.Dimension, f.Scope.Group}] = f
	}
	for i := range out.Alerts {
		a := &out.Alerts[i]
		if f, ok := byScope[[3]string{a.Guardrail, a.Scope.Dimension, a.Scope.Group}]; ok {
			a.Value, a.Threshold, a.Why, a.Orders = f.Value, f.Threshold, f.Why, f.Orders
		}
	}
	SortAlerts(out.Alerts)
	return out, nil
}

// record writes firings as alerts and resolves the runs that ended.
func (d *Decider) record(ctx context.Context, week Week, firings []Firing) error {
	now := d.now().Unix()
	return d.DB.WriteTx(ctx, func(tx *store.Tx) error {
		for _, f := range firings {
			// The run this firing belongs to may already be an alert: one
			// whose weeks overlap or touch it. (A run longer than the
			// look-back is seen from a later first week, so its since
			// alone cannot identify it.)
			var id int64
			var lastWeek string
			err := tx.QueryRow(ctx, `SELECT id, last_week FROM alerts WHERE guardrail = ? AND dimension = ? AND grp = ?
				AND since_week <= ? AND last_week >= ? ORDER BY since_week LIMIT 1`,
				f.Guardrail, f.Scope.Dimension, f.Scope.Group, f.Week, f.before).Scan(&id, &lastWeek)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				_, err = tx.Exec(ctx, `INSERT INTO alerts (guardrail, dimension, grp, since_week, last_week, value, threshold, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.Guardrail, f.Scope.Dimension, f.Scope.Group, f.Since, f.Week, nullable(f.Value), nullable(f.Threshold), now, now)
			case err != nil:
			case lastWeek < f.Week:
				// The run goes on: the alert follows its latest week.
				_, err = tx.Exec(ctx, `UPDATE alerts SET last_week = ?, value = ?, threshold = ?, updated_at = ?,
					state = CASE WHEN state = 'resolved' THEN 'open' ELSE state END WHERE id = ?`,
					f.Week, nullable(f.Value), nullable(f.Threshold), now, id)
			}
			if err != nil {
				return err
			}
		}
		// Alerts whose run stopped before this week and that did not fire
		// again are over.
		_, err := tx.Exec(ctx, `UPDATE alerts SET state = 'resolved', updated_at = ? WHERE last_week < ? AND state <> 'resolved'
			AND guardrail IN (SELECT name FROM guardrails WHERE enabled)`, now, week.String())
		return err
	})
}

func nullable(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// Alerts lists the alerts firing in a week, in priority order (§3.4): by
// the action type of their guardrail, then the furthest from its
// threshold, then the oldest.
func (d *Decider) Alerts(ctx context.Context, week Week) ([]Alert, error) {
	return d.queryAlerts(ctx, `a.since_week <= ? AND a.last_week >= ?`, week.String(), week.String())
}

// OpenAlerts lists the alerts not resolved, in priority order.
func (d *Decider) OpenAlerts(ctx context.Context) ([]Alert, error) {
	return d.queryAlerts(ctx, `a.state <> 'resolved'`)
}

// GetAlert returns one alert.
func (d *Decider) GetAlert(ctx context.Context, id int64) (Alert, error) {
	list, err := d.queryAlerts(ctx, `a.id = ?`, id)
	if err != nil {
		return Alert{}, err
	}
	if len(list) == 0 {
		return Alert{}, domain.Errorf(domain.ENotFound, "no alert %d (quietdesk alerts lists them)", id)
	}
	return list[0], nil
}

func (d *Decider) queryAlerts(ctx context.Context, where string, args ...any) ([]Alert, error) {
	rows, err := d.DB.Query(ctx, `SELECT a.id, a.guardrail, g.metric, g.trigger_kind, a.dimension, a.grp, a.value, a.threshold,
			g.owner, g.action, a.since_week, a.last_week, a.state, a.state_note, g.action_type
		FROM alerts a JOIN guardrails g ON g.name = a.guardrail WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var v, th sql.NullFloat64
		if err := rows.Scan(&a.ID, &a.Guardrail, &a.Metric, &a.Trigger, &a.Scope.Dimension, &a.Scope.Group, &v, &th,
			&a.Owner, &a.Action, &a.Since, &a.LastWeek, &a.State, &a.Note, &a.ActionType); err != nil {
			return nil, err
		}
		if v.Valid {
			a.Value = &v.Float64
		}
		if th.Valid {
			a.Threshold = &th.Float64
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	SortAlerts(out)
	return out, nil
}

// SortAlerts puts alerts in priority order.
func SortAlerts(list []Alert) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if ra, rb := actionRank(a.ActionType), actionRank(b.ActionType); ra != rb {
			return ra < rb
		}
		if sa, sb := a.severity(), b.severity(); sa != sb {
			return sa > sb
		}
		if a.Since != b.Since {
			return a.Since < b.Since
		}
		return a.ID < b.ID
	})
}

func actionRank(t string) int {
	if i := slices.Index(ActionTypes, t); i >= 0 {
		return i
	}
	return len(ActionTypes)
}

// severity is how far an alert's value is from its threshold, relative to
// the threshold; trends, which have none, come after the rest of their
// rank.
func (a Alert) severity() float64 {
	if a.Value == nil || a.Threshold == nil || *a.Threshold == 0 {
		return 0
	}
	return math.Abs(*a.Value-*a.Threshold) / math.Abs(*a.Threshold)
}

// SetAlertState acknowledges an alert (or reopens it) with a note.
func (d *Decider) SetAlertState(ctx context.Context, id int64, state, note, by string) error {
	if !slices.Contains([]string{Open, Acknowledged, CorrectionStarted}, state) {
		return domain.Errorf(domain.EInvalid, "state %q: an alert can be set open, acknowledged or correction_started (it resolves itself when it stops firing)", state)
	}
	res, err := d.DB.Exec(ctx, `UPDATE alerts SET state = ?, state_note = ?, state_by = ?, updated_at = ? WHERE id = ?`, state, note, by, d.now().Unix(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "no alert %d (quietdesk alerts lists them)", id)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// ActionFromAlert is the action an alert asks of its guardrail's owner:
// the recommended action for the alert's scope, due a week after the
// alert's last week ends.
func (d *Decider) ActionFromAlert(ctx context.Context, id int64) (actions.Action, error) {
	a, err := d.GetAlert(ctx, id)
	if err != nil {
		return actions.Action{}, err
	}
	loc, err := d.loc(ctx)
	if err != nil {
		return actions.Action{}, err
	}
	w, err := ParseWeek(a.LastWeek, loc)
	if err != nil {
		return actions.Action{}, err
	}
	if a.Owner == "" {
		return actions.Action{}, domain.Errorf(domain.EInvalid, "guardrail %s has no owner to act: quietdesk guardrails set %s --owner WHO", a.Guardrail, a.Guardrail)
	}
	return actions.Action{ExternalID: fmt.Sprintf("alert-%d", a.ID), Owner: a.Owner, Guardrail: a.Guardrail,
		Title:   fmt.Sprintf("%s: %s", strings.ToUpper(a.Action[:1])+a.Action[1:], a.Scope),
		DueDate: w.Add(1).Sunday().Format(dateLayout)}, nil
}
