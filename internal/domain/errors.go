// Package domain holds the few types every Quietdesk capability shares: errors
// with codes a user can act on, field-level validation errors, money and the
// time formats the product accepts.
package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. The web layer maps them to HTTP statuses in exactly one place.
const (
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	EInternal     = "internal"
)

// Error is an error a user can act on: a code and a message that says what to
// do next, and for bad input the fields that were wrong.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", len(e.Fields)-10)
			break
		}
		b.WriteString("; ")
		b.WriteString(f.Error())
	}
	return b.String()
}

// Errorf builds an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EInternal for errors that carry none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// FieldError says which field of which item was wrong and why. Item is the
// position in a batch (0-based) or the line of a file; Field is the column or
// JSON field name.
type FieldError struct {
	Item   int    `json:"item"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (f FieldError) Error() string {
	if f.Field == "" {
		return f.Reason
	}
	return f.Field + ": " + f.Reason
}

// Problems collects field errors for one record while it is validated.
type Problems []FieldError

// Add records a problem with a field.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Require records a problem when a required text field is empty.
func (p *Problems) Require(field, value string) {
	if strings.TrimSpace(value) == "" {
		p.Add(field, "is required")
	}
}

// OneOf records a problem when value is not one of allowed.
func (p *Problems) OneOf(field, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	p.Add(field, "%q is not one of %s", value, strings.Join(allowed, ", "))
}
