// Package twilio speaks Twilio's side of the SMS, MMS, WhatsApp and voice
// channels: the X-Twilio-Signature check of its webhooks, the callbacks'
// parameters, the TwiML it expects back, the Messages REST resource that
// agents' replies go out through, and the opt-outs it enforces.
package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
)

// Signature is what Twilio puts in X-Twilio-Signature for a request to
// fullURL with the POST parameters params: the URL followed by each
// parameter's name and value, names sorted and a repeated name's values
// sorted, HMAC-SHA1 with the auth token, in base64.
func Signature(authToken, fullURL string, params url.Values) string {
	return sign(authToken, fullURL, params, false)
}

func sign(authToken, fullURL string, params url.Values, distinct bool) string {
	var b strings.Builder
	b.WriteString(fullURL)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := slices.Clone(params[k])
		slices.Sort(vs)
		if distinct {
			vs = slices.Compact(vs)
		}
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Valid reports whether signature is Twilio's for a form-encoded request to
// fullURL with params. Twilio's own libraries accept the URL as given, with
// its port removed and with the scheme's standard port (:443, :80) added,
// because Twilio's side has signed it both ways; so does Valid. Twilio's
// Node library also drops a repeated name's duplicate values; that variant
// is tried too, so a request any of them accepts is accepted here.
func Valid(authToken, fullURL string, params url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	ok := false
	for _, u := range urlVariants(fullURL) {
		// Every candidate is computed and compared, in constant time, so
		// the time taken says nothing about which part was wrong.
		ok = equal(sign(authToken, u, params, false), signature) || ok
		ok = equal(sign(authToken, u, params, true), signature) || ok
	}
	return ok
}

// ValidJSON reports whether signature is Twilio's for a request with a
// JSON body: Twilio signs the URL alone (it carries bodySHA256, the body's
// SHA-256 in hex), and the body must hash to bodySHA256.
func ValidJSON(authToken, fullURL string, body []byte, signature string) bool {
	u, err := url.Parse(fullURL)
	if err != nil {
		return false
	}
	want := u.Query().Get("bodySHA256")
	if want == "" {
		return false
	}
	sum := sha256.Sum256(body)
	bodyOK := equal(hex.EncodeToString(sum[:]), strings.ToLower(want))
	return Valid(authToken, fullURL, nil, signature) && bodyOK
}

// BodySHA256 is the bodySHA256 query parameter Twilio adds for a JSON body.
func BodySHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// urlVariants is fullURL without its port and with the standard port of
// its scheme (or as given when it names another port).
func urlVariants(fullURL string) []string {
	u, err := url.Parse(fullURL)
	if err != nil || u.Host == "" {
		return []string{fullURL}
	}
	without := *u
	without.Host = u.Hostname()
	if strings.Contains(without.Host, ":") { // IPv6 literal
		without.Host = "[" + without.Host + "]"
	}
	with := *u
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		with.Host = without.Host + ":" + port
	}
	out := []string{without.String(), with.String()}
	if out[0] == out[1] {
		return out[:1]
	}
	return out
}
