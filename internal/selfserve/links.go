package selfserve

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ViewPath is the help-centre page a signed link opens.
const ViewPath = "/help/orders/view"

// Token purposes: an order link names one order and the address that
// proves it; a customer token (the cookie a one-time code sets) names only
// the address, and opens all of its orders.
const (
	purposeOrder    = "order"
	purposeCustomer = "customer"
)

// Claims is what a valid token says.
type Claims struct {
	Order   string // the order's name, as the link was made for; "" for a customer token
	Address Address
	Expires time.Time
}

// SignLink returns the path of a signed link to one order's page for
// whoever holds it: /help/orders/view?t=TOKEN. The token carries the order
// name, the email (or phone) on the order and the expiry, signed with
// HMAC-SHA256 under the store's secret (Secret). Proactive notices link to
// it; the page still checks that the address belongs to the order.
func SignLink(secret []byte, orderName, email string, expiry time.Time) string {
	return ViewPath + "?t=" + url.QueryEscape(SignOrder(secret, orderName, parseAddress(email), expiry))
}

// SignOrder returns an order token.
func SignOrder(secret []byte, orderName string, a Address, expiry time.Time) string {
	return sign(secret, purposeOrder, strings.TrimSpace(orderName), a.Value, expiry)
}

// SignCustomer returns a customer token: what a valid one-time code earns.
func SignCustomer(secret []byte, a Address, expiry time.Time) string {
	return sign(secret, purposeCustomer, "", a.Value, expiry)
}

func sign(secret []byte, purpose, order, address string, expiry time.Time) string {
	payload := strings.Join([]string{"1", purpose, order, address, strconv.FormatInt(expiry.Unix(), 10)}, "\n")
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(mac(secret, payload))
}

func mac(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("selfserve-token\n"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// VerifyOrder checks an order token at now: its signature, its expiry.
// Any fault is the one not-found answer.
func VerifyOrder(secret []byte, token string, now time.Time) (Claims, error) {
	return verify(secret, purposeOrder, token, now)
}

// VerifyCustomer checks a customer token.
func VerifyCustomer(secret []byte, token string, now time.Time) (Claims, error) {
	return verify(secret, purposeCustomer, token, now)
}

func verify(secret []byte, purpose, token string, now time.Time) (Claims, error) {
	if len(secret) == 0 || len(token) > 2048 {
		return Claims{}, errNotFound()
	}
	enc := base64.RawURLEncoding
	p64, s64, ok := strings.Cut(token, ".")
	if !ok {
		return Claims{}, errNotFound()
	}
	payload, err1 := enc.DecodeString(p64)
	sig, err2 := enc.DecodeString(s64)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, mac(secret, string(payload))) {
		return Claims{}, errNotFound()
	}
	parts := strings.Split(string(payload), "\n")
	if len(parts) != 5 || parts[0] != "1" || parts[1] != purpose {
		return Claims{}, errNotFound()
	}
	exp, err := strconv.ParseInt(parts[4], 10, 64)
	if err != nil || !now.Before(time.Unix(exp, 0)) {
		return Claims{}, errNotFound()
	}
	a := parseAddress(parts[3])
	if a.IsEmpty() || (purpose == purposeOrder && parts[2] == "") {
		return Claims{}, errNotFound()
	}
	return Claims{Order: parts[2], Address: a, Expires: time.Unix(exp, 0).UTC()}, nil
}
