// Package social takes messages from Instagram, Facebook Messenger, TikTok
// or any other messaging service through one signed JSON format that a
// bridge posts to POST /webhooks/social (docs/webhooks.md#inbound). Each
// becomes a customer's message on the desk, through desk.RecordMessage and
// its contact rules, on channel social with Via naming the platform.
package social

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/hooks"
	"quietdesk/internal/store"
)

// Settings (quietdesk settings set KEY VALUE).
const (
	// SettingSecret signs bridges' requests; without it the webhook is off.
	SettingSecret = "social.webhook_secret"
	// SettingAccounts, when set, lists the accounts messages may be for,
	// as platform:account, comma-separated; others are refused.
	SettingAccounts = "social.accounts"
)

// MaxBody bounds a request: one message with its links.
const MaxBody = 256 << 10

// Limits of the format.
const (
	maxText        = 64 << 10
	maxAttachments = 20
	maxField       = 500
)

// Event is one message as a bridge posts it.
type Event struct {
	ID          string       `json:"id"`
	Platform    string       `json:"platform"`
	Account     string       `json:"account"`
	Sender      Sender       `json:"sender"`
	Text        string       `json:"text"`
	SentAt      string       `json:"sent_at"`
	Attachments []Attachment `json:"attachments"`
	ReplyTo     string       `json:"reply_to"`
}

// Sender is who wrote, as the platform knows them.
type Sender struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
	Name   string `json:"name"`
}

// Attachment is a link to a file the platform keeps.
type Attachment struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
}

// Result is what recording the message did: the answer's body.
type Result struct {
	ConversationID int64  `json:"conversation_id"`
	MessageID      int64  `json:"message_id"`
	ContactID      *int64 `json:"contact_id"` // null when the message started or continued no contact
	NewContact     bool   `json:"new_contact"`
	Duplicate      bool   `json:"duplicate"` // the event id was recorded before; nothing changed
	Platform       string `json:"-"`
	EventID        string `json:"-"`
}

// Request is a request as it arrived: its signature headers and raw body.
type Request struct {
	Timestamp string
	Signature string
	Body      []byte
}

// Receive verifies a bridge's request and records its message, in one
// transaction; any refusal stores nothing. Errors are *domain.Error:
// unauthorized for a missing or wrong signature, invalid for a stale
// timestamp or a bad body (naming the field), forbidden when the webhook is
// off or the account is not one of social.accounts.
func Receive(ctx context.Context, db *store.DB, now time.Time, req Request) (Result, error) {
	secret, err := db.Setting(ctx, SettingSecret)
	if err != nil {
		return Result{}, err
	}
	if strings.TrimSpace(secret) == "" {
		return Result{}, domain.Errorf(domain.EForbidden, "the social webhook is off: set its secret with quietdesk settings set %s - (and give the bridge the same one)", SettingSecret)
	}
	if err := hooks.Verify(secret, req.Timestamp, req.Signature, req.Body, now); err != nil {
		var ve *hooks.VerifyError
		if errors.As(err, &ve) && errors.Is(err, hooks.ErrStale) {
			return Result{}, &domain.Error{Code: domain.EInvalid, Message: "the request is stale", Fields: []domain.FieldError{{Field: ve.Header, Reason: ve.Reason}}}
		}
		return Result{}, domain.Errorf(domain.EUnauthorized, "the request is not signed with %s: %v", SettingSecret, err)
	}
	ev, at, err := Parse(req.Body, now)
	if err != nil {
		return Result{}, err
	}
	if err := checkAccount(ctx, db, ev); err != nil {
		return Result{}, err
	}
	res := Result{Platform: ev.Platform, EventID: ev.ID}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		m := desk.Message{
			ExternalID: ExternalID(ev.Platform, ev.ID),
			Customer:   commerce.CustomerRef{System: ev.Platform, ExternalID: ev.Sender.ID, Name: customerName(ev.Sender)},
			Channel:    "social", Via: ev.Platform, Author: "customer",
			Body: ev.Text, At: at, Received: now, FromAddr: firstOf(ev.Sender.Handle, ev.Sender.ID),
		}
		if ev.ReplyTo != "" {
			// An answer to an earlier message goes on its conversation.
			if err := tx.QueryRow(ctx, `SELECT conversation_id FROM messages WHERE external_id = ?`, ExternalID(ev.Platform, ev.ReplyTo)).Scan(&m.ConversationID); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		rec, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), m)
		if err != nil {
			return err
		}
		res.ConversationID, res.MessageID, res.NewContact, res.Duplicate = rec.ConversationID, rec.MessageID, rec.NewContact, rec.Duplicate
		if rec.ContactID != 0 {
			id := rec.ContactID
			res.ContactID = &id
		}
		if rec.Duplicate {
			return nil
		}
		for i, a := range ev.Attachments {
			if _, err := tx.Exec(ctx, `INSERT INTO attachments (message_id, name, content_type, size, url) VALUES (?, ?, ?, 0, ?)`,
				rec.MessageID, attachmentName(i, a), firstOf(a.ContentType, "application/octet-stream"), a.URL); err != nil {
				return err
			}
		}
		if ev.Sender.Name != "" {
			// A name names a customer the desk knew only by handle.
			_, err = tx.Exec(ctx, `UPDATE customers SET name = ? WHERE id = (SELECT customer_id FROM messages WHERE id = ?) AND name = ''`, ev.Sender.Name, rec.MessageID)
		}
		return err
	})
	return res, err
}

// ExternalID is the desk's id of a platform's message: social:<platform>:<id>.
func ExternalID(platform, id string) string { return "social:" + platform + ":" + id }

var platformName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// reserved are identity kinds the desk gives their own meaning: a platform
// called so would mix its ids with emails, phones or the brand's own ids.
var reserved = map[string]bool{"email": true, "phone": true, "customer": true}

// Parse reads and checks a request body, naming each wrong field. It
// returns the event and when the message was sent.
func Parse(body []byte, now time.Time) (Event, time.Time, error) {
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ev); err != nil {
		return ev, time.Time{}, &domain.Error{Code: domain.EInvalid, Message: "the body is not the social message format", Fields: []domain.FieldError{{Field: "body", Reason: jsonReason(err)}}}
	}
	if dec.More() {
		return ev, time.Time{}, &domain.Error{Code: domain.EInvalid, Message: "the body is not the social message format", Fields: []domain.FieldError{{Field: "body", Reason: "holds more than one JSON value: send one message per request"}}}
	}
	var p domain.Problems
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	for _, s := range []*string{&ev.ID, &ev.Platform, &ev.Account, &ev.Sender.ID, &ev.Sender.Handle, &ev.Sender.Name, &ev.SentAt, &ev.ReplyTo} {
		trim(s)
	}
	field := func(name, v string, required bool) {
		switch {
		case v == "" && required:
			p.Add(name, "is required")
		case len(v) > maxField:
			p.Add(name, "is longer than %d bytes", maxField)
		case !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n"):
			p.Add(name, "must be one line of UTF-8 text")
		}
	}
	field("id", ev.ID, true)
	field("platform", ev.Platform, true)
	if ev.Platform != "" {
		if !platformName.MatchString(ev.Platform) {
			p.Add("platform", "%q is not a platform name: lowercase letters, digits, - and _, starting with a letter (instagram, messenger, tiktok)", ev.Platform)
		} else if reserved[ev.Platform] {
			p.Add("platform", "%q is reserved: name the messaging service (instagram, messenger, tiktok…)", ev.Platform)
		}
	}
	field("account", ev.Account, true)
	field("sender.id", ev.Sender.ID, true)
	field("sender.handle", ev.Sender.Handle, false)
	field("sender.name", ev.Sender.Name, false)
	field("reply_to", ev.ReplyTo, false)
	if !utf8.ValidString(ev.Text) || strings.ContainsRune(ev.Text, 0) {
		p.Add("text", "must be UTF-8 text")
	}
	if len(ev.Text) > maxText {
		p.Add("text", "is longer than %d bytes", maxText)
	}
	if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
		p.Add("text", "is required unless the message has attachments")
	}
	var at time.Time
	if ev.SentAt == "" {
		p.Add("sent_at", "is required (RFC 3339, e.g. 2026-11-23T10:15:00Z)")
	} else if t, err := time.Parse(time.RFC3339, ev.SentAt); err != nil {
		p.Add("sent_at", "%q is not an RFC 3339 time such as 2026-11-23T10:15:00Z", ev.SentAt)
	} else if t.After(now.Add(hooks.ReplayWindow)) {
		p.Add("sent_at", "%s is in the future (the server's time is %s)", ev.SentAt, now.UTC().Format(time.RFC3339))
	} else {
		at = t
	}
	if len(ev.Attachments) > maxAttachments {
		p.Add("attachments", "has %d items; send at most %d", len(ev.Attachments), maxAttachments)
	}
	for i, a := range ev.Attachments {
		name := fmt.Sprintf("attachments[%d]", i)
		a.URL, a.ContentType = strings.TrimSpace(a.URL), strings.TrimSpace(a.ContentType)
		ev.Attachments[i] = a
		if u, err := url.Parse(a.URL); a.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.Add(name+".url", "is not an http:// or https:// URL")
		} else if len(a.URL) > 2000 {
			p.Add(name+".url", "is longer than 2,000 bytes")
		}
		if a.ContentType != "" {
			if _, _, err := mime.ParseMediaType(a.ContentType); err != nil || len(a.ContentType) > 200 {
				p.Add(name+".content_type", "%q is not a media type such as image/jpeg", a.ContentType)
			}
		}
	}
	if len(p) > 0 {
		return ev, time.Time{}, &domain.Error{Code: domain.EInvalid, Message: "the social message was not recorded", Fields: p}
	}
	return ev, at, nil
}

func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("field %s must be a JSON %s, not %s", te.Field, te.Type.Kind(), te.Value)
	}
	return "is not a JSON object: " + err.Error()
}

// checkAccount refuses a message for an account that social.accounts, when
// set, does not list.
func checkAccount(ctx context.Context, db *store.DB, ev Event) error {
	list, err := db.Setting(ctx, SettingAccounts)
	if err != nil || strings.TrimSpace(list) == "" {
		return err
	}
	accounts, err := ParseAccounts(list)
	if err != nil {
		return domain.Errorf(domain.EForbidden, "the setting %s does not parse (%v): fix it with quietdesk settings set %s", SettingAccounts, err, SettingAccounts)
	}
	if accounts[accountKey(ev.Platform, ev.Account)] {
		return nil
	}
	return domain.Errorf(domain.EForbidden, "account %q on %s is not one of the setting %s: add %s:%s to it if it is the brand's", ev.Account, ev.Platform, SettingAccounts, ev.Platform, ev.Account)
}

// ParseAccounts reads social.accounts: platform:account, comma-separated.
// Accounts compare without case and without a leading @.
func ParseAccounts(v string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		platform, account, ok := strings.Cut(item, ":")
		platform, account = strings.TrimSpace(platform), strings.TrimSpace(account)
		if !ok || !platformName.MatchString(platform) || account == "" {
			return nil, fmt.Errorf("%q is not platform:account, e.g. instagram:@brand", item)
		}
		out[accountKey(platform, account)] = true
	}
	return out, nil
}

func accountKey(platform, account string) string {
	return platform + ":" + strings.ToLower(strings.TrimPrefix(strings.TrimSpace(account), "@"))
}

func customerName(s Sender) string { return firstOf(s.Name, s.Handle) }

// attachmentName names a linked file by its URL's last part: photo.jpg, or
// attachment-1.jpg when the URL has none.
func attachmentName(i int, a Attachment) string {
	if u, err := url.Parse(a.URL); err == nil {
		if base := path.Base(u.Path); base != "." && base != "/" && base != "" && len(base) <= 100 {
			return base
		}
	}
	ext := ""
	if exts, _ := mime.ExtensionsByType(a.ContentType); len(exts) > 0 {
		ext = exts[0]
	}
	return fmt.Sprintf("attachment-%d%s", i+1, ext)
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
