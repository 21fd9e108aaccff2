package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"quietdesk/internal/chat"
	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// POST /api/v1/self-service/events (docs/help-centre.md#events): what a
// visitor does in the help centre and the chat widget's suggestions,
// reported by their browser. It is public, so it trusts nothing but the
// words: the time is the server's, the types are the four a browser sees
// happen (order lookups and returns are recorded by the server that does
// them), and a conversation is tied to a session only when the chat
// visitor who sends the event may read it.

// eventBody is the request's JSON.
type eventBody struct {
	Session        string   `json:"session"`
	Channel        string   `json:"channel"`
	Type           string   `json:"type"`
	Locale         string   `json:"locale"`
	Query          string   `json:"query"`
	Shown          []string `json:"shown"`
	Slug           string   `json:"slug"`
	Helpful        *bool    `json:"helpful"`
	Comment        string   `json:"comment"`
	ConversationID int64    `json:"conversation_id"`
}

// browserEvents are the event types a browser may report.
var browserEvents = []string{kb.EventSearch, kb.EventView, kb.EventFeedback, kb.EventEscalate}

// maxEventBytes bounds an event's body: a query, twenty slugs, a comment.
const maxEventBytes = 16 << 10

func (s *Server) postSelfServiceEvent(w http.ResponseWriter, r *http.Request) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return domain.Errorf(domain.EInvalid, "send the event as JSON with Content-Type: application/json")
	}
	var in eventBody
	dec := json.NewDecoder(io.LimitReader(r.Body, maxEventBytes+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return &domain.Error{Code: domain.EInvalid, Message: "the event is not the JSON this endpoint reads",
			Fields: domain.Problems{{Field: "body", Reason: err.Error()}}}
	}
	site, err := s.helpSiteOf(r.Context())
	if err != nil {
		return err
	}
	var p domain.Problems
	p.OneOf("type", in.Type, browserEvents...)
	if in.Locale != "" && !site.offers(in.Locale) {
		p.Add("locale", "%q is not a locale of the help centre (%v)", in.Locale, site.Locales)
	}
	if in.Locale == "" {
		in.Locale = site.Locales[0]
	}
	if in.ConversationID != 0 {
		ok, err := s.visitorReads(r, in.ConversationID)
		if err != nil {
			return err
		}
		switch {
		case in.Type != kb.EventEscalate || in.Channel != kb.ChannelChat:
			p.Add("conversation_id", "is only sent with an escalate event of the chat")
		case !ok:
			p.Add("conversation_id", "is not a conversation of this chat visitor (send the %s header the widget keeps)", visitorHeader)
		}
	}
	now := s.Now()
	e := kb.Event{Session: in.Session, Channel: in.Channel, Type: in.Type, Locale: in.Locale, Query: in.Query, Shown: in.Shown,
		Slug: in.Slug, Helpful: in.Helpful, Comment: in.Comment, ConversationID: in.ConversationID, At: now}
	if err := e.Validate(); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			p = append(p, de.Fields...)
		} else {
			return err
		}
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "the self-service event cannot be recorded", Fields: p}
	}
	var session int64
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		session, err = kb.RecordEvent(r.Context(), tx, commerce.NewCustomers(clock.Fixed(now)), e)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recorded": true, "session_id": session})
}

// visitorReads reports whether the request's chat visitor (its token and,
// when given, its identity token) may read a conversation.
func (s *Server) visitorReads(r *http.Request, conversation int64) (bool, error) {
	token := r.Header.Get(visitorHeader)
	if token == "" {
		return false, nil
	}
	v, err := chat.LookupVisitor(r.Context(), s.db, token)
	if domain.ErrorCode(err) == domain.EUnauthorized {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if tok := r.Header.Get(identityHeader); tok != "" {
		id, err := chat.Verify(chatConfig(r).Secret, tok, s.Now())
		if err != nil {
			return false, nil
		}
		v.Identity = &id
	}
	return chat.CanRead(r.Context(), s.db, &v, conversation)
}
