package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"quietdesk/internal/chat"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The widget's headers: the visitor token the widget keeps in the brand
// site's localStorage (a header, not a cookie: third-party cookies are
// blocked by browsers), and the identity token the brand's page gives it.
const (
	visitorHeader  = "X-Quietdesk-Visitor"
	identityHeader = "X-Quietdesk-Identity"
)

type chatConfigKey struct{}

// chatCORS lets the pages of the brand's origins (chat.origins) call the
// widget's routes, and refuses every other page. A request without an
// Origin is no page's (a script, a test) and gets no CORS headers.
func (s *Server) chatCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		cfg, err := chat.LoadConfig(r.Context(), s.db)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			w.Header().Add("Vary", "Origin")
			if !cfg.AllowsOrigin(origin) && !sameHost(r, origin) {
				s.writeError(w, r, domain.Errorf(domain.EForbidden, "the chat widget is not allowed on %s: add the site with quietdesk settings set %s %q",
					origin, chat.SettingOrigins, strings.TrimSpace(strings.Join(append(cfg.Origins, origin), " "))))
				return
			}
			w.Header().Set("Access-Control-Allow-Origin", origin)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), chatConfigKey{}, cfg)))
	})
}

// sameHost reports whether origin is this server's own (its own pages
// need no setting).
func sameHost(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

func chatConfig(r *http.Request) chat.Config {
	cfg, _ := r.Context().Value(chatConfigKey{}).(chat.Config)
	return cfg
}

// chatPreflight answers the browser's CORS preflight for the widget's
// requests (chatCORS has checked the origin).
func (s *Server) chatPreflight(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type, "+visitorHeader+", "+identityHeader)
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chatFunc is a widget route's handler, given the request's visitor.
type chatFunc func(w http.ResponseWriter, r *http.Request, v *chat.Visitor) error

// chatVisitor finds the request's visitor from its token (create: a new
// one when it has none or an unknown one) and checks its identity token;
// a forged or expired one is refused with 401, never ignored.
func (s *Server) chatVisitor(h chatFunc, create bool) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		cfg := chatConfig(r)
		var id *chat.Identity
		if tok := r.Header.Get(identityHeader); tok != "" {
			got, err := chat.Verify(cfg.Secret, tok, s.Now())
			if err != nil {
				return err
			}
			id = &got
		}
		v, err := chat.LookupVisitor(r.Context(), s.db, r.Header.Get(visitorHeader))
		if domain.ErrorCode(err) == domain.EUnauthorized && create {
			err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
				var err error
				v, err = chat.NewVisitor(r.Context(), tx, s.Now())
				return err
			})
		}
		if err != nil {
			return err
		}
		v.Identity = id
		return h(w, r, &v)
	})
}

// sessionAnswer is what the widget needs to draw itself.
type sessionAnswer struct {
	Visitor    string   `json:"visitor,omitempty"` // a new visitor's token, to keep
	Identified bool     `json:"identified"`
	Name       string   `json:"name,omitempty"`
	EmailKnown bool     `json:"email_known"`
	Open       bool     `json:"open"`
	Away       string   `json:"away_message"`
	Greeting   string   `json:"greeting"`
	MaxFile    int      `json:"max_file_bytes"`
	FileTypes  []string `json:"file_types"`
	// Conversation: whether the visitor has one to show (the widget then
	// skips the "talk to a person" step).
	Conversation bool `json:"conversation"`
}

// chatSession answers POST /chat/session: the visitor (a new one when the
// request carries no token), and the widget's texts and hours.
func (s *Server) chatSession(w http.ResponseWriter, r *http.Request, v *chat.Visitor) error {
	cfg := chatConfig(r)
	convs, err := chat.Conversations(r.Context(), s.db, v)
	if err != nil {
		return err
	}
	a := sessionAnswer{Visitor: v.Token, Identified: v.Identified(), EmailKnown: v.Email != "",
		Open: cfg.Open(s.Now()), Away: cfg.Away, Greeting: cfg.Greeting, MaxFile: chat.MaxFileBytes, FileTypes: chat.FileTypes, Conversation: len(convs) > 0}
	if v.Identified() {
		a.Name, a.EmailKnown = v.Identity.Name, a.EmailKnown || v.Identity.Email != ""
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// chatPost answers POST /chat/messages: the visitor's message, as JSON
// {"client_id", "text"} or as multipart/form-data with a file.
func (s *Server) chatPost(w http.ResponseWriter, r *http.Request, v *chat.Visitor) error {
	var p chat.Post
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, chat.MaxFileBytes+1<<20)
		mr, err := r.MultipartReader()
		if err != nil {
			return chatBad("file", "the form could not be read: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return chatBodyError(err)
			}
			data, err := io.ReadAll(io.LimitReader(part, chat.MaxFileBytes+1))
			if err != nil {
				return chatBodyError(err)
			}
			switch part.FormName() {
			case "client_id":
				p.ClientID = string(data)
			case "text":
				p.Text = string(data)
			case "file":
				p.File = &chat.File{Name: part.FileName(), Data: data}
			}
		}
	case "application/json":
		var in struct {
			ClientID string `json:"client_id"`
			Text     string `json:"text"`
		}
		if err := decodeChat(r, &in); err != nil {
			return err
		}
		p.ClientID, p.Text = in.ClientID, in.Text
	default:
		return chatBad("Content-Type", "send application/json or multipart/form-data, not %q", r.Header.Get("Content-Type"))
	}
	rec, err := chat.Send(r.Context(), s.db, v, p, s.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": rec.MessageID, "conversation_id": rec.ConversationID, "duplicate": rec.Duplicate})
	return nil
}

func chatBodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return chatBad("file", "the form could not be read: %v", err)
}

// chatTyping answers POST /chat/typing: the visitor is typing.
func (s *Server) chatTyping(w http.ResponseWriter, r *http.Request, v *chat.Visitor) error {
	if err := chat.Typing(r.Context(), s.db, v, s.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chatSeen answers POST /chat/seen {"message_id"}: the widget showed the
// messages up to it.
func (s *Server) chatSeen(w http.ResponseWriter, r *http.Request, v *chat.Visitor) error {
	var in struct {
		MessageID int64 `json:"message_id"`
	}
	if err := decodeChat(r, &in); err != nil {
		return err
	}
	if in.MessageID <= 0 {
		return chatBad("message_id", "is required: the id of the last message shown")
	}
	if err := chat.Seen(r.Context(), s.db, v, in.MessageID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chatEmail answers POST /chat/email {"email"}: where to send the replies
// the visitor leaves before seeing.
func (s *Server) chatEmail(w http.ResponseWriter, r *http.Request, v *chat.Visitor) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeChat(r, &in); err != nil {
		return err
	}
	if err := chat.GiveEmail(r.Context(), s.db, v, in.Email, s.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chatVisitorState answers GET /chat/conversations/{id}/visitor for the
// agent's conversation page: is the visitor typing, and their address.
func (s *Server) chatVisitorState(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return domain.Errorf(domain.ENotFound, "there is no conversation %q", r.PathValue("id"))
	}
	st, err := chat.StateOf(r.Context(), s.db, id, s.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, st)
	return nil
}

// decodeChat reads a small JSON body, refusing unknown fields.
func decodeChat(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return chatBad("body", "is not the JSON object expected: %v", err)
	}
	return nil
}

func chatBad(field, format string, args ...any) error {
	return &domain.Error{Code: domain.EInvalid, Message: "bad request", Fields: domain.Problems{{Field: field, Reason: fmt.Sprintf(format, args...)}}}
}

// widgetScript answers GET /widget.js, the script brands put on their
// pages. Its URL carries no version, so it is cached for a day and then
// revalidated by its ETag.
func (s *Server) widgetScript(w http.ResponseWriter, r *http.Request) error {
	data, ok := s.assets.files["widget.js"]
	if !ok {
		return domain.Errorf(domain.ENotFound, "this build has no widget.js")
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=86400, stale-while-revalidate=604800")
	h.Set("ETag", `"`+s.assets.versions["widget.js"]+`"`)
	// Loaded by other sites' pages, also under COEP and with crossorigin.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Access-Control-Allow-Origin", "*")
	if match := r.Header.Get("If-None-Match"); match != "" && match == h.Get("ETag") {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(data)
	return err
}
