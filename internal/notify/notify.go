// Package notify delivers Quietdesk's outgoing notifications — email through
// an SMTP relay and posts to chat webhooks — through a durable outbox.
//
// A caller enqueues a Delivery in the store, keyed by what it is
// (review:2026-W47:email:dana@brand.com), and a Worker sends it. Enqueuing
// the same key again changes nothing, so a scheduler that runs twice, or in
// several processes, sends once. Workers claim one delivery at a time with a
// conditional update, so several processes on one PostgreSQL never send the
// same delivery twice while they live; a claim that is not finished in time
// (the process died) expires and the delivery is tried again. Failures are
// logged, recorded on the delivery and retried with backoff; after the last
// attempt the delivery is failed and stays listed until someone requeues it.
package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"quietdesk/internal/domain"
)

// Channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
	// ChannelTwilio is an SMS or WhatsApp message through Twilio; Target is
	// the address as Twilio writes it (+15551234567, whatsapp:+15551234567).
	ChannelTwilio = "twilio"
	// ChannelHook is a signed post of an event to a subscriber: package
	// hooks enqueues it and registers its sender (RegisterSender).
	ChannelHook = "hook"
)

// Statuses of a delivery.
const (
	StatusPending = "pending" // waiting for NextAttemptAt
	StatusSending = "sending" // claimed by a worker until ClaimedUntil
	StatusSent    = "sent"
	StatusFailed  = "failed" // given up; Retry requeues it
)

// Delivery is one message to one target: an email to one address, or one
// post to one webhook URL.
type Delivery struct {
	ID int64 `json:"id"`
	// Key names the delivery so that enqueuing it twice stores it once,
	// e.g. review:2026-W47:email:dana@brand.com.
	Key     string `json:"key"`
	Channel string `json:"channel"`
	// Target is an email address ("Dana <dana@brand.com>" or a bare one)
	// or a webhook URL.
	Target  string `json:"target"`
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"` // the email's plain text; a webhook's text when Payload is empty
	HTML    string `json:"html,omitempty"` // the email's HTML alternative, optional
	// Payload is the JSON posted to a webhook: a Slack-compatible object
	// with at least "text". Enqueue builds {"text": Text} when it is empty.
	Payload json.RawMessage `json:"payload,omitempty"`

	// A reply on the desk is mail from a support address in a thread:
	// From overrides the relay's sender (smtp.from), ReplyTo routes the
	// answer back to its conversation, and MessageID, InReplyTo and
	// References (space-separated ids, without <>) thread it in the
	// customer's mail client. Personal marks mail a person wrote, which
	// must not carry Auto-Submitted (the customer's own auto-responder may
	// answer it, and the desk recognises that answer as an auto-reply).
	From       string `json:"from,omitempty"`
	ReplyTo    string `json:"reply_to,omitempty"`
	MessageID  string `json:"message_id,omitempty"`
	InReplyTo  string `json:"in_reply_to,omitempty"`
	References string `json:"references,omitempty"`
	Personal   bool   `json:"personal,omitempty"`

	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"` // the latest failure's, kept after a later success
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	ClaimedBy     string     `json:"claimed_by,omitempty"`
	ClaimedUntil  *time.Time `json:"claimed_until,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
}

// Execer is what Enqueue writes through: a *store.DB, or a *store.Tx so that
// a delivery is enqueued in the same transaction as what it announces.
type Execer interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// Enqueue stores d as pending, due at d.NextAttemptAt (now when zero). When
// a delivery with d.Key exists, nothing changes — not even when d differs —
// and the stored one is returned with created false.
func Enqueue(ctx context.Context, q Execer, d Delivery, now time.Time) (Delivery, bool, error) {
	d, err := Check(d)
	if err != nil {
		return Delivery{}, false, err
	}
	due := d.NextAttemptAt
	if due.IsZero() {
		due = now
	}
	res, err := q.Exec(ctx, `INSERT INTO deliveries (key, channel, target, subject, body_text, body_html, payload, status, next_attempt_at, created_at,
			from_addr, reply_to, message_id, in_reply_to, refs, automatic)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		d.Key, d.Channel, d.Target, d.Subject, d.Text, d.HTML, string(d.Payload), StatusPending, due.Unix(), now.Unix(),
		d.From, d.ReplyTo, d.MessageID, d.InReplyTo, d.References, !d.Personal)
	if err != nil {
		return Delivery{}, false, fmt.Errorf("enqueue %s: %w", d.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Delivery{}, false, err
	}
	stored, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM deliveries WHERE key = ?`, d.Key))
	if err != nil {
		return Delivery{}, false, fmt.Errorf("enqueue %s: read it back: %w", d.Key, err)
	}
	return stored, n == 1, nil
}

// Check validates d as Enqueue does and fills in a webhook's payload from
// its text.
func Check(d Delivery) (Delivery, error) {
	var p domain.Problems
	d.Key = strings.TrimSpace(d.Key)
	d.Target = strings.TrimSpace(d.Target)
	p.Require("key", d.Key)
	if len(d.Key) > 500 {
		p.Add("key", "is %d bytes long; keep it under 500", len(d.Key))
	}
	p.OneOf("channel", d.Channel, ChannelEmail, ChannelWebhook, ChannelTwilio, ChannelHook)
	switch d.Channel {
	case ChannelEmail:
		if _, err := mail.ParseAddress(d.Target); err != nil {
			p.Add("target", "%q is not an email address: %v", d.Target, err)
		}
		p.Require("subject", d.Subject)
		if strings.ContainsAny(d.Subject, "\r\n") {
			p.Add("subject", "must be one line")
		}
		p.Require("text", d.Text)
	case ChannelTwilio:
		checkTwilio(&p, d)
	case ChannelWebhook:
		if err := checkWebhookURL(d.Target); err != nil {
			p.Add("target", "%v", err)
		}
		if len(d.Payload) == 0 {
			p.Require("text", d.Text)
			d.Payload, _ = json.Marshal(map[string]string{"text": d.Text})
		} else if err := checkPayload(d.Payload); err != nil {
			p.Add("payload", "%v", err)
		}
	case ChannelHook:
		// Any JSON object: the event in its own format, signed when sent.
		if err := checkWebhookURL(d.Target); err != nil {
			p.Add("target", "%v", err)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(d.Payload, &obj) != nil {
			p.Add("payload", "is not a JSON object")
		}
	}
	if len(p) > 0 {
		return d, &domain.Error{Code: domain.EInvalid, Message: "cannot enqueue the delivery", Fields: p}
	}
	return d, nil
}

// checkPayload holds a webhook payload to what every Slack-compatible
// receiver (Slack, Mattermost, Rocket.Chat, Discord's /slack endpoint)
// accepts: an object whose "text" is the message, or its fallback when
// "blocks" carry the rich version.
func checkPayload(raw json.RawMessage) error {
	var m struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("is not a JSON object: %v", err)
	}
	if m.Text == nil || strings.TrimSpace(*m.Text) == "" {
		return errors.New(`needs a non-empty "text" (Slack-compatible receivers show it, or fall back to it)`)
	}
	return nil
}

func checkWebhookURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", RedactURL(s))
	}
	return nil
}

// RedactURL keeps a URL's scheme and host and hides the rest: a chat
// webhook's path is its secret (anyone who has it can post), so logs, errors
// and listings never show it.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		if len(s) > 12 {
			return s[:12] + "…"
		}
		return s
	}
	out := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		out += "/…"
	}
	return out
}

// shown is how a delivery's target appears in logs and errors.
func shown(d Delivery) string {
	if d.Channel == ChannelWebhook {
		return RedactURL(d.Target)
	}
	return d.Target
}
