package desk

import (
	"context"
	"time"

	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

// MissedChatMail builds the mail of chat replies a visitor left before
// seeing (docs/chat.md#unseen-replies): the same mail an email reply is,
// from the support address with the conversation's reply address as
// Reply-To, so that the visitor's answer by mail continues the
// conversation. to is where it goes; agent signs it. The caller names and
// queues the delivery.
func MissedChatMail(ctx context.Context, tx *store.Tx, conversationID int64, to, agent, text string, at time.Time) (notify.Delivery, error) {
	var conv struct {
		customerID     int64
		subject, token string
	}
	if err := tx.QueryRow(ctx, `SELECT customer_id, subject, COALESCE(reply_token, '') FROM conversations WHERE id = ?`, conversationID).
		Scan(&conv.customerID, &conv.subject, &conv.token); err != nil {
		return notify.Delivery{}, err
	}
	subject := conv.subject
	if subject == "" {
		subject = "our chat"
	}
	m := Message{Subject: replySubject(subject)}
	d, err := emailReply(ctx, tx, Reply{ConversationID: conversationID, Agent: agent, Text: text, At: at}, &m, conv.customerID, conv.token)
	if err != nil {
		return notify.Delivery{}, err
	}
	d.Target = to
	return *d, nil
}
