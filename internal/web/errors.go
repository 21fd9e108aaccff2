package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Codes of errors that only exist over HTTP, beside the domain's.
const (
	eTooLarge    = "too_large"
	eUnavailable = "unavailable"
	eRateLimited = "rate_limited"
	eClientGone  = "client_gone"
)

// statusClientGone is logged for a request whose client left before the
// answer (nginx's 499): not a server error, and nobody reads the body.
const statusClientGone = 499

// busyRetryAfter is the Retry-After, in seconds, of an answer refused
// because the database is busy.
const busyRetryAfter = "5"

// statuses maps error codes to HTTP statuses; it is the only such mapping.
var statuses = map[string]int{
	domain.EInvalid:      http.StatusBadRequest,
	domain.ENotFound:     http.StatusNotFound,
	domain.EConflict:     http.StatusConflict,
	domain.EUnauthorized: http.StatusUnauthorized,
	domain.EForbidden:    http.StatusForbidden,
	domain.EInternal:     http.StatusInternalServerError,
	eTooLarge:            http.StatusRequestEntityTooLarge,
	eUnavailable:         http.StatusServiceUnavailable,
	eRateLimited:         http.StatusTooManyRequests,
	eClientGone:          statusClientGone,
}

// statusOf is the HTTP status of an error code.
func statusOf(code string) int {
	if status, ok := statuses[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Fields  []domain.FieldError `json:"fields,omitempty"`
}

// writeError is the one place an error becomes an HTTP response. The API
// answers
//
//	{"error": {"code": "invalid", "message": "...", "fields": [{"item": 3, "field": "placed_at", "reason": "..."}]}}
//
// and a page answers with the same status and message as an HTML page.
// Errors without a code are internal: they are logged, and the client gets
// no detail, since it could not act on it and it may reveal the database.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	detail := errorDetail{Code: domain.EInternal, Message: "internal error: the server logged the cause"}
	var de *domain.Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		detail = errorDetail{Code: eTooLarge, Message: "the request body is larger than the server accepts: send fewer items per request"}
	case errors.As(err, &de) && de.Code != domain.EInternal:
		detail = errorDetail{Code: de.Code, Message: de.Message, Fields: de.Fields}
	case r.Context().Err() != nil:
		// The client left (or the server is stopping): the work was cut
		// short on purpose.
		w.WriteHeader(statusClientGone)
		return
	case store.IsBusy(err):
		w.Header().Set("Retry-After", busyRetryAfter)
		detail = errorDetail{Code: eUnavailable, Message: "the database is busy with other writes: try again in a few seconds"}
		s.log.Warn("database busy", "method", r.Method, "path", r.URL.Path, "err", err)
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status := statusOf(detail.Code)
	if isPage(r) {
		s.errorPage(w, r, status, detail)
		return
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="quietdesk"`)
	}
	writeJSON(w, status, errorBody{detail})
}

// writeJSON writes v as the response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
