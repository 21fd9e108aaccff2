package proactive

import (
	"context"
	"time"

	"quietdesk/internal/store"
)

// PreviewDue lists the scheduled notices due at now with the channel each
// would go out on (or, in Reason, why it would not go), writing nothing.
// Opt-outs and the daily cap are applied when sending.
func PreviewDue(ctx context.Context, db *store.DB, now time.Time) ([]Decision, error) {
	var out []Decision
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.id, d.rule, o.external_id, COALESCE(o.customer_id, 0), d.due_at FROM proactive_decisions d JOIN orders o ON o.id = d.order_id
			WHERE d.status = ? AND d.due_at <= ? ORDER BY d.id LIMIT 1000`, StatusScheduled, now.Unix())
		if err != nil {
			return err
		}
		type due struct {
			d        Decision
			customer int64
		}
		var list []due
		for rows.Next() {
			var x due
			var at int64
			if err := rows.Scan(&x.d.ID, &x.d.Rule, &x.d.OrderExternalID, &x.customer, &at); err != nil {
				rows.Close()
				return err
			}
			t := time.Unix(at, 0).UTC()
			x.d.Status, x.d.DueAt = StatusScheduled, &t
			list = append(list, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rules := map[string]*Rule{}
		for _, x := range list {
			r, ok := rules[x.d.Rule]
			if !ok {
				if r, err = GetRule(ctx, tx, x.d.Rule); err != nil && err != ErrNoRule {
					return err
				}
				rules[x.d.Rule] = r
			}
			if r == nil {
				x.d.Reason = "the rule no longer exists"
			} else if to, reason, err := chooseTarget(ctx, tx, r, x.customer, "", now); err != nil {
				return err
			} else {
				x.d.Channel, x.d.Reason = to.channel, reason
			}
			out = append(out, x.d)
		}
		return nil
	})
	return out, err
}
