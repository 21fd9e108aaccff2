// Package chat is the chat widget's side of the desk (docs/chat.md):
// visitors, the identity tokens a brand's server signs, what a visitor may
// read, their messages, typing and acknowledgements, business hours, and
// the mail of replies a visitor left before seeing.
package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
)

// Identity is who a brand's server says the visitor is: the payload of an
// identity token. Exp is a Unix time; past it the token is refused.
type Identity struct {
	Email      string `json:"email,omitempty"`
	Name       string `json:"name,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	Exp        int64  `json:"exp"`
}

// Customer is the customer the identity names, as the desk resolves it.
func (id Identity) Customer() commerce.CustomerRef {
	return commerce.CustomerRef{ExternalID: id.ExternalID, Email: id.Email, Name: id.Name}
}

// maxTokenBytes bounds a token before any work is done on it.
const maxTokenBytes = 4096

// Sign makes an identity token: base64url(JSON) "." base64url(HMAC-SHA256
// of the first part, keyed with secret). Brands make the same on their
// own server (docs/chat.md#identity-tokens).
func Sign(secret string, id Identity) (string, error) {
	if err := id.check(); err != nil {
		return "", err
	}
	if secret == "" {
		return "", domain.Errorf(domain.EInvalid, "no chat secret: set one with quietdesk settings set %s -", SettingSecret)
	}
	payload, err := json.Marshal(id)
	if err != nil {
		return "", err
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + mac(secret, body), nil
}

// Verify checks a token's signature with secret and its expiry at now,
// and returns the identity it carries. Every failure is unauthorized: the
// widget then carries on as an anonymous visitor.
func Verify(secret, token string, now time.Time) (Identity, error) {
	var id Identity
	if secret == "" {
		return id, domain.Errorf(domain.EUnauthorized, "identity tokens are refused: the desk has no %s setting to check them with", SettingSecret)
	}
	if len(token) > maxTokenBytes {
		return id, domain.Errorf(domain.EUnauthorized, "the identity token is longer than %d bytes", maxTokenBytes)
	}
	body, sig, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok || body == "" || sig == "" {
		return id, domain.Errorf(domain.EUnauthorized, "the identity token is not PAYLOAD.SIGNATURE")
	}
	// Compared before the payload is read: nothing of a forged token is
	// trusted, not even its error messages.
	if !hmac.Equal([]byte(sig), []byte(mac(secret, body))) {
		return id, domain.Errorf(domain.EUnauthorized, "the identity token's signature does not match: sign it with the desk's %s", SettingSecret)
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return id, domain.Errorf(domain.EUnauthorized, "the identity token's payload is not base64url without padding")
	}
	if err := json.Unmarshal(payload, &id); err != nil {
		return Identity{}, domain.Errorf(domain.EUnauthorized, "the identity token's payload is not a JSON object with email, name, external_id and exp")
	}
	if err := id.check(); err != nil {
		return Identity{}, domain.Errorf(domain.EUnauthorized, "the identity token: %s", err.(*domain.Error).Message)
	}
	if !now.Before(time.Unix(id.Exp, 0)) {
		return Identity{}, domain.Errorf(domain.EUnauthorized, "the identity token expired at %s: have the brand's server sign a new one", time.Unix(id.Exp, 0).UTC().Format(time.RFC3339))
	}
	return id, nil
}

func (id Identity) check() error {
	switch {
	case id.Email == "" && id.ExternalID == "":
		return domain.Errorf(domain.EInvalid, "it names no one: give email or external_id")
	case id.Email != "" && !strings.Contains(id.Email, "@"):
		return domain.Errorf(domain.EInvalid, "email %q is not an address", id.Email)
	case id.Exp <= 0:
		return domain.Errorf(domain.EInvalid, "exp (a Unix time) is required: tokens must expire")
	}
	return nil
}

func mac(secret, body string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
