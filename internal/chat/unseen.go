package chat

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

// Unseen replies (docs/chat.md#unseen-replies): an agent's chat reply that
// no open widget acknowledged within UnseenAfter is mailed to the visitor
// when their address is known, with the conversation's reply address, so
// their answer by mail continues the conversation.
const (
	UnseenAfter = 3 * time.Minute
	// unseenHorizon: replies older than this are never mailed, so turning
	// the feature on does not mail old chats.
	unseenHorizon = 48 * time.Hour
)

// MailUnseen queues, as of now, one mail per conversation with the agents'
// chat replies its visitor has not seen, and returns how many it queued.
// Each mail is keyed by its conversation and last reply, so a run repeated
// (or two processes running it) never sends twice.
func MailUnseen(ctx context.Context, db *store.DB, now time.Time) (int, error) {
	due, since := now.Add(-UnseenAfter).Unix(), now.Add(-unseenHorizon).Unix()
	convs, err := ids(ctx, db, `SELECT cc.conversation_id FROM chat_conversations cc WHERE cc.email <> '' AND EXISTS (
		SELECT 1 FROM messages m WHERE m.conversation_id = cc.conversation_id AND m.author = 'agent' AND m.channel = 'chat'
			AND m.id > cc.seen_through AND m.id > cc.mailed_through AND m.at <= ? AND m.at >= ?) ORDER BY cc.conversation_id`, due, since)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, conv := range convs {
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			ok, err := mailConversation(ctx, tx, conv, due, since, now)
			if ok {
				queued++
			}
			return err
		})
		if err != nil {
			return queued, fmt.Errorf("mail unseen chat replies of conversation %d: %w", conv, err)
		}
	}
	return queued, nil
}

func mailConversation(ctx context.Context, tx *store.Tx, conv, due, since int64, now time.Time) (bool, error) {
	var email string
	var seen, mailed int64
	if err := tx.QueryRow(ctx, `SELECT email, seen_through, mailed_through FROM chat_conversations WHERE conversation_id = ?`, conv).Scan(&email, &seen, &mailed); err != nil {
		return false, err
	}
	rows, err := tx.Query(ctx, `SELECT id, agent, body FROM messages WHERE conversation_id = ? AND author = 'agent' AND channel = 'chat' AND id > ? AND at <= ? AND at >= ? ORDER BY id`,
		conv, max(seen, mailed), due, since)
	if err != nil {
		return false, err
	}
	var last int64
	var agent string
	var parts []string
	for rows.Next() {
		var name, body string
		if err := rows.Scan(&last, &name, &body); err != nil {
			rows.Close()
			return false, err
		}
		if name != "" {
			agent = name
		}
		parts = append(parts, body)
	}
	rows.Close()
	if err := rows.Err(); err != nil || last == 0 {
		return false, err
	}
	text := strings.Join(parts, "\n\n") + "\n\n— You left the chat before seeing this. Reply to this email to answer; it continues the same conversation."
	d, err := desk.MissedChatMail(ctx, tx, conv, email, agent, text, now)
	if err != nil {
		return false, err
	}
	d.Key = fmt.Sprintf("chat-unseen:%d:%d", conv, last)
	if _, _, err := notify.Enqueue(ctx, tx, d, now); err != nil {
		return false, err
	}
	_, err = tx.Exec(ctx, `UPDATE chat_conversations SET mailed_through = ? WHERE conversation_id = ?`, last, conv)
	return err == nil, err
}

// Visitor's side of a conversation, for the agent's page.
type VisitorState struct {
	Typing bool   `json:"typing"`
	Email  string `json:"email"` // where missed replies go, "" when unknown
}

// StateOf is what the agent's page shows of the conversation's visitor.
func StateOf(ctx context.Context, q desk.Querier, conversationID int64, now time.Time) (VisitorState, error) {
	var s VisitorState
	var until int64
	err := q.QueryRow(ctx, `SELECT email, typing_until FROM chat_conversations WHERE conversation_id = ?`, conversationID).Scan(&s.Email, &until)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s, err
	}
	s.Typing = until > now.Unix()
	return s, nil
}

// AgentTyping names an agent typing a reply in one of the visitor's
// conversations at now ("" when none), by first name only.
func AgentTyping(ctx context.Context, q desk.Querier, v *Visitor, now time.Time) (string, error) {
	convs, err := Conversations(ctx, q, v)
	if err != nil || len(convs) == 0 {
		return "", err
	}
	rows, err := q.Query(ctx, `SELECT u.name FROM presence p JOIN users u ON u.id = p.user_id
		WHERE p.conversation_id IN (`+store.Placeholders(len(convs))+`) AND p.typing = ? AND p.until > ? ORDER BY u.id LIMIT 1`,
		append(store.Args(convs), true, now.Unix())...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return "", err
		}
		return firstName(name), nil
	}
	return "", rows.Err()
}
