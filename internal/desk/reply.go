package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

// Reply is an agent's answer on a conversation.
type Reply struct {
	ConversationID int64
	UserID         int64  // the agent; 0 for an API token
	Agent          string // the name the customer sees
	Text           string // plain text, variables already filled
	// Then is the conversation's state after the reply: "" keeps an open
	// conversation open (the agent may add more), "waiting" leaves it on
	// the customer, "closed" ends it.
	Then string
	At   time.Time
}

// SendReply records the agent's reply in the conversation, inside its
// current contact (the contact rules in RecordMessage decide), and for an
// email conversation queues the mail with threading headers through the
// outbox, the one path every email of Quietdesk takes (package notify).
// The message's delivery status follows that delivery (DeliveryStatusSQL).
func SendReply(ctx context.Context, tx *store.Tx, r Reply) (Recorded, error) {
	var p domain.Problems
	if strings.TrimSpace(r.Text) == "" {
		p.Add("text", "is required")
	}
	if r.Then != "" {
		p.OneOf("then", r.Then, "waiting", "closed")
	}
	if len(p) > 0 {
		return Recorded{}, &domain.Error{Code: domain.EInvalid, Message: "the reply was not sent", Fields: p}
	}
	var conv struct {
		customerID     int64
		channel, state string
		subject, token string
	}
	err := tx.QueryRow(ctx, `SELECT customer_id, channel, state, subject, COALESCE(reply_token, '') FROM conversations WHERE id = ?`, r.ConversationID).
		Scan(&conv.customerID, &conv.channel, &conv.state, &conv.subject, &conv.token)
	if errors.Is(err, sql.ErrNoRows) {
		return Recorded{}, domain.Errorf(domain.ENotFound, "conversation %d does not exist", r.ConversationID)
	}
	if err != nil {
		return Recorded{}, err
	}
	// The reply goes out on the channel the customer last wrote on.
	channel := conv.channel
	var lastIn string
	if err := tx.QueryRow(ctx, `SELECT channel FROM messages WHERE conversation_id = ? AND direction = 'in' AND kind = 'message' ORDER BY at DESC, id DESC LIMIT 1`,
		r.ConversationID).Scan(&lastIn); err == nil {
		channel = lastIn
	} else if !errors.Is(err, sql.ErrNoRows) {
		return Recorded{}, err
	}
	if channel == "" {
		channel = "email"
	}

	m := Message{ConversationID: r.ConversationID, Channel: channel, Author: "agent", Agent: r.Agent, UserID: r.UserID,
		Subject: replySubject(conv.subject), Body: r.Text, At: r.At, Received: r.At}
	var out *notify.Delivery
	if channel == "email" {
		if out, err = emailReply(ctx, tx, r, &m, conv.customerID, conv.token); err != nil {
			return Recorded{}, err
		}
	} else if channel == "sms" || channel == "social" {
		// SMS and WhatsApp go back through Twilio (twilio_reply.go).
		if out, err = twilioReply(ctx, tx, r, &m); err != nil {
			return Recorded{}, err
		}
	}
	rec, err := RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(r.At)), m)
	if err != nil {
		return rec, err
	}
	if r.UserID != 0 && r.Agent != "" {
		// The contact now names the agent; their team is what metrics
		// and costs by team read (the agents table), as for imports.
		if err := keepAgent(ctx, tx, r.Agent, `(SELECT team_id FROM users WHERE id = ?)`, r.UserID); err != nil {
			return rec, err
		}
	}
	if out != nil {
		out.Key = fmt.Sprintf("reply:%d", rec.MessageID)
		d, _, err := notify.Enqueue(ctx, tx, *out, r.At)
		if err != nil {
			return rec, err
		}
		if _, err := tx.Exec(ctx, `UPDATE messages SET delivery_id = ? WHERE id = ?`, d.ID, rec.MessageID); err != nil {
			return rec, err
		}
		// The customer is waiting: the outbox sends it as soon as this
		// commits.
		tx.AfterCommit(notify.Wake)
	}
	switch {
	case r.Then != "":
		// As the agent's own move: on the thread, and closing asks the
		// customer how it went.
		_, err = SetState(ctx, tx, Actor{UserID: r.UserID, Name: r.Agent}, r.ConversationID, r.Then, r.At)
	case conv.state == "open":
		// A plain send leaves an open conversation open.
		err = SetConversationState(ctx, tx, r.ConversationID, "open", r.At)
	}
	return rec, err
}

// emailReply fills in the mail side of a reply: the customer's address
// (the one they last wrote from), our sender and Message-ID, and the
// threading headers, and returns the delivery to queue.
func emailReply(ctx context.Context, tx *store.Tx, r Reply, m *Message, customerID int64, token string) (*notify.Delivery, error) {
	addrs, err := LoadSupportAddresses(ctx, tx)
	if err != nil {
		return nil, err
	}
	from, err := addrs.From()
	if err != nil {
		return nil, err
	}
	to, err := customerAddress(ctx, tx, r.ConversationID, customerID)
	if err != nil {
		return nil, err
	}
	if token == "" {
		token = randomToken()
		if _, err := tx.Exec(ctx, `UPDATE conversations SET reply_token = ? WHERE id = ?`, token, r.ConversationID); err != nil {
			return nil, err
		}
	}
	replyTo, err := addrs.ReplyAddress(token)
	if err != nil {
		return nil, err
	}
	refs, err := threadIDs(ctx, tx, r.ConversationID)
	if err != nil {
		return nil, err
	}
	m.EmailID, m.FromAddr, m.Status = newMessageID(from), from, StatusQueued
	d := &notify.Delivery{Channel: notify.ChannelEmail, Target: to, Subject: m.Subject, Text: r.Text, HTML: textToHTML(r.Text),
		From: from, ReplyTo: replyTo, MessageID: m.EmailID, Personal: true}
	if r.Agent != "" {
		d.From = fmt.Sprintf("%q <%s>", r.Agent, from)
	}
	if len(refs) > 0 {
		d.InReplyTo = refs[len(refs)-1]
		d.References = strings.Join(refs, " ")
	}
	return d, nil
}

// customerAddress is where a reply goes: the address the customer last
// wrote from in this conversation, else their most recently known one.
func customerAddress(ctx context.Context, tx *store.Tx, conversationID, customerID int64) (string, error) {
	var addr string
	err := tx.QueryRow(ctx, `SELECT from_addr FROM messages WHERE conversation_id = ? AND direction = 'in' AND kind = 'message' AND from_addr <> ''
		ORDER BY at DESC, id DESC LIMIT 1`, conversationID).Scan(&addr)
	if err == nil {
		return addr, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	err = tx.QueryRow(ctx, `SELECT value FROM customer_identities WHERE customer_id = ? AND kind = 'email' ORDER BY value LIMIT 1`, customerID).Scan(&addr)
	if errors.Is(err, sql.ErrNoRows) {
		return "", domain.Errorf(domain.EInvalid, "customer %d has no email address, so a reply by email cannot reach them: add one to the customer, or answer on another channel", customerID)
	}
	return addr, err
}

// maxReferences bounds the References header: clients thread on the first
// and the last ids, and a years-long conversation must not grow a header
// past what relays accept.
const maxReferences = 20

// threadIDs lists the Message-IDs of the conversation's mail, oldest first
// (the first one and the most recent ones when there are many).
func threadIDs(ctx context.Context, tx *store.Tx, conversationID int64) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT email_id FROM messages WHERE conversation_id = ? AND email_id IS NOT NULL AND kind = 'message' ORDER BY at, id`, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if len(ids) > maxReferences {
		ids = append(ids[:1], ids[len(ids)-maxReferences+1:]...)
	}
	return ids, rows.Err()
}

// replySubject prefixes "Re: " once.
func replySubject(subject string) string {
	s := strings.TrimSpace(subject)
	if s == "" {
		return "Re: your message"
	}
	if strings.HasPrefix(strings.ToLower(s), "re:") {
		return s
	}
	return "Re: " + s
}

// textToHTML renders a plain-text reply as HTML paragraphs, escaped.
func textToHTML(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(htmlEscape(para), "\n", "<br>"))
		b.WriteString("</p>\n")
	}
	return b.String()
}
