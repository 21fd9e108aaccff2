// Package decide is Quietdesk's decision loop (docs/decisions.md): guardrails and
// their triggers, alerts with owners, corrections with expected and
// realized impact and a verdict, the priority matrix, the 30-60-90 program
// and the weekly review. It reads figures from the metrics engine and
// nothing else of the raw data.
package decide

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// Triggers, as docs/decisions.md#triggers names them.
const (
	BelowFloor      = "below_floor"
	AboveCeiling    = "above_ceiling"
	CohortSpike     = "cohort_spike"
	RisingTrend     = "rising_trend"
	CompletionBelow = "completion_below"
)

// Triggers lists them in the order they are explained.
var Triggers = []string{BelowFloor, AboveCeiling, CohortSpike, RisingTrend, CompletionBelow}

// ActionTypes are the rows of the priority matrix (§3.4), first to last.
var ActionTypes = []string{"guardrail_update", "clarity_fix", "process_redesign", "automation"}

// Weekdays a guardrail's review can fall on.
var Weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// Guardrail is one metric, one red threshold, one owner, one review
// checkpoint.
type Guardrail struct {
	Name    string `json:"name"`
	Area    string `json:"area"`
	Metric  string `json:"metric"`
	Trigger string `json:"trigger"`
	// Threshold is nil until one is set, for the triggers that need one;
	// such a guardrail is not evaluated yet.
	Threshold *float64 `json:"threshold"`
	// Weeks is N for below_floor/above_ceiling (consecutive complete
	// weeks), the history a cohort_spike compares with (8), and the weeks
	// a rising_trend is fitted over (6).
	Weeks int `json:"weeks"`
	// Dimension is "" for the whole store; else each cohort is tested.
	Dimension string `json:"dimension"`
	// MinOrders: cohorts with fewer orders in a week are not tested (their
	// weekly ratios are mostly noise).
	MinOrders     int    `json:"min_orders"`
	Owner         string `json:"owner"`
	Action        string `json:"action"`
	ActionType    string `json:"action_type"`
	ReviewWeekday string `json:"review_weekday"`
	Enabled       bool   `json:"enabled"`
}

// NeedsThreshold says whether the trigger compares with a threshold.
func (g *Guardrail) NeedsThreshold() bool {
	return g.Trigger != CohortSpike && g.Trigger != RisingTrend
}

// Ready says whether the guardrail can be evaluated.
func (g *Guardrail) Ready() bool {
	return g.Enabled && (!g.NeedsThreshold() || g.Threshold != nil)
}

// Describe says what fires it, in words.
func (g *Guardrail) Describe() string {
	th := "(no threshold yet)"
	if g.Threshold != nil {
		th = formatNumber(*g.Threshold)
	}
	weeks := "weeks"
	if g.Weeks == 1 {
		weeks = "week"
	}
	switch g.Trigger {
	case BelowFloor:
		return fmt.Sprintf("below %s for %d consecutive %s", th, g.Weeks, weeks)
	case AboveCeiling:
		return fmt.Sprintf("above %s for %d consecutive %s", th, g.Weeks, weeks)
	case CohortSpike:
		return fmt.Sprintf("spike over its previous %d weeks", g.Weeks)
	case RisingTrend:
		return fmt.Sprintf("rising trend over %d weeks", g.Weeks)
	case CompletionBelow:
		return fmt.Sprintf("below %s in a week", th)
	}
	return g.Trigger
}

// ScopeLabel is "store" or "by DIMENSION".
func (g *Guardrail) ScopeLabel() string {
	if g.Dimension == "" {
		return "store"
	}
	return "by " + g.Dimension
}

func formatNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Validate checks a guardrail against the metrics it reads.
func (g *Guardrail) Validate() domain.Problems {
	var p domain.Problems
	p.Require("name", g.Name)
	if !slices.Contains(metrics.Names, g.Metric) {
		p.Add("metric", "%q is not a metric: use one of %s", g.Metric, strings.Join(metrics.Names, ", "))
	}
	p.OneOf("trigger", g.Trigger, Triggers...)
	if g.Dimension != "" && !slices.Contains(metrics.Dimensions, g.Dimension) {
		p.Add("by", "%q is not a dimension: use one of %s", g.Dimension, strings.Join(metrics.Dimensions, ", "))
	}
	if g.Trigger == CompletionBelow && g.Metric != "owner_completion_rate" {
		p.Add("trigger", "completion_below applies to owner_completion_rate")
	}
	if g.Trigger == CohortSpike && g.Dimension == "" {
		p.Add("by", "a cohort spike needs cohorts: give a dimension")
	}
	min := 1
	switch g.Trigger {
	case CohortSpike:
		min = 4
	case RisingTrend:
		min = 4
	}
	if g.Weeks < min || g.Weeks > 26 {
		p.Add("weeks", "%d is out of range: %s takes %d to 26 weeks", g.Weeks, g.Trigger, min)
	}
	if g.MinOrders < 0 {
		p.Add("min_orders", "must not be negative")
	}
	if g.ActionType != "" {
		p.OneOf("action_type", g.ActionType, ActionTypes...)
	}
	p.OneOf("review_weekday", g.ReviewWeekday, Weekdays...)
	return p
}

const guardrailColumns = `name, area, metric, trigger_kind, threshold, weeks, dimension, min_orders, owner, action, action_type, review_weekday, enabled`

func scanGuardrail(row interface{ Scan(...any) error }) (Guardrail, error) {
	var g Guardrail
	var th sql.NullFloat64
	err := row.Scan(&g.Name, &g.Area, &g.Metric, &g.Trigger, &th, &g.Weeks, &g.Dimension, &g.MinOrders, &g.Owner, &g.Action, &g.ActionType, &g.ReviewWeekday, &g.Enabled)
	if th.Valid {
		g.Threshold = &th.Float64
	}
	return g, err
}

// Guardrails lists the decision table in its order.
func Guardrails(ctx context.Context, db *store.DB) ([]Guardrail, error) {
	rows, err := db.Query(ctx, `SELECT `+guardrailColumns+` FROM guardrails ORDER BY position, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Guardrail
	for rows.Next() {
		g, err := scanGuardrail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GetGuardrail returns one guardrail by name.
func GetGuardrail(ctx context.Context, db *store.DB, name string) (Guardrail, error) {
	g, err := scanGuardrail(db.QueryRow(ctx, `SELECT `+guardrailColumns+` FROM guardrails WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return g, domain.Errorf(domain.ENotFound, "no guardrail %q (quietdesk guardrails list shows them)", name)
	}
	return g, err
}

// Edit is a change to a guardrail: nil fields stay as they are.
type Edit struct {
	Metric, Trigger, Dimension, Owner, Action, ActionType, ReviewWeekday, Area *string
	Threshold                                                                  *float64
	ClearThreshold                                                             bool
	Weeks, MinOrders                                                           *int
	Enabled                                                                    *bool
}

// SetGuardrail applies an edit to a guardrail, creating it when create is
// set (a new guardrail needs a metric and a trigger), and records what
// changed and who changed it. An edit that changes nothing records nothing.
func SetGuardrail(ctx context.Context, db *store.DB, name string, e Edit, create bool, by string, now time.Time) (Guardrail, error) {
	var out Guardrail
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		g, err := scanGuardrail(tx.QueryRow(ctx, `SELECT `+guardrailColumns+` FROM guardrails WHERE name = ?`, name))
		exists := err == nil
		switch {
		case errors.Is(err, sql.ErrNoRows) && create:
			g = Guardrail{Name: name, Weeks: 2, MinOrders: 30, ReviewWeekday: "monday", Enabled: true}
		case errors.Is(err, sql.ErrNoRows):
			return domain.Errorf(domain.ENotFound, "no guardrail %q: quietdesk guardrails list shows them; add one with quietdesk guardrails add", name)
		case err != nil:
			return err
		case create:
			return domain.Errorf(domain.EConflict, "guardrail %q exists: change it with quietdesk guardrails set", name)
		}
		before := g
		apply(&g, e)
		if p := g.Validate(); len(p) > 0 {
			return &domain.Error{Code: domain.EInvalid, Message: "bad guardrail " + name, Fields: p}
		}
		out = g
		changes := diff(before, g, exists)
		if len(changes) == 0 {
			return nil
		}
		var th any
		if g.Threshold != nil {
			th = *g.Threshold
		}
		args := []any{g.Area, g.Metric, g.Trigger, th, g.Weeks, g.Dimension, g.MinOrders, g.Owner, g.Action, g.ActionType, g.ReviewWeekday, g.Enabled, now.Unix(), g.Name}
		if exists {
			_, err = tx.Exec(ctx, `UPDATE guardrails SET area = ?, metric = ?, trigger_kind = ?, threshold = ?, weeks = ?, dimension = ?, min_orders = ?,
				owner = ?, action = ?, action_type = ?, review_weekday = ?, enabled = ?, updated_at = ? WHERE name = ?`, args...)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO guardrails (area, metric, trigger_kind, threshold, weeks, dimension, min_orders, owner, action, action_type, review_weekday, enabled, updated_at, name, position)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM guardrails))`, args...)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO guardrail_changes (guardrail, changed_at, changed_by, change) VALUES (?, ?, ?, ?)`,
			g.Name, now.Unix(), by, strings.Join(changes, "; "))
		return err
	})
	return out, err
}

func apply(g *Guardrail, e Edit) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&g.Metric, e.Metric)
	set(&g.Trigger, e.Trigger)
	set(&g.Dimension, e.Dimension)
	set(&g.Owner, e.Owner)
	set(&g.Action, e.Action)
	set(&g.ActionType, e.ActionType)
	set(&g.ReviewWeekday, e.ReviewWeekday)
	set(&g.Area, e.Area)
	if e.Threshold != nil {
		v := *e.Threshold
		g.Threshold = &v
	}
	if e.ClearThreshold {
		g.Threshold = nil
	}
	if e.Weeks != nil {
		g.Weeks = *e.Weeks
	}
	if e.MinOrders != nil {
		g.MinOrders = *e.MinOrders
	}
	if e.Enabled != nil {
		g.Enabled = *e.Enabled
	}
}

// diff says in words what an edit changed.
func diff(a, b Guardrail, existed bool) []string {
	if !existed {
		return []string{fmt.Sprintf("added: %s %s, %s", b.Metric, b.Describe(), b.ScopeLabel())}
	}
	var out []string
	field := func(name, x, y string) {
		if x != y {
			if x == "" {
				x = "(none)"
			}
			if y == "" {
				y = "(none)"
			}
			out = append(out, fmt.Sprintf("%s %s → %s", name, x, y))
		}
	}
	th := func(p *float64) string {
		if p == nil {
			return ""
		}
		return formatNumber(*p)
	}
	field("metric", a.Metric, b.Metric)
	field("trigger", a.Trigger, b.Trigger)
	field("threshold", th(a.Threshold), th(b.Threshold))
	field("weeks", strconv.Itoa(a.Weeks), strconv.Itoa(b.Weeks))
	field("scope", a.ScopeLabel(), b.ScopeLabel())
	field("min orders", strconv.Itoa(a.MinOrders), strconv.Itoa(b.MinOrders))
	field("owner", a.Owner, b.Owner)
	field("action", a.Action, b.Action)
	field("action type", a.ActionType, b.ActionType)
	field("review day", a.ReviewWeekday, b.ReviewWeekday)
	field("area", a.Area, b.Area)
	if a.Enabled != b.Enabled {
		out = append(out, map[bool]string{true: "turned on", false: "turned off"}[b.Enabled])
	}
	return out
}

// Change is one recorded edit of a guardrail.
type Change struct {
	Guardrail string    `json:"guardrail"`
	At        time.Time `json:"at"`
	By        string    `json:"by"`
	Change    string    `json:"change"`
}

// Changes lists guardrail edits made in [from, to).
func Changes(ctx context.Context, db *store.DB, from, to time.Time) ([]Change, error) {
	rows, err := db.Query(ctx, `SELECT guardrail, changed_at, changed_by, change FROM guardrail_changes WHERE changed_at >= ? AND changed_at < ? ORDER BY changed_at, id`, from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&c.Guardrail, &at, &c.By, &c.Change); err != nil {
			return nil, err
		}
		c.At = time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
