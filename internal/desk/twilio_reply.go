package desk

import (
	"context"
	"database/sql"
	"errors"

	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/twilio"
)

// twilioReply fills in the SMS or WhatsApp side of a reply: it goes back
// to the address the customer last wrote from through Twilio, as the
// outbox delivers it. It returns nil when the customer's last message did
// not come through Twilio (a social bridge's), for the caller to handle.
// An address that opted out is refused here, with the reason, so the agent
// knows, and no request is made.
func twilioReply(ctx context.Context, tx *store.Tx, r Reply, m *Message) (*notify.Delivery, error) {
	var addr, via string
	err := tx.QueryRow(ctx, `SELECT from_addr, via FROM messages WHERE conversation_id = ? AND direction = 'in' AND kind = 'message'
		AND via IN ('sms', 'mms', 'whatsapp') AND from_addr <> '' ORDER BY at DESC, id DESC LIMIT 1`, r.ConversationID).Scan(&addr, &via)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o, out, err := twilio.OptedOut(ctx, tx, addr)
	if err != nil {
		return nil, err
	}
	if out {
		return nil, domain.Errorf(domain.EConflict, "%s opted out of messages on %s (%s), so Twilio will not deliver this reply: it was not sent. It can be sent once they text START; until then answer them another way, such as by email",
			addr, o.At.Format("2006-01-02"), o.Reason)
	}
	if via == "mms" {
		via = "sms"
	}
	m.Via, m.Status, m.Subject = via, StatusQueued, ""
	return &notify.Delivery{Channel: notify.ChannelTwilio, Target: addr, Text: r.Text, Personal: true}, nil
}
