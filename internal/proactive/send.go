package proactive

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
	"quietdesk/internal/twilio"
)

// ChatOnline: a customer whose latest message is a chat message this
// recent has the widget open, and a notice may go to them in the chat.
const ChatOnline = 2 * time.Minute

// CapWindow is the span the daily cap counts a customer's notices over.
const CapWindow = 24 * time.Hour

// FailedWithin: a sent notice's delivery is watched this long for a
// permanent failure (the outbox gives up within about 45 hours).
const FailedWithin = 72 * time.Hour

const sendBatch = 200

// SendResult is what one sending pass did, by decision.
type SendResult struct {
	Decisions []Decision `json:"decisions"` // sent, skipped, dry_run or failed by this pass
	Failed    int        `json:"failed_deliveries"`
}

// Count returns how many of the pass's decisions have status.
func (r SendResult) Count(status string) int {
	n := 0
	for _, d := range r.Decisions {
		if d.Status == status {
			n++
		}
	}
	return n
}

// SendDue sends the scheduled notices that are due. Each decision is
// claimed in its own write transaction, re-checking that it is still
// scheduled on a row no other process holds (FOR UPDATE SKIP LOCKED on
// PostgreSQL), and its message and outbox delivery are stored in that same
// transaction: several processes on one store send each notice once.
func SendDue(ctx context.Context, db *store.DB, now time.Time) (SendResult, error) {
	var res SendResult
	env, err := loadSendEnv(ctx, db)
	if err != nil {
		return res, err
	}
	after := int64(0)
	for {
		ids, err := dueIDs(ctx, db, now, after)
		if err != nil {
			return res, err
		}
		for _, id := range ids {
			var d Decision
			var done bool
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				d, done, err = sendOne(ctx, tx, env, id, now)
				return err
			})
			if err != nil {
				return res, fmt.Errorf("notice %d: %w", id, err)
			}
			if done {
				res.Decisions = append(res.Decisions, d)
			}
			after = id
		}
		if len(ids) < sendBatch {
			break
		}
	}
	n, err := markFailed(ctx, db, now)
	res.Failed = n
	return res, err
}

func dueIDs(ctx context.Context, db *store.DB, now time.Time, after int64) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT id FROM proactive_decisions WHERE status = ? AND due_at <= ? AND id > ? ORDER BY id LIMIT `+strconv.Itoa(sendBatch),
		StatusScheduled, now.Unix(), after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// sendEnv is what sending reads of the store's settings.
type sendEnv struct {
	cap   int
	brand string
}

func loadSendEnv(ctx context.Context, db *store.DB) (sendEnv, error) {
	e := sendEnv{cap: 1}
	v, err := db.Setting(ctx, SettingDailyCap)
	if err != nil {
		return e, err
	}
	if v = strings.TrimSpace(v); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return e, fmt.Errorf("setting %s is %q: write how many notices a customer may get in 24 hours, e.g. 1 (0: no limit)", SettingDailyCap, v)
		}
		e.cap = n
	}
	e.brand, err = db.Setting(ctx, "brand.name")
	return e, err
}

// target is where a notice goes.
type target struct {
	channel        string // email, sms, whatsapp, chat
	address        string // email address, +1555…, whatsapp:+1555…
	conversationID int64  // chat: the visitor's conversation
	template       Template
}

// sendOne claims decision id and sends it; done is false when another
// process had it.
func sendOne(ctx context.Context, tx *store.Tx, env sendEnv, id int64, now time.Time) (Decision, bool, error) {
	var d Decision
	var customerID int64
	var orderName, carrier, status, country string
	var placed int64
	var promised, delivered sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT d.id, d.order_id, d.rule, o.external_id, o.name, COALESCE(o.customer_id, 0), o.carrier, o.status, o.country, o.placed_at, o.promised_delivery_at, o.delivered_at
		FROM proactive_decisions d JOIN orders o ON o.id = d.order_id WHERE d.id = ? AND d.status = ?`+tx.DB().SkipLocked(), id, StatusScheduled).
		Scan(&d.ID, &d.OrderID, &d.Rule, &d.OrderExternalID, &orderName, &customerID, &carrier, &status, &country, &placed, &promised, &delivered)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil // taken by another process, or no longer due
	}
	if err != nil {
		return d, false, err
	}
	// The claim: only one transaction moves it off scheduled.
	r, err := tx.Exec(ctx, `UPDATE proactive_decisions SET status = 'sending' WHERE id = ? AND status = ?`, id, StatusScheduled)
	if err != nil {
		return d, false, err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return d, false, nil
	}
	finish := func(status, channel, reason string, messageID int64) (Decision, bool, error) {
		d.Status, d.Channel, d.Reason = status, channel, reason
		var sent, msg any
		if status == StatusSent {
			t := now.UTC().Truncate(time.Second)
			d.SentAt, sent = &t, now.Unix()
		}
		if messageID != 0 {
			d.MessageID, msg = &messageID, messageID
		}
		_, err := tx.Exec(ctx, `UPDATE proactive_decisions SET status = ?, channel = ?, reason = ?, sent_at = ?, message_id = ? WHERE id = ?`,
			status, channel, reason, sent, msg, id)
		return d, true, err
	}

	rule, err := GetRule(ctx, tx, d.Rule)
	if errors.Is(err, ErrNoRule) {
		return finish(StatusSkipped, "", "the rule no longer exists", 0)
	}
	if err != nil {
		return d, false, err
	}
	if !rule.Enabled && rule.Kind != KindCampaign {
		return finish(StatusSkipped, "", "the rule was switched off before the notice was due", 0)
	}
	if rule.Kind != KindDeliveredCheck && rule.Kind != KindCampaign {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM fulfillment_events WHERE order_id = ? AND kind = 'delivered'`, d.OrderID).Scan(&n); err != nil {
			return d, false, err
		}
		if delivered.Valid || n > 0 {
			return finish(StatusSkipped, "", "the order was delivered before the notice was due", 0)
		}
	}
	if status == "cancelled" {
		return finish(StatusSkipped, "", "the order was cancelled", 0)
	}
	if customerID == 0 {
		return finish(StatusSkipped, "", "the order has no customer", 0)
	}
	to, reason, err := chooseTarget(ctx, tx, rule, customerID, commerce.LanguageOf(country), now)
	if err != nil {
		return d, false, err
	}
	if reason != "" {
		return finish(StatusSkipped, "", reason, 0)
	}
	if to.channel != "chat" { // email addresses opt out too (quietdesk proactive opt-out)
		o, out, err := twilio.OptedOut(ctx, tx, to.address)
		if err != nil {
			return d, false, err
		}
		if out {
			return finish(StatusSkipped, to.channel, fmt.Sprintf("%s opted out on %s (%s)", to.address, o.At.Format(time.DateOnly), o.Reason), 0)
		}
	}
	if env.cap > 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE customer_id = ? AND author = 'proactive' AND at > ?`, customerID, now.Add(-CapWindow).Unix()).Scan(&n); err != nil {
			return d, false, err
		}
		if n >= env.cap {
			return finish(StatusSkipped, to.channel, fmt.Sprintf("daily cap: the customer got %d notice(s) in the last 24 hours (%s is %d)", n, SettingDailyCap, env.cap), 0)
		}
	}
	// The signed order-status link needs the self-service secret: sending
	// is a write, so it is made here when the store has none yet.
	if _, err := selfserve.Secret(ctx, tx); err != nil {
		return d, false, err
	}
	data, err := OrderNoticeData(ctx, tx, d.OrderExternalID, to.template.Locale, now)
	if err != nil {
		return d, false, err
	}
	subject, body, err := Render(to.template, data)
	if err != nil {
		return finish(StatusFailed, to.channel, "the template could not be rendered: "+err.Error(), 0)
	}
	if rule.DryRun {
		text := body
		if subject != "" {
			text = "Subject: " + subject + "\n\n" + body
		}
		return finish(StatusDryRun, to.channel, text, 0)
	}
	msgID, err := deliver(ctx, tx, d, to, subject, body, customerID, now)
	var derr *domain.Error
	if errors.As(err, &derr) {
		// A setting the notice needs (no support address) or an address
		// the desk refuses: failed, with what to fix, rather than retried
		// on every pass.
		return finish(StatusFailed, to.channel, derr.Error(), 0)
	}
	if err != nil {
		return d, false, err
	}
	return finish(StatusSent, to.channel, "", msgID)
}

// baseLanguage is a locale's language: "pt-BR" → "pt".
func baseLanguage(locale string) string {
	l, _, _ := strings.Cut(locale, "-")
	return l
}

// chooseTarget picks the customer's channel: the one of their latest
// message when the rule has a text for it and there is an address, else
// email, else SMS. reason says why none could be chosen.
func chooseTarget(ctx context.Context, tx *store.Tx, r *Rule, customerID int64, lang string, now time.Time) (target, string, error) {
	// The text in the customer's language when the rule has one, else
	// English, else any.
	rank := func(locale string) int {
		switch {
		case lang != "" && (locale == lang || baseLanguage(locale) == baseLanguage(lang)):
			return 2
		case locale == "en":
			return 1
		}
		return 0
	}
	tpl := func(channel string) (Template, bool) {
		var found *Template
		for i, t := range r.Templates {
			if t.Channel != channel {
				continue
			}
			if found == nil || rank(t.Locale) > rank(found.Locale) {
				found = &r.Templates[i]
			}
		}
		if found == nil {
			return Template{}, false
		}
		return *found, true
	}
	var channel, via, from string
	var convID, at int64
	err := tx.QueryRow(ctx, `SELECT channel, via, from_addr, conversation_id, at FROM messages WHERE customer_id = ? AND direction = 'in' AND kind = 'message'
		ORDER BY at DESC, id DESC LIMIT 1`, customerID).Scan(&channel, &via, &from, &convID, &at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return target{}, "", err
	}
	switch {
	case channel == "email":
		if t, ok := tpl("email"); ok {
			if addr := bareEmail(from); addr != "" {
				return target{channel: "email", address: addr, template: t}, "", nil
			}
		}
	case channel == "sms" && from != "":
		if t, ok := tpl("sms"); ok {
			return target{channel: "sms", address: from, template: t}, "", nil
		}
	case via == "whatsapp" && from != "":
		if t, ok := tpl("whatsapp"); ok {
			addr := from
			if !strings.HasPrefix(addr, "whatsapp:") {
				addr = "whatsapp:" + addr
			}
			return target{channel: "whatsapp", address: addr, template: t}, "", nil
		}
	case channel == "chat" && now.Sub(time.Unix(at, 0)) <= ChatOnline:
		if t, ok := tpl("chat"); ok {
			return target{channel: "chat", conversationID: convID, template: t}, "", nil
		}
	}
	for _, fallback := range []string{"email", "sms"} {
		t, ok := tpl(fallback)
		if !ok {
			continue
		}
		kind := map[string]string{"email": "email", "sms": "phone"}[fallback]
		var addr string
		err := tx.QueryRow(ctx, `SELECT value FROM customer_identities WHERE customer_id = ? AND kind = ? ORDER BY value LIMIT 1`, customerID, kind).Scan(&addr)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return target{}, "", err
		}
		return target{channel: fallback, address: addr, template: t}, "", nil
	}
	return target{}, "no channel: the customer has no address on a channel the rule has a text for", nil
}

// bareEmail returns the address in "Name <a@b>" or a@b.
func bareEmail(s string) string {
	if i := strings.LastIndex(s, "<"); i >= 0 {
		s = strings.TrimSuffix(s[i+1:], ">")
	}
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "@") {
		return ""
	}
	return commerce.NormalizeEmail(s)
}

// deliver records the notice on the customer's timeline and conversation
// and queues it on its channel: email and Twilio through the outbox, chat
// as a message the open widget shows.
func deliver(ctx context.Context, tx *store.Tx, d Decision, to target, subject, body string, customerID int64, now time.Time) (int64, error) {
	m := desk.Message{ExternalID: fmt.Sprintf("proactive:%s:%s", d.Rule, d.OrderExternalID), Author: "proactive",
		Subject: subject, Body: body, At: now, Received: now, OrderExternalID: d.OrderExternalID}
	var out *notify.Delivery
	switch to.channel {
	case "email":
		addrs, err := desk.LoadSupportAddresses(ctx, tx)
		if err != nil {
			return 0, err
		}
		from, err := addrs.From()
		if err != nil {
			return 0, err
		}
		_, dom, _ := strings.Cut(from, "@")
		m.Channel, m.Customer = "email", commerce.CustomerRef{Email: to.address}
		m.EmailID, m.FromAddr, m.Status = "qd."+randomToken()+"@"+dom, from, desk.StatusQueued
		out = &notify.Delivery{Channel: notify.ChannelEmail, Target: to.address, Subject: subject, Text: body, From: from, MessageID: m.EmailID}
	case "sms", "whatsapp":
		m.Channel, m.Via, m.Status = "sms", "sms", desk.StatusQueued
		m.Customer = commerce.CustomerRef{Phone: strings.TrimPrefix(to.address, "whatsapp:")}
		if to.channel == "whatsapp" {
			m.Channel, m.Via = "social", "whatsapp"
		}
		out = &notify.Delivery{Channel: notify.ChannelTwilio, Target: to.address, Text: body}
	case "chat":
		m.Channel, m.ConversationID, m.Status = "chat", to.conversationID, desk.StatusSent
	}
	rec, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), m)
	if err != nil {
		return 0, err
	}
	if rec.Duplicate || out == nil {
		return rec.MessageID, nil
	}
	if out.Channel == notify.ChannelEmail {
		// Answers go to the conversation's reply address, so the
		// customer's reply joins this conversation and is a contact by
		// the usual rules.
		var token string
		if err := tx.QueryRow(ctx, `SELECT COALESCE(reply_token, '') FROM conversations WHERE id = ?`, rec.ConversationID).Scan(&token); err != nil {
			return 0, err
		}
		if token == "" {
			token = randomToken()
			if _, err := tx.Exec(ctx, `UPDATE conversations SET reply_token = ? WHERE id = ?`, token, rec.ConversationID); err != nil {
				return 0, err
			}
		}
		addrs, err := desk.LoadSupportAddresses(ctx, tx)
		if err != nil {
			return 0, err
		}
		if out.ReplyTo, err = addrs.ReplyAddress(token); err != nil {
			return 0, err
		}
	}
	out.Key = fmt.Sprintf("proactive:%d", d.ID)
	dl, _, err := notify.Enqueue(ctx, tx, *out, now)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE messages SET delivery_id = ? WHERE id = ?`, dl.ID, rec.MessageID); err != nil {
		return 0, err
	}
	tx.AfterCommit(notify.Wake)
	return rec.MessageID, nil
}

// randomToken is 80 random bits in lower-case base32, as the desk's reply
// tokens and Message-IDs are.
func randomToken() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// markFailed turns sent notices whose delivery the outbox gave up on
// into failed ones; the timeline shows the message failed with the
// outbox's error (desk.DeliveryStatusSQL).
func markFailed(ctx context.Context, db *store.DB, now time.Time) (int, error) {
	var n int64
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE proactive_decisions SET status = ?, reason = COALESCE((SELECT 'delivery failed: ' || dl.last_error FROM messages m JOIN deliveries dl ON dl.id = m.delivery_id WHERE m.id = proactive_decisions.message_id), '')
			WHERE status = ? AND due_at >= ? AND message_id IN (SELECT m.id FROM messages m JOIN deliveries dl ON dl.id = m.delivery_id WHERE dl.status = 'failed')`,
			StatusFailed, StatusSent, now.Add(-FailedWithin).Unix())
		if err != nil {
			return err
		}
		n, _ = r.RowsAffected()
		return nil
	})
	return int(n), err
}
