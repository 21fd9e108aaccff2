package notify

import (
	"bytes"
	"io"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// compose writes d as an RFC 5322 message: multipart/alternative with the
// plain text first and the HTML second (clients show the last part they
// can render), or plain text alone when d has no HTML. go-message encodes
// the parts quoted-printable and non-ASCII headers as encoded words.
func compose(from, to *mail.Address, d Delivery, now time.Time) ([]byte, error) {
	var h gomail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*gomail.Address{from})
	h.SetAddressList("To", []*gomail.Address{to})
	h.SetSubject(d.Subject)
	if d.MessageID != "" {
		h.SetMessageID(d.MessageID)
	} else {
		h.SetMessageID(messageID(d, from))
	}
	if d.ReplyTo != "" {
		if rt, err := mail.ParseAddress(d.ReplyTo); err == nil {
			h.SetAddressList("Reply-To", []*gomail.Address{(*gomail.Address)(rt)})
		}
	}
	if d.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{d.InReplyTo})
	}
	if refs := strings.Fields(d.References); len(refs) > 0 {
		h.SetMsgIDList("References", refs)
	}
	if !d.Personal {
		// RFC 3834: out-of-office responders must not answer it, so a
		// review sent to a team list does not start a mail loop.
		h.Set("Auto-Submitted", "auto-generated")
	}

	var buf bytes.Buffer
	if d.HTML == "" {
		h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		w, err := gomail.CreateSingleInlineWriter(&buf, h)
		if err != nil {
			return nil, err
		}
		if err := write(w, d.Text); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	mw, err := gomail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	for _, part := range []struct{ mime, body string }{{"text/plain", d.Text}, {"text/html", d.HTML}} {
		var ph gomail.InlineHeader
		ph.SetContentType(part.mime, map[string]string{"charset": "utf-8"})
		w, err := mw.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		if err := write(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// write writes a part's body and closes it, which flushes its encoding.
func write(w io.WriteCloser, body string) error {
	if _, err := io.WriteString(w, body); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
