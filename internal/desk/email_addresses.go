package desk

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/mail"
	"strings"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
)

// SettingSupportAddresses is the store setting naming the addresses
// customers write to, comma-separated; the first is the sender of agents'
// replies (docs/email.md#addresses).
const SettingSupportAddresses = "support.addresses"

// MaxMailBytes bounds one inbound mail, over SMTP and over HTTP alike: room
// for a 30 MB attachment in base64 (which grows it by a third), so that a
// customer's large file is kept raw and named rather than refused.
const MaxMailBytes = 64 << 20

// SupportAddresses are the brand's support addresses, normalised.
type SupportAddresses []string

// settingReader reads a store setting (a *store.DB or *store.Tx).
type settingReader interface {
	Setting(ctx context.Context, key string) (string, error)
}

// LoadSupportAddresses reads the setting.
func LoadSupportAddresses(ctx context.Context, q settingReader) (SupportAddresses, error) {
	v, err := q.Setting(ctx, SettingSupportAddresses)
	if err != nil {
		return nil, err
	}
	return ParseSupportAddresses(v)
}

// ParseSupportAddresses checks a value of the setting.
func ParseSupportAddresses(v string) (SupportAddresses, error) {
	var out SupportAddresses
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := mail.ParseAddress(part)
		if err != nil || strings.ContainsAny(a.Address, "+ ") || !strings.Contains(a.Address, "@") {
			return nil, domain.Errorf(domain.EInvalid, "%s: %q is not a plain email address (write support@brand.com, without a +tag)", SettingSupportAddresses, part)
		}
		out = append(out, commerce.NormalizeEmail(a.Address))
	}
	return out, nil
}

// From is the sender of replies: the first address.
func (s SupportAddresses) From() (string, error) {
	if len(s) == 0 {
		return "", domain.Errorf(domain.EInvalid, "no support address is set, so a reply by email has no sender: quietdesk settings set %s support@brand.com", SettingSupportAddresses)
	}
	return s[0], nil
}

// Accepts reports whether rcpt is one of the addresses, or one of their
// reply addresses (local+TOKEN@domain), and returns the token.
func (s SupportAddresses) Accepts(rcpt string) (ok bool, token string) {
	rcpt = commerce.NormalizeEmail(strings.Trim(rcpt, "<>"))
	local, dom, found := strings.Cut(rcpt, "@")
	if !found {
		return false, ""
	}
	base, tag, _ := strings.Cut(local, "+")
	for _, a := range s {
		if a == base+"@"+dom {
			return true, tag
		}
	}
	return false, ""
}

// Owns reports whether addr is one of ours: mail from it is our own echo.
func (s SupportAddresses) Owns(addr string) bool {
	ok, _ := s.Accepts(addr)
	return ok
}

// ReplyAddress is the address a conversation's outbound mail asks answers
// to go to: the support address tagged with the conversation's token.
func (s SupportAddresses) ReplyAddress(token string) (string, error) {
	from, err := s.From()
	if err != nil {
		return "", err
	}
	local, dom, _ := strings.Cut(from, "@")
	return local + "+" + token + "@" + dom, nil
}

// newMessageID makes a Message-ID for outbound mail, in the domain of the
// support address.
func newMessageID(from string) string {
	_, dom, _ := strings.Cut(from, "@")
	return "qd." + randomToken() + "@" + dom
}

// randomToken is 80 random bits in lower-case base32: unguessable, and safe
// in an address's local part, which some servers lower-case.
func randomToken() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported systems
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
