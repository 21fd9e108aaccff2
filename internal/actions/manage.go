package actions

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Listed is an action as listed: with its id and whether it is done.
type Listed struct {
	ID          string     `json:"action_id"`
	Owner       string     `json:"owner"`
	Title       string     `json:"title"`
	DueDate     string     `json:"due_date"`
	CompletedAt *time.Time `json:"completed_at"`
	Guardrail   string     `json:"guardrail,omitempty"`
	// OnTime says whether it was completed by the end of its due date
	// (what the owner completion rate counts); nil while open.
	OnTime *bool `json:"on_time,omitempty"`
}

// Add records a new action by hand, with an id made from the time when it
// has none.
func Add(ctx context.Context, db *store.DB, a Action, now time.Time) (Action, error) {
	if a.ExternalID == "" {
		a.ExternalID = fmt.Sprintf("A-%s", now.UTC().Format("20060102-150405.000"))
	}
	if p := a.Validate(); len(p) > 0 {
		return a, &domain.Error{Code: domain.EInvalid, Message: "bad action", Fields: p}
	}
	if _, err := time.Parse(time.DateOnly, a.DueDate); err != nil {
		var p domain.Problems
		p.Add("due_date", "%q is not a date (YYYY-MM-DD)", a.DueDate)
		return a, &domain.Error{Code: domain.EInvalid, Message: "bad action", Fields: p}
	}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		_, err := Upsert(ctx, tx, []Action{a})
		return err
	})
	return a, err
}

// Complete records an action done at a time; completing it again keeps
// the first time.
func Complete(ctx context.Context, db *store.DB, id string, at time.Time) error {
	res, err := db.Exec(ctx, `UPDATE actions SET completed_at = COALESCE(completed_at, ?) WHERE external_id = ?`, at.Unix(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "no action %q (quietdesk actions list shows them)", id)
	}
	return nil
}

// List lists actions by due date, for one owner or all, open ones only
// when asked; loc is the store's time zone (due dates end at its midnight).
func List(ctx context.Context, db *store.DB, owner string, openOnly bool, loc *time.Location) ([]Listed, error) {
	rows, err := db.Query(ctx, `SELECT external_id, owner, title, due_date, completed_at, guardrail FROM actions
		WHERE (? = '' OR owner = ?) AND (? = FALSE OR completed_at IS NULL) ORDER BY due_date, external_id`, owner, owner, openOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Listed{}
	for rows.Next() {
		var l Listed
		var done sql.NullInt64
		if err := rows.Scan(&l.ID, &l.Owner, &l.Title, &l.DueDate, &done, &l.Guardrail); err != nil {
			return nil, err
		}
		if done.Valid {
			t := time.Unix(done.Int64, 0).In(loc)
			l.CompletedAt = &t
			due, _ := time.ParseInLocation(time.DateOnly, l.DueDate, loc)
			onTime := t.Before(due.AddDate(0, 0, 1))
			l.OnTime = &onTime
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
