package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a signed request, in both directions: webhooks Quietdesk
// posts to subscribers, and the social webhook bridges post to Quietdesk
// (docs/webhooks.md#signatures).
const (
	HeaderTimestamp = "X-Quietdesk-Timestamp" // Unix seconds when the request was signed
	HeaderSignature = "X-Quietdesk-Signature" // v1=<hex HMAC-SHA256>
	HeaderEvent     = "X-Quietdesk-Event"     // the event type (outgoing only)
)

// ReplayWindow is how far a signed request's timestamp may be from the
// receiver's clock, either way. Outside it a request is refused, so a
// request recorded on the wire cannot be played again later.
const ReplayWindow = 5 * time.Minute

// Sign returns the signature header's value for a request: "v1=" and the
// hex HMAC-SHA256, keyed with the secret, of the timestamp in decimal Unix
// seconds, a dot, and the raw body. The timestamp is inside the MAC so it
// cannot be moved to pass the replay window.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Why Verify refused a request. ErrSignature is an unauthenticated request
// (answer 401); ErrStale a well-signed one outside the replay window
// (answer 400, the sender's clock or queue is at fault).
var (
	ErrSignature = errors.New("signature")
	ErrStale     = errors.New("stale")
)

// VerifyError says what was wrong with a signed request, without secrets.
type VerifyError struct {
	Kind   error  // ErrSignature or ErrStale
	Header string // the header at fault
	Reason string
}

func (e *VerifyError) Error() string { return e.Header + ": " + e.Reason }
func (e *VerifyError) Unwrap() error { return e.Kind }

// Verify checks a signed request's headers against its raw body: the
// signature must be Sign's over the timestamp header as sent, and the
// timestamp within ReplayWindow of now. The signature header may carry
// several comma-separated values (a sender rotating its secret signs with
// both); one matching v1 value is enough. The comparison takes constant
// time.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) error {
	timestamp, signature = strings.TrimSpace(timestamp), strings.TrimSpace(signature)
	if signature == "" {
		return &VerifyError{ErrSignature, HeaderSignature, "is missing: sign the request as docs/webhooks.md says"}
	}
	if timestamp == "" {
		return &VerifyError{ErrSignature, HeaderTimestamp, "is missing: send the Unix time in seconds you signed with"}
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return &VerifyError{ErrSignature, HeaderTimestamp, fmt.Sprintf("%q is not Unix seconds", truncate(timestamp, 32))}
	}
	want := Sign(secret, ts, body)
	ok := false
	for _, v := range strings.Split(signature, ",") {
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, "v1=") && hmac.Equal([]byte(v), []byte(want)) {
			ok = true
		}
	}
	if !ok {
		return &VerifyError{ErrSignature, HeaderSignature, "does not match the body and timestamp: check the secret, and sign the raw body exactly as sent"}
	}
	if d := now.Sub(time.Unix(ts, 0)); d > ReplayWindow || d < -ReplayWindow {
		return &VerifyError{ErrStale, HeaderTimestamp, fmt.Sprintf("%d is outside the 5-minute window around the server's time %d (off by %s): sign each request when you send it, and keep your clock in sync",
			ts, now.Unix(), d.Round(time.Second).Abs())}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
