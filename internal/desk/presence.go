package desk

import (
	"context"
	"time"

	"quietdesk/internal/store"
)

// Presence: who has a conversation open and who is typing a reply in it,
// for the "Dana is replying" warning. The conversation page sends a
// heartbeat every PresenceInterval; a row is believed until PresenceTTL
// after its last heartbeat, so a closed tab drops out by itself.
const (
	PresenceInterval = 15 * time.Second
	PresenceTTL      = 2*PresenceInterval + 5*time.Second
)

// Present is a colleague on a conversation.
type Present struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Typing bool   `json:"typing"`
}

// MarkPresent records that a user has the conversation open at now, and
// whether they are typing in its composer.
func MarkPresent(ctx context.Context, tx *store.Tx, conversationID, userID int64, typing bool, now time.Time) error {
	if _, err := loadConvState(ctx, tx, conversationID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO presence (conversation_id, user_id, typing, until) VALUES (?, ?, ?, ?)
		ON CONFLICT (conversation_id, user_id) DO UPDATE SET typing = excluded.typing, until = excluded.until`,
		conversationID, userID, typing, now.Add(PresenceTTL).Unix())
	return err
}

// OthersPresent lists the users other than userID who have the
// conversation open at now, typists first.
func OthersPresent(ctx context.Context, q Querier, conversationID, userID int64, now time.Time) ([]Present, error) {
	rows, err := q.Query(ctx, `SELECT u.id, u.name, u.email, p.typing FROM presence p JOIN users u ON u.id = p.user_id
		WHERE p.conversation_id = ? AND p.user_id <> ? AND p.until > ? ORDER BY p.typing DESC, u.id`, conversationID, userID, now.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Present{}
	for rows.Next() {
		var p Present
		var name, email string
		if err := rows.Scan(&p.UserID, &name, &email, &p.Typing); err != nil {
			return nil, err
		}
		p.Name = displayName(name, email)
		out = append(out, p)
	}
	return out, rows.Err()
}
