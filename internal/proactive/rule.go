package proactive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Rule is one proactive rule or campaign (docs/proactive.md#rules).
type Rule struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	Enabled    bool       `json:"enabled"`
	DryRun     bool       `json:"dry_run"`
	HoldoutPct int        `json:"holdout_pct"`
	Scope      Scope      `json:"scope"`
	Templates  []Template `json:"templates"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	UpdatedBy  string     `json:"updated_by"`
}

// Scope narrows a rule to a cohort of orders; empty fields mean any. A
// campaign's scope is its cohort.
type Scope struct {
	Carrier    string `json:"carrier,omitempty"`
	SKU        string `json:"sku,omitempty"`     // an order line's SKU, or a prefix ending in *
	Country    string `json:"country,omitempty"` // the order's country (ISO code)
	PlacedFrom string `json:"placed_from,omitempty"`
	PlacedTo   string `json:"placed_to,omitempty"` // inclusive, YYYY-MM-DD in the store's time zone
}

// IsZero reports whether the scope is every order.
func (s Scope) IsZero() bool { return s == Scope{} }

// Template is a rule's text on one channel in one locale.
type Template struct {
	Channel string `json:"channel"`
	Locale  string `json:"locale"`
	Subject string `json:"subject,omitempty"` // email only
	Body    string `json:"body"`
}

var ruleName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Validate checks a rule's fields (its templates' text is checked by
// CheckTemplates), naming each bad one.
func (r *Rule) Validate() error {
	var p domain.Problems
	if !ruleName.MatchString(r.Name) {
		p.Add("name", "%q is not a rule name: lower-case letters, digits, - and _ (e.g. late_shipment)", r.Name)
	}
	p.OneOf("kind", r.Kind, Kinds...)
	if r.HoldoutPct < 0 || r.HoldoutPct > 50 {
		p.Add("holdout_pct", "is %d; between 0 and 50 (a notice sent to fewer than half the orders measures nothing useful)", r.HoldoutPct)
	}
	for _, d := range []struct{ field, v string }{{"scope.placed_from", r.Scope.PlacedFrom}, {"scope.placed_to", r.Scope.PlacedTo}} {
		if d.v != "" {
			if _, err := time.Parse(time.DateOnly, d.v); err != nil {
				p.Add(d.field, "%q is not a date: use YYYY-MM-DD", d.v)
			}
		}
	}
	seen := map[string]bool{}
	for i, t := range r.Templates {
		p.OneOf(fmt.Sprintf("templates[%d].channel", i), t.Channel, Channels...)
		if t.Locale == "" {
			p.Add(fmt.Sprintf("templates[%d].locale", i), "is required (e.g. en)")
		}
		if strings.TrimSpace(t.Body) == "" {
			p.Add(fmt.Sprintf("templates[%d].body", i), "is required")
		}
		key := t.Channel + "/" + t.Locale
		if seen[key] {
			p.Add(fmt.Sprintf("templates[%d]", i), "repeats %s: one text per channel and locale", key)
		}
		seen[key] = true
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("rule %s cannot be saved", r.Name), Fields: p}
	}
	return nil
}

// Querier reads: a *store.DB or a *store.Tx.
type Querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ErrNoRule is returned for a name that is no rule.
var ErrNoRule = domain.Errorf(domain.ENotFound, "no such rule: quietdesk proactive rules lists them")

const ruleColumns = `id, name, kind, enabled, dry_run, holdout_pct, scope, created_at, updated_at, updated_by`

func scanRule(row interface{ Scan(...any) error }) (*Rule, error) {
	var r Rule
	var scope string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.Name, &r.Kind, &r.Enabled, &r.DryRun, &r.HoldoutPct, &scope, &created, &updated, &r.UpdatedBy); err != nil {
		return nil, err
	}
	if scope != "" {
		if err := json.Unmarshal([]byte(scope), &r.Scope); err != nil {
			return nil, fmt.Errorf("rule %s: stored scope: %w", r.Name, err)
		}
	}
	r.CreatedAt, r.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return &r, nil
}

func loadTemplates(ctx context.Context, q Querier, r *Rule) error {
	rows, err := q.Query(ctx, `SELECT channel, locale, subject, body FROM proactive_templates WHERE rule_id = ? ORDER BY channel, locale`, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	r.Templates = nil
	for rows.Next() {
		var t Template
		if err := rows.Scan(&t.Channel, &t.Locale, &t.Subject, &t.Body); err != nil {
			return err
		}
		r.Templates = append(r.Templates, t)
	}
	return rows.Err()
}

// GetRule reads a rule and its templates by name.
func GetRule(ctx context.Context, q Querier, name string) (*Rule, error) {
	r, err := scanRule(q.QueryRow(ctx, `SELECT `+ruleColumns+` FROM proactive_rules WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoRule
	}
	if err != nil {
		return nil, err
	}
	return r, loadTemplates(ctx, q, r)
}

// ListRules reads every rule with its templates, by name.
func ListRules(ctx context.Context, q Querier) ([]*Rule, error) {
	rows, err := q.Query(ctx, `SELECT `+ruleColumns+` FROM proactive_rules ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []*Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range out {
		if err := loadTemplates(ctx, q, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SaveRule creates or replaces a rule by name, its templates with it, and
// records the change (and a switch on or off) for the weekly review.
func SaveRule(ctx context.Context, tx *store.Tx, r *Rule, who string, now time.Time) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := CheckTemplates(r.Templates); err != nil {
		return err
	}
	scope := ""
	if !r.Scope.IsZero() {
		b, err := json.Marshal(r.Scope)
		if err != nil {
			return err
		}
		scope = string(b)
	}
	old, err := GetRule(ctx, tx, r.Name)
	if err != nil && !errors.Is(err, ErrNoRule) {
		return err
	}
	at := now.Unix()
	if old == nil {
		err = tx.QueryRow(ctx, `INSERT INTO proactive_rules (name, kind, enabled, dry_run, holdout_pct, scope, created_at, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Name, r.Kind, r.Enabled, r.DryRun, r.HoldoutPct, scope, at, at, who).Scan(&r.ID)
		r.CreatedAt = now.UTC().Truncate(time.Second)
	} else {
		r.ID, r.CreatedAt = old.ID, old.CreatedAt
		_, err = tx.Exec(ctx, `UPDATE proactive_rules SET kind = ?, enabled = ?, dry_run = ?, holdout_pct = ?, scope = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			r.Kind, r.Enabled, r.DryRun, r.HoldoutPct, scope, at, who, r.ID)
	}
	if err != nil {
		return err
	}
	r.UpdatedAt, r.UpdatedBy = now.UTC().Truncate(time.Second), who
	if _, err := tx.Exec(ctx, `DELETE FROM proactive_templates WHERE rule_id = ?`, r.ID); err != nil {
		return err
	}
	for _, t := range r.Templates {
		if _, err := tx.Exec(ctx, `INSERT INTO proactive_templates (rule_id, channel, locale, subject, body) VALUES (?, ?, ?, ?, ?)`, r.ID, t.Channel, t.Locale, t.Subject, t.Body); err != nil {
			return err
		}
	}
	change := "created"
	switch {
	case old != nil && old.Enabled != r.Enabled && r.Enabled:
		change = "enabled"
	case old != nil && old.Enabled != r.Enabled:
		change = "disabled"
	case old != nil:
		change = "edited"
	case r.Enabled:
		change = "enabled"
	}
	return RecordChange(ctx, tx, r.ID, change, who, "", now)
}

// SetEnabled switches a rule on or off.
func SetEnabled(ctx context.Context, tx *store.Tx, name string, on bool, who string, now time.Time) (*Rule, error) {
	r, err := GetRule(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	if r.Enabled == on {
		return r, nil
	}
	r.Enabled = on
	return r, SaveRule(ctx, tx, r, who, now)
}

// Changes of a rule, as the weekly review lists them.
const (
	ChangeCreated      = "created"
	ChangeEnabled      = "enabled"
	ChangeDisabled     = "disabled"
	ChangeEdited       = "edited"
	ChangeCampaignSent = "campaign_sent"
)

// RecordChange notes a change to a rule.
func RecordChange(ctx context.Context, tx *store.Tx, ruleID int64, change, who, detail string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO proactive_rule_changes (rule_id, at, change, by_whom, detail) VALUES (?, ?, ?, ?, ?)`, ruleID, now.Unix(), change, who, detail)
	return err
}
