package chat_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/chat"
	"quietdesk/internal/domain"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const secret = "0123456789abcdef0123456789abcdef-brand"

func TestTokenRoundTrip(t *testing.T) {
	id := chat.Identity{Email: "ann@example.com", Name: "Ann Lee", ExternalID: "C-17", Exp: now.Add(time.Hour).Unix()}
	tok, err := chat.Sign(secret, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := chat.Verify(secret, tok, now)
	if err != nil || got != id {
		t.Fatalf("Verify = %+v, %v; want %+v", got, err, id)
	}
}

// TestTokenMadeByHand checks the documented recipe: base64url of the JSON,
// a dot, base64url of its HMAC-SHA256, as a brand's server makes it.
func TestTokenMadeByHand(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"email":"bob@example.com","name":"Bob","exp":1900000000}`))
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(payload))
	tok := payload + "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	got, err := chat.Verify(secret, tok, now)
	if err != nil || got.Email != "bob@example.com" || got.Name != "Bob" || got.Exp != 1900000000 {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
}

func TestTokenRefused(t *testing.T) {
	good, err := chat.Sign(secret, chat.Identity{Email: "ann@example.com", Exp: now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	body, sig, _ := strings.Cut(good, ".")
	other := base64.RawURLEncoding.EncodeToString([]byte(`{"email":"mallory@example.com","exp":1900000000}`))
	expired, _ := chat.Sign(secret, chat.Identity{Email: "ann@example.com", Exp: now.Unix()})
	noExp := base64.RawURLEncoding.EncodeToString([]byte(`{"email":"ann@example.com"}`))
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(noExp))
	noExp += "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	flipped := []byte(sig)
	flipped[3] ^= 1
	for name, c := range map[string]struct {
		secret, token, want string
	}{
		"expired":             {secret, expired, "expired at 2026-11-23T10:00:00Z"},
		"wrong secret":        {"another-secret-another-secret-123", good, "signature does not match"},
		"forged payload":      {secret, other + "." + sig, "signature does not match"},
		"one byte of the sig": {secret, body + "." + string(flipped), "signature does not match"},
		"no signature":        {secret, body, "PAYLOAD.SIGNATURE"},
		"no secret set":       {"", good, "no chat.secret setting"},
		"without an expiry":   {secret, noExp, "tokens must expire"},
		"garbage":             {secret, "not a token", "PAYLOAD.SIGNATURE"},
		"too long":            {secret, strings.Repeat("a", 5000) + ".b", "longer than"},
		"payload not base64":  {secret, "%%%." + sig, "signature does not match"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := chat.Verify(c.secret, c.token, now)
			if err == nil || domain.ErrorCode(err) != domain.EUnauthorized || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Verify = %+v, %v; want unauthorized %q", got, err, c.want)
			}
			if got != (chat.Identity{}) {
				t.Fatalf("a refused token still gave %+v", got)
			}
		})
	}
}

func TestSignNeedsSomeoneAndExpiry(t *testing.T) {
	for _, id := range []chat.Identity{{Exp: now.Unix()}, {Email: "ann@example.com"}, {Email: "nope", Exp: now.Unix()}} {
		if _, err := chat.Sign(secret, id); err == nil {
			t.Errorf("Sign(%+v) gave a token", id)
		}
	}
	if _, err := chat.Sign("", chat.Identity{Email: "a@b.c", Exp: 1}); err == nil {
		t.Error("Sign without a secret gave a token")
	}
}

// TestShellRecipe makes a token with the shell commands docs/chat.md
// gives (skipped where openssl or basenc is missing).
func TestShellRecipe(t *testing.T) {
	for _, tool := range []string{"sh", "openssl", "basenc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s here to run the documented recipe", tool)
		}
	}
	script := `secret='` + secret + `'
payload=$(printf '{"email":"ann@example.com","name":"Ann Lee","exp":%d}' 1900000000 | basenc --base64url | tr -d '=\n')
sig=$(printf '%s' "$payload" | openssl dgst -sha256 -hmac "$secret" -binary | basenc --base64url | tr -d '=\n')
echo "$payload.$sig"`
	out, err := exec.Command("sh", "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := chat.Verify(secret, strings.TrimSpace(string(out)), now)
	if err != nil || got.Email != "ann@example.com" || got.Name != "Ann Lee" {
		t.Fatalf("the shell's token %q: %+v, %v", out, got, err)
	}
}
