package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The inbox's API (openapi.json): a view of conversations a page at a
// time, bulk actions, and the saved replies.

// inboxQuery reads a view and its filter from a request's query:
// view, q, cursor, team (a name), topic, channel, tag, limit.
func (s *Server) inboxQuery(ctx context.Context, r *http.Request, userID int64, defaultView string) (string, desk.InboxFilter, desk.InboxCursor, error) {
	q := r.URL.Query()
	view := q.Get("view")
	if view == "" {
		view = defaultView
	}
	f := desk.InboxFilter{UserID: userID, Topic: q.Get("topic"), Channel: q.Get("channel"), Tag: q.Get("tag"), Search: q.Get("q"), Now: s.Now()}
	if name := q.Get("team"); name != "" {
		id, err := desk.TeamByName(ctx, s.db, name)
		if err != nil {
			return view, f, desk.InboxCursor{}, err
		}
		f.TeamID = id
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > desk.MaxInboxLimit {
			return view, f, desk.InboxCursor{}, deskFieldError("bad limit", "limit", "a number from 1 to "+strconv.Itoa(desk.MaxInboxLimit))
		}
		f.Limit = n
	}
	cur, err := desk.ParseInboxCursor(q.Get("cursor"))
	return view, f, cur, err
}

// apiListConversations answers GET /api/v1/conversations.
func (s *Server) apiListConversations(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	view, f, cur, err := s.inboxQuery(r.Context(), r, a.UserID, desk.ViewOpen)
	if err != nil {
		return err
	}
	page, err := desk.Inbox(r.Context(), s.db, view, f, cur)
	if err != nil {
		return err
	}
	out := struct {
		View          string          `json:"view"`
		Conversations []desk.InboxRow `json:"conversations"`
		NextCursor    *string         `json:"next_cursor"`
		SearchCapped  bool            `json:"search_capped"`
	}{View: view, Conversations: page.Rows, SearchCapped: page.SearchCapped}
	if out.Conversations == nil {
		out.Conversations = []desk.InboxRow{}
	}
	if !page.Next.IsZero() {
		next := page.Next.String()
		out.NextCursor = &next
	}
	return writeJSON(w, http.StatusOK, out)
}

// bulkInput is POST /api/v1/conversations/bulk's body.
type bulkInput struct {
	IDs    []int64  `json:"ids"`
	Action string   `json:"action"`
	UserID *int64   `json:"user_id"`
	Email  *string  `json:"email"`
	Team   *string  `json:"team"`
	Tags   []string `json:"tags"`
}

func (s *Server) bulk(ctx context.Context, a deskActor, in bulkInput) ([]desk.BulkResult, error) {
	req := desk.BulkRequest{IDs: in.IDs, Action: in.Action, Tags: in.Tags}
	if in.Action == desk.BulkAssign {
		to, err := s.assignment(ctx, assignInput{UserID: in.UserID, Email: in.Email, Team: in.Team})
		if err != nil {
			return nil, err
		}
		req.Assign = to
	}
	var out []desk.BulkResult
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = desk.Bulk(ctx, tx, a.actor(), req, s.Now())
		return err
	})
	return out, err
}

// apiBulk answers POST /api/v1/conversations/bulk.
func (s *Server) apiBulk(w http.ResponseWriter, r *http.Request) error {
	var in bulkInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.bulk(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		Results []desk.BulkResult `json:"results"`
	}{res})
}

// apiSavedReplies answers GET /api/v1/saved_replies.
func (s *Server) apiSavedReplies(w http.ResponseWriter, r *http.Request) error {
	list, err := desk.SavedReplies(r.Context(), s.db)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		SavedReplies []desk.SavedReply `json:"saved_replies"`
		Variables    []string          `json:"variables"`
	}{list, desk.ReplyVariables()})
}

// apiSaveReply answers POST /api/v1/saved_replies {"id"?, "name", "body"}:
// 201 with a new reply, 200 with a changed (or unchanged) one.
func (s *Server) apiSaveReply(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Body string `json:"body"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	saved, created, err := s.saveReply(r.Context(), desk.SavedReply{ID: in.ID, Name: in.Name, Body: in.Body})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, saved)
}

func (s *Server) saveReply(ctx context.Context, sr desk.SavedReply) (desk.SavedReply, bool, error) {
	var saved desk.SavedReply
	var created bool
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		saved, created, err = desk.SaveReply(ctx, tx, sr, s.Now())
		return err
	})
	return saved, created, err
}

// deskAdmin lets through what only admins do on the desk: a token of
// scope admin, or an admin's session.
func (s *Server) deskAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(sessionCookie); err != nil || r.Header.Get("Authorization") != "" {
			s.need(auth.ScopeAdmin, s.deskAccess(next)).ServeHTTP(w, r)
			return
		}
		sess, err := s.session(r)
		if err == nil && sess.User.Role != auth.RoleAdmin {
			s.writeError(w, r, domain.Errorf(domain.EForbidden, "%s is logged in as %s; saved replies are written by admins", sess.User.Email, sess.User.Role))
			return
		}
		s.deskAccess(next).ServeHTTP(w, r)
	})
}

// tagList reads tags written "a, b" in a form field.
func tagList(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
