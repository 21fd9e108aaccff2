package web

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
)

// mailRoutes lists the email channel's routes: inbound mail over HTTP, and
// the raw messages and attachments agents open.
func (s *Server) mailRoutes() []route {
	return []route{
		{"POST /api/v1/inbound/email", s.need(auth.ScopeIngest, s.handle(s.postInboundEmail)), false},
		{"GET /api/v1/messages/{id}/raw", s.deskAccess(s.handle(s.getRawMessage)), false},
		{"GET /api/v1/attachments/{id}", s.deskAccess(s.handle(s.getAttachment)), false},
	}
}

// inboundEmailPath is the route whose body is one whole mail, larger than
// an ingest batch may be (limitBody).
const inboundEmailPath = "/api/v1/inbound/email"

// inboundResponse is the public answer of POST /api/v1/inbound/email
// (docs/email.md#receiving).
type inboundResponse struct {
	ConversationID *int64 `json:"conversation_id"`
	MessageID      *int64 `json:"message_id"`
	ContactID      *int64 `json:"contact_id"`
	NewContact     bool   `json:"new_contact"`
	Kind           string `json:"kind"`
	Duplicate      bool   `json:"duplicate"`
}

// postInboundEmail answers POST /api/v1/inbound/email: one raw RFC 5322
// message, for relays that forward inbound mail over HTTP. It takes the
// same path as mail the SMTP server receives.
func (s *Server) postInboundEmail(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "message/rfc822" {
		return domain.Errorf(domain.EInvalid, "send the raw mail as the body with Content-Type: message/rfc822 (got %q)", r.Header.Get("Content-Type"))
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return domain.Errorf(domain.EInvalid, "the body is empty: send one raw RFC 5322 message")
	}
	in, err := desk.ReceiveMail(r.Context(), s.db, s.Now(), raw, nil)
	if err != nil {
		return err
	}
	resp := inboundResponse{NewContact: in.NewContact, Kind: in.Kind, Duplicate: in.Duplicate}
	resp.ConversationID, resp.MessageID, resp.ContactID = optionalID(in.ConversationID), optionalID(in.MessageID), optionalID(in.ContactID)
	return writeJSON(w, http.StatusOK, resp)
}

func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// getRawMessage answers the raw mail a message was read from, as text: a
// browser shows it, and never renders or runs anything in it.
func (s *Server) getRawMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENotFound, "there is no message %q", r.PathValue("id"))
	}
	var content []byte
	var problems string
	err = s.db.QueryRow(r.Context(), `SELECT rm.content, rm.problems FROM messages m JOIN raw_messages rm ON rm.id = m.raw_id WHERE m.id = ?`, id).Scan(&content, &problems)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENotFound, "message %d has no raw mail (it did not arrive by email)", id)
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`inline; filename="message-%d.eml"`, id))
	if problems != "" {
		h.Set("X-Quietdesk-Problems", strings.ReplaceAll(problems, "\n", "; "))
	}
	_, err = w.Write(content)
	return err
}

// getAttachment answers one attachment as a download. It is never shown
// inline: a customer's file could be HTML or SVG with a script in it.
func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENotFound, "there is no attachment %q", r.PathValue("id"))
	}
	var name, ctype string
	var content []byte
	err = s.db.QueryRow(r.Context(), `SELECT name, content_type, content FROM attachments WHERE id = ?`, id).Scan(&name, &ctype, &content)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENotFound, "there is no attachment %d", id)
	}
	if err != nil {
		return err
	}
	if content == nil {
		return domain.Errorf(domain.ENotFound, "attachment %d was over the size limit when it arrived, so only its name and size were kept; the raw mail has it", id)
	}
	if name == "" {
		name = fmt.Sprintf("attachment-%d", id)
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	_, err = w.Write(content)
	return err
}
