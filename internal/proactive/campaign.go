package proactive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// A campaign is a rule of kind "campaign": its scope is the cohort, its
// templates its text. Unlike the other rules it watches no event: sending
// it decides once, for every order of the cohort, held out or scheduled
// now, and the sending engine does the rest (quiet hours, caps, opt-outs)
// as for any other decision (docs/proactive.md#campaigns).

// ValidateCampaign checks what a campaign needs beyond a rule: a cohort
// (sending to every order the store ever had is never what is meant) and
// a text.
func ValidateCampaign(r *Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	var p domain.Problems
	if r.Kind != KindCampaign {
		p.Add("kind", "is %q: %s is a rule, not a campaign (quietdesk proactive rules edits it)", r.Kind, r.Name)
	}
	if r.Scope.IsZero() {
		p.Add("scope", "is empty: name the cohort with at least one of carrier, sku, country, placed_from, placed_to")
	}
	if len(r.Templates) == 0 {
		p.Add("templates", "are missing: a campaign needs its text on at least one channel (--body-file)")
	}
	if r.Scope.PlacedFrom != "" && r.Scope.PlacedTo != "" && r.Scope.PlacedFrom > r.Scope.PlacedTo {
		p.Add("scope.placed_to", "%s is before placed_from %s", r.Scope.PlacedTo, r.Scope.PlacedFrom)
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("campaign %s cannot be saved", r.Name), Fields: p}
	}
	return nil
}

// SaveCampaign creates or edits a campaign. A campaign already sent keeps
// its cohort: editing it then would make its report measure orders it
// never decided.
func SaveCampaign(ctx context.Context, tx *store.Tx, r *Rule, who string, now time.Time) error {
	r.Kind = KindCampaign
	if err := ValidateCampaign(r); err != nil {
		return err
	}
	old, err := GetRule(ctx, tx, r.Name)
	switch {
	case errors.Is(err, ErrNoRule):
	case err != nil:
		return err
	case old.Kind != KindCampaign:
		return domain.Errorf(domain.EConflict, "%s is a %s rule, not a campaign: choose another name", r.Name, old.Kind)
	default:
		sent, err := campaignSent(ctx, tx, old.ID)
		if err != nil {
			return err
		}
		if sent {
			return domain.Errorf(domain.EConflict, "campaign %s was sent: it cannot change; create a new campaign under another name", r.Name)
		}
	}
	return SaveRule(ctx, tx, r, who, now)
}

func campaignSent(ctx context.Context, q Querier, ruleID int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM proactive_rule_changes WHERE rule_id = ? AND change = ?`, ruleID, ChangeCampaignSent).Scan(&n)
	return n > 0, err
}

// getCampaign reads a rule that must be a campaign.
func getCampaign(ctx context.Context, q Querier, name string) (*Rule, error) {
	r, err := GetRule(ctx, q, name)
	if errors.Is(err, ErrNoRule) {
		return nil, domain.Errorf(domain.ENotFound, "no campaign %q: quietdesk proactive campaign list shows them", name)
	}
	if err != nil {
		return nil, err
	}
	if r.Kind != KindCampaign {
		return nil, domain.Errorf(domain.EInvalid, "%s is a %s rule, not a campaign: its notices follow order events", name, r.Kind)
	}
	return r, nil
}

// CampaignSummary is a campaign as listed: the rule and, once sent, when,
// by whom and what was decided.
type CampaignSummary struct {
	*Rule
	SentAt    *time.Time `json:"sent_at,omitempty"`
	SentBy    string     `json:"sent_by,omitempty"`
	Scheduled int        `json:"scheduled"`
	HeldOut   int        `json:"held_out"`
}

// SentCounts is the detail recorded with a campaign's sending.
type SentCounts struct {
	Orders    int `json:"orders"`
	Scheduled int `json:"scheduled"`
	HeldOut   int `json:"held_out"`
	// Already is the cohort's orders decided before (by an earlier send).
	Already int `json:"already"`
}

// ListCampaigns lists the campaigns, by name, with their sending.
func ListCampaigns(ctx context.Context, q Querier) ([]CampaignSummary, error) {
	rules, err := ListRules(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []CampaignSummary{}
	for _, r := range rules {
		if r.Kind != KindCampaign {
			continue
		}
		c := CampaignSummary{Rule: r}
		var at int64
		var who string
		err := q.QueryRow(ctx, `SELECT MIN(at), MIN(by_whom) FROM proactive_rule_changes WHERE rule_id = ? AND change = ? GROUP BY rule_id`, r.ID, ChangeCampaignSent).Scan(&at, &who)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, err
		default:
			t := time.Unix(at, 0).UTC()
			c.SentAt, c.SentBy = &t, who
		}
		rows, err := q.Query(ctx, `SELECT held_out, COUNT(*) FROM proactive_decisions WHERE rule = ? GROUP BY held_out`, r.Name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var held bool
			var n int
			if err := rows.Scan(&held, &n); err != nil {
				rows.Close()
				return nil, err
			}
			if held {
				c.HeldOut = n
			} else {
				c.Scheduled = n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SendCampaign decides the campaign for every order of its cohort: held
// out by HeldOut, or scheduled now (the sending engine applies quiet hours,
// caps and opt-outs when it sends). One decision per order and rule, so
// sending again adds nothing; the sending is recorded for the weekly
// review, with its counts, when it decided anything.
func SendCampaign(ctx context.Context, db *store.DB, name, who string, now time.Time) (SentCounts, error) {
	var out SentCounts
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		out = SentCounts{}
		r, err := getCampaign(ctx, tx, name)
		if err != nil {
			return err
		}
		if err := ValidateCampaign(r); err != nil {
			return err
		}
		loc, err := store.TimeZone(ctx, tx)
		if err != nil {
			return err
		}
		at := now.Unix()
		err = eachCohortPage(ctx, tx, r.Scope, loc, false, func(page []cohortOrder) error {
			for _, o := range page {
				out.Orders++
				held := HeldOut(o.externalID, r.Name, r.HoldoutPct)
				status, due := StatusScheduled, &at
				if held {
					status, due = StatusHeldOut, nil
				}
				res, err := tx.Exec(ctx, `INSERT INTO proactive_decisions (order_id, rule, decided_at, held_out, status, due_at)
					VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, rule) DO NOTHING`, o.id, r.Name, at, held, status, due)
				if err != nil {
					return err
				}
				switch n, _ := res.RowsAffected(); {
				case n == 0:
					out.Already++
				case held:
					out.HeldOut++
				default:
					out.Scheduled++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if out.Scheduled+out.HeldOut == 0 {
			return nil
		}
		detail, _ := json.Marshal(out)
		return RecordChange(ctx, tx, r.ID, ChangeCampaignSent, who, string(detail), now)
	})
	return out, err
}

// cohortOrder is one order of a campaign's cohort.
type cohortOrder struct {
	id, placedAt int64
	externalID   string
	customerID   sql.NullInt64
	email, phone string
}

// cohortPage is how many orders are read at a time: the rows are closed
// before the page is handled, since a PostgreSQL connection runs one
// statement at a time.
const cohortPage = 2000

// eachCohortPage calls fn with the cohort's orders, a page at a time, in
// (placed_at, id) order: the walk follows the orders_placed index, which a
// date range narrows, and resumes after the last order of each page so no
// page re-reads the ones before. Cancelled orders are left out.
// withAddresses also reads each customer's email and phone.
func eachCohortPage(ctx context.Context, q Querier, s Scope, loc *time.Location, withAddresses bool, fn func([]cohortOrder) error) error {
	where := []string{"o.cancelled_at IS NULL", "o.status <> 'cancelled'"}
	var args []any
	if s.Carrier != "" {
		where, args = append(where, "o.carrier = ?"), append(args, s.Carrier)
	}
	if s.Country != "" {
		where, args = append(where, "o.country = ?"), append(args, s.Country)
	}
	if s.SKU != "" {
		if prefix, ok := strings.CutSuffix(s.SKU, "*"); ok {
			like := likeEscape(prefix) + "%"
			where = append(where, `(o.sku LIKE ? ESCAPE '\' OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku LIKE ? ESCAPE '\'))`)
			args = append(args, like, like)
		} else {
			where = append(where, "(o.sku = ? OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku = ?))")
			args = append(args, s.SKU, s.SKU)
		}
	}
	if s.PlacedFrom != "" {
		d, err := time.ParseInLocation(time.DateOnly, s.PlacedFrom, loc)
		if err != nil {
			return domain.Errorf(domain.EInvalid, "scope.placed_from %q is not a date: use YYYY-MM-DD", s.PlacedFrom)
		}
		where, args = append(where, "o.placed_at >= ?"), append(args, d.Unix())
	}
	if s.PlacedTo != "" {
		d, err := time.ParseInLocation(time.DateOnly, s.PlacedTo, loc)
		if err != nil {
			return domain.Errorf(domain.EInvalid, "scope.placed_to %q is not a date: use YYYY-MM-DD", s.PlacedTo)
		}
		where, args = append(where, "o.placed_at < ?"), append(args, d.AddDate(0, 0, 1).Unix())
	}
	cols := "o.id, o.placed_at, o.external_id, o.customer_id"
	if withAddresses {
		cols += `, COALESCE((SELECT MIN(i.value) FROM customer_identities i WHERE i.customer_id = o.customer_id AND i.kind = 'email'), ''),
			COALESCE((SELECT MIN(i.value) FROM customer_identities i WHERE i.customer_id = o.customer_id AND i.kind = 'phone'), '')`
	}
	query := `SELECT ` + cols + ` FROM orders o WHERE ` + strings.Join(where, " AND ") +
		` AND o.placed_at >= ? AND (o.placed_at > ? OR o.id > ?) ORDER BY o.placed_at, o.id LIMIT ` + fmt.Sprint(cohortPage)
	afterAt, afterID := int64(-1<<62), int64(0)
	for {
		rows, err := q.Query(ctx, query, append(args, afterAt, afterAt, afterID)...)
		if err != nil {
			return err
		}
		var page []cohortOrder
		for rows.Next() {
			var o cohortOrder
			dest := []any{&o.id, &o.placedAt, &o.externalID, &o.customerID}
			if withAddresses {
				dest = append(dest, &o.email, &o.phone)
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			page = append(page, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < cohortPage {
			return nil
		}
		last := page[len(page)-1]
		afterAt, afterID = last.placedAt, last.id
	}
}

// CohortText writes a cohort as a person reads it: carrier=ParcelNow
// sku=TEE-* placed 2026-11-01..2026-11-20.
func CohortText(s Scope) string {
	var parts []string
	for _, f := range []struct{ k, v string }{{"carrier", s.Carrier}, {"sku", s.SKU}, {"country", s.Country}} {
		if f.v != "" {
			parts = append(parts, f.k+"="+f.v)
		}
	}
	if s.PlacedFrom != "" || s.PlacedTo != "" {
		parts = append(parts, "placed "+s.PlacedFrom+".."+s.PlacedTo)
	}
	if len(parts) == 0 {
		return "every order"
	}
	return strings.Join(parts, " ")
}

// likeEscape escapes LIKE's wildcards in a SKU prefix.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
