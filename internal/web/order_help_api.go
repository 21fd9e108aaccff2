package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/selfserve"
)

// apiOrderLookup answers GET /api/v1/orders/lookup?order=NAME&email=ADDR
// (or phone=): the order as its customer sees it, or 404 with one message
// for any mismatch (docs/order-help.md#the-lookup-api).
//
// This GET writes: one row of the lookup trail, and a self-service event
// when it matches. The trail is the audit log of an attempt to prove an
// order is one's own, and what the per-order and per-address limits count;
// a lookup that left no trace could be repeated without limit. It is the
// one exception to reads never writing. The help centre's own form posts.
func (s *Server) apiOrderLookup(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	w.Header().Set("Cache-Control", "no-store")
	addr := lookupAddress(q.Get("email"), q.Get("phone"))
	o, err := selfserve.Lookup(r.Context(), s.db, selfserve.LookupInput{
		Order: q.Get("order"), Address: addr, Source: s.clientIP(r), Session: sessionOr(q.Get("session")),
	}, s.Now())
	if err != nil {
		return lookupError(w, err)
	}
	return writeJSON(w, http.StatusOK, o)
}

// lookupAddress is the email, else the phone, as typed.
func lookupAddress(email, phone string) selfserve.Address {
	if strings.TrimSpace(email) != "" || strings.TrimSpace(phone) == "" {
		return selfserve.EmailAddress(email)
	}
	return selfserve.PhoneAddress(phone)
}

// lookupError turns a limited lookup into 429 with Retry-After.
func lookupError(w http.ResponseWriter, err error) error {
	var limited *selfserve.LimitedError
	if errors.As(err, &limited) {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(limited.RetryAfter.Seconds()+0.5))))
		return domain.Errorf(eRateLimited, "%s", limited.Error())
	}
	return err
}
