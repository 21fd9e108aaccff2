package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"mime"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/live"
	"quietdesk/internal/store"
	"quietdesk/internal/twilio"
)

// Twilio's callbacks on the desk (docs/twilio.md): inbound SMS, MMS and
// WhatsApp messages are messages like mail, with their media kept as links;
// status callbacks move the delivery status of what agents sent; a call is
// a contact on the voice channel whose final status adds its length to the
// contact's handle time and says whether it was missed.

// Delivery statuses past "sent" that Twilio reports for SMS and WhatsApp.
const (
	StatusDelivered = "delivered" // the handset (or WhatsApp) has it
	StatusRead      = "read"      // WhatsApp: the customer opened it
)

// TwilioResult is what one callback did.
type TwilioResult struct {
	Recorded
	Kind string
	// Changed is false when the callback had been applied before (Twilio
	// retried it) or named a message or call the desk does not know.
	Changed bool
	// OptOut is "stop" or "start" when the message changed the sender's
	// opt-out.
	OptOut string
}

// ReceiveTwilio applies one verified callback, in one transaction.
func ReceiveTwilio(ctx context.Context, db *store.DB, now time.Time, c twilio.Callback) (TwilioResult, error) {
	res := TwilioResult{Kind: c.Kind}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		res = TwilioResult{Kind: c.Kind}
		var err error
		switch c.Kind {
		case twilio.KindMessage:
			err = twilioMessage(ctx, tx, now, c, &res)
		case twilio.KindMessageStatus:
			err = twilioMessageStatus(ctx, tx, now, c, &res)
		case twilio.KindCall:
			err = twilioCall(ctx, tx, now, c, &res)
		case twilio.KindCallStatus:
			if err = twilioCall(ctx, tx, now, c, &res); err == nil {
				err = twilioCallEnded(ctx, tx, now, c, &res)
			}
		case twilio.KindRecording:
			err = twilioRecording(ctx, tx, now, c, &res)
		default:
			err = fmt.Errorf("unknown Twilio callback kind %q", c.Kind)
		}
		return err
	})
	return res, err
}

func twilioMessage(ctx context.Context, tx *store.Tx, now time.Time, c twilio.Callback, res *TwilioResult) error {
	channel, via := "sms", "sms"
	switch {
	case c.WhatsApp():
		channel, via = "social", "whatsapp"
	case len(c.Media) > 0:
		via = "mms"
	}
	m := Message{ExternalID: "twilio:" + c.MessageSID, Customer: commerce.CustomerRef{Phone: twilio.Phone(c.From), Name: c.ProfileName},
		Channel: channel, Via: via, Author: "customer", Body: c.Body, At: now, Received: now, FromAddr: c.From}
	rec, err := RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), m)
	res.Recorded = rec
	if err != nil || rec.Duplicate {
		return err
	}
	res.Changed = true
	for i, md := range c.Media {
		if _, err := tx.Exec(ctx, `INSERT INTO attachments (message_id, name, content_type, size, url) VALUES (?, ?, ?, 0, ?)`,
			rec.MessageID, mediaName(i, md.ContentType), md.ContentType, md.URL); err != nil {
			return err
		}
	}
	if c.ProfileName != "" {
		// A WhatsApp profile names a customer the desk knew only by number.
		if _, err := tx.Exec(ctx, `UPDATE customers SET name = ? WHERE id = (SELECT customer_id FROM messages WHERE id = ?) AND name = ''`, c.ProfileName, rec.MessageID); err != nil {
			return err
		}
	}
	switch res.OptOut = c.OptOutKeyword(); res.OptOut {
	case "stop":
		return twilio.RecordOptOut(ctx, tx, c.From, fmt.Sprintf("texted %q", c.Body), now)
	case "start":
		return twilio.LiftOptOut(ctx, tx, c.From)
	}
	return nil
}

// mediaName names a file of a message: media-1.jpg.
func mediaName(i int, contentType string) string {
	ext := ""
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		ext = exts[0]
		for _, e := range exts {
			if e == ".jpg" || e == ".png" || e == ".mp4" || e == ".pdf" || e == ".ogg" {
				ext = e
			}
		}
	}
	return fmt.Sprintf("media-%d%s", i+1, ext)
}

// statusRank orders a sent message's statuses: callbacks can arrive out of
// order (delivered before sent), and a later step is never undone.
var statusRank = map[string]int{"": 0, StatusQueued: 1, "accepted": 1, "scheduled": 1, "sending": 2, StatusSent: 3, StatusDelivered: 4, StatusRead: 5}

func twilioMessageStatus(ctx context.Context, tx *store.Tx, now time.Time, c twilio.Callback, res *TwilioResult) error {
	var id, convID int64
	var status, target string
	err := tx.QueryRow(ctx, `SELECT m.id, m.conversation_id, m.status, d.target FROM messages m JOIN deliveries d ON d.id = m.delivery_id WHERE d.provider_id = ?`, c.MessageSID).
		Scan(&id, &convID, &status, &target)
	if errors.Is(err, sql.ErrNoRows) {
		// Not ours (another app on the account), or the sender has not
		// recorded the sid yet: nothing to change, and Twilio must not
		// retry.
		return nil
	}
	if err != nil {
		return err
	}
	res.MessageID, res.ConversationID = id, convID
	newStatus, detail := c.MessageStatus, ""
	switch c.MessageStatus {
	case "failed", "undelivered", "canceled":
		newStatus, detail = StatusFailed, "Twilio: "+c.MessageStatus
		if c.ErrorCode != "" {
			detail += ", error " + c.ErrorCode + " (https://www.twilio.com/docs/api/errors/" + c.ErrorCode + ")"
		}
	case "partially_delivered":
		newStatus = StatusDelivered
	}
	if c.ErrorCode == twilio.ErrorUnsubscribed {
		detail = "the customer opted out (texted STOP): Twilio error 21610"
		if err := twilio.RecordOptOut(ctx, tx, target, "Twilio error 21610: the recipient unsubscribed", now); err != nil {
			return err
		}
	}
	if status == StatusFailed {
		return nil
	}
	rank, known := statusRank[newStatus]
	if newStatus != StatusFailed && (!known || rank <= statusRank[status]) {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE messages SET status = ?, status_detail = ? WHERE id = ?`, newStatus, detail, id); err != nil {
		return err
	}
	res.Changed = true
	if _, err := tx.Exec(ctx, `UPDATE conversations SET updated_at = ? WHERE id = ?`, now.Unix(), convID); err != nil {
		return err
	}
	tx.AfterCommit(func() { live.Conversations.Publish(convID) })
	return nil
}

// twilioCall records a call the first time Twilio tells of it (its voice
// webhook, or only its final status when that is all that arrived). An
// inbound call is a message on the voice channel, and so a contact; a call
// the brand placed is kept but is no contact.
func twilioCall(ctx context.Context, tx *store.Tx, now time.Time, c twilio.Callback, res *TwilioResult) error {
	var msgID sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT message_id FROM calls WHERE call_sid = ?`, c.CallSID).Scan(&msgID)
	switch {
	case err == nil:
		if msgID.Valid {
			res.MessageID = msgID.Int64
			err = tx.QueryRow(ctx, `SELECT conversation_id, COALESCE(contact_id, 0) FROM messages WHERE id = ?`, msgID.Int64).Scan(&res.ConversationID, &res.ContactID)
		}
		if err == nil && !twilio.Final(c.CallStatus) {
			_, err = tx.Exec(ctx, `UPDATE calls SET status = ? WHERE call_sid = ? AND ended_at IS NULL`, c.CallStatus, c.CallSID)
		}
		return err
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	res.Changed = true
	var message any
	if c.Direction == "" || c.Direction == "inbound" {
		m := Message{ExternalID: "twilio:" + c.CallSID, Customer: commerce.CustomerRef{Phone: c.From}, Channel: "voice", Via: "voice",
			Author: "customer", Body: "Call from " + c.From, At: now, Received: now, FromAddr: c.From}
		rec, err := RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), m)
		if err != nil {
			return err
		}
		res.Recorded, message = rec, rec.MessageID
	}
	_, err = tx.Exec(ctx, `INSERT INTO calls (call_sid, direction, caller, called, status, message_id, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.CallSID, c.Direction, c.From, c.To, c.CallStatus, message, now.Unix())
	return err
}

// CallOutcome says what became of a call that ended: answered, or missed
// (nobody answered, the line was busy, the caller hung up first, or it
// failed; a completed call of 0 seconds was never really taken either).
func CallOutcome(status string, seconds int64) string {
	if status == "completed" && seconds > 0 {
		return "answered"
	}
	return "missed"
}

// twilioCallEnded applies a call's final status once: its length becomes
// the contact's handle time, and its message says how it went.
func twilioCallEnded(ctx context.Context, tx *store.Tx, now time.Time, c twilio.Callback, res *TwilioResult) error {
	outcome := CallOutcome(c.CallStatus, c.CallDuration)
	r, err := tx.Exec(ctx, `UPDATE calls SET status = ?, outcome = ?, duration_seconds = ?, ended_at = ? WHERE call_sid = ? AND ended_at IS NULL`,
		c.CallStatus, outcome, c.CallDuration, now.Unix(), c.CallSID)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		res.Changed = false // Twilio retried the callback
		return nil
	}
	res.Changed = true
	if res.MessageID == 0 {
		return nil // a call the brand placed
	}
	var caller string
	if err := tx.QueryRow(ctx, `SELECT caller FROM calls WHERE call_sid = ?`, c.CallSID).Scan(&caller); err != nil {
		return err
	}
	body := fmt.Sprintf("Call from %s, %s", caller, callLength(c.CallDuration))
	if outcome == "missed" {
		body = fmt.Sprintf("Missed call from %s (%s)", caller, c.CallStatus)
	}
	if _, err := tx.Exec(ctx, `UPDATE messages SET body = ? WHERE id = ?`, body, res.MessageID); err != nil {
		return err
	}
	if res.ContactID != 0 && c.CallDuration > 0 {
		if _, err := tx.Exec(ctx, `UPDATE contacts SET handle_seconds = handle_seconds + ? WHERE id = ?`, c.CallDuration, res.ContactID); err != nil {
			return err
		}
	}
	return touchConversation(ctx, tx, res.ConversationID, now)
}

func touchConversation(ctx context.Context, tx *store.Tx, convID int64, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE conversations SET updated_at = ? WHERE id = ?`, now.Unix(), convID); err != nil {
		return err
	}
	tx.AfterCommit(func() { live.Conversations.Publish(convID) })
	return nil
}

// callLength says how long a call lasted: "4 min 12 s".
func callLength(seconds int64) string {
	if seconds < 60 {
		return fmt.Sprintf("%d s", seconds)
	}
	return fmt.Sprintf("%d min %d s", seconds/60, seconds%60)
}

// twilioRecording keeps a voicemail's recording as a link on its call.
func twilioRecording(ctx context.Context, tx *store.Tx, now time.Time, c twilio.Callback, res *TwilioResult) error {
	var msgID sql.NullInt64
	var existing string
	err := tx.QueryRow(ctx, `SELECT message_id, recording_url FROM calls WHERE call_sid = ?`, c.CallSID).Scan(&msgID, &existing)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // a call the desk never heard of
	}
	if err != nil || existing != "" {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE calls SET recording_url = ?, recording_seconds = ? WHERE call_sid = ?`, c.RecordingURL, c.RecordingDuration, c.CallSID); err != nil {
		return err
	}
	res.Changed = true
	if !msgID.Valid {
		return nil
	}
	res.MessageID = msgID.Int64
	if _, err := tx.Exec(ctx, `INSERT INTO attachments (message_id, name, content_type, size, url) VALUES (?, ?, 'audio/wav', 0, ?)`,
		msgID.Int64, fmt.Sprintf("Voicemail (%s)", callLength(c.RecordingDuration)), c.RecordingURL); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT conversation_id FROM messages WHERE id = ?`, msgID.Int64).Scan(&res.ConversationID); err != nil {
		return err
	}
	return touchConversation(ctx, tx, res.ConversationID, now)
}
