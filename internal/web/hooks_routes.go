package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/hooks"
)

// hooksRoutes manage the subscribers of webhooks out (docs/webhooks.md):
// the API for admins' tokens, and the page for admins.
func (s *Server) hooksRoutes() []route {
	admins := []string{auth.RoleAdmin}
	return []route{
		{"GET /api/v1/webhooks", s.need(auth.ScopeAdmin, s.handle(s.apiWebhooks)), false},
		{"POST /api/v1/webhooks", s.need(auth.ScopeAdmin, s.handle(s.apiAddWebhook)), false},
		{"DELETE /api/v1/webhooks/{id}", s.need(auth.ScopeAdmin, s.handle(s.apiRemoveWebhook)), false},
		{"POST /api/v1/webhooks/{id}/enable", s.need(auth.ScopeAdmin, s.handle(s.apiEnableWebhook)), false},
		{"GET /api/v1/webhooks/{id}/deliveries", s.need(auth.ScopeAdmin, s.handle(s.apiWebhookDeliveries)), false},

		{"GET /settings/webhooks", s.page(admins, s.webhooksPage), true},
		{"POST /settings/webhooks", s.page(admins, s.addWebhook), true},
		{"POST /settings/webhooks/{id}/remove", s.page(admins, s.removeWebhook), true},
		{"POST /settings/webhooks/{id}/enable", s.page(admins, s.enableWebhook), true},
	}
}

func (s *Server) apiWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := hooks.List(r.Context(), s.db)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": list})
}

// apiAddWebhook answers 201 with the subscriber and its secret, which is
// never shown again.
func (s *Server) apiAddWebhook(w http.ResponseWriter, r *http.Request) error {
	var n hooks.New
	if err := decodeJSON(r, &n); err != nil {
		return err
	}
	c, err := hooks.Add(r.Context(), s.db, n, s.Now())
	if err != nil {
		return err
	}
	s.log.Info("webhook added", "webhook", c.ID, "events", strings.Join(c.Events, ","), "by", infoOf(r).token)
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiRemoveWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	if err := hooks.Remove(r.Context(), s.db, id); err != nil {
		return err
	}
	s.log.Info("webhook removed", "webhook", id, "by", infoOf(r).token)
	return writeJSON(w, http.StatusOK, map[string]any{"id": id, "removed": true})
}

func (s *Server) apiEnableWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	sub, err := hooks.Enable(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sub)
}

func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return invalidField("bad query", "limit", "is a number from 1 to 1000")
		}
	}
	sub, err := hooks.Get(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	log, err := hooks.Log(r.Context(), s.db, id, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhook": sub, "deliveries": log})
}

// webhooksPage is what /settings/webhooks draws.
type webhooksPage struct {
	CSRF     string
	Events   []eventChoice // the add form's boxes
	Webhooks []webhookView
	// Added is the subscriber just added, with its secret: the one time
	// it is shown.
	Added *hooks.Created
	// The add form as typed, when it had a mistake.
	Form  hooks.New
	Error string
}

type eventChoice struct {
	Name    string
	Checked bool
}

type webhookView struct {
	hooks.Subscription
	Status     string
	Disabled   string // when, formatted
	Deliveries []deliveryView
}

type deliveryView struct {
	hooks.Delivery
	At, Sent, Next string
}

// deliveriesShown is how much of each subscriber's log the page shows; the
// API and quietdesk webhooks log give more.
const deliveriesShown = 20

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.drawWebhooks(w, r, sess, http.StatusOK, webhooksPage{Form: hooks.New{Events: hooks.EventTypes}})
}

func (s *Server) drawWebhooks(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, data webhooksPage) error {
	list, err := hooks.List(r.Context(), s.db)
	if err != nil {
		return err
	}
	data.CSRF = sess.CSRF
	for _, e := range hooks.EventTypes {
		data.Events = append(data.Events, eventChoice{Name: e, Checked: slices.Contains(data.Form.Events, e)})
	}
	for _, sub := range list {
		v := webhookView{Subscription: sub, Status: "active"}
		switch {
		case sub.DisabledAt != nil:
			v.Status, v.Disabled = "disabled", pageTime(*sub.DisabledAt)
		case sub.Failures > 0:
			v.Status = "failing"
		}
		log, err := hooks.Log(r.Context(), s.db, sub.ID, deliveriesShown)
		if err != nil {
			return err
		}
		for _, d := range log {
			dv := deliveryView{Delivery: d, At: pageTime(d.CreatedAt)}
			if d.SentAt != nil {
				dv.Sent = pageTime(*d.SentAt)
			}
			if d.NextAttemptAt != nil {
				dv.Next = pageTime(*d.NextAttemptAt)
			}
			v.Deliveries = append(v.Deliveries, dv)
		}
		data.Webhooks = append(data.Webhooks, v)
	}
	return s.render(w, status, "webhooks", &view{Title: "Webhooks", Session: sess, Nav: "webhooks", Notice: data.Error, Data: data})
}

func pageTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// addWebhook adds a subscriber and draws the page with its secret, once.
func (s *Server) addWebhook(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EInvalid, "the form could not be read: %v", err)
	}
	n := hooks.New{URL: r.PostFormValue("url"), Events: r.PostForm["events"], Description: r.PostFormValue("description")}
	c, err := hooks.Add(r.Context(), s.db, n, s.Now())
	if domain.ErrorCode(err) == domain.EInvalid {
		return s.drawWebhooks(w, r, sess, http.StatusBadRequest, webhooksPage{Form: n, Error: err.Error()})
	}
	if err != nil {
		return err
	}
	s.log.Info("webhook added", "webhook", c.ID, "events", strings.Join(c.Events, ","), "by", sess.User.Email)
	return s.drawWebhooks(w, r, sess, http.StatusOK, webhooksPage{Added: &c, Form: hooks.New{Events: hooks.EventTypes}})
}

func (s *Server) removeWebhook(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	if err := hooks.Remove(r.Context(), s.db, id); err != nil {
		return err
	}
	s.log.Info("webhook removed", "webhook", id, "by", sess.User.Email)
	http.Redirect(w, r, "/settings/webhooks", http.StatusSeeOther)
	return nil
}

func (s *Server) enableWebhook(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	if _, err := hooks.Enable(r.Context(), s.db, id); err != nil {
		return err
	}
	s.log.Info("webhook enabled", "webhook", id, "by", sess.User.Email)
	http.Redirect(w, r, "/settings/webhooks#webhook-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
