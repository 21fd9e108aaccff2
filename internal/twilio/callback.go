package twilio

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"quietdesk/internal/domain"
)

// Kinds of callback. One webhook URL takes them all; the parameters say
// which one Twilio sent.
const (
	KindMessage       = "message"        // an inbound SMS, MMS or WhatsApp message
	KindMessageStatus = "message_status" // the delivery status of a message we sent
	KindCall          = "call"           // a call coming in (or an update while it lasts)
	KindCallStatus    = "call_status"    // a call that ended: completed, busy, no-answer…
	KindRecording     = "recording"      // a voicemail's recording
)

// WhatsAppPrefix marks WhatsApp addresses (whatsapp:+15551234567).
const WhatsAppPrefix = "whatsapp:"

// Callback is one Twilio webhook request, read from its parameters.
type Callback struct {
	Kind       string
	AccountSID string

	// Messages.
	MessageSID    string
	From, To      string // as Twilio wrote them: +15551234567 or whatsapp:+15551234567
	Body          string // the text; a WhatsApp button's text when that is what was pressed
	ButtonPayload string
	ProfileName   string // the WhatsApp profile's name
	OptOutType    string // STOP, START or HELP when Twilio's Advanced Opt-Out saw a keyword
	Media         []Media
	MessageStatus string // queued, sending, sent, delivered, undelivered, failed, read
	ErrorCode     string

	// Calls.
	CallSID           string
	CallStatus        string // queued, ringing, in-progress, completed, busy, no-answer, failed, canceled
	Direction         string // inbound, outbound-api, outbound-dial
	CallDuration      int64  // seconds, on the final status callback
	RecordingURL      string
	RecordingDuration int64
}

// Media is one file of an MMS or WhatsApp message, kept at Twilio.
type Media struct {
	URL         string
	ContentType string
}

// WhatsApp reports whether the message came from (or goes to) WhatsApp.
func (c Callback) WhatsApp() bool {
	return strings.HasPrefix(c.From, WhatsAppPrefix) || strings.HasPrefix(c.To, WhatsAppPrefix)
}

// Phone is the customer's number without the whatsapp: prefix.
func Phone(address string) string { return strings.TrimPrefix(address, WhatsAppPrefix) }

// finalCallStatuses end a call.
var finalCallStatuses = map[string]bool{"completed": true, "busy": true, "no-answer": true, "failed": true, "canceled": true}

// Final reports whether a call status ends the call.
func Final(callStatus string) bool { return finalCallStatuses[callStatus] }

var messageStatuses = map[string]bool{"accepted": true, "scheduled": true, "queued": true, "sending": true, "sent": true, "delivered": true, "undelivered": true,
	"failed": true, "read": true, "receiving": true, "received": true, "canceled": true, "partially_delivered": true}

// MaxMedia is the most files Twilio attaches to one message.
const MaxMedia = 10

// Parse reads a callback from its parameters. A request that is none of
// Twilio's callbacks, or that is missing what its kind needs, is an
// invalid error naming the parameter.
func Parse(p url.Values) (Callback, error) {
	c := Callback{
		AccountSID: p.Get("AccountSid"), MessageSID: p.Get("MessageSid"), From: strings.TrimSpace(p.Get("From")), To: strings.TrimSpace(p.Get("To")),
		Body: p.Get("Body"), ButtonPayload: p.Get("ButtonPayload"), ProfileName: strings.TrimSpace(p.Get("ProfileName")),
		OptOutType: strings.ToUpper(p.Get("OptOutType")), MessageStatus: p.Get("MessageStatus"), ErrorCode: p.Get("ErrorCode"),
		CallSID: p.Get("CallSid"), CallStatus: p.Get("CallStatus"), Direction: p.Get("Direction"), RecordingURL: p.Get("RecordingUrl"),
	}
	if c.MessageSID == "" {
		c.MessageSID = p.Get("SmsSid") // older callbacks
	}
	if c.MessageStatus == "" && c.MessageSID != "" && p.Get("SmsStatus") != "" && p.Get("SmsStatus") != "received" {
		c.MessageStatus = p.Get("SmsStatus")
	}
	var prob domain.Problems
	num := func(name string) int64 {
		v := p.Get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			prob.Add(name, "%q is not a number of seconds", v)
		}
		return n
	}
	switch {
	case c.CallSID != "" && c.RecordingURL != "":
		c.Kind = KindRecording
		c.RecordingDuration = num("RecordingDuration")
		if err := checkMediaURL(c.RecordingURL); err != nil {
			prob.Add("RecordingUrl", "%v", err)
		}
	case c.CallSID != "":
		c.Kind = KindCall
		if Final(c.CallStatus) {
			c.Kind = KindCallStatus
			c.CallDuration = num("CallDuration")
		}
		if c.CallStatus == "" {
			prob.Add("CallStatus", "is required with CallSid")
		}
	case c.MessageSID != "" && c.MessageStatus != "" && c.MessageStatus != "received":
		c.Kind = KindMessageStatus
		if !messageStatuses[c.MessageStatus] {
			prob.Add("MessageStatus", "%q is not one of Twilio's message statuses", c.MessageStatus)
		}
	case c.MessageSID != "":
		c.Kind = KindMessage
		prob.Require("From", c.From)
		if bt := strings.TrimSpace(p.Get("ButtonText")); bt != "" {
			// A pressed WhatsApp button says its text; that is what the
			// customer "wrote".
			c.Body = bt
		}
		n := num("NumMedia")
		if n > MaxMedia {
			prob.Add("NumMedia", "is %d; Twilio attaches at most %d files", n, MaxMedia)
			n = 0
		}
		for i := range n {
			m := Media{URL: p.Get(fmt.Sprintf("MediaUrl%d", i)), ContentType: p.Get(fmt.Sprintf("MediaContentType%d", i))}
			if err := checkMediaURL(m.URL); err != nil {
				prob.Add(fmt.Sprintf("MediaUrl%d", i), "%v", err)
				continue
			}
			if m.ContentType == "" {
				m.ContentType = "application/octet-stream"
			}
			c.Media = append(c.Media, m)
		}
	default:
		return c, domain.Errorf(domain.EInvalid, "this is not a Twilio callback: it has neither MessageSid nor CallSid")
	}
	if len(prob) > 0 {
		return c, &domain.Error{Code: domain.EInvalid, Message: "the Twilio " + strings.ReplaceAll(c.Kind, "_", " ") + " callback is not complete", Fields: prob}
	}
	return c, nil
}

// checkMediaURL keeps what agents will click on to http(s) links.
func checkMediaURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}
