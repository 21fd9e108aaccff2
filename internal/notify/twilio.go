package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/store"
	"quietdesk/internal/twilio"
)

// MaxTwilioText is the longest text Twilio's Messages resource takes.
const MaxTwilioText = 1600

// checkTwilio holds a Twilio delivery to what the Messages resource takes:
// a phone number in E.164 form, optionally with the whatsapp: prefix, and
// a text of at most 1,600 characters.
func checkTwilio(p interface {
	Add(field, format string, args ...any)
	Require(field, value string)
}, d Delivery) {
	if !twilio.E164(twilio.Phone(d.Target)) {
		p.Add("target", "%q is not a phone number in E.164 form (+15551234567, or whatsapp:+15551234567 for WhatsApp)", d.Target)
	}
	p.Require("text", d.Text)
	if n := len([]rune(d.Text)); n > MaxTwilioText {
		p.Add("text", "is %d characters long; Twilio sends at most %d", n, MaxTwilioText)
	}
}

// TwilioSender sends SMS and WhatsApp deliveries through Twilio's Messages
// resource. It records the message sid Twilio answers with on the delivery
// (provider_id), which its status callbacks name.
//
// A 4xx answer is permanent (a bad number, a sender the account does not
// own, an opted-out recipient), except 429; 429, 5xx and network errors
// are retried. Error 21610 (the recipient texted STOP) records the opt-out,
// so later replies are refused before any request is made.
type TwilioSender struct {
	DB     *store.DB
	Config twilio.Config
	Now    clock.Clock
	HTTP   *http.Client // nil: a client with a 30 s timeout
}

// Send sends one message.
func (s *TwilioSender) Send(ctx context.Context, d Delivery) error {
	c := s.Config
	if c.AccountSID == "" || c.AuthToken == "" {
		return fmt.Errorf("no Twilio account configured: quietdesk settings set %s AC… and %s …", twilio.SettingAccountSID, twilio.SettingAuthToken)
	}
	if s.DB != nil {
		o, ok, err := twilio.OptedOut(ctx, s.DB, d.Target)
		if err != nil {
			return err
		}
		if ok {
			return Permanent(fmt.Errorf("%s opted out of messages on %s (%s): Twilio would refuse it; it can be sent again once they text START", d.Target, o.At.Format("2006-01-02"), o.Reason))
		}
	}
	m := twilio.Message{To: d.Target, Body: d.Text, StatusCallback: c.WebhookURL()}
	switch {
	case c.MessagingServiceSID != "":
		m.MessagingServiceSID = c.MessagingServiceSID
	case strings.HasPrefix(d.Target, twilio.WhatsAppPrefix):
		if c.WhatsAppFrom == "" {
			return fmt.Errorf("no WhatsApp sender: quietdesk settings set %s whatsapp:+15551234567", twilio.SettingWhatsAppFrom)
		}
		m.From = twilio.WhatsAppPrefix + twilio.Phone(c.WhatsAppFrom)
	default:
		if c.From == "" {
			return fmt.Errorf("no SMS sender: quietdesk settings set %s +15551234567 (or %s MG…)", twilio.SettingFrom, twilio.SettingMessagingServiceSID)
		}
		m.From = c.From
	}
	client := &twilio.Client{APIURL: c.APIURL, AccountSID: c.AccountSID, AuthToken: c.AuthToken, HTTP: s.HTTP}
	res, err := client.SendMessage(ctx, m)
	var ae *twilio.APIError
	switch {
	case errors.As(err, &ae) && ae.Code == twilio.ErrorUnsubscribed:
		if s.DB != nil {
			if rerr := twilio.RecordOptOut(ctx, s.DB, d.Target, "Twilio error 21610: the recipient unsubscribed", s.now()); rerr != nil {
				return fmt.Errorf("%v; and recording the opt-out failed: %w", err, rerr)
			}
		}
		return Permanent(err)
	case errors.As(err, &ae) && !ae.Temporary():
		return Permanent(err)
	case err != nil:
		return err
	}
	if s.DB != nil {
		if _, err := s.DB.Exec(ctx, `UPDATE deliveries SET provider_id = ? WHERE id = ?`, res.SID, d.ID); err != nil {
			// The message went out; only its status callbacks will not
			// find it. Retrying would send it twice.
			return nil
		}
	}
	return nil
}

func (s *TwilioSender) now() (t time.Time) {
	if s.Now == nil {
		return t
	}
	return s.Now()
}
