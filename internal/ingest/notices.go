package ingest

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// Notices are proactive notices, and holdout decisions, made by another
// tool (docs/proactive.md#importing-notices): each becomes the decision of
// its order and rule, with source "import", and the holdout report
// measures it exactly like Quietdesk's own.
var Notices = register(&Kind{
	Name:     "notices",
	Required: []string{"order_id", "rule", "decided_at", "held_out"},
	Optional: []string{"sent_at", "channel"},
	KeyOf: func(rec any) string {
		n := rec.(*Notice)
		return n.OrderExternalID + "\x00" + n.Rule
	},
	Parse:    parseNotice,
	OrderRef: func(rec any) string { return rec.(*Notice).OrderExternalID },
	Write:    writeNotices,
})

// Notice is one imported decision.
type Notice struct {
	OrderExternalID string
	Rule            string
	DecidedAt       time.Time
	HeldOut         bool
	SentAt          *time.Time
	Channel         string
}

func parseNotice(row Row, tp domain.TimeParser) (any, domain.Problems) {
	r := &reader{row: row, tp: tp}
	n := &Notice{OrderExternalID: r.str("order_id"), Rule: r.str("rule"), DecidedAt: r.when("decided_at"), SentAt: r.optWhen("sent_at"), Channel: r.lower("channel")}
	switch strings.ToLower(r.str("held_out")) {
	case "true", "1":
		n.HeldOut = true
	case "false", "0":
	case "":
		r.problems.Add("held_out", "is required: true or false (1 or 0)")
	default:
		r.problems.Add("held_out", "%q is not true, false, 1 or 0", r.str("held_out"))
	}
	return finish(n, r)
}

// Validate checks a notice's own rules.
func (n *Notice) Validate() domain.Problems {
	var p domain.Problems
	p.Require("order_id", n.OrderExternalID)
	p.Require("rule", n.Rule)
	if len(n.Rule) > 100 {
		p.Add("rule", "is %d characters long: a rule's name has at most 100", len(n.Rule))
	}
	if n.Channel != "" && !slices.Contains(proactive.Channels, n.Channel) {
		p.Add("channel", "%q is not a channel of notices: use one of %s, or leave it empty", n.Channel, strings.Join(proactive.Channels, ", "))
	}
	if n.HeldOut && n.SentAt != nil {
		p.Add("sent_at", "a held-out order gets no notice: leave sent_at empty, or set held_out to false")
	}
	if n.HeldOut && n.Channel != "" {
		p.Add("channel", "a held-out order gets no notice: leave channel empty, or set held_out to false")
	}
	if n.SentAt != nil && !n.DecidedAt.IsZero() && n.SentAt.Before(n.DecidedAt) {
		p.Add("sent_at", "%s is before decided_at %s: a notice is sent after it is decided", n.SentAt.Format(time.RFC3339), n.DecidedAt.Format(time.RFC3339))
	}
	return p
}

// status is the decision's status: held out, sent, or skipped (not held
// out and not sent: the other tool sent nothing).
func (n *Notice) status() (status, reason string) {
	switch {
	case n.HeldOut:
		return proactive.StatusHeldOut, ""
	case n.SentAt != nil:
		return proactive.StatusSent, ""
	}
	return proactive.StatusSkipped, "imported without sent_at: not sent"
}

// writeNotices stores imported decisions, one per order and rule. An
// imported decision is updated when the file says otherwise; a decision
// Quietdesk made itself is never overwritten (its own record of what it
// sent stands), and the row counts as unchanged.
func writeNotices(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
	var c store.Counts
	for _, rec := range recs {
		n := rec.(*Notice)
		var orderID int64
		err := tx.QueryRow(ctx, `SELECT id FROM orders WHERE external_id = ?`, n.OrderExternalID).Scan(&orderID)
		if errors.Is(err, sql.ErrNoRows) {
			return c, domain.Errorf(domain.EInvalid, "order %q is not a known order: import the orders first", n.OrderExternalID)
		}
		if err != nil {
			return c, err
		}
		status, reason := n.status()
		var sent *int64
		if n.SentAt != nil {
			u := n.SentAt.Unix()
			sent = &u
		}
		var (
			id                    int64
			decided               int64
			held                  bool
			oldStatus, oldChannel string
			oldReason, source     string
			oldSent               *int64
		)
		err = tx.QueryRow(ctx, `SELECT id, decided_at, held_out, status, sent_at, channel, reason, source FROM proactive_decisions WHERE order_id = ? AND rule = ?`, orderID, n.Rule).
			Scan(&id, &decided, &held, &oldStatus, &oldSent, &oldChannel, &oldReason, &source)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// ON CONFLICT: a decision Quietdesk makes at the same moment wins.
			res, err := tx.Exec(ctx, `INSERT INTO proactive_decisions (order_id, rule, decided_at, held_out, status, sent_at, channel, reason, source)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'import') ON CONFLICT (order_id, rule) DO NOTHING`,
				orderID, n.Rule, n.DecidedAt.Unix(), n.HeldOut, status, sent, n.Channel, reason)
			if err != nil {
				return c, err
			}
			if k, _ := res.RowsAffected(); k == 1 {
				c.Created++
			} else {
				c.Unchanged++
			}
		case err != nil:
			return c, err
		case source != "import" || decided == n.DecidedAt.Unix() && held == n.HeldOut && oldStatus == status &&
			equalUnix(oldSent, sent) && oldChannel == n.Channel && oldReason == reason:
			c.Unchanged++
		default:
			if _, err := tx.Exec(ctx, `UPDATE proactive_decisions SET decided_at = ?, held_out = ?, status = ?, sent_at = ?, channel = ?, reason = ? WHERE id = ?`,
				n.DecidedAt.Unix(), n.HeldOut, status, sent, n.Channel, reason, id); err != nil {
				return c, err
			}
			c.Updated++
		}
	}
	return c, nil
}

func equalUnix(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
