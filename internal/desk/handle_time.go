package desk

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"quietdesk/internal/store"
)

// Handle time (docs/desk.md#handle-time) is the time an agent has a
// conversation open, visible and in use. The conversation page sends an
// activity heartbeat every PresenceInterval while that is so; each adds
// the time since the previous one, when that is no more than
// HandleTimeGap, to the agent's row for the conversation's current
// contact and to the contact's handle_seconds, which support cost reads.
// A longer gap (a sleeping laptop, a hidden tab, an idle agent) adds
// nothing: the count starts again from that heartbeat. Times are the
// clock's, never the browser's.

// HandleTimeGap is the longest gap between two heartbeats that counts:
// the heartbeat interval and some slack for a slow network.
const HandleTimeGap = PresenceInterval + 10*time.Second

// RecordActivity counts one activity heartbeat of a user on a conversation
// at now. active is false when the page is hidden or the agent idle: the
// count then pauses. It returns the seconds added and the contact they
// went to (0 when the conversation has no contact yet: there is nothing
// to charge the time to).
func RecordActivity(ctx context.Context, tx *store.Tx, userID, conversationID int64, active bool, now time.Time) (added, contactID int64, err error) {
	err = tx.QueryRow(ctx, `SELECT id FROM contacts WHERE conversation_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`, conversationID).Scan(&contactID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	var last int64
	err = tx.QueryRow(ctx, `SELECT last_at FROM handle_time WHERE user_id = ? AND contact_id = ?`, userID, contactID).Scan(&last)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// last_at 0 marks a paused count: the next heartbeat starts it.
		mark := now.Unix()
		if !active {
			mark = 0
		}
		_, err = tx.Exec(ctx, `INSERT INTO handle_time (user_id, contact_id, seconds, last_at) VALUES (?, ?, 0, ?)`, userID, contactID, mark)
		return 0, contactID, err
	case err != nil:
		return 0, 0, err
	}
	if !active {
		_, err = tx.Exec(ctx, `UPDATE handle_time SET last_at = 0 WHERE user_id = ? AND contact_id = ?`, userID, contactID)
		return 0, contactID, err
	}
	gap := now.Unix() - last
	switch {
	case last == 0 || gap > int64(HandleTimeGap/time.Second):
	case gap <= 0:
		// Two heartbeats in one second (two tabs): nothing to add, and
		// the mark stays where it is.
		return 0, contactID, nil
	default:
		added = gap
	}
	if _, err = tx.Exec(ctx, `UPDATE handle_time SET seconds = seconds + ?, last_at = ? WHERE user_id = ? AND contact_id = ?`, added, now.Unix(), userID, contactID); err != nil {
		return 0, 0, err
	}
	if added > 0 {
		_, err = tx.Exec(ctx, `UPDATE contacts SET handle_seconds = handle_seconds + ? WHERE id = ?`, added, contactID)
	}
	return added, contactID, err
}

// HandleSeconds is the time a user has spent on a contact.
func HandleSeconds(ctx context.Context, q Querier, userID, contactID int64) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT seconds FROM handle_time WHERE user_id = ? AND contact_id = ?`, userID, contactID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}
