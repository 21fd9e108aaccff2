package desk

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/mail"
	"quietdesk/internal/store"
)

// Inbound is what receiving one mail did.
type Inbound struct {
	ConversationID int64 // 0 when nothing could be placed (a bounce of mail we never sent)
	MessageID      int64
	ContactID      int64 // 0: no contact started or continued
	NewContact     bool
	Kind           string // message, auto_reply, bounce, list
	// Duplicate: this mail (the same bytes, or the same Message-ID from
	// the same sender) was received before, or it is our own mail coming
	// back; nothing changed.
	Duplicate bool
}

// ReceiveEmail stores one raw mail as it arrived and places what it says
// on the desk: the SMTP server and POST /api/v1/inbound/email both come
// here (docs/email.md#receiving). rcpts are the envelope recipients when an
// SMTP server received it (nil from the API: the headers' To and Cc count).
//
// The raw message is kept whatever happens next; what could not be read is
// recorded beside it. Mail no one wrote to the brand (auto-replies, bounces,
// list mail) is kept on the conversation and never becomes a contact; a
// bounce marks the reply it returns as failed.
func ReceiveEmail(ctx context.Context, tx *store.Tx, customers *commerce.Customers, raw []byte, rcpts []string, now time.Time) (Inbound, error) {
	msg := mail.Parse(raw, mail.Options{})
	rawID, seen, err := keepRaw(ctx, tx, raw, msg.Problems, now)
	if err != nil {
		return Inbound{}, err
	}
	in := Inbound{Kind: kindOf(msg)}
	if seen {
		// The same bytes again: answered as the first time (or, for mail
		// that was kept raw only, as nothing), and nothing changes.
		found, err := messageByRaw(ctx, tx, rawID, &in)
		if err == nil && !found && msg.MessageID != "" && msg.From.Addr != "" {
			// The first time it was a relayed copy of a mail received
			// before: it answers as that one.
			_, err = messageByEmailID(ctx, tx, msg.MessageID, msg.From.Addr, &in)
		}
		in.Duplicate = true
		return in, err
	}
	addrs, err := LoadSupportAddresses(ctx, tx)
	if err != nil {
		return in, err
	}
	// Our own mail coming back (a relay's copy, a list that echoes us) is
	// no one's words: recognising it stops a reply loop.
	if addrs.Owns(msg.From.Addr) || (msg.MessageID != "" && isOurs(ctx, tx, msg.MessageID)) {
		in.Duplicate = true
		return in, nil
	}
	if msg.MessageID != "" && msg.From.Addr != "" {
		if found, err := messageByEmailID(ctx, tx, msg.MessageID, msg.From.Addr, &in); err != nil || found {
			in.Duplicate = found
			return in, err
		}
	}

	at := msg.Date
	if at.IsZero() || at.After(now.Add(time.Hour)) {
		// No date, or one in the future (a sender's clock): the mail is
		// placed when it arrived.
		at = now
	}
	m := Message{Channel: "email", Author: "customer", Kind: in.Kind, Subject: msg.Subject, Body: msg.Body, Quoted: msg.Quoted, HTML: msg.HTML,
		FromAddr: formatAddress(msg.From), EmailID: msg.MessageID, RawID: rawID, At: at, Received: now}
	if m.Body == "" && len(msg.Attachments) == 0 && msg.Text == "" && in.Kind == KindMessage {
		m.Body = "(no text)"
	}

	if in.Kind == KindBounce {
		return receiveBounce(ctx, tx, customers, msg, m, in)
	}
	if msg.From.Addr == "" {
		// Mail with no sender cannot be answered or tied to a customer:
		// it is kept raw, and its problems say why it is nowhere else.
		return in, nil
	}
	m.Customer = commerce.CustomerRef{Email: msg.From.Addr, Name: msg.From.Name}
	customerID, err := customers.Resolve(ctx, tx, m.Customer)
	if err != nil {
		return in, err
	}
	if m.ConversationID, err = threadEmail(ctx, tx, addrs, msg, rcpts, customerID, at); err != nil {
		return in, err
	}
	rec, err := RecordMessage(ctx, tx, customers, m)
	if err != nil {
		return in, err
	}
	if err := keepAttachments(ctx, tx, rec.MessageID, msg.Attachments); err != nil {
		return in, err
	}
	in.ConversationID, in.MessageID, in.ContactID, in.NewContact = rec.ConversationID, rec.MessageID, rec.ContactID, rec.NewContact
	return in, nil
}

// ReceiveMail receives one mail in its own transaction: the one path of
// the SMTP server and of POST /api/v1/inbound/email.
func ReceiveMail(ctx context.Context, db *store.DB, now time.Time, raw []byte, rcpts []string) (Inbound, error) {
	var in Inbound
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		in, err = ReceiveEmail(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), raw, rcpts, now)
		return err
	})
	return in, err
}

func kindOf(msg *mail.Message) string {
	switch msg.Kind {
	case KindAutoReply, KindBounce, KindList:
		return msg.Kind
	}
	return KindMessage
}

// keepRaw stores the raw bytes once, keyed by their SHA-256.
func keepRaw(ctx context.Context, tx *store.Tx, raw []byte, problems []string, now time.Time) (id int64, seen bool, err error) {
	sum := sha256.Sum256(raw)
	key := hex.EncodeToString(sum[:])
	err = tx.QueryRow(ctx, `SELECT id FROM raw_messages WHERE sha256 = ?`, key).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	err = tx.QueryRow(ctx, `INSERT INTO raw_messages (sha256, received_at, size, content, problems) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		key, now.Unix(), len(raw), raw, strings.Join(problems, "\n")).Scan(&id)
	return id, false, err
}

func messageByRaw(ctx context.Context, tx *store.Tx, rawID int64, in *Inbound) (bool, error) {
	return foundMessage(tx.QueryRow(ctx, `SELECT id, conversation_id, COALESCE(contact_id, 0), kind FROM messages WHERE raw_id = ? ORDER BY id LIMIT 1`, rawID), in)
}

// messageByEmailID finds mail with this Message-ID from this sender: the
// same message relayed twice (once by SMTP, once over HTTP) with different
// trace headers.
func messageByEmailID(ctx context.Context, tx *store.Tx, emailID, from string, in *Inbound) (bool, error) {
	return foundMessage(tx.QueryRow(ctx, `SELECT m.id, m.conversation_id, COALESCE(m.contact_id, 0), m.kind FROM messages m
		JOIN customer_identities i ON i.customer_id = m.customer_id AND i.kind = 'email' AND i.value = ?
		WHERE m.email_id = ? AND m.direction = 'in' ORDER BY m.id LIMIT 1`, commerce.NormalizeEmail(from), emailID), in)
}

func foundMessage(row *sql.Row, in *Inbound) (bool, error) {
	err := row.Scan(&in.MessageID, &in.ConversationID, &in.ContactID, &in.Kind)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	in.NewContact = false
	return err == nil, err
}

func isOurs(ctx context.Context, tx *store.Tx, emailID string) bool {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE email_id = ? AND direction = 'out'`, emailID).Scan(&n)
	return err == nil && n > 0
}

// threadEmail finds the conversation a mail continues (docs/email.md#threading):
// the reply address's token, when the sender is that conversation's
// customer; else a Message-ID it answers (In-Reply-To, References) in one
// of the sender's conversations; else the sender's conversation with the
// same subject inside the reopen window. 0 leaves it to the desk's
// general rule (RecordMessage).
func threadEmail(ctx context.Context, tx *store.Tx, addrs SupportAddresses, msg *mail.Message, rcpts []string, customerID int64, at time.Time) (int64, error) {
	if len(rcpts) == 0 {
		for _, a := range append(append([]mail.Address{}, msg.To...), msg.Cc...) {
			rcpts = append(rcpts, a.Addr)
		}
	}
	for _, r := range rcpts {
		if ok, token := addrs.Accepts(r); ok && token != "" {
			id, err := conversationOf(ctx, tx, `SELECT id FROM conversations WHERE reply_token = ? AND customer_id = ?`, token, customerID)
			if id != 0 || err != nil {
				return id, err
			}
		}
	}
	ids := append(append([]string{}, msg.InReplyTo...), msg.References...)
	for i := len(ids) - 1; i >= 0; i-- { // the nearest ancestor first
		if ids[i] == "" {
			continue
		}
		id, err := conversationOf(ctx, tx, `SELECT conversation_id FROM messages WHERE email_id = ? AND customer_id = ? ORDER BY id DESC LIMIT 1`, ids[i], customerID)
		if id != 0 || err != nil {
			return id, err
		}
	}
	if subject := baseSubject(msg.Subject); subject != "" {
		rows, err := tx.Query(ctx, `SELECT id, subject, state, COALESCE(closed_at, 0) FROM conversations WHERE customer_id = ? AND last_message_at >= ?
			ORDER BY last_message_at DESC, id DESC LIMIT 20`, customerID, at.Add(-ReopenWindow).Unix())
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		for rows.Next() {
			var id, closedAt int64
			var subj, state string
			if err := rows.Scan(&id, &subj, &state, &closedAt); err != nil {
				return 0, err
			}
			if baseSubject(subj) != subject {
				continue
			}
			if state != "closed" || at.Sub(time.Unix(closedAt, 0)) <= ReopenWindow {
				return id, nil
			}
		}
		return 0, rows.Err()
	}
	return 0, nil
}

func conversationOf(ctx context.Context, tx *store.Tx, query string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, query, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// replyPrefix matches the reply and forward prefixes mail clients add, in
// the languages customers write: Re, Fwd, Fw, AW, WG (German), SV, VS
// (Nordic), TR (French), RV (Spanish), and counters like "Re[2]".
var replyPrefix = regexp.MustCompile(`(?i)^\s*((re|fwd?|aw|wg|sv|vs|tr|rv|antw)(\[\d+\])?\s*:\s*)+`)

// baseSubject is a subject without reply prefixes, folded, for matching.
func baseSubject(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(replyPrefix.ReplaceAllString(s, "")), " "))
}

// receiveBounce marks the reply a bounce returns as failed, with the
// server's reason, and keeps the bounce on that conversation. A bounce of
// nothing we sent is kept raw only.
func receiveBounce(ctx context.Context, tx *store.Tx, customers *commerce.Customers, msg *mail.Message, m Message, in Inbound) (Inbound, error) {
	if msg.Bounce == nil || msg.Bounce.OriginalMessageID == "" {
		return in, nil
	}
	var outID, convID, customerID int64
	err := tx.QueryRow(ctx, `SELECT id, conversation_id, customer_id FROM messages WHERE email_id = ? AND direction = 'out' ORDER BY id LIMIT 1`,
		msg.Bounce.OriginalMessageID).Scan(&outID, &convID, &customerID)
	if errors.Is(err, sql.ErrNoRows) {
		return in, nil
	}
	if err != nil {
		return in, err
	}
	detail := strings.TrimSpace(strings.Join(nonEmpty(msg.Bounce.Status, msg.Bounce.Diagnostic), " "))
	if detail == "" {
		detail = "the recipient's server returned the message"
	}
	if msg.Bounce.Recipient != "" {
		detail = msg.Bounce.Recipient + ": " + detail
	}
	if _, err := tx.Exec(ctx, `UPDATE messages SET status = 'failed', status_detail = ? WHERE id = ?`, detail, outID); err != nil {
		return in, err
	}
	m.ConversationID = convID
	rec, err := RecordMessage(ctx, tx, customers, m)
	if err != nil {
		return in, err
	}
	in.ConversationID, in.MessageID = rec.ConversationID, rec.MessageID
	return in, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// keepAttachments stores a mail's files; one over the size limit is named
// with its size and not kept (mail.Parse leaves its content nil).
func keepAttachments(ctx context.Context, tx *store.Tx, messageID int64, files []mail.Attachment) error {
	for _, f := range files {
		var content any
		if f.Content != nil {
			content = f.Content
		}
		if _, err := tx.Exec(ctx, `INSERT INTO attachments (message_id, name, content_type, size, content_id, inline, content) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			messageID, f.Name, f.ContentType, f.Size, f.ContentID, f.Inline, content); err != nil {
			return err
		}
	}
	return nil
}

func formatAddress(a mail.Address) string {
	if a.Name == "" {
		return a.Addr
	}
	return a.Name + " <" + a.Addr + ">"
}
