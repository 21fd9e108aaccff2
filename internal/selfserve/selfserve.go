// Package selfserve answers a customer's questions about their own orders
// without a person (docs/order-help.md): where an order is (lookup by
// order number and the email or phone on it, or a signed link), all of a
// customer's orders once a one-time code proves the address, and return
// and cancel requests checked against the brand's return policy. Allowed
// requests are recorded; refused ones say why and can become a
// conversation for an agent.
//
// No order data is shown to someone who has not proven the order is
// theirs, and a failed proof never says which part was wrong.
package selfserve

import (
	"strings"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
)

// NotFoundMessage is the one answer to every lookup that does not prove
// an order: no such order, another email, no email on file, a forged or
// expired link. It names no part, so it cannot be used to learn which
// orders exist or whose they are.
const NotFoundMessage = "We could not find an order with that number and that email address or phone number. Check both and try again."

// errNotFound is the error every failed proof returns.
func errNotFound() error { return domain.Errorf(domain.ENotFound, "%s", NotFoundMessage) }

// IsNotFound reports whether err is the one failed-proof answer.
func IsNotFound(err error) bool { return domain.ErrorCode(err) == domain.ENotFound }

// OrderKey normalises an order number as customers type it: "#1001",
// " 1001 " and "#1001" are one order. It is what the trail and the
// per-order limit are keyed on.
func OrderKey(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.TrimLeft(name, "# ")
	if len(name) > 100 {
		name = name[:100]
	}
	return name
}

// Address is a proven contact of a customer: a normalised email or phone.
type Address struct {
	Kind  string // "email" or "phone"
	Value string // as commerce normalises it (lower-case email; +digits)
}

// EmailAddress and PhoneAddress normalise what a customer typed.
func EmailAddress(s string) Address {
	return Address{Kind: "email", Value: commerce.NormalizeEmail(s)}
}

// PhoneAddress keeps digits and a leading plus.
func PhoneAddress(s string) Address {
	return Address{Kind: "phone", Value: commerce.NormalizePhone(s)}
}

// IsEmpty reports whether nothing usable was given.
func (a Address) IsEmpty() bool { return a.Value == "" }

// String is the address as stored in tokens and code rows.
func (a Address) String() string { return a.Value }

// parseAddress reads an address back from a token or a row: a phone
// starts with + or a digit.
func parseAddress(s string) Address {
	if strings.Contains(s, "@") {
		return EmailAddress(s)
	}
	return PhoneAddress(s)
}

// Ref is the customer reference of a proven address, for the events and
// conversations it leads to.
func (a Address) Ref() commerce.CustomerRef {
	if a.Kind == "email" {
		return commerce.CustomerRef{Email: a.Value}
	}
	return commerce.CustomerRef{Phone: a.Value}
}
